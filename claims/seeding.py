"""Read the human-edited seed files and load them into the database.

`seeds/catalogue.toml` holds the shared vocabulary (actors, topics, tracks and
their stages). Every other `seeds/*.toml` describes one source: a `[source]`
table naming the text file beside it, its `[[claims]]`, and the `[[updates]]`
that rate them, each with its `[[updates.evidence]]`. The README's "Seed format"
section documents every key.

Reading checks everything that can be checked without the database, and any
problem stops the run with a message naming the file, the claim and the field.
Loading writes only what differs, so a second run writes nothing, and it never
overwrites a record that someone other than the seed account changed last.

Into an empty database (a new site's first `seed`, and every test that seeds),
`FirstLoad` writes the same rows, history included, with a few bulk INSERTs per
table: saving them one by one takes thousands of queries.
"""

import datetime
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from simple_history.models import HistoricalRecords

from claims.models import (
    Actor,
    Claim,
    ClaimRelation,
    Confidence,
    Evidence,
    Source,
    Stage,
    Topic,
    Track,
    Update,
    bump_revision,
    history_values,
    stamp,
    text_hash,
)

CATALOGUE = "catalogue.toml"
RELATION_KEYS = {
    "depends_on": ClaimRelation.Kind.DEPENDS_ON,
    "supports": ClaimRelation.Kind.SUPPORTS,
    "contradicts": ClaimRelation.Kind.CONTRADICTS,
}
SOURCE_FIELDS = (
    "slug", "title", "title_en", "author", "author_en", "author_affiliation", "author_affiliation_en",
    "publisher", "publisher_en", "url", "published_on", "language",
)  # fmt: skip
CLAIM_FIELDS = (
    "kind", "quote", "text_en", "text_zh_hant", "resolution_criteria", "resolution_criteria_zh_hant",
    "event_on", "due_on", "state", "track", "confidence",
)  # fmt: skip
CLAIM_KEYS = {"number", "occurrence", "actors", "topics", "reason", *CLAIM_FIELDS, *RELATION_KEYS}
UPDATE_KEYS = {"claim", "effective_on", "status", "stage", "baseline", "rationale", "rationale_zh_hant", "evidence"}
# An evidence table's keys; `note` is stored as the evidence's excerpt: what the report says, in the analyst's words.
EVIDENCE_KEYS = {"url", "archive_url", "title", "title_zh_hant", "publisher", "published_on", "retrieved_on", "bearing", "note"}


class SeedError(Exception):
    """A seed file is wrong; the message names the file, the record and the field."""


@dataclass
class SourceSeed:
    path: Path
    fields: dict
    text: str
    claims: list = field(default_factory=list)


@dataclass
class Seeds:
    actors: list
    topics: list
    tracks: list
    sources: list


