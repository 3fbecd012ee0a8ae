"""Site-wide request handling that belongs to no single app."""

from django.conf import settings


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
