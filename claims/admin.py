from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from claims.models import Actor, Claim, ClaimRelation, Evidence, Source, Stage, Topic, Track, Update, comparable, stamp

CONTEXT_CHARACTERS = 120


class VersionedForm(forms.ModelForm):
    """A change form that carries the version it was loaded at and saves only what its user changed.

    Sent over a newer version, it keeps the other person's changes to fields its
    user left alone (a merge), and refuses, keeping every input, when both changed
    the same field to different values: an edit conflict, listed field by field.
    The record's row stays locked from this check until the save commits.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.changes, self.conflicts, self.merged, self.version_seen = {}, [], [], None
        if self.instance.pk is not None:
            self.fields["base_version"].initial = self.instance.version

    def edited_field_names(self):
        """The names of the model fields this form can change."""
        names = []
        for name, field in self.fields.items():
            try:
                model_field = self.instance._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.disabled and (model_field.concrete or model_field.many_to_many):
                names.append(name)
        return names

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        stored = type(self.instance)._default_manager.select_for_update(of=("self",)).get(pk=self.instance.pk)
        base = cleaned.get("base_version")
        if base is None:
            raise ValidationError(
                f"{stored}: the form was sent without the version it was opened at; reload it and make your change again.",
                code="no_version",
            )
        names = [name for name in self.edited_field_names() if name in cleaned]
        fields = {name: self.instance._meta.get_field(name) for name in names}
        submitted = {name: comparable(fields[name], cleaned[name]) for name in names}
        opened = stored.current_values(names)
        if base != stored.version:
            opened.update(stored.values_at(base, names) or {})
        mine = [name for name in names if submitted[name] != opened[name]]
        if base != stored.version:
            theirs = stored.changes_since(base, names)
            clashes = None if theirs is None else [c for c in theirs if c.name in mine and submitted[c.name] != c.after]
            if clashes is None or clashes:
                self.conflict(stored, base, theirs or [], clashes or [])
            for change in theirs:
                if change.name not in mine:
                    value = getattr(stored, change.name)
                    cleaned[change.name] = value.all() if fields[change.name].many_to_many else value
                    self.merged.append(change)
        self.changes = {name: cleaned[name] for name in mine}
        self.version_seen = stored.version
        if errors := stored.edit_errors(stored, self.changes):
            raise ValidationError(errors)
        return cleaned

    def put_value(self, data, name, value):
        """Write `value` of field `name` into `data` as a browser would submit it."""
        key, field = self.add_prefix(name), self.fields[name]
        if isinstance(field, forms.ModelMultipleChoiceField):
            data.setlist(key, [str(item.pk) for item in value.all()])
        elif isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
            else:
                data.pop(key, None)
        else:
            prepared = field.prepare_value(value)
            data[key] = "" if prepared is None else str(prepared)

    def conflict(self, stored, base, theirs, clashes):
        """Refuse the save, say who changed what, and let the next save go over the version now stored."""
        self.conflicts = theirs
        data = self.data.copy()
        data[self.add_prefix("base_version")] = stored.version
        # The form comes back at the stored version: fields only the others changed show their
        # values, so that saving it again keeps them; the clashing fields keep this user's input.
        for change in theirs:
            if change not in clashes and change.name in self.fields:
                self.put_value(data, change.name, getattr(stored, change.name))
        self.data = data
        others = [change for change in theirs if change not in clashes]
        raise ValidationError(
            [
                f"Edit conflict: {stored} was changed by someone else after you opened it (version {base}, now "
                f"{stored.version}). Nothing was saved; your input is kept below. Compare, then save again to keep yours.",
                *(f"Changed by you and by them: {change}" for change in clashes),
                *(f"Changed by them only, and kept: {change}" for change in others),
            ]
            if theirs or clashes
            else [f"Edit conflict: {stored} changed after you opened it, and its history cannot say how. Nothing was saved."],
            code="conflict",
        )


class ReasonForm(forms.ModelForm):
    """Asks why a record is being changed; the answer goes on its history row."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Saved in the history beside what changed. Required when changing an existing record.",
    )

    def clean_change_reason(self):
        reason = self.cleaned_data["change_reason"].strip()
        if self.instance.pk is not None and self.has_changed() and not reason:
            raise ValidationError("Say why you are changing this record.")
        return reason


class ChangeForm(ReasonForm, VersionedForm):
    """The analysts' form for a record: it asks why, and never overwrites a change its user did not see."""


