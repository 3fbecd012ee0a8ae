import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import models

from claims.models import Actor, Claim, ClaimRelation, Source, Stage, Topic, Track, Update
from claims.seeding import SeedError, read_seeds

SEEDS = Path(settings.BASE_DIR) / "seeds"
TRACKED = [Actor, Topic, Track, Stage, Source, Claim, ClaimRelation, Update]

TEXT = "高市早苗首相啟程訪美。高市將有更大空間推動修憲議程。日本將大幅增加國防支出。高市將有更大空間推動修憲議程。"

CATALOGUE = """
[[actors]]
slug = "takaichi-sanae"
name = "高市早苗"
name_en = "Takaichi Sanae"

[[topics]]
slug = "constitution"
name = "修憲"
name_en = "Constitutional revision"

[[tracks]]
slug = "constitutional-revision"
name = "修憲"
name_en = "Constitutional revision"

  [[tracks.stages]]
  slug = "no-formal-step"
  name = "尚無正式步驟"
  name_en = "No formal step"

  [[tracks.stages]]
  slug = "party-draft"
  name = "政黨草案"
  name_en = "Party draft"
"""

SOURCE = """
[source]
text = "essay.txt"
slug = "essay"
title = "標題"
title_en = "Title"
author = "作者"

[[claims]]
number = 1
kind = "assertion"
quote = "高市早苗首相啟程訪美"
text_en = "Takaichi Sanae set out for the United States."
text_zh_hant = "高市早苗啟程訪美。"
actors = ["takaichi-sanae"]
event_on = 2026-03-18

[[claims]]
number = 2
kind = "prediction"
quote = "高市將有更大空間推動修憲議程"
occurrence = 1
text_en = "Takaichi will have more room to push constitutional revision."
text_zh_hant = "高市將有更大空間推動修憲議程。"
topics = ["constitution"]
track = "constitutional-revision"
resolution_criteria = "The Diet initiates an amendment by the end of 2027."
due_on = 2027-12-31
depends_on = [1]

[[updates]]
claim = 2
effective_on = 2018-03-25
stage = "party-draft"
rationale = "The party adopted its draft in 2018."
rationale_zh_hant = "自民黨於2018年通過其修憲草案。"

[[updates.evidence]]
url = "https://example.org/ldp-draft"
title = "LDP adopts four amendment proposals"
publisher = "Example News"
published_on = 2018-03-25
retrieved_on = 2026-11-20
bearing = "supports"
note = "The party convention adopted four proposals on 25 March 2018."
"""

# A second update of C2, for tests that rate it later.
IN_PROGRESS = """
[[updates]]
claim = 2
effective_on = 2026-05-01
status = "in_progress"
rationale = "The commission resumed its sessions."

[[updates.evidence]]
url = "https://example.org/commission"
title = "Commission resumes"
note = "The commission met on 1 May 2026 for the first time since the election."
"""

# A rating of C1, for tests that rate the assertion.
C1_ACCURATE = """
[[updates]]
claim = 1
effective_on = 2026-03-19
status = "accurate"
rationale = "Confirmed."

[[updates.evidence]]
url = "https://example.org/departure"
title = "Takaichi departs"
note = "She left Haneda on the night of 18 March 2026."
"""


def all_history_rows():
    return sum(model.history.count() for model in TRACKED)


def write_seeds(directory, source=SOURCE, catalogue=CATALOGUE, text=TEXT):
    directory.mkdir(exist_ok=True)
    (directory / "catalogue.toml").write_text(textwrap.dedent(catalogue), encoding="utf-8")
    (directory / "essay.toml").write_text(textwrap.dedent(source), encoding="utf-8")
    (directory / "essay.txt").write_text(text, encoding="utf-8")
    return directory


def seed(directory, *args):
    call_command("seed", *args, directory=str(directory), stdout=StringIO(), stderr=StringIO())


class StringIO:
    """Collects a command's output."""

    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)

    def flush(self):
        pass

    def __str__(self):
        return "".join(self.lines)


# The real seed files, checked without the database.


