"""The review queue in the admin (/admin/analysts/assignment/) and how reviews get done."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:analysts_assignment_changelist")
# Completing a review stamps the claim with today's date: these tests stop the clock at noon on this day.
TODAY = datetime.date(2026, 11, 20)
frozen_today = pytest.mark.time_machine(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def mei(make_user):
    return make_user("mei", "analyst")


@pytest.fixture
def ken(make_user):
    return make_user("ken", "analyst")


@pytest.fixture
def editor(make_user):
    return make_user("ed", "editor")


@pytest.fixture
def cycle(db):
    return ReviewCycle.objects.create(
        label="2026-11", starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30)
    )


@pytest.fixture
def assign(cycle, make_claim):
    def make(analyst, next_review_on=None, **fields):
        claim = make_claim(next_review_on=next_review_on)
        return Assignment.objects.create(cycle=cycle, claim=claim, analyst=analyst, **fields)

    return make


def listed(client, query=""):
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


NOTE = "Checked the ministry's site and the Diet record: nothing new."


def complete_unchanged(client, *assignments, note=NOTE, query=""):
    """Run the action as the admin does: the queue's Run button, then the confirmation with a note."""
    selected = {"action": "complete_unchanged", "_selected_action": [a.pk for a in assignments]}
    asked = client.post(QUEUE + query, {**selected, "index": 0})
    assert asked.status_code == 200 and 'name="note"' in asked.content.decode()
    return client.post(QUEUE + query, {**selected, "confirm": "yes", "note": note}, follow=True)


def hidden_inputs(html):
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def test_analyst_sees_only_their_own_open_reviews_by_default(client, mei, ken, assign):
    mine = assign(mei)
    assign(mei, state=Assignment.State.DONE, outcome=Assignment.Outcome.UNCHANGED)
    assign(ken)
    client.force_login(mei)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    assert listed(client) == [mine]
    html = client.get(QUEUE).content.decode()
    assert 'class="selected"' in html and "My open reviews" in html


def test_analyst_never_sees_another_analysts_reviews_whatever_the_filter(client, mei, ken, assign):
    mine = assign(mei)
    done = assign(mei, state=Assignment.State.DONE, outcome=Assignment.Outcome.UNCHANGED)
    assign(ken)
    client.force_login(mei)
    assert listed(client, "?queue=open") == [mine]
    assert set(listed(client, "?queue=all")) == {mine, done}


def test_queue_method_orders_alerts_first_then_the_most_overdue(mei, assign):
    later = assign(mei, datetime.date(2026, 12, 10))
    sooner = assign(mei, datetime.date(2026, 11, 5))
    never_reviewed = assign(mei, None)
    alert = assign(mei, datetime.date(2027, 1, 1), alert_reason="C9 changed from Not yet rated to Accurate.")
    assign(mei, None, state=Assignment.State.DONE, outcome=Assignment.Outcome.UNCHANGED)
    assert list(Assignment.objects.queue()) == [alert, never_reviewed, sooner, later]


def test_admin_queue_lists_alerts_first_then_the_most_overdue(client, mei, assign):
    later = assign(mei, datetime.date(2026, 12, 10))
    sooner = assign(mei, datetime.date(2026, 11, 5))
    never_reviewed = assign(mei, None)
    alert = assign(mei, datetime.date(2027, 1, 1), alert_reason="C9 changed from Not yet rated to Accurate.")
    client.force_login(mei)
    assert listed(client) == [alert, never_reviewed, sooner, later]


def test_editor_sees_every_analysts_open_reviews(client, mei, ken, editor, assign):
    open_reviews = {assign(mei), assign(ken), assign(editor)}
    assign(ken, state=Assignment.State.MISSED)
    client.force_login(editor)
    assert set(listed(client, "?queue=open")) == open_reviews
    assert len(listed(client, "?queue=all")) == 4


def test_editor_by_default_sees_only_their_own_open_reviews(client, mei, editor, assign):
    own = assign(editor)
    assign(mei)
    client.force_login(editor)
    assert listed(client) == [own]


def test_queue_runs_a_fixed_number_of_queries(client, mei, assign):
    client.force_login(mei)
    assign(mei)
    with CaptureQueriesContext(connection) as few:
        listed(client)
    for _ in range(5):
        assign(mei)
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client)) == 6
    assert len(many) == len(few)


def test_queue_marks_an_overdue_review(client, mei, assign):
    assign(mei, datetime.date(2000, 1, 1))
    client.force_login(mei)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    assert "<strong>2000-01-01 (overdue)</strong>" in client.get(QUEUE).content.decode()


@frozen_today
def test_complete_unchanged_action_completes_the_review_and_stamps_the_claim(client, mei, assign):
    assignment = assign(mei)
    client.force_login(mei)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English

    response = complete_unchanged(client, assignment)

    assert "Marked 1 reviews as reviewed, unchanged." in [str(m) for m in get_messages(response.wsgi_request)]
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.DONE
    assert assignment.outcome == Assignment.Outcome.UNCHANGED
    assert assignment.completed is not None
    claim = assignment.claim
    claim.refresh_from_db()
    assert claim.last_reviewed_on == TODAY
    # An unrated assertion comes up again after 30 days.
    assert claim.review_interval() == datetime.timedelta(days=30)
    assert claim.next_review_on == TODAY + claim.review_interval()
    row = claim.history.first()
    assert row.history_change_reason.startswith("Reviewed, unchanged")
    assert row.history_user == mei
    assert assignment.history.first().history_user == mei


