from django import forms
from django.contrib import admin, messages
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
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
            # An inline row's own id names the record; it is never an edit.
            if not field.disabled and not model_field.primary_key and (model_field.concrete or model_field.many_to_many):
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
                gettext(
                    "%(record)s: the form was sent without the version it was opened at; reload it and make your change again."
                )
                % {"record": stored},
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
                gettext(
                    "Edit conflict: %(record)s was changed by someone else after you opened it (version %(base)s, now "
                    "%(version)s). Nothing was saved; your input is kept below. Compare, then save again to keep yours."
                )
                % {"record": stored, "base": base, "version": stored.version},
                *(gettext("Changed by you and by them: %(change)s") % {"change": change} for change in clashes),
                *(gettext("Changed by them only, and kept: %(change)s") % {"change": change} for change in others),
            ]
            if theirs or clashes
            else [
                gettext(
                    "Edit conflict: %(record)s changed after you opened it, and its history cannot say how. Nothing was saved."
                )
                % {"record": stored}
            ],
            code="conflict",
        )


class ReasonForm(forms.ModelForm):
    """Asks why a record is being changed; the answer goes on its history row."""

    change_reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Saved in the history beside what changed. Required when changing an existing record."),
    )

    def clean_change_reason(self):
        reason = self.cleaned_data["change_reason"].strip()
        if self.instance.pk is not None and self.has_changed() and not reason:
            raise ValidationError(gettext("Say why you are changing this record."))
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

    @admin.display(description=_("stages"))
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
    text = forms.CharField(strip=False, required=False, widget=forms.Textarea(attrs={"rows": 20}))
    text_file = forms.FileField(
        label=_("or upload the text"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".txt,text/plain"}),
        help_text=_(
            "A UTF-8 text file, stored exactly as it is, line breaks included. Leave the text box empty (or, "
            "on an existing source, as it is) when you upload one."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_help = Source._meta.get_field("text").help_text
        self.fields["text"].help_text = f"{model_help} {gettext('Paste it here, or upload it as a file below.')}"

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Browsers send a text area's line breaks as CRLF; keep the stored line breaks where the text had no CR.
        stored = self.instance.text if self.instance.pk is not None else ""
        if "\r" not in stored and "\r" not in text.replace("\r\n", ""):
            text = text.replace("\r\n", "\n")
        return text

    def clean_text_file(self):
        """The uploaded file's text, decoded and otherwise untouched (no line-break conversion); None without one."""
        upload = self.cleaned_data["text_file"]
        if not upload:
            return None
        data = upload.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                _(
                    "%(name)s is not UTF-8 text (byte %(byte)s at position %(position)s): "
                    "save it as UTF-8 and upload it again."
                ),
                code="not_utf8",
                params={"name": upload.name, "byte": f"{data[error.start]:#04x}", "position": error.start},
            ) from error
        if not text:
            raise ValidationError(_("%(name)s is empty."), code="empty", params={"name": upload.name})
        if "\x00" in text:
            raise ValidationError(
                _("%(name)s contains a NUL character, which cannot be stored."),
                code="null",
                params={"name": upload.name},
            )
        return text

    def clean(self):
        pasted, uploaded = self.cleaned_data.get("text"), self.cleaned_data.get("text_file")
        stored = self.instance.text if self.instance.pk is not None else ""
        if uploaded is not None:
            if pasted and pasted != stored:
                self.add_error("text_file", gettext("Paste the text or upload a file, not both: empty the text box."))
            else:
                self.cleaned_data["text"] = uploaded
        elif "text" in self.cleaned_data and not pasted and "text_file" not in self.errors:
            self.add_error("text", gettext("Paste the source's full text here, or upload it as a file."))
        return super().clean()


