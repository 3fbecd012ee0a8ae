"""Login throttling (django-axes): per account and per address, the lockout page, and unlocking.

The limit is 5 failed logins and the cool-off 15 minutes (the defaults of
DJANGO_LOGIN_FAILURE_LIMIT and DJANGO_LOGIN_COOLOFF_MINUTES). Logins are posted to the real admin
login form, as a browser would; `client.login()` cannot be used because axes needs the request.
"""

import datetime
from collections import Counter

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from analysts.logins import client_address
from config.settings import env_int

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
START = datetime.datetime(2026, 11, 29, 0, 0, tzinfo=datetime.UTC)


def log_in(client, username, password, address="203.0.113.7", **headers):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def is_logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def mei(make_user):
    return make_user("mei", "analyst")


@pytest.fixture
def locked_mei(client, mei, time_machine):
    time_machine.move_to(START, tick=False)
    for _ in range(5):
        log_in(client, "mei", "wrong")
    return mei


# Throttling


def test_a_hundred_wrong_passwords_are_refused_after_five_without_checking_them(client, mei, monkeypatch):
    checked = []
    check_password = get_user_model().check_password
    monkeypatch.setattr(
        get_user_model(), "check_password", lambda user, raw: checked.append(raw) or check_password(user, raw)
    )

    statuses = Counter(log_in(client, "mei", f"guess-{attempt}").status_code for attempt in range(100))

    # The first four get the form back; the fifth failure locks, and every later guess is refused unread.
    assert statuses == {200: 4, 429: 96}
    assert len(checked) == 5


def test_the_right_password_is_refused_while_the_account_is_locked(client, locked_mei):
    response = log_in(client, "mei", "pw-mei-1")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_fewer_failures_than_the_limit_leave_the_right_password_working(client, mei):
    for _ in range(4):
        log_in(client, "mei", "wrong")

    response = log_in(client, "mei", "pw-mei-1")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_an_account_is_locked_from_every_address(client, mei):
    for number in range(5):
        log_in(client, "mei", "wrong", address=f"198.51.100.{number}")

    assert log_in(client, "mei", "pw-mei-1", address="192.0.2.99").status_code == 429


def test_an_address_is_locked_for_every_account_after_failures_across_accounts(client, mei, make_user):
    make_user("ken", "editor")
    for number in range(5):
        log_in(client, f"guess{number}", "wrong")

    assert log_in(client, "ken", "pw-ken-1").status_code == 429
    assert log_in(client, "ken", "pw-ken-1", address="192.0.2.99").status_code == 302


def test_other_accounts_log_in_while_one_is_locked(client, locked_mei, make_user):
    make_user("ken", "editor")

    assert log_in(client, "ken", "pw-ken-1", address="192.0.2.99").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, locked_mei, time_machine):
    time_machine.move_to(START + datetime.timedelta(minutes=16), tick=False)
    assert log_in(client, "mei", "pw-mei-1").status_code == 302
    assert is_logged_in(client)


def test_a_refused_attempt_restarts_the_cool_off(client, locked_mei, time_machine):
    time_machine.move_to(START + datetime.timedelta(minutes=14), tick=False)
    assert log_in(client, "mei", "pw-mei-1").status_code == 429

    # Locked from 00:00 until 00:15, but the attempt at 00:14 moved the end to 00:29.
    time_machine.move_to(START + datetime.timedelta(minutes=16), tick=False)
    assert log_in(client, "mei", "pw-mei-1").status_code == 429
    time_machine.move_to(START + datetime.timedelta(minutes=32), tick=False)
    assert log_in(client, "mei", "pw-mei-1").status_code == 302
    assert is_logged_in(client)


