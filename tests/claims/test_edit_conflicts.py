"""Two analysts editing one record: nothing typed is lost, and no save overwrites a change it did not see.

Every request here goes through the real admin with CSRF checks on, as a browser sends it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, EditConflict, Evidence
from tests.conftest import form_in

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def session(make_user):
    """session("mei") -> a browser-like client, logged in with every permission, with CSRF checks on."""

    def open_session(username, display_name=""):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(username, "editor", display_name_en=display_name, is_superuser=True))
        return client

    return open_session


@pytest.fixture
def mei(session):
    return session("mei", "Mei Lin")


@pytest.fixture
def ken(session):
    return session("ken", "Ken Sato")


def test_a_stale_save_of_the_same_field_is_refused_with_the_other_change_and_keeps_the_input(
    mei, ken, make_claim, admin_form
):
    ken.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    mei.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    claim = make_claim()
    mei_form, ken_form = admin_form(mei, change_url(claim)), admin_form(ken, change_url(claim))
    mei_form.update(text_en="Takaichi left for Washington on 18 March.", change_reason="Dated.")
    assert mei.post(change_url(claim), mei_form).status_code == 302

    ken_form.update(text_en="Takaichi flew to the United States.", change_reason="Plainer.")
    response = ken.post(change_url(claim), ken_form)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Edit conflict" in html
    assert "Mei Lin changed it" in html and "Takaichi left for Washington on 18 March." in html
    assert "Takaichi flew to the United States.</textarea>" in html  # Ken's input is still on the form
    claim.refresh_from_db()
    assert claim.text_en == "Takaichi left for Washington on 18 March."


def test_saving_again_after_a_conflict_keeps_the_second_analysts_text(mei, ken, make_claim, admin_form):
    claim = make_claim()
    ken_form = admin_form(ken, change_url(claim))
    mei_form = admin_form(mei, change_url(claim))
    mei_form.update(text_en="Mei's wording.", change_reason="Mine.")
    mei.post(change_url(claim), mei_form)
    ken_form.update(text_en="Ken's wording.", change_reason="Mine.")
    conflict = ken.post(change_url(claim), ken_form)
    assert conflict.status_code == 409

    # The conflict page carries the version now stored: saving it again is a deliberate overwrite.
    again = form_in(conflict)
    response = ken.post(change_url(claim), again)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text_en == "Ken's wording."
    assert [row.text_en for row in claim.history.order_by("history_id")][-2:] == ["Mei's wording.", "Ken's wording."]


def test_stale_saves_of_different_fields_are_merged(mei, ken, make_claim, admin_form):
    claim = make_claim(kind=Claim.Kind.PREDICTION)
    mei_form, ken_form = admin_form(mei, change_url(claim)), admin_form(ken, change_url(claim))
    mei_form.update(text_en="Mei's wording.", change_reason="Wording.")
    ken_form.update(due_on="2027-12-31", change_reason="Due date.")

    assert mei.post(change_url(claim), mei_form).status_code == 302
    assert ken.post(change_url(claim), ken_form).status_code == 302

    claim.refresh_from_db()
    assert (claim.text_en, str(claim.due_on)) == ("Mei's wording.", "2027-12-31")
    assert claim.version == 3


def test_a_stale_claim_form_keeps_the_status_an_update_recorded_meanwhile(mei, make_claim, admin_form, analyst):
    claim = make_claim()
    form = admin_form(mei, change_url(claim))
    claim.record_update(status=Claim.Status.ACCURATE, rationale="The schedule confirms it.", by=analyst)

    form.update(text_en="A sharper proposition.", change_reason="Wording.")
    assert mei.post(change_url(claim), form).status_code == 302

    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCURATE
    assert claim.timeline(list(claim.updates.all()))[-1].status_after == claim.status
    assert claim.text_en == "A sharper proposition."


def test_an_unchanged_save_writes_no_history(mei, make_claim, admin_form):
    claim = make_claim()
    rows = claim.history.count()
    assert mei.post(change_url(claim), admin_form(mei, change_url(claim))).status_code == 302
    assert claim.history.count() == rows


def test_a_form_sent_without_its_version_is_refused(mei, make_claim, admin_form):
    mei.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    claim = make_claim()
    form = admin_form(mei, change_url(claim))
    del form["base_version"]
    form.update(text_en="No version.", change_reason="Test.")
    response = mei.post(change_url(claim), form)
    assert response.status_code == 200
    assert "without the version it was opened at" in response.content.decode()
    claim.refresh_from_db()
    assert claim.text_en == "An English proposition."


@pytest.mark.parametrize("model_name", ["actor", "topic", "track", "stage", "source", "evidence", "analyst", "assignment"])
def test_every_change_form_refuses_a_stale_save_of_the_same_field(
    mei, ken, make_claim, track, admin_form, model_name, django_user_model
):
    claim = make_claim()
    records = {
        "actor": lambda: claim.actors.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae"),
        "topic": lambda: claim.topics.create(slug="alliance", name="同盟", name_en="Alliance"),
        "track": lambda: track,
        "stage": lambda: track.stages.first(),
        "source": lambda: claim.source,
        "evidence": lambda: Evidence.objects.create(claim=claim, url="https://example.org/a", title="A report"),
        "analyst": lambda: django_user_model.objects.get(username="ken"),
        "assignment": lambda: Assignment.objects.create(
            cycle=ReviewCycle.objects.create(label="2026-11", starts_on="2026-11-01", ends_on="2026-11-30"),
            claim=claim,
            analyst=django_user_model.objects.get(username="mei"),
        ),
    }
    record = records[model_name]()
    field = {"source": "title_en", "evidence": "title", "analyst": "display_name", "assignment": "note"}.get(model_name, "name_en")
    mei_form, ken_form = admin_form(mei, change_url(record)), admin_form(ken, change_url(record))
    mei_form.update({field: "Mei's value", "change_reason": "Mine."})
    first = mei.post(change_url(record), mei_form)
    assert first.status_code == 302, first.content.decode()[:3000]

    ken_form.update({field: "Ken's value", "change_reason": "Mine."})
    response = ken.post(change_url(record), ken_form)

    assert response.status_code == 409
    record.refresh_from_db()
    assert getattr(record, field) == "Mei's value"


def test_the_source_form_saves_the_seeded_text_byte_for_byte(mei, make_source, make_claim, admin_form):
    text = "\n\n高市早苗首相啟程訪美。\n\n高市將有更大空間推動修憲議程。\n"
    source = make_source(text=text)
    make_claim("高市將有更大空間推動修憲議程", on=source)
    form = admin_form(mei, change_url(source))
    # A browser sends a text area's line breaks as CRLF.
    form["text"] = form["text"].replace("\n", "\r\n")
    form.update(title_en="A corrected title", change_reason="Title.")

    response = mei.post(change_url(source), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert source.text == text
    assert source.title_en == "A corrected title"


def test_a_source_edit_that_moves_a_quote_names_the_claim(mei, source, make_claim, admin_form):
    make_claim("高市將有更大空間推動修憲議程")
    form = admin_form(mei, change_url(source))
    form.update(text="序。" + form["text"], change_reason="A preface.")
    response = mei.post(change_url(source), form)
    assert response.status_code == 200
    assert "C1: the text at" in response.content.decode()


def test_evidence_cited_by_an_update_cannot_be_changed(make_claim, analyst):
    claim = make_claim()
    evidence = Evidence.objects.create(claim=claim, url="https://example.org/a", title="The schedule")
    claim.record_update(status=Claim.Status.ACCURATE, rationale="Confirmed.", evidence=[evidence], by=analyst)

    with pytest.raises(Exception) as error:
        evidence.edit({"url": "https://example.org/other"}, by=analyst, reason="Moved.")

    assert "frozen" in str(error.value)
    evidence.refresh_from_db()
    assert evidence.url == "https://example.org/a"


def test_evidence_cited_by_an_update_is_read_only_in_the_admin(mei, make_claim, analyst):
    claim = make_claim()
    evidence = Evidence.objects.create(claim=claim, url="https://example.org/a", title="The schedule")
    claim.record_update(status=Claim.Status.ACCURATE, rationale="Confirmed.", evidence=[evidence], by=analyst)
    html = mei.get(change_url(evidence)).content.decode()
    assert 'name="url"' not in html and "https://example.org/a" in html


def test_a_public_claim_keeps_its_number(mei, make_claim, admin_form):
    claim = make_claim(state=Claim.State.PUBLISHED)
    with pytest.raises(Exception, match="keeps its number"):
        claim.edit({"number": 42}, reason="Renumber.")
    assert 'name="number"' not in mei.get(change_url(claim)).content.decode()
    claim.refresh_from_db()
    assert claim.number == 1


def test_a_draft_claim_can_be_renumbered(make_claim):
    claim = make_claim(state=Claim.State.DRAFT)
    assert claim.edit({"number": 42}, reason="Renumber.") is True
    claim.refresh_from_db()
    assert claim.number == 42


def test_edit_from_an_old_version_of_the_same_field_raises_edit_conflict(make_claim, analyst):
    claim = make_claim()
    claim.edit({"text_en": "First."}, by=analyst, reason="One.", base_version=1)

    with pytest.raises(EditConflict) as conflict:
        claim.edit({"text_en": "Second."}, by=analyst, reason="Two.", base_version=1)

    assert [change.name for change in conflict.value.changes] == ["text_en"]
    claim.refresh_from_db()
    assert claim.text_en == "First."


def test_an_edit_leaves_one_history_row_with_user_and_reason(make_claim, analyst, track):
    claim = make_claim()
    rows = claim.history.count()
    actor = claim.actors.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")
    rows = claim.history.count()

    claim.edit({"text_en": "New.", "track": track, "actors": [actor]}, by=analyst, reason="Several fields.")

    assert claim.history.count() == rows + 1
    row = claim.history.first()
    assert (row.history_user, row.history_change_reason, row.text_en, row.version) == (analyst, "Several fields.", "New.", claim.version)
    assert [through.actor_id for through in row.actors.all()] == [actor.pk]


def test_mark_reviewed_from_a_stale_queue_is_refused(make_claim, make_user):
    mei = make_user("mei", "analyst")
    cycle = ReviewCycle.objects.create(label="2026-11", starts_on="2026-11-01", ends_on="2026-11-30")
    assignment = Assignment.objects.create(cycle=cycle, claim=make_claim(), analyst=mei)
    seen = assignment.version
    assignment.edit({"note": "Reassigned and annotated."}, by=mei, reason="Note.")

    with pytest.raises(Exception, match="changed after you opened it"):
        assignment.complete_unchanged(user=mei, base_version=seen)

    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.OPEN


def test_saving_the_conflict_page_again_keeps_a_third_analysts_change_to_another_field(
    mei, ken, session, make_claim, admin_form
):
    ann = session("ann", "Ann Ito")
    claim = make_claim(kind=Claim.Kind.PREDICTION)
    mei_form, ken_form, ann_form = (admin_form(client, change_url(claim)) for client in (mei, ken, ann))
    ken_form.update(text_en="Ken's wording.", change_reason="Wording.")
    assert ken.post(change_url(claim), ken_form).status_code == 302
    ann_form.update(due_on="2027-01-03", change_reason="Due date.")
    assert ann.post(change_url(claim), ann_form).status_code == 302

    mei_form.update(text_en="Mei's wording.", change_reason="Wording.")
    conflict = mei.post(change_url(claim), mei_form)
    assert conflict.status_code == 409
    again = form_in(conflict)
    assert again["due_on"] == "2027-01-03"  # the page shows Ann's date, not Mei's stale empty one

    assert mei.post(change_url(claim), again).status_code == 302
    claim.refresh_from_db()
    assert (claim.text_en, str(claim.due_on)) == ("Mei's wording.", "2027-01-03")
