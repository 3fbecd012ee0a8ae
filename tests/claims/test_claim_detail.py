import json
import re

import pytest

from claims.models import SEED_ACCOUNT, Claim, ClaimRelation, Confidence, Evidence, command_account

pytestmark = pytest.mark.django_db


def page(client, claim, query=""):
    response = client.get(f"/en/sources/{claim.source.slug}/C{claim.number}/{query}")
    assert response.status_code == 200
    return response


def test_claim_page_highlights_the_quote_inside_its_paragraph(client, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    html = page(client, claim).content.decode()
    assert "首相啟程訪美。<mark>高市將有更大空間推動修憲議程</mark>。日本大幅增加國防支出" in html
    assert 'lang="zh-Hant"' in html


def test_claim_page_shows_english_status_definition_criteria_and_due_date(client, make_claim, record_update):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, text_en="More room.", due_on="2027-12-31")
    record_update(claim, status=Claim.Status.IN_PROGRESS)
    html = page(client, claim).content.decode()
    assert "More room." in html
    assert "In progress" in html
    assert "Steps towards the predicted outcome" in html
    assert "The Diet initiates an amendment by the end of 2027." in html
    assert "2027-12-31" in html


def test_chinese_claim_page_keeps_the_quote_and_leaves_out_the_english_rendering(client, make_claim):
    claim = make_claim(text_en="Takaichi left for Washington.")
    html = client.get(f"/zh-hant/sources/essay/C{claim.number}/").content.decode()
    assert "高市早苗首相啟程訪美" in html
    assert "Takaichi left for Washington." not in html


def test_claim_page_shows_the_ladder_with_the_current_stage_and_when_each_was_reached(client, make_claim, record_update, track):
    claim = make_claim(track=track)
    first, second, third = track.stages.all()
    record_update(claim, stage=first, effective_on="2018-03-25")
    record_update(claim, stage=second, effective_on="2026-03-18")
    ladder = page(client, claim).context["ladder"]
    assert [rung["is_current"] for rung in ladder] == [False, True, False]
    assert [str(rung["reached_on"]) for rung in ladder] == ["2018-03-25", "2026-03-18", "None"]
    assert [rung["is_passed"] for rung in ladder] == [True, False, False]


def test_claim_page_timeline_shows_from_and_to_and_marks_corrections(client, make_claim, record_update):
    claim = make_claim()
    wrong = record_update(claim, status=Claim.Status.INACCURATE, rationale="Misread the schedule.", effective_on="2026-03-20")
    record_update(claim, status=Claim.Status.ACCURATE, rationale="The schedule shows the departure.", corrects=wrong, effective_on="2026-03-20")
    response = page(client, claim)
    timeline = response.context["timeline"]
    assert [entry.is_corrected for entry in timeline] == [False, True]
    latest = timeline[0]
    assert (latest.status_before, latest.status_after) == (Claim.Status.NOT_RATED, Claim.Status.ACCURATE)
    html = response.content.decode()
    assert "Corrected: this update was put right by a later one" in html
    assert "Correction of an earlier update." in html
    assert f'id="update-{wrong.pk}"' in html


def test_claim_page_lists_evidence_with_bearing_and_dates(client, make_claim):
    claim = make_claim()
    Evidence.objects.create(
        claim=claim, url="https://example.org/schedule", title="Prime Minister's schedule", publisher="Kantei",
        published_on="2026-03-18", retrieved_on="2026-04-01", bearing=Evidence.Bearing.SUPPORTS,
        archive_url="https://web.archive.org/x",
    )
    html = page(client, claim).content.decode()
    assert "Prime Minister&#x27;s schedule" in html
    assert "Supports the claim" in html
    assert "published 2026-03-18" in html and "retrieved 2026-04-01" in html
    assert "https://web.archive.org/x" in html


