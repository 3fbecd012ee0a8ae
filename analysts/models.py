"""The people who judge claims, and the periodic review work they do."""

import calendar
import datetime
import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from claims.models import Claim, ClaimKind, Topic, Update, Versioned, end_of_day, stamp
from claims.scorecard import tally

# The statuses that settle a prediction, for the review report.
RESOLVED = ClaimKind.PREDICTION.scale.final_statuses

ANALYST_GROUP = "analyst"
EDITOR_GROUP = "editor"
PERIOD = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")


class AnalystQuerySet(models.QuerySet):
    def reviewers(self):
        """Active people in the analyst or editor role, and superusers: those who can be given reviews."""
        in_role = Q(groups__name__in=[ANALYST_GROUP, EDITOR_GROUP]) | Q(is_superuser=True)
        return self.filter(in_role, is_active=True).distinct()


class AnalystManager(UserManager.from_queryset(AnalystQuerySet)):
    pass


class WithoutNaturalKey:
    """Hides an inherited `natural_key()`, so that serializers write and read the primary key instead."""

    def __get__(self, instance, owner=None):
        raise AttributeError("natural_key")


class Analyst(Versioned, AbstractUser):
    """A person who judges claims; also the account the admin logs in with."""

    display_name = models.CharField(
        _("display name"),
        max_length=150,
        blank=True,
        help_text=_("The name shown with the analyst's updates and reviews, in Traditional Chinese."),
    )
    display_name_en = models.CharField(_("display name in English"), max_length=150, blank=True)
    bio = models.TextField(_("bio"), blank=True, help_text=_("A few lines on who the analyst is."))
    topics = models.ManyToManyField(
        Topic,
        verbose_name=_("topics"),
        blank=True,
        related_name="analysts",
        help_text=_("Topics the analyst covers: reviews of their claims go to them first."),
    )

    # Role changes (groups) are part of the audit trail; password hashes never are.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[topics, "groups"])

    objects = AnalystManager()

    # A backup must keep each analyst's id, which the audit history (HistoricalAnalyst.id) and the
    # admin log hold as a plain number: without a natural key, `dumpdata --natural-primary` writes
    # the id and `loaddata` restores it, where by user name it would renumber analysts after a gap.
    natural_key = WithoutNaturalKey()

    class Meta:
        ordering = ["username"]
        verbose_name = _("analyst")
        verbose_name_plural = _("analysts")

    def __str__(self):
        return self.display_name_en or self.display_name or self.get_full_name() or self.username

    @property
    def public_name(self):
        """The name public pages show: a display name, never the login name."""
        return self.display_name_en or self.display_name or self.get_full_name() or gettext("An analyst")


def parse_period(text):
    """'2026-11' is a month, '2026-Q4' a quarter: returns (label, first day, last day)."""
    match = PERIOD.match(text.strip())
    if not match:
        raise ValidationError(f"Period {text!r} is not a month like 2026-11 or a quarter like 2026-Q4.")
    year = int(match["year"])
    if match["month"]:
        first_month = last_month = int(match["month"])
    else:
        first_month = 3 * int(match["quarter"]) - 2
        last_month = first_month + 2
    start = datetime.date(year, first_month, 1)
    end = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return text.strip(), start, end


