"""The site's own error page; the 503 page is config.middleware.DatabaseUnavailableMiddleware's."""

from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    """The 500 page, with the request's id: the logged traceback carries the same one."""
    return HttpResponseServerError(loader.render_to_string("500.html", {"request_id": getattr(request, "id", "")}))