def test_claim_page_lists_related_claims_both_ways_but_not_drafts(client, make_claim):
    base = make_claim()
    prediction = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    draft = make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    ClaimRelation.objects.create(from_claim=prediction, to_claim=base, kind=ClaimRelation.Kind.DEPENDS_ON)
    ClaimRelation.objects.create(from_claim=draft, to_claim=base, kind=ClaimRelation.Kind.SUPPORTS)
    html = page(client, base).content.decode()
    assert "C2" in html and "depends on this claim" in html
    assert "C3" not in html
    assert "This claim depends on" in page(client, prediction).content.decode()


def test_claim_page_links_previous_and_next_public_claims(client, make_claim):
    first = make_claim()
    make_claim("首相", state=Claim.State.DRAFT)
    third = make_claim("日本大幅增加國防支出")
    response = page(client, first)
    assert response.context["previous"] is None
    assert response.context["following"] == third


def test_withdrawn_claim_keeps_its_page_with_the_reason(client, make_claim):
    claim = make_claim()
    claim.withdraw("The essay's wording was misread.")
    html = page(client, claim).content.decode()
    assert "This claim was withdrawn." in html
    assert "The essay&#x27;s wording was misread." in html


def test_draft_claim_is_a_404(client, make_claim):
    claim = make_claim(state=Claim.State.DRAFT)
    assert client.get(f"/en/sources/essay/C{claim.number}/").status_code == 404


def test_unknown_claim_is_a_404(client, source):
    assert client.get("/en/sources/essay/C999/").status_code == 404


def test_rated_claim_page_carries_claim_review_json_ld(client, make_claim, record_update):
    claim = make_claim(text_en="Takaichi left for Washington on 18 March 2026.")
    record_update(claim, status=Claim.Status.ACCURATE)
    html = page(client, claim).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == "Takaichi left for Washington on 18 March 2026."
    rating = data["reviewRating"]
    assert {"ratingValue", "bestRating", "worstRating", "alternateName"} <= set(rating)
    assert data["itemReviewed"]["@type"] == "Claim"
    assert data["url"].endswith("/en/sources/essay/C1/")


def test_unrated_claim_page_has_no_claim_review(client, make_claim):
    assert "application/ld+json" not in page(client, make_claim()).content.decode()


def test_fulfilled_prediction_page_has_no_claim_review(client, make_claim, record_update):
    # Whether a prediction came true is no fact-check verdict: no ClaimReview, no rating off its scale.
    claim = make_claim(kind=Claim.Kind.PREDICTION)
    record_update(claim, status=Claim.Status.FULFILLED)
    assert "application/ld+json" not in page(client, claim).content.decode()


def test_last_reviewed_is_the_day_of_the_latest_update(client, make_claim, record_update):
    claim = make_claim()
    assert "Not yet reviewed" in page(client, claim).content.decode()
    update = record_update(claim, status=Claim.Status.ACCURATE)
    response = page(client, claim)
    assert response.context["claim"].last_reviewed_on == update.recorded.date()
    assert response.context["reviewed_unchanged"] is False


def test_a_later_review_without_change_shows_a_reviewed_unchanged_stamp(client, make_claim, record_update):
    import datetime

    claim = make_claim()
    record_update(claim, status=Claim.Status.ACCURATE)
    claim.refresh_from_db()
    claim.mark_reviewed(day=claim.last_reviewed_on + datetime.timedelta(days=30), note="Checked again.")
    response = page(client, claim)
    assert response.context["reviewed_unchanged"] is True
    assert "reviewed, unchanged" in response.content.decode()


def test_claim_page_runs_the_same_number_of_queries_with_few_or_many_updates(make_claim, record_update, count_queries, track):
    claim = make_claim(track=track)
    stages = list(track.stages.all())
    for stage in stages[:2]:
        update = record_update(claim, stage=stage, status=Claim.Status.ACCURATE)
        update.evidence.add(Evidence.objects.create(claim=claim, url="https://example.org", title="E"))
    url = f"/en/sources/essay/C{claim.number}/"
    few = count_queries(url)
    for index in range(15):
        update = record_update(claim, status=Claim.Status.ACCURATE if index % 2 else Claim.Status.MIXED, stage=stages[index % 3])
        update.evidence.add(Evidence.objects.create(claim=claim, url="https://example.org", title=f"E{index}"))
    assert count_queries(url) == few


