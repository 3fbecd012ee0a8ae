"""What every public page shares at the HTTP level."""

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


def read_only(view):
    """A public page: it answers GET and HEAD, and anything else gets 405 with `Allow: GET, HEAD`.

    A public page never writes, so it needs no CSRF check; with one, the CSRF middleware (which
    runs before the view) would answer a POST with 403 before the view could say 405.
    """
    return csrf_exempt(require_safe(view))