@admin.register(Source)
class SourceAdmin(ReasonedAdmin):
    form = SourceForm
    list_display = ["__str__", "author", "publisher_en", "published_on", "language", "annotate_link"]
    search_fields = ["title", "title_en", "author", "author_en"]
    readonly_fields = ["content_hash", "created", "updated"]
    prepopulated_fields = {"slug": ["title_en"]}

    def get_fields(self, request, obj=None):
        # The upload stands in for the text box, so it goes right below it.
        fields = [name for name in super().get_fields(request, obj) if name != "text_file"]
        fields.insert(fields.index("text") + 1, "text_file")
        return fields

    def get_urls(self):
        annotate = path(
            "<int:object_id>/annotate/", self.admin_site.admin_view(self.annotate_view), name="claims_source_annotate"
        )
        return [annotate, *super().get_urls()]

    @admin.display(description=_("claims"))
    def annotate_link(self, source):
        url = reverse("admin:claims_source_annotate", args=[source.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Annotate"))

    def annotate_view(self, request, object_id):
        """The text with its claims marked; selecting words offers a new claim for them (static/claims/annotate.js)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        source = get_object_or_404(Source, pk=object_id)
        can_add_claim = request.user.has_perm("claims.add_claim")
        if not (can_add_claim or self.has_change_permission(request, source)):
            raise PermissionDenied
        claims = list(source.claims.order_by("start", "number"))
        next_number = max((claim.number for claim in claims), default=0) + 1
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Annotate the text"),
            "subtitle": str(source),
            "source": source,
            "claims": claims,
            "marked_text": self.marked_text(source.text, claims),
            "next_number": next_number,
            "can_add_claim": can_add_claim,
            "add_url": f"{reverse('admin:claims_claim_add')}?{urlencode({'source': source.pk, 'number': next_number})}",
        }
        return TemplateResponse(request, "admin/claims/source/annotate.html", context)

    @staticmethod
    def marked_text(text, claims):
        """`text` as HTML that reads back exactly as `text`, with each claim's words in a <mark> titled with its
        number and linked to its admin page. Where spans nest or overlap, the link goes to the innermost claim.

        A CR is written as &#13;: HTML reads a raw one as a line feed, which would shift every offset after it.
        """
        end = len(text)
        bounds = sorted({0, end, *(min(edge, end) for claim in claims for edge in (claim.start, claim.end))})
        pieces = []
        for left, right in zip(bounds, bounds[1:]):
            words = mark_safe(escape(text[left:right]).replace("\r", "&#13;"))
            covering = sorted(
                (claim for claim in claims if claim.start <= left and right <= claim.end),
                key=lambda claim: (claim.end - claim.start, claim.start, claim.number),
            )
            if not covering:
                pieces.append(words)
                continue
            pieces.append(
                format_html(
                    '<a class="annotate-claim annotate-depth-{}" href="{}" draggable="false"><mark title="{}">{}</mark></a>',
                    min(len(covering), 3),
                    reverse("admin:claims_claim_change", args=[covering[0].pk]),
                    ", ".join(claim.label for claim in covering),
                    words,
                )
            )
        return mark_safe("".join(pieces))


class EvidenceInline(admin.StackedInline):
    """Evidence that a recorded update cites is frozen with it: saving a change to it is refused."""

    model = Evidence
    form = VersionedForm
    extra = 0
    fields = [
        ("url", "archive_url"), ("title", "title_zh_hant"), "publisher", ("published_on", "retrieved_on", "bearing"), "excerpt",
        "base_version",
    ]  # fmt: skip
    verbose_name_plural = _("evidence (evidence added here is attached to an update recorded in the same save)")


class RelationInline(admin.TabularInline):
    model = ClaimRelation
    form = VersionedForm
    fk_name = "from_claim"
    extra = 0
    fields = ["kind", "to_claim", "note", "base_version"]
    autocomplete_fields = ["to_claim"]
    verbose_name = _("relation to another claim")


class UpdateInline(admin.StackedInline):
    """Recorded updates are shown read-only; a new one changes the claim's status or stage."""

    model = Update
    fk_name = "claim"
    extra = 0
    fields = [
        "status", "stage", "effective_on", "is_baseline", "rationale", "rationale_zh_hant", "evidence", "corrects", "recorded",
        "recorded_by",
    ]  # fmt: skip
    readonly_fields = ["recorded", "recorded_by"]
    autocomplete_fields = ["evidence"]
    verbose_name = _("status update")
    verbose_name_plural = _("status updates (record one to change the status or stage)")

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
        label=_("Occurrence"),
        min_value=1,
        initial=1,
        required=False,
        help_text=_("Which occurrence of the quote in the source text, when the same words appear more than once."),
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
            "withdrawal_reason_zh_hant": forms.Textarea(attrs={"rows": 2}),
            "review_reason": forms.Textarea(attrs={"rows": 2}),
            "quote": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        source, quote = cleaned.get("source"), cleaned.get("quote")
        if source is not None and quote and "\r" not in source.text:
            # A text area sends a quote across a line break as CRLF; the source may break lines with LF alone.
            quote = cleaned["quote"] = quote.replace("\r\n", "\n")
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


class EssayFilter(admin.RelatedFieldListFilter):
    """The claim list's essay filter at any number of essays: the latest ESSAYS_LISTED by title (their
    texts are not read), and the one chosen. Any essay's claims are a link away on its annotate page."""

    ESSAYS_LISTED = 30

    def field_choices(self, field, request, model_admin):
        essays = Source.objects.only("title", "title_en").order_by("-published_on", "title_en")
        listed = list(essays[: self.ESSAYS_LISTED])
        shown = {essay.pk for essay in listed}
        chosen = [pk for pk in self.lookup_val or [] if str(pk).isdigit() and int(pk) not in shown]
        listed += essays.filter(pk__in=chosen)
        return [(essay.pk, str(essay)) for essay in listed]


@admin.register(Claim)
class ClaimAdmin(ReasonedAdmin):
    form = ClaimForm
    list_display = ["label", "short_text", "kind", "standing", "state", "next_review_on"]
    show_full_result_count = False  # a filtered list says "N of M" without counting every claim again
    list_display_links = ["label", "short_text"]
    list_filter = [("source", EssayFilter), "kind", "status", "track", "topics", "actors", "state"]
    list_select_related = ["source", "stage__track"]
    search_fields = ["quote", "text_en"]
    # A drop-down of every essay would grow with them; the autocomplete shows the one chosen.
    autocomplete_fields = ["source", "actors", "topics"]
    readonly_fields = [
        "quote_in_context", "start", "end", "status", "stage", "last_reviewed_on", "review_reason", "created", "updated",
    ]  # fmt: skip
    inlines = [UpdateInline, EvidenceInline, RelationInline]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["source", "number", "kind", "state", "withdrawal_reason", "withdrawal_reason_zh_hant"]}),
        (
            _("What the source says"),
            {"fields": ["quote", "occurrence", "quote_in_context", ("start", "end"), "text_en", "text_zh_hant"]},
        ),
        (_("Who and what"), {"fields": ["actors", "topics", "event_on"]}),
        (
            _("Judgement"),
            {
                "fields": [
                    ("status", "stage"), "track", "resolution_criteria", "resolution_criteria_zh_hant", "confidence", "due_on",
                ],  # fmt: skip
                "description": _("Status and stage change only by recording a status update below."),
            },
        ),
        (_("Review"), {"fields": [("next_review_on", "last_reviewed_on"), "review_interval_days", "review_reason"]}),
        (None, {"fields": ["change_reason", ("created", "updated"), "base_version"]}),
    ]

    def get_queryset(self, request):
        # The list joins each claim's essay for its label, but never needs the essay's text.
        return super().get_queryset(request).defer("source__text")

    def get_search_results(self, request, queryset, search_term):
        """The list's search box and every claim autocomplete: by number (C87, 87) or by words, all of which must match."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(Claim.matching(search_term)), False

    def get_changeform_initial_data(self, request):
        """The add form filled from its address, as a source's annotate page links to it:
        ?source=<pk>&quote=<words>&occurrence=<n>&number=<n>. Django copies each parameter into the
        form; a source given without a number gets its next free one."""
        initial = super().get_changeform_initial_data(request)
        source = initial.get("source", "")
        if "number" not in initial and source.isdigit() and len(source) <= 9:
            last = Claim.objects.filter(source=source).order_by("-number").values_list("number", flat=True).first()
            initial["number"] = (last or 0) + 1
        return initial

    def has_publish_permission(self, request):
        return request.user.has_perm("claims.publish_claim")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.state != Claim.State.DRAFT:
            fields.append("number")  # a public claim's number is its address
        # Publishing and withdrawing belong to editors; analysts' new claims stay drafts.
        if not self.has_publish_permission(request):
            fields += ["state", "withdrawal_reason", "withdrawal_reason_zh_hant"]
        return fields

    def save_related(self, request, form, formsets, change):
        # Evidence is saved before updates, so that an update recorded in the same save can cite the evidence added with it.
        super().save_related(request, form, sorted(formsets, key=lambda formset: formset.model is Update), change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            super().save_formset(request, form, formset, change)
            form.new_evidence = formset.new_objects
            return
        if formset.model is not Update:
            return super().save_formset(request, form, formset, change)
        formset.changed_objects, formset.deleted_objects = [], []
        formset.new_objects = [
            record_update_from(update_form, form.instance, request.user, also_cite=getattr(form, "new_evidence", []))
            for update_form in formset.extra_forms
            if update_form.has_changed()
        ]

    @admin.display(description=_("claim"), ordering="number")
    def label(self, claim):
        return self.with_version_seen(claim, claim.label)

    @admin.display(description=_("English proposition"))
    def short_text(self, claim):
        return claim.text_en if len(claim.text_en) <= 90 else claim.text_en[:89] + "…"

    @admin.display(description=_("status and stage"), ordering="status")
    def standing(self, claim):
        return standing(claim.get_status_display(), claim.stage)

    @admin.display(description=_("quote in its context"))
    def quote_in_context(self, claim):
        if claim.pk is None:
            return gettext("Shown once the claim is saved.")
        text = claim.source.text
        return format_html(
            '<div lang="{}">…{}<mark>{}</mark>{}…</div>',
            claim.source.language,
            text[max(0, claim.start - CONTEXT_CHARACTERS) : claim.start],
            text[claim.start : claim.end],
            text[claim.end : claim.end + CONTEXT_CHARACTERS],
        )

    @admin.action(description=_("Publish the selected claims"), permissions=["publish"])
    def publish(self, request, queryset):
        versions, published = self.versions_seen(request), 0
        for claim in queryset:
            try:
                published += claim.publish(by=request.user, reason="Published from the claim list", base_version=versions.get(claim.pk))
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.WARNING)
        self.message_user(request, gettext("Published %(count)d claims.") % {"count": published}, messages.SUCCESS)


def standing(status_label, stage):
    """A status and a stage in one short list cell: "In progress · Party draft"."""
    return " · ".join(str(part) for part in (status_label, stage.name_en if stage else "") if part) or "-"


def limit_update_choices(fields, claim):
    """Offer only what Update.errors() accepts for this claim: its scale's statuses, its track's
    stages, and its standing updates to correct. (`fields` belong to a form class made for this request.)"""
    if "status" in fields:
        fields["status"].choices = [("", "---------"), *((status.value, status.label) for status in claim.statuses())]
    if "stage" in fields:
        fields["stage"].queryset = Stage.objects.filter(track=claim.track_id) if claim.track_id else Stage.objects.none()
    if "corrects" in fields:
        fields["corrects"].queryset = claim.live_updates()


def record_update_from(form, claim, user, also_cite=()):
    """Record the update an admin form describes, through the claim's one write path, citing `also_cite` as well."""
    data = form.cleaned_data
    return claim.record_update(
        status=data.get("status") or "",
        stage=data.get("stage"),
        effective_on=data.get("effective_on"),
        rationale=data["rationale"],
        rationale_zh_hant=data.get("rationale_zh_hant", ""),
        is_baseline=data.get("is_baseline", False),
        evidence=[*(data.get("evidence") or ()), *also_cite],
        corrects=data.get("corrects"),
        by=user,
    )


@admin.register(Evidence)
class EvidenceAdmin(ReasonedAdmin):
    list_display = ["title", "claim", "publisher", "published_on", "bearing"]
    list_filter = ["bearing"]
    list_select_related = ["claim"]
    search_fields = ["title", "title_zh_hant", "publisher", "url", "excerpt", "claim__text_en"]
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

    list_display = ["claim", "change", "effective_on", "recorded", "recorded_by", "is_corrected"]
    list_filter = ["status", "claim__source", "claim__kind"]
    list_select_related = ["claim", "stage__track", "recorded_by", "correction"]
    search_fields = ["rationale", "rationale_zh_hant", "claim__text_en"]
    autocomplete_fields = ["claim", "evidence", "corrects"]
    fields = ["claim", "status", "stage", "effective_on", "is_baseline", "rationale", "rationale_zh_hant", "evidence", "corrects"]
    date_hierarchy = "effective_on"

    @admin.display(description=_("new status and stage"))
    def change(self, update):
        return standing(update.get_status_display(), update.stage)

    @admin.display(description=_("corrected"), boolean=True)
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
