"""Site-wide request handling that belongs to no single app."""

import logging
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware import http
from django.template import loader
from django.utils.cache import get_conditional_response, set_response_etag


def admin_content_security_policy(get_response):
    """The admin's scripts set inline styles; only there are inline styles allowed.

    Scripts stay 'self' everywhere, and the public pages keep the strict policy.
    """
    policy = {**settings.SECURE_CSP, "style-src": [*settings.SECURE_CSP["style-src"], "'unsafe-inline'"]}

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/admin/"):
            response._csp_config = policy
        return response

    return middleware


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's, but HEAD gets the same ETag as GET, and 304 for a matching If-None-Match.

    Django leaves HEAD out because the response goes without a body; but the view renders the
    whole body, and the server drops it only after this middleware has run.
    """

    def process_response(self, request, response):
        if request.method != "HEAD":
            return super().process_response(request, response)
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        return get_conditional_response(request, etag=response.get("ETag"), response=response)


logger = logging.getLogger(__name__)

# The pages use none of these browser features; no script on them may ask for one.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "payment", "usb",
    )
)

# How long a reader or a client is asked to wait while the database is out of reach.
RETRY_AFTER_SECONDS = 30


def request_id(get_response):
    """Give every request a short id: in the X-Request-ID header, in each log line about the
    request and on the error page, so that a reader's report finds its traceback."""

    def middleware(request):
        request.id = uuid.uuid4().hex[:12]
        response = get_response(request)
        response.headers.setdefault("X-Request-ID", request.id)
        return response

    return middleware


class RequestIdFilter(logging.Filter):
    """Gives each log record the `request_id` of the request it is about, or "-"."""

    def filter(self, record):
        record.request_id = getattr(getattr(record, "request", None), "id", "-")
        return True


def permissions_policy(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer 503 with Retry-After, in the reader's language.

    Last in MIDDLEWARE, so that it sees the error first, from the view or from rendering its
    template. The page is rendered without the database; the transaction the view had open was
    rolled back as the error left it, so nothing is half-written. Each request tries the database
    afresh, so service returns by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        return database_unavailable(request, exception)


def database_unavailable(request, exception):
    """The 503 page, with Retry-After, for a request that could not reach the database."""
    # django.request logs the 503 itself; this line gives the cause.
    logger.warning(
        "Database unavailable: %s %s: %s", request.method, request.path, exception, extra={"request": request}
    )
    content = loader.render_to_string("503.html")
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
