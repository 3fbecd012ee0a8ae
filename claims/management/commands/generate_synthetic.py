import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from claims import synthetic
from claims.models import Claim, ClaimRelation, Evidence, Source, Update, command_account

PROGRESS_EVERY = 10_000  # claims between two progress lines


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = (
        "Generate a synthetic data set for benchmarks: Traditional Chinese sources of about 100 claims each, "
        "claims anchored in them, updates with evidence, corrections, relations, and the history of every "
        "record, written in bulk. The same --seed and --claims give the same data. All or nothing. On PostgreSQL "
        "the tables written, and those they point to (accounts among them), are closed to readers until it ends: "
        "run it on a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="How many claims to make (at least 1).")
        parser.add_argument(
            "--updates-per-claim",
            type=int,
            default=2,
            help="About how many updates each claim gets, corrections included (default 2; 0 for none).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed of the random generator; names the sources synthetic-<seed>-<n>."
        )
        parser.add_argument(
            "--heavy-claim-history",
            type=int,
            default=0,
            metavar="H",
            help="Give the first claim H history rows in all, by repeated edits of its English proposition.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Generate and write, then roll back.")

    def handle(self, *args, claims, updates_per_claim, seed, heavy_claim_history, dry_run, **options):
        for option, value, least in (
            ("--claims", claims, 1),
            ("--updates-per-claim", updates_per_claim, 0),
            ("--seed", seed, 0),
            ("--heavy-claim-history", heavy_claim_history, 0),
        ):
            if value < least:
                raise CommandError(f"{option} must be at least {least}, not {value} (nothing was written).")
        sizes = synthetic.source_sizes(claims)
        sources = list(enumerate(sizes, start=1))
        started = time.monotonic()
        try:
            with transaction.atomic():
                self.lock_tables()
                self.refuse_existing(seed, len(sizes))
                account = command_account(synthetic.ACCOUNT, "Synthetic data generator")
                reason = synthetic.reason_for(seed)
                now = timezone.now()
                vocabulary = synthetic.Vocabulary.load_or_create(account, reason, synthetic.moment(synthetic.START))
                if vocabulary.created:
                    made = ", ".join(f"{count} {name}" for name, count in vocabulary.created.items())
                    self.stderr.write(f"  vocabulary: none stored, so created {made}")
                run = synthetic.SyntheticRun(
                    seed=seed,
                    updates_per_claim=updates_per_claim,
                    heavy_claim_history=heavy_claim_history,
                    account=account,
                    vocabulary=vocabulary,
                    now=now,
                )
                per_batch = max(1, synthetic.BATCH_SIZE // synthetic.CLAIMS_PER_SOURCE)
                reported = 0
                with run:
                    for first in range(0, len(sources), per_batch):
                        run.write(sources[first : first + per_batch])
                        if run.claims_written - reported >= PROGRESS_EVERY:
                            reported = self.progress(run.claims_written, claims, started)
                if reported < claims:
                    self.progress(claims, claims, started)
                if dry_run:
                    raise DryRun
                run.finish()
        except DryRun:
            pass
        elapsed = time.monotonic() - started
        self.stdout.write(self.summary(run, seed, len(sizes), claims, elapsed, dry_run))

    def progress(self, done, claims, started):
        rate = done / max(time.monotonic() - started, 1e-9)
        self.stderr.write(f"  claims {done:,}/{claims:,} ({rate:,.0f}/s)")
        return done

    def lock_tables(self):
        """Keep every other session out of the tables this run writes and of those they point to, until it commits
        (PostgreSQL): the run drops their foreign keys, which takes these locks, and takes them first so that
        it never waits for one half way, nor deadlocks with a writer that holds a row."""
        if connection.vendor != "postgresql":
            return  # SQLite's transactions here take the database's write lock when they begin
        written = [connection.ops.quote_name(model._meta.db_table) for model in synthetic.written_models()]
        with connection.cursor() as cursor:
            pointed_to = sorted({target for _table, _name, _definition, target in synthetic.written_foreign_keys(cursor)})
            tables = ", ".join([*written, *pointed_to])
            cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")

    @staticmethod
    def refuse_existing(seed, count):
        prefix = synthetic.source_slug(seed, "")
        wanted = {synthetic.source_slug(seed, number) for number in range(1, count + 1)}
        stored = set(Source.objects.filter(slug__startswith=prefix).values_list("slug", flat=True)) & wanted
        if stored:
            first = min(stored, key=lambda slug: int(slug.rsplit("-", 1)[1]))
            raise CommandError(
                f"Source {first!r} exists already: seed {seed} was generated into this database before. "
                "Pass another --seed (nothing was written)."
            )

    @staticmethod
    def summary(run, seed, sources, claims, elapsed, dry_run):
        written = run.written
        updates = written[Update]
        corrections = run.corrections
        prefix = "Dry run, nothing written: " if dry_run else ""
        heavy = ""
        if run.heavy_claim is not None:
            where = f"{synthetic.source_slug(seed, 1)} {run.heavy_claim.label}, id {run.heavy_claim.pk}"
            heavy = f"; {where}, has {run.heavy_claim.version:,}"
        return (
            f"{prefix}generate_synthetic --seed {seed}: {sources:,} sources, {claims:,} claims, "
            f"{updates:,} updates ({corrections:,} corrections), {written[Evidence]:,} evidence, "
            f"{written[ClaimRelation]:,} relations, {run.history_rows:,} history rows "
            f"({written[Claim.history.model]:,} of claims{heavy}); "
            f"{elapsed:.1f} s, {claims / elapsed:,.0f} claims/s including history."
        )
