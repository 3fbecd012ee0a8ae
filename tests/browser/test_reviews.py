"""An analyst clears review work in the admin: unchanged, with an update, and after a dependency alert."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, ClaimRelation

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("midday")]


@pytest.fixture
def queue(essay, analyst):
    """This month's cycle, opened: every unreviewed claim is in the analyst's queue."""
    ReviewCycle.open_period(timezone.localdate().strftime("%Y-%m"))
    return essay


def log_in(page, site):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("pw-analyst-1")
    page.get_by_role("button", name="Log in").click()


def queue_row(page, label):
    return page.locator("#result_list tbody tr").filter(has=page.locator("td.field-claim_label", has_text=re.compile(f"^{label}$")))


def test_analyst_marks_a_review_unchanged_and_the_claim_page_shows_the_stamp(page, site, queue):
    log_in(page, site)
    page.goto(site + "/admin/analysts/assignment/")
    row = queue_row(page, "C1")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Mark reviewed, unchanged")
    page.get_by_role("button", name="Run").click()
    # A confirmation page asks what was checked; the note is required.
    page.get_by_role("button", name="Yes, mark reviewed, unchanged").click()
    expect(page.locator("textarea[name=note]")).to_be_visible()  # refused by the browser: no note yet
    page.get_by_label("Note").fill("Checked the Kantei schedule: nothing new.")
    page.get_by_role("button", name="Yes, mark reviewed, unchanged").click()
    expect(page).to_have_url(re.compile(r"/admin/analysts/assignment/(\?.*)?$"))
    expect(page.locator(".messagelist .success")).to_contain_text("Marked 1 reviews as reviewed, unchanged.")
    expect(queue_row(page, "C1")).to_have_count(0)  # done reviews leave "My open reviews"

    review = Assignment.objects.get(claim__number=1)
    assert (review.state, review.outcome) == (Assignment.State.DONE, Assignment.Outcome.UNCHANGED)
    assert review.note == "Checked the Kantei schedule: nothing new."
    page.goto(site + f"/en/sources/{queue}/C1/")
    expect(page.locator(".facts")).to_contain_text("reviewed, unchanged")
    expect(page.locator(".facts")).to_contain_text(timezone.localdate().isoformat())


def test_analyst_completes_a_review_by_recording_an_update(page, site, queue):
    claim = Claim.objects.get(source__slug=queue, number=2)
    log_in(page, site)
    page.goto(site + "/admin/analysts/assignment/")
    queue_row(page, "C2").get_by_role("link", name="Record an update").click()
    page.get_by_role("button", name=re.compile("add another status update", re.IGNORECASE)).click()
    new = f"updates-{claim.updates.count()}"
    page.locator(f"select[name={new}-status]").select_option(label="Accurate")
    page.locator(f"textarea[name={new}-rationale]").fill("The White House schedule confirms the arrival.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    review = Assignment.objects.get(claim=claim)
    assert (review.state, review.outcome) == (Assignment.State.DONE, Assignment.Outcome.UPDATED)
    assert review.update.rationale == "The White House schedule confirms the arrival."
    page.goto(site + "/admin/analysts/assignment/")
    expect(queue_row(page, "C2")).to_have_count(0)


def test_a_dependency_alert_puts_the_dependent_claim_at_the_top_of_the_queue(page, site, queue):
    relation = ClaimRelation.objects.filter(kind=ClaimRelation.Kind.DEPENDS_ON, from_claim__number=95).select_related("to_claim").first()
    dependee, dependent = relation.to_claim, relation.from_claim
    log_in(page, site)
    page.goto(site + "/admin/analysts/assignment/")
    expect(queue_row(page, dependent.label)).to_have_count(0)  # not due this month

    page.goto(site + f"/admin/claims/claim/{dependee.pk}/change/")
    page.get_by_role("button", name=re.compile("add another status update", re.IGNORECASE)).click()
    new = f"updates-{dependee.updates.count()}"
    status = "Inaccurate" if dependee.kind in (Claim.Kind.ASSERTION, Claim.Kind.ANALYSIS) else "Not fulfilled"
    page.locator(f"select[name={new}-status]").select_option(label=status)
    page.locator(f"textarea[name={new}-rationale]").fill("The premise no longer holds.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    # Every claim that depends on the changed one is alerted; alerts lead the queue.
    alerted = Assignment.objects.exclude(alert_reason="").count()
    assert alerted >= 1
    page.goto(site + "/admin/analysts/assignment/")
    rows = page.locator("#result_list tbody tr")
    top = [rows.nth(index).locator("td.field-claim_label").inner_text() for index in range(alerted)]
    assert dependent.label in top
    for index in range(alerted):
        expect(rows.nth(index).locator("td.field-alert")).to_contain_text(f"{dependee.label} changed from")
    expect(rows.nth(alerted).locator("td.field-alert")).not_to_contain_text("changed from")
    page.screenshot(path=str(site_screenshot("admin-review-queue-alert.png")), full_page=False)


def site_screenshot(name):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder / name
