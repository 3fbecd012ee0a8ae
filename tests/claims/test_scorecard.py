"""The scorecard: counts per status, the Brier score and calibration; the page and the methodology's bands."""

import datetime
import re

import pytest
from django.utils import translation

from claims.models import Claim, Confidence, Source
from claims.scorecard import by_author, by_source, score, tally
from tests.conftest import backdate

Kind, Status = Claim.Kind, Claim.Status
PAST = datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)


def prediction(status, confidence=""):
    return Claim(kind=Kind.PREDICTION, status=status, confidence=confidence)


# score() on hand-built claims


def test_score_counts_progress_claims_per_outcome_and_the_rest_as_open():
    card = score(tally([
        prediction(Status.FULFILLED),
        Claim(kind=Kind.POSITION, status=Status.FULFILLED),
        prediction(Status.PARTLY_FULFILLED),
        prediction(Status.NOT_FULFILLED),
        Claim(kind=Kind.POSITION, status=Status.VOID),
        prediction(Status.IN_PROGRESS),
        Claim(kind=Kind.POSITION, status=Status.STALLED),
        prediction(Status.NOT_RATED),
    ]))  # fmt: skip
    assert card.progress_total == 8
    assert card.progress == {
        Status.FULFILLED: 2, Status.PARTLY_FULFILLED: 1, Status.NOT_FULFILLED: 1, Status.VOID: 1, "open": 3,
    }  # fmt: skip
    assert card.veracity_total == 0
    with translation.override("en"):
        assert card.progress_rows == [("Fulfilled", 2), ("Partly fulfilled", 1), ("Not fulfilled", 1), ("Void", 1)]


def test_score_counts_assertions_and_analyses_per_rating_and_the_rest_as_unrated():
    card = score(tally([
        Claim(kind=Kind.ASSERTION, status=Status.ACCURATE),
        Claim(kind=Kind.ANALYSIS, status=Status.ACCURATE),
        Claim(kind=Kind.ASSERTION, status=Status.MOSTLY_ACCURATE),
        Claim(kind=Kind.ANALYSIS, status=Status.MIXED),
        Claim(kind=Kind.ASSERTION, status=Status.INACCURATE),
        Claim(kind=Kind.ASSERTION, status=Status.UNVERIFIABLE),
        Claim(kind=Kind.ANALYSIS, status=Status.NOT_RATED),
        Claim(kind=Kind.ASSERTION, status=Status.NOT_RATED),
    ]))  # fmt: skip
    assert card.veracity_total == 8
    assert card.veracity == {
        Status.ACCURATE: 2, Status.MOSTLY_ACCURATE: 1, Status.MIXED: 1, Status.INACCURATE: 1, Status.UNVERIFIABLE: 1,
        "unrated": 2,
    }  # fmt: skip
    assert card.progress_total == 0
    assert card.brier is None


def test_brier_score_is_the_mean_squared_error_of_the_stated_confidence():
    # (0.75 - 1)² = 0.0625 and (0.9 - 0)² = 0.81: mean 0.43625.
    card = score(tally([
        prediction(Status.FULFILLED, Confidence.LIKELY),
        prediction(Status.NOT_FULFILLED, Confidence.NEAR_CERTAIN),
    ]))  # fmt: skip
    assert card.scored == 2
    assert card.brier == pytest.approx(0.43625)


def test_partly_fulfilled_counts_as_half():
    # (0.25 - 0.5)² = 0.0625 and (0.5 - 0.5)² = 0: mean 0.03125.
    card = score(tally([
        prediction(Status.PARTLY_FULFILLED, Confidence.UNLIKELY),
        prediction(Status.PARTLY_FULFILLED, Confidence.TOSS_UP),
    ]))  # fmt: skip
    assert card.brier == pytest.approx(0.03125)


def test_void_open_and_unconfident_predictions_and_positions_are_not_scored():
    card = score(tally([
        prediction(Status.FULFILLED, Confidence.REMOTE),  # (0.1 - 1)² = 0.81
        prediction(Status.VOID, Confidence.NEAR_CERTAIN),
        prediction(Status.IN_PROGRESS, Confidence.LIKELY),
        prediction(Status.NOT_FULFILLED),
        Claim(kind=Kind.POSITION, status=Status.NOT_FULFILLED, confidence=Confidence.NEAR_CERTAIN),
    ]))  # fmt: skip
    assert card.scored == 1
    assert card.brier == pytest.approx(0.81)
    assert card.progress_total == 5


