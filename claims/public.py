"""What every public page shares at the HTTP level."""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseNotModified
from django.utils import translation
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language, get_language_from_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from claims.models import Revision
from claims.revision_listener import listener
from config.middleware import database_unavailable
from config.routers import public_reads


def public_revision():
    """The data revision a public page carries: from the process's listener where it serves, else read."""
    return listener.current() if settings.REVISION_LISTEN else Revision.current()


def page_key(revision, language, full_path):
    """A public page's ETag and cache key: what it shows depends on the data, the language and the address alone."""
    return hashlib.sha256(f"{revision}|{language}|{full_path}".encode()).hexdigest()[:32]


def not_modified(request, key):
    """The 304 for a request whose If-None-Match names the page's ETag (from `key`); None for any other."""
    etag = quote_etag(key)
    if etag not in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def read_only(view):
    """A public page: it answers GET and HEAD, and anything else gets 405 with `Allow: GET, HEAD`.

    A public page never writes, so it needs no CSRF check; with one, the CSRF middleware (which
    runs before the view) would answer a POST with 403 before the view could say 405.

    Its ETag comes from the data revision, the language and the address, so a conditional
    request that matches is answered 304 without rendering. A rendered page is marked for the
    page cache, which PublicPageMiddleware keeps and serves.
    """

    @wraps(view)
    def page(request, *args, **kwargs):
        key = getattr(request, "page_key", None)  # PublicPageMiddleware read the revision already
        if key is None:
            key = page_key(public_revision(), get_language(), request.get_full_path())
        unchanged = not_modified(request, key)
        if unchanged is not None:
            return unchanged
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response["ETag"] = quote_etag(key)
            if not response.streaming:
                response.page_key = key
        return response

    return csrf_exempt(require_safe(page))


class PublicPageMiddleware:
    """Answers a public page from the data revision before the rest of the middleware runs.

    Placed just after whitenoise: a GET or HEAD under a language prefix learns the revision (from
    the process's listener, or with one small query), then a matching If-None-Match is answered
    304, and a page rendered before under the same revision, language and address is served from
    the cache, as a static file would be. Anything else goes on through the stack; on its way back, a page that `read_only` marked is cached with
    the headers the inner middleware gave it (the outer ones add theirs to every answer), unless
    it sets a cookie. The cache holds a page for PAGE_CACHE_SECONDS at most; 0 turns it off.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = get_language_from_path(request.path_info) if request.method in ("GET", "HEAD") else None
        public_reads.set(bool(language))  # with a replica, a public page reads from it (config/routers.py)
        if not language:
            return self.get_response(request)
        translation.activate(language)  # as LocaleMiddleware will: an error page is in the reader's language
        try:
            revision = public_revision()
        except (OperationalError, InterfaceError) as error:
            return database_unavailable(request, error)  # as DatabaseUnavailableMiddleware answers for a view
        key = request.page_key = page_key(revision, language, request.get_full_path())
        unchanged = not_modified(request, key)
        if unchanged is not None:
            return unchanged
        seconds = settings.PAGE_CACHE_SECONDS
        response = cache.get(f"page:{key}") if seconds else None
        if response is not None:
            return response
        response = self.get_response(request)
        if seconds and getattr(response, "page_key", None) == key and not response.cookies:
            cache.set(f"page:{key}", response, seconds)
        return response
