"""Public pages name people by their public name only: never by the login name they sign in with."""

import datetime

import pytest

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False),
]

LOGIN_NAME = "kmei-login-7"


@pytest.fixture
def nameless(make_user):
    """An analyst with a login name and nothing else: no display name, no first or last name."""
    return make_user(LOGIN_NAME, "analyst")


@pytest.fixture
def recorded(make_claim, record_update, nameless):
    claim = make_claim()
    record_update(claim, status=Claim.Status.ACCURATE, rationale="The schedule confirms it.", recorded_by=nameless)
    return claim


def public_urls(claim):
    path = claim.get_absolute_url().split("/", 2)[2]  # without the language prefix
    return [
        f"/{language}/{page}"
        for language in ("en", "zh-hant")
        for page in ("", "claims/", path, f"{path}feed/", "sources/essay/", "scorecard/", "feeds/updates/",
                     "data/claims.json", "data/claims.csv")
    ]  # fmt: skip


def test_no_public_page_shows_an_analysts_login_name(client, recorded):
    for url in public_urls(recorded):
        response = client.get(url)
        assert response.status_code == 200, url
        assert LOGIN_NAME not in response.getvalue().decode(), url


def test_the_timeline_names_a_nameless_analyst_in_the_readers_language(client, recorded):
    path = recorded.get_absolute_url().split("/", 2)[2]

    assert "· An analyst" in client.get(f"/en/{path}").content.decode()
    assert "· 一位分析人員" in client.get(f"/zh-hant/{path}").content.decode()


def test_the_timeline_shows_the_public_name_when_there_is_one(client, recorded, nameless):
    nameless.display_name_en = "Kao Mei"
    nameless.save()

    assert "· Kao Mei" in client.get(recorded.get_absolute_url()).content.decode()


def test_the_review_report_does_not_show_an_analysts_login_name(client, make_claim, nameless):
    make_claim()
    ReviewCycle.open_period("2026-11")
    Assignment.objects.get().complete_unchanged(user=nameless)

    for url in ("/en/reviews/2026-11/", "/zh-hant/reviews/2026-11/", "/en/reviews/2026-11/report.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert LOGIN_NAME not in response.getvalue().decode(), url
    assert "An analyst" in client.get("/en/reviews/2026-11/").content.decode()
