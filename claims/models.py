"""What an essay claims, how each claim stands, and the record of how that changed.

A claim's status and stage change only through an `Update`: saving an update
applies it to its claim in the same transaction, so the claim always shows
what its uncorrected updates say, and django-simple-history records each step.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.dispatch import Signal
from simple_history.models import HistoricalRecords

# Sent after a status change flagged the claims that depend on it: (claim, dependents, reason).
dependents_flagged = Signal()

http_url = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")


def command_account(username, display_name):
    """The account a management command's history rows name: inactive, with no password."""
    account, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": display_name, "is_active": False}
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account


def stamp(instance, user, reason):
    """Name who makes the next save of `instance` and why, for its history row.

    Without a user, simple-history falls back to the user of the current
    request, so an admin request is still attributed.
    """
    if user is not None:
        instance._history_user = user
    else:
        # A user stamped for an earlier save must not be credited with this one.
        instance.__dict__.pop("_history_user", None)
    instance._change_reason = reason


class Named(models.Model):
    """Something named in both languages and addressed by a slug in URLs and seed files."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, help_text="Name in Traditional Chinese, as the essay writes it.")
    name_en = models.CharField("English name", max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self):
        return f"{self.name_en} ({self.name})"


class Actor(Named):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GOVERNMENT = "government", "Government or government body"
        PARTY = "party", "Political party"
        ORGANISATION = "organisation", "Organisation"
        COUNTRY = "country", "Country or state"

    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)

    history = HistoricalRecords()

    class Meta(Named.Meta):
        pass

    def get_absolute_url(self):
        return reverse("claims:actor-detail", kwargs={"slug": self.slug})


class Topic(Named):
    history = HistoricalRecords()

    class Meta(Named.Meta):
        pass

    def get_absolute_url(self):
        return reverse("claims:topic-detail", kwargs={"slug": self.slug})


class Track(Named):
    """A named process, such as constitutional amendment, whose progress claims follow."""

    description = models.TextField(blank=True, help_text="What the track follows, in Traditional Chinese.")
    description_en = models.TextField("English description", blank=True)

    history = HistoricalRecords()

    class Meta(Named.Meta):
        pass

    def __str__(self):
        return self.name_en

    def get_absolute_url(self):
        return reverse("claims:track-detail", kwargs={"slug": self.slug})


class Stage(models.Model):
    """One rung of a track's ladder; `position` orders the ladder from 1 upwards."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(help_text="Order on the ladder: 1 is the first stage.")
    slug = models.SlugField()
    name = models.CharField(max_length=200, help_text="Name in Traditional Chinese.")
    name_en = models.CharField("English name", max_length=200)
    description = models.TextField(blank=True, help_text="When a process stands at this stage, in Traditional Chinese.")
    description_en = models.TextField("English description", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["track", "position"]
        constraints = [
            # A ladder has one stage per rung.
            models.UniqueConstraint(fields=["track", "position"], name="stage_unique_position"),
            # The seed file and URLs name stages by slug within their track.
            models.UniqueConstraint(fields=["track", "slug"], name="stage_unique_slug"),
        ]

    def __str__(self):
        return f"{self.track.name_en}: {self.position}. {self.name_en}"


class Source(models.Model):
    """A document that makes claims, with its full text exactly as published."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300, help_text="Title in the original language.")
    title_en = models.CharField("English title", max_length=300)
    author = models.CharField(max_length=200, help_text="Author's name as published.")
    author_en = models.CharField("author in English", max_length=200, blank=True)
    author_affiliation = models.CharField(max_length=300, blank=True)
    author_affiliation_en = models.CharField("author's affiliation in English", max_length=300, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    publisher_en = models.CharField("publisher in English", max_length=300, blank=True)
    url = models.URLField("URL", max_length=500, blank=True, validators=[http_url])
    published_on = models.DateField(null=True, blank=True, help_text="Leave empty when the date is unknown.")
    language = models.CharField(max_length=20, default="zh-Hant", help_text="BCP 47 tag of the text, e.g. zh-Hant.")
    text = models.TextField(
        help_text="The full text exactly as published. Claims point into it by character offsets, "
        "so an edit that moves or breaks a claim's quote is refused."
    )
    content_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the text.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title_en"]

    def __str__(self):
        return self.title_en or self.title

    def get_absolute_url(self):
        return reverse("claims:source-detail", kwargs={"slug": self.slug})

    def broken_anchors(self):
        """Messages for each saved claim whose quote no longer sits at its offsets in `text`."""
        if self._state.adding:
            return []
        return [
            f"C{number}: the text at {start}–{end} would no longer read {quote!r}"
            for number, quote, start, end in self.claims.values_list("number", "quote", "start", "end")
            if self.text[start:end] != quote
        ]

    def clean(self):
        broken = self.broken_anchors()
        if broken:
            raise ValidationError({"text": broken})

    def save(self, *args, **kwargs):
        broken = self.broken_anchors()
        if broken:
            raise ValidationError({"text": [f"Source {self.slug!r}: {message}" for message in broken]})
        self.content_hash = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)


class ClaimQuerySet(models.QuerySet):
    def public(self):
        """Claims with a public page: published ones, and withdrawn ones with their reason."""
        return self.exclude(state=Claim.State.DRAFT)

    def published(self):
        return self.filter(state=Claim.State.PUBLISHED)

    def due_for_review(self, day):
        """Published claims whose next review falls on or before `day`; never-reviewed ones are due now."""
        return self.published().filter(Q(next_review_on__lte=day) | Q(next_review_on__isnull=True))


class ClaimKind(models.TextChoices):
    ASSERTION = "assertion", _("Assertion")
    ANALYSIS = "analysis", _("Analysis")
    PREDICTION = "prediction", _("Prediction")
    POSITION = "position", _("Position")


class ClaimStatus(models.TextChoices):
    NOT_RATED = "not_rated", _("Not yet rated")
    # The veracity scale, for assertions and analyses.
    ACCURATE = "accurate", _("Accurate")
    MOSTLY_ACCURATE = "mostly_accurate", _("Mostly accurate")
    MIXED = "mixed", _("Mixed")
    INACCURATE = "inaccurate", _("Inaccurate")
    UNVERIFIABLE = "unverifiable", _("Unverifiable")
    # The progress scale, for predictions and positions.
    IN_PROGRESS = "in_progress", _("In progress")
    STALLED = "stalled", _("Stalled")
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTLY_FULFILLED = "partly_fulfilled", _("Partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")
    VOID = "void", _("Void")


# Defined outside Claim so that Claim.Meta's constraints can name them.
VERACITY_SCALE = (
    ClaimStatus.NOT_RATED,
    ClaimStatus.ACCURATE,
    ClaimStatus.MOSTLY_ACCURATE,
    ClaimStatus.MIXED,
    ClaimStatus.INACCURATE,
    ClaimStatus.UNVERIFIABLE,
)
PROGRESS_SCALE = (
    ClaimStatus.NOT_RATED,
    ClaimStatus.IN_PROGRESS,
    ClaimStatus.STALLED,
    ClaimStatus.FULFILLED,
    ClaimStatus.PARTLY_FULFILLED,
    ClaimStatus.NOT_FULFILLED,
    ClaimStatus.VOID,
)
VERACITY_KINDS = (ClaimKind.ASSERTION, ClaimKind.ANALYSIS)
PROGRESS_KINDS = (ClaimKind.PREDICTION, ClaimKind.POSITION)
FINAL_STATUSES = (
    *VERACITY_SCALE[1:],
    ClaimStatus.FULFILLED,
    ClaimStatus.PARTLY_FULFILLED,
    ClaimStatus.NOT_FULFILLED,
    ClaimStatus.VOID,
)

# Published on the methodology page and beside every status badge.
KIND_DEFINITIONS = {
    ClaimKind.ASSERTION: _("A statement of fact: a date, a meeting, an agreement, a number, words someone said."),
    ClaimKind.ANALYSIS: _("An interpretation or causal judgement: why something happened or what it means."),
    ClaimKind.PREDICTION: _("A statement that something will happen, judged against stated resolution criteria by a due date."),
    ClaimKind.POSITION: _("A stance or policy intention attributed to an actor, tracked like a promise."),
}
STATUS_DEFINITIONS = {
    ClaimStatus.NOT_RATED: _("Analysts have not yet judged this claim."),
    ClaimStatus.ACCURATE: _("The claim is correct and leaves out nothing significant."),
    ClaimStatus.MOSTLY_ACCURATE: _("The claim is correct but needs a clarification or additional information."),
    ClaimStatus.MIXED: _("The claim is partly correct and partly wrong, or leaves out context that changes its meaning."),
    ClaimStatus.INACCURATE: _("The claim is wrong."),
    ClaimStatus.UNVERIFIABLE: _("The available evidence can establish neither that the claim is right nor that it is wrong."),
    ClaimStatus.IN_PROGRESS: _("Steps towards the predicted outcome or the stated intention are under way."),
    ClaimStatus.STALLED: _("Nothing has moved for a long time, or the process is blocked."),
    ClaimStatus.FULFILLED: _("The outcome happened as the claim said, meeting its resolution criteria."),
    ClaimStatus.PARTLY_FULFILLED: _("Part of the outcome happened, or it happened in a weaker form."),
    ClaimStatus.NOT_FULFILLED: _("The outcome did not happen by the due date, or can no longer happen."),
    ClaimStatus.VOID: _("A premise fell away (for example, the actor left office), so the claim can no longer be judged."),
}


class Confidence(models.TextChoices):
    """How sure the essay's own wording is that a prediction will come true."""

    NEAR_CERTAIN = "near_certain", _("Near certain")
    LIKELY = "likely", _("Likely")
    TOSS_UP = "toss_up", _("Toss-up")
    UNLIKELY = "unlikely", _("Unlikely")
    REMOTE = "remote", _("Remote")


# Each band's probability and the wording that puts a prediction in it; published on the methodology page.
CONFIDENCE_BANDS = {
    Confidence.NEAR_CERTAIN: (0.9, _("Presented as settled, obvious or already under way: 顯然, 必然, 必將, or taken for granted.")),
    Confidence.LIKELY: (0.75, _("A plain statement about the future: 將, 會, 可望.")),
    Confidence.TOSS_UP: (0.5, _("An explicit possibility: 可能, 或許, 不排除.")),
    Confidence.UNLIKELY: (0.25, _("Doubt about the outcome: 難以, 恐難, 未必.")),
    Confidence.REMOTE: (0.1, _("The outcome is called all but impossible: 不可能, 絕難.")),
}

# How often a claim comes up for review, unless the claim sets its own interval.
REVIEW_INTERVALS = {
    "open_progress": datetime.timedelta(days=90),  # predictions and positions still open
    "unrated_veracity": datetime.timedelta(days=30),  # facts and analyses not yet checked
    "final": datetime.timedelta(days=365),  # a settled status is looked at once a year
}


def end_of_day(day):
    """The last moment of `day` in the site's time zone: what `as_of` views show."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_current_timezone())


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Claim(models.Model):
    Kind = ClaimKind
    Status = ClaimStatus
    State = ClaimState

    SCALES = {
        **{kind: VERACITY_SCALE for kind in VERACITY_KINDS},
        **{kind: PROGRESS_SCALE for kind in PROGRESS_KINDS},
    }

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    number = models.PositiveIntegerField(help_text="Public number within the source: 12 is shown as C12.")
    quote = models.TextField(help_text="The source's exact words, character for character.")
    start = models.PositiveIntegerField(help_text="Offset of the quote's first character in the source text.")
    end = models.PositiveIntegerField(help_text="Offset just past the quote's last character.")
    text_en = models.TextField(
        "English proposition",
        help_text="The claim in English as one checkable proposition, naming its actors and dates.",
    )
    kind = models.CharField(max_length=20, choices=Kind)
    actors = models.ManyToManyField(Actor, blank=True, related_name="claims")
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    state = models.CharField(
        "publication state",
        max_length=20,
        choices=State,
        default=State.DRAFT,
        help_text="Drafts are hidden from the public. Withdrawn claims stay public with the reason.",
    )
    withdrawal_reason = models.TextField(blank=True, help_text="Required when the claim is withdrawn.")
    resolution_criteria = models.TextField(
        blank=True,
        help_text="Required for predictions: what observable outcome, by when, fulfils the claim.",
    )
    event_on = models.DateField(
        "event date",
        null=True,
        blank=True,
        help_text="The date the claim is about, where the essay states or implies one.",
    )
    due_on = models.DateField(
        "due date", null=True, blank=True, help_text="For predictions: the date by which to judge it."
    )
    confidence = models.CharField(
        max_length=20,
        choices=Confidence,
        blank=True,
        help_text="For predictions: how sure the essay's wording is (see the methodology page for the bands).",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days between reviews. Empty: 90 for open predictions and positions, "
        "30 for unrated assertions and analyses, 365 once the status is final.",
    )
    next_review_on = models.DateField("next review", null=True, blank=True, help_text="Empty means due now.")
    last_reviewed_on = models.DateField(
        "last reviewed", null=True, blank=True, help_text="Set by an update or a 'reviewed, unchanged' review."
    )
    review_reason = models.TextField(
        blank=True, help_text="Why the claim needs review before its date, e.g. a claim it depends on changed."
    )
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The process whose progress this claim follows, if any.",
    )
    # Status and stage are written only by Claim.apply_updates().
    status = models.CharField(max_length=20, choices=Status, default=Status.NOT_RATED)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[actors, topics])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["source", "number"]
        constraints = [
            # Readers cite claims as C12 within their source.
            models.UniqueConstraint(fields=["source", "number"], name="claim_unique_number"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="claim_span_not_empty"),
            models.CheckConstraint(
                condition=~Q(state=ClaimState.WITHDRAWN) | ~Q(withdrawal_reason=""),
                name="claim_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClaimKind.PREDICTION) | ~Q(resolution_criteria=""),
                name="claim_prediction_has_criteria",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=VERACITY_KINDS, status__in=VERACITY_SCALE)
                    | Q(kind__in=PROGRESS_KINDS, status__in=PROGRESS_SCALE)
                ),
                name="claim_status_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(stage__isnull=True) | Q(track__isnull=False), name="claim_stage_needs_track"
            ),
        ]
        permissions = [("publish_claim", "Can publish and withdraw claims")]
        indexes = [
            # Claim.objects.due_for_review(today): published claims by next review date.
            models.Index(fields=["state", "next_review_on"], name="claim_review_queue"),
        ]

    def __str__(self):
        return f"{self.label}: {self.text_en[:80]}"

    def get_absolute_url(self):
        return reverse("claims:claim-detail", kwargs={"source": self.source.slug, "number": self.number})

    @property
    def label(self):
        return f"C{self.number}"

    @property
    def status_definition(self):
        return STATUS_DEFINITIONS[self.status]

    @property
    def kind_definition(self):
        return KIND_DEFINITIONS[self.kind]

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES

    @classmethod
    def public_as_of(cls, moment):
        """Public claims as they stood at `moment`, rebuilt from the audit history."""
        return cls.history.as_of(moment).exclude(state=ClaimState.DRAFT).order_by("source_id", "number")

    def statuses(self):
        """The statuses this claim's kind may take."""
        return self.SCALES.get(self.kind, ())

    def anchor_errors(self):
        """Why the quote does not sit at its offsets in the source text, as {field: message}."""
        if self.source_id is None or self.start is None or self.end is None:
            return {}
        found = self.source.text[self.start : self.end]
        if found != self.quote:
            return {
                "quote": f"{self.label}: the source text at {self.start}–{self.end} reads "
                f"{found!r}, not the quote {self.quote!r}."
            }
        return {}

    def stage_errors(self):
        # Reported on `track`, the field an editor changes; the stage moves only by an update.
        if self.stage_id is not None and self.stage.track_id != self.track_id:
            return {"track": f"{self.label}: the claim stands at stage {self.stage}, which is not on track {self.track}."}
        return {}

    def clean(self):
        errors = {**self.anchor_errors(), **self.stage_errors()}
        if self.kind and self.status not in self.statuses():
            errors["kind"] = (
                f"{self.label}: its status {self.get_status_display()} does not belong to a {self.kind}; "
                "record an update that sets a fitting status first."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # The anchor and the track are checked on every save, whatever the path.
        errors = {**self.anchor_errors(), **self.stage_errors()}
        if self.moved_without_update():
            errors["status"] = f"{self.label}: status and stage change only by recording an update."
        if errors:
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    def moved_without_update(self):
        """True when status or stage differ from what is stored, other than by apply_updates()."""
        if getattr(self, "_applying_updates", False):
            return False
        if self._state.adding:
            return self.status != ClaimStatus.NOT_RATED or self.stage_id is not None
        stored = Claim.objects.filter(pk=self.pk).values_list("status", "stage_id").first()
        return stored is not None and stored != (self.status, self.stage_id)

    def anchor_to(self, quote, occurrence=1):
        """Set quote, start and end from the n-th occurrence of `quote` in the source text."""
        start = -1
        for _occurrence in range(occurrence):
            start = self.source.text.find(quote, start + 1)
            if start == -1:
                raise ValidationError({"quote": f"{self.label}: occurrence {occurrence} of {quote!r} is not in the source text."})
        self.quote, self.start, self.end = quote, start, start + len(quote)

    def timeline(self, updates):
        """`updates` of this claim in the order they took effect, each with where it moved the claim from and to.

        A corrected update is listed, marked, but moves nothing; its correction does.
        """
        corrected = {update.corrects_id for update in updates if update.corrects_id}
        status, stage = self.Status.NOT_RATED, None
        entries = []
        for update in sorted(updates, key=lambda update: (update.effective_on, update.recorded, update.pk)):
            entry = TimelineEntry(update=update, is_corrected=update.pk in corrected, status_before=status, stage_before=stage)
            if not entry.is_corrected:
                status, stage = update.status or status, update.stage or stage
            entry.status_after, entry.stage_after = status, stage
            entries.append(entry)
        return entries

    def public_relations(self):
        """Relations to and from this claim whose other end is public."""
        return (
            ClaimRelation.objects.filter(Q(from_claim_id=self.pk) | Q(to_claim_id=self.pk))
            .exclude(from_claim__state=ClaimState.DRAFT)
            .exclude(to_claim__state=ClaimState.DRAFT)
            .select_related("from_claim__source", "to_claim__source")
        )

    def reviewed_since(self, updates):
        """True when the last review came after the latest of `updates`: reviewed, unchanged."""
        latest = max((timezone.localdate(update.recorded) for update in updates), default=datetime.date.min)
        return self.last_reviewed_on is not None and self.last_reviewed_on > latest

    def ladder(self, timeline):
        """The stages of the claim's track, each with the date the claim reached it (from `timeline`)."""
        if self.track is None:
            return []
        reached = {}
        for entry in timeline:
            if entry.stage_changed and not entry.is_corrected:
                reached.setdefault(entry.stage_after.pk, entry.update.effective_on)
        return [
            {
                "stage": stage,
                "reached_on": reached.get(stage.pk),
                "is_current": stage.pk == self.stage_id,
                "is_passed": self.stage is not None and stage.position < self.stage.position,
            }
            for stage in self.track.stages.all()
        ]

    def live_updates(self):
        """Updates that stand, in the order they took effect; corrected ones are left out."""
        return self.updates.filter(correction__isnull=True).order_by("effective_on", "recorded", "pk")

    def review_interval(self):
        if self.review_interval_days:
            return datetime.timedelta(days=self.review_interval_days)
        if self.is_final:
            return REVIEW_INTERVALS["final"]
        if self.kind in PROGRESS_KINDS:
            return REVIEW_INTERVALS["open_progress"]
        return REVIEW_INTERVALS["unrated_veracity"]

    def apply_updates(self, user=None, reason="", reviewed_on=None):
        """Set status and stage from the updates that stand, count it as a review, and save.

        Call it with the claim's row locked (Update.save does): it reads the stored
        status and writes only the fields it owns. When the status changed, claims
        that depend on this one are flagged for review.
        """
        before = Claim.objects.filter(pk=self.pk).values_list("status", flat=True).get()
        timeline = self.timeline(list(self.updates.select_related("stage")))
        latest = timeline[-1] if timeline else None
        self.status = latest.status_after if latest else self.Status.NOT_RATED
        self.stage = latest.stage_after if latest else None
        self.set_reviewed(reviewed_on or timezone.localdate())
        stamp(self, user, reason)
        self._applying_updates = True
        try:
            self.save(update_fields=["status", "stage", "last_reviewed_on", "next_review_on", "review_reason", "updated"])
        finally:
            self._applying_updates = False
        if self.status != before:
            self.flag_dependents(before, user)
        return self.status != before

    def set_reviewed(self, day):
        self.last_reviewed_on = day
        self.next_review_on = day + self.review_interval()
        self.review_reason = ""

    def mark_reviewed(self, user=None, day=None, note=""):
        """A review that leaves the claim as it is: a dated 'reviewed, unchanged' stamp."""
        self.set_reviewed(day or timezone.localdate())
        stamp(self, user, f"Reviewed, unchanged. {note}".strip())
        self.save(update_fields=["last_reviewed_on", "next_review_on", "review_reason", "updated"])

    def flag_dependents(self, before, user=None):
        """Mark every claim that depends on this one for review now, saying why."""
        today = timezone.localdate()
        with translation.override("en"):  # stored for analysts, whatever language the request was in
            reason = f"{self.label} changed from {ClaimStatus(before).label} to {self.get_status_display()} on {today.isoformat()}."
        dependents = Claim.objects.filter(
            relations__to_claim=self, relations__kind=ClaimRelation.Kind.DEPENDS_ON
        ).exclude(state=ClaimState.WITHDRAWN)
        flagged = []
        for dependent in dependents:
            dependent.next_review_on = today
            dependent.review_reason = reason
            stamp(dependent, user, f"Flagged for review: {reason}")
            dependent.save(update_fields=["next_review_on", "review_reason", "updated"])
            flagged.append(dependent)
        dependents_flagged.send(sender=Claim, claim=self, dependents=flagged, reason=reason, user=user)
        return flagged

    def publish(self, user=None, reason="Published"):
        if self.state == self.State.PUBLISHED:
            return False
        self.state, self.withdrawal_reason = self.State.PUBLISHED, ""
        stamp(self, user, reason)
        self.save()
        return True

    def withdraw(self, reason, user=None):
        if not reason.strip():
            raise ValidationError({"withdrawal_reason": f"{self.label}: a withdrawal needs a reason."})
        self.state, self.withdrawal_reason = self.State.WITHDRAWN, reason
        stamp(self, user, f"Withdrawn: {reason}")
        self.save()


class ClaimRelation(models.Model):
    """How one claim bears on another: C40 depends on C12 when C40 falls if C12 is false."""

    class Kind(models.TextChoices):
        DEPENDS_ON = "depends_on", _("depends on")
        SUPPORTS = "supports", _("supports")
        CONTRADICTS = "contradicts", _("contradicts")

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations")
    to_claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="inbound_relations")
    kind = models.CharField(max_length=20, choices=Kind)
    note = models.TextField(blank=True, help_text="Why the claims are related, if it is not obvious.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["from_claim", "kind", "to_claim"]
        constraints = [
            # One relation of each kind between two claims.
            models.UniqueConstraint(fields=["from_claim", "to_claim", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(from_claim=models.F("to_claim")), name="relation_not_to_itself"),
        ]

    def __str__(self):
        return f"{self.from_claim.label} {self.get_kind_display()} {self.to_claim.label}"


@dataclass
class TimelineEntry:
    update: "Update"
    is_corrected: bool
    status_before: str
    stage_before: Stage | None
    status_after: str = ""
    stage_after: Stage | None = None

    @property
    def status_changed(self):
        return self.status_after != self.status_before

    @property
    def stage_changed(self):
        return self.stage_after != self.stage_before

    def get_status_before_display(self):
        return ClaimStatus(self.status_before).label

    def get_status_after_display(self):
        return ClaimStatus(self.status_after).label


class Evidence(models.Model):
    class Bearing(models.TextChoices):
        SUPPORTS = "supports", _("Supports the claim")
        CONTRADICTS = "contradicts", _("Contradicts the claim")
        CONTEXT = "context", _("Context")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence")
    url = models.URLField("URL", max_length=500, validators=[http_url])
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    retrieved_on = models.DateField(default=timezone.localdate, help_text="When an analyst last read it.")
    archive_url = models.URLField(
        "archive URL", max_length=500, blank=True, validators=[http_url], help_text="A snapshot, in case the page changes."
    )
    excerpt = models.TextField(blank=True, help_text="The passage that matters, or a note on it.")
    bearing = models.CharField(max_length=20, choices=Bearing, default=Bearing.CONTEXT)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "-published_on", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="evidence_url_is_http",
            ),
            models.CheckConstraint(
                condition=Q(archive_url="") | Q(archive_url__startswith="http://") | Q(archive_url__startswith="https://"),
                name="evidence_archive_url_is_http",
            ),
        ]

    def __str__(self):
        return self.title

    def delete(self, *args, **kwargs):
        # An update's evidence is part of the public record.
        if self.pk and self.updates.exists():
            raise ValidationError(f"Evidence {self.pk} backs a recorded update of {self.claim.label}; it cannot be deleted.")
        return super().delete(*args, **kwargs)


class Update(models.Model):
    """A dated, reasoned change of a claim's status, stage or both: the only way either changes.

    Updates are append-only. A mistaken one is put right by a correction, a new
    update that names it in `corrects`; the corrected update stays on record.
    """

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(
        "new status", max_length=20, choices=ClaimStatus, blank=True, help_text="Leave empty to keep the status."
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name="new stage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        help_text="Leave empty to keep the stage.",
    )
    effective_on = models.DateField(
        "effective date", default=timezone.localdate, help_text="When the change happened in the world."
    )
    rationale = models.TextField(help_text="Why the claim now stands here. Shown on the public timeline.")
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="updates")
    recorded = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="claim_updates"
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        help_text="The earlier update this one puts right; it stays on the record, marked corrected.",
    )

    history = HistoricalRecords(m2m_fields=[evidence])

    class Meta:
        ordering = ["claim", "effective_on", "recorded"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="update_has_rationale"),
            models.CheckConstraint(
                condition=~Q(status="") | Q(stage__isnull=False), name="update_changes_something"
            ),
        ]

    def __str__(self):
        return f"{self.claim.label} on {self.effective_on}: {self.get_status_display() or self.stage}"

    def errors(self):
        errors = {}
        claim = self.claim
        if self.status and self.status not in claim.statuses():
            errors["status"] = f"{claim.label}: status {self.status!r} does not belong to a {claim.kind}."
        if self.stage_id is not None and self.stage.track_id != claim.track_id:
            errors["stage"] = f"{claim.label}: stage {self.stage} is not on the claim's track."
        if not self.status and self.stage_id is None:
            errors["status"] = f"{claim.label}: an update must set a new status, a new stage, or both."
        if not self.rationale.strip():
            errors["rationale"] = f"{claim.label}: an update needs a rationale."
        if self.corrects_id is not None and self.corrects.claim_id != self.claim_id:
            errors["corrects"] = f"{claim.label}: a correction must correct an update of the same claim."
        elif self.corrects_id is not None and Update.objects.filter(corrects=self.corrects_id).exclude(pk=self.pk).exists():
            errors["corrects"] = f"{claim.label}: update {self.corrects_id} is corrected already; correct the correction."
        return errors

    def clean(self):
        if self.claim_id is not None and (errors := self.errors()):
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"Update {self.pk} of {self.claim.label} is on the record: record a correction instead.")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(
                f"Update {self.pk} of {self.claim.label} is on the record: record a correction instead of editing it."
            )
        if errors := self.errors():
            raise ValidationError(errors)
        with transaction.atomic():
            # One update of a claim at a time: a second waits here until the first is applied.
            Claim.objects.select_for_update().filter(pk=self.claim_id).values_list("pk").get()
            super().save(*args, **kwargs)
            self.claim.apply_updates(user=self.recorded_by, reason=f"Update {self.pk}: {self.rationale}")