def test_a_forged_forwarded_address_does_not_escape_the_address_lock(client, mei):
    for number in range(5):
        log_in(client, f"guess{number}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    assert log_in(client, "mei", "pw-mei-1", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


# The lockout page


def test_lockout_page_says_when_to_try_again(client, mei, time_machine):
    time_machine.move_to(START, tick=False)
    for _ in range(4):
        log_in(client, "mei", "wrong")

    response = log_in(client, "mei", "wrong", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "After 5 failed attempts" in page
    assert "Try again after 2026-11-29 00:15 UTC (in 15 minutes)." in page
    assert "ask an editor to unlock your account" in page


def test_lockout_page_speaks_chinese_by_default(client, locked_mei):
    response = log_in(client, "mei", "pw-mei-1")

    page = response.content.decode()
    assert "登入失敗次數過多" in page
    assert "請於 2026-11-29 00:15 UTC 之後（15 分鐘後）再試" in page


def test_lockout_page_keeps_the_strict_script_policy(client, locked_mei):
    response = log_in(client, "mei", "pw-mei-1")

    assert "script-src 'self'" in response["Content-Security-Policy"]


# Unlocking


def test_an_editor_unlocks_an_account_in_the_admin(client, locked_mei, make_user):
    editor = make_user("ed", "editor")
    client.force_login(editor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "mei" in client.get(changelist).content.decode()

    rows = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = client.post(changelist, {"action": "unlock", "_selected_action": rows}, follow=True)

    assert "Unlocked mei: 1 failed-login records forgotten." in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert LogEntry.objects.get(action_flag=DELETION).user == editor
    client.logout()
    assert log_in(client, "mei", "pw-mei-1").status_code == 302


def test_unlocking_forgets_the_accounts_attempts_from_every_address(client, mei, make_user):
    for number in range(5):
        log_in(client, "mei", "wrong", address=f"198.51.100.{number}")
    client.force_login(make_user("ed", "editor"))
    one_row = AccessAttempt.objects.filter(ip_address="198.51.100.0").values_list("pk", flat=True)

    client.post(reverse("admin:axes_accessattempt_changelist"), {"action": "unlock", "_selected_action": list(one_row)})

    assert not AccessAttempt.objects.filter(username="mei").exists()


def test_analysts_cannot_see_or_unlock_failed_logins(client, locked_mei, make_user):
    client.force_login(make_user("kim", "analyst"))

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_editors_can_only_read_a_failed_login_record(client, locked_mei, make_user):
    client.force_login(make_user("ed", "editor"))
    url = reverse("admin:axes_accessattempt_change", args=[AccessAttempt.objects.get().pk])

    response = client.get(url)

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(url, {}).status_code == 403


def test_the_reset_command_unlocks_an_account(client, locked_mei):
    call_command("axes_reset_username", "mei")

    assert log_in(client, "mei", "pw-mei-1").status_code == 302


def test_a_successful_login_is_recorded_with_its_address(client, mei):
    log_in(client, "mei", "pw-mei-1", address="192.0.2.5")

    assert list(AccessLog.objects.values_list("username", "ip_address")) == [("mei", "192.0.2.5")]


# The address a login comes from


def request_from(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(LOGIN, **headers)


def test_the_forwarded_header_is_ignored_when_no_proxy_is_trusted():
    assert client_address(request_from("203.0.113.7", "10.0.0.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote():
    # The client wrote 10.0.0.1 itself; the proxy appended the address it saw, 198.51.100.4.
    assert client_address(request_from("172.18.0.2", "10.0.0.1, 198.51.100.4")) == "198.51.100.4"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_proxys_view_counts():
    assert client_address(request_from("172.18.0.2", "10.0.0.1, 198.51.100.4, 172.18.0.9")) == "198.51.100.4"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_or_malformed_forwarded_header_falls_back_to_the_connection(forwarded):
    assert client_address(request_from("172.18.0.2", forwarded)) == "172.18.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(client, mei, make_user):
    make_user("ken", "editor")
    for number in range(5):
        log_in(client, f"guess{number}", "wrong", address="172.18.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")

    proxy = "172.18.0.2"
    assert log_in(client, "ken", "pw-ken-1", address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 429
    assert log_in(client, "ken", "pw-ken-1", address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.8").status_code == 302


# Settings


def test_defaults_are_five_failures_and_fifteen_minutes_by_account_or_by_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.TRUSTED_PROXY_COUNT == 0


@pytest.mark.parametrize("value", ["five", "0", "-3", "2.5"])
def test_a_bad_login_limit_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("DJANGO_LOGIN_FAILURE_LIMIT", value)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOGIN_FAILURE_LIMIT"):
        env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1)


def test_a_login_limit_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_LOGIN_FAILURE_LIMIT", " 8 ")

    assert env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1) == 8
