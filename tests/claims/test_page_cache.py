"""Public pages: an ETag from the data revision, 304 without rendering, and a cache that a write empties."""

import psycopg
import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext, override_settings

from claims.models import Claim, Revision, Topic
from claims.public import PublicPageMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache():
    cache.clear()
    with override_settings(PAGE_CACHE_SECONDS=600):
        yield
    cache.clear()


# The tests of the revision commit their writes: it moves once a transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_write_moves_the_revision_once_its_transaction_commits(make_claim):
    claim = make_claim()
    before = Revision.current()
    with transaction.atomic():
        claim.edit({"text_en": "A new wording."}, reason="Wording.")
        assert Revision.current() == before
    assert Revision.current() == before + 1


def test_a_matching_if_none_match_is_answered_304_with_one_query(client, make_claim):
    make_claim()
    etag = client.get("/en/claims/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/claims/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert len(queries) == 1


def test_the_etag_differs_by_language_and_address(client, make_claim):
    make_claim()
    etags = {client.get(path)["ETag"] for path in ("/en/claims/", "/zh-hant/claims/", "/en/claims/?kind=assertion")}
    assert len(etags) == 3


@pytest.mark.django_db(transaction=True)
def test_a_cached_page_is_served_without_rendering_until_the_data_changes(client, make_claim, page_cache):
    claim = make_claim(text_en="The first wording.")
    assert "The first wording." in client.get("/en/claims/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/claims/")
    assert "The first wording." in again.content.decode()
    assert len(queries) == 1  # the revision; the page came from the cache

    Claim.objects.get(pk=claim.pk).edit({"text_en": "The second wording."}, reason="Wording.")
    fresh = client.get("/en/claims/").content.decode()
    assert "The second wording." in fresh and "The first wording." not in fresh


def test_a_streamed_export_gets_an_etag_and_a_304(client, make_claim):
    make_claim()
    response = client.get("/en/data/claims.csv")
    assert response.streaming
    assert client.get("/en/data/claims.csv", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.django_db(transaction=True)
def test_many_writes_in_one_transaction_move_the_revision_once(make_claim):
    before = Revision.current()
    with transaction.atomic():
        claim = make_claim()
        claim.edit({"text_en": "A new wording."}, reason="Wording.")
        claim.edit({"text_en": "A third wording."}, reason="Wording.")
        claim.topics.add(Topic.objects.create(slug="alliance", name="美日同盟", name_en="Japan–US alliance"))
    assert Revision.current() == before + 1


def test_a_cached_page_keeps_the_headers_of_every_middleware(client, make_claim, page_cache):
    make_claim()
    first = client.get("/en/claims/")
    cached = client.get("/en/claims/")
    assert cached.content == first.content
    for header in ("ETag", "Content-Language", "X-Frame-Options", "Content-Security-Policy", "Permissions-Policy"):
        assert cached[header] == first[header], header
    assert cached["X-Request-ID"] != first["X-Request-ID"]  # each answer is a request of its own


def test_only_public_pages_are_cached(client, analyst, page_cache):
    client.force_login(analyst)
    client.get("/admin/claims/claim/")
    client.get("/en/no-such-page/")
    assert not [key for key in cache._cache if "page:" in key]  # locmem: the keys it holds


def test_a_page_that_sets_a_cookie_is_not_cached(rf, page_cache):
    def sets_a_cookie(request):
        response = HttpResponse("a page")
        response.page_key = request.page_key  # as read_only marks a page
        response.set_cookie("visited", "yes")
        return response

    def plain(request):
        response = HttpResponse("a page")
        response.page_key = request.page_key
        return response

    PublicPageMiddleware(sets_a_cookie)(rf.get("/en/claims/"))
    assert not [key for key in cache._cache if "page:" in key]
    PublicPageMiddleware(plain)(rf.get("/en/claims/"))
    assert [key for key in cache._cache if "page:" in key]


def test_a_304_or_a_cached_page_does_not_run_the_middleware_after_it(client, make_claim, page_cache, monkeypatch):
    make_claim()
    etag = client.get("/en/claims/")["ETag"]
    calls = []
    process_request = SessionMiddleware.process_request
    monkeypatch.setattr(SessionMiddleware, "process_request", lambda self, request: calls.append(request.path) or process_request(self, request))
    assert client.get("/en/claims/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/en/claims/").status_code == 200
    assert calls == []
    client.get("/en/claims/?page=1")
    assert calls == ["/en/claims/"]


@pytest.mark.django_db(transaction=True)
def test_reading_the_revision_is_the_kept_connections_health_check(monkeypatch):
    if connection.vendor != "postgresql" or not connection.settings_dict["CONN_HEALTH_CHECKS"]:
        pytest.skip("a PostgreSQL connection with health checks")
    Revision.bump()
    expected = Revision.current()
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or True)
    connection.health_check_done = False  # as at the start of each request
    assert Revision.current() == expected
    assert checks == []  # no second round trip

    ended = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params() | {"autocommit": True}) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [ended])  # returns once it has ended
    connection.health_check_done = False
    assert Revision.current() == expected  # the dead connection was closed and the query ran on a new one
    assert connection.connection.info.backend_pid != ended


@pytest.mark.django_db(transaction=True)
def test_a_revision_read_that_times_out_is_not_tried_again(monkeypatch):
    if connection.vendor != "postgresql" or not connection.settings_dict["CONN_HEALTH_CHECKS"]:
        pytest.skip("a PostgreSQL connection with health checks")
    Revision.bump()
    reads = []
    read = Revision._read

    def slow(connection):
        reads.append(connection.alias)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 50")
            try:
                cursor.execute("SELECT pg_sleep(1)")
            finally:
                cursor.execute("SET statement_timeout = 0")
        return read(connection)

    monkeypatch.setattr(Revision, "_read", slow)
    connection.health_check_done = False
    with pytest.raises(OperationalError, match="statement timeout"):
        Revision.current()
    assert reads == ["default"]
