"""The admin speaks the analyst's language: Chinese to a browser set to Taiwanese Chinese, English to an English one.

The admin is outside the /zh-hant/ and /en/ prefixes, so LocaleMiddleware takes the language from
the browser's Accept-Language header.
"""

import html
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TAIWANESE = ["zh-Hant-TW", "zh-TW,zh;q=0.9,en;q=0.8"]


@pytest.fixture
def logged_in(client, analyst):
    client.force_login(analyst)
    return client


def text_of(fragment):
    """The text a reader sees in an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def label(page, name):
    """The label of form field `name`, without Django's label suffix."""
    found = re.search(rf'<label[^>]*\bfor="id_{name}"[^>]*>(.*?)</label>', page, re.S)
    return text_of(found[1]).rstrip(":：") if found else None


def help_text(page, name):
    found = re.search(rf'<div class="help"[^>]*\bid="id_{name}_helptext"[^>]*>(.*?)</div>\s*</div>', page, re.S)
    return text_of(found[1]) if found else None


def column_header(page, name):
    found = re.search(
        rf'<th scope="col" class="[^"]*\bcolumn-{name}\b[^"]*">.*?<div class="text">(.*?)</div>', page, re.S
    )
    return text_of(found[1]) if found else None


def fieldset_titles(page):
    return [text_of(title) for title in re.findall(r'<h2[^>]*\bclass="fieldset-heading"[^>]*>(.*?)</h2>', page, re.S)]


def claim_form(client, claim, language):
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def claim_list(client, language):
    response = client.get(reverse("admin:claims_claim_changelist"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", TAIWANESE)
def test_claim_form_labels_and_help_texts_are_chinese_for_a_taiwanese_browser(logged_in, make_claim, language):
    page = claim_form(logged_in, make_claim(), language)
    assert label(page, "text_en") == "英文命題"
    assert label(page, "text_zh_hant") == "繁體中文命題"
    assert label(page, "resolution_criteria_zh_hant") == "判定標準（繁體中文）"
    assert label(page, "change_reason") == "變更理由"
    assert help_text(page, "quote") == "來源的原文，須逐字相同。"
    assert help_text(page, "resolution_criteria") == "預測必填：在什麼時間之前出現什麼可觀察的結果，即算實現此論述。"
    assert "來源說了什麼" in fieldset_titles(page)


def test_claim_form_labels_and_help_texts_are_english_for_an_english_browser(logged_in, make_claim):
    page = claim_form(logged_in, make_claim(), "en")
    assert label(page, "text_en") == "English proposition"
    assert label(page, "text_zh_hant") == "Proposition in Traditional Chinese"
    assert label(page, "resolution_criteria_zh_hant") == "Resolution criteria in Traditional Chinese"
    assert label(page, "change_reason") == "Reason for this change"
    assert help_text(page, "quote") == "The source's exact words, character for character."
    assert help_text(page, "resolution_criteria") == (
        "Required for predictions: what observable outcome, by when, fulfils the claim."
    )
    assert "What the source says" in fieldset_titles(page)


@pytest.mark.parametrize("language", TAIWANESE)
def test_claim_list_column_headers_and_actions_are_chinese_for_a_taiwanese_browser(logged_in, make_claim, language):
    make_claim()
    page = claim_list(logged_in, language)
    headers = {name: column_header(page, name) for name in ("label", "short_text", "state", "next_review_on")}
    assert headers == {"label": "論述", "short_text": "英文命題", "state": "發布狀態", "next_review_on": "下次審查"}
    assert '<option value="publish">發布所選的論述</option>' in page


def test_claim_list_column_headers_and_actions_are_english_for_an_english_browser(logged_in, make_claim):
    make_claim()
    page = claim_list(logged_in, "en")
    headers = {name: column_header(page, name) for name in ("label", "short_text", "state", "next_review_on")}
    assert headers == {
        "label": "Claim",
        "short_text": "English proposition",
        "state": "Publication state",
        "next_review_on": "Next review",
    }
    assert '<option value="publish">Publish the selected claims</option>' in page
