"""On a phone 390 px wide, no page scrolls sideways: long words wrap and wide tables scroll in their own box."""

import pytest
from django.utils import timezone

from analysts.models import ReviewCycle

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("midday")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def cycle(essay):
    # This month's cycle: the seed's updates, recorded a week ago, are in its report.
    cycle, *_ = ReviewCycle.open_period(timezone.localdate().strftime("%Y-%m"))
    return cycle


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_essay_page_with_a_long_photo_credit_address_does_not_scroll_sideways_on_a_phone(new_page, site, essay, language):
    page = new_page(viewport=PHONE)
    page.goto(site + f"/{language}/sources/{essay}/")
    assert "flickr.com/photos/whitehouse" in page.content()  # the long address is on the page

    assert page_width(page) <= PHONE["width"]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_review_report_does_not_scroll_sideways_on_a_phone(new_page, site, cycle, language):
    page = new_page(viewport=PHONE)
    page.goto(site + f"/{language}/reviews/{cycle.label}/")
    assert page.locator("main table").count() > 0  # the report's tables are there to overflow

    assert page_width(page) <= PHONE["width"]


# Every public page, at its fullest: a claim with a track, updates and relations, the scorecard, the ladders.
PUBLIC_PAGES = [
    "/", "/claims/", "/claims/?q=修憲", "/sources/{essay}/", "/sources/{essay}/C87/", "/sources/{essay}/C95/",
    "/tracks/", "/tracks/constitutional-revision/", "/topics/", "/topics/japan-us-alliance/", "/actors/",
    "/actors/takaichi-sanae/", "/methodology/", "/scorecard/", "/reviews/", "/reviews/{cycle}/",
]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_no_public_page_scrolls_sideways_on_a_phone(new_page, site, essay, cycle, language):
    page = new_page(viewport=PHONE)
    wide = {}
    for path in PUBLIC_PAGES:
        response = page.goto(site + f"/{language}" + path.format(essay=essay, cycle=cycle.label))
        assert response.status == 200, path
        if page_width(page) > PHONE["width"]:
            wide[path] = page_width(page)
    assert wide == {}