def test_every_seeded_quote_sits_at_its_offsets_in_the_essay():
    seeds = read_seeds(SEEDS)
    for source in seeds.sources:
        for claim in source.claims:
            fields = claim["fields"]
            assert source.text[fields["start"] : fields["end"]] == fields["quote"], f"C{claim['number']}"


def test_seeded_essay_text_is_the_seed_file_unchanged():
    seeds = read_seeds(SEEDS)
    (source,) = seeds.sources
    assert source.text == (SEEDS / "000_6b93bd71439bbd13.txt").read_bytes().decode("utf-8")


def test_seed_essay_has_well_over_seventy_claims_of_every_kind():
    (source,) = read_seeds(SEEDS).sources
    kinds = {claim["fields"]["kind"] for claim in source.claims}
    assert len(source.claims) > 70
    assert kinds == set(Claim.Kind.values)
    assert sorted(claim["number"] for claim in source.claims) == list(range(1, len(source.claims) + 1))


def test_every_seeded_prediction_has_resolution_criteria_and_a_due_date():
    (source,) = read_seeds(SEEDS).sources
    predictions = [claim for claim in source.claims if claim["fields"]["kind"] == Claim.Kind.PREDICTION]
    assert predictions
    for claim in predictions:
        assert claim["fields"]["resolution_criteria"].strip(), f"C{claim['number']}"
        assert claim["fields"]["due_on"] is not None, f"C{claim['number']}"


def test_the_visit_date_is_on_the_claims_that_report_it():
    (source,) = read_seeds(SEEDS).sources
    dates = {claim["fields"]["event_on"] for claim in source.claims if "啟程訪美" in claim["fields"]["quote"]}
    assert {str(date) for date in dates} == {"2026-03-18"}


# Loading.


# The real essay takes seconds to load, so one test loads it and then checks that a second run writes nothing.


@pytest.mark.django_db
def test_seed_command_loads_the_real_essay_with_anchored_claims_and_a_second_run_writes_nothing():
    call_command("seed", stdout=StringIO(), stderr=StringIO())
    source = Source.objects.get()
    claims = list(source.claims.all())
    assert len(claims) > 70
    assert all(source.text[claim.start : claim.end] == claim.quote for claim in claims)
    assert ClaimRelation.objects.count() >= 15
    assert Claim.objects.filter(stage__isnull=False).exists()

    rows = all_history_rows()
    out = StringIO()
    call_command("seed", stdout=out, stderr=StringIO())
    assert all_history_rows() == rows
    assert "0 created, 0 changed" in str(out)


@pytest.mark.django_db
def test_every_seeded_prediction_and_position_has_criteria_in_both_languages_and_a_due_date():
    call_command("seed", stdout=StringIO(), stderr=StringIO())
    tracked = Claim.objects.filter(kind__in=[Claim.Kind.PREDICTION, Claim.Kind.POSITION])
    assert tracked.count() >= 20
    lacking = [
        claim.label for claim in tracked
        if not (claim.resolution_criteria.strip() and claim.resolution_criteria_zh_hant.strip() and claim.due_on)
    ]  # fmt: skip
    assert lacking == []
    # A claim on a track names the stage that counts, by its name (a slug means nothing to a reader).
    for claim in tracked.filter(track__isnull=False).prefetch_related("track__stages"):
        assert any(stage.name_en in claim.resolution_criteria for stage in claim.track.stages.all()), claim.label
        assert not any("-" in stage.slug and stage.slug in claim.resolution_criteria for stage in claim.track.stages.all())


@pytest.mark.django_db
def test_every_seeded_rating_and_stage_rests_on_evidence_with_an_address_and_a_note():
    call_command("seed", stdout=StringIO(), stderr=StringIO())
    rated = Claim.objects.exclude(status=Claim.Status.NOT_RATED, stage__isnull=True)
    assert rated.count() >= 50
    assert Claim.objects.filter(stage__isnull=False).count() >= 8
    for claim in rated:
        updates = list(claim.live_updates().prefetch_related("evidence"))
        assert updates, claim.label
        for update in updates:
            evidence = list(update.evidence.all())
            assert evidence, f"{claim.label} update of {update.effective_on}"
            assert all(item.url.startswith("https://") or item.url.startswith("http://") for item in evidence)
            assert all(item.excerpt.strip() for item in evidence), claim.label


