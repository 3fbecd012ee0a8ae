"""What an essay claims, how each claim stands, and the record of how that changed.

A claim's status and stage change only through an `Update`: saving an update
applies it to its claim in the same transaction, so the claim always shows
what its uncorrected updates say, and django-simple-history records each step.
"""

import datetime
import hashlib
import operator
import re
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import InterfaceError, OperationalError, connections, models, router, transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Sent after a status change flagged the claims that depend on it: (claim, dependents, reason).
dependents_flagged = Signal()
# Sent after an update was recorded and applied to its claim: (claim, update, by).
update_recorded = Signal()

http_url = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")


class Revision(models.Model):
    """One row counting the writes to the tracker's data: public pages derive their ETag and their
    cache key from it, so a conditional request is answered without rendering and a write is seen
    at once. On PostgreSQL without a replica each web process hears the new number from a notice
    (claims/revision_listener.py); elsewhere a public request reads it with one small query.

    Every save, deletion and many-to-many change of the claims' and analysts' models, and of
    accounts, moves it on just after its transaction commits (bump_revision, claims/apps.py). It
    moves after the commit, not inside the transaction: a writer never waits for another on this
    row, and a page read after the move sees the committed data (one read between the commit and
    the move is cached under the old number, which no request asks for once the number moved).
    """

    number = models.BigIntegerField(default=0)
    changed = models.DateTimeField(auto_now=True)

    # PostgreSQL's notification channel for a new number (claims/revision_listener.py).
    CHANNEL = "claims_revision"

    @classmethod
    def current(cls):
        """The revision number, read with plain SQL: every public request asks, and the ORM would spend longer
        building the query than running it.

        On a kept connection whose health check is due (CONN_HEALTH_CHECKS), this query is the check: Django would
        send `SELECT 1` first, a second round trip on every public request. If the kept connection has died, the
        query fails, the connection is closed and the query runs once more on a new one, as after a failed check.
        """
        connection = connections[router.db_for_read(cls)]
        checks = (
            connection.connection is not None
            and connection.health_check_enabled
            and not connection.health_check_done
            and not connection.in_atomic_block
        )
        if checks:
            connection.health_check_done = True
            try:
                return cls._read(connection)
            except (OperationalError, InterfaceError):
                if not connection.connection.broken:
                    raise  # the connection is sound (a statement timeout, say): no second try
                connection.close()
        return cls._read(connection)

    @classmethod
    def _read(cls, connection):
        with connection.cursor() as cursor:
            cursor.execute(cls.number_sql())
            row = cursor.fetchone()
        return row[0] if row else 0

    @classmethod
    def number_sql(cls):
        """The query of the number, for any cursor: Django's here, the listener's own connection (revision_listener.py)."""
        return f"SELECT number FROM {cls._meta.db_table} WHERE id = 1"

    @classmethod
    def bump(cls):
        """Move the number on; on PostgreSQL, tell the processes listening (claims/revision_listener.py) the new
        number, a notice that PostgreSQL delivers once this transaction commits."""
        connection = connections[router.db_for_write(cls)]
        with transaction.atomic(using=connection.alias):
            if not cls.objects.filter(pk=1).update(number=models.F("number") + 1, changed=timezone.now()):
                cls.objects.get_or_create(pk=1, defaults={"number": 1})
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT pg_notify(%s, number::text) FROM {cls._meta.db_table} WHERE id = 1", [cls.CHANNEL])


def bump_revision(**kwargs):
    """Signal receiver: move the Revision on once the current transaction commits (once per transaction)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(function == Revision.bump for _, function, _ in connection.run_on_commit):
        return
    transaction.on_commit(Revision.bump)


# The seed loader's account: the seed files' records and updates are written as this account.
SEED_ACCOUNT = "seed"


def command_account(username, display_name):
    """The account a management command's history rows name: inactive, with no password."""
    account, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": display_name, "is_active": False}
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account


def is_seed_account(user):
    return user is not None and user.get_username() == SEED_ACCOUNT


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


@receiver(pre_save)
def keep_loaded_history(sender, instance, raw=False, **kwargs):
    """A record that `loaddata` restores brings its history rows along, so restoring it must write none.

    simple-history skips a raw save but not the many-to-many sets that follow it; the
    flag it honours for both is set on the very instance that the fixture loader saves and fills.
    """
    if raw and hasattr(sender._meta, "simple_history_manager_attribute"):
        instance.skip_history_when_saving = True


def comparable(field, value):
    """`value` of `field` in a form that compares across forms, records and history rows.

    A relation compares by primary key, a many-to-many field as a set of keys.
    """
    if field.many_to_many:
        return {getattr(item, "pk", item) for item in value or ()}
    if field.is_relation:
        return getattr(value, "pk", value)
    return value


def shown(field, value):
    """A comparable value of `field` as a person reads it in a conflict report."""
    if value in (None, "", set()):
        return "(empty)"
    if field.many_to_many or field.is_relation:
        keys = value if field.many_to_many else {value}
        found = field.related_model._default_manager.in_bulk(keys)
        return ", ".join(sorted(str(found.get(key, f"#{key} (deleted)")) for key in keys))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def in_reader_language(obj, field):
    """An English-first field in the reader's language: (text, lang), lang set only when it is a fallback.

    The English is `<field>_en` where the model has one (text_en), else `<field>`; the Chinese is `<field>_zh_hant`.
    """
    english = getattr(obj, f"{field}_en", None)
    if english is None:
        english = getattr(obj, field)
    chinese = getattr(obj, f"{field}_zh_hant", "")
    if translation.get_language() == "en":
        return (english, None) if english or not chinese else (chinese, "zh-Hant")
    return (chinese, None) if chinese or not english else (english, "en")


