"""The public report of a review cycle: /<lang>/reviews/<label>/ and its CSV.

One hand-checked cycle, 2026-11 (1–30 November 2026), with six published claims and a draft:

  C1 assertion   mostly accurate in October; due, reviewed with an update to accurate on 10 November
  C2 prediction  likely (0.75); not due; fulfilled on 12 November
  C3 assertion   due, reviewed unchanged on 15 November
  C4 assertion   due, never reviewed: missed when the cycle closed
  C5 prediction  near certain (0.9); not due; not fulfilled in October
  C6 assertion   not due; rated inaccurate only on 2 December
  C7 draft       rated accurate in November, but never public

What the report must show: reviewed C1 and C3, missed C4; changes C1 (mostly accurate to accurate)
and C2 (not yet rated to fulfilled), not the October or December ones nor the draft's; C2
resolved; and the scorecard at the cycle's end: predictions 1 fulfilled, 1 not fulfilled;
assertions 1 accurate, 3 not yet rated (C6's December rating not counted); Brier score
((0.75 - 1)² + (0.9 - 0)²) / 2 = (0.0625 + 0.81) / 2 = 0.43625.

The clock stands still on 15 December 2026, after the cycle closed and C6 was rated.
"""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, Confidence, Update

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 12, 15, 12, tzinfo=datetime.UTC), tick=False),
]

REPORT = "/en/reviews/2026-11/"
CSV = "/en/reviews/2026-11/report.csv"
LATER = datetime.date(2027, 6, 1)
PRESIDENT = "高市早苗首相啟程訪美"
AMENDMENT = "高市將有更大空間推動修憲議程"
DEFENCE = "日本大幅增加國防支出"