class ReviewCycle(Versioned):
    """A period (a month or a quarter) in which the claims that come due are reviewed."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    label = models.CharField(
        _("label"), max_length=10, unique=True, help_text=_("2026-11 for a month, 2026-Q4 for a quarter.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    opened = models.DateTimeField(_("opened"), default=timezone.now)
    closed = models.DateTimeField(_("closed"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="cycle_ends_after_start"),
        ]

    def __str__(self):
        return f"Review cycle {self.label}"

    def get_absolute_url(self):
        return reverse("analysts:cycle-report", kwargs={"label": self.label})

    @classmethod
    def open_period(cls, text, user=None):
        """Open the cycle for `text` (idempotent) and assign every claim due by its end.

        The cycle row is locked while assigning, so two runs at once take turns and
        the second finds nothing left to assign; a unique constraint backs this up.
        Returns (cycle, new assignments).
        """
        label, start, end = parse_period(text)
        with transaction.atomic():
            if not cls.objects.filter(label=label).exists():
                try:
                    # A savepoint: when another run inserted the same cycle first, take theirs.
                    with transaction.atomic():
                        cycle = cls(label=label, starts_on=start, ends_on=end)
                        stamp(cycle, user, f"Opened review cycle {label}")
                        cycle.save()
                except IntegrityError:
                    pass
            cycle = cls.objects.select_for_update(of=("self",)).get(label=label)
            if cycle.state == cls.State.CLOSED:
                raise ValidationError(f"Review cycle {label} is closed; it cannot be opened again.")
            assignments = cycle.assign_due_claims(user)
        return cycle, assignments

    def assign_due_claims(self, user=None):
        # Lock the due claims first, in one order, so that two cycles opening at once take turns;
        # only then look for claims already in this cycle or still open in another.
        due_ids = list(
            Claim.objects.due_for_review(self.ends_on).select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)
        )
        taken = Assignment.objects.filter(Q(cycle=self) | Q(state=Assignment.State.OPEN)).values("claim_id")
        due = (
            Claim.objects.filter(pk__in=due_ids)
            .exclude(pk__in=taken)
            .prefetch_related("topics")
            .order_by("next_review_on", "source_id", "number")
        )
        reviewers = list(Analyst.objects.reviewers().prefetch_related("topics").order_by("username"))
        if not reviewers:
            return []
        load = dict(
            self.assignments.filter(state=Assignment.State.OPEN)
            .values_list("analyst_id")
            .annotate(count=Count("pk"))
        )
        created = []
        for claim in due:
            analyst = pick_reviewer(claim, reviewers, load)
            load[analyst.pk] = load.get(analyst.pk, 0) + 1
            assignment = Assignment(cycle=self, claim=claim, analyst=analyst, alert_reason=claim.review_reason)
            stamp(assignment, user, f"Assigned when review cycle {self.label} opened")
            assignment.save()
            created.append(assignment)
        return created

    # The public report (analysts/views.py) pages through each of these; the CSV streams them whole.

    def reviews(self, state):
        """The reviews of public claims in `state`, in the claims' order."""
        return (
            self.assignments.filter(state=state)
            .exclude(claim__state=Claim.State.DRAFT)
            .select_related("claim__source", "analyst", "update")
            .defer("claim__source__text")
            .order_by("claim__source_id", "claim__number")
        )

    def updates_recorded(self):
        """The updates of public claims recorded in the period: by claim, in the order they took effect."""
        return (
            Update.objects.filter(recorded__date__gte=self.starts_on, recorded__date__lte=self.ends_on)
            .exclude(claim__state=Claim.State.DRAFT)
            .order_by("claim__source_id", "claim__number", "effective_on", "recorded", "pk")
        )

    def resolving_updates(self):
        """The updates recorded in the period that give a prediction a final status."""
        return self.updates_recorded().filter(claim__kind=ClaimKind.PREDICTION, status__in=RESOLVED)

    def changes(self, updates):
        """The timeline entries of `updates` (some of updates_recorded(), in its order) that changed their
        claim's status or stage. Each claim's timeline is built from all its updates, once."""
        timelines = {}
        claims = Update.objects.filter(claim_id__in={update.claim_id for update in updates})
        for update in claims.select_related("stage", "claim__source").defer("claim__source__text"):
            timelines.setdefault(update.claim_id, []).append(update)
        entries = {}
        for claim_updates in timelines.values():
            claim = claim_updates[0].claim
            for update in claim_updates:
                update.claim = claim
            entries.update((entry.update.pk, entry) for entry in claim.timeline(claim_updates))
        found = [entries[update.pk] for update in updates]
        return [entry for entry in found if (entry.status_changed or entry.stage_changed) and not entry.is_corrected]

    def resolved(self, updates):
        """The predictions that `updates` (some of resolving_updates()) resolved."""
        return [entry for entry in self.changes(updates) if entry.status_changed]

    def scored_on(self):
        """The moment the report's scorecards are taken: the end of the period, or now while it runs."""
        return end_of_day(min(self.ends_on, timezone.localdate()))

    def scorecard_counts(self):
        """The public claims counted as they stood at scored_on(), by essay, kind, status and confidence."""
        return tally(Claim.public_as_of(self.scored_on()).filter(state=Claim.State.PUBLISHED))

    def close(self, user=None):
        """Close the cycle; reviews still open are kept, marked missed. Returns how many were missed."""
        with transaction.atomic():
            cycle = ReviewCycle.objects.select_for_update(of=("self",)).get(pk=self.pk)
            if cycle.state == self.State.CLOSED:
                return 0
            missed = 0
            for assignment in cycle.assignments.filter(state=Assignment.State.OPEN).select_for_update(of=("self",)):
                assignment.state = Assignment.State.MISSED
                assignment.save_version(["state"], user, f"Missed: review cycle {cycle.label} closed")
                missed += 1
            cycle.state, cycle.closed = self.State.CLOSED, timezone.now()
            cycle.save_version(["state", "closed"], user, f"Closed review cycle {cycle.label}")
        self.state, self.closed = cycle.state, cycle.closed
        return missed