@dataclass
class FieldChange:
    """One field changed by someone else after the version an edit started from."""

    field: models.Field
    before: object
    after: object
    by: object  # the account that made the change, or None when unknown
    on: datetime.datetime

    @property
    def name(self):
        return self.field.name

    def __str__(self):
        who = getattr(self.by, "public_name", None) or str(self.by or "someone")
        return (
            f"{self.field.verbose_name}: {who} changed it on {timezone.localtime(self.on):%Y-%m-%d %H:%M %Z} "
            f"from {shown(self.field, self.before)!r} to {shown(self.field, self.after)!r}"
        )


class EditConflict(ValidationError):
    """An edit started from a version of a record that others have changed since, in the same fields."""

    def __init__(self, instance, base_version, changes):
        self.instance, self.base_version, self.changes = instance, base_version, changes
        lines = [str(change) for change in changes] or ["what changed is not in its history"]
        super().__init__(
            f"{instance} was changed by someone else after version {base_version} was opened: " + "; ".join(lines)
        )


class Versioned(models.Model):
    """A record edited only through `edit()`, which refuses to overwrite a change it did not see.

    `version` goes up with every write and is copied into each history row, so an
    edit made from version n can be told, field by field, what changed since n.
    """

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Goes up by one with every saved change; edits name the version they started from."),
    )

    # Fields that edit() leaves to the named methods that own them.
    owned_elsewhere = frozenset()

    class Meta:
        abstract = True

    def tracked_field(self, name):
        return self._meta.get_field(name)

    def is_in_history(self, name):
        """False for a field the audit history leaves out, whose changes cannot be told apart."""
        history = self.history.model
        tracked = history._history_m2m_fields if self.tracked_field(name).many_to_many else history._meta.fields
        return any(field.name == name for field in tracked)

    def current_values(self, names):
        """The stored values of `names`, comparable with those of history rows and forms."""
        values = {}
        for name in names:
            field = self.tracked_field(name)
            if field.many_to_many:
                values[name] = set(getattr(self, name).values_list("pk", flat=True))
            else:
                values[name] = getattr(self, field.attname)
        return values

    def history_rows_since(self, base_version):
        """The history row of `base_version` followed by every later one, oldest first; None without one."""
        base = self.history.filter(version__lte=base_version).order_by("-history_id").first()
        if base is None:
            return None
        return [base, *self.history.filter(history_id__gt=base.history_id).select_related("history_user").order_by("history_id")]

    def changes_since(self, base_version, names):
        """What happened to `names` after `base_version`, as one FieldChange per field (first before, last after).

        None when the history does not reach back to `base_version`.
        """
        rows = self.history_rows_since(base_version)
        if rows is None:
            return None
        changes = {}
        previous = history_values(rows[0], self, names)
        for row in rows[1:]:
            current = history_values(row, self, names)
            for name in current:
                if current[name] != previous[name]:
                    change = changes.get(name)
                    before = change.before if change else previous[name]
                    changes[name] = FieldChange(self.tracked_field(name), before, current[name], row.history_user, row.history_date)
            previous = current
        return [change for change in changes.values() if change.before != change.after]

    def values_at(self, base_version, names):
        rows = self.history_rows_since(base_version)
        return None if rows is None else history_values(rows[0], self, names)

    def edit_errors(self, stored, changes):
        """Rules an edit must keep beyond the model's own validation, as {field: message}."""
        return {}

    def edit(self, changes, *, by=None, reason="", base_version=None):
        """Write `changes` ({field name: value}) and nothing else, in one transaction with the row locked.

        With `base_version`, the edit is refused with EditConflict when a field it
        changes was changed by someone else since that version; changes to other
        fields are kept (merged). Leaves one history row naming `by` and `reason`.
        Returns False, writing nothing, when `changes` change nothing.
        """
        refused = set(changes) & self.owned_elsewhere
        if refused:
            raise ValueError(f"{self}: {', '.join(sorted(refused))} are not changed by edit(); use the method that owns them.")
        model = type(self)
        with transaction.atomic():
            stored = model._default_manager.select_for_update(of=("self",)).get(pk=self.pk)
            if base_version is not None and stored.version != base_version:
                theirs = stored.changes_since(base_version, list(changes))
                clashes = None if theirs is None else [
                    change for change in theirs
                    if comparable(change.field, changes[change.name]) != change.after
                ]  # fmt: skip
                if clashes is None or clashes:
                    raise EditConflict(stored, base_version, clashes or [])
            stored_values = stored.current_values(changes)
            changes = {
                name: value for name, value in changes.items()
                if comparable(self.tracked_field(name), value) != stored_values[name]
            }  # fmt: skip
            # Start from what is stored, so that fields this edit does not own keep their latest values.
            for field in self._meta.concrete_fields:
                setattr(self, field.attname, getattr(stored, field.attname))
            if not changes:
                return False
            many = {name: value for name, value in changes.items() if self.tracked_field(name).many_to_many}
            plain = {name: value for name, value in changes.items() if name not in many}
            for name, value in plain.items():
                setattr(self, name, value)
            errors = self.edit_errors(stored, changes)
            try:
                self.full_clean(exclude=[f.name for f in self._meta.fields if f.name not in plain], validate_unique=False)
            except ValidationError as error:
                errors = {**error.update_error_dict({}), **errors}
            if errors:
                raise ValidationError(errors)
            self.version = stored.version + 1
            self.skip_history_when_saving = True
            try:
                for name, value in many.items():
                    getattr(self, name).set(value)
            finally:
                del self.skip_history_when_saving
            stamp(self, by, reason)
            self.save(update_fields=[*plain, *self.version_fields()])
        return True

    def save_version(self, fields, by=None, reason=""):
        """Save `fields` that a named method has just set, as the next version, with one history row.

        The caller loaded the record with its row locked, so its version is the stored one.
        """
        self.version += 1
        stamp(self, by, reason)
        self.save(update_fields=[*fields, *self.version_fields()])

    def version_fields(self):
        """The fields every write saves besides its own: the version, and the `updated` stamp where there is one."""
        return ["version"] + [field.name for field in self._meta.fields if field.name == "updated"]