@frozen_today
def test_complete_unchanged_uses_the_claims_own_interval(client, mei, assign):
    assignment = assign(mei)
    Claim.objects.filter(pk=assignment.claim_id).update(review_interval_days=7)
    client.force_login(mei)
    complete_unchanged(client, assignment)
    assignment.claim.refresh_from_db()
    assert assignment.claim.next_review_on == datetime.date(2026, 11, 27)


def test_complete_unchanged_removes_the_review_from_the_default_queue(client, mei, assign):
    first, second = assign(mei), assign(mei)
    client.force_login(mei)
    complete_unchanged(client, first)
    assert listed(client) == [second]


def test_analyst_cannot_complete_another_analysts_review(client, mei, ken, assign):
    kens = assign(ken)
    client.force_login(mei)
    complete_unchanged(client, kens)
    kens.refresh_from_db()
    assert kens.state == Assignment.State.OPEN
    kens.claim.refresh_from_db()
    assert kens.claim.last_reviewed_on is None


def test_editor_can_complete_another_analysts_review(client, mei, editor, assign):
    meis = assign(mei)
    client.force_login(editor)
    complete_unchanged(client, meis, query="?queue=open")
    meis.refresh_from_db()
    assert meis.state == Assignment.State.DONE
    assert meis.history.first().history_user.username == "ed"


def test_complete_unchanged_asks_for_a_note_before_changing_anything(client, mei, assign):
    assignment = assign(mei)
    client.force_login(mei)

    response = client.post(QUEUE, {"action": "complete_unchanged", "_selected_action": [assignment.pk], "index": 0})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<textarea name="note"' in html and "C1" in html
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.OPEN


def test_complete_unchanged_without_a_note_is_refused(client, mei, assign):
    assignment = assign(mei)
    client.force_login(mei)

    response = client.post(QUEUE, {"action": "complete_unchanged", "_selected_action": [assignment.pk], "confirm": "yes", "note": " "})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.OPEN


def test_complete_unchanged_with_csrf_keeps_the_note_and_returns_to_the_queue(mei, assign):
    assignment = assign(mei)
    client = Client(enforce_csrf_checks=True)
    client.force_login(mei)
    queue = client.get(QUEUE + "?queue=open").content.decode()
    token = dict(hidden_inputs(queue))["csrfmiddlewaretoken"]
    version = dict(hidden_inputs(queue))[f"version_{assignment.pk}"]

    asked = client.post(QUEUE + "?queue=open", {
        "csrfmiddlewaretoken": token, "action": "complete_unchanged", "index": 0,
        "_selected_action": [assignment.pk], f"version_{assignment.pk}": version,
    })
    carried = hidden_inputs(asked.content.decode())
    assert (f"version_{assignment.pk}", version) in carried
    response = client.post(QUEUE + "?queue=open", {**dict(carried), "note": NOTE})

    assert response.status_code == 302 and response["Location"] == QUEUE + "?queue=open"
    assignment.refresh_from_db()
    assert (assignment.state, assignment.note) == (Assignment.State.DONE, NOTE)
    assert assignment.claim.history.first().history_change_reason == f"Reviewed, unchanged. {NOTE}"


def test_complete_unchanged_confirmed_after_the_review_changed_is_refused(client, mei, assign):
    assignment = assign(mei)
    client.force_login(mei)
    selected = {"action": "complete_unchanged", "_selected_action": [assignment.pk], f"version_{assignment.pk}": assignment.version}
    carried = dict(hidden_inputs(client.post(QUEUE, {**selected, "index": 0}).content.decode()))
    Assignment.objects.get(pk=assignment.pk).save_version(["note"], None, "Changed meanwhile")  # a new version

    client.post(QUEUE, {**carried, "note": NOTE})

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.OPEN


def test_complete_unchanged_twice_is_refused(mei, assign):
    assignment = assign(mei)
    assignment.complete_unchanged(user=mei)
    with translation.override("en"), pytest.raises(ValidationError, match="Review of C1 in 2026-11 is done, not open."):
        assignment.complete_unchanged(user=mei)
    assert assignment.history.count() == 2


def test_recording_an_update_completes_the_open_review_with_it(mei, assign):
    assignment = assign(mei)
    update = assignment.claim.record_update(status=Claim.Status.ACCURATE, rationale="Checked the schedule.", by=mei)
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.DONE
    assert assignment.outcome == Assignment.Outcome.UPDATED
    assert assignment.update == update
    assert assignment.completed is not None
    row = assignment.history.first()
    assert (row.history_user, row.history_change_reason) == (mei, f"Reviewed with update {update.pk}")


def test_a_second_update_leaves_the_completed_review_as_it_was(mei, assign):
    assignment = assign(mei)
    first = assignment.claim.record_update(status=Claim.Status.ACCURATE, rationale="First.", by=mei)
    assignment.claim.record_update(status=Claim.Status.MIXED, rationale="Second.", by=mei)
    assignment.refresh_from_db()
    assert assignment.update == first
    assert assignment.history.count() == 2


def test_recording_an_update_leaves_other_claims_reviews_open(mei, assign):
    reviewed, other = assign(mei), assign(mei)
    reviewed.claim.record_update(status=Claim.Status.ACCURATE, rationale="Checked.", by=mei)
    other.refresh_from_db()
    assert other.state == Assignment.State.OPEN
