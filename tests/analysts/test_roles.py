"""The analyst and editor roles, checked from the outside: what each can do in the admin."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, Evidence, Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_analyst(client, make_user):
    client.force_login(make_user("mei", "analyst"))
    return client


@pytest.fixture
def as_editor(client, make_user):
    client.force_login(make_user("ed", "editor"))
    return client


@pytest.fixture
def draft(make_claim):
    return make_claim(state=Claim.State.DRAFT)


@pytest.fixture
def evidence(make_claim):
    return Evidence.objects.create(claim=make_claim(), url="https://example.org/schedule", title="The PM's schedule")


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def action_names(response):
    """The actions offered on a changelist; the form is left out when there are none."""
    form = response.context["action_form"]
    return [] if form is None else [name for name, _ in form.fields["action"].choices]


def publish_action(client, claim):
    return client.post(
        admin_url(Claim, "changelist"), {"action": "publish", "_selected_action": [claim.pk], "index": 0}, follow=True
    )


# The groups


def test_migration_creates_the_analyst_and_editor_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"analyst", "editor"}


def test_only_editors_may_publish_and_manage_cycles_and_nobody_in_a_role_deletes(db):
    def codes(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    analyst, editor = codes("analyst"), codes("editor")
    assert {"change_claim", "add_update", "add_evidence", "change_assignment"} <= analyst
    assert {"publish_claim", "add_track", "add_reviewcycle", "view_all_reviews"} & analyst == set()
    assert {"publish_claim", "add_track", "add_reviewcycle", "view_all_reviews"} <= editor
    assert analyst < editor
    assert [code for code in editor if code.startswith("delete_")] == []


# Analysts


def test_analyst_can_edit_a_claim_giving_a_reason(as_analyst, make_claim, admin_form):
    claim = make_claim()
    url = admin_url(Claim, "change", claim.pk)
    data = admin_form(as_analyst, url)
    data.update(text_en="Takaichi Sanae left for Washington.", change_reason="Sharper wording.")
    response = as_analyst.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.text_en == "Takaichi Sanae left for Washington."
    row = claim.history.first()
    assert (row.history_user.username, row.history_change_reason) == ("mei", "Sharper wording.")


def test_analyst_can_record_an_update(as_analyst, make_claim, admin_form):
    claim = make_claim()
    url = admin_url(Claim, "change", claim.pk)
    data = admin_form(as_analyst, url)
    data.update({
        "updates-TOTAL_FORMS": "1",
        "updates-0-status": Claim.Status.ACCURATE,
        "updates-0-effective_on": "2026-03-18",
        "updates-0-rationale": "The schedule confirms the departure.",
        "change_reason": "Rated.",
    })  # fmt: skip
    response = as_analyst.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCURATE
    assert claim.updates.get().recorded_by.username == "mei"


def test_analyst_is_not_offered_the_publish_action(as_analyst, draft):
    response = as_analyst.get(admin_url(Claim, "changelist"))
    assert response.status_code == 200
    assert "publish" not in action_names(response)
    assert "Publish the selected claims" not in response.content.decode()


def test_analyst_posting_the_publish_action_publishes_nothing(as_analyst, draft):
    response = publish_action(as_analyst, draft)
    draft.refresh_from_db()
    assert draft.state == Claim.State.DRAFT
    assert not any("Published" in str(message) for message in get_messages(response.wsgi_request))


def test_analyst_cannot_publish_by_posting_the_state(as_analyst, draft, admin_form):
    url = admin_url(Claim, "change", draft.pk)
    data = admin_form(as_analyst, url)
    assert "state" not in data
    data.update(state=Claim.State.PUBLISHED, text_en="Edited by an analyst.", change_reason="Trying to publish.")
    response = as_analyst.post(url, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.text_en == "Edited by an analyst."
    assert draft.state == Claim.State.DRAFT


def test_analyst_cannot_add_a_track(as_analyst):
    assert as_analyst.get(admin_url(Track, "add")).status_code == 403
    response = as_analyst.post(admin_url(Track, "add"), {"slug": "x", "name": "x", "name_en": "X"})
    assert response.status_code == 403
    assert not Track.objects.exists()


def test_analyst_cannot_delete_a_claim(as_analyst, make_claim):
    claim = make_claim()
    assert as_analyst.get(admin_url(Claim, "delete", claim.pk)).status_code == 403
    assert as_analyst.post(admin_url(Claim, "delete", claim.pk), {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_analyst_cannot_delete_evidence(as_analyst, evidence):
    assert as_analyst.get(admin_url(Evidence, "delete", evidence.pk)).status_code == 403
    assert as_analyst.post(admin_url(Evidence, "delete", evidence.pk), {"post": "yes"}).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_analyst_cannot_add_a_review_cycle(as_analyst):
    assert as_analyst.get(admin_url(ReviewCycle, "add")).status_code == 403
    assert as_analyst.post(admin_url(ReviewCycle, "add"), {"label": "2026-11"}).status_code == 403
    assert not ReviewCycle.objects.exists()


# Editors


def test_editor_can_publish_with_the_action(as_editor, draft):
    as_editor.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    assert "publish" in action_names(as_editor.get(admin_url(Claim, "changelist")))
    response = publish_action(as_editor, draft)
    assert "Published 1 claims." in [str(message) for message in get_messages(response.wsgi_request)]
    draft.refresh_from_db()
    assert draft.state == Claim.State.PUBLISHED
    assert draft.history.first().history_user.username == "ed"


def test_editor_can_add_a_track(as_editor, admin_form):
    url = admin_url(Track, "add")
    data = admin_form(as_editor, url)
    data.update(slug="defence-budget", name="防衛預算", name_en="Defence budget")
    response = as_editor.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Track.objects.get().name_en == "Defence budget"


def test_editor_adding_a_review_cycle_opens_it_and_assigns_the_due_claims(as_editor, make_claim, admin_form):
    as_editor.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    due = make_claim()
    make_claim(state=Claim.State.DRAFT)
    url = admin_url(ReviewCycle, "add")
    data = admin_form(as_editor, url)
    data["label"] = "2026-11"
    response = as_editor.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Opened 2026-11: 1 claims assigned." in [str(message) for message in get_messages(response.wsgi_request)]
    cycle = ReviewCycle.objects.get()
    assert (str(cycle.starts_on), str(cycle.ends_on), cycle.state) == ("2026-11-01", "2026-11-30", "open")
    assignment = Assignment.objects.get()
    assert (assignment.cycle, assignment.claim, assignment.analyst.username) == (cycle, due, "ed")
    assert cycle.history.get().history_user.username == "ed"


def test_editor_cannot_delete_a_claim(as_editor, make_claim):
    claim = make_claim()
    assert as_editor.get(admin_url(Claim, "delete", claim.pk)).status_code == 403
    assert as_editor.post(admin_url(Claim, "delete", claim.pk), {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


# Superusers


def test_superuser_can_delete_evidence_and_the_deletion_is_in_its_history(client, analyst, evidence):
    client.force_login(analyst)
    response = client.post(admin_url(Evidence, "delete", evidence.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    row = Evidence.history.filter(id=evidence.pk).latest("history_date")
    assert row.history_type == "-"
    assert row.history_user == analyst
    assert row.title == "The PM's schedule"


def test_editor_adding_a_review_cycle_with_a_bad_label_gets_the_form_back(as_editor, admin_form):
    url = admin_url(ReviewCycle, "add")
    data = admin_form(as_editor, url)
    data["label"] = "November"
    response = as_editor.post(url, data)
    assert not ReviewCycle.objects.exists()
    assert response.status_code == 200  # the form again, saying what is wrong
    assert "is not a month like 2026-11" in response.content.decode()
    assert not LogEntry.objects.exists()