def history_values(row, instance, names):
    """The values of `names` in one history row, comparable with Versioned.current_values().

    Fields the history leaves out (a password hash) are left out here too.
    """
    values = {}
    for name in names:
        if not instance.is_in_history(name):
            continue
        field = instance.tracked_field(name)
        if field.many_to_many:
            values[name] = {getattr(through, f"{field.m2m_reverse_field_name()}_id") for through in getattr(row, name).all()}
        else:
            values[name] = getattr(row, field.attname)
    return values


class Named(Versioned):
    """Something named in both languages and addressed by a slug in URLs and seed files."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("Name in Traditional Chinese, as the essay writes it.")
    )
    name_en = models.CharField(_("English name"), max_length=200)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self):
        return f"{self.name_en} ({self.name})"


class Actor(Named):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        GOVERNMENT = "government", _("Government or government body")
        PARTY = "party", _("Political party")
        ORGANISATION = "organisation", _("Organisation")
        COUNTRY = "country", _("Country or state")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.PERSON)

    history = HistoricalRecords()

    class Meta(Named.Meta):
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def get_absolute_url(self):
        return reverse("claims:actor-detail", kwargs={"slug": self.slug})


class Topic(Named):
    history = HistoricalRecords()

    class Meta(Named.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def get_absolute_url(self):
        return reverse("claims:topic-detail", kwargs={"slug": self.slug})


class Track(Named):
    """A named process, such as constitutional amendment, whose progress claims follow."""

    description = models.TextField(
        _("description"), blank=True, help_text=_("What the track follows, in Traditional Chinese.")
    )
    description_en = models.TextField(_("English description"), blank=True)

    history = HistoricalRecords()

    class Meta(Named.Meta):
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self):
        return self.name_en

    def get_absolute_url(self):
        return reverse("claims:track-detail", kwargs={"slug": self.slug})


class Stage(Versioned):
    """One rung of a track's ladder; `position` orders the ladder from 1 upwards."""

    track = models.ForeignKey(Track, verbose_name=_("track"), on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Order on the ladder: 1 is the first stage.")
    )
    slug = models.SlugField(_("slug"))
    name = models.CharField(_("name"), max_length=200, help_text=_("Name in Traditional Chinese."))
    name_en = models.CharField(_("English name"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("When a process stands at this stage, in Traditional Chinese.")
    )
    description_en = models.TextField(_("English description"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["track", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            # A ladder has one stage per rung.
            models.UniqueConstraint(fields=["track", "position"], name="stage_unique_position"),
            # The seed file and URLs name stages by slug within their track.
            models.UniqueConstraint(fields=["track", "slug"], name="stage_unique_slug"),
        ]

    def __str__(self):
        return f"{self.track.name_en}: {self.position}. {self.name_en}"


class Source(Versioned):
    """A document that makes claims, with its full text exactly as published."""

    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=300, help_text=_("Title in the original language."))
    title_en = models.CharField(_("English title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, help_text=_("Author's name as published."))
    author_en = models.CharField(_("author in English"), max_length=200, blank=True)
    author_affiliation = models.CharField(_("author affiliation"), max_length=300, blank=True)
    author_affiliation_en = models.CharField(_("author's affiliation in English"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    publisher_en = models.CharField(_("publisher in English"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True, validators=[http_url])
    published_on = models.DateField(
        _("published on"), null=True, blank=True, help_text=_("Leave empty when the date is unknown.")
    )
    language = models.CharField(
        _("language"), max_length=20, default="zh-Hant", help_text=_("BCP 47 tag of the text, e.g. zh-Hant.")
    )
    text = models.TextField(
        _("text"),
        help_text=_(
            "The full text exactly as published. Claims point into it by character offsets, so an edit that moves or breaks a claim's quote is refused."
        ),
    )
    content_hash = models.CharField(
        _("content hash"), max_length=64, editable=False, help_text=_("SHA-256 of the text.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title_en"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

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
            raise ValidationError({"text": [f"Source {self.slug!r}: {message}" for message in broken]})

    def edit(self, changes, **kwargs):
        if "text" in changes:
            changes = {**changes, "content_hash": text_hash(changes["text"])}
        return super().edit(changes, **kwargs)

    def save(self, *args, **kwargs):
        # The hash is derived from the text; it is computed here so that no path can store a stale one.
        self.content_hash = text_hash(self.text)
        super().save(*args, **kwargs)


def text_hash(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# A search word that names a claim: C87, c87 or 87 (at most nine digits, which any database column holds).
CLAIM_NUMBER = re.compile(r"[Cc]?([0-9]{1,9})")
SEARCH_WORDS = 10  # words past the tenth are ignored, which keeps a pasted paragraph's query small


class ClaimQuerySet(models.QuerySet):
    def public(self):
        """Claims with a public page: published ones, and withdrawn ones with their reason."""
        return self.exclude(state=Claim.State.DRAFT)

    def published(self):
        return self.filter(state=Claim.State.PUBLISHED)

    def due_for_review(self, day):
        """Published claims whose next review falls on or before `day`; never-reviewed ones are due now."""
        return self.published().filter(Q(next_review_on__lte=day) | Q(next_review_on__isnull=True))

    def search(self, query):
        return self.filter(Claim.matching(query))

    def due_by(self, day):
        """Open predictions and positions due on or before `day`, the earliest first."""
        open_statuses = [status for status in Scale.PROGRESS.statuses if not ClaimStatus(status).is_final]
        return self.filter(kind__in=Scale.PROGRESS.kinds, due_on__lte=day, status__in=open_statuses).order_by("due_on", "pk")

    def tally(self):
        """{(source id, kind, status, confidence): number of claims}, counted by the database in one query."""
        rows = self.order_by().values("source_id", "kind", "status", "confidence").annotate(number=models.Count("pk"))
        return {(row["source_id"], row["kind"], row["status"], row["confidence"]): row["number"] for row in rows}


class Scale(models.TextChoices):
    """The two scales a claim is rated on; its kind decides which."""

    VERACITY = "veracity"  # is it true? for assertions and analyses
    PROGRESS = "progress"  # did it happen? for predictions and positions

    @property
    def kinds(self):
        return tuple(kind for kind in ClaimKind if kind.scale == self)

    @property
    def statuses(self):
        """The statuses a claim on this scale may take, in the order pages list them: not rated first."""
        return tuple(status for status in ClaimStatus if status.scale in (None, self))

    @property
    def final_statuses(self):
        """The statuses that settle a claim on this scale; the scorecard counts each in a column."""
        return tuple(status for status in self.statuses if status.is_final)

    @property
    def best_rating(self):
        return max(status.rating for status in self.statuses if status.rating is not None)


class ClaimKind(models.TextChoices):
    ASSERTION = "assertion", _("Assertion")
    ANALYSIS = "analysis", _("Analysis")
    PREDICTION = "prediction", _("Prediction")
    POSITION = "position", _("Position")

    # Each kind's terms are in KIND_TERMS, below.
    @property
    def scale(self):
        return KIND_TERMS[self].scale

    @property
    def definition(self):
        return KIND_TERMS[self].definition


@dataclass(frozen=True)
class KindTerms:
    scale: Scale
    definition: str  # published on the methodology page and on each claim's page


KIND_TERMS = {
    ClaimKind.ASSERTION: KindTerms(
        Scale.VERACITY, _("A statement of fact: a date, a meeting, an agreement, a number, words someone said.")
    ),
    ClaimKind.ANALYSIS: KindTerms(
        Scale.VERACITY, _("An interpretation or causal judgement: why something happened or what it means.")
    ),
    ClaimKind.PREDICTION: KindTerms(
        Scale.PROGRESS,
        _("A statement that something will happen, judged against stated resolution criteria by a due date."),
    ),
    ClaimKind.POSITION: KindTerms(
        Scale.PROGRESS, _("A stance or policy intention attributed to an actor, tracked like a promise.")
    ),
}


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

    # Each status's terms are in STATUS_TERMS, below.
    @property
    def scale(self):
        return STATUS_TERMS[self].scale

    @property
    def definition(self):
        return STATUS_TERMS[self].definition

    @property
    def is_final(self):
        return STATUS_TERMS[self].is_final

    @property
    def rating(self):
        return STATUS_TERMS[self].rating

    @property
    def is_verdict(self):
        """A fact-check verdict with a place on its scale: what a ClaimReview may publish.

        Progress statuses say whether a promise or prediction came true, which is no fact check,
        and unverifiable has no place between accurate and inaccurate.
        """
        return self.scale == Scale.VERACITY and self.rating is not None

    @property
    def outcome(self):
        return STATUS_TERMS[self].outcome


@dataclass(frozen=True)
class StatusTerms:
    scale: Scale | None  # None: not yet rated, where both scales start
    definition: str  # published on the methodology page and beside every status badge
    is_final: bool = False  # settles the claim: reviewed yearly, counted in a scorecard column
    # ClaimReview's ordinal rating, worst first at 1. Statuses off the line (unverifiable,
    # in progress, stalled, void) are neither better nor worse than the others: None.
    rating: int | None = None
    outcome: float | None = None  # what a resolved prediction scores against its confidence (Brier)


STATUS_TERMS = {
    ClaimStatus.NOT_RATED: StatusTerms(None, _("Analysts have not yet judged this claim.")),
    ClaimStatus.ACCURATE: StatusTerms(
        Scale.VERACITY, _("The claim is correct and leaves out nothing significant."), is_final=True, rating=4
    ),
    ClaimStatus.MOSTLY_ACCURATE: StatusTerms(
        Scale.VERACITY,
        _("The claim is correct but needs a clarification or additional information."),
        is_final=True,
        rating=3,
    ),
    ClaimStatus.MIXED: StatusTerms(
        Scale.VERACITY,
        _("The claim is partly correct and partly wrong, or leaves out context that changes its meaning."),
        is_final=True,
        rating=2,
    ),
    ClaimStatus.INACCURATE: StatusTerms(Scale.VERACITY, _("The claim is wrong."), is_final=True, rating=1),
    ClaimStatus.UNVERIFIABLE: StatusTerms(
        Scale.VERACITY,
        _("The available evidence can establish neither that the claim is right nor that it is wrong."),
        is_final=True,
    ),
    ClaimStatus.IN_PROGRESS: StatusTerms(
        Scale.PROGRESS, _("Steps towards the predicted outcome or the stated intention are under way.")
    ),
    ClaimStatus.STALLED: StatusTerms(Scale.PROGRESS, _("Nothing has moved for a long time, or the process is blocked.")),
    ClaimStatus.FULFILLED: StatusTerms(
        Scale.PROGRESS,
        _("The outcome happened as the claim said, meeting its resolution criteria."),
        is_final=True,
        rating=3,
        outcome=1.0,
    ),
    ClaimStatus.PARTLY_FULFILLED: StatusTerms(
        Scale.PROGRESS,
        _("Part of the outcome happened, or it happened in a weaker form."),
        is_final=True,
        rating=2,
        outcome=0.5,
    ),
    ClaimStatus.NOT_FULFILLED: StatusTerms(
        Scale.PROGRESS,
        _("The outcome did not happen by the due date, or can no longer happen."),
        is_final=True,
        rating=1,
        outcome=0.0,
    ),
    ClaimStatus.VOID: StatusTerms(
        Scale.PROGRESS,
        _("A premise fell away (for example, the actor left office), so the claim can no longer be judged."),
        is_final=True,
    ),
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


class Claim(Versioned):
    Kind = ClaimKind
    Status = ClaimStatus
    State = ClaimState

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="claims")
    number = models.PositiveIntegerField(
        _("number"), help_text=_("Public number within the source: 12 is shown as C12.")
    )
    quote = models.TextField(_("quote"), help_text=_("The source's exact words, character for character."))
    start = models.PositiveIntegerField(
        _("start"), help_text=_("Offset of the quote's first character in the source text.")
    )
    end = models.PositiveIntegerField(_("end"), help_text=_("Offset just past the quote's last character."))
    text_en = models.TextField(
        _("English proposition"),
        help_text=_("The claim in English as one checkable proposition, naming its actors and dates."),
    )
    text_zh_hant = models.TextField(
        _("proposition in Traditional Chinese"),
        blank=True,
        help_text=_(
            "The same proposition in Traditional Chinese, saying no more and no less than the English. Required to publish."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    actors = models.ManyToManyField(Actor, verbose_name=_("actors"), blank=True, related_name="claims")
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="claims")
    state = models.CharField(
        _("publication state"),
        max_length=20,
        choices=State,
        default=State.DRAFT,
        help_text=_("Drafts are hidden from the public. Withdrawn claims stay public with the reason."),
    )
    withdrawal_reason = models.TextField(
        _("withdrawal reason"), blank=True, help_text=_("Required when the claim is withdrawn.")
    )
    withdrawal_reason_zh_hant = models.TextField(
        _("withdrawal reason in Traditional Chinese"),
        blank=True,
        help_text=_("Shown to Chinese readers; empty shows the English."),
    )
    resolution_criteria = models.TextField(
        _("resolution criteria"),
        blank=True,
        help_text=_("Required for predictions: what observable outcome, by when, fulfils the claim."),
    )
    resolution_criteria_zh_hant = models.TextField(
        _("resolution criteria in Traditional Chinese"),
        blank=True,
        help_text=_("Shown to Chinese readers; empty shows the English."),
    )
    event_on = models.DateField(
        _("event date"),
        null=True,
        blank=True,
        help_text=_("The date the claim is about, where the essay states or implies one."),
    )
    due_on = models.DateField(
        _("due date"), null=True, blank=True, help_text=_("For predictions: the date by which to judge it.")
    )
    confidence = models.CharField(
        _("confidence"),
        max_length=20,
        choices=Confidence,
        blank=True,
        help_text=_("For predictions: how sure the essay's wording is (see the methodology page for the bands)."),
    )
    review_interval_days = models.PositiveSmallIntegerField(
        _("review interval days"),
        null=True,
        blank=True,
        help_text=_(
            "Days between reviews. Empty: 90 for open predictions and positions, 30 for unrated assertions and analyses, 365 once the status is final."
        ),
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True, help_text=_("Empty means due now."))
    last_reviewed_on = models.DateField(
        _("last reviewed"), null=True, blank=True, help_text=_("Set by an update or a 'reviewed, unchanged' review.")
    )
    review_reason = models.TextField(
        _("review reason"),
        blank=True,
        help_text=_("Why the claim needs review before its date, e.g. a claim it depends on changed."),
    )
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text=_("The process whose progress this claim follows, if any."),
    )
    # Status and stage are written only by Claim.record_update().
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NOT_RATED)
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[actors, topics])
    objects = ClaimQuerySet.as_manager()

    # Status and stage move only by record_update(); the review stamp by a review.
    owned_elsewhere = frozenset({"status", "stage", "last_reviewed_on", "review_reason"})

    class Meta:
        # By the source's id, not its own ordering: the unique index (source, number) serves it, with no join.
        ordering = ["source_id", "number"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
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
            # A claim's status is on the scale of its kind.
            models.CheckConstraint(
                condition=reduce(operator.or_, (Q(kind__in=scale.kinds, status__in=scale.statuses) for scale in Scale)),
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
            # Claim.matching() (search) has trigram indexes on quote, text_en and text_zh_hant on PostgreSQL
            # only: migrations 0003_claim_search_trigram and 0004_bilingual_content say why they are not listed here.
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
        return ClaimStatus(self.status).definition

    @property
    def kind_definition(self):
        return ClaimKind(self.kind).definition

    @property
    def is_final(self):
        return ClaimStatus(self.status).is_final

    def is_due_by(self, day):
        """An open prediction or position due on or before `day` (what ClaimQuerySet.due_by() selects)."""
        return self.scale == Scale.PROGRESS and self.due_on is not None and self.due_on <= day and not self.is_final

    @property
    def scale(self):
        """The scale the claim's kind is rated on; None while the kind is unset."""
        return ClaimKind(self.kind).scale if self.kind in ClaimKind.values else None

    @classmethod
    def public_as_of(cls, moment):
        """Public claims as they stood at `moment`, rebuilt from the audit history."""
        return cls.history.as_of(moment).exclude(state=ClaimState.DRAFT).order_by("source_id", "number")

    def made_public(self):
        """When the claim entered the public tracker: its first history row that was not a draft."""
        first = self.history.exclude(state=ClaimState.DRAFT).order_by("history_date", "history_id").first()
        return first.history_date if first else None

    @staticmethod
    def matching(query):
        """The condition for a search: every word must match, as a claim number (C87 or 87) or as
        a case-insensitive substring of the quote, either proposition, a rationale, or an actor's or
        topic's name in either language. Chinese has no spaces, so a Chinese phrase is one word.

        Names and rationales are matched in subqueries on the claim id, so a claim is found once
        however many of them match, and the condition also filters claims rebuilt from history.
        """
        condition = Q()
        for word in query.split()[:SEARCH_WORDS]:
            matches = (
                Q(quote__icontains=word)
                | Q(text_en__icontains=word)
                | Q(text_zh_hant__icontains=word)
                | Q(id__in=Update.objects.filter(
                    Q(rationale__icontains=word) | Q(rationale_zh_hant__icontains=word)
                ).values("claim_id"))
                | Q(id__in=Claim.actors.through.objects.filter(
                    Q(actor__name__icontains=word) | Q(actor__name_en__icontains=word)
                ).values("claim_id"))
                | Q(id__in=Claim.topics.through.objects.filter(
                    Q(topic__name__icontains=word) | Q(topic__name_en__icontains=word)
                ).values("claim_id"))
            )  # fmt: skip
            number = CLAIM_NUMBER.fullmatch(word)
            if number:
                matches |= Q(number=int(number[1]))
            condition &= matches
        return condition

    def statuses(self):
        """The statuses this claim's kind may take."""
        return self.scale.statuses if self.scale else ()

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
        if self.state != ClaimState.DRAFT and not self.text_zh_hant.strip():
            errors["text_zh_hant"] = f"{self.label}: a public claim needs its proposition in Traditional Chinese as well as in English."
        if self.kind and self.status not in self.statuses():
            errors["kind"] = (
                f"{self.label}: its status {self.get_status_display()} does not belong to a {self.kind}; "
                "record an update that sets a fitting status first."
            )
        if errors:
            raise ValidationError(errors)

    def edit_errors(self, stored, changes):
        errors = {}
        if "number" in changes and stored.state != ClaimState.DRAFT:
            errors["number"] = f"{stored.label}: a public claim keeps its number, so that its address and citations stay valid."
        return errors

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
        reached = {}  # stage pk: the update that reached it
        for entry in timeline:
            if entry.stage_changed and not entry.is_corrected:
                reached.setdefault(entry.stage_after.pk, entry.update)
        return [
            {
                "stage": stage,
                "reached_on": reached[stage.pk].effective_on if stage.pk in reached else None,
                "is_baseline": stage.pk in reached and reached[stage.pk].is_baseline,
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
        if self.scale == Scale.PROGRESS:
            return REVIEW_INTERVALS["open_progress"]
        return REVIEW_INTERVALS["unrated_veracity"]

    def record_update(
        self,
        *,
        rationale,
        rationale_zh_hant="",
        status="",
        stage=None,
        effective_on=None,
        evidence=(),
        corrects=None,
        by=None,
        reason=None,
        is_review=True,
        is_baseline=False,
    ):
        """Record a dated, reasoned change of status or stage, and apply it: the only way either changes.

        Runs in one transaction with the claim's row locked, so updates of one claim
        take turns and the claim always shows what its standing updates say. The new
        update and the claim each get one history row. Raises ValidationError, naming
        the claim and the field, when the update does not fit the claim. An update
        counts as a review of the claim unless `is_review` is false (the seed loader's).
        """
        with transaction.atomic():
            claim = Claim.objects.select_for_update(of=("self",)).get(pk=self.pk)
            update = Update(
                claim=claim,
                status=status,
                stage=stage,
                effective_on=effective_on or timezone.localdate(),
                rationale=rationale,
                rationale_zh_hant=rationale_zh_hant,
                corrects=corrects,
                recorded_by=by,
                is_baseline=is_baseline,
            )
            # Checked with the row locked: a second correction of the same update is refused here, not by the database.
            if errors := update.errors():
                raise ValidationError(errors)
            update.record(evidence, by=by, reason=reason or "Recorded")
            claim.apply_updates(by=by, reason=f"Update {update.pk}: {rationale}", is_review=is_review)
            for field in claim._meta.concrete_fields:
                setattr(self, field.attname, getattr(claim, field.attname))
        update_recorded.send(sender=Claim, claim=self, update=update, by=by)
        return update

    def apply_updates(self, by=None, reason="", is_review=True):
        """Set status and stage from the updates that stand, by default counting it as a review (row locked by the caller)."""
        before = self.status
        timeline = self.timeline(list(self.updates.select_related("stage")))
        latest = timeline[-1] if timeline else None
        self.status = latest.status_after if latest else self.Status.NOT_RATED
        self.stage = latest.stage_after if latest else None
        if is_review:
            self.set_reviewed(timezone.localdate())
        self.save_version(["status", "stage", "last_reviewed_on", "next_review_on", "review_reason"], by, reason)
        if self.status != before:
            self.flag_dependents(before, by)
        return self.status != before

    def set_reviewed(self, day):
        self.last_reviewed_on = day
        self.next_review_on = day + self.review_interval()
        self.review_reason = ""

    def mark_reviewed(self, by=None, day=None, note=""):
        """A review that leaves the claim as it is: a dated 'reviewed, unchanged' stamp."""
        with transaction.atomic():
            claim = Claim.objects.select_for_update(of=("self",)).get(pk=self.pk)
            claim.set_reviewed(day or timezone.localdate())
            claim.save_version(["last_reviewed_on", "next_review_on", "review_reason"], by, f"Reviewed, unchanged. {note}".strip())
        self.last_reviewed_on, self.next_review_on, self.review_reason = claim.last_reviewed_on, claim.next_review_on, ""
        self.version = claim.version

    def flag_for_review(self, reason, by=None):
        """Make the claim due for review today, saying why (row locked)."""
        with transaction.atomic():
            claim = Claim.objects.select_for_update(of=("self",)).get(pk=self.pk)
            claim.next_review_on, claim.review_reason = timezone.localdate(), reason
            claim.save_version(["next_review_on", "review_reason"], by, f"Flagged for review: {reason}")
        return claim

    def flag_dependents(self, before, by=None):
        """Mark every claim that depends on this one for review now, saying why."""
        today = timezone.localdate()
        with translation.override("en"):  # stored for analysts, whatever language the request was in
            reason = f"{self.label} changed from {ClaimStatus(before).label} to {self.get_status_display()} on {today.isoformat()}."
        dependents = Claim.objects.filter(
            relations__to_claim=self, relations__kind=ClaimRelation.Kind.DEPENDS_ON
        ).exclude(state=ClaimState.WITHDRAWN).order_by("pk")
        flagged = [dependent.flag_for_review(reason, by) for dependent in dependents]
        dependents_flagged.send(sender=Claim, claim=self, dependents=flagged, reason=reason, user=by)
        return flagged

    def publish(self, by=None, reason="Published", base_version=None):
        return self.edit({"state": self.State.PUBLISHED, "withdrawal_reason": ""}, by=by, reason=reason, base_version=base_version)

    def withdraw(self, reason, by=None, base_version=None):
        if not reason.strip():
            raise ValidationError({"withdrawal_reason": f"{self.label}: a withdrawal needs a reason."})
        changes = {"state": self.State.WITHDRAWN, "withdrawal_reason": reason}
        return self.edit(changes, by=by, reason=f"Withdrawn: {reason}", base_version=base_version)


class ClaimRelation(Versioned):
    """How one claim bears on another: C40 depends on C12 when C40 falls if C12 is false."""

    class Kind(models.TextChoices):
        DEPENDS_ON = "depends_on", _("depends on")
        SUPPORTS = "supports", _("supports")
        CONTRADICTS = "contradicts", _("contradicts")

    from_claim = models.ForeignKey(
        Claim, verbose_name=_("from claim"), on_delete=models.CASCADE, related_name="relations"
    )
    to_claim = models.ForeignKey(
        Claim, verbose_name=_("to claim"), on_delete=models.PROTECT, related_name="inbound_relations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    note = models.TextField(_("note"), blank=True, help_text=_("Why the claims are related, if it is not obvious."))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["from_claim", "kind", "to_claim"]
        verbose_name = _("claim relation")
        verbose_name_plural = _("claim relations")
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


class Evidence(Versioned):
    class Bearing(models.TextChoices):
        SUPPORTS = "supports", _("Supports the claim")
        CONTRADICTS = "contradicts", _("Contradicts the claim")
        CONTEXT = "context", _("Context")

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="evidence")
    url = models.URLField(_("URL"), max_length=500, validators=[http_url])
    title = models.CharField(
        _("title"), max_length=300, help_text=_("In English; translate a title published in another language.")
    )
    title_zh_hant = models.CharField(
        _("title in Traditional Chinese"),
        max_length=300,
        blank=True,
        help_text=_("Shown to Chinese readers; empty shows the English."),
    )
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    retrieved_on = models.DateField(
        _("retrieved on"), default=timezone.localdate, help_text=_("When an analyst last read it.")
    )
    archive_url = models.URLField(
        _("archive URL"),
        max_length=500,
        blank=True,
        validators=[http_url],
        help_text=_("A snapshot, in case the page changes."),
    )
    excerpt = models.TextField(_("excerpt"), blank=True, help_text=_("The passage that matters, or a note on it."))
    bearing = models.CharField(_("bearing"), max_length=20, choices=Bearing, default=Bearing.CONTEXT)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "-published_on", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
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

    def edit_errors(self, stored, changes):
        cited = list(stored.updates.values_list("pk", flat=True))
        if cited:
            message = (
                f"Evidence {stored.pk} of {stored.claim.label} is cited by update {', '.join(map(str, cited))} and is frozen "
                "with it: add a new evidence record instead."
            )
            return {name: message for name in changes}
        return {}

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

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(
        _("new status"), max_length=20, choices=ClaimStatus, blank=True, help_text=_("Leave empty to keep the status.")
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("new stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        help_text=_("Leave empty to keep the stage."),
    )
    effective_on = models.DateField(
        _("effective date"), default=timezone.localdate, help_text=_("When the change happened in the world.")
    )
    rationale = models.TextField(
        _("rationale"), help_text=_("Why the claim now stands here, in English. Shown on the public timeline.")
    )
    rationale_zh_hant = models.TextField(
        _("rationale in Traditional Chinese"),
        blank=True,
        help_text=_("Shown to Chinese readers; empty shows the English."),
    )
    evidence = models.ManyToManyField(Evidence, verbose_name=_("evidence"), blank=True, related_name="updates")
    recorded = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_updates",
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        help_text=_("The earlier update this one puts right; it stays on the record, marked corrected."),
    )

    is_baseline = models.BooleanField(
        _("baseline"),
        default=False,
        help_text=_(
            "The update states where the claim already stood on its effective date (such as the essay's date), not a change that happened that day. Ladders show it as 'baseline as of' the date."
        ),
    )

    history = HistoricalRecords(m2m_fields=[evidence])

    class Meta:
        ordering = ["claim", "effective_on", "recorded"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="update_has_rationale"),
            models.CheckConstraint(
                condition=~Q(status="") | Q(stage__isnull=False), name="update_changes_something"
            ),
        ]

    def __str__(self):
        return f"{self.claim.label} on {self.effective_on}: {self.get_status_display() or self.stage}"

    @property
    def recorder_name(self):
        """Who recorded the update, as public pages name people: by a public name, never a login name."""
        if self.recorded_by is None:
            return ""
        if is_seed_account(self.recorded_by):
            return translation.gettext("From the seed data")
        return getattr(self.recorded_by, "public_name", "") or translation.gettext("An analyst")

    def corrected_by(self, moment=None):
        """The update that corrects this one, if one was recorded (by `moment`, when given); else None."""
        # The reverse one-to-one raises when there is none; select_related("correction") saves the query.
        correction = getattr(self, "correction", None)
        if correction is None or (moment is not None and correction.recorded > moment):
            return None
        return correction

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
        try:
            effective_on = Update._meta.get_field("effective_on").to_python(self.effective_on)
        except ValidationError:
            errors["effective_on"] = f"{claim.label}: the effective date {self.effective_on!r} is not a date."
        else:
            if effective_on is not None and effective_on > timezone.localdate():
                # An update takes effect when it happens; a future date would show it as news today.
                errors["effective_on"] = f"{claim.label}: the effective date {effective_on} is in the future."
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

    def record(self, evidence=(), *, by=None, reason="Recorded"):
        """Store this new update with its evidence as one history row (Claim.record_update calls it)."""
        stamp(self, by, reason)
        if not evidence:
            self.save()
            return
        self.skip_history_when_saving = True
        try:
            self.save()
        finally:
            del self.skip_history_when_saving
        # Setting the evidence writes the one history row, with the evidence in it; it records an addition.
        self.evidence.set(evidence)
        Update.history.filter(id=self.pk).update(history_type="+")

    def correct(self, *, rationale, status="", stage=None, effective_on=None, evidence=(), by=None):
        """Put this update right with a new one; this one stays on the record, marked corrected."""
        return self.claim.record_update(
            rationale=rationale, status=status, stage=stage, effective_on=effective_on, evidence=evidence, corrects=self, by=by
        )
