import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.models import DeletedObject

from claims.admin import deleted_label
from claims.models import Actor, Claim, Evidence, Source, Stage, Track, Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, analyst):
    client.force_login(analyst)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_claim_list_shows_the_columns_analysts_scan(logged_in, make_claim):
    logged_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    make_claim()
    response = logged_in.get(reverse("admin:claims_claim_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Claim", "English proposition", "Kind", "Status and stage", "Publication state", "Next review"):
        assert heading in html
    assert ">C1<" in html


def test_admin_claim_list_runs_a_fixed_number_of_queries(logged_in, make_claim, populate):
    make_claim(kind=Claim.Kind.POSITION)
    populate(20)  # with stages on their track, updates and evidence
    url = reverse("admin:claims_claim_changelist")
    with CaptureQueriesContext(connection) as few:
        assert logged_in.get(url + "?kind__exact=position").context["cl"].result_count == 1
    with CaptureQueriesContext(connection) as many:
        assert logged_in.get(url).context["cl"].result_count == 21
    assert len(many) == len(few)


def test_admin_claim_list_filters_by_kind_and_searches_the_english_text(logged_in, make_claim):
    hormuz = make_claim(text_en="Japan sends minesweepers to the Strait of Hormuz.")
    make_claim("日本大幅增加國防支出", text_en="Japan raises defence spending.")
    make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, text_en="Hormuz stays open all year.")
    make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, text_en="The Diet amends the constitution.")
    url = reverse("admin:claims_claim_changelist")
    predictions = logged_in.get(url, {"kind__exact": "prediction"}).context["cl"].result_count
    assert predictions == Claim.objects.filter(kind=Claim.Kind.PREDICTION).count() == 2
    found = logged_in.get(url, {"q": "Hormuz"}).context["cl"].result_list
    assert found and all("Hormuz" in claim.text_en for claim in found)
    assert {claim.text_en for claim in found} == {hormuz.text_en, "Hormuz stays open all year."}