@pytest.mark.django_db
def test_the_seeds_first_review_rates_claims_of_each_scale():
    call_command("seed", stdout=StringIO(), stderr=StringIO())
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert {Claim.Status.ACCURATE, Claim.Status.NOT_RATED} <= statuses
    assert statuses & {Claim.Status.FULFILLED, Claim.Status.IN_PROGRESS}
    # No seeded update counts as an analyst's review.
    assert not Claim.objects.filter(last_reviewed_on__isnull=False).exists()


@pytest.mark.django_db
def test_seed_rows_name_the_seed_account_and_a_reason(tmp_path):
    seed(write_seeds(tmp_path / "seeds"))
    for model in TRACKED:
        for row in model.history.all():
            assert row.history_user.username == "seed", row
            # A claim moved by a seeded update names that update instead.
            assert "seed command" in row.history_change_reason or row.history_change_reason.startswith("Update "), row


@pytest.mark.django_db
def test_seeded_stage_is_recorded_as_an_update_by_the_seed_account(tmp_path):
    seed(write_seeds(tmp_path / "seeds"))
    claim = Claim.objects.get(number=2)
    assert claim.stage.slug == "party-draft"
    update = claim.updates.get()
    assert update.recorded_by.username == "seed"
    assert update.rationale == "The party adopted its draft in 2018."
    assert update.rationale_zh_hant == "自民黨於2018年通過其修憲草案。"
    assert str(update.effective_on) == "2018-03-25"
    (evidence,) = update.evidence.all()
    assert (evidence.url, evidence.publisher, evidence.bearing) == ("https://example.org/ldp-draft", "Example News", "supports")
    assert evidence.excerpt == "The party convention adopted four proposals on 25 March 2018."
    assert evidence.history.get().history_user.username == "seed"
    assert ClaimRelation.objects.get().to_claim.number == 1


@pytest.mark.django_db
def test_a_seeded_stage_is_not_counted_as_a_review(tmp_path):
    seed(write_seeds(tmp_path / "seeds"))
    claim = Claim.objects.get(number=2)
    assert claim.updates.exists()
    # Nobody has reviewed the claim: the seed states what held on the essay's date.
    assert (claim.last_reviewed_on, claim.next_review_on) == (None, None)


@pytest.mark.django_db
def test_seeded_claims_carry_both_propositions(tmp_path):
    seed(write_seeds(tmp_path / "seeds"))
    claim = Claim.objects.get(number=1)
    assert (claim.text_en, claim.text_zh_hant) == ("Takaichi Sanae set out for the United States.", "高市早苗啟程訪美。")


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    seed(write_seeds(tmp_path / "seeds"), "--dry-run")
    assert Claim.objects.count() == 0
    assert all_history_rows() == 0


