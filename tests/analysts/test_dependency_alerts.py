"""When a claim's status changes, the claims that depend on it come up for review at once."""

import datetime

import pytest
from django.utils import translation

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, ClaimRelation

# A flag is dated the day the status changed: the clock stands still at noon on TODAY, before LATER.
TODAY = datetime.date(2026, 11, 20)
LATER = datetime.date(2027, 6, 1)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False),
]


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def claims(make_claim, track):
    """A (C1) and B (C2), B depending on A; B is not due until next June."""
    a = make_claim("高市早苗首相啟程訪美", track=track)
    b = make_claim("日本大幅增加國防支出", next_review_on=LATER)
    ClaimRelation.objects.create(from_claim=b, to_claim=a, kind=ClaimRelation.Kind.DEPENDS_ON)
    return a, b


def rate_accurate(record_update, claim, analyst):
    return record_update(
        claim, status=Claim.Status.ACCURATE, rationale="The schedule confirms it.", recorded_by=analyst
    )


def reason_for(claim):
    return f"{claim.label} changed from Not yet rated to Accurate on {TODAY.isoformat()}."


def test_a_status_change_puts_the_dependent_up_for_review_today_saying_why(english, analyst, claims, record_update):
    a, b = claims
    rate_accurate(record_update, a, analyst)
    b.refresh_from_db()
    assert b.next_review_on == TODAY
    assert b.review_reason == reason_for(a) == "C1 changed from Not yet rated to Accurate on 2026-11-20."
    row = b.history.first()
    assert row.history_change_reason == f"Flagged for review: {reason_for(a)}"
    assert row.history_user == analyst


def test_the_flag_reason_is_english_whatever_language_is_active(analyst, claims, record_update):
    a, b = claims
    with translation.override("zh-hant"):  # the default language, active in commands and most admin requests
        rate_accurate(record_update, a, analyst)
    b.refresh_from_db()
    assert b.review_reason == reason_for(a)


def test_with_an_open_cycle_the_dependent_is_assigned_with_the_alert_and_comes_first(
    english, analyst, claims, make_claim, record_update
):
    a, b = claims
    other = make_claim("日本大幅增加國防支出")  # never reviewed: due now, so first without alerts
    cycle, _ = ReviewCycle.open_period("2026-11")
    assert set(cycle.assignments.values_list("claim_id", flat=True)) == {a.pk, other.pk}

    rate_accurate(record_update, a, analyst)

    alert = Assignment.objects.get(claim=b)
    assert (alert.cycle, alert.state, alert.analyst) == (cycle, Assignment.State.OPEN, analyst)
    assert alert.alert_reason == reason_for(a)
    assert alert.history.first().history_change_reason == f"Dependency alert: {reason_for(a)}"
    assert list(Assignment.objects.queue()) == [alert, Assignment.objects.get(claim=other)]


def test_a_dependent_already_reviewed_in_the_cycle_is_reopened_with_the_alert(english, analyst, claims, record_update):
    a, b = claims
    b.next_review_on = None
    b.save()
    cycle, _ = ReviewCycle.open_period("2026-11")
    review = Assignment.objects.get(claim=b)
    review.complete_unchanged(user=analyst)

    rate_accurate(record_update, a, analyst)

    review.refresh_from_db()
    assert Assignment.objects.filter(claim=b).count() == 1
    assert review.state == Assignment.State.OPEN
    assert (review.outcome, review.completed) == ("", None)
    assert review.alert_reason == reason_for(a)
    assert Assignment.objects.queue().first() == review


def test_a_reopened_review_is_no_longer_linked_to_the_update_that_completed_it(
    english, analyst, claims, record_update
):
    a, b = claims
    b.next_review_on = None
    b.save()
    ReviewCycle.open_period("2026-11")
    record_update(b, status=Claim.Status.MIXED, rationale="Partly right.", recorded_by=analyst)
    review = Assignment.objects.get(claim=b)
    assert review.outcome == Assignment.Outcome.UPDATED

    rate_accurate(record_update, a, analyst)
    review.refresh_from_db()
    review.complete_unchanged(user=analyst)

    review.refresh_from_db()
    assert review.outcome == Assignment.Outcome.UNCHANGED
    assert review.update is None


def test_a_stage_only_update_flags_nothing(english, analyst, claims, record_update, track, make_claim):
    a, b = claims
    ReviewCycle.open_period("2026-11")
    record_update(a, stage=track.stages.first(), rationale="A party draft.", recorded_by=analyst)
    b.refresh_from_db()
    assert (b.next_review_on, b.review_reason) == (LATER, "")
    assert not Assignment.objects.filter(claim=b).exists()


def test_an_update_that_repeats_the_status_flags_nothing(english, analyst, claims, record_update):
    a, b = claims
    rate_accurate(record_update, a, analyst)
    b.next_review_on, b.review_reason = LATER, ""
    b.save()
    rate_accurate(record_update, a, analyst)
    b.refresh_from_db()
    assert (b.next_review_on, b.review_reason) == (LATER, "")


def test_a_withdrawn_dependent_is_not_flagged(english, analyst, claims, record_update):
    a, b = claims
    b.withdraw("Misread the essay.")
    ReviewCycle.open_period("2026-11")
    rate_accurate(record_update, a, analyst)
    b.refresh_from_db()
    assert (b.next_review_on, b.review_reason) == (LATER, "")
    assert not Assignment.objects.filter(claim=b).exists()


def test_a_claim_that_only_supports_another_is_not_flagged(english, analyst, make_claim, record_update):
    a = make_claim("高市早苗首相啟程訪美")
    supporter = make_claim("日本大幅增加國防支出", next_review_on=LATER)
    ClaimRelation.objects.create(from_claim=supporter, to_claim=a, kind=ClaimRelation.Kind.SUPPORTS)
    rate_accurate(record_update, a, analyst)
    supporter.refresh_from_db()
    assert supporter.next_review_on == LATER


def test_the_claim_depended_on_is_not_flagged_when_its_dependent_changes(english, analyst, claims, record_update):
    a, b = claims
    Claim.objects.filter(pk=a.pk).update(next_review_on=LATER)
    rate_accurate(record_update, b, analyst)
    a.refresh_from_db()
    assert a.next_review_on == LATER


def test_without_an_open_cycle_nothing_is_assigned_but_the_dependent_is_due_now(
    english, analyst, claims, record_update
):
    a, b = claims
    ReviewCycle.open_period("2000-01")[0].close()
    assert b not in Claim.objects.due_for_review(TODAY)

    rate_accurate(record_update, a, analyst)

    assert b in Claim.objects.due_for_review(TODAY)
    assert not Assignment.objects.filter(claim=b).exists()
    # The next cycle opened assigns it.
    cycle, _ = ReviewCycle.open_period("2026-11")
    assert Assignment.objects.get(claim=b).cycle == cycle