def test_claim_page_has_a_link_preview_with_the_proposition(client, make_claim):
    claim = make_claim(text_en="Takaichi left for Washington on 18 March 2026.")
    html = page(client, claim).content.decode()
    assert '<meta name="description" content="Takaichi left for Washington on 18 March 2026.">' in html
    assert '<meta property="og:description" content="Takaichi left for Washington on 18 March 2026.">' in html
    assert '<meta property="og:title" content="C1: Takaichi left for Washington on 18 March 2026.">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="http://testserver/en/sources/essay/C1/">' in html


def test_claim_page_in_chinese_previews_the_chinese_proposition(client, make_claim):
    claim = make_claim(text_zh_hant="高市早苗於2026年3月18日啟程訪美。")
    html = client.get(f"/zh-hant/sources/essay/C{claim.number}/").content.decode()
    assert '<meta name="description" content="高市早苗於2026年3月18日啟程訪美。">' in html
    assert '<meta property="og:title" content="C1: 高市早苗於2026年3月18日啟程訪美。">' in html


def test_claim_page_shows_the_confidence_band_its_probability_and_the_essays_wording(client, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, confidence=Confidence.LIKELY)
    english = page(client, claim).content.decode()
    chinese = client.get(f"/zh-hant/sources/essay/C{claim.number}/").content.decode()
    assert (
        '<dt>Confidence</dt><dd class="confidence">Likely (75%)'
        '<span class="definition-line">A plain statement about the future: 將, 會, 可望.</span></dd>'
    ) in english
    assert '<dt>信心程度</dt><dd class="confidence">很可能 (75%)<span class="definition-line">對未來的直述' in chinese


def test_claim_page_without_a_confidence_shows_none(client, make_claim):
    html = page(client, make_claim()).content.decode()
    assert "<dt>Confidence</dt>" not in html


def test_a_baseline_stage_reads_as_the_baseline_and_a_later_one_as_reached(client, make_claim, record_update, track):
    claim = make_claim(track=track)
    first, second, _third = track.stages.all()
    record_update(claim, stage=first, effective_on="2026-03-18", is_baseline=True, recorded_by=command_account(SEED_ACCOUNT, "Seed loader"))
    record_update(claim, stage=second, effective_on="2026-05-02")
    english = page(client, claim).content.decode()
    chinese = client.get(f"/zh-hant/sources/essay/C{claim.number}/").content.decode()
    assert '<span class="rung-date">baseline as of 2026-03-18</span>' in english
    assert '<span class="rung-date">reached 2026-05-02</span>' in english
    assert "reached 2026-03-18" not in english
    assert '<span class="rung-date">截至2026-03-18的基準</span>' in chinese


def test_a_stage_update_that_is_not_a_baseline_reads_as_reached_even_from_the_seed(client, make_claim, record_update, track):
    claim = make_claim(track=track)
    seed = command_account(SEED_ACCOUNT, "Seed loader")
    record_update(claim, stage=track.stages.first(), effective_on="2018-03-25", recorded_by=seed)
    html = page(client, claim).content.decode()
    assert '<span class="rung-date">reached 2018-03-25</span>' in html
    assert "baseline as of" not in html


def test_a_stage_an_analyst_set_on_the_essays_date_reads_as_reached(client, make_claim, record_update, track, analyst):
    claim = make_claim(track=track)
    record_update(claim, stage=track.stages.first(), effective_on="2026-03-18", recorded_by=analyst)
    html = page(client, claim).content.decode()
    assert '<span class="rung-date">reached 2026-03-18</span>' in html
    assert "baseline as of" not in html