CORRUPTIONS = [
    ('quote = "高市早苗首相啟程訪美"', 'quote = "高市早苗首相啟程訪歐"', "claim C1: field 'quote'"),
    ('kind = "assertion"', 'kind = "rumour"', "claim C1: field 'kind'"),
    ("event_on = 2026-03-18", 'status = "fulfilled"', "claim C1: field 'status' is not one of"),
    ('stage = "party-draft"', 'stage = "referendum"', "update #1 (claim C2): field 'stage'"),
    ('stage = "party-draft"', 'status = "accurate"', "update #1 (claim C2): field 'status': 'accurate' is not a status of a prediction"),
    ("claim = 2", "claim = 9", "update #1: field 'claim': 9 is not the number of a claim"),
    ("effective_on = 2018-03-25", 'effective_on = "2018-03-25"', "update #1 (claim C2): field 'effective_on': write a date"),
    ("effective_on = 2018-03-25", "effective_on = 2099-01-01", "update of 2099-01-01: field 'effective_on'"),
    ('note = "The party convention adopted four proposals on 25 March 2018."', "", "update #1 (claim C2) evidence #1: field 'note'"),
    ('url = "https://example.org/ldp-draft"', 'url = "ftp://example.org/ldp-draft"', "update #1 (claim C2) evidence #1: field 'url'"),
    ('bearing = "supports"', 'bearing = "proves"', "update #1 (claim C2) evidence #1: field 'bearing'"),
    ('track = "constitutional-revision"', 'track = "renaming"', "claim C2: field 'track'"),
    ("depends_on = [1]", "depends_on = [9]", "claim C2: field 'depends_on'"),
    ("occurrence = 1\n", "", "claim C2: field 'occurrence'"),
    ('actors = ["takaichi-sanae"]', 'actors = ["abe-shinzo"]', "claim C1: field 'actors'"),
    ("number = 2", "number = 1", "claim C1: field 'number'"),
    ('text_en = "Takaichi Sanae set out for the United States."', "", "claim C1: field 'text_en'"),
    ('text_zh_hant = "高市早苗啟程訪美。"', "", "claim C1: field 'text_zh_hant'"),
    ('resolution_criteria = "The Diet initiates an amendment by the end of 2027."', "", "claim C2: field 'resolution_criteria'"),
    ("event_on = 2026-03-18", "colour = 'red'", "claim C1: field 'colour'"),
    ('rationale = "The party adopted its draft in 2018."', "", "update #1 (claim C2): field 'rationale'"),
    ('rationale = "The party adopted its draft in 2018."', "rationale = 2018", "update #1 (claim C2): field 'rationale' is missing or not a str"),
    ('kind = "assertion"', f'kind = "assertion"\nconfidence = "{"x" * 21}"', "claim C1: field 'confidence': 'xxx"),
    ('slug = "essay"', 'slug = "the essay"', "[source]: field 'slug': 'the essay': Enter a valid “slug”"),
    ('author = "作者"', f'author = "{"作" * 201}"', "[source]: field 'author': '作作作"),
    ('title = "標題"', 'title = "標題"\nurl = "javascript:alert(1)"', "[source]: field 'url'"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "message"), CORRUPTIONS)
def test_a_corrupted_claims_file_fails_naming_file_claim_and_field_and_writes_nothing(tmp_path, old, new, message):
    directory = write_seeds(tmp_path / "good")
    seed(directory)
    rows = all_history_rows()
    assert old in SOURCE
    broken = write_seeds(tmp_path / "broken", source=SOURCE.replace(old, new, 1).replace("Title", "Changed title"))
    with pytest.raises(CommandError) as raised:
        seed(broken)
    assert "essay.toml" in str(raised.value)
    assert message in str(raised.value)
    assert all_history_rows() == rows
    assert Source.objects.get().title_en == "Title"


@pytest.mark.django_db
def test_an_over_long_source_author_names_the_limit_and_the_length(tmp_path):
    broken = write_seeds(tmp_path / "seeds", source=SOURCE.replace('author = "作者"', f'author = "{"作" * 201}"'))
    with pytest.raises(CommandError, match=r"essay\.toml: \[source\]: field 'author': .*at most 200 characters \(it has 201\)"):
        seed(broken)
    assert Source.objects.count() == 0


CATALOGUE_CORRUPTIONS = [
    ('slug = "takaichi-sanae"', 'slug = "takaichi sanae"', "actors #1: field 'slug': 'takaichi sanae': Enter a valid “slug”"),
    ('slug = "constitution"', f'slug = "{"c" * 51}"', "topics #1: field 'slug': 'ccc"),
    ('name_en = "Constitutional revision"', f'name_en = "{"C" * 201}"', "topics #1: field 'name_en': 'CCC"),
    ('slug = "party-draft"', 'slug = "黨/草案"', "track constitutional-revision stage #2: field 'slug'"),
    ('name_en = "Party draft"', 'name_en = "Party draft"\ndescription = 3', "track constitutional-revision stage #2: field 'description' is not a str"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "message"), CATALOGUE_CORRUPTIONS)
def test_a_bad_slug_or_over_long_catalogue_value_fails_naming_record_and_field_and_writes_nothing(tmp_path, old, new, message):
    assert old in CATALOGUE
    with pytest.raises(CommandError) as raised:
        seed(write_seeds(tmp_path / "seeds", catalogue=CATALOGUE.replace(old, new, 1)))
    assert f"catalogue.toml: {message}" in str(raised.value)
    assert all_history_rows() == 0


