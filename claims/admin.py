from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Actor, Claim, ClaimRelation, Evidence, Source, Stage, Topic, Track, Update, stamp

CONTEXT_CHARACTERS = 120


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


class ReasonedAdmin(SimpleHistoryAdmin):
    """Admin whose every save records the analyst (by the history middleware) and the reason."""

    form = ReasonForm

    def save_model(self, request, obj, form, change):
        stamp(obj, request.user, form.cleaned_data.get("change_reason") or ("Changed" if change else "Created"))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason") or f"Edited with {form.instance}"
        for inline_form in formset.forms:
            stamp(inline_form.instance, request.user, reason)
        super().save_formset(request, form, formset, change)


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
    extra = 0
    fields = ["position", "slug", "name", "name_en", "description", "description_en"]
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


@admin.register(Source)
class SourceAdmin(ReasonedAdmin):
    list_display = ["__str__", "author", "publisher_en", "published_on", "language"]
    search_fields = ["title", "title_en", "author", "author_en"]
    readonly_fields = ["content_hash", "created", "updated"]
    prepopulated_fields = {"slug": ["title_en"]}


class EvidenceInline(admin.StackedInline):
    model = Evidence
    extra = 0
    fields = [("url", "archive_url"), ("title", "publisher"), ("published_on", "retrieved_on", "bearing"), "excerpt"]


class RelationInline(admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    fields = ["kind", "to_claim", "note"]
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

    def has_change_permission(self, request, obj=None):
        return False  # updates are append-only: put one right by recording a correction

    def has_delete_permission(self, request, obj=None):
        return False


class ClaimForm(ReasonForm):
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
            self.instance.source = source
            try:
                self.instance.anchor_to(quote, cleaned.get("occurrence") or 1)
            except ValidationError as error:
                self.add_error("quote", error.messages)
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
        (None, {"fields": ["change_reason", ("created", "updated")]}),
    ]

    def has_publish_permission(self, request):
        return request.user.has_perm("claims.publish_claim")

    def get_readonly_fields(self, request, obj=None):
        # Publishing and withdrawing belong to editors; analysts' new claims stay drafts.
        if self.has_publish_permission(request):
            return self.readonly_fields
        return [*self.readonly_fields, "state", "withdrawal_reason"]

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, Update) and inline_form.instance._state.adding:
                inline_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description="claim", ordering="number")
    def label(self, claim):
        return claim.label

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
        published = sum(claim.publish(user=request.user, reason="Published from the claim list") for claim in queryset)
        self.message_user(request, f"Published {published} claims.", messages.SUCCESS)


@admin.register(Evidence)
class EvidenceAdmin(ReasonedAdmin):
    list_display = ["title", "claim", "publisher", "published_on", "bearing"]
    list_filter = ["bearing"]
    list_select_related = ["claim"]
    search_fields = ["title", "publisher", "url", "excerpt", "claim__text_en"]
    autocomplete_fields = ["claim"]


@admin.register(Update)
class UpdateAdmin(ReasonedAdmin):
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

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ClaimRelation)
class ClaimRelationAdmin(ReasonedAdmin):
    list_display = ["__str__", "kind", "note"]
    list_filter = ["kind"]
    list_select_related = ["from_claim", "to_claim"]
    autocomplete_fields = ["from_claim", "to_claim"]
    search_fields = ["from_claim__text_en", "to_claim__text_en", "note"]