def test_nothing_resolved_has_no_brier_score():
    card = score(tally([prediction(Status.IN_PROGRESS, Confidence.LIKELY)]))
    assert (card.scored, card.brier) == (0, None)
    assert all(row.count == 0 and row.observed is None for row in card.calibration)


def test_calibration_has_a_row_per_band_with_count_and_how_often_it_came_true():
    card = score(tally([
        prediction(Status.FULFILLED, Confidence.LIKELY),
        prediction(Status.NOT_FULFILLED, Confidence.LIKELY),
        prediction(Status.PARTLY_FULFILLED, Confidence.LIKELY),
        prediction(Status.FULFILLED, Confidence.LIKELY),
        prediction(Status.NOT_FULFILLED, Confidence.REMOTE),
    ]))  # fmt: skip
    table = [(row.band, row.probability, row.count, row.observed) for row in card.calibration]
    assert table == [
        (Confidence.NEAR_CERTAIN, 0.9, 0, None),
        (Confidence.LIKELY, 0.75, 4, 2.5 / 4),
        (Confidence.TOSS_UP, 0.5, 0, None),
        (Confidence.UNLIKELY, 0.25, 0, None),
        (Confidence.REMOTE, 0.1, 1, 0.0),
    ]


def test_scorecards_by_author_and_by_source_count_each_sources_claims(db):
    first = Source.objects.create(slug="first", title="一", title_en="One", author="甲", author_en="Author A", text="文")
    second = Source.objects.create(slug="second", title="二", title_en="Two", author="乙", text="文")
    claims = [Claim(source=first, kind=Kind.ASSERTION, status=Status.ACCURATE),
              Claim(source=second, kind=Kind.ASSERTION, status=Status.INACCURATE),
              Claim(source=first, kind=Kind.ASSERTION, status=Status.MIXED)]  # fmt: skip
    with translation.override("en"):
        authors, sources = by_author(tally(claims), [first, second]), by_source(tally(claims), [first, second])
    assert [(card.title, card.veracity_total) for card in authors] == [("Author A", 2), ("乙", 1)]
    assert [(source, card.veracity[Status.INACCURATE]) for source, card in sources] == [(first, 0), (second, 1)]
    with translation.override("zh-hant"):
        authors = by_author(tally(claims), [first, second])
    assert [card.title for card in authors] == ["甲", "乙"]  # Chinese readers see the name as published


# The page


@pytest.fixture
def scored(make_claim, record_update):
    """In January: a likely prediction in progress, a near-certain one not fulfilled, an assertion accurate.

    Since then the likely one was fulfilled. Drafts and withdrawn claims never count.
    """
    likely = make_claim("高市將有更大空間推動修憲議程", kind=Kind.PREDICTION, confidence=Confidence.LIKELY)
    record_update(likely, status=Status.IN_PROGRESS)
    sure = make_claim("高市將有更大空間推動修憲議程", kind=Kind.PREDICTION, confidence=Confidence.NEAR_CERTAIN)
    record_update(sure, status=Status.NOT_FULFILLED)
    fact = make_claim("高市早苗首相啟程訪美")
    record_update(fact, status=Status.ACCURATE)
    for claim in (likely, sure, fact):
        backdate(claim, PAST)
    record_update(likely, status=Status.FULFILLED, rationale="The Diet initiated it.")
    make_claim("日本大幅增加國防支出")  # unrated, and only since today
    draft = make_claim(
        "高市將有更大空間推動修憲議程", kind=Kind.PREDICTION, confidence=Confidence.REMOTE, state=Claim.State.DRAFT
    )
    record_update(draft, status=Status.FULFILLED)
    withdrawn = make_claim("日本大幅增加國防支出")
    record_update(withdrawn, status=Status.INACCURATE)
    withdrawn.withdraw("Misread the essay.")


def page_rows(html):
    """The text of the cells of each table row in `html`."""
    cells = r"<t[hd][^>]*>(.*?)</t[hd]>"
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(cells, row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
    ]


def first_scorecard(html):
    start = html.index('class="scorecard"')
    return html[start : html.index("</section>", start)]


