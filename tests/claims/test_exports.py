"""Open data: the JSON and CSV exports of published claims, and ClaimReview JSON-LD."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from claims.exports import COLUMNS, FIELDS, claim_review, spreadsheet_cell
from claims.models import Claim
from tests.conftest import ESSAY

pytestmark = pytest.mark.django_db

PAGE_URL = "https://tracker.example/en/sources/essay/C1/"
SOURCE_URL = "https://tracker.example/en/sources/essay/"


def moment(day):
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def json_rows(client, url=None):
    response = client.get(url or reverse("claims:claims-json"))
    assert response.status_code == 200
    return json.loads(response.getvalue())["claims"]


def csv_reader(client):
    """The CSV's rows as dicts keyed by the JSON's field names (the CSV's header holds readable labels)."""
    response = client.get(reverse("claims:claims-csv"))
    assert response.status_code == 200
    return csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"), newline=""), fieldnames=FIELDS)


def csv_rows(client):
    header, *rows = csv_reader(client)
    assert list(header.values()) == list(COLUMNS.values())
    return rows


@pytest.fixture
def mixed_states(make_claim):
    """C1 and C4 published, C2 a draft, C3 withdrawn."""
    make_claim("高市早苗首相啟程訪美")
    make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    make_claim("高市將有更大空間推動修憲議程", state=Claim.State.WITHDRAWN, withdrawal_reason="A duplicate of C1.")
    make_claim("日本大幅增加國防支出", kind=Claim.Kind.ANALYSIS)


@pytest.fixture
def tracked_claim(make_claim, track, record_update):
    """A rated prediction on the track, with dates, at the track's second stage."""
    claim = make_claim(
        "高市將有更大空間推動修憲議程",
        kind=Claim.Kind.PREDICTION,
        occurrence=2,
        track=track,
        event_on=datetime.date(2026, 2, 1),
        due_on=datetime.date(2027, 12, 31),
    )
    record_update(claim, status=Claim.Status.IN_PROGRESS, stage=track.stages.get(slug="party-draft"))
    claim.refresh_from_db()
    return claim


# The JSON export.


def test_json_export_lists_exactly_the_published_claims(client, mixed_states):
    assert [row["label"] for row in json_rows(client)] == ["C1", "C4"]


def test_json_export_counts_its_claims(client, mixed_states):
    data = json.loads(client.get(reverse("claims:claims-json")).getvalue())

    assert data["count"] == 2 == len(data["claims"])


def test_json_export_orders_claims_by_source_then_number(client, make_source, make_claim):
    other = make_source(slug="another-essay")
    make_claim(number=2)
    make_claim(number=1)
    make_claim(on=other, number=5)

    assert [(row["source"], row["number"]) for row in json_rows(client)] == [
        ("another-essay", 5),
        ("essay", 1),
        ("essay", 2),
    ]


def test_json_export_gives_each_claim_the_listed_fields_in_order(client, make_claim):
    make_claim()

    (row,) = json_rows(client)

    assert list(row) == FIELDS


def test_json_export_gives_the_quote_at_its_offsets_in_the_source_text(client, make_claim):
    make_claim("日本大幅增加國防支出")

    (row,) = json_rows(client)

    assert row["quote"] == "日本大幅增加國防支出"
    assert row["start"] == ESSAY.index("日本大幅增加國防支出")
    assert ESSAY[row["start"] : row["end"]] == row["quote"]


def test_json_export_describes_a_tracked_claim(client, tracked_claim):
    (row,) = json_rows(client, "/zh-hant/data/claims.json")

    assert row == {
        "source": "essay",
        "number": tracked_claim.number,
        "label": "C1",
        "quote": "高市將有更大空間推動修憲議程",
        "start": ESSAY.rindex("高市將有更大空間推動修憲議程"),
        "end": len(ESSAY) - 1,
        "text_en": "An English proposition.",
        "text_zh_hant": "一個中文命題。",
        "kind": "prediction",
        "status": "in_progress",
        "stage": "party-draft",
        "track": "constitutional-revision",
        "resolution_criteria": "The Diet initiates an amendment by the end of 2027.",
        "resolution_criteria_zh_hant": "",
        "confidence": None,
        "confidence_probability": None,
        "event_on": "2026-02-01",
        "due_on": "2027-12-31",
        "next_review_on": tracked_claim.next_review_on.isoformat(),
        "updated": tracked_claim.updated.isoformat(),
        "url": "http://testserver/zh-hant/sources/essay/C1/",
    }
    assert datetime.datetime.fromisoformat(row["updated"]) == tracked_claim.updated


def test_json_export_gives_null_for_a_claim_off_any_track(client, make_claim):
    make_claim()

    (row,) = json_rows(client)

    assert (row["stage"], row["track"], row["event_on"], row["due_on"]) == (None, None, None, None)
    assert row["status"] == "not_rated"


def test_json_export_writes_chinese_as_is_not_as_escapes(client, make_claim):
    make_claim("高市早苗首相啟程訪美")

    response = client.get(reverse("claims:claims-json"))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "高市早苗首相啟程訪美".encode() in response.getvalue()
    assert b"\\u" not in response.getvalue()


def test_json_export_answers_under_the_english_prefix_with_english_urls(client, make_claim):
    make_claim()

    (row,) = json_rows(client, "/en/data/claims.json")

    assert row["url"] == "http://testserver/en/sources/essay/C1/"


def test_json_export_answers_under_the_chinese_prefix_with_chinese_urls(client, make_claim):
    make_claim()

    (row,) = json_rows(client, "/zh-hant/data/claims.json")

    assert row["url"] == "http://testserver/zh-hant/sources/essay/C1/"


# The CSV export.


def test_csv_export_starts_with_a_byte_order_mark_for_excel(client, make_claim):
    make_claim()

    response = client.get(reverse("claims:claims-csv"))

    assert response.getvalue().startswith("\ufeffSource,".encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_csv_export_is_an_attachment_named_claims_csv(client):
    response = client.get(reverse("claims:claims-csv"))

    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'


def test_csv_export_header_names_each_column_in_words(client, make_claim):
    make_claim()

    header = next(csv.reader(io.StringIO(client.get(reverse("claims:claims-csv")).getvalue().decode("utf-8-sig"))))
    assert header[:3] == ["Source", "Number", "Claim"]
    assert "Proposition (Traditional Chinese)" in header
    assert len(header) == len(FIELDS)


def test_csv_export_lists_exactly_the_published_claims(client, mixed_states):
    assert [row["label"] for row in csv_rows(client)] == ["C1", "C4"]


def test_csv_export_round_trips_to_the_json_export(client, tracked_claim, make_claim):
    make_claim("日本大幅增加國防支出")
    expected = [
        {field: "" if value is None else str(value) for field, value in row.items()} for row in json_rows(client)
    ]

    rows = csv_rows(client)

    assert rows == expected
    assert rows[1]["quote"] == "日本大幅增加國防支出"


FORMULA = '=HYPERLINK("https://evil.example/","Click for the source")'


def test_csv_export_neutralises_a_formula_in_a_claims_text(client, make_claim):
    make_claim(text_en=FORMULA)

    (row,) = csv_rows(client)

    assert row["text_en"] == "'" + FORMULA


@pytest.mark.parametrize("text", ["=1+2", "+1+2", "-1+2", "-5", "@SUM(A1:A2)", "\t=1+2", "\r=1+2"])
def test_csv_export_prefixes_every_text_a_spreadsheet_would_read_as_a_formula(client, make_claim, text):
    make_claim(text_en=text)

    (row,) = csv_rows(client)

    assert row["text_en"] == "'" + text


@pytest.mark.parametrize("text", ["Takaichi = Abe's heir", "1+1=2", " =1+2", "'quoted", "5%", ""])
def test_csv_export_leaves_other_text_as_it_is(client, make_claim, text):
    make_claim(text_en=text)

    (row,) = csv_rows(client)

    assert row["text_en"] == text


def test_csv_export_writes_numbers_and_dates_as_they_are(client, make_claim):
    make_claim(number=7, event_on=datetime.date(2026, 2, 1))

    (row,) = csv_rows(client)

    assert (row["number"], row["start"], row["event_on"]) == ("7", "0", "2026-02-01")


@pytest.mark.parametrize("value", [-1, 0, 2.5, None])
def test_spreadsheet_cell_leaves_numbers_and_none_alone(value):
    assert spreadsheet_cell(value) == value


def test_json_export_keeps_a_formula_like_text_as_it_is(client, make_claim):
    make_claim(text_en=FORMULA)

    (row,) = json_rows(client)

    assert row["text_en"] == FORMULA


# Both exports.


@pytest.mark.parametrize("name", ["claims:claims-json", "claims:claims-csv"])
def test_export_refuses_post(client, name):
    response = client.post(reverse(name))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("name", ["claims:claims-json", "claims:claims-csv"])
def test_export_answers_head(client, name):
    assert client.head(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["claims:claims-json", "claims:claims-csv"])
def test_export_runs_the_same_queries_for_2_claims_as_for_20(client, make_claim, track, record_update, name):
    stage = track.stages.first()

    def add_claims(count):
        for _ in range(count):
            claim = make_claim(kind=Claim.Kind.POSITION, track=track)
            record_update(claim, status=Claim.Status.IN_PROGRESS, stage=stage)

    add_claims(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    add_claims(18)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200

    assert len(many) == len(few)


# ClaimReview JSON-LD.


@pytest.fixture
def rated(make_source, make_claim, record_update):
    """rated(status, kind=...) -> a claim on a fully described source, rated `status`."""
    essay = make_source(
        slug="described-essay",
        author_en="Jane Doe",
        author_affiliation_en="Institute of Examples",
        publisher_en="Example Daily",
        url="https://news.example/essay",
        published_on=datetime.date(2026, 1, 2),
    )

    def rate(status, kind=Claim.Kind.ASSERTION):
        claim = make_claim(kind=kind, on=essay, text_en="Takaichi left for Washington.")
        record_update(claim, status=status, recorded=moment(datetime.date(2026, 1, 20)))
        claim.refresh_from_db()
        return claim

    return rate


def test_claim_review_is_none_for_a_claim_not_yet_rated(make_claim):
    assert claim_review(make_claim(), PAGE_URL, SOURCE_URL) is None


def test_claim_review_describes_the_review_and_the_claim(rated):
    claim = rated(Claim.Status.MOSTLY_ACCURATE)

    review = claim_review(claim, PAGE_URL, SOURCE_URL)

    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"] == PAGE_URL
    assert review["claimReviewed"] == "Takaichi left for Washington."
    assert review["datePublished"] == "2026-01-20"
    assert review["dateModified"] == timezone.localdate(claim.updated).isoformat()
    assert review["author"] == {"@type": "Organization", "name": "Claim tracker"}
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {
            "@type": "Person",
            "name": "Jane Doe",
            "affiliation": {"@type": "Organization", "name": "Institute of Examples"},
        },
        "datePublished": "2026-01-02",
        "firstAppearance": {
            "@type": "CreativeWork",
            "url": "https://news.example/essay",
            "headline": "標題",
            "publisher": {"@type": "Organization", "name": "Example Daily"},
        },
        "appearance": [{"@type": "CreativeWork", "url": SOURCE_URL}],
    }


@pytest.mark.parametrize(
    "kind, status, rating_value, best_rating, name",
    [
        (Claim.Kind.ASSERTION, Claim.Status.ACCURATE, 4, 4, "Accurate"),
        (Claim.Kind.ASSERTION, Claim.Status.MOSTLY_ACCURATE, 3, 4, "Mostly accurate"),
        (Claim.Kind.ANALYSIS, Claim.Status.MIXED, 2, 4, "Mixed"),
        (Claim.Kind.ASSERTION, Claim.Status.INACCURATE, 1, 4, "Inaccurate"),
    ],
)
def test_claim_review_rates_the_status_on_its_scale(rated, kind, status, rating_value, best_rating, name):
    claim = rated(status, kind=kind)

    with translation.override("zh-hant"):
        rating = claim_review(claim, PAGE_URL, SOURCE_URL)["reviewRating"]

    assert rating == {
        "@type": "Rating",
        "ratingValue": rating_value,
        "bestRating": best_rating,
        "worstRating": 1,
        "alternateName": name,
    }


@pytest.mark.parametrize(
    "kind, status",
    [
        (Claim.Kind.ASSERTION, Claim.Status.UNVERIFIABLE),
        (Claim.Kind.PREDICTION, Claim.Status.FULFILLED),
        (Claim.Kind.POSITION, Claim.Status.PARTLY_FULFILLED),
        (Claim.Kind.PREDICTION, Claim.Status.NOT_FULFILLED),
        (Claim.Kind.PREDICTION, Claim.Status.IN_PROGRESS),
        (Claim.Kind.POSITION, Claim.Status.STALLED),
        (Claim.Kind.POSITION, Claim.Status.VOID),
    ],
)
def test_claim_review_is_none_for_a_status_that_is_no_fact_check_verdict_on_the_scale(rated, kind, status):
    # Progress statuses judge promises and predictions, not facts; unverifiable has no place on the scale.
    assert claim_review(rated(status, kind=kind), PAGE_URL, SOURCE_URL) is None


def test_claim_review_rating_is_always_within_its_scale():
    for status in Claim.Status:
        if status.is_verdict:
            assert 1 <= status.rating <= status.scale.best_rating


def test_claim_review_is_published_when_the_first_standing_rating_was_recorded(make_claim, record_update):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.MIXED, recorded=moment(datetime.date(2026, 1, 5)))
    record_update(
        claim, status=Claim.Status.ACCURATE, corrects=mistaken, recorded=moment(datetime.date(2026, 1, 9))
    )
    record_update(claim, status=Claim.Status.INACCURATE, recorded=moment(datetime.date(2026, 3, 1)))
    claim.refresh_from_db()

    assert claim_review(claim, PAGE_URL, SOURCE_URL)["datePublished"] == "2026-01-09"


def test_claim_review_is_published_when_recorded_even_for_a_backdated_rating(make_claim, record_update):
    claim = make_claim()
    jan_10, feb_1 = datetime.date(2026, 1, 10), datetime.date(2026, 2, 1)
    record_update(claim, status=Claim.Status.MIXED, effective_on=jan_10, recorded=moment(jan_10))
    # Recorded later, but effective earlier: it stands first in the timeline, yet was published second.
    record_update(claim, status=Claim.Status.ACCURATE, effective_on=datetime.date(2026, 1, 1), recorded=moment(feb_1))
    claim.refresh_from_db()

    assert claim_review(claim, PAGE_URL, SOURCE_URL)["datePublished"] == "2026-01-10"


def test_claim_review_points_at_our_copy_when_the_source_has_no_address(make_claim, record_update):
    claim = make_claim()
    record_update(claim, status=Claim.Status.ACCURATE)
    claim.refresh_from_db()

    item = claim_review(claim, PAGE_URL, SOURCE_URL)["itemReviewed"]

    assert item["firstAppearance"] == {"@type": "CreativeWork", "url": SOURCE_URL, "headline": "標題"}
    assert item["author"] == {"@type": "Person", "name": "作者"}
    assert "appearance" not in item
    assert "datePublished" not in item


def test_claim_review_is_json_serialisable(rated):
    review = claim_review(rated(Claim.Status.ACCURATE), PAGE_URL, SOURCE_URL)

    assert json.loads(json.dumps(review)) == review