def test_admin_claim_page_shows_the_quote_in_its_context(logged_in, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    html = logged_in.get(change_url(claim)).content.decode()
    assert "首相啟程訪美。<mark>高市將有更大空間推動修憲議程</mark>。日本大幅增加國防支出" in html


def test_admin_claim_edit_records_the_analyst_and_the_reason(logged_in, analyst, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data["text_en"] = "Takaichi Sanae left for Washington."
    data["change_reason"] = "Sharper wording."
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    row = claim.history.first()
    assert row.text_en == "Takaichi Sanae left for Washington."
    assert row.history_user == analyst
    assert row.history_change_reason == "Sharper wording."


def test_admin_claim_edit_without_a_reason_is_refused(logged_in, make_claim, admin_form):
    logged_in.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # this test reads the admin in English
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data["text_en"] = "Changed silently."
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Say why you are changing this record." in response.content.decode()
    claim.refresh_from_db()
    assert claim.text_en == "An English proposition."


def test_admin_claim_status_cannot_be_posted_directly(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    assert "status" not in data
    data.update(status=Claim.Status.INACCURATE, change_reason="Trying to set the status.", text_en="x")
    logged_in.post(change_url(claim), data)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NOT_RATED


def test_admin_recording_an_update_changes_the_status_in_the_same_save(logged_in, analyst, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update({
        "updates-TOTAL_FORMS": "1",
        "updates-0-status": Claim.Status.ACCURATE,
        "updates-0-effective_on": "2026-03-18",
        "updates-0-rationale": "The Prime Minister's Office schedule confirms the departure.",
        "change_reason": "Rated after checking the schedule.",
    })
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 302
    claim.refresh_from_db()
    update = claim.updates.get()
    assert claim.status == Claim.Status.ACCURATE
    assert update.recorded_by == analyst
    assert str(update.effective_on) == "2026-03-18"
    status_row = claim.history.filter(status=Claim.Status.ACCURATE).earliest("history_date")
    assert status_row.history_user == analyst
    assert "The Prime Minister's Office schedule" in status_row.history_change_reason
    assert update.history.get().history_user == analyst


def test_admin_update_without_rationale_is_refused_and_nothing_changes(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update({"updates-TOTAL_FORMS": "1", "updates-0-status": Claim.Status.ACCURATE,
                 "updates-0-effective_on": "2026-03-18", "updates-0-rationale": ""})
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NOT_RATED
    assert not Update.objects.exists()


def test_admin_update_with_a_status_of_the_wrong_scale_is_refused(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update({"updates-TOTAL_FORMS": "1", "updates-0-status": Claim.Status.FULFILLED,
                 "updates-0-effective_on": "2026-03-18", "updates-0-rationale": "Wrong scale."})
    response = logged_in.post(change_url(claim), data)
    # The form no longer offers it, so it is refused as not a choice (Update.errors() would refuse it too).
    assert response.status_code == 200
    assert Claim.Status.FULFILLED.value in response.content.decode()
    assert not Update.objects.exists()


def test_admin_update_effective_in_the_future_is_refused(logged_in, make_claim, admin_form):
    claim = make_claim()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = admin_form(logged_in, change_url(claim))
    data.update({"updates-TOTAL_FORMS": "1", "updates-0-status": Claim.Status.ACCURATE,
                 "updates-0-effective_on": tomorrow.isoformat(), "updates-0-rationale": "Announced ahead."})
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 200
    assert f"C1: the effective date {tomorrow} is in the future." in response.content.decode()
    assert not Update.objects.exists()


def select_options(response, name):
    """The values a select of the page offers, blank included."""
    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_admin_new_update_offers_only_the_claims_statuses_stages_and_updates(logged_in, make_claim, track, record_update):
    claim = make_claim(kind=Claim.Kind.PREDICTION, track=track)
    standing = record_update(claim, status=Claim.Status.IN_PROGRESS, effective_on=datetime.date(2026, 1, 10))
    corrected = record_update(claim, status=Claim.Status.STALLED, effective_on=datetime.date(2026, 2, 10))
    correction = record_update(claim, status=Claim.Status.STALLED, effective_on=datetime.date(2026, 2, 11), corrects=corrected)
    other = make_claim("高市", kind=Claim.Kind.ASSERTION)
    foreign = record_update(other, status=Claim.Status.ACCURATE)
    Stage.objects.create(track=Track.objects.create(slug="other", name="其他", name_en="Other"), position=1, slug="x", name="X")

    response = logged_in.get(change_url(claim))

    assert select_options(response, "updates-__prefix__-status") == ["", *claim.statuses()]
    assert Claim.Status.ACCURATE not in claim.statuses()
    assert select_options(response, "updates-__prefix__-stage") == ["", *(str(pk) for pk in track.stages.values_list("pk", flat=True))]
    corrects = select_options(response, "updates-__prefix__-corrects")
    assert sorted(corrects) == sorted(["", str(standing.pk), str(correction.pk)])
    assert str(foreign.pk) not in corrects


def test_admin_update_add_form_for_a_known_claim_offers_only_its_choices(logged_in, make_claim, track):
    claim = make_claim(kind=Claim.Kind.PREDICTION, track=track)
    Stage.objects.create(track=Track.objects.create(slug="other", name="其他", name_en="Other"), position=1, slug="x", name="X")
    url = reverse("admin:claims_update_add") + f"?claim={claim.pk}"

    response = logged_in.get(url)

    assert select_options(response, "status") == ["", *claim.statuses()]
    assert select_options(response, "stage") == ["", *(str(pk) for pk in track.stages.values_list("pk", flat=True))]
    assert len(select_options(logged_in.get(reverse("admin:claims_update_add")), "status")) == len(Claim.Status) + 1


def test_admin_recorded_updates_are_read_only(logged_in, make_claim, record_update):
    claim = make_claim()
    update = record_update(claim, status=Claim.Status.ACCURATE)
    url = change_url(update)
    assert logged_in.get(url).status_code == 200
    response = logged_in.post(url, {"rationale": "Rewritten history."})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.rationale == "Because the record shows it."


def test_admin_correction_replaces_the_corrected_update(logged_in, analyst, make_claim, record_update):
    claim = make_claim()
    wrong = record_update(claim, status=Claim.Status.INACCURATE)
    response = logged_in.post(reverse("admin:claims_update_add"), {
        "claim": claim.pk, "status": Claim.Status.ACCURATE, "effective_on": "2026-03-18",
        "rationale": "The first rating misread the schedule.", "corrects": wrong.pk, "change_reason": "",
    })
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCURATE
    assert wrong.correction.recorded_by == analyst
    assert Update.objects.count() == 2


def test_admin_publish_action_records_the_analyst(logged_in, analyst, make_claim):
    claim = make_claim(state=Claim.State.DRAFT)
    response = logged_in.post(
        reverse("admin:claims_claim_changelist"), {"action": "publish", "_selected_action": [claim.pk]}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == Claim.State.PUBLISHED
    row = claim.history.first()
    assert (row.history_user, row.history_change_reason) == (analyst, "Published from the claim list")


def test_admin_history_page_shows_who_changed_what_from_what_to_what_and_why(logged_in, analyst, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update(text_en="Takaichi left for Washington.", change_reason="Named the city.")
    logged_in.post(change_url(claim), data)
    html = logged_in.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    assert "Named the city." in html
    assert "An English proposition." in html and "Takaichi left for Washington." in html
    assert str(analyst) in html


def test_admin_history_page_shows_status_labels_and_no_stage_rather_than_codes(logged_in, make_claim, track, record_update):
    claim = make_claim(kind=Claim.Kind.PREDICTION, track=track)
    record_update(claim, status=Claim.Status.IN_PROGRESS, stage=track.stages.get(position=2))

    html = logged_in.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()

    before, after = re.escape(str(Claim.Status.NOT_RATED.label)), re.escape(str(Claim.Status.IN_PROGRESS.label))
    assert re.search(rf"{before}\s*&nbsp;&rarr;&nbsp;&nbsp;{after}", html)
    assert "not_rated" not in html and "in_progress" not in html
    assert "pk=None" not in html
    assert str(track.stages.get(position=2)) in html


def test_history_names_a_deleted_record_by_its_last_name(track):
    stage = Stage.objects.create(track=track, position=9, slug="gone", name="Abandoned", name_en="Abandoned")
    label, pk = str(stage), stage.pk
    stage.delete()

    assert deleted_label(DeletedObject(Stage, pk)) == f"{label} (deleted)"
    assert deleted_label(DeletedObject(Stage, None)) == "—"


def test_admin_source_edit_that_breaks_an_anchor_is_refused(logged_in, source, make_claim, admin_form):
    make_claim()
    url = change_url(source)
    data = admin_form(logged_in, url)
    data.update(text="序言。" + source.text, change_reason="Added a preface.")
    response = logged_in.post(url, data)
    assert response.status_code == 200
    assert "C1: the text at" in response.content.decode()
    assert Source.objects.get().text == source.text


def test_admin_changing_the_quote_moves_the_offsets(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update(quote="高市將有更大空間推動修憲議程", occurrence="2", change_reason="Quoted the repeat.")
    assert logged_in.post(change_url(claim), data).status_code == 302
    claim.refresh_from_db()
    assert claim.source.text[claim.start : claim.end] == claim.quote
    assert claim.start == claim.source.text.rindex("高市將有更大空間推動修憲議程")


def test_admin_quote_not_in_the_text_is_refused(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update(quote="川普訪日", change_reason="Typo.")
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 200
    assert "is not in the source text" in response.content.decode()


def test_admin_evidence_with_an_ftp_address_is_refused(logged_in, make_claim):
    claim = make_claim()
    response = logged_in.post(reverse("admin:claims_evidence_add"), {
        "claim": claim.pk, "url": "ftp://example.org/file", "title": "A file", "retrieved_on": "2026-11-01",
        "bearing": Evidence.Bearing.CONTEXT, "change_reason": "",
    })
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not Evidence.objects.exists()


def test_admin_track_page_lists_its_stages_in_order(logged_in, track):
    html = logged_in.get(change_url(track)).content.decode()
    assert html.index("No formal step") < html.index("Party draft") < html.index("Deliberation")
    assert Stage.objects.filter(track=track).count() == 3


def test_admin_pages_need_a_login(client, make_claim):
    claim = make_claim()
    response = client.get(change_url(claim))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_admin_search_pages_used_by_autocomplete_answer(logged_in):
    takaichi = Actor.objects.create(slug="takaichi-sanae", name="高市早苗", name_en="Takaichi Sanae")
    Actor.objects.create(slug="trump", name="川普", name_en="Donald Trump")
    response = logged_in.get(
        reverse("admin:autocomplete"),
        {"term": "Takaichi", "app_label": "claims", "model_name": "claim", "field_name": "actors"},
    )
    assert response.status_code == 200
    assert "Takaichi" in response.content.decode()
    assert [result["id"] for result in response.json()["results"]] == [str(takaichi.pk)]


def test_admin_evidence_added_with_an_update_is_cited_by_it_in_the_same_save(logged_in, analyst, make_claim, admin_form, track):
    claim = make_claim(track=track)
    data = admin_form(logged_in, change_url(claim))
    data.update({
        "updates-TOTAL_FORMS": "1",
        "updates-0-stage": str(track.stages.get(slug="party-draft").pk),
        "updates-0-effective_on": "2026-03-18",
        "updates-0-rationale": "The party published its draft.",
        "updates-0-rationale_zh_hant": "自民黨公布草案。",
        "evidence-TOTAL_FORMS": "1",
        "evidence-0-url": "https://example.org/draft",
        "evidence-0-title": "LDP publishes its draft",
        "evidence-0-title_zh_hant": "自民黨公布草案",
        "evidence-0-retrieved_on": "2026-11-20",
        "evidence-0-bearing": Evidence.Bearing.SUPPORTS,
        "change_reason": "Stage moved, with the report.",
    })
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    update = claim.updates.get()
    evidence = Evidence.objects.get(claim=claim)
    assert list(update.evidence.all()) == [evidence]
    assert (update.rationale_zh_hant, evidence.title_zh_hant) == ("自民黨公布草案。", "自民黨公布草案")
    claim.refresh_from_db()
    assert claim.stage.slug == "party-draft"
    # The citation is in the update's first history row: it was cited from the start, not attached later.
    assert update.history.count() == 1


def test_admin_evidence_added_without_an_update_is_cited_by_nothing(logged_in, make_claim, admin_form):
    claim = make_claim()
    data = admin_form(logged_in, change_url(claim))
    data.update({
        "evidence-TOTAL_FORMS": "1",
        "evidence-0-url": "https://example.org/context",
        "evidence-0-title": "Background",
        "evidence-0-retrieved_on": "2026-11-20",
        "evidence-0-bearing": Evidence.Bearing.CONTEXT,
        "change_reason": "Background reading.",
    })
    assert logged_in.post(change_url(claim), data).status_code == 302
    assert not Evidence.objects.get(claim=claim).updates.exists()


def test_admin_claim_with_cited_evidence_saves_a_new_update_without_touching_the_evidence(logged_in, make_claim, admin_form):
    claim = make_claim()
    cited = Evidence.objects.create(claim=claim, url="https://example.org/a", title="A report", excerpt="A note.")
    claim.record_update(status=Claim.Status.MOSTLY_ACCURATE, rationale="First look.", evidence=[cited])
    data = admin_form(logged_in, change_url(claim))
    data.update({
        "updates-TOTAL_FORMS": "2",
        "updates-1-status": Claim.Status.ACCURATE,
        "updates-1-effective_on": timezone.localdate().isoformat(),
        "updates-1-rationale": "A second report settles it.",
    })
    response = logged_in.post(change_url(claim), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCURATE
    assert cited.history.count() == 1  # the frozen evidence was left as it was


def test_the_claim_list_essay_filter_lists_the_latest_essays_and_the_chosen_one(logged_in, make_source):
    essays = [make_source(title_en=f"Essay {n:02}", published_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n)) for n in range(35)]
    url = reverse("admin:claims_claim_changelist")
    with CaptureQueriesContext(connection) as queries:
        listed = logged_in.get(url).content.decode()
    assert "Essay 34" in listed and "Essay 05" in listed and "Essay 04" not in listed  # the latest 30
    assert not [query for query in queries if '"claims_source"."text"' in query["sql"]]  # titles, not texts

    chosen = logged_in.get(url, {"source__id__exact": essays[0].pk}).content.decode()
    assert "Essay 00" in chosen  # an older essay, chosen by its address, is shown as chosen
    assert re.search(r'<li class="selected">\s*<a href="\?source__id__exact=%d"' % essays[0].pk, chosen)


def test_the_claim_form_offers_its_essay_by_autocomplete_not_a_list_of_every_essay(logged_in, make_claim, make_source):
    claim = make_claim()
    for n in range(5):
        make_source(title_en=f"Another essay {n}")
    html = logged_in.get(change_url(claim)).content.decode()
    select = re.search(r'<select name="source".*?</select>', html, re.S)[0]
    assert "admin-autocomplete" in select
    assert select.count("<option") == 1 and "selected" in select  # only the claim's own essay
