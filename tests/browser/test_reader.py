"""A reader finds a prediction, reads it in the essay and comes back, switching language on the way."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim

pytestmark = pytest.mark.browser


def predictions():
    numbers = Claim.objects.filter(kind=Claim.Kind.PREDICTION).values_list("number", flat=True)
    return [f"C{number}" for number in numbers]


def switcher(page):
    # Found by its class: its accessible name is translated.
    return page.locator("nav.language-switcher")


def test_reader_follows_a_prediction_into_the_essay_and_back_in_both_languages(page, site, essay):
    page.goto(site + "/")
    expect(page).to_have_url(site + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims", exact=True).click()
    expect(page).to_have_url(site + "/en/claims/")
    page.get_by_label("Kind").select_option(label="Prediction")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/en/claims/\?.*kind=prediction"))
    expect(page.locator(".claim-row .claim-number")).to_have_text(predictions())
    expect(page.locator(".claim-row .kind")).to_have_text(["Prediction"] * len(predictions()))

    page.locator(".claim-row .claim-number", has_text=re.compile(r"^C95$")).click()
    expect(page).to_have_url(site + f"/en/sources/{essay}/C95/")
    expect(page.locator("h1")).to_contain_text("C95")

    # The switcher keeps the reader on the same claim, now under /zh-hant/.
    switcher(page).get_by_role("link", name="繁體中文").click()
    expect(page).to_have_url(site + f"/zh-hant/sources/{essay}/C95/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(switcher(page).locator("[aria-current]")).to_have_text("繁體中文")

    page.locator(".excerpt-link a").click()
    expect(page).to_have_url(site + f"/zh-hant/sources/{essay}/#C95")
    expect(page.locator(":target")).to_have_id("C95")

    passage = page.locator(f'a.span[href="/zh-hant/sources/{essay}/C95/"]')
    expect(passage).to_have_text("高市將有更大空間推動修憲議程")
    passage.click()
    expect(page).to_have_url(site + f"/zh-hant/sources/{essay}/C95/")

    switcher(page).get_by_role("link", name="English").click()
    expect(page).to_have_url(site + f"/en/sources/{essay}/C95/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_language_switcher_keeps_the_list_filters(page, site):
    page.goto(site + "/en/claims/?kind=prediction")
    switcher(page).get_by_role("link", name="繁體中文").click()
    expect(page).to_have_url(site + "/zh-hant/claims/?kind=prediction")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("select[name=kind]")).to_have_value("prediction")
    expect(page.locator(".claim-row .claim-number")).to_have_text(predictions())


def test_essay_marker_leads_to_its_claim(page, site, essay):
    page.goto(site + f"/en/sources/{essay}/")
    page.locator(f'sup.marker a[href="/en/sources/{essay}/C95/"]').click()
    expect(page).to_have_url(site + f"/en/sources/{essay}/C95/")


def test_claim_list_filters_with_javascript_disabled(new_page, site):
    page = new_page(java_script_enabled=False)
    page.goto(site + "/en/claims/")
    expect(page.locator(".result-count")).to_have_text("99 claims")
    page.get_by_label("Kind").select_option("prediction")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/en/claims/\?.*kind=prediction"))
    expect(page.locator(".result-count")).to_have_text(f"{len(predictions())} claims")
    expect(page.locator(".claim-row .claim-number")).to_have_text(predictions())
