from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import SEED_ACCOUNT, command_account
from claims.seeding import Loader, SeedError, read_seeds


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = (
        "Load the essays, claims and vocabulary under seeds/. Safe to run again: "
        "it writes only what changed and never overwrites analysts' changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(Path(settings.BASE_DIR) / "seeds"))
        parser.add_argument("--dry-run", action="store_true", help="Check and count, then roll back.")

    def handle(self, *args, directory, dry_run, **options):
        try:
            seeds = read_seeds(directory)
        except SeedError as error:
            raise CommandError(str(error)) from error
        try:
            with transaction.atomic():
                account = command_account(SEED_ACCOUNT, "Seed loader")
                source = Path(directory).name + "/"
                loader = Loader(account, reason=f"Loaded by the seed command from {source}", progress=self.progress)
                tally = loader.load(seeds)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        except SeedError as error:
            raise CommandError(f"{error} (nothing was written)") from error
        claims = sum(len(source.claims) for source in seeds.sources)
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}seed: {len(seeds.sources)} sources, {claims} claims; records {tally}.")

    def progress(self, message):
        self.stderr.write(f"  {message}")