@pytest.mark.django_db
def test_a_toml_syntax_error_names_the_file(tmp_path):
    with pytest.raises(CommandError, match=r"essay\.toml: cannot be read"):
        seed(write_seeds(tmp_path / "seeds", source=SOURCE + "\n[[claims]\n"))


@pytest.mark.django_db
def test_a_duplicate_catalogue_slug_fails_naming_the_field(tmp_path):
    catalogue = CATALOGUE + '\n[[topics]]\nslug = "constitution"\nname = "x"\nname_en = "x"\n'
    with pytest.raises(CommandError, match=r"catalogue\.toml: topics: field 'slug': 'constitution' is used twice"):
        seed(write_seeds(tmp_path / "seeds", catalogue=catalogue))
    assert Topic.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_while_loading_rolls_everything_back(tmp_path):
    """A source edit that would break a stored anchor is refused, and the run leaves no trace."""
    seed(write_seeds(tmp_path / "seeds"))
    rows = all_history_rows()
    moved = "【】" + TEXT
    with pytest.raises(CommandError, match=r"essay\.toml: source.*C1"):
        seed(write_seeds(tmp_path / "moved", text=moved, source=SOURCE.replace("Title", "New title")))
    assert all_history_rows() == rows
    assert Source.objects.get().text == TEXT


@pytest.mark.django_db
def test_seed_never_overwrites_a_status_analysts_changed(tmp_path, analyst):
    seed(write_seeds(tmp_path / "v1"))
    claim = Claim.objects.get(number=2)
    stage = Stage.objects.get(slug="no-formal-step")
    claim.record_update(stage=stage, status=Claim.Status.STALLED, rationale="Talks broke down.", by=analyst)
    out = StringIO()
    call_command("seed", directory=str(write_seeds(tmp_path / "v2", source=SOURCE + IN_PROGRESS)), stdout=out, stderr=StringIO())
    claim.refresh_from_db()
    assert (claim.status, claim.stage) == (Claim.Status.STALLED, stage)
    assert "left as analysts changed them" in str(out)
    assert "C2 updates" in str(out)


@pytest.mark.django_db
def test_seed_updates_a_status_only_the_seed_has_set(tmp_path):
    seed(write_seeds(tmp_path / "v1"))
    seed(write_seeds(tmp_path / "v2", source=SOURCE + IN_PROGRESS))
    claim = Claim.objects.get(number=2)
    assert claim.status == Claim.Status.IN_PROGRESS
    assert claim.updates.count() == 2
    seed(write_seeds(tmp_path / "v3", source=SOURCE + IN_PROGRESS))
    assert claim.updates.count() == 2  # a second run records nothing


@pytest.mark.django_db
def test_a_revised_seed_update_is_put_right_by_a_correction_not_rewritten(tmp_path):
    seed(write_seeds(tmp_path / "v1"))
    claim = Claim.objects.get(number=2)
    first = claim.updates.get()
    revised = SOURCE.replace("effective_on = 2018-03-25", "effective_on = 2018-03-26")
    seed(write_seeds(tmp_path / "v2", source=revised))
    first.refresh_from_db()
    correction = first.correction
    assert str(first.effective_on) == "2018-03-25"  # the first update stays on record as it was
    assert str(correction.effective_on) == "2018-03-26"
    assert "revised" in correction.history.get().history_change_reason
    assert [item.url for item in correction.evidence.all()] == ["https://example.org/ldp-draft"]
    seed(write_seeds(tmp_path / "v3", source=revised))
    assert claim.updates.count() == 2  # and nothing more on a second run


