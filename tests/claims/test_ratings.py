"""The rating scales' one definition: each kind's scale, each status's scale, finality, rating and outcome."""

import datetime

import pytest
from django.utils import translation

from claims.models import Claim, ClaimKind, ClaimStatus, Scale

Kind, Status = ClaimKind, ClaimStatus


def test_each_kind_is_rated_on_one_scale():
    assert Scale.VERACITY.kinds == (Kind.ASSERTION, Kind.ANALYSIS)
    assert Scale.PROGRESS.kinds == (Kind.PREDICTION, Kind.POSITION)
    assert {kind.scale for kind in Kind} == set(Scale)


def test_every_status_is_on_exactly_one_scale_except_not_rated_where_both_start():
    assert Status.NOT_RATED.scale is None
    for status in Status:
        scales = [scale for scale in Scale if status in scale.statuses]
        assert scales == (list(Scale) if status == Status.NOT_RATED else [status.scale])


def test_scales_list_their_statuses_in_the_order_pages_show_them():
    assert Scale.VERACITY.statuses == (
        Status.NOT_RATED,
        Status.ACCURATE,
        Status.MOSTLY_ACCURATE,
        Status.MIXED,
        Status.INACCURATE,
        Status.UNVERIFIABLE,
    )
    assert Scale.PROGRESS.statuses == (
        Status.NOT_RATED,
        Status.IN_PROGRESS,
        Status.STALLED,
        Status.FULFILLED,
        Status.PARTLY_FULFILLED,
        Status.NOT_FULFILLED,
        Status.VOID,
    )


def test_only_not_rated_in_progress_and_stalled_leave_a_claim_open():
    assert {status for status in Status if not status.is_final} == {Status.NOT_RATED, Status.IN_PROGRESS, Status.STALLED}


def test_final_statuses_are_the_scorecard_columns_in_scale_order():
    assert Scale.VERACITY.final_statuses == (
        Status.ACCURATE,
        Status.MOSTLY_ACCURATE,
        Status.MIXED,
        Status.INACCURATE,
        Status.UNVERIFIABLE,
    )
    assert Scale.PROGRESS.final_statuses == (Status.FULFILLED, Status.PARTLY_FULFILLED, Status.NOT_FULFILLED, Status.VOID)


def test_ratings_run_from_the_worst_at_one_to_each_scales_best():
    ratings = {status: status.rating for status in Status if status.rating is not None}
    assert ratings == {
        Status.INACCURATE: 1,
        Status.MIXED: 2,
        Status.MOSTLY_ACCURATE: 3,
        Status.ACCURATE: 4,
        Status.NOT_FULFILLED: 1,
        Status.PARTLY_FULFILLED: 2,
        Status.FULFILLED: 3,
    }
    assert (Scale.VERACITY.best_rating, Scale.PROGRESS.best_rating) == (4, 3)
    for scale in Scale:
        on_scale = sorted(status.rating for status in scale.statuses if status.rating is not None)
        assert on_scale == list(range(1, scale.best_rating + 1))


@pytest.mark.parametrize("status", [Status.NOT_RATED, Status.UNVERIFIABLE, Status.IN_PROGRESS, Status.STALLED, Status.VOID])
def test_statuses_off_the_line_have_no_rating(status):
    assert status.rating is None


def test_only_settled_predictions_have_an_outcome():
    outcomes = {status: status.outcome for status in Status if status.outcome is not None}
    assert outcomes == {Status.FULFILLED: 1.0, Status.PARTLY_FULFILLED: 0.5, Status.NOT_FULFILLED: 0.0}
    assert all(status.is_final and status.scale == Scale.PROGRESS for status in outcomes)


def test_a_rated_status_is_final():
    assert all(status.is_final for status in Status if status.rating is not None)


def test_every_kind_and_status_has_a_definition_translated_into_chinese():
    for member in [*Kind, *Status]:
        with translation.override("en"):
            english = str(member.definition)
        with translation.override("zh-hant"):
            chinese = str(member.definition)
        assert english and chinese != english, member


def test_a_claim_is_rated_on_its_kinds_scale_and_takes_its_statuses():
    claim = Claim(kind="prediction")
    assert claim.scale == Scale.PROGRESS
    assert claim.statuses() == Scale.PROGRESS.statuses
    assert Claim(kind=Kind.ANALYSIS).statuses() == Scale.VERACITY.statuses


def test_a_claim_without_a_kind_has_no_scale_and_no_statuses():
    claim = Claim(kind="")
    assert claim.scale is None
    assert claim.statuses() == ()


def test_a_claim_reads_finality_and_definitions_from_its_status_and_kind():
    claim = Claim(kind="position", status="stalled")
    assert not claim.is_final
    assert claim.status_definition == Status.STALLED.definition
    assert claim.kind_definition == Kind.POSITION.definition
    assert Claim(kind="position", status="void").is_final


@pytest.mark.parametrize(
    ("kind", "status", "days"),
    [
        (Kind.PREDICTION, Status.IN_PROGRESS, 90),
        (Kind.POSITION, Status.NOT_RATED, 90),
        (Kind.ASSERTION, Status.NOT_RATED, 30),
        (Kind.ANALYSIS, Status.MIXED, 365),
        (Kind.PREDICTION, Status.VOID, 365),
    ],
)
def test_review_interval_follows_the_scale_and_finality(kind, status, days):
    assert Claim(kind=kind, status=status).review_interval() == datetime.timedelta(days=days)