class VersionedAdmin:
    """Admin saves go through the records' own write methods: `edit()` for a change, with its version.

    An edit conflict answers 409 with the form, its input and the other person's changes.
    """

    def with_version_seen(self, obj, text):
        """`text` for a change-list cell, with the row's version for the actions to check."""
        return format_html('{}<input type="hidden" name="version_{}" value="{}">', text, obj.pk, obj.version)

    def versions_seen(self, request):
        """{pk: version} of the change-list rows an action was started from."""
        versions = {}
        for key, value in request.POST.items():
            if key.startswith("version_") and value.isdigit() and key[8:].isdigit():
                versions[int(key[8:])] = int(value)
        return versions

    def change_reason(self, form, change):
        return form.cleaned_data.get("change_reason") or ("Changed" if change else "Created")

    def save_model(self, request, obj, form, change):
        reason = self.change_reason(form, change)
        if change:
            obj.edit(form.changes, by=request.user, reason=reason, base_version=form.version_seen)
        else:
            stamp(obj, request.user, reason)
            obj.save()

    def save_related(self, request, form, formsets, change):
        if not change:
            form.save_m2m()  # a change saved its many-to-many fields in edit(), in the same history row
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason") or f"Edited with {form.instance}"
        deleted = formset.deleted_forms if formset.can_delete else []
        # What the admin's change message lists, as formset.save() would have set it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if inline_form in deleted:
                stamp(instance, request.user, reason)
                instance.delete()
                formset.deleted_objects.append(instance)
            elif inline_form.has_changed() and inline_form.changes:
                instance.edit(inline_form.changes, by=request.user, reason=reason, base_version=inline_form.version_seen)
                formset.changed_objects.append((instance, list(inline_form.changes)))
        for inline_form in formset.extra_forms:
            if inline_form.has_changed() and inline_form not in deleted:
                stamp(inline_form.instance, request.user, reason)
                formset.new_objects.append(formset.save_new(inline_form))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        forms_shown = [context["adminform"].form] + [
            inline_form for formset in context.get("inline_admin_formsets", []) for inline_form in formset.formset.forms
        ]
        if any(getattr(shown_form, "conflicts", None) or shown_form.has_error(NON_FIELD_ERRORS, "conflict") for shown_form in forms_shown):
            response.status_code = 409
        return response


class LabelledChanges(HistoricalRecordContextHelper):
    """History's list of changes in the words analysts read: a status's label rather than its code,
    "—" for no stage rather than "Deleted stage (pk=None)", a deleted record by its last name."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(value, DeletedObject):
            return deleted_label(value)
        if value in ("", None):
            return "—"
        if field.choices and not field.many_to_many:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


def deleted_label(deleted):
    if deleted.pk is None:
        return "—"
    history = getattr(deleted.model, "history", None)
    last = history.filter(id=deleted.pk).order_by("-history_date").first() if history is not None else None
    try:
        return f"{last.instance} (deleted)" if last else str(deleted)
    except ObjectDoesNotExist:  # its own name needs a record that is gone too
        return str(deleted)


class ReasonedAdmin(VersionedAdmin, SimpleHistoryAdmin):
    """Admin whose every save records the analyst and the reason, and never overwrites an unseen change."""

    form = ChangeForm

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledChanges(self.model, historical_record)


@admin.register(Actor)
class ActorAdmin(ReasonedAdmin):
    list_display = ["name_en", "name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Topic)
class TopicAdmin(ReasonedAdmin):
    list_display = ["name_en", "name", "slug"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


class StageInline(admin.TabularInline):
    model = Stage
    form = VersionedForm
    extra = 0
    fields = ["position", "slug", "name", "name_en", "description", "description_en", "base_version"]
    ordering = ["position"]


@admin.register(Track)
class TrackAdmin(ReasonedAdmin):
    list_display = ["name_en", "name", "slug", "stage_count"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [StageInline]

    @admin.display(description="stages")
    def stage_count(self, track):
        return track.stages.count()


@admin.register(Stage)
class StageAdmin(ReasonedAdmin):
    list_display = ["__str__", "track", "position", "slug"]
    list_filter = ["track"]
    list_select_related = ["track"]
    search_fields = ["name", "name_en", "track__name_en"]


class SourceForm(ChangeForm):
    # The text is kept byte for byte: claims point into it by offsets, so nothing may be stripped.
    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 20}), help_text=Source._meta.get_field("text").help_text)

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Browsers send a text area's line breaks as CRLF; keep the stored line breaks where the text had no CR.
        stored = self.instance.text if self.instance.pk is not None else ""
        if "\r" not in stored and "\r" not in text.replace("\r\n", ""):
            text = text.replace("\r\n", "\n")
        return text


@admin.register(Source)
class SourceAdmin(ReasonedAdmin):
    form = SourceForm
    list_display = ["__str__", "author", "publisher_en", "published_on", "language"]
    search_fields = ["title", "title_en", "author", "author_en"]
    readonly_fields = ["content_hash", "created", "updated"]
    prepopulated_fields = {"slug": ["title_en"]}


class EvidenceInline(admin.StackedInline):
    """Evidence that a recorded update cites is frozen with it: saving a change to it is refused."""

    model = Evidence
    form = VersionedForm
    extra = 0
    fields = [
        ("url", "archive_url"), ("title", "publisher"), ("published_on", "retrieved_on", "bearing"), "excerpt", "base_version",
    ]  # fmt: skip


class RelationInline(admin.TabularInline):
    model = ClaimRelation
    form = VersionedForm
    fk_name = "from_claim"
    extra = 0
    fields = ["kind", "to_claim", "note", "base_version"]
    autocomplete_fields = ["to_claim"]
    verbose_name = "relation to another claim"


class UpdateInline(admin.StackedInline):
    """Recorded updates are shown read-only; a new one changes the claim's status or stage."""

    model = Update
    fk_name = "claim"
    extra = 0
    fields = ["status", "stage", "effective_on", "rationale", "evidence", "corrects", "recorded", "recorded_by"]
    readonly_fields = ["recorded", "recorded_by"]
    autocomplete_fields = ["evidence"]
    verbose_name = "status update"
    verbose_name_plural = "status updates (record one to change the status or stage)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            limit_update_choices(formset.form.base_fields, obj)
        return formset

    def has_change_permission(self, request, obj=None):
        return False  # updates are append-only: put one right by recording a correction

    def has_delete_permission(self, request, obj=None):
        return False


