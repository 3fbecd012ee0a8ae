"""The claim models: anchoring, constraints, updates, history, sources and querysets."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from claims.models import Actor, Claim, ClaimRelation, Evidence, Stage, Topic, Track, Update
from tests.conftest import ESSAY

REPEATED = "高市將有更大空間推動修憲議程"
JAN, FEB, MAR = datetime.date(2026, 1, 10), datetime.date(2026, 2, 10), datetime.date(2026, 3, 10)


def violates(constraint):
    """Expect an IntegrityError naming `constraint`; SQLite and PostgreSQL both name check constraints."""
    return pytest.raises(IntegrityError, match=constraint)


def refreshed(instance):
    instance.refresh_from_db()
    return instance


@pytest.fixture
def other_track(db):
    track = Track.objects.create(slug="defence", name="國防", name_en="Defence")
    Stage.objects.create(track=track, position=1, slug="budget", name="預算", name_en="Budget")
    return track


# Anchoring: a claim's quote sits at its offsets in the source text.


def test_claim_anchored_by_the_builder_reads_its_quote_at_its_offsets(make_claim, source):
    claim = make_claim("日本大幅增加國防支出")

    assert source.text[claim.start : claim.end] == "日本大幅增加國防支出"
    assert claim.start == ESSAY.index("日本大幅增加國防支出")


def test_claim_whose_quote_is_not_at_its_offsets_is_refused_by_validation(source):
    claim = Claim(
        source=source, number=7, kind=Claim.Kind.ASSERTION, text_en="A proposition.", quote="日本", start=0, end=2
    )

    with pytest.raises(ValidationError) as error:
        claim.full_clean()

    assert "C7" in error.value.message_dict["quote"][0]


def test_edit_that_moves_the_quote_off_its_offsets_is_refused_and_not_stored(make_claim):
    claim = make_claim()

    with pytest.raises(ValidationError) as error:
        claim.edit({"quote": "日本大幅增加國防支出"}, reason="Wrong quote.")

    assert "C1" in error.value.message_dict["quote"][0]
    assert refreshed(claim).quote == "高市早苗首相啟程訪美"


def test_anchor_to_finds_the_second_occurrence_of_a_repeated_quote(source):
    claim = Claim(source=source, number=1)

    claim.anchor_to(REPEATED, occurrence=2)

    first = ESSAY.index(REPEATED)
    assert claim.start == ESSAY.index(REPEATED, first + 1)
    assert (claim.quote, claim.end) == (REPEATED, claim.start + len(REPEATED))


def test_anchor_to_refuses_a_quote_missing_from_the_source(source):
    claim = Claim(source=source, number=3)

    with pytest.raises(ValidationError) as error:
        claim.anchor_to("石破茂")

    assert "C3" in error.value.message_dict["quote"][0]


def test_anchor_to_refuses_an_occurrence_beyond_the_last(source):
    claim = Claim(source=source, number=3)

    with pytest.raises(ValidationError) as error:
        claim.anchor_to(REPEATED, occurrence=3)

    assert "occurrence 3" in error.value.message_dict["quote"][0]
    assert claim.start is None


# Constraints the database enforces even when save() is bypassed.


def test_database_refuses_a_status_outside_the_kinds_scale(make_claim):
    claim = make_claim(kind=Claim.Kind.ASSERTION)

    with violates("claim_status_fits_kind"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.FULFILLED)


def test_database_refuses_a_withdrawal_without_reason(make_claim):
    claim = make_claim()

    with violates("claim_withdrawal_has_reason"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(state=Claim.State.WITHDRAWN, withdrawal_reason="")


def test_database_refuses_a_prediction_without_resolution_criteria(make_claim):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION)

    with violates("claim_prediction_has_criteria"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(resolution_criteria="")


def test_database_refuses_a_span_whose_end_is_not_after_its_start(make_claim):
    claim = make_claim()

    with violates("claim_span_not_empty"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(end=F("start"))


def test_database_refuses_two_claims_with_one_number_in_a_source(make_claim):
    first = make_claim(number=1)
    second = make_claim(REPEATED, number=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=second.pk).update(number=first.number)


def test_database_refuses_a_stage_without_a_track(make_claim, track):
    claim = make_claim()

    with violates("claim_stage_needs_track"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(stage=track.stages.first())


def test_database_refuses_evidence_with_an_ftp_url(make_claim):
    claim = make_claim()

    with violates("evidence_url_is_http"), transaction.atomic():
        Evidence.objects.create(claim=claim, url="ftp://example.org/report.pdf", title="Report")


def test_database_refuses_evidence_with_an_ftp_archive_url(make_claim):
    claim = make_claim()

    with violates("evidence_archive_url_is_http"), transaction.atomic():
        Evidence.objects.create(
            claim=claim, url="https://example.org/report", archive_url="ftp://example.org/report", title="Report"
        )


def test_database_refuses_a_relation_from_a_claim_to_itself(make_claim):
    claim = make_claim()

    with violates("relation_not_to_itself"), transaction.atomic():
        ClaimRelation.objects.create(from_claim=claim, to_claim=claim, kind=ClaimRelation.Kind.DEPENDS_ON)


def test_database_refuses_an_update_with_an_empty_rationale(make_claim, record_update):
    update = record_update(make_claim(), status=Claim.Status.ACCURATE)

    with violates("update_has_rationale"), transaction.atomic():
        Update.objects.filter(pk=update.pk).update(rationale="")


def test_database_refuses_an_update_that_sets_neither_status_nor_stage(make_claim, record_update):
    update = record_update(make_claim(), status=Claim.Status.ACCURATE)

    with violates("update_changes_something"), transaction.atomic():
        Update.objects.filter(pk=update.pk).update(status="", stage=None)


# Validation of a claim's status and stage.


def test_changing_the_kind_of_a_rated_claim_to_one_its_status_does_not_fit_is_refused_on_kind(make_claim, record_update):
    claim = make_claim(kind=Claim.Kind.ASSERTION)
    record_update(claim, status=Claim.Status.ACCURATE)
    claim.refresh_from_db()
    claim.kind = Claim.Kind.PREDICTION

    with pytest.raises(ValidationError) as error:
        claim.full_clean()

    assert "C1" in error.value.message_dict["kind"][0]


@pytest.mark.parametrize("field", ["status", "stage", "last_reviewed_on"])
def test_edit_refuses_the_fields_that_other_methods_own(make_claim, field):
    claim = make_claim(kind=Claim.Kind.ASSERTION)

    with pytest.raises(ValueError, match=field):
        claim.edit({field: None}, reason="Set it by hand.")

    assert refreshed(claim).version == claim.version


def test_a_recorded_update_cannot_be_deleted(make_claim, record_update):
    update = record_update(make_claim(), status=Claim.Status.ACCURATE)

    with pytest.raises(ValidationError):
        update.delete()

    assert Update.objects.filter(pk=update.pk).exists()


def test_evidence_behind_a_recorded_update_cannot_be_deleted(make_claim, record_update):
    claim = make_claim()
    evidence = Evidence.objects.create(claim=claim, url="https://example.org", title="Schedule")
    record_update(claim, status=Claim.Status.ACCURATE).evidence.add(evidence)

    with pytest.raises(ValidationError):
        evidence.delete()

    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_moving_a_claim_with_a_stage_to_another_track_is_refused(make_claim, track, other_track, record_update):
    claim = make_claim(kind=Claim.Kind.PREDICTION, track=track)
    record_update(claim, stage=track.stages.get(position=2))

    with pytest.raises(ValidationError) as error:
        claim.edit({"track": other_track}, reason="Another track.")

    assert "C1" in error.value.message_dict["track"][0]
    assert refreshed(claim).track == track


# Updates: the one path for a claim's status and stage.


def test_recording_an_update_sets_the_claims_status_and_stage(make_claim, track, record_update):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION, track=track)
    stage = track.stages.get(position=2)

    record_update(claim, status=Claim.Status.IN_PROGRESS, stage=stage)

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.stage) == (Claim.Status.IN_PROGRESS, stage)


def test_stage_only_update_keeps_the_status(make_claim, track, record_update):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION, track=track)
    record_update(claim, status=Claim.Status.STALLED, effective_on=JAN)
    stage = track.stages.get(position=3)

    record_update(claim, stage=stage, effective_on=FEB)

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.stage) == (Claim.Status.STALLED, stage)


def test_status_only_update_keeps_the_stage(make_claim, track, record_update):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION, track=track)
    stage = track.stages.get(position=2)
    record_update(claim, stage=stage, effective_on=JAN)

    record_update(claim, status=Claim.Status.FULFILLED, effective_on=FEB)

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.stage) == (Claim.Status.FULFILLED, stage)


def test_backfilled_earlier_update_does_not_override_a_later_one(make_claim, record_update):
    claim = make_claim()
    record_update(claim, status=Claim.Status.ACCURATE, effective_on=MAR)

    record_update(claim, status=Claim.Status.INACCURATE, effective_on=JAN)

    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.ACCURATE


def test_correction_replaces_the_effect_of_the_update_it_corrects(make_claim, record_update):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.INACCURATE, effective_on=MAR)

    # Dated before the mistake, so only the exclusion of the mistake can let it show.
    record_update(claim, status=Claim.Status.MIXED, effective_on=JAN, corrects=mistaken)

    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.MIXED


def test_corrected_update_stays_on_record_but_not_among_live_updates(make_claim, record_update):
    claim = make_claim()
    mistaken = record_update(claim, status=Claim.Status.INACCURATE, effective_on=JAN)

    correction = record_update(claim, status=Claim.Status.ACCURATE, effective_on=FEB, corrects=mistaken)

    assert Update.objects.filter(pk=mistaken.pk).exists()
    assert list(claim.live_updates()) == [correction]


def test_correction_must_correct_an_update_of_the_same_claim(make_claim, record_update):
    first = make_claim()
    second = make_claim(REPEATED)
    foreign = record_update(first, status=Claim.Status.INACCURATE)

    with pytest.raises(ValidationError) as error:
        record_update(second, status=Claim.Status.ACCURATE, corrects=foreign)

    assert "C2" in error.value.message_dict["corrects"][0]
    assert not second.updates.exists()


def test_update_effective_in_the_future_is_refused(make_claim, record_update):
    claim = make_claim()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        record_update(claim, status=Claim.Status.ACCURATE, effective_on=tomorrow)

    assert "C1" in error.value.message_dict["effective_on"][0]
    assert not claim.updates.exists()


def test_update_effective_today_is_accepted(make_claim, record_update):
    claim = make_claim()

    update = record_update(claim, status=Claim.Status.ACCURATE, effective_on=timezone.localdate())

    assert update.effective_on == timezone.localdate()


def test_update_with_a_status_outside_the_claims_scale_is_refused(make_claim, record_update):
    claim = make_claim(kind=Claim.Kind.ASSERTION)

    with pytest.raises(ValidationError) as error:
        record_update(claim, status=Claim.Status.FULFILLED)

    assert "status" in error.value.message_dict
    assert not claim.updates.exists()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.NOT_RATED


def test_update_with_a_stage_off_the_claims_track_is_refused(make_claim, track, other_track, record_update):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION, track=track)

    with pytest.raises(ValidationError) as error:
        record_update(claim, stage=other_track.stages.get())

    assert "C1" in error.value.message_dict["stage"][0]
    assert Claim.objects.get(pk=claim.pk).stage is None


# History: who changed a claim, and why.


def test_recorded_update_writes_claim_history_with_its_analyst_and_rationale(make_claim, analyst, record_update):
    claim = make_claim()

    record_update(claim, status=Claim.Status.ACCURATE, recorded_by=analyst, rationale="The ministry confirmed it.")

    row = claim.history.first()
    assert (row.status, row.history_user) == (Claim.Status.ACCURATE, analyst)
    assert "The ministry confirmed it." in row.history_change_reason


def test_publish_writes_history_with_its_user_and_a_reason(make_claim, analyst):
    claim = make_claim(state=Claim.State.DRAFT)

    assert claim.publish(by=analyst) is True

    row = claim.history.first()
    assert (row.state, row.history_user) == (Claim.State.PUBLISHED, analyst)
    assert row.history_change_reason


def test_publishing_a_published_claim_changes_nothing(make_claim, analyst):
    claim = make_claim(state=Claim.State.PUBLISHED)
    rows = claim.history.count()

    assert claim.publish(by=analyst) is False

    assert claim.history.count() == rows


def test_withdraw_writes_history_with_its_user_and_reason(make_claim, analyst):
    claim = make_claim()

    claim.withdraw("The essay was misquoted.", by=analyst)

    row = claim.history.first()
    assert (row.state, row.withdrawal_reason) == (Claim.State.WITHDRAWN, "The essay was misquoted.")
    assert row.history_user == analyst
    assert "The essay was misquoted." in row.history_change_reason


def test_withdraw_with_a_blank_reason_is_refused_and_changes_nothing(make_claim, analyst):
    claim = make_claim()
    rows = claim.history.count()

    with pytest.raises(ValidationError) as error:
        claim.withdraw("   ", by=analyst)

    assert "withdrawal_reason" in error.value.message_dict
    assert claim.state == Claim.State.PUBLISHED
    assert refreshed(claim).state == Claim.State.PUBLISHED
    assert claim.history.count() == rows


def test_withdraw_without_a_user_is_not_attributed_to_an_earlier_publisher(make_claim, analyst):
    claim = make_claim(state=Claim.State.DRAFT)
    claim.publish(by=analyst)

    claim.withdraw("The essay was misquoted.")

    assert claim.history.first().history_user is None


def test_an_update_cannot_be_corrected_twice(make_claim, record_update):
    claim = make_claim()
    wrong = record_update(claim, status=Claim.Status.INACCURATE)
    record_update(claim, status=Claim.Status.ACCURATE, corrects=wrong)

    with pytest.raises(ValidationError) as error:
        record_update(claim, status=Claim.Status.MIXED, corrects=wrong)

    assert "corrects" in error.value.message_dict
    assert refreshed(claim).status == Claim.Status.ACCURATE


# Source: its text is fixed wherever a claim points into it.


def test_source_stores_the_sha256_of_its_text(source):
    assert source.content_hash == hashlib.sha256(ESSAY.encode("utf-8")).hexdigest()


def test_source_edit_that_moves_a_quote_is_refused_and_not_stored(make_claim, source):
    make_claim()

    with pytest.raises(ValidationError) as error:
        source.edit({"text": "「" + ESSAY}, reason="A bracket.")

    assert "C1" in error.value.message_dict["text"][0]
    assert refreshed(source).text == ESSAY


def test_source_edit_that_keeps_every_anchor_is_saved_with_a_new_hash(make_claim, source):
    make_claim()
    make_claim(REPEATED, occurrence=2)
    old_hash = source.content_hash

    source.edit({"text": ESSAY + "完。"}, reason="The ending.")

    source = refreshed(source)
    assert source.text == ESSAY + "完。"
    assert source.content_hash == hashlib.sha256((ESSAY + "完。").encode("utf-8")).hexdigest()
    assert source.content_hash != old_hash


def test_source_clean_reports_a_moved_quote_under_text(make_claim, source):
    make_claim()
    source.text = "「" + ESSAY

    with pytest.raises(ValidationError) as error:
        source.clean()

    assert "C1" in error.value.message_dict["text"][0]


# QuerySets.


def test_public_excludes_drafts_but_keeps_withdrawn_claims(make_claim):
    draft = make_claim(state=Claim.State.DRAFT)
    published = make_claim(state=Claim.State.PUBLISHED)
    withdrawn = make_claim(state=Claim.State.WITHDRAWN, withdrawal_reason="Misquoted.")

    public = set(Claim.objects.public())

    assert public == {published, withdrawn}
    assert draft not in public


def test_published_holds_only_published_claims(make_claim):
    make_claim(state=Claim.State.DRAFT)
    published = make_claim(state=Claim.State.PUBLISHED)
    make_claim(state=Claim.State.WITHDRAWN, withdrawal_reason="Misquoted.")

    assert list(Claim.objects.published()) == [published]


def test_due_for_review_holds_published_claims_due_on_or_before_the_day_and_never_reviewed_ones(make_claim):
    today = datetime.date(2026, 5, 1)
    overdue = make_claim(next_review_on=today - datetime.timedelta(days=1))
    due_today = make_claim(next_review_on=today)
    make_claim(next_review_on=today + datetime.timedelta(days=1))
    never_reviewed = make_claim(next_review_on=None)
    make_claim(state=Claim.State.DRAFT, next_review_on=today - datetime.timedelta(days=1))
    make_claim(state=Claim.State.WITHDRAWN, withdrawal_reason="Misquoted.", next_review_on=today)

    assert set(Claim.objects.due_for_review(today)) == {overdue, due_today, never_reviewed}


# A human __str__ for every model.


def test_claim_str_starts_with_its_label(make_claim):
    assert str(make_claim(text_en="Takaichi visits Washington.")) == "C1: Takaichi visits Washington."


def test_source_str_is_its_english_title(source):
    assert str(source) == "A title"


def test_actor_str_gives_both_names(db):
    actor = Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")

    assert str(actor) == "Takaichi Sanae (高市早苗)"


def test_topic_str_gives_both_names(db):
    topic = Topic.objects.create(slug="defence", name="國防", name_en="Defence")

    assert str(topic) == "Defence (國防)"


def test_track_str_is_its_english_name(track):
    assert str(track) == "Constitutional revision"


def test_stage_str_names_its_track_and_position(track):
    assert str(track.stages.get(position=2)) == "Constitutional revision: 2. Party draft"


def test_relation_str_reads_as_a_sentence(make_claim):
    relation = ClaimRelation.objects.create(
        from_claim=make_claim(), to_claim=make_claim(REPEATED), kind=ClaimRelation.Kind.DEPENDS_ON
    )

    with translation.override("en"):
        assert str(relation) == "C1 depends on C2"


def test_evidence_str_is_its_title(make_claim):
    evidence = Evidence.objects.create(claim=make_claim(), url="https://example.org/a", title="Cabinet statement")

    assert str(evidence) == "Cabinet statement"


def test_status_update_str_names_claim_date_and_status(make_claim, record_update):
    update = record_update(make_claim(), status=Claim.Status.ACCURATE, effective_on=JAN)

    with translation.override("en"):
        assert str(update) == "C1 on 2026-01-10: Accurate"


def test_stage_only_update_str_names_the_stage(make_claim, track, record_update):
    claim = make_claim(REPEATED, kind=Claim.Kind.PREDICTION, track=track)

    update = record_update(claim, stage=track.stages.get(position=2), effective_on=JAN)

    assert str(update) == "C1 on 2026-01-10: Constitutional revision: 2. Party draft"


# Evidence addresses.


def test_evidence_full_clean_rejects_an_ftp_url(make_claim):
    evidence = Evidence(claim=make_claim(), url="ftp://example.org/report.pdf", title="Report")

    with pytest.raises(ValidationError) as error:
        evidence.full_clean()

    assert "url" in error.value.message_dict


def test_evidence_full_clean_rejects_an_ftp_archive_url(make_claim):
    evidence = Evidence(
        claim=make_claim(), url="https://example.org/report", archive_url="ftp://example.org/report", title="Report"
    )

    with pytest.raises(ValidationError) as error:
        evidence.full_clean()

    assert set(error.value.message_dict) == {"archive_url"}

