"""A Chinese reader sees Chinese: any English on a zh-hant page is a fallback marked with lang="en"."""

import pytest

from claims.models import Claim

pytestmark = pytest.mark.browser

# Text with a word of three or more lowercase Latin letters ("seed", "deliberation"): English prose.
# Acronyms and names in Chinese sentences (GDP, JSON, Atom) are not flagged.
UNMARKED_ENGLISH = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!/\\b[a-z]{3,}/.test(node.textContent)) continue;
    const parent = node.parentElement;
    if (parent.closest('script, style, [hidden], .visually-hidden')) continue;
    // The page's own language is on <html>; text whose nearest lang is that is unmarked.
    if (parent.closest('[lang]') === document.documentElement) found.push(node.textContent.trim());
  }
  return found;
}"""


@pytest.mark.parametrize("number", [34, 87, 95])
def test_chinese_claim_page_shows_no_english_except_marked_fallbacks(new_page, site, essay, number):
    page = new_page()
    page.goto(site + f"/zh-hant/sources/{essay}/C{number}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"

    assert page.evaluate(UNMARKED_ENGLISH) == []


def test_an_english_fallback_on_a_chinese_page_is_marked_and_readable(new_page, site, essay):
    claim = Claim.objects.get(source__slug=essay, number=95)
    claim.edit({"resolution_criteria_zh_hant": ""}, reason="Translation withdrawn for review.")
    page = new_page()
    page.goto(site + f"/zh-hant/sources/{essay}/C95/")

    fallback = page.locator(".facts dd span[lang=en]")
    assert fallback.inner_text() == claim.resolution_criteria
    assert page.evaluate(UNMARKED_ENGLISH) == []
