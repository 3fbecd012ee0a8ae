import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from analysts.models import Assignment, ReviewCycle, parse_period
from claims.models import command_account

COMMAND_ACCOUNT = "review-bot"


class Command(BaseCommand):
    help = (
        "Run the periodic status review: --open PERIOD assigns the claims due by the period's end, "
        "--remind emails each analyst their open reviews, --close PERIOD closes the cycle. "
        "PERIOD is a month (2026-11) or a quarter (2026-Q4). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--open", metavar="PERIOD", help="Open the cycle and assign due claims.")
        parser.add_argument("--remind", action="store_true", help="Email each analyst their open reviews.")
        parser.add_argument("--close", metavar="PERIOD", help="Close the cycle; open reviews become missed.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, change nothing.")
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Treat this day as today (YYYY-MM-DD).")

    def handle(self, *args, **options):
        if not (options["open"] or options["remind"] or options["close"]):
            raise CommandError("Say what to do: --open PERIOD, --remind or --close PERIOD.")
        dry_run = options["dry_run"]
        summary = []
        try:
            for period in (options["open"], options["close"]):
                if period:
                    parse_period(period)  # a bad period stops the run before anything is written
            with transaction.atomic():
                account = command_account(COMMAND_ACCOUNT, "Review scheduler")
                if options["open"]:
                    cycle, assignments = ReviewCycle.open_period(options["open"], user=account)
                    analysts = len({assignment.analyst_id for assignment in assignments})
                    summary.append(f"opened {cycle.label}: {len(assignments)} claims assigned to {analysts} analysts")
                if options["remind"]:
                    summary.append(self.remind(options["today"] or timezone.localdate(), dry_run))
                if options["close"]:
                    summary.append(self.close(options["close"], account))
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        prefix = "Dry run, nothing changed: " if dry_run else ""
        self.stdout.write(f"{prefix}review_claims: {'; '.join(summary)}.")

    def remind(self, today, dry_run):
        queues = {}
        for assignment in Assignment.objects.queue().filter(cycle__state=ReviewCycle.State.OPEN):
            queues.setdefault(assignment.analyst, []).append(assignment)
        sent = 0
        for number, (analyst, assignments) in enumerate(sorted(queues.items(), key=lambda item: item[0].username), 1):
            overdue = [assignment for assignment in assignments if assignment.is_overdue(today)]
            ordered = overdue + [a for a in assignments if a not in overdue]
            self.stderr.write(f"  [{number}/{len(queues)}] {analyst.username}: {len(ordered)} open, {len(overdue)} overdue")
            if dry_run or not analyst.email:
                continue
            with translation.override("en"):
                body = render_to_string(
                    "analysts/reminder_email.txt",
                    {"analyst": analyst, "assignments": ordered, "overdue": overdue, "today": today},
                )
            send_mail(f"{len(ordered)} claims to review ({len(overdue)} overdue)", body, None, [analyst.email])
            sent += 1
        missing = sum(1 for analyst in queues if not analyst.email)
        text = f"reminded {sent} analysts"
        if missing:
            text += f" ({missing} without an email address)"
        return text

    def close(self, period, account):
        label, _, _ = parse_period(period)
        cycle = ReviewCycle.objects.filter(label=label).first()
        if cycle is None:
            raise CommandError(f"There is no review cycle {label} to close.")
        if cycle.state == ReviewCycle.State.CLOSED:
            return f"{label} was closed already"
        missed = cycle.close(user=account)
        return f"closed {label}: {missed} reviews missed"

