"""`import_source FILE`: one essay in the seed format, checked against the vocabulary in the database."""

import textwrap
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Actor, Claim, ClaimRelation, Evidence, Source, Stage, Topic, Track, Update

pytestmark = pytest.mark.django_db

TRACKED = [Actor, Topic, Track, Stage, Source, Claim, ClaimRelation, Evidence, Update]

TEXT = (
    "高市早苗首相啟程訪美。\r\n高市將有更大空間推動修憲議程。日本將大幅增加國防支出。高市將有更大空間推動修憲議程。\r\n"
)

ESSAY = """
[source]
text = "essay.txt"
slug = "second-essay"
title = "第二篇"
title_en = "The second essay"
author = "作者"
published_on = 2026-04-02

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
occurrence = 2
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
baseline = true
rationale = "The party adopted its draft in 2018."

  [[updates.evidence]]
  url = "https://example.org/draft"
  title = "The party's draft amendment"
  note = "The party convention adopted the draft."
"""


@pytest.fixture
def vocabulary(track):
    """What an earlier seed run or an editor put in the database; no catalogue file is beside the essay."""
    Actor.objects.create(slug="takaichi-sanae", name="高市早苗", name_en="Takaichi Sanae")
    Topic.objects.create(slug="constitution", name="修憲", name_en="Constitutional revision")


def write_essay(directory, essay=ESSAY, text=TEXT):
    directory.mkdir(exist_ok=True)
    (directory / "essay.toml").write_text(textwrap.dedent(essay), encoding="utf-8")
    (directory / "essay.txt").write_bytes(text.encode("utf-8"))
    return directory / "essay.toml"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_source", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def history_rows():
    return {model.__name__: model.history.count() for model in TRACKED}


def test_importing_an_essay_stores_its_text_and_anchored_claims_with_the_seed_accounts_history(tmp_path, vocabulary):
    out, err = run(write_essay(tmp_path))

    source = Source.objects.get(slug="second-essay")
    assert source.text.encode("utf-8") == TEXT.encode("utf-8")  # CRLF kept
    first, second = source.claims.order_by("number")
    assert TEXT[first.start : first.end] == "高市早苗首相啟程訪美"
    assert second.start == TEXT.rindex("高市將有更大空間推動修憲議程")
    assert list(first.actors.values_list("slug", flat=True)) == ["takaichi-sanae"]
    assert (second.track.slug, second.stage.slug) == ("constitutional-revision", "party-draft")
    assert ClaimRelation.objects.get(from_claim=second).to_claim == first
    for row in [source.history.get(), *Claim.history.filter(source_id=source.pk), second.updates.get()]:
        user = row.history_user if hasattr(row, "history_user") else row.recorded_by
        assert user.username == "seed"
    assert source.history.get().history_change_reason == "Loaded by the import_source command from essay.toml"
    assert out.strip() == "import_source: essay.toml: source second-essay, 2 claims; records 6 created, 0 changed."
    assert "\n" not in out.strip()
    assert "Reading" in err and "essay.toml: 2 claims" in err


def test_importing_the_same_essay_again_writes_nothing(tmp_path, vocabulary):
    path = write_essay(tmp_path)
    run(path)
    before = history_rows()
    out, _ = run(path)
    assert history_rows() == before
    assert "records 0 created, 0 changed." in out


def test_the_catalogue_in_the_database_is_read_and_never_written(tmp_path, vocabulary):
    Stage.objects.filter(slug="deliberation").update(position=7)  # a ladder with a gap, as an editor may leave it
    before = {name: count for name, count in history_rows().items() if name in ("Actor", "Topic", "Track", "Stage")}
    run(write_essay(tmp_path))
    after = {name: count for name, count in history_rows().items() if name in before}
    assert after == before
    assert Stage.objects.get(slug="deliberation").position == 7


def test_an_actor_that_is_not_in_the_database_fails_naming_file_claim_and_field_and_writes_nothing(
    tmp_path, vocabulary
):
    path = write_essay(tmp_path, ESSAY.replace('actors = ["takaichi-sanae"]', 'actors = ["abe-shinzo"]'))
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert "essay.toml" in message and "claim C1" in message and "field 'actors'" in message and "abe-shinzo" in message
    assert "nothing was written" in message
    assert Source.objects.count() == Claim.objects.count() == 0
    assert [history_rows()[name] for name in ("Source", "Claim", "ClaimRelation", "Evidence", "Update")] == [0] * 5


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('stage = "party-draft"', 'stage = "referendum"', r"update #1 \(claim C2\): field 'stage'"),
        ('topics = ["constitution"]', 'topics = ["defence"]', "claim C2: field 'topics'"),
        ('track = "constitutional-revision"', 'track = "renaming"', "claim C2: field 'track'"),
    ],
)
def test_a_stage_topic_or_track_that_is_not_in_the_database_fails_naming_claim_and_field(
    tmp_path, vocabulary, old, new, field
):
    with pytest.raises(CommandError, match=field):
        run(write_essay(tmp_path, ESSAY.replace(old, new)))
    assert Source.objects.count() == 0


def test_a_failure_while_loading_rolls_back_what_was_written_before_it(tmp_path, vocabulary):
    # Claim 2's update is recorded after the source and both claims are written, and refused: it is dated in the future.
    path = write_essay(tmp_path, ESSAY.replace("effective_on = 2018-03-25", "effective_on = 2999-01-01"))
    with pytest.raises(CommandError, match=r"essay\.toml: claim C2 update of 2999-01-01: field 'effective_on'"):
        run(path)
    assert Source.objects.count() == Claim.objects.count() == 0


def test_a_dry_run_checks_and_counts_but_writes_nothing(tmp_path, vocabulary):
    before = history_rows()
    out, _ = run(write_essay(tmp_path), "--dry-run")
    assert out.startswith("Dry run, nothing written: import_source: essay.toml: source second-essay, 2 claims")
    assert Source.objects.count() == 0
    assert history_rows() == before


def test_a_missing_file_fails_naming_it(tmp_path, vocabulary):
    with pytest.raises(CommandError, match=r"nowhere\.toml: cannot be read"):
        run(tmp_path / "nowhere.toml")


def test_a_missing_text_file_fails_naming_the_field(tmp_path, vocabulary):
    path = write_essay(tmp_path)
    (tmp_path / "essay.txt").unlink()
    with pytest.raises(CommandError, match=r"\[source\]: field 'text': cannot read essay.txt"):
        run(path)
