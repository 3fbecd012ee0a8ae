"""The Atom feeds of status updates: the whole site's, and one claim's."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from claims.models import Claim

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def english(name, **kwargs):
    # Feed titles carry status labels; the English feed keeps the test independent of translations.
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def claim_feed_url(claim):
    return english("claims:claim-feed", source=claim.source.slug, number=claim.number)


def moment(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    return [
        {
            "title": entry.findtext("atom:title", namespaces=ATOM),
            # The title's first part: the claim and what changed; the proposition follows a dash.
            "change": entry.findtext("atom:title", namespaces=ATOM).partition(" — ")[0],
            "author": entry.findtext("atom:author/atom:name", namespaces=ATOM),
            "link": entry.find("atom:link", ATOM).get("href"),
            "id": entry.findtext("atom:id", namespaces=ATOM),
            "summary": entry.findtext("atom:summary", namespaces=ATOM),
            "published": entry.findtext("atom:published", namespaces=ATOM),
            "updated": entry.findtext("atom:updated", namespaces=ATOM),
        }
        for entry in feed.findall("atom:entry", ATOM)
    ]


# The site's feed.


def test_site_feed_is_atom_with_a_title_and_a_link_home(client):
    response = client.get(english("claims:updates-feed"))
    feed = ET.fromstring(response.content)

    assert feed.findtext("atom:title", namespaces=ATOM) == "Claim tracker: status updates"
    assert feed.find("atom:subtitle", ATOM) is not None
    assert feed.find("atom:link[@rel='alternate']", ATOM).get("href") == "http://testserver/en/"


def test_site_feed_lists_an_updates_rationale_and_link(client, make_claim, record_update):
    claim = make_claim()
    update = record_update(
        claim,
        status=Claim.Status.ACCURATE,
        rationale="The visit is on the record.",
        recorded=moment(datetime.date(2026, 1, 5)),
    )

    (entry,) = entries(client, english("claims:updates-feed"))

    assert entry["title"] == "C1: Accurate — An English proposition."
    assert entry["summary"] == "<p>The visit is on the record.</p>"
    assert entry["link"] == f"http://testserver/en/sources/essay/C1/#update-{update.pk}"
    assert entry["published"] == entry["updated"] == "2026-01-05T12:00:00+00:00"


def test_site_feed_entry_title_names_the_new_stage_and_status(client, make_claim, track, record_update):
    claim = make_claim(kind=Claim.Kind.POSITION, track=track)
    party_draft = track.stages.get(slug="party-draft")
    record_update(claim, stage=track.stages.get(slug="no-formal-step"), recorded=moment(datetime.date(2026, 1, 5)))
    record_update(claim, status=Claim.Status.IN_PROGRESS, stage=party_draft, recorded=moment(datetime.date(2026, 1, 6)))

    titles = [entry["change"] for entry in entries(client, english("claims:updates-feed"))]

    assert titles == ["C1: In progress / Party draft", "C1: No formal step"]


def test_site_feed_escapes_the_rationale_as_html(client, make_claim, record_update):
    record_update(make_claim(), status=Claim.Status.MIXED, rationale="Budget <b>up</b> & more.\nSee the bill.")

    (entry,) = entries(client, english("claims:updates-feed"))

    assert entry["summary"] == "<p>Budget &lt;b&gt;up&lt;/b&gt; &amp; more.<br>See the bill.</p>"


def test_site_feed_marks_a_correction(client, make_claim, record_update):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    record_update(
        claim,
        status=Claim.Status.ACCURATE,
        corrects=mistaken,
        rationale="The date was right after all.",
        recorded=moment(datetime.date(2026, 1, 6)),
    )

    correction, original = entries(client, english("claims:updates-feed"))

    assert correction["summary"] == "<p>The date was right after all.</p>\n\n<p>Correction of an earlier update.</p>"
    assert "Correction" not in original["summary"]


def test_site_feed_entry_title_says_what_the_claim_is_in_short(client, make_claim, record_update):
    claim = make_claim(text_en="Takaichi will have more room to push her agenda of constitutional revision " * 3)
    record_update(claim, status=Claim.Status.MIXED)

    (entry,) = entries(client, english("claims:updates-feed"))

    assert entry["title"].startswith("C1: Mixed — Takaichi will have more room to push her agenda")
    assert entry["title"].endswith("…") and len(entry["title"]) < len(claim.text_en)


def test_site_feed_marks_a_corrected_update_and_links_to_its_correction(client, make_claim, record_update):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    correction = record_update(
        claim, status=Claim.Status.ACCURATE, corrects=mistaken, recorded=moment(datetime.date(2026, 1, 6))
    )

    newer, original = entries(client, english("claims:updates-feed"))

    assert original["title"] == "C1: Mixed — An English proposition. (corrected)"
    assert f'<a href="/en/sources/essay/C1/#update-{correction.pk}">See the correction</a>' in original["summary"]
    # The entry changed when the correction marked it.
    assert original["updated"] == "2026-01-06T12:00:00+00:00"
    assert "(corrected)" not in newer["title"]


def test_site_feed_names_the_site_as_author_and_each_entry_by_its_analysts_public_name(
    client, make_claim, record_update, make_user
):
    claim = make_claim()
    record_update(claim, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    mei = make_user("mei-login", "analyst", display_name="Mei Chen")
    record_update(claim, status=Claim.Status.ACCURATE, recorded_by=mei, recorded=moment(datetime.date(2026, 1, 6)))

    feed = ET.fromstring(client.get(english("claims:updates-feed")).content)
    named, anonymous = entries(client, english("claims:updates-feed"))

    assert feed.findtext("atom:author/atom:name", namespaces=ATOM) == "Claim tracker"
    assert named["author"] == mei.public_name
    assert "mei-login" not in client.get(english("claims:updates-feed")).content.decode()
    assert anonymous["author"] is None  # the feed's author stands in


def test_claim_feed_names_the_site_as_author(client, make_claim):
    feed = ET.fromstring(client.get(claim_feed_url(make_claim())).content)

    assert feed.findtext("atom:author/atom:name", namespaces=ATOM) == "Claim tracker"


def test_site_feed_lists_newest_first_with_unique_ids(client, make_claim, record_update):
    first, second = make_claim(), make_claim("日本大幅增加國防支出")
    record_update(first, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    record_update(second, status=Claim.Status.ACCURATE, recorded=moment(datetime.date(2026, 2, 5)))
    record_update(first, status=Claim.Status.INACCURATE, recorded=moment(datetime.date(2026, 3, 5)))

    listed = entries(client, english("claims:updates-feed"))

    assert [entry["change"] for entry in listed] == ["C1: Inaccurate", "C2: Accurate", "C1: Mixed"]
    assert len({entry["id"] for entry in listed}) == 3


def test_site_feed_stops_at_the_50_latest_updates(client, make_claim, record_update):
    claim = make_claim()
    start = moment(datetime.date(2026, 1, 1))
    for day in range(51):
        status = Claim.Status.ACCURATE if day % 2 else Claim.Status.MIXED
        record_update(claim, status=status, recorded=start + datetime.timedelta(days=day))

    listed = entries(client, english("claims:updates-feed"))

    assert len(listed) == 50
    assert listed[-1]["published"] == "2026-01-02T12:00:00+00:00"


def test_site_feed_leaves_out_draft_claims_updates(client, make_claim, record_update):
    public = make_claim()
    draft = make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    record_update(public, status=Claim.Status.ACCURATE, rationale="Public reasoning.")
    record_update(draft, status=Claim.Status.INACCURATE, rationale="Draft reasoning.")

    listed = entries(client, english("claims:updates-feed"))

    assert [entry["summary"] for entry in listed] == ["<p>Public reasoning.</p>"]


def test_site_feed_keeps_a_withdrawn_claims_updates(client, make_claim, record_update):
    claim = make_claim()
    record_update(claim, status=Claim.Status.ACCURATE, rationale="Before the withdrawal.")
    claim.withdraw("A duplicate of another claim.")

    (entry,) = entries(client, english("claims:updates-feed"))

    assert entry["summary"] == "<p>Before the withdrawal.</p>"


def test_site_feed_runs_the_same_queries_for_2_updates_as_for_20(client, make_source, make_claim, track, record_update):
    stage = track.stages.first()

    def add_updates(count):
        for _ in range(count):
            claim = make_claim(on=make_source(), kind=Claim.Kind.POSITION, track=track)
            record_update(claim, status=Claim.Status.IN_PROGRESS, stage=stage)

    url = english("claims:updates-feed")
    add_updates(2)
    with CaptureQueriesContext(connection) as few:
        assert len(entries(client, url)) == 2
    add_updates(18)
    with CaptureQueriesContext(connection) as many:
        assert len(entries(client, url)) == 20

    assert len(many) == len(few)


# One claim's feed.


def test_claim_feed_lists_only_that_claims_updates_newest_first(client, make_claim, record_update):
    claim, other = make_claim(), make_claim("日本大幅增加國防支出")
    record_update(claim, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    record_update(other, status=Claim.Status.ACCURATE, recorded=moment(datetime.date(2026, 1, 6)))
    record_update(claim, status=Claim.Status.INACCURATE, recorded=moment(datetime.date(2026, 1, 7)))

    titles = [entry["change"] for entry in entries(client, claim_feed_url(claim))]

    assert titles == ["C1: Inaccurate", "C1: Mixed"]


def test_claim_feed_is_titled_with_the_claim_and_links_to_its_page(client, make_claim):
    claim = make_claim(text_en="Takaichi left for Washington.")

    feed = ET.fromstring(client.get(claim_feed_url(claim)).content)

    assert feed.findtext("atom:title", namespaces=ATOM) == "C1: Takaichi left for Washington."
    assert feed.find("atom:link[@rel='alternate']", ATOM).get("href") == "http://testserver/en/sources/essay/C1/"


def test_claim_feed_of_a_withdrawn_claim_is_public(client, make_claim):
    claim = make_claim(state=Claim.State.WITHDRAWN, withdrawal_reason="A duplicate of another claim.")

    assert client.get(claim_feed_url(claim)).status_code == 200


def test_claim_feed_of_a_draft_claim_is_not_found(client, make_claim, record_update):
    claim = make_claim(state=Claim.State.DRAFT)
    record_update(claim, status=Claim.Status.ACCURATE)

    assert client.get(claim_feed_url(claim)).status_code == 404


def test_claim_feed_of_a_missing_claim_is_not_found(client, source):
    assert client.get(english("claims:claim-feed", source="essay", number=99)).status_code == 404


def test_claim_feed_runs_the_same_queries_for_2_updates_as_for_20(client, make_claim, track, record_update):
    claim = make_claim(kind=Claim.Kind.POSITION, track=track)
    stages = list(track.stages.all())

    def add_updates(count):
        for number in range(count):
            record_update(claim, status=Claim.Status.IN_PROGRESS, stage=stages[number % len(stages)])

    url = claim_feed_url(claim)
    add_updates(2)
    with CaptureQueriesContext(connection) as few:
        assert len(entries(client, url)) == 2
    add_updates(18)
    with CaptureQueriesContext(connection) as many:
        assert len(entries(client, url)) == 20

    assert len(many) == len(few)


# Both feeds.


@pytest.fixture
def feed_urls(make_claim):
    return [english("claims:updates-feed"), claim_feed_url(make_claim())]


def test_feeds_refuse_post(client, feed_urls):
    for url in feed_urls:
        response = client.post(url)
        assert response.status_code == 405, url
        assert response["Allow"] == "GET, HEAD"


def test_feeds_answer_head(client, feed_urls):
    for url in feed_urls:
        assert client.head(url).status_code == 200, url


def test_feeds_answer_under_the_chinese_prefix(client, make_claim):
    claim = make_claim()

    assert client.get("/zh-hant/feeds/updates/").status_code == 200
    assert client.get(f"/zh-hant/sources/essay/C{claim.number}/feed/").status_code == 200