@pytest.mark.django_db
def test_a_claims_reason_goes_into_its_history_when_the_seed_changes_it(tmp_path):
    seed(write_seeds(tmp_path / "v1"))
    fixed = SOURCE.replace(
        'text_en = "Takaichi Sanae set out for the United States."',
        'text_en = "Takaichi Sanae set out for Washington."\nreason = "Audit: the essay names no city; kept as the US."',
    )
    seed(write_seeds(tmp_path / "v2", source=fixed))
    row = Claim.objects.get(number=1).history.latest("history_date")
    assert row.text_en == "Takaichi Sanae set out for Washington."
    assert row.history_change_reason.endswith("Audit: the essay names no city; kept as the US.")


@pytest.mark.django_db
def test_updates_of_one_claim_must_be_in_date_order(tmp_path):
    earlier = IN_PROGRESS.replace("effective_on = 2026-05-01", "effective_on = 2018-01-01")
    with pytest.raises(CommandError, match=r"update #2 \(claim C2\): field 'effective_on': a claim's updates must be listed in the order"):
        seed(write_seeds(tmp_path / "seeds", source=SOURCE + earlier))
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_seed_keeps_an_english_text_an_analyst_edited(tmp_path, analyst):
    seed(write_seeds(tmp_path / "v1"))
    claim = Claim.objects.get(number=1)
    claim.text_en = "Takaichi Sanae left Tokyo for Washington on 18 March 2026."
    claim._history_user = analyst
    claim.save()
    seed(write_seeds(tmp_path / "v2", source=SOURCE.replace("set out for the United States", "flew to the US")))
    claim.refresh_from_db()
    assert claim.text_en == "Takaichi Sanae left Tokyo for Washington on 18 March 2026."


@pytest.mark.django_db
def test_seed_applies_a_changed_english_text_when_nobody_else_edited_it(tmp_path):
    seed(write_seeds(tmp_path / "v1"))
    rows = Claim.history.filter(number=1).count()
    seed(write_seeds(tmp_path / "v2", source=SOURCE.replace("set out for the United States", "flew to the US")))
    assert Claim.objects.get(number=1).text_en == "Takaichi Sanae flew to the US."
    assert Claim.history.filter(number=1).count() == rows + 1


def test_reading_reports_a_missing_text_file(tmp_path):
    directory = write_seeds(tmp_path / "seeds")
    (directory / "essay.txt").unlink()
    with pytest.raises(SeedError, match=r"essay\.toml: \[source\]: field 'text'"):
        read_seeds(directory)


def test_models_list_covers_every_history_tracked_model_written_by_seed():
    tracked = {model for model in TRACKED}
    for model in (Actor, Topic, Track, Stage, Source, Claim, ClaimRelation, Update):
        assert model in tracked
        assert isinstance(model._meta.get_field("id"), models.BigAutoField | models.AutoField)


@pytest.mark.django_db
def test_an_analysts_wording_survives_later_seed_runs_that_move_the_claim(tmp_path, analyst):
    seed(write_seeds(tmp_path / "v1"))
    claim = Claim.objects.get(number=1)
    claim.text_en = "Takaichi Sanae left Tokyo for Washington on 18 March 2026."
    claim._history_user = analyst
    claim.save()
    rated = SOURCE + C1_ACCURATE
    seed(write_seeds(tmp_path / "v2", source=rated))
    seed(write_seeds(tmp_path / "v3", source=rated.replace("Takaichi Sanae set out", "Takaichi set out")))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCURATE
    assert claim.text_en == "Takaichi Sanae left Tokyo for Washington on 18 March 2026."


@pytest.mark.django_db
def test_a_seeded_status_that_no_longer_fits_the_claim_fails_naming_the_claim_and_field(tmp_path, analyst):
    seed(write_seeds(tmp_path / "v1"))
    claim = Claim.objects.get(number=1)
    claim.kind = Claim.Kind.ANALYSIS
    claim._history_user = analyst
    claim.save()
    source = SOURCE.replace('kind = "assertion"', 'kind = "prediction"\nresolution_criteria = "x"', 1) + C1_ACCURATE.replace(
        'status = "accurate"', 'status = "fulfilled"'
    )
    with pytest.raises(CommandError, match=r"essay\.toml: claim C1 update of 2026-03-19: field 'status'"):
        seed(write_seeds(tmp_path / "v2", source=source))
    assert Claim.objects.get(number=1).kind == Claim.Kind.ANALYSIS
