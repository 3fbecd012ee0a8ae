"""The annotated essay is a status map: each passage coloured and underlined by its claim's status group."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from claims.models import Claim, Scale

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
# A status of each group on each scale, to give the opening paragraphs every colour.
STATUSES = {
    Scale.VERACITY: [Claim.Status.ACCURATE, Claim.Status.MIXED, Claim.Status.UNVERIFIABLE],
    Scale.PROGRESS: [Claim.Status.IN_PROGRESS, Claim.Status.FULFILLED, Claim.Status.NOT_FULFILLED],
}


def style(locator, prop):
    return locator.evaluate(f"element => getComputedStyle(element).{prop}")


def test_essay_passages_show_their_status_by_colour_and_underline_with_a_legend(new_page, site, essay):
    rated = {}
    for claim in Claim.objects.filter(source__slug=essay, number__lte=12).order_by("number"):
        choices = STATUSES[Claim.Kind(claim.kind).scale]
        rated[claim.label] = choices[claim.number % len(choices)]
        claim.record_update(status=rated[claim.label], rationale="Rated for the status map.", by=None)
    page = new_page()
    page.goto(site + f"/en/sources/{essay}/")

    legend = page.locator(".status-legend li")
    expect(legend).to_have_count(7)
    expect(legend.first).to_contain_text("Not yet rated")
    fulfilled = page.locator(f'a.span.group-fulfilled[href$="/C{next(label for label, status in rated.items() if status == Claim.Status.FULFILLED)[1:]}/"]').first
    not_rated = page.locator("a.span.group-not-rated").first
    # Two groups differ in colour and in underline style, so the map reads without colour too.
    assert style(fulfilled, "backgroundColor") != style(not_rated, "backgroundColor")
    assert (style(fulfilled, "borderBottomStyle"), style(not_rated, "borderBottomStyle")) == ("solid", "dotted")
    # On English pages each paragraph is followed by its claims in English, with their status.
    expect(page.locator("ul.essay-claims li").first).to_contain_text("C1 — ")
    fulfilled.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "en-source-detail-status-map.png", full_page=False)

    fulfilled.click()
    expect(page.locator("h1")).to_contain_text("C")
    assert page.url.startswith(site + f"/en/sources/{essay}/C")