def read_toml(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SeedError(f"{path}: cannot be read: {error}") from error


def require(path, where, record, key, kind=str):
    value = record.get(key)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise SeedError(f"{path}: {where}: field '{key}' is missing or not a {kind.__name__}")
    return value


def check_text(path, where, record, model):
    """Check each value of `record` that `model` stores as text: a string, within the field's length,
    a valid slug for a slug field and a valid address for a URL field. Other keys are left to the caller."""
    for key, value in record.items():
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        if not isinstance(value, str):
            raise SeedError(f"{path}: {where}: field '{key}' is not a str")
        try:
            field.run_validators(value)
        except ValidationError as error:
            shown = value if len(value) <= 40 else value[:40] + "…"
            with translation.override("en"):  # like every other seed message
                reason = " ".join(error.messages)
            raise SeedError(f"{path}: {where}: field '{key}': {shown!r}: {reason}") from error


CATALOGUE_MODELS = {"actors": Actor, "topics": Topic, "tracks": Track}
CATALOGUE_KEYS = {
    "actors": {"slug", "name", "name_en", "kind"},
    "topics": {"slug", "name", "name_en"},
    "tracks": {"slug", "name", "name_en", "description", "description_en", "stages"},
    "stages": {"slug", "name", "name_en", "description", "description_en"},
}


def check_keys(path, where, record, allowed):
    unknown = set(record) - allowed
    if unknown:
        raise SeedError(f"{path}: {where}: field '{sorted(unknown)[0]}' is not one of {sorted(allowed)}")


def check_unique(path, where, slugs):
    twice = next((slug for slug in slugs if slugs.count(slug) > 1), None)
    if twice is not None:
        raise SeedError(f"{path}: {where}: field 'slug': {twice!r} is used twice")


def read_catalogue(path):
    data = read_toml(path)
    for section in ("actors", "topics", "tracks"):
        records = data.get(section, [])
        for index, record in enumerate(records, start=1):
            check_keys(path, f"{section} #{index}", record, CATALOGUE_KEYS[section])
            for key in ("slug", "name", "name_en"):
                require(path, f"{section} #{index}", record, key)
            check_text(path, f"{section} #{index}", record, CATALOGUE_MODELS[section])
        check_unique(path, section, [record["slug"] for record in records])
    for record in data.get("actors", []):
        if record.get("kind", Actor.Kind.PERSON) not in Actor.Kind.values:
            raise SeedError(f"{path}: actor {record['slug']}: field 'kind': {record['kind']!r} is not one of {sorted(Actor.Kind.values)}")
    for track in data.get("tracks", []):
        stages = track.get("stages", [])
        if not stages:
            raise SeedError(f"{path}: track {track['slug']}: field 'stages': a track needs at least one stage")
        for position, stage in enumerate(stages, start=1):
            check_keys(path, f"track {track['slug']} stage #{position}", stage, CATALOGUE_KEYS["stages"])
            for key in ("slug", "name", "name_en"):
                require(path, f"track {track['slug']} stage #{position}", stage, key)
            check_text(path, f"track {track['slug']} stage #{position}", stage, Stage)
        check_unique(path, f"track {track['slug']} stages", [stage["slug"] for stage in stages])
    return data


def read_source(path, vocabulary):
    data = read_toml(path)
    source = data.get("source")
    if not isinstance(source, dict):
        raise SeedError(f"{path}: the [source] table is missing")
    text_name = require(path, "[source]", source, "text")
    for key in ("slug", "title", "title_en", "author"):
        require(path, "[source]", source, key)
    check_text(path, "[source]", without(source, "text"), Source)  # "text" names the file, not the text
    text_path = path.parent / text_name
    try:
        # Bytes, not read_text(): the stored text must be the file exactly, line endings included.
        text = text_path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError(f"{path}: [source]: field 'text': cannot read {text_name}: {error}") from error
    seed = SourceSeed(path=path, fields={key: source[key] for key in SOURCE_FIELDS if key in source}, text=text)
    seed.fields["text"] = text

    numbers = set()
    for index, record in enumerate(data.get("claims", []), start=1):
        number = record.get("number")
        if not isinstance(number, int) or number < 1:
            raise SeedError(f"{path}: claim #{index}: field 'number' must be a positive whole number")
        if number in numbers:
            raise SeedError(f"{path}: claim C{number}: field 'number': C{number} is used twice")
        numbers.add(number)
        seed.claims.append(read_claim(path, f"claim C{number}", record, text, vocabulary))

    by_number = {claim["number"]: claim for claim in seed.claims}
    for index, record in enumerate(data.get("updates", []), start=1):
        update = read_update(path, index, record, by_number, vocabulary)
        claim = by_number[update["claim"]]
        if claim["updates"] and claim["updates"][-1]["effective_on"] >= update["effective_on"]:
            raise SeedError(
                f"{path}: update #{index} (claim C{update['claim']}): field 'effective_on': a claim's updates must be "
                "listed in the order they took effect, each on a later date than the one before"
            )
        claim["updates"].append(update)

    for claim in seed.claims:
        for key in RELATION_KEYS:
            for target in claim[key]:
                if target not in numbers:
                    raise SeedError(f"{path}: claim C{claim['number']}: field '{key}': C{target} is not a claim of this source")
                if target == claim["number"]:
                    raise SeedError(f"{path}: claim C{claim['number']}: field '{key}': a claim cannot relate to itself")
    return seed


def read_claim(path, where, record, text, vocabulary):
    check_keys(path, where, record, CLAIM_KEYS)
    kind = require(path, where, record, "kind")
    if kind not in Claim.Kind.values:
        raise SeedError(f"{path}: {where}: field 'kind': {kind!r} is not one of {Claim.Kind.values}")
    quote = require(path, where, record, "quote")
    require(path, where, record, "text_en")
    require(path, where, record, "text_zh_hant")
    check_text(path, where, without(record, "reason"), Claim)
    if not isinstance(record.get("reason", ""), str):
        raise SeedError(f"{path}: {where}: field 'reason' is not a str")
    occurrence = record.get("occurrence", 1)
    found = [index for index in range(len(text)) if text.startswith(quote, index)]
    if not found:
        raise SeedError(f"{path}: {where}: field 'quote': {quote!r} is not in the source text")
    if len(found) > 1 and "occurrence" not in record:
        raise SeedError(f"{path}: {where}: field 'occurrence': the quote occurs {len(found)} times; say which")
    if not isinstance(occurrence, int) or not 1 <= occurrence <= len(found):
        raise SeedError(f"{path}: {where}: field 'occurrence': must be between 1 and {len(found)}")
    start = found[occurrence - 1]

    state = record.get("state", Claim.State.PUBLISHED)
    if state not in Claim.State.values:
        raise SeedError(f"{path}: {where}: field 'state': {state!r} is not one of {Claim.State.values}")
    if kind == Claim.Kind.PREDICTION:
        require(path, where, record, "resolution_criteria")
    confidence = record.get("confidence", "")
    if confidence and confidence not in Confidence.values:
        raise SeedError(f"{path}: {where}: field 'confidence': {confidence!r} is not one of {Confidence.values}")

    track = record.get("track")
    if track is not None and track not in vocabulary["tracks"]:
        raise SeedError(f"{path}: {where}: field 'track': {track!r} is not a track in {CATALOGUE}")

    for key in ("actors", "topics"):
        for slug in record.get(key, []):
            if slug not in vocabulary[key]:
                raise SeedError(f"{path}: {where}: field '{key}': {slug!r} is not in {CATALOGUE}")
    for key in RELATION_KEYS:
        if not all(isinstance(target, int) for target in record.get(key, [])):
            raise SeedError(f"{path}: {where}: field '{key}': list claim numbers, e.g. [3, 12]")
    for key in ("event_on", "due_on"):
        check_date(path, where, record, key)

    return {
        "number": record["number"],
        "fields": {
            "kind": kind,
            "quote": quote,
            "start": start,
            "end": start + len(quote),
            "text_en": record["text_en"],
            "text_zh_hant": record["text_zh_hant"],
            "resolution_criteria": record.get("resolution_criteria", ""),
            "resolution_criteria_zh_hant": record.get("resolution_criteria_zh_hant", ""),
            "event_on": record.get("event_on"),
            "due_on": record.get("due_on"),
            "state": state,
            "confidence": confidence,
        },
        "track": track,
        "kind": kind,
        "reason": record.get("reason", "").strip(),
        "updates": [],  # filled from the file's [[updates]]
        "actors": record.get("actors", []),
        "topics": record.get("topics", []),
        **{key: record.get(key, []) for key in RELATION_KEYS},
    }


def check_date(path, where, record, key):
    if key in record and not (hasattr(record[key], "isoformat") and not hasattr(record[key], "hour")):
        raise SeedError(f"{path}: {where}: field '{key}': write a date as 2026-03-18, without quotes")


def read_update(path, index, record, claims, vocabulary):
    """One [[updates]] table: a dated status or stage of a claim of this file, with its evidence."""
    number = record.get("claim")
    if not isinstance(number, int) or number not in claims:
        raise SeedError(f"{path}: update #{index}: field 'claim': {number!r} is not the number of a claim in this file")
    where = f"update #{index} (claim C{number})"
    check_keys(path, where, record, UPDATE_KEYS)
    claim = claims[number]
    status, stage = record.get("status", ""), record.get("stage")
    if status and status not in Claim.Kind(claim["kind"]).scale.statuses:
        raise SeedError(f"{path}: {where}: field 'status': {status!r} is not a status of a {claim['kind']}")
    if stage is not None:
        if claim["track"] is None:
            raise SeedError(f"{path}: {where}: field 'stage': the claim has no track")
        if stage not in vocabulary["tracks"][claim["track"]]:
            raise SeedError(f"{path}: {where}: field 'stage': {stage!r} is not a stage of track {claim['track']!r}")
    if not status and stage is None:
        raise SeedError(f"{path}: {where}: field 'status': an update sets a status, a stage, or both")
    require(path, where, record, "rationale")
    check_text(path, where, record, Update)
    if "effective_on" not in record:
        raise SeedError(f"{path}: {where}: field 'effective_on' is missing: the date the change happened in the world")
    check_date(path, where, record, "effective_on")
    if not isinstance(record.get("baseline", False), bool):
        raise SeedError(f"{path}: {where}: field 'baseline': write true or false")
    evidence = record.get("evidence", [])
    if not isinstance(evidence, list) or not evidence:
        raise SeedError(f"{path}: {where}: field 'evidence': an update needs at least one [[updates.evidence]] table")
    return {
        "claim": number,
        "status": status,
        "stage": stage,
        "effective_on": record["effective_on"],
        "is_baseline": record.get("baseline", False),
        "rationale": record["rationale"],
        "rationale_zh_hant": record.get("rationale_zh_hant", ""),
        "evidence": [read_evidence(path, f"{where} evidence #{position}", item) for position, item in enumerate(evidence, start=1)],
    }


def read_evidence(path, where, record):
    check_keys(path, where, record, EVIDENCE_KEYS)
    for key in ("url", "title", "note"):
        require(path, where, record, key)
    check_text(path, where, without(record, "note"), Evidence)
    check_text(path, where, {"excerpt": record["note"]}, Evidence)
    for key in ("published_on", "retrieved_on"):
        check_date(path, where, record, key)
    bearing = record.get("bearing", Evidence.Bearing.CONTEXT)
    if bearing not in Evidence.Bearing.values:
        raise SeedError(f"{path}: {where}: field 'bearing': {bearing!r} is not one of {sorted(Evidence.Bearing.values)}")
    fields = {key: record[key] for key in ("archive_url", "title_zh_hant", "publisher", "published_on", "retrieved_on") if key in record}
    return {"url": record["url"], "title": record["title"], "bearing": bearing, "excerpt": record["note"], **fields}


def read_seeds(directory):
    """Read and check every seed file under `directory`; raise SeedError on the first problem."""
    directory = Path(directory)
    catalogue_path = directory / CATALOGUE
    catalogue = read_catalogue(catalogue_path) if catalogue_path.exists() else {}
    vocabulary = {
        "actors": {record["slug"] for record in catalogue.get("actors", [])},
        "topics": {record["slug"] for record in catalogue.get("topics", [])},
        "tracks": {
            track["slug"]: {stage["slug"] for stage in track["stages"]} for track in catalogue.get("tracks", [])
        },
    }
    sources = [read_source(path, vocabulary) for path in sorted(directory.glob("*.toml")) if path.name != CATALOGUE]
    return Seeds(
        actors=catalogue.get("actors", []),
        topics=catalogue.get("topics", []),
        tracks=catalogue.get("tracks", []),
        sources=sources,
    )


@dataclass
class Tally:
    created: int = 0
    changed: int = 0
    kept: list = field(default_factory=list)  # records left as analysts changed them

    def __str__(self):
        text = f"{self.created} created, {self.changed} changed"
        if self.kept:
            text += f", {len(self.kept)} left as analysts changed them ({', '.join(self.kept)})"
        return text


class Loader:
    """Writes seeds into the database as `account`, each history row giving `reason`."""

    def __init__(self, account, reason, progress=None):
        self.account = account
        self.reason = reason
        self.progress = progress or (lambda message: None)
        self.tally = Tally()

    def edited_by_others(self, instance, values):
        """The fields of `values` whose latest change, in the record's history, was not the seed's."""
        last_changer = {}
        previous = None
        for row in instance.history.order_by("history_date", "history_id"):
            current = history_values(row, instance, list(values))
            for key, value in current.items():
                if previous is None or previous[key] != value:
                    last_changer[key] = row.history_user_id
            previous = current
        return {key for key in values if last_changer.get(key) != self.account.pk}

    def sync(self, model, lookup, values, label, reason=""):
        """Create or update one record; returns it. Writes only the values that differ.

        A field that someone other than the seed account changed last is left as it is. `reason`,
        when given, is added to the history rows' reason (the seed file's word on why a record changed).
        """
        reason = f"{self.reason}: {reason}" if reason else self.reason
        instance = model.objects.filter(**lookup).first()
        try:
            with transaction.atomic():
                if instance is None:
                    instance = model(**lookup, **values)
                    instance.full_clean(validate_unique=False, validate_constraints=False)
                    stamp(instance, self.account, reason)
                    instance.save()
                    instance._created_by_seed = True
                    self.tally.created += 1
                    return instance
                differs = {key for key, value in values.items() if getattr(instance, key) != value}
                edited = self.edited_by_others(instance, differs) if differs else set()
                if edited:
                    self.tally.kept.append(f"{label} {', '.join(sorted(edited))}")
                if instance.edit({key: values[key] for key in differs - edited}, by=self.account, reason=reason):
                    self.tally.changed += 1
        except ValidationError as error:
            raise SeedError(f"{label}: {describe(error)}") from error
        except IntegrityError as error:
            raise SeedError(f"{label}: conflicts with a record already stored ({error})") from error
        return instance

    def sync_many(self, instance, name, wanted, label):
        manager = getattr(instance, name)
        current = set(manager.values_list("pk", flat=True))
        if current == {item.pk for item in wanted}:
            return
        if self.edited_by_others(instance, [name]):
            self.tally.kept.append(f"{label} {name}")
            return
        if getattr(instance, "_created_by_seed", False):
            stamp(instance, self.account, self.reason)
            manager.set(wanted)
        elif instance.edit({name: wanted}, by=self.account, reason=self.reason):
            self.tally.changed += 1

    @transaction.atomic
    def load(self, seeds):
        """Write `seeds`: in bulk into a database that holds none of the tracker's records, else record by record."""
        if self.is_first_load():
            try:
                with transaction.atomic():
                    return FirstLoad(self).write(seeds)
            except (ValidationError, IntegrityError, LoadRecordByRecord):
                # Loading record by record stops at the first record that fails and names it, with its
                # file and field, as on any other run.
                self.tally = Tally()
        return self.load_record_by_record(seeds)

    def is_first_load(self):
        """True when the database holds no catalogue record and no source: then none of the records the
        seeds describe can be stored, as claims, evidence, updates and relations all belong to a source."""
        return not any(model.objects.exists() for model in (Actor, Topic, Track, Source))

    def load_record_by_record(self, seeds):
        """Create or bring up to date each record in turn: how a database that holds data is brought in line."""
        actors = {r["slug"]: self.sync(Actor, {"slug": r["slug"]}, without(r, "slug"), f"actor {r['slug']}") for r in seeds.actors}
        topics = {r["slug"]: self.sync(Topic, {"slug": r["slug"]}, without(r, "slug"), f"topic {r['slug']}") for r in seeds.topics}
        tracks, stages = {}, {}
        for record in seeds.tracks:
            track = self.sync(Track, {"slug": record["slug"]}, without(record, "slug", "stages"), f"track {record['slug']}")
            tracks[track.slug] = track
            for position, stage in enumerate(record["stages"], start=1):
                values = {"position": position, **without(stage, "slug")}
                label = f"track {track.slug} stage {stage['slug']}"
                stages[track.slug, stage["slug"]] = self.sync(Stage, {"track": track, "slug": stage["slug"]}, values, label)
        self.progress(f"Catalogue: {len(actors)} actors, {len(topics)} topics, {len(seeds.tracks)} tracks")

        for seed in seeds.sources:
            source = self.sync(Source, {"slug": seed.fields["slug"]}, without(seed.fields, "slug"), f"{seed.path.name}: source")
            claims = {}
            for record in seed.claims:
                label = f"{seed.path.name}: claim C{record['number']}"
                values = {**record["fields"], "track": tracks.get(record["track"])}
                claim = self.sync(Claim, {"source": source, "number": record["number"]}, values, label, record["reason"])
                self.sync_many(claim, "actors", [actors[slug] for slug in record["actors"]], label)
                self.sync_many(claim, "topics", [topics[slug] for slug in record["topics"]], label)
                self.sync_updates(claim, record, stages, label)
                claims[record["number"]] = claim
            for record in seed.claims:
                for key, kind in RELATION_KEYS.items():
                    for target in record[key]:
                        lookup = {"from_claim": claims[record["number"]], "to_claim": claims[target], "kind": kind}
                        self.sync(ClaimRelation, lookup, {}, f"{seed.path.name}: claim C{record['number']} {key} C{target}")
            self.progress(f"{seed.path.name}: {len(claims)} claims")
        return self.tally

    def sync_updates(self, claim, record, stages, label):
        """Bring the claim's updates in line with the file's, through the claim's one write path.

        The file's updates are matched in order with the standing updates the seed recorded: a new
        one is recorded, one that differs is put right by a correction (the old one stays on the
        record, marked corrected). Once anyone else has recorded an update, the claim is theirs.
        """
        standing = list(claim.live_updates().select_related("stage").prefetch_related("evidence"))
        if any(update.recorded_by_id != self.account.pk for update in standing):
            if record["updates"]:
                self.tally.kept.append(f"{label} updates")
            return
        for position, wanted in enumerate(record["updates"]):
            stage = stages[record["track"], wanted["stage"]] if wanted["stage"] else None
            recorded = standing[position] if position < len(standing) else None
            if recorded is not None and same_update(recorded, wanted, stage):
                continue
            where = f"{label} update of {wanted['effective_on']}"
            evidence = [
                self.sync(Evidence, {"claim": claim, "url": item["url"]}, without(item, "url"), f"{where} evidence {item['url']}")
                for item in wanted["evidence"]
            ]
            try:
                claim.record_update(
                    status=wanted["status"],
                    stage=stage,
                    effective_on=wanted["effective_on"],
                    rationale=wanted["rationale"],
                    rationale_zh_hant=wanted["rationale_zh_hant"],
                    evidence=evidence,
                    corrects=recorded,
                    by=self.account,
                    reason=self.reason if recorded is None else f"{self.reason}: the seed file revised this update",
                    is_review=False,  # the seed states what reports showed; no analyst has reviewed the claim
                    is_baseline=wanted["is_baseline"],
                )
            except ValidationError as error:
                field = next(iter(error.message_dict), "status") if hasattr(error, "error_dict") else "status"
                raise SeedError(f"{where}: field '{field}': {'; '.join(error.messages)}") from error
            self.tally.created += 1


def same_update(update, wanted, stage):
    """True when a recorded update says what the file's update says, citing the same reports."""
    return (
        update.effective_on == wanted["effective_on"]
        and update.status == wanted["status"]
        and update.stage == stage
        and update.is_baseline == wanted["is_baseline"]
        and update.rationale == wanted["rationale"]
        and update.rationale_zh_hant == wanted["rationale_zh_hant"]
        and {item.url for item in update.evidence.all()} == {item["url"] for item in wanted["evidence"]}
    )


def describe(error):
    """A ValidationError as one line that names each field."""
    if hasattr(error, "error_dict"):
        return "; ".join(f"field '{field}': {' '.join(messages)}" for field, messages in error.message_dict.items())
    return "; ".join(error.messages)


def without(record, *keys):
    return {key: value for key, value in record.items() if key not in keys}


class LoadRecordByRecord(Exception):
    """The seeds ask for something that only the record-by-record path writes as it should."""


# The fields Claim.apply_updates() sets and Versioned.save_version() saves: what a claim's history rows
# show changing as its updates are applied.
APPLIED_FIELDS = ("status", "stage_id", "last_reviewed_on", "next_review_on", "review_reason", "version")
BATCH_SIZE = 500  # rows an INSERT writes


@dataclass
class HistoryRow:
    """A history row to write once `record` is stored: the record as it stood at `when`."""

    record: models.Model
    when: datetime.datetime
    kind: str  # "+" created, "~" changed, as simple-history marks them
    reason: str
    state: dict  # {attname: value} where the record then differed from the record as stored
    links: dict  # many-to-many field name: the through rows the record then had
    applies: Update | None = None  # a claim's row after an update names the update, by its id


class FirstLoad:
    """Writes seeds into an empty database with a few bulk INSERTs per table, their history included.

    It writes exactly what Loader.load_record_by_record() writes into an empty database
    (tests/claims/test_seed_first_load.py compares every table, row by row), without its
    thousands of queries:

    - Each record is checked by full_clean() as Loader.sync() checks it, and each update by
      Update.errors() as Claim.record_update() checks it. Foreign keys are left out of the check,
      which would cost a query each: each points at a record this load has just made.
    - History rows are the ones simple-history writes as that path saves: each record's creation
      ("+"); for a claim, one row ("~") as its actors are set, one as its topics are set and one as
      each update is applied, holding the status, stage and version Claim.apply_updates() and
      save_version() leave (computed with the claim's own timeline(); the seed's updates are no
      reviews, so the review dates stay empty); and with each row of a claim or an update, copies
      of the through rows of its many-to-many fields as they stood. The rows are dated a
      microsecond apart, in the order that path writes them.
    - No update_recorded or dependents_flagged signal is sent: in an empty database no claim has
      a review assignment to complete, and no relation exists while updates are applied (a
      source's relations are written after its claims), so there is no dependent to flag.

    What fails a check (ValidationError) or the database's constraints (IntegrityError), or needs
    an edit (LoadRecordByRecord), is raised for Loader.load(), which then loads record by record.
    """

    def __init__(self, loader):
        self.account = loader.account
        self.reason = loader.reason
        self.progress = loader.progress
        self.tally = loader.tally
        self.start = timezone.now()
        self.ticks = 0
        self.records = defaultdict(list)  # model: new records, in the order the record-by-record path saves them
        self.history = []  # HistoryRow, in the order the record-by-record path writes them

    def write(self, seeds):
        actors = {record["slug"]: self.created(Actor(**record)) for record in seeds.actors}
        topics = {record["slug"]: self.created(Topic(**record)) for record in seeds.topics}
        tracks, stages = {}, {}
        for record in seeds.tracks:
            track = tracks[record["slug"]] = self.created(Track(**without(record, "stages")))
            for position, stage in enumerate(record["stages"], start=1):
                stages[track.slug, stage["slug"]] = self.created(Stage(track=track, position=position, **stage))
        sources = []
        for seed in seeds.sources:
            source = self.new(Source(**seed.fields))
            source.content_hash = text_hash(source.text)  # as Source.save() sets it: bulk_create calls no save()
            sources.append(source)
        # Stored before the claims are checked: a claim's check reads its quote in its stored source's text.
        self.insert(Actor, Topic, Track, Stage, Source)

        for seed, source in zip(seeds.sources, sources, strict=True):
            self.history_row(source)
            claims = {}
            for record in seed.claims:
                claims[record["number"]] = self.add_claim(source, record, actors, topics, tracks, stages)
            relations = set()  # a relation the file names twice is one record
            for record in seed.claims:
                for key, kind in RELATION_KEYS.items():
                    for target in record[key]:
                        if (record["number"], target, kind) not in relations:
                            relations.add((record["number"], target, kind))
                            from_claim, to_claim = claims[record["number"]], claims[target]
                            self.created(ClaimRelation(from_claim=from_claim, to_claim=to_claim, kind=kind))
        self.insert(
            Claim, Claim.actors.through, Claim.topics.through, Evidence, Update, Update.evidence.through, ClaimRelation
        )
        self.insert_history()
        if self.history:
            bump_revision()  # what each save's signal would have done: bulk_create sends none

        # Every record but a many-to-many link counts, as Loader.sync() and sync_updates() count them.
        self.tally.created += sum(len(rows) for model, rows in self.records.items() if not model._meta.auto_created)
        self.progress(f"Catalogue: {len(actors)} actors, {len(topics)} topics, {len(tracks)} tracks")
        for seed in seeds.sources:
            self.progress(f"{seed.path.name}: {len(seed.claims)} claims")
        return self.tally

    def add_claim(self, source, record, actors, topics, tracks, stages):
        """A claim with its actors, topics, evidence and updates, and their history rows, in the order
        Loader.load_record_by_record() writes them."""
        track = tracks.get(record["track"])
        claim = self.new(Claim(source=source, number=record["number"], track=track, **record["fields"]))
        reason = f"{self.reason}: {record['reason']}" if record["reason"] else self.reason
        self.history_row(claim, reason=reason, state=applied(claim))
        links = {"actors": [], "topics": []}
        for name, catalogue in (("actors", actors), ("topics", topics)):
            field = Claim._meta.get_field(name)
            wanted = {slug: catalogue[slug] for slug in record[name]}.values()  # set() adds each one once
            through = field.remote_field.through
            links[name] = [through(claim=claim, **{field.m2m_reverse_field_name(): item}) for item in wanted]
            if links[name]:  # set() to what is already there changes nothing and writes no history row
                self.records[through].extend(links[name])
                self.history_row(claim, "~", state=applied(claim), links=copied(links))

        cited = {}  # url: (the file's evidence table, Evidence), as Loader.sync() finds a claim's evidence by url
        updates = []
        for wanted in record["updates"]:
            evidence = [self.evidence(claim, item, cited) for item in wanted["evidence"]]
            update = Update(
                claim=claim,
                status=wanted["status"],
                stage=stages[record["track"], wanted["stage"]] if wanted["stage"] else None,
                effective_on=wanted["effective_on"],
                rationale=wanted["rationale"],
                rationale_zh_hant=wanted["rationale_zh_hant"],
                recorded=self.now(),
                recorded_by=self.account,
                is_baseline=wanted["is_baseline"],
            )
            if errors := update.errors():
                raise ValidationError(errors)
            self.records[Update].append(update)
            through = Update.evidence.through
            unique = {item.url: item for item in evidence}.values()  # set() adds each one once
            cites = [through(update=update, evidence=item) for item in unique]
            self.records[through].extend(cites)
            self.history_row(update, links={"evidence": cites})
            updates.append(update)
            # What Claim.apply_updates(is_review=False) sets, and save_version() counts.
            latest = claim.timeline(updates)[-1]
            claim.status, claim.stage = latest.status_after, latest.stage_after
            claim.version += 1
            self.history_row(claim, "~", state=applied(claim), links=copied(links), applies=update)
        return claim

    def evidence(self, claim, item, cited):
        url, values = item["url"], without(item, "url")
        if url in cited:
            if cited[url][0] != item:
                # That path edits the evidence, or refuses to once an update cites it.
                raise LoadRecordByRecord(f"{claim.label}: evidence {url} is given twice, differently")
            return cited[url][1]
        evidence = self.created(Evidence(claim=claim, url=url, **values))
        cited[url] = (item, evidence)
        return evidence

    def created(self, instance):
        self.new(instance)
        self.history_row(instance)
        return instance

    def new(self, instance):
        """Check `instance` as Loader.sync() checks a new record, and keep it for its table's INSERT."""
        relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
        instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        self.records[type(instance)].append(instance)
        return instance

    def now(self):
        self.ticks += 1
        return self.start + datetime.timedelta(microseconds=self.ticks)

    def history_row(self, record, kind="+", reason=None, *, state=None, links=None, applies=None):
        row = HistoryRow(record, self.now(), kind, reason or self.reason, state or {}, links or {}, applies)
        self.history.append(row)

    def insert(self, *models):
        """INSERT the new records of `models`, in that order; each gets its id (bulk_create returns them)."""
        for model in models:
            # Sets the foreign keys to records stored since they were assigned, and the created/updated stamps.
            model._default_manager.bulk_create(self.records[model], batch_size=BATCH_SIZE)

    def insert_history(self):
        """INSERT the history rows, then the copies of through rows that belong to them."""
        # Asked once a model: each `Model.history` builds a new manager class.
        history_models = {model: model.history.model for model in {type(row.record) for row in self.history}}
        rows = defaultdict(list)  # historical model: its rows, oldest first, as their ids will run
        for row in self.history:
            historical = history_models[type(row.record)]
            values = {field.attname: getattr(row.record, field.attname) for field in historical.tracked_fields}
            reason = f"Update {row.applies.pk}: {row.applies.rationale}" if row.applies else row.reason
            rows[historical].append(
                historical(
                    **{**values, **row.state},
                    history_date=row.when,
                    history_type=row.kind,
                    history_user=self.account,
                    history_change_reason=reason,
                )
            )
        for historical, instances in rows.items():
            historical._default_manager.bulk_create(instances, batch_size=BATCH_SIZE)

        copies = defaultdict(list)  # m2m history model: its rows
        stored = {historical: iter(instances) for historical, instances in rows.items()}
        for row in self.history:
            history = next(stored[history_models[type(row.record)]])
            for name, links in row.links.items():
                m2m_history = HistoricalRecords.m2m_models[row.record._meta.get_field(name)]
                for link in links:
                    values = {field.attname: getattr(link, field.attname) for field in link._meta.concrete_fields}
                    copies[m2m_history].append(m2m_history(history=history, **values))
        for m2m_history, instances in copies.items():
            m2m_history._default_manager.bulk_create(instances, batch_size=BATCH_SIZE)


def applied(claim):
    return {name: getattr(claim, name) for name in APPLIED_FIELDS}


def copied(links):
    """The through rows of each many-to-many field as they stand now: later additions are not in the copy."""
    return {name: list(rows) for name, rows in links.items()}


def database_vocabulary():
    """The actors, topics and tracks (with their stages' slugs) stored in the database, in the shape
    read_source() checks a claims file against: what `import_source` may name."""
    tracks = {slug: set() for slug in Track.objects.values_list("slug", flat=True)}
    for track, stage in Stage.objects.values_list("track__slug", "slug"):
        tracks[track].add(stage)
    return {
        "actors": set(Actor.objects.values_list("slug", flat=True)),
        "topics": set(Topic.objects.values_list("slug", flat=True)),
        "tracks": tracks,
    }


def stored_catalogue_seeds(seed):
    """Seeds holding one source and, as its catalogue, only the slugs its claims name, for StoredCatalogueLoader."""
    stages = {}  # track slug: the slugs of its stages that the claims' updates name
    for claim in seed.claims:
        if claim["track"] is not None:
            named_stages = (update["stage"] for update in claim["updates"] if update["stage"])
            stages.setdefault(claim["track"], set()).update(named_stages)
    named = {key: sorted({slug for claim in seed.claims for slug in claim[key]}) for key in ("actors", "topics")}
    return Seeds(
        actors=[{"slug": slug} for slug in named["actors"]],
        topics=[{"slug": slug} for slug in named["topics"]],
        tracks=[{"slug": track, "stages": [{"slug": slug} for slug in sorted(stages[track])]} for track in stages],
        sources=[seed],
    )


class StoredCatalogueLoader(Loader):
    """A Loader for one source whose actors, topics, tracks and stages are already in the database:
    it reads them and never writes them (so a ladder's positions are never renumbered)."""

    def is_first_load(self):
        return False  # the catalogue is stored: the claims go in record by record

    def sync(self, model, lookup, values, label, *args, **kwargs):
        if model in (Actor, Topic, Track, Stage):
            try:
                return model.objects.get(**lookup)
            except model.DoesNotExist as error:
                raise SeedError(f"{label}: is not in the database") from error
        return super().sync(model, lookup, values, label, *args, **kwargs)
