"""What every public page promises: read-only methods, conditional requests, a strict CSP, languages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PAGES = [
    ("claims:home", {}),
    ("claims:claim-list", {}),
    ("claims:claim-detail", {"source": "essay", "number": 1}),
    ("claims:source-detail", {"slug": "essay"}),
    ("claims:track-detail", {"slug": "constitutional-revision"}),
    ("claims:methodology", {}),
    ("claims:claims-json", {}),
    ("claims:claims-csv", {}),
    ("claims:updates-feed", {}),
    ("claims:claim-feed", {"source": "essay", "number": 1}),
]


@pytest.fixture
def site(make_claim, track):
    make_claim(track=track)


def url(name, kwargs, language="en"):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_public_urls_refuse_writing_methods(client, site, name, kwargs, method):
    response = getattr(client, method)(url(name, kwargs))
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_public_urls_answer_head(client, site, name, kwargs):
    response = client.head(url(name, kwargs))
    assert response.status_code == 200
    assert response.content == b""


# The home page lists what falls due from today, so a second request after midnight is a changed page.
@pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(("name", "kwargs"), PAGES[:6])
def test_pages_send_an_etag_and_answer_a_matching_conditional_request_with_304(client, site, name, kwargs):
    first = client.get(url(name, kwargs))
    assert first["ETag"]
    again = client.get(url(name, kwargs), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_page_does_not_answer_304(client, site, record_update):
    from claims.models import Claim

    first = client.get(url("claims:home", {}))
    record_update(Claim.objects.get(), status=Claim.Status.ACCURATE)
    again = client.get(url("claims:home", {}), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES[:6])
def test_pages_send_a_content_security_policy_without_unsafe_inline(client, site, name, kwargs):
    policy = client.get(url(name, kwargs))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(("name", "kwargs"), PAGES[:6])
def test_pages_have_no_inline_style_or_script(client, site, name, kwargs):
    html = client.get(url(name, kwargs)).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith('type="application/ld+json"')


def test_root_sends_a_chinese_reader_to_the_chinese_pages(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hant/"


def test_root_sends_an_english_reader_to_the_english_pages(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert response["Location"] == "/en/"


@pytest.mark.parametrize(("language", "lang_attribute", "word"), [("en", 'lang="en"', "Claims"), ("zh-hant", 'lang="zh-Hant"', "論述")])
def test_pages_are_served_in_both_languages(client, site, language, lang_attribute, word):
    html = client.get(url("claims:claim-list", {}, language)).content.decode()
    assert f"<html {lang_attribute}>" in html
    assert word in html


def test_language_switcher_keeps_the_reader_on_the_same_page_and_filters(client, site):
    html = client.get(url("claims:claim-list", {}, "en") + "?kind=prediction").content.decode()
    assert 'href="/zh-hant/claims/?kind=prediction"' in html


def test_pages_advertise_the_open_data_and_feeds(client, site):
    html = client.get(url("claims:home", {})).content.decode()
    for name in ("claims:updates-feed", "claims:claims-json", "claims:claims-csv"):
        assert 'rel="alternate"' in html and url(name, {}) in html
    claim_html = client.get(url("claims:claim-detail", {"source": "essay", "number": 1})).content.decode()
    assert url("claims:claim-feed", {"source": "essay", "number": 1}) in claim_html


def test_only_the_admin_allows_inline_styles_and_never_inline_scripts(client, analyst):
    client.force_login(analyst)
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in client.get("/en/")["Content-Security-Policy"]
