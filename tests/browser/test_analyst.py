"""An analyst records a status update in the admin, and readers see it everywhere but in the past."""

import datetime
import html
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone, translation
from django.utils.text import Truncator
from playwright.sync_api import expect

from claims.models import Claim

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("midday")]

ATOM = "{http://www.w3.org/2005/Atom}"
RATIONALE = "The LDP's constitution headquarters has not met since the election: nothing is moving."


def test_analyst_update_in_the_admin_reaches_the_claim_page_and_the_feed_but_not_the_past(page, site, essay, analyst):
    claim = Claim.objects.get(source__slug=essay, number=95)
    with translation.override("en"):
        before = claim.get_status_display()
    assert claim.status != Claim.Status.STALLED

    page.goto(site + "/admin/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("pw-analyst-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, evidence and reviews")).to_be_visible()

    page.goto(site + f"/admin/claims/claim/{claim.pk}/change/")
    page.get_by_role("button", name=re.compile("add another status update", re.IGNORECASE)).click()
    new = f"updates-{claim.updates.count()}"  # after the recorded ones, which show read-only
    page.locator(f"select[name={new}-status]").select_option(label="Stalled")
    page.locator(f"textarea[name={new}-rationale]").fill(RATIONALE)
    # Only an update is added, no field of the claim changes: no "Reason for this change" is asked.
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    claim.refresh_from_db()
    assert claim.status == Claim.Status.STALLED
    assert claim.updates.latest("recorded").recorded_by.username == "analyst"

    page.goto(site + f"/en/sources/{essay}/C95/")
    expect(page.locator(".verdict .badge")).to_have_text("Stalled")
    expect(page.locator(".timeline-entry").first.locator(".rationale")).to_have_text(RATIONALE)
    expect(page.locator(".timeline-entry").first.locator(".change .badge").last).to_have_text("Stalled")

    feed = page.request.get(site + "/en/feeds/updates/")
    assert feed.ok, feed.status
    newest = ElementTree.fromstring(feed.body()).find(f"{ATOM}entry")
    # What changed, then what the claim says (its English proposition, cut short at 80 characters).
    assert newest.findtext(f"{ATOM}title") == f"C95: Stalled — {Truncator(claim.text_en).chars(80)}"
    assert RATIONALE in html.unescape(newest.findtext(f"{ATOM}summary"))  # the summary is HTML

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.goto(site + f"/en/sources/{essay}/C95/?as_of={yesterday.isoformat()}")
    expect(page.locator(".banner-past")).to_contain_text(f"as it stood at the end of {yesterday.isoformat()}")
    expect(page.locator(".verdict .badge")).to_have_text(before)
    expect(page.locator("main")).not_to_contain_text(RATIONALE)


def test_analyst_records_a_stage_update_with_new_evidence_in_one_save_from_the_claim_page(page, site, essay, analyst):
    claim = Claim.objects.get(source__slug=essay, number=95)
    later = claim.track.stages.filter(position__gt=claim.stage.position).first()
    page.goto(site + "/admin/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("pw-analyst-1")
    page.get_by_role("button", name="Log in").click()

    page.goto(site + f"/admin/claims/claim/{claim.pk}/change/")
    page.get_by_role("button", name=re.compile("add another status update", re.IGNORECASE)).click()
    new = f"updates-{claim.updates.count()}"
    # The stage list offers only this claim's track.
    offered = page.locator(f"select[name={new}-stage] option").all_inner_texts()
    assert len(offered) == claim.track.stages.count() + 1  # and the empty choice
    page.locator(f"select[name={new}-stage]").select_option(value=str(later.pk))
    page.locator(f"textarea[name={new}-rationale]").fill("The commission began deliberating a submitted draft.")
    page.locator(f"textarea[name={new}-rationale_zh_hant]").fill("憲法審查會開始審議已提交的草案。")
    page.get_by_role("button", name=re.compile("add another evidence", re.IGNORECASE)).click()
    evidence = f"evidence-{claim.evidence.count()}"
    page.locator(f"input[name={evidence}-url]").fill("https://example.org/commission")
    page.locator(f"input[name={evidence}-title]").fill("Commission on the Constitution takes up the draft")
    page.locator(f"select[name={evidence}-bearing]").select_option(value="supports")
    page.locator("textarea[name=change_reason]").fill("Stage moved, with the report.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    claim.refresh_from_db()
    update = claim.updates.latest("recorded")
    assert claim.stage == later
    assert [item.title for item in update.evidence.all()] == ["Commission on the Constitution takes up the draft"]

    page.goto(site + f"/zh-hant/sources/{essay}/C95/")
    entry = page.locator(".timeline-entry").first  # newest first
    expect(entry.locator(".rationale")).to_have_text("憲法審查會開始審議已提交的草案。")
    expect(entry.locator(".update-evidence a")).to_have_attribute("href", "https://example.org/commission")
