"""`?as_of=YYYY-MM-DD`: the tracker as it stood at the end of that day, rebuilt from the audit history."""

import datetime

import pytest
from django.utils import timezone

from claims.models import Claim, Evidence
from tests.conftest import backdate

pytestmark = pytest.mark.django_db

PAST = datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture
def rated_later(make_claim, record_update):
    """A claim created on 10 January, rated inaccurate on 10 January, then accurate today."""
    claim = make_claim()
    record_update(claim, status=Claim.Status.INACCURATE, rationale="First reading.", effective_on="2026-01-10")
    backdate(claim, PAST)
    record_update(claim, status=Claim.Status.ACCURATE, rationale="A second look.")
    return claim


def test_claim_page_as_of_a_past_day_shows_the_status_and_timeline_of_that_day(client, rated_later):
    response = client.get("/en/sources/essay/C1/?as_of=2026-02-01")
    html = response.content.decode()
    assert response.context["claim"].status == Claim.Status.INACCURATE
    assert "First reading." in html
    assert "A second look." not in html
    assert "as it stood at the end of 2026-02-01" in html


def test_claim_page_today_shows_the_latest_status(client, rated_later):
    response = client.get("/en/sources/essay/C1/")
    assert response.context["claim"].status == Claim.Status.ACCURATE
    assert "A second look." in response.content.decode()


def test_list_and_home_as_of_a_past_day_count_the_old_status(client, rated_later):
    listed = client.get("/en/claims/?status=inaccurate&as_of=2026-02-01").context["claims"]
    assert [claim.number for claim in listed] == [1]
    assert client.get("/en/claims/?status=inaccurate").context["claims"] == []
    veracity, _ = client.get("/en/?as_of=2026-02-01").context["chart"]
    assert {bar["status"]: bar["count"] for bar in veracity["bars"]}[Claim.Status.INACCURATE] == 1


def test_a_claim_not_yet_public_on_that_day_is_not_shown(client, rated_later, make_claim):
    make_claim("日本大幅增加國防支出")
    assert [claim.number for claim in client.get("/en/claims/?as_of=2026-02-01").context["claims"]] == [1]
    assert client.get("/en/sources/essay/C2/?as_of=2026-02-01").status_code == 404


def test_a_claim_page_before_the_claim_entered_the_tracker_says_so(client, rated_later, make_claim):
    later = make_claim("日本大幅增加國防支出")

    response = client.get("/en/sources/essay/C2/?as_of=2026-02-01")

    html = response.content.decode()
    assert response.status_code == 404
    assert "C2 was not yet in the tracker at the end of 2026-02-01." in html
    assert f"It was published on {timezone.localdate(later.made_public()).isoformat()}." in html
    assert 'href="/en/sources/essay/C2/"' in html


def test_a_claim_page_before_the_claim_entered_the_tracker_says_so_in_chinese(client, rated_later, make_claim):
    make_claim("日本大幅增加國防支出")

    html = client.get("/zh-hant/sources/essay/C2/?as_of=2026-02-01").content.decode()

    assert "C2 在 2026-02-01 結束時尚未列入追蹤" in html


def test_a_claim_page_on_a_past_day_for_a_draft_or_missing_claim_is_a_plain_404(client, rated_later, make_claim):
    make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)

    assert client.get("/en/sources/essay/C2/?as_of=2026-02-01").status_code == 404
    assert "not yet in the tracker" not in client.get("/en/sources/essay/C2/?as_of=2026-02-01").content.decode()
    assert client.get("/en/sources/essay/C9/?as_of=2026-02-01").status_code == 404


def test_a_claim_that_was_a_draft_on_that_day_is_not_shown(client, make_claim):
    claim = make_claim(state=Claim.State.DRAFT)
    backdate(claim, PAST)
    claim.publish()
    assert client.get("/en/claims/?as_of=2026-02-01").context["claims"] == []
    assert client.get("/en/claims/").context["claims"] == [claim]


def test_evidence_added_later_is_not_shown_on_a_past_day(client, rated_later):
    Evidence.objects.create(claim=rated_later, url="https://example.org/new", title="Found in November")
    assert "Found in November" not in client.get("/en/sources/essay/C1/?as_of=2026-02-01").content.decode()
    assert "Found in November" in client.get("/en/sources/essay/C1/").content.decode()


def test_links_on_a_past_day_stay_on_that_day(client, rated_later):
    html = client.get("/en/claims/?as_of=2026-02-01").content.decode()
    assert "/en/sources/essay/C1/?as_of=2026-02-01" in html


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "01/02/2026", "<script>"])
def test_a_malformed_date_gets_a_clear_message_and_todays_tracker(client, rated_later, value):
    response = client.get("/en/sources/essay/C1/", {"as_of": value})
    assert response.status_code == 200
    assert "is not a date: write it as YYYY-MM-DD" in response.content.decode()
    assert response.context["claim"].status == Claim.Status.ACCURATE
    assert "<script>" not in response.content.decode().split("<main")[0].split("banner")[-1]


def test_a_future_date_gets_a_clear_message_and_todays_tracker(client, rated_later):
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.get("/en/claims/", {"as_of": future})
    assert response.status_code == 200
    assert f"{future} is in the future" in response.content.decode()


def test_pages_on_a_past_day_run_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries):
    for claim in populate(2):
        backdate(claim, PAST)
    day = "?as_of=2026-02-01"
    few = {url: count_queries(url + day) for url in ("/en/", "/en/claims/", "/en/sources/essay/C1/")}
    for claim in populate(20):
        backdate(claim, PAST)
    assert {url: count_queries(url + day) for url in few} == few
