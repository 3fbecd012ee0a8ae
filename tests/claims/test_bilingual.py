"""Content in both languages: each page shows the reader's language, a fallback marked with its `lang`."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import Claim, Evidence

pytestmark = pytest.mark.django_db


def claim_page(client, claim, language):
    response = client.get(f"/{language}/sources/essay/C{claim.number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_chinese_claim_page_shows_the_chinese_proposition_and_criteria(client, make_claim):
    claim = make_claim(
        "高市將有更大空間推動修憲議程",
        kind=Claim.Kind.PREDICTION,
        text_en="Takaichi will have more room to push constitutional revision.",
        text_zh_hant="高市將有更大空間推動修憲。",
        resolution_criteria="The Diet initiates an amendment by the end of 2027.",
        resolution_criteria_zh_hant="國會於2027年底前發議修憲。",
    )
    html = claim_page(client, claim, "zh-hant")
    assert '<p class="proposition-large">高市將有更大空間推動修憲。</p>' in html
    assert "<dd>國會於2027年底前發議修憲。</dd>" in html
    assert "Takaichi will have more room" not in html
    assert "The Diet initiates" not in html


def test_english_claim_page_shows_the_english_proposition_and_criteria(client, make_claim):
    claim = make_claim(
        kind=Claim.Kind.PREDICTION,
        text_en="Takaichi will have more room.",
        text_zh_hant="高市將有更大空間。",
        resolution_criteria="The Diet initiates an amendment.",
        resolution_criteria_zh_hant="國會發議修憲。",
    )
    html = claim_page(client, claim, "en")
    assert '<p class="proposition-large">Takaichi will have more room.</p>' in html
    assert "<dd>The Diet initiates an amendment.</dd>" in html
    assert "國會發議修憲" not in html


def test_chinese_page_marks_english_given_in_place_of_a_missing_translation(client, make_claim, record_update):
    claim = make_claim(kind=Claim.Kind.PREDICTION, resolution_criteria="The Diet initiates an amendment.")
    record_update(claim, status=Claim.Status.IN_PROGRESS, rationale="The party adopted a draft.")
    html = claim_page(client, claim, "zh-hant")
    assert '<dd><span lang="en">The Diet initiates an amendment.</span></dd>' in html
    assert '<p class="rationale"><span lang="en">The party adopted a draft.</span></p>' in html


def test_rationale_and_evidence_title_are_shown_in_the_readers_language(client, make_claim):
    claim = make_claim()
    evidence = Evidence.objects.create(
        claim=claim, url="https://example.org/a", title="Takaichi departs", title_zh_hant="高市啟程"
    )
    claim.record_update(
        status=Claim.Status.ACCURATE, rationale="The schedule confirms it.", rationale_zh_hant="行程證實此事。", evidence=[evidence]
    )
    chinese, english = claim_page(client, claim, "zh-hant"), claim_page(client, claim, "en")
    assert "行程證實此事。" in chinese and "The schedule confirms it." not in chinese
    assert ">高市啟程</a>" in chinese and "Takaichi departs" not in chinese
    assert "The schedule confirms it." in english and "行程證實此事" not in english
    assert ">Takaichi departs</a>" in english


def test_withdrawal_reason_is_shown_in_the_readers_language(client, make_claim):
    claim = make_claim(
        state=Claim.State.WITHDRAWN, withdrawal_reason="A duplicate of C2.", withdrawal_reason_zh_hant="與C2重複。"
    )
    assert "與C2重複。" in claim_page(client, claim, "zh-hant")
    assert "A duplicate of C2." in claim_page(client, claim, "en")


def test_claim_list_shows_the_proposition_in_the_readers_language(client, make_claim):
    make_claim(text_en="Takaichi left for Washington.", text_zh_hant="高市啟程前往華府。")
    chinese = client.get("/zh-hant/claims/").content.decode()
    english = client.get("/en/claims/").content.decode()
    assert "高市啟程前往華府。" in chinese and "Takaichi left for Washington." not in chinese
    assert "Takaichi left for Washington." in english and "高市啟程前往華府" not in english


def test_a_public_claim_needs_a_chinese_proposition(make_claim):
    draft = make_claim(state=Claim.State.DRAFT, text_zh_hant="")
    with pytest.raises(ValidationError) as error:
        draft.publish()
    assert "text_zh_hant" in error.value.message_dict
    assert "C1" in error.value.message_dict["text_zh_hant"][0]
    draft.refresh_from_db()
    assert draft.state == Claim.State.DRAFT


def test_search_finds_a_claim_by_its_chinese_proposition_and_chinese_rationale(client, make_claim, record_update):
    by_text = make_claim(text_zh_hant="日本將解禁武器出口。")
    by_rationale = make_claim("日本大幅增加國防支出")
    record_update(by_rationale, status=Claim.Status.ACCURATE, rationale="Budget.", rationale_zh_hant="防衛預算創新高。")
    make_claim("高市將有更大空間推動修憲議程")
    assert list(Claim.objects.search("解禁")) == [by_text]
    assert list(Claim.objects.search("預算創新高")) == [by_rationale]


def test_json_export_carries_both_propositions(client, make_claim):
    make_claim(text_en="Takaichi left.", text_zh_hant="高市啟程。")
    (row,) = json.loads(client.get(reverse("claims:claims-json")).getvalue())["claims"]
    assert (row["text_en"], row["text_zh_hant"]) == ("Takaichi left.", "高市啟程。")


def test_feed_entry_title_is_in_the_feeds_language(client, make_claim, record_update):
    claim = make_claim(text_en="Takaichi left.", text_zh_hant="高市啟程。")
    record_update(claim, status=Claim.Status.ACCURATE, rationale="Confirmed.", rationale_zh_hant="已證實。")
    chinese = client.get("/zh-hant/feeds/updates/").content.decode()
    english = client.get("/en/feeds/updates/").content.decode()
    assert "高市啟程。" in chinese and "已證實。" in chinese
    assert "Takaichi left." in english and "Confirmed." in english
