"""The analysts' lists fit a 1280 px screen: no column hides off to the side, the queue's main link is in view."""

import pytest
from django.utils import timezone

from analysts.models import ReviewCycle

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("midday")]

LISTS = ["claims/claim/", "claims/update/", "claims/evidence/", "claims/source/", "analysts/assignment/?queue=all"]


@pytest.fixture
def queue(essay, analyst):
    ReviewCycle.open_period(timezone.localdate().strftime("%Y-%m"))
    return essay


def log_in(page, site):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("pw-analyst-1")
    page.get_by_role("button", name="Log in").click()


def test_admin_lists_fit_a_1280_px_screen(page, site, queue):
    log_in(page, site)
    overflowing = {}
    for path in LISTS:
        page.goto(site + "/admin/" + path)
        # Django's admin scrolls a too-wide table inside its own box; the page itself stays 1280 px wide.
        widths = page.evaluate("(() => { const r = document.querySelector('.results'); return r && [r.scrollWidth, r.clientWidth]; })()")
        if widths and widths[0] > widths[1]:
            overflowing[path] = widths
    assert overflowing == {}


def test_the_review_queues_record_an_update_link_is_in_view(page, site, queue):
    log_in(page, site)
    page.goto(site + "/admin/analysts/assignment/")
    link = page.get_by_role("link", name="Record an update").first
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