def at(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


def backdate_claim_history(since, moment):
    """Move the claim history rows written after history id `since` to `moment`, in the order written.

    The report rebuilds the scorecard from the history as of the cycle's end, so the rows must
    carry the fixture's dates, not the day the test runs.
    """
    model = Claim.history.model
    written = model.objects.filter(history_id__gt=since).order_by("history_id").values_list("history_id", flat=True)
    for step, history_id in enumerate(written):
        model.objects.filter(history_id=history_id).update(history_date=moment + datetime.timedelta(microseconds=step))
    return model.objects.aggregate(last=Max("history_id"))["last"]


@pytest.fixture
def cycle_2026_11(analyst, make_claim, record_update):
    c1 = make_claim(PRESIDENT)
    c2 = make_claim(AMENDMENT, kind=Claim.Kind.PREDICTION, confidence=Confidence.LIKELY, next_review_on=LATER)
    c3 = make_claim(DEFENCE)
    make_claim(AMENDMENT, occurrence=2)  # C4
    c5 = make_claim(AMENDMENT, kind=Claim.Kind.PREDICTION, confidence=Confidence.NEAR_CERTAIN, next_review_on=LATER)
    c6 = make_claim(DEFENCE, next_review_on=LATER)
    c7 = make_claim(DEFENCE, state=Claim.State.DRAFT, next_review_on=LATER)

    # October, before the cycle.
    record_update(c1, status=Claim.Status.MOSTLY_ACCURATE, rationale="October: roughly right.",
                  effective_on=datetime.date(2026, 10, 15), recorded=at(10, 15))  # fmt: skip
    record_update(c5, status=Claim.Status.NOT_FULFILLED, rationale="October: it did not happen.",
                  effective_on=datetime.date(2026, 10, 20), recorded=at(10, 20))  # fmt: skip
    # Recording an update schedules the next review from the real today; the fixture fixes who is due.
    Claim.objects.filter(pk=c1.pk).update(next_review_on=None)
    Claim.objects.filter(pk=c5.pk).update(next_review_on=LATER)
    mark = backdate_claim_history(0, at(10, 1))

    # November, in the cycle.
    cycle, assigned = ReviewCycle.open_period("2026-11", user=analyst)
    assert sorted(assignment.claim.number for assignment in assigned) == [1, 3, 4]
    c1_update = record_update(c1, status=Claim.Status.ACCURATE, rationale="November: the schedule confirms it.",
                              effective_on=datetime.date(2026, 11, 10), recorded=at(11, 10), recorded_by=analyst)  # fmt: skip
    record_update(c2, status=Claim.Status.FULFILLED, rationale="November: the Diet initiated the amendment.",
                  effective_on=datetime.date(2026, 11, 12), recorded=at(11, 12), recorded_by=analyst)  # fmt: skip
    Assignment.objects.get(claim=c3).complete_unchanged(user=analyst)
    record_update(c7, status=Claim.Status.ACCURATE, rationale="November: a draft rated.",
                  effective_on=datetime.date(2026, 11, 14), recorded=at(11, 14))  # fmt: skip
    Assignment.objects.filter(claim=c1).update(completed=at(11, 10))
    Assignment.objects.filter(claim=c3).update(completed=at(11, 15))
    mark = backdate_claim_history(mark, at(11, 16))

    # December, after the cycle.
    record_update(c6, status=Claim.Status.INACCURATE, rationale="December: wrong after all.",
                  effective_on=datetime.date(2026, 12, 2), recorded=at(12, 2))  # fmt: skip
    backdate_claim_history(mark, at(12, 2))
    assert cycle.close(user=analyst) == 1
    return {"cycle": cycle, "c1_update": c1_update}


def text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html, heading_id):
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def rows(html):
    """The cells of each body row of the tables in `html`, as text."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_report_lists_the_reviewed_claims_with_outcome_reviewer_and_date(client, cycle_2026_11):
    response = client.get(REPORT)
    assert response.status_code == 200
    assert [review.claim.label for review in response.context["reviewed"]] == ["C1", "C3"]
    reviewed = section(response.content.decode(), "reviewed-heading")
    assert "2 claims reviewed" in reviewed
    assert rows(reviewed) == [
        ["C1", PRESIDENT, "Updated", "Analyst One", "2026-11-10"],
        ["C3", DEFENCE, "Reviewed, unchanged", "Analyst One", "2026-11-15"],
    ]


def test_report_lists_the_missed_claim(client, cycle_2026_11):
    response = client.get(REPORT)
    assert [review.claim.label for review in response.context["missed"]] == ["C4"]
    assert list(response.context["open"]) == []
    reviewed = text(section(response.content.decode(), "reviewed-heading"))
    assert "Missed (not reviewed before the cycle closed): C4" in reviewed
    assert "Still open" not in reviewed


def test_report_lists_the_status_changes_recorded_in_the_period_only(client, cycle_2026_11):
    response = client.get(REPORT)
    changes = section(response.content.decode(), "changes-heading")
    assert rows(changes) == [
        ["C1", "Mostly accurate", "Accurate", "2026-11-10", "November: the schedule confirms it."],
        ["C2", "Not yet rated", "Fulfilled", "2026-11-12", "November: the Diet initiated the amendment."],
    ]
    html = response.content.decode()
    outside_the_period = ("October: roughly right.", "October: it did not happen.", "December: wrong after all.")
    for rationale in (*outside_the_period, "November: a draft rated."):
        assert rationale not in html


def test_report_lists_the_predictions_resolved_in_the_period(client, cycle_2026_11):
    response = client.get(REPORT)
    assert [entry.update.claim.label for entry in response.context["resolved"]] == ["C2"]
    resolved = section(response.content.decode(), "resolved-heading")
    assert [text(item) for item in re.findall(r"<li>(.*?)</li>", resolved, re.S)] == [f"C2 Fulfilled {AMENDMENT}"]


def test_report_scorecard_counts_the_claims_as_they_stood_at_the_cycles_end(client, cycle_2026_11):
    response = client.get(REPORT)
    assert response.context["scored_on"] == datetime.date(2026, 11, 30)
    ((source, card),) = response.context["scorecards"]
    assert source.slug == "essay"
    assert card.progress_total == 2
    assert card.veracity_total == 4
    assert card.brier == pytest.approx(0.43625)
    assert card.scored == 2

    scorecard = section(response.content.decode(), "score-1")
    assert f"Scorecard on {response.context['scored_on']:%Y-%m-%d}" in text(scorecard)
    assert "2 predictions and positions" in scorecard
    assert "4 assertions and analyses" in scorecard
    assert "Brier score 0.436 over 2 resolved predictions" in scorecard
    assert rows(scorecard) == [
        ["Fulfilled", "1"], ["Partly fulfilled", "0"], ["Not fulfilled", "1"], ["Void", "0"], ["Still open", "0"],
        ["Accurate", "1"], ["Mostly accurate", "0"], ["Mixed", "0"], ["Inaccurate", "0"], ["Unverifiable", "0"],
        ["Not yet rated", "3"],
        ["Near certain", "0.90", "1", "0.00"], ["Likely", "0.75", "1", "1.00"], ["Toss-up", "0.50", "0", "–"],
        ["Unlikely", "0.25", "0", "–"], ["Remote", "0.10", "0", "–"],
    ]  # fmt: skip


def test_report_in_chinese_shows_the_same_rows_in_chinese(client, cycle_2026_11):
    response = client.get("/zh-hant/reviews/2026-11/")
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(section(html, "reviewed-heading")) == [
        ["C1", PRESIDENT, "已更新", "Analyst One", "2026-11-10"],
        ["C3", DEFENCE, "已審查，維持不變", "Analyst One", "2026-11-15"],
    ]
    assert [row[:4] for row in rows(section(html, "changes-heading"))] == [
        ["C1", "大致正確", "正確", "2026-11-10"],
        ["C2", "尚未評定", "已實現", "2026-11-12"],
    ]
    assert "已判定的預測" in html
    assert "0.436" in section(html, "score-1")
    assert 'href="/zh-hant/sources/essay/C4/"' in section(html, "reviewed-heading")


def test_report_links_each_claim_to_its_page_in_the_same_language(client, cycle_2026_11):
    html = client.get(REPORT).content.decode()
    assert 'href="/en/sources/essay/C4/"' in section(html, "reviewed-heading")
    assert f'href="/en/sources/essay/C1/#update-{cycle_2026_11["c1_update"].pk}"' in section(html, "changes-heading")
    assert 'href="/en/reviews/2026-11/report.csv"' in html


def test_report_csv_has_the_same_reviews_and_changes(client, cycle_2026_11):
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="review-2026-11.csv"'
    body = response.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff")))) == [
        ["record", "claim", "quote", "analyst", "review", "date", "status_from", "status_to", "stage_from", "stage_to", "rationale"],
        # Reviewers' internal notes stay in the admin: the review rows' last column is empty.
        ["review", "C1", PRESIDENT, "Analyst One", "Updated", "2026-11-10", "", "", "", "", ""],
        ["review", "C3", DEFENCE, "Analyst One", "Reviewed, unchanged", "2026-11-15", "", "", "", "", ""],
        ["review", "C4", AMENDMENT, "Analyst One", "Missed", "", "", "", "", "", ""],
        ["change", "C1", PRESIDENT, "", "", "2026-11-10", "mostly_accurate", "accurate", "", "", "November: the schedule confirms it."],
        ["change", "C2", AMENDMENT, "", "", "2026-11-12", "not_rated", "fulfilled", "", "", "November: the Diet initiated the amendment."],
    ]  # fmt: skip


def test_report_csv_neutralises_cells_a_spreadsheet_would_read_as_formulas(client, cycle_2026_11, analyst):
    formula = '=HYPERLINK("https://evil.example/","Click for the evidence")'
    Update.objects.filter(pk=cycle_2026_11["c1_update"].pk).update(rationale=formula)
    type(analyst).objects.filter(pk=analyst.pk).update(display_name="@Analyst One")

    rows_ = list(csv.reader(io.StringIO(client.get(CSV).getvalue().decode().removeprefix("\ufeff"))))

    assert rows_[1][:6] == ["review", "C1", PRESIDENT, "'@Analyst One", "Updated", "2026-11-10"]
    assert rows_[4] == ["change", "C1", PRESIDENT, "", "", "2026-11-10", "mostly_accurate", "accurate", "", "", "'" + formula]


def test_report_of_an_open_cycle_lists_the_reviews_still_open(client, analyst, make_claim):
    make_claim(PRESIDENT)
    ReviewCycle.open_period("2026-11", user=analyst)
    response = client.get(REPORT)
    assert [review.claim.label for review in response.context["open"]] == ["C1"]
    assert "Still open: C1" in text(section(response.content.decode(), "reviewed-heading"))
    rows_ = list(csv.reader(io.StringIO(client.get(CSV).getvalue().decode().removeprefix("\ufeff"))))
    assert rows_[1][:6] == ["review", "C1", PRESIDENT, "Analyst One", "Open", ""]


def test_report_leaves_out_reviews_of_drafts(client, analyst, make_claim):
    draft = make_claim(PRESIDENT, state=Claim.State.DRAFT)
    cycle = ReviewCycle.objects.create(
        label="2026-11", starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30)
    )
    Assignment.objects.create(cycle=cycle, claim=draft, analyst=analyst)
    response = client.get(REPORT)
    assert list(response.context["open"]) == []
    assert "C1" not in text(section(response.content.decode(), "reviewed-heading"))


def test_report_runs_a_fixed_number_of_queries(client, cycle_2026_11, analyst, make_claim, record_update):
    with CaptureQueriesContext(connection) as few:
        client.get(REPORT)
    for _ in range(3):
        claim = make_claim(PRESIDENT, next_review_on=LATER)
        record_update(claim, status=Claim.Status.ACCURATE, rationale="Another.", recorded=at(11, 20))
        Assignment.objects.create(cycle=cycle_2026_11["cycle"], claim=claim, analyst=analyst, state="missed")
    with CaptureQueriesContext(connection) as many:
        response = client.get(REPORT)
    assert len(response.context["missed"]) == 4
    assert len(many) == len(few)


def test_report_answers_get_and_head_only(client, cycle_2026_11):
    assert client.post(REPORT).status_code == 405
    assert client.post(CSV).status_code == 405
    assert client.head(REPORT).status_code == 200


def test_report_of_an_unknown_cycle_is_not_found(client, db):
    assert client.get("/en/reviews/2026-12/").status_code == 404
    assert client.get("/en/reviews/2026-12/report.csv").status_code == 404


def test_cycle_list_links_every_cycle_newest_first(client, cycle_2026_11):
    ReviewCycle.open_period("2026-Q4")
    response = client.get("/en/reviews/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [cycle.label for cycle in response.context["cycles"]] == ["2026-11", "2026-Q4"]
    assert 'href="/en/reviews/2026-11/"' in html and 'href="/en/reviews/2026-Q4/"' in html
    assert "2026-11-01 – 2026-11-30 · Closed" in html
    assert "2026-10-01 – 2026-12-31 · Open" in html
    assert client.post("/en/reviews/").status_code == 405


def test_cycle_list_without_cycles_says_so(client, db):
    assert "No review cycle has been opened yet." in client.get("/en/reviews/").content.decode()


def test_report_pages_each_long_list_on_its_own_and_the_csv_holds_them_all(client, cycle_2026_11, analyst, make_claim, record_update):
    for _ in range(30):
        claim = make_claim(PRESIDENT, next_review_on=LATER)
        record_update(claim, status=Claim.Status.ACCURATE, rationale="Another.", recorded=at(11, 20))
        Assignment.objects.create(cycle=cycle_2026_11["cycle"], claim=claim, analyst=analyst, state="missed")

    first = client.get(REPORT)
    assert len(first.context["missed"]) == 25 and first.context["missed"].paginator.count == 31
    assert len(first.context["changes"]) == 25  # of the period's 32 updates (C7's is a draft's: not one of them)
    html = first.content.decode()
    assert 'href="?missed=2"' in html and 'href="?changes=2"' in html

    second = client.get(REPORT, {"missed": "2", "changes": "2"})
    assert [review.claim.label for review in second.context["missed"]] == [f"C{n}" for n in range(32, 38)]
    assert [entry.update.claim.label for entry in second.context["changes"]] == [f"C{n}" for n in range(31, 38)]
    assert 'href="?changes=2&amp;missed=1"' in second.content.decode()  # the other list keeps its page

    rows_ = list(csv.reader(io.StringIO(client.get(CSV).getvalue().decode().removeprefix("\ufeff"))))
    assert len([row for row in rows_ if row[0] == "review"]) == 2 + 31
    assert len([row for row in rows_ if row[0] == "change"]) == 2 + 30
