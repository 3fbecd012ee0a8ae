from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import SEED_ACCOUNT, command_account
from claims.seeding import SeedError, StoredCatalogueLoader, database_vocabulary, read_source, stored_catalogue_seeds


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = (
        "Load one essay from a claims file in the seed format (its [source] table names the text file beside it), "
        "checking its actors, topics, tracks and stages against the database. Safe to run again: it writes only "
        "what changed and never overwrites analysts' changes. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The essay's .toml claims file, e.g. essays/2026-04-02.toml.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, then roll back.")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        self.progress(f"Reading {path}")
        try:
            with transaction.atomic():
                # Read inside the transaction, so that the vocabulary it is checked against is the one it is loaded with.
                seed = read_source(path, database_vocabulary())
                self.progress(f"{path.name}: source {seed.fields['slug']!r}, {len(seed.claims)} claims checked")
                account = command_account(SEED_ACCOUNT, "Seed loader")
                reason = f"Loaded by the import_source command from {path.name}"
                tally = StoredCatalogueLoader(account, reason=reason, progress=self.progress).load(
                    stored_catalogue_seeds(seed)
                )
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        except SeedError as error:
            raise CommandError(f"{error} (nothing was written)") from error
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}import_source: {path.name}: source {seed.fields['slug']}, {len(seed.claims)} claims; records {tally}."
        )

    def progress(self, message):
        self.stderr.write(f"  {message}")
