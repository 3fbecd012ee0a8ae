"""Login throttling with django-axes: the address a login comes from, and what a locked-out person is told."""

import ipaddress

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext


def client_address(request):
    """The address logins are counted against.

    The connection's own address, unless settings.TRUSTED_PROXY_COUNT proxies stand in front of
    the site: then the address the outermost of them saw, counted from the right of
    X-Forwarded-For. Everything further left is whatever the client chose to send, so trusting it
    would let an attacker pick a new address for every guess.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def lockout(request, original_response, credentials):
    """The admin page a locked-out login gets: 429, when to try again, and who can unlock sooner.

    Every refused attempt restarts the cool-off (axes' default), so the time shown is when the
    lock ends if nobody tries again before then.
    """
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Too many failed logins"),
        "until": timezone.now() + cool_off,
        "minutes": round(cool_off.total_seconds() / 60),
        "limit": get_failure_limit(request, credentials),
    }
    response = render(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