def pick_reviewer(claim, reviewers, load):
    """Prefer reviewers who cover one of the claim's topics; among them, the least loaded."""
    topics = {topic.pk for topic in claim.topics.all()}
    covering = [analyst for analyst in reviewers if topics & {topic.pk for topic in analyst.topics.all()}]
    return min(covering or reviewers, key=lambda analyst: (load.get(analyst.pk, 0), analyst.username))


class AssignmentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Assignment.State.OPEN)

    def queue(self):
        """Open reviews in the order to do them: dependency alerts, then the most overdue."""
        return (
            self.open()
            .select_related("claim__source", "claim__stage", "analyst", "cycle")
            .order_by(*QUEUE_ORDER)
        )


class Assignment(Versioned):
    """One claim to review in one cycle, given to one analyst."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    class Outcome(models.TextChoices):
        UNCHANGED = "unchanged", _("Reviewed, unchanged")
        UPDATED = "updated", _("Updated")

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="assignments"
    )
    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="assignments")
    analyst = models.ForeignKey(
        Analyst, verbose_name=_("analyst"), on_delete=models.PROTECT, related_name="assignments"
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    update = models.ForeignKey(
        "claims.Update",
        verbose_name=_("update"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    note = models.TextField(_("note"), blank=True, help_text=_("What the reviewer looked at."))
    alert_reason = models.TextField(
        _("alert reason"),
        blank=True,
        help_text=_("Why this review jumped the queue, e.g. a claim it depends on changed."),
    )
    completed = models.DateTimeField(_("completed"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "claim"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        permissions = [("view_all_reviews", "Can see and complete every analyst's reviews")]
        constraints = [
            # A claim is assigned at most once per cycle, however many runs open it at once.
            models.UniqueConstraint(fields=["cycle", "claim"], name="assignment_once_per_cycle"),
            # A claim is open for review in one cycle at a time, whatever opens cycles at once.
            models.UniqueConstraint(
                fields=["claim"], condition=Q(state="open"), name="assignment_one_open_per_claim"
            ),
            # A finished review says how it ended.
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(outcome=""), name="assignment_done_has_outcome"
            ),
        ]
        indexes = [
            # An analyst's queue: their open reviews.
            models.Index(fields=["analyst", "state"], name="assignment_queue"),
        ]

    def __str__(self):
        return f"{self.claim.label} in {self.cycle.label} for {self.analyst}"

    def is_overdue(self, today=None):
        due = self.claim.next_review_on
        return self.state == self.State.OPEN and (due is None or due < (today or timezone.localdate()))

    def complete_unchanged(self, user=None, note="", base_version=None):
        """Done, with no change to the claim: the claim gets a dated 'reviewed, unchanged' stamp.

        With `base_version`, refused when the review changed since the analyst saw it.
        """
        with transaction.atomic():
            assignment = Assignment.objects.select_for_update(of=("self",)).select_related("claim", "cycle").get(pk=self.pk)
            if base_version is not None and assignment.version != base_version:
                raise ValidationError(
                    f"Review of {assignment.claim.label} in {assignment.cycle.label} changed after you opened it "
                    f"(version {base_version}, now {assignment.version}); reload and look again."
                )
            if assignment.state != self.State.OPEN:
                raise ValidationError(
                    f"Review of {assignment.claim.label} in {assignment.cycle.label} is "
                    f"{assignment.get_state_display().lower()}, not open."
                )
            assignment.claim.mark_reviewed(by=user, note=note)
            assignment.finish(self.Outcome.UNCHANGED, user, note or "Reviewed, unchanged")
        self.refresh_from_db()

    def complete_with_update(self, update, user=None):
        """Done by recording `update` on the claim (called when an update is recorded)."""
        self.update = update
        self.finish(self.Outcome.UPDATED, user, f"Reviewed with update {update.pk}")

    def finish(self, outcome, user, reason):
        """Mark the review done (row locked by the caller)."""
        self.state, self.outcome, self.completed = self.State.DONE, outcome, timezone.now()
        if reason and not self.note:
            self.note = reason
        self.save_version(["state", "outcome", "completed", "note", "update"], user, reason)


# The order to work through reviews: open reviews with a dependency alert, then the most overdue.
QUEUE_ORDER = [
    models.Case(
        models.When(Q(state=Assignment.State.OPEN) & ~Q(alert_reason=""), then=models.Value(0)), default=models.Value(1)
    ).asc(),
    models.F("claim__next_review_on").asc(nulls_first=True),
    "claim__number",
]
