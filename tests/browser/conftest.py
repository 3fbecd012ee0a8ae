"""Chromium, driven by Playwright, against pytest-django's live server.

Without /usr/bin/chromium or axe-core (`npm ci --prefix tests/browser`) the browser
tests skip, saying what is missing; with REQUIRE_BROWSER=1 (as CI sets it) they fail.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import sync_playwright

from claims.models import Update

# Playwright's sync API runs an event loop in the test's thread, so Django would take every
# ORM call the test makes for a call from async code and refuse it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SEEDED_DAYS_AGO = datetime.timedelta(days=7)

SOURCE = "takaichi-first-us-visit"


def browser_required():
    return os.environ.get("REQUIRE_BROWSER", "") not in ("", "0")


def missing(message):
    if browser_required():
        pytest.fail(f"{message} (REQUIRE_BROWSER is set, so the browser tests may not skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        missing(f"axe-core not found at {AXE}: install it with `npm ci --prefix tests/browser`")
    return AXE


@pytest.fixture
def essay(transactional_db):
    """The seeded essay, as if it had been loaded a week ago, so that `?as_of=` yesterday shows it.

    The seed's history rows and updates are stamped with the moment it runs; moving them back
    is the test's stand-in for a tracker that has been running for a while.
    """
    with open(os.devnull, "w") as quiet:
        call_command("seed", stdout=quiet, stderr=quiet)
    for model in apps.get_models():
        if any(field.name == "history_date" for field in model._meta.get_fields()):
            model.objects.update(history_date=F("history_date") - SEEDED_DAYS_AGO)
    Update.objects.update(recorded=F("recorded") - SEEDED_DAYS_AGO)
    return SOURCE


@pytest.fixture
def midday(time_machine):
    """Today at noon, the clock running, for a test that reads today's date twice: it must not straddle midnight.

    Today's real date, not a fixed one, so that Chromium (on the real clock) keeps the server's cookies.
    """
    noon = datetime.datetime.combine(timezone.localdate(), datetime.time(12), tzinfo=timezone.get_current_timezone())
    time_machine.move_to(noon)


@pytest.fixture
def site(live_server, essay):
    """The live server's address, with the essay loaded."""
    return live_server.url


@pytest.fixture
def new_page(browser, site):
    """new_page(**context_options): a page in a fresh browser context, English-speaking unless told."""
    contexts = []

    def new(**options):
        options = {"locale": "en-US", "viewport": {"width": 1280, "height": 900}, **options}
        contexts.append(context := browser.new_context(**options))
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page as a reader's browser shows it: the site's own CSP applies, JavaScript runs."""
    return new_page()
