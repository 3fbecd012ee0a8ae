"""What readers and analysts get when the database is out of reach or a page fails: 503 and 500."""

import logging
import re

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from config.middleware import PERMISSIONS_POLICY, RequestIdFilter


def unreachable(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def closed(execute, sql, params, many, context):
    raise InterfaceError("connection already closed")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, words",
    [
        ("/zh-hant/", "暫時無法使用"),
        ("/en/", "Temporarily unavailable"),
        ("/en/claims/", "cannot reach its database"),
        ("/zh-hant/methodology/", "無法連上資料庫"),
    ],
)
def test_public_page_answers_503_in_its_language_when_the_database_is_unreachable(client, url, words):
    with connection.execute_wrapper(unreachable):
        response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert words in response.content.decode()


@pytest.mark.django_db
def test_a_closed_connection_is_a_503_too(client):
    with connection.execute_wrapper(closed):
        response = client.get("/en/")

    assert response.status_code == 503


@pytest.mark.django_db
def test_admin_answers_503_when_the_database_is_unreachable(client, analyst):
    client.force_login(analyst)

    with connection.execute_wrapper(unreachable):
        response = client.get("/admin/claims/claim/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "暫時無法使用" in response.content.decode()


def test_admin_save_that_loses_the_database_half_way_writes_nothing(client, analyst, make_claim, admin_form):
    claim = make_claim()
    url = f"/admin/claims/claim/{claim.pk}/change/"
    client.force_login(analyst)
    data = admin_form(client, url)
    data.update(text_en="Takaichi Sanae left for Washington.", change_reason="Sharper wording.")
    history_rows = claim.history.count()

    def lost_at_the_history_row(execute, sql, params, many, context):
        # The claim's own UPDATE has gone through by now; its history row is next.
        if sql.startswith("INSERT") and "historical" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lost_at_the_history_row):
        response = client.post(url, data)

    assert response.status_code == 503
    claim.refresh_from_db()
    assert claim.text_en == "An English proposition."
    assert claim.history.count() == history_rows


@pytest.mark.django_db
def test_an_error_that_is_not_the_database_stays_a_500():
    def broken(execute, sql, params, many, context):
        raise RuntimeError("a bug")

    with connection.execute_wrapper(broken):
        response = Client(raise_request_exception=False).get("/en/")

    assert response.status_code == 500


@pytest.mark.django_db
def test_500_page_shows_the_request_id_that_the_log_line_names_with_the_path(caplog):
    def broken(execute, sql, params, many, context):
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR, logger="django.request"), connection.execute_wrapper(broken):
        response = Client(raise_request_exception=False).get("/en/claims/")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{12}", request_id)
    assert f"<code>{request_id}</code>" in response.content.decode()
    assert "Server error" in response.content.decode()
    [record] = [record for record in caplog.records if record.name == "django.request"]
    RequestIdFilter().filter(record)
    line = logging.Formatter(settings.LOGGING["formatters"]["request"]["format"]).format(record)
    assert f"[{request_id}]" in line
    assert "/en/claims/" in line
    assert "RuntimeError: a bug" in line


def test_log_lines_outside_a_request_carry_a_dash_for_the_id():
    record = logging.LogRecord("claims", logging.INFO, __file__, 1, "Seeded.", None, None)

    RequestIdFilter().filter(record)

    assert record.request_id == "-"


@pytest.mark.django_db
def test_every_request_gets_its_own_id(client):
    first, second = client.get("/en/methodology/"), client.get("/en/methodology/")

    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/en/", "/admin/login/"])
def test_pages_deny_browser_features_they_do_not_use(client, url):
    response = client.get(url)

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY and "geolocation=()" in PERMISSIONS_POLICY
