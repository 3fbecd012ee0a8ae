"""Public pages: an ETag from the data revision, 304 without rendering, and a cache that a write empties."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from claims.models import Claim, Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache():
    cache.clear()
    with override_settings(PAGE_CACHE_SECONDS=600):
        yield
    cache.clear()


def test_a_write_moves_the_revision_once_its_transaction_commits(make_claim, django_capture_on_commit_callbacks):
    before = Revision.current()
    with django_capture_on_commit_callbacks(execute=True):
        claim = make_claim()
        claim.edit({"text_en": "A new wording."}, reason="Wording.")
    assert Revision.current() > before


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


def test_a_cached_page_is_served_without_rendering_until_the_data_changes(client, make_claim, page_cache, django_capture_on_commit_callbacks):
    claim = make_claim(text_en="The first wording.")
    assert "The first wording." in client.get("/en/claims/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/claims/")
    assert "The first wording." in again.content.decode()
    assert len(queries) == 1  # the revision; the page came from the cache

    with django_capture_on_commit_callbacks(execute=True):
        Claim.objects.get(pk=claim.pk).edit({"text_en": "The second wording."}, reason="Wording.")
    fresh = client.get("/en/claims/").content.decode()
    assert "The second wording." in fresh and "The first wording." not in fresh


def test_a_streamed_export_gets_an_etag_and_a_304(client, make_claim):
    make_claim()
    response = client.get("/en/data/claims.csv")
    assert response.streaming
    assert client.get("/en/data/claims.csv", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
