"""What every public page shares at the HTTP level."""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from claims.models import Revision


def read_only(view):
    """A public page: it answers GET and HEAD, and anything else gets 405 with `Allow: GET, HEAD`.

    A public page never writes, so it needs no CSRF check; with one, the CSRF middleware (which
    runs before the view) would answer a POST with 403 before the view could say 405.

    Its ETag comes from the data revision, the language and the address, so a conditional
    request that matches is answered 304 after one small query, without rendering; and a page
    rendered once is served from the cache until the data changes (PAGE_CACHE_SECONDS at most).
    """

    @wraps(view)
    def page(request, *args, **kwargs):
        revision = Revision.current()
        key = hashlib.sha256(f"{revision}|{get_language()}|{request.get_full_path()}".encode()).hexdigest()[:32]
        etag = quote_etag(key)
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        response = cache.get(f"page:{key}") if settings.PAGE_CACHE_SECONDS else None
        if response is None:
            response = view(request, *args, **kwargs)
            if settings.PAGE_CACHE_SECONDS and response.status_code == 200 and not response.streaming:
                cache.set(f"page:{key}", response, settings.PAGE_CACHE_SECONDS)
        if response.status_code == 200:
            response["ETag"] = etag
        return response

    return csrf_exempt(require_safe(page))
