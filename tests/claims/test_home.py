import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from tests.conftest import backdate

pytestmark = pytest.mark.django_db
HOME = "/en/"


def test_home_shows_the_essay_with_its_author(client, source, make_claim):
    make_claim()
    html = client.get(HOME).content.decode()
    assert source.title in html
    assert source.author in html
    assert source.get_absolute_url() in html


def test_home_counts_claims_by_kind_and_status(client, make_claim, record_update):
    make_claim()
    rated = make_claim("日本大幅增加國防支出")
    record_update(rated, status=Claim.Status.ACCURATE)
    make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    response = client.get(HOME)
    veracity, progress = response.context["chart"]
    counts = {bar["status"]: bar["count"] for bar in veracity["bars"]}
    assert counts[Claim.Status.ACCURATE] == 1
    assert counts[Claim.Status.NOT_RATED] == 1
    assert dict(veracity["kinds"])[Claim.Kind.ASSERTION] == 2
    assert progress["total"] == 1
    assert {bar["status"]: bar["percent"] for bar in veracity["bars"]}[Claim.Status.ACCURATE] == 50.0
    assert 'width="50.0"' in response.content.decode()


def test_home_leaves_drafts_out_of_the_counts(client, make_claim):
    make_claim(state=Claim.State.DRAFT)
    assert client.get(HOME).context["claim_count"] == 0


def test_home_lists_open_predictions_that_are_due_or_overdue(client, make_claim, record_update):
    today = timezone.localdate()
    overdue = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, due_on=today - datetime.timedelta(days=3))
    soon = make_claim("日本大幅增加國防支出", kind=Claim.Kind.PREDICTION, due_on=today + datetime.timedelta(days=30))
    make_claim("高市早苗首相", kind=Claim.Kind.PREDICTION, due_on=today + datetime.timedelta(days=400))
    settled = make_claim("啟程訪美", kind=Claim.Kind.PREDICTION, due_on=today)
    record_update(settled, status=Claim.Status.FULFILLED)
    response = client.get(HOME)
    assert response.context["due"] == [overdue, soon]
    assert "Overdue" in response.content.decode()


def test_home_shows_the_latest_updates_of_public_claims_only(client, make_claim, record_update):
    public = make_claim()
    draft = make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    record_update(public, status=Claim.Status.ACCURATE, rationale="Confirmed by the schedule.")
    record_update(draft, status=Claim.Status.ACCURATE, rationale="A draft's secret.")
    html = client.get(HOME).content.decode()
    assert "Confirmed by the schedule." in html
    assert "A draft&#x27;s secret." not in html and "A draft's secret." not in html


def test_home_marks_a_corrected_update_in_the_latest_updates_and_links_to_its_correction(
    client, make_claim, record_update
):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.MIXED, rationale="Read the wrong date.")
    correction = record_update(claim, status=Claim.Status.ACCURATE, corrects=mistaken, rationale="Right date.")

    response = client.get(HOME)

    latest = {update.pk: update for update in response.context["latest"]}
    assert latest[mistaken.pk].shown_correction == correction
    assert latest[correction.pk].shown_correction is None
    assert f'href="{claim.get_absolute_url()}#update-{correction.pk}"' in response.content.decode()
    assert response.content.decode().count('class="is-corrected"') == 1


def test_home_on_a_past_day_does_not_mark_an_update_corrected_later(client, make_claim, record_update):
    claim = make_claim()
    backdate(claim, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    mistaken = record_update(claim, status=Claim.Status.MIXED, recorded=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
    record_update(
        claim, status=Claim.Status.ACCURATE, corrects=mistaken, recorded=datetime.datetime(2026, 2, 5, tzinfo=datetime.UTC)
    )

    response = client.get(HOME, {"as_of": "2026-01-10"})

    assert [(update.pk, update.shown_correction) for update in response.context["latest"]] == [(mistaken.pk, None)]


def test_home_runs_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries):
    populate(2)
    few = count_queries(HOME)
    populate(20)
    assert count_queries(HOME) == few


def test_home_in_chinese_uses_the_chinese_url(client, make_claim):
    make_claim()
    assert client.get(reverse("claims:home")).status_code == 200


def test_home_has_a_link_preview_with_the_sites_description(client):
    html = client.get(HOME).content.decode()
    description = "A public record of what an essay asserted and predicted, and how each claim stands now."
    assert f'<meta name="description" content="{description}">' in html
    assert f'<meta property="og:description" content="{description}">' in html
    assert '<meta property="og:title" content="Claim tracker">' in html
    assert '<meta property="og:type" content="website">' in html
    assert '<meta property="og:url" content="http://testserver/en/">' in html
