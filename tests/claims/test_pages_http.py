"""What every public page promises: read-only methods, conditional requests, a strict CSP, languages,
and no server error whatever the path or query."""

import datetime
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysts import urls as analysts_urls
from analysts.models import ReviewCycle
from claims import urls as claims_urls
from claims.models import Actor, Claim, Topic

pytestmark = pytest.mark.django_db

# Every public route, with the arguments of a page the `site` fixture fills.
PAGES = [
    ("claims:home", {}),
    ("claims:claim-list", {}),
    ("claims:claim-detail", {"source": "essay", "number": 1}),
    ("claims:source-list", {}),
    ("claims:source-detail", {"slug": "essay"}),
    ("claims:track-list", {}),
    ("claims:track-detail", {"slug": "constitutional-revision"}),
    ("claims:topic-list", {}),
    ("claims:actor-list", {}),
    ("claims:methodology", {}),
    ("claims:claims-json", {}),
    ("claims:claims-csv", {}),
    ("claims:updates-feed", {}),
    ("claims:claim-feed", {"source": "essay", "number": 1}),
    ("claims:topic-detail", {"slug": "alliance"}),
    ("claims:actor-detail", {"slug": "takaichi"}),
    ("claims:scorecard", {}),
    ("analysts:cycle-list", {}),
    ("analysts:cycle-report", {"label": "2026-11"}),
    ("analysts:cycle-report-csv", {"label": "2026-11"}),
]
ROUTES = [(app, pattern) for app, urls in [("claims", claims_urls), ("analysts", analysts_urls)]
          for pattern in urls.urlpatterns]  # fmt: skip
LANGUAGES = ["en", "zh-hant"]


@pytest.fixture
def site(make_claim, track, record_update):
    claim = make_claim(track=track)
    record_update(claim, status=Claim.Status.ACCURATE, stage=track.stages.first())
    claim.topics.add(Topic.objects.create(slug="alliance", name="美日同盟", name_en="Japan–US alliance"))
    claim.actors.add(Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae"))
    november = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    ReviewCycle.objects.create(label="2026-11", starts_on=november[0], ends_on=november[1])


def url(name, kwargs, language="en"):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def test_every_public_route_is_in_the_list_of_pages():
    assert {f"{app}:{pattern.name}" for app, pattern in ROUTES} == {name for name, _ in PAGES}


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_public_urls_refuse_writing_methods_with_405_not_a_csrf_403(site, name, kwargs, language, method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(url(name, kwargs, language))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_public_urls_answer_head(client, site, name, kwargs):
    response = client.head(url(name, kwargs))
    assert response.status_code == 200
    assert response.getvalue() == b""


@pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_head_sends_the_same_etag_as_get_and_answers_a_matching_one_with_304(client, site, name, kwargs):
    etag = client.get(url(name, kwargs))["ETag"]
    assert etag
    assert client.head(url(name, kwargs))["ETag"] == etag
    assert client.head(url(name, kwargs), HTTP_IF_NONE_MATCH=etag).status_code == 304


# The home page lists what falls due from today, so a second request after midnight is a changed page.
@pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(("name", "kwargs"), PAGES[:6])
def test_pages_send_an_etag_and_answer_a_matching_conditional_request_with_304(client, site, name, kwargs):
    first = client.get(url(name, kwargs))
    assert first["ETag"]
    again = client.get(url(name, kwargs), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.django_db(transaction=True)  # the revision moves once the write commits
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


# Path segments and query values that have given server errors: a NUL byte (PostgreSQL refuses it
# in text), numbers past the database's integer range, malformed and impossible dates.
NASTY_URLS = [
    "/en/reviews/%00/",
    "/en/reviews/%00/report.csv",
    "/en/sources/essay/C99999999999999999999999/",
    "/en/sources/essay/C99999999999999999999999/feed/",
    "/en/claims/?q=%00",
    "/en/claims/?kind=%00&status=%00",
    "/en/claims/?topic=%00&actor=%00&track=%00&source=%00",
    "/en/claims/?page=%00",
    "/en/claims/?as_of=%00",
    "/en/?as_of=2026-11-01%00",
    "/en/scorecard/?as_of=0001-01-01",
    "/en/sources/essay/C1/?as_of=9999-12-31",
]


@pytest.mark.parametrize("path", NASTY_URLS)
def test_nasty_paths_and_queries_give_no_server_error(site, path):
    assert Client().get(path).status_code < 500


# Values that trouble databases and parsers, mixed into the random ones so that each run tries them.
NASTY = st.sampled_from(["\x00", "2026-11\x00", "essay\x00", "-1", "9" * 30, "1e400", "0001-01-01", "9999-12-31",
                         "%", "..", "\u202e", "𝟙", "' OR 1=1 --"])  # fmt: skip
TEXT = st.one_of(NASTY, st.text(st.characters(exclude_categories=["Cs"]), max_size=40))


def segment_for(converter):
    """A path segment for a `<converter:name>` placeholder: random text, or one its converter accepts."""
    text = TEXT.map(lambda value: quote(value, safe=""))
    raw = st.binary(max_size=20).map(lambda value: quote_from_bytes(value, safe=""))
    valid = {
        "int": st.one_of(st.just("1"), st.integers(min_value=0, max_value=10**25).map(str)),
        "slug": st.one_of(st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True), st.sampled_from(["essay", "2026-11"])),
        "str": st.sampled_from(["2026-11"]),
    }[converter]
    return st.one_of(text, raw, valid)


def path_for(pattern):
    """Random paths that the route `pattern` ("sources/<slug:source>/C<int:number>/") may match."""
    parts = [st.just(part) for part in pattern.split("<")[0:1]]
    for piece in pattern.split("<")[1:]:
        placeholder, literal = piece.split(">", 1)
        parts += [segment_for(placeholder.split(":")[0]), st.just(literal)]
    return st.tuples(*parts).map("".join)


KEYS = st.one_of(
    st.sampled_from(["q", "kind", "status", "topic", "actor", "track", "source", "as_of", "page"]), st.text(max_size=10)
)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(["prediction", "accurate", "alliance", "takaichi", "constitutional-revision", "essay", "2"]),
    st.dates().map(datetime.date.isoformat),
    st.integers().map(str),
)
QUERIES = st.one_of(
    st.lists(st.tuples(KEYS, VALUES), max_size=4).map(urlencode),
    st.binary(max_size=40).map(lambda value: quote_from_bytes(value, safe="=&")),
)


@pytest.mark.parametrize(("app", "route"), ROUTES, ids=[pattern.name for _, pattern in ROUTES])
def test_no_random_path_or_query_gives_a_server_error(site, app, route):
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        language=st.sampled_from(LANGUAGES),
        path=path_for(str(route.pattern)),
        query=QUERIES,
        method=st.sampled_from(["GET", "GET", "HEAD", "POST"]),
    )
    def throw(language, path, query, method):
        response = Client(enforce_csrf_checks=True).generic(method, f"/{language}/{path}?{query}")
        assert response.status_code < 500, f"{method} /{language}/{path}?{query}"

    throw()
