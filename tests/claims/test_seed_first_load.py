"""The seed's first load into an empty database: bulk INSERTs that write what saving record by record writes."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import (
    SEED_ACCOUNT,
    Actor,
    Claim,
    ClaimRelation,
    Evidence,
    Revision,
    Source,
    Stage,
    Topic,
    Track,
    Update,
    command_account,
)
from claims.seeding import Loader, read_seeds
from tests.claims.test_seed import C1_ACCURATE, IN_PROGRESS, SOURCE, all_history_rows, seed, write_seeds

SEEDS = Path(settings.BASE_DIR) / "seeds"
REASON = "Loaded by the seed command from seeds/"
BULK_QUERIES = 60  # a few INSERTs a table; saving record by record takes thousands
LDP_DRAFT = SOURCE[SOURCE.index("[[updates.evidence]]") :]  # the evidence of SOURCE's one update


def real_seeds(tmp_path):
    return SEEDS


def edge_seeds(tmp_path):
    """A tiny source with what the real seeds lack: a claim without topics and one without actors, evidence
    that a second update cites again, and a relation named twice."""
    source = SOURCE.replace("depends_on = [1]", "depends_on = [1, 1]") + C1_ACCURATE + IN_PROGRESS + "\n" + LDP_DRAFT
    return write_seeds(tmp_path / "seeds", source=source)


def natural_keys(model):
    """{pk: a key that names the record the same way in any database} for the rows of `model`."""
    rows = model._base_manager.all()
    if model is get_user_model():
        return dict(rows.values_list("pk", "username"))
    if model in (Actor, Topic, Track, Source):
        return dict(rows.values_list("pk", "slug"))
    if model is Stage:
        return {pk: (track, slug) for pk, track, slug in rows.values_list("pk", "track__slug", "slug")}
    if model is Claim:
        return {pk: (source, number) for pk, source, number in rows.values_list("pk", "source__slug", "number")}
    if model is Evidence:
        claims = natural_keys(Claim)
        return {pk: (claims[claim], url) for pk, claim, url in rows.values_list("pk", "claim", "url")}
    if model is Update:
        # The seed's updates of a claim take effect on different dates.
        claims = natural_keys(Claim)
        return {pk: (claims[claim], str(day)) for pk, claim, day in rows.values_list("pk", "claim", "effective_on")}
    if model is ClaimRelation:
        claims = natural_keys(Claim)
        ends = rows.values_list("pk", "from_claim", "to_claim", "kind")
        return {pk: (claims[from_claim], claims[to_claim], kind) for pk, from_claim, to_claim, kind in ends}
    if is_history(model):
        # A history row is its record's n-th, counted in the order its history is read: by date, then id.
        records = natural_keys(model.instance_type)
        keys, counts = {}, {}
        for pk, record in rows.order_by("history_date", "history_id").values_list("pk", "id"):
            counts[record] = counts.get(record, 0) + 1
            keys[pk] = (records[record], counts[record])
        return keys
    if model._meta.auto_created:  # a many-to-many through table: the two records it links
        links = [field for field in model._meta.concrete_fields if field.is_relation]
        keys = [natural_keys(field.related_model) for field in links]
        return {
            row[0]: tuple(key[value] for key, value in zip(keys, row[1:], strict=True))
            for row in rows.values_list("pk", *[field.attname for field in links])
        }
    return {pk: pk for pk in rows.values_list("pk", flat=True)}


def is_history(model):
    return hasattr(model, "instance_type") and not hasattr(model, "m2m_history_id")


def snapshot():
    """Every table's rows, sorted: ids turned into natural keys, timestamps (which differ from run to run) left out."""
    update_keys = natural_keys(Update)
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        rows = []
        keys = {}  # related model: its natural keys
        own_keys = natural_keys(model) if is_history(model) else {}
        for row in model._base_manager.values():
            values = {}
            for field in model._meta.concrete_fields:
                value = row[field.attname]
                if field.primary_key or isinstance(field, models.DateTimeField):
                    continue
                if field.is_relation and value is not None:
                    related = field.related_model
                    value = keys.setdefault(related, natural_keys(related))[value]
                elif field.attname == "id" and hasattr(model, "instance_type"):  # the record a history row copies
                    value = keys.setdefault(model.instance_type, natural_keys(model.instance_type))[value]
                elif field.attname == "history_change_reason" and value:  # "Update 12: ..." names an update by its id
                    value = re.sub(r"^Update (\d+):", lambda match: f"Update {update_keys[int(match[1])]}:", value)
                values[field.attname] = value
            if is_history(model):
                values["position in its record's history"] = own_keys[row["history_id"]][1]
            rows.append(values)
        tables[model._meta.label] = sorted(rows, key=repr)
    return tables


