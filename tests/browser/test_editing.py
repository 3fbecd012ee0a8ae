"""Analysts save forms in a real browser: the essay's Source form, and two people editing one claim."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from claims.models import Claim, Source

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def log_in(page, site, username, password):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, evidence and reviews")).to_be_visible()


def test_the_essays_source_form_saves_and_keeps_the_text_byte_for_byte(page, site, essay, analyst):
    source = Source.objects.get(slug=essay)
    text = source.text
    assert text.startswith("\n")  # the seeded essay opens with blank lines, which a stripping form would lose

    log_in(page, site, "analyst", "pw-analyst-1")
    page.goto(site + f"/admin/claims/source/{source.pk}/change/")
    page.locator("input[name=title_en]").fill(source.title_en + " (corrected)")
    page.locator("textarea[name=change_reason]").fill("Title typo.")
    page.locator("input[name=_save]").click()

    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    source.refresh_from_db()
    assert source.text == text
    assert source.title_en.endswith(" (corrected)")


def test_a_second_analyst_saving_a_stale_claim_form_sees_the_conflict_and_keeps_their_text(
    new_page, site, essay, analyst, make_user
):
    make_user("ken", "editor", is_superuser=True, display_name_en="Ken Sato")
    claim = Claim.objects.get(source__slug=essay, number=12)
    url = site + f"/admin/claims/claim/{claim.pk}/change/"
    mei, ken = new_page(), new_page()
    log_in(mei, site, "analyst", "pw-analyst-1")
    log_in(ken, site, "ken", "pw-ken-1")
    mei.goto(url)
    ken.goto(url)

    mei.locator("textarea[name=text_en]").fill("Mei's wording of the proposition.")
    mei.locator("textarea[name=change_reason]").fill("Wording.")
    mei.locator("input[name=_save]").click()
    expect(mei.locator(".messagelist .success")).to_be_visible()

    ken.locator("textarea[name=text_en]").fill("Ken's wording of the proposition.")
    ken.locator("textarea[name=change_reason]").fill("Wording.")
    ken.locator("input[name=_save]").click()

    expect(ken.locator(".errornote")).to_be_visible()
    expect(ken.locator(".errorlist").first).to_contain_text("Edit conflict")
    expect(ken.locator(".errorlist").first).to_contain_text("Mei's wording of the proposition.")
    expect(ken.locator("textarea[name=text_en]")).to_have_value("Ken's wording of the proposition.")
    SCREENSHOTS.mkdir(exist_ok=True)
    ken.screenshot(path=str(SCREENSHOTS / "admin-edit-conflict.png"), full_page=False)
    claim.refresh_from_db()
    assert claim.text_en == "Mei's wording of the proposition."

    # Having seen Mei's change, Ken keeps his own: the second save goes over the version now stored.
    ken.locator("input[name=_save]").click()
    expect(ken.locator(".messagelist .success")).to_be_visible()
    claim.refresh_from_db()
    assert claim.text_en == "Ken's wording of the proposition."