class ClaimForm(ChangeForm):
    occurrence = forms.IntegerField(
        min_value=1,
        initial=1,
        required=False,
        help_text="Which occurrence of the quote in the source text, when the same words appear more than once.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claim = self.instance
        if claim.pk is not None:
            # Show where the quote sits now, so that editing it keeps that place.
            self.initial["occurrence"] = claim.source.text.count(claim.quote, 0, claim.start) + 1

    class Meta:
        model = Claim
        exclude = ["start", "end", "status", "stage"]
        widgets = {
            "withdrawal_reason": forms.Textarea(attrs={"rows": 2}),
            "review_reason": forms.Textarea(attrs={"rows": 2}),
            "quote": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        source, quote = cleaned.get("source"), cleaned.get("quote")
        if source is not None and quote and ({"source", "quote", "occurrence"} & set(self.changed_data)):
            claim = self.instance
            claim.source = source
            try:
                claim.anchor_to(quote, cleaned.get("occurrence") or 1)
            except ValidationError as error:
                self.add_error("quote", error.messages)
            else:
                if claim.pk is not None:
                    # The anchor moves with the quote: its offsets are written in the same edit.
                    self.changes.update(quote=claim.quote, start=claim.start, end=claim.end)
        return cleaned


@admin.register(Claim)
class ClaimAdmin(ReasonedAdmin):
    form = ClaimForm
    list_display = ["label", "short_text", "kind", "status", "stage", "state", "next_review_on", "updated"]
    list_display_links = ["label", "short_text"]
    list_filter = ["source", "kind", "status", "track", "topics", "actors", "state"]
    list_select_related = ["source", "stage__track"]
    search_fields = ["quote", "text_en"]
    autocomplete_fields = ["actors", "topics"]
    readonly_fields = [
        "quote_in_context", "start", "end", "status", "stage", "last_reviewed_on", "review_reason", "created", "updated",
    ]  # fmt: skip
    inlines = [UpdateInline, EvidenceInline, RelationInline]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["source", "number", "kind", "state", "withdrawal_reason"]}),
        ("What the source says", {"fields": ["quote", "occurrence", "quote_in_context", ("start", "end"), "text_en"]}),
        ("Who and what", {"fields": ["actors", "topics", "event_on"]}),
        (
            "Judgement",
            {
                "fields": [("status", "stage"), "track", "resolution_criteria", "confidence", "due_on"],
                "description": "Status and stage change only by recording a status update below.",
            },
        ),
        ("Review", {"fields": [("next_review_on", "last_reviewed_on"), "review_interval_days", "review_reason"]}),
        (None, {"fields": ["change_reason", ("created", "updated"), "base_version"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """The list's search box and every claim autocomplete: by number (C87, 87) or by words, all of which must match."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(Claim.matching(search_term)), False

    def has_publish_permission(self, request):
        return request.user.has_perm("claims.publish_claim")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.state != Claim.State.DRAFT:
            fields.append("number")  # a public claim's number is its address
        # Publishing and withdrawing belong to editors; analysts' new claims stay drafts.
        if not self.has_publish_permission(request):
            fields += ["state", "withdrawal_reason"]
        return fields

    def save_formset(self, request, form, formset, change):
        if formset.model is not Update:
            return super().save_formset(request, form, formset, change)
        formset.changed_objects, formset.deleted_objects = [], []
        formset.new_objects = [
            record_update_from(update_form, form.instance, request.user)
            for update_form in formset.extra_forms
            if update_form.has_changed()
        ]

    @admin.display(description="claim", ordering="number")
    def label(self, claim):
        return self.with_version_seen(claim, claim.label)

    @admin.display(description="English proposition")
    def short_text(self, claim):
        return claim.text_en if len(claim.text_en) <= 90 else claim.text_en[:89] + "…"

    @admin.display(description="quote in its context")
    def quote_in_context(self, claim):
        if claim.pk is None:
            return "Shown once the claim is saved."
        text = claim.source.text
        return format_html(
            '<div lang="{}">…{}<mark>{}</mark>{}…</div>',
            claim.source.language,
            text[max(0, claim.start - CONTEXT_CHARACTERS) : claim.start],
            text[claim.start : claim.end],
            text[claim.end : claim.end + CONTEXT_CHARACTERS],
        )

    @admin.action(description="Publish the selected claims", permissions=["publish"])
    def publish(self, request, queryset):
        versions, published = self.versions_seen(request), 0
        for claim in queryset:
            try:
                published += claim.publish(by=request.user, reason="Published from the claim list", base_version=versions.get(claim.pk))
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.WARNING)
        self.message_user(request, f"Published {published} claims.", messages.SUCCESS)


def limit_update_choices(fields, claim):
    """Offer only what Update.errors() accepts for this claim: its scale's statuses, its track's
    stages, and its standing updates to correct. (`fields` belong to a form class made for this request.)"""
    if "status" in fields:
        fields["status"].choices = [("", "---------"), *((status.value, status.label) for status in claim.statuses())]
    if "stage" in fields:
        fields["stage"].queryset = Stage.objects.filter(track=claim.track_id) if claim.track_id else Stage.objects.none()
    if "corrects" in fields:
        fields["corrects"].queryset = claim.live_updates()


def record_update_from(form, claim, user):
    """Record the update an admin form describes, through the claim's one write path."""
    data = form.cleaned_data
    return claim.record_update(
        status=data.get("status") or "",
        stage=data.get("stage"),
        effective_on=data.get("effective_on"),
        rationale=data["rationale"],
        evidence=data.get("evidence") or (),
        corrects=data.get("corrects"),
        by=user,
    )


@admin.register(Evidence)
class EvidenceAdmin(ReasonedAdmin):
    list_display = ["title", "claim", "publisher", "published_on", "bearing"]
    list_filter = ["bearing"]
    list_select_related = ["claim"]
    search_fields = ["title", "publisher", "url", "excerpt", "claim__text_en"]
    autocomplete_fields = ["claim"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.updates.exists():
            # Cited by a recorded update: frozen with it. A change is a new evidence record.
            return [field.name for field in Evidence._meta.fields if field.editable]
        return self.readonly_fields


class UpdateForm(ReasonForm):
    def clean(self):
        claim = self.cleaned_data.get("claim")
        if claim is not None:
            # Lock the claim before the update is validated, so that two corrections of one
            # update at once take turns and the second is told, as a form error, that it is late.
            list(Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).values_list("pk"))
        return super().clean()


@admin.register(Update)
class UpdateAdmin(ReasonedAdmin):
    form = UpdateForm
    """Updates can be added (corrections included) and read, never edited or deleted."""

    list_display = ["claim", "status", "stage", "effective_on", "recorded", "recorded_by", "is_corrected"]
    list_filter = ["status", "claim__source", "claim__kind"]
    list_select_related = ["claim", "stage__track", "recorded_by", "correction"]
    search_fields = ["rationale", "claim__text_en"]
    autocomplete_fields = ["claim", "evidence", "corrects"]
    fields = ["claim", "status", "stage", "effective_on", "rationale", "evidence", "corrects"]
    date_hierarchy = "effective_on"

    @admin.display(description="corrected", boolean=True)
    def is_corrected(self, update):
        return hasattr(update, "correction")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The claim is known when the add link came from its page (?claim=<pk>).
        claim = Claim.objects.filter(pk=request.GET.get("claim")).first() if request.GET.get("claim", "").isdigit() else None
        if obj is None and claim is not None:
            limit_update_choices(form.base_fields, claim)
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        recorded = record_update_from(form, obj.claim, request.user)
        obj.pk, obj.recorded, obj.recorded_by = recorded.pk, recorded.recorded, recorded.recorded_by

    def save_related(self, request, form, formsets, change):
        pass  # the evidence was attached by record_update()


@admin.register(ClaimRelation)
class ClaimRelationAdmin(ReasonedAdmin):
    list_display = ["__str__", "kind", "note"]
    list_filter = ["kind"]
    list_select_related = ["from_claim", "to_claim"]
    autocomplete_fields = ["from_claim", "to_claim"]
    search_fields = ["from_claim__text_en", "to_claim__text_en", "note"]