def loaded(load):
    """The tally of `load()`, the number of queries it made and the rows it left; then it is rolled back."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            tally = load()
        rows = snapshot()
        transaction.set_rollback(True)
    return str(tally), len(queries), rows


@pytest.mark.django_db
@pytest.mark.parametrize("directory", [real_seeds, edge_seeds])
def test_the_bulk_first_load_writes_every_row_that_loading_record_by_record_writes(directory, tmp_path):
    seeds = read_seeds(directory(tmp_path))
    account = command_account(SEED_ACCOUNT, "Seed loader")

    tally, queries, in_bulk = loaded(lambda: Loader(account, REASON).load(seeds))
    expected_tally, _, one_by_one = loaded(lambda: Loader(account, REASON).load_record_by_record(seeds))

    assert queries <= BULK_QUERIES  # the bulk path was taken
    assert tally == expected_tally
    # Every table the seeds write holds rows, the history's many-to-many copies included.
    written = {label for label, rows in one_by_one.items() if rows and label.startswith("claims.")}
    assert written == {
        f"claims.{name}"
        for model in ("Actor", "Topic", "Track", "Stage", "Source", "Claim", "Evidence", "Update", "ClaimRelation")
        for name in (model, f"Historical{model}")
    } | {
        "claims.Claim_actors", "claims.Claim_topics", "claims.Update_evidence",
        "claims.HistoricalClaim_actors", "claims.HistoricalClaim_topics", "claims.HistoricalUpdate_evidence",
    }  # fmt: skip
    assert in_bulk.keys() == one_by_one.keys()
    for label, rows in one_by_one.items():
        assert in_bulk[label] == rows, label


@pytest.mark.django_db(transaction=True)  # committed, so that the revision moves as it does in production
def test_a_second_seed_after_a_bulk_first_load_writes_nothing_and_the_first_moved_the_revision():
    command_account(SEED_ACCOUNT, "Seed loader")  # made first, so that only the load can move the revision
    before = Revision.current()
    with CaptureQueriesContext(connection) as queries:
        call_command("seed", stdout=StringIO(), stderr=StringIO())
    assert len(queries) <= BULK_QUERIES
    assert Revision.current() == before + 1
    rows = snapshot()

    out = StringIO()
    call_command("seed", stdout=out, stderr=StringIO())
    assert "records 0 created, 0 changed." in out.getvalue()
    assert snapshot() == rows
    assert Revision.current() == before + 1


FAILURES = [
    (
        SOURCE.replace("effective_on = 2018-03-25", "effective_on = 2099-01-01"),
        r"essay\.toml: claim C2 update of 2099-01-01: field 'effective_on'",
    ),
    (  # evidence that an update cites is frozen: a later update cannot cite it with another title
        SOURCE + IN_PROGRESS + "\n" + LDP_DRAFT.replace("LDP adopts", "The LDP adopts"),
        r"essay\.toml: claim C2 update of 2026-05-01 evidence https://example\.org/ldp-draft: field 'title'",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "message"), FAILURES)
def test_a_first_load_that_fails_names_the_file_record_and_field_and_writes_nothing(tmp_path, source, message):
    with pytest.raises(CommandError, match=message):
        seed(write_seeds(tmp_path / "seeds", source=source))
    assert all_history_rows() == 0
    assert not Source.objects.exists()