def test_scorecard_page_shows_the_numbers_of_the_published_claims(client, scored):
    response = client.get("/en/scorecard/")
    assert response.status_code == 200
    (author,) = response.context["authors"]
    ((source, card),) = response.context["sources"]
    assert author.title == "作者"
    assert card.progress == author.progress == {
        Status.FULFILLED: 1, Status.PARTLY_FULFILLED: 0, Status.NOT_FULFILLED: 1, Status.VOID: 0, "open": 0,
    }  # fmt: skip
    assert card.veracity[Status.ACCURATE] == 1
    assert card.veracity["unrated"] == 1
    assert card.veracity[Status.INACCURATE] == 0
    html = response.content.decode()
    assert "Author: 作者" in html
    scorecard = first_scorecard(html)
    assert "Brier score 0.436 over 2 resolved predictions" in scorecard
    assert "2 predictions and positions" in scorecard and "2 assertions and analyses" in scorecard
    rows = page_rows(scorecard)
    assert ["Fulfilled", "1"] in rows and ["Not fulfilled", "1"] in rows and ["Still open", "0"] in rows
    assert ["Accurate", "1"] in rows and ["Not yet rated", "1"] in rows and ["Inaccurate", "0"] in rows
    assert ["Near certain", "0.90", "1", "0.00"] in rows
    assert ["Likely", "0.75", "1", "1.00"] in rows
    assert ["Remote", "0.10", "0", "–"] in rows


def test_scorecard_page_as_of_a_past_day_shows_the_numbers_of_that_day(client, scored):
    response = client.get("/en/scorecard/?as_of=2026-02-01")
    assert response.status_code == 200
    ((_, card),) = response.context["sources"]
    assert card.progress[Status.FULFILLED] == 0
    assert card.progress["open"] == 1
    assert card.veracity_total == 1
    assert card.brier == pytest.approx(0.81)
    scorecard = first_scorecard(response.content.decode())
    assert "Brier score 0.810 over 1 resolved prediction " in scorecard
    rows = page_rows(scorecard)
    assert ["Fulfilled", "0"] in rows and ["Still open", "1"] in rows
    assert ["Likely", "0.75", "0", "–"] in rows


def test_scorecard_page_before_any_claim_says_there_are_none(client, scored):
    response = client.get("/en/scorecard/?as_of=2025-12-31")
    assert response.context["sources"] == []
    assert "No published claims yet." in response.content.decode()


def test_scorecard_page_without_a_resolved_prediction_has_no_brier_score(client, make_claim):
    make_claim("高市將有更大空間推動修憲議程", kind=Kind.PREDICTION, confidence=Confidence.LIKELY)
    html = client.get("/en/scorecard/").content.decode()
    assert "there is no Brier score" in html
    assert "Brier score 0" not in html


def test_scorecard_page_answers_get_and_head_only(client, db):
    assert client.post("/en/scorecard/").status_code == 405
    assert client.head("/en/scorecard/").status_code == 200


def test_scorecard_page_runs_a_fixed_number_of_queries(client, make_claim, make_source, count_queries):
    make_claim()
    few = count_queries("/en/scorecard/")
    other = make_source()
    for _ in range(4):
        make_claim(on=other, kind=Kind.PREDICTION, confidence=Confidence.LIKELY)
    assert count_queries("/en/scorecard/") == few


def test_scorecard_page_in_chinese(client, scored):
    response = client.get("/zh-hant/scorecard/")
    assert response.status_code == 200
    assert "0.436" in first_scorecard(response.content.decode())


# The methodology


def test_methodology_lists_the_five_confidence_bands_with_their_probabilities(client, db):
    html = client.get("/en/methodology/").content.decode()
    confidence = html[html.index('id="confidence"') : html.index("</section>", html.index('id="confidence"'))]
    assert [row[:2] for row in page_rows(confidence)] == [
        ["Band", "Probability"],
        ["Near certain", "0.90"],
        ["Likely", "0.75"],
        ["Toss-up", "0.50"],
        ["Unlikely", "0.25"],
        ["Remote", "0.10"],
    ]
    assert "可能, 或許, 不排除" in confidence
    assert "Fulfilled counts as 1, partly fulfilled as 0.5 and not fulfilled as 0" in confidence
