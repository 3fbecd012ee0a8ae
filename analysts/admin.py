from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from analysts.models import QUEUE_ORDER, Analyst, Assignment, ReviewCycle, parse_period
from claims.admin import ChangeForm, ReasonedAdmin, VersionedAdmin
from claims.models import Claim


class UnchangedForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "What you checked, and why the claim stands as it is. Saved on the review and the claim's history."
        ),
    )


class AnalystChangeForm(ChangeForm, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Analyst
        fields = "__all__"


@admin.register(Analyst)
class AnalystAdmin(VersionedAdmin, SimpleHistoryAdmin, UserAdmin):
    form = AnalystChangeForm
    list_display = ["username", "display_name", "display_name_en", "email", "is_staff", "is_active"]
    filter_horizontal = ["groups", "user_permissions", "topics"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Profile"), {"fields": ["display_name", "display_name_en", "bio", "topics"]}),
        (None, {"fields": ["change_reason", "base_version"]}),
    ]


# Failed logins, as django-axes counts them; here an editor unlocks an account before its cool-off ends.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class FailedLoginAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    def has_change_permission(self, request, obj=None):
        return False  # the records are evidence: read them, or forget them by unlocking

    def has_unlock_permission(self, request):
        # Axes' model has no unlock permission of its own; the editor role is given this one.
        return request.user.has_perm("axes.change_accessattempt")

    @admin.action(description=_("Unlock the selected accounts and addresses"), permissions=["unlock"])
    def unlock(self, request, queryset):
        """Forget every failed login of the selected accounts, as `manage.py axes_reset_username` does,
        and the selected rows themselves, which also counted against their addresses."""
        usernames = sorted({name for name in queryset.values_list("username", flat=True) if name})
        self.log_deletions(request, AccessAttempt.objects.filter(Q(pk__in=queryset) | Q(username__in=usernames)))
        # reset() with no username would forget every attempt, hence only the names found.
        forgotten = sum(reset(username=username) for username in usernames)
        forgotten += queryset.delete()[0]
        who = ", ".join(usernames) or gettext("the selected addresses")
        message = gettext("Unlocked %(who)s: %(count)d failed-login records forgotten.") % {
            "who": who,
            "count": forgotten,
        }
        self.message_user(request, message, messages.SUCCESS)


class ReviewCycleForm(ChangeForm):
    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        parse_period(label)  # a ValidationError names the bad period
        return label


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ReasonedAdmin):
    form = ReviewCycleForm
    list_display = ["label", "starts_on", "ends_on", "state", "open_reviews", "done_reviews", "missed_reviews"]
    list_filter = ["state"]
    readonly_fields = ["starts_on", "ends_on", "state", "opened", "closed"]
    fields = ["label", "starts_on", "ends_on", "state", "opened", "closed", "change_reason", "base_version"]
    actions = ["close_cycles"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            **{
                f"{state}_count": Count("assignments", filter=Q(assignments__state=state))
                for state in Assignment.State.values
            }
        )

    def get_readonly_fields(self, request, obj=None):
        # The label names the period and the public report's address: fixed once opened.
        return [*self.readonly_fields, "label"] if obj else self.readonly_fields

    @admin.display(description=_("open"), ordering="open_count")
    def open_reviews(self, cycle):
        return cycle.open_count

    @admin.display(description=_("done"), ordering="done_count")
    def done_reviews(self, cycle):
        return cycle.done_count

    @admin.display(description=_("missed"), ordering="missed_count")
    def missed_reviews(self, cycle):
        return cycle.missed_count

    def save_model(self, request, obj, form, change):
        """Adding a cycle opens it: the period comes from the label, and due claims are assigned."""
        if change:
            return super().save_model(request, obj, form, change)
        cycle, assignments = ReviewCycle.open_period(obj.label, user=request.user)
        obj.pk, obj.starts_on, obj.ends_on = cycle.pk, cycle.starts_on, cycle.ends_on
        message = gettext("Opened %(label)s: %(count)d claims assigned.") % {
            "label": cycle.label,
            "count": len(assignments),
        }
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Close the selected cycles (open reviews become missed)"), permissions=["change"])
    def close_cycles(self, request, queryset):
        for cycle in queryset:
            missed = cycle.close(user=request.user)
            message = gettext("Closed %(label)s; %(count)d reviews missed.") % {"label": cycle.label, "count": missed}
            self.message_user(request, message, messages.SUCCESS)


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("My open reviews")), ("open", _("All open reviews")), ("all", _("Everything"))]

    def queryset(self, request, queryset):
        value = self.value() or "mine"
        if value in ("mine", "open"):
            queryset = queryset.filter(state=Assignment.State.OPEN)
        if value == "mine":
            queryset = queryset.filter(analyst=request.user)
        return queryset

    def choices(self, changelist):
        # "My open reviews" is the default, so it is selected when no value is given.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "mine") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Assignment)
class AssignmentAdmin(ReasonedAdmin):
    """The review queue: dependency alerts first, then the most overdue."""

    # The review link comes right after the claim, so that the queue's main action is on screen at 1280 px.
    list_display = ["claim_label", "claim_text", "review_link", "alert", "due", "analyst", "state", "outcome"]
    list_per_page = 25
    ordering = QUEUE_ORDER
    list_display_links = None
    list_filter = [QueueFilter, "state", "cycle", ("analyst", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claim__source", "analyst", "cycle"]
    search_fields = ["claim__text_en", "claim__quote"]
    readonly_fields = ["cycle", "claim", "analyst", "state", "outcome", "update", "alert_reason", "completed"]
    fields = [
        "cycle", "claim", "analyst", "state", "outcome", "update", "alert_reason", "completed", "note", "change_reason",
        "base_version",
    ]  # fmt: skip
    actions = ["complete_unchanged"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("analysts.view_all_reviews"):
            return queryset
        return queryset.filter(analyst=request.user)

    def get_search_results(self, request, queryset, search_term):
        """Find reviews by their claim, as the claim list does: by number (C87, 87) or by words."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(claim_id__in=Claim.objects.search(search_term).values("pk")), False

    def get_list_filter(self, request):
        if request.user.has_perm("analysts.view_all_reviews"):
            return self.list_filter
        return [QueueFilter, "state", "cycle"]

    def has_add_permission(self, request):
        return False  # reviews are assigned by opening a cycle

    def changelist_view(self, request, extra_context=None):
        title = gettext("Review queue: dependency alerts first, then the most overdue")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    @admin.display(description=_("claim"), ordering="claim__number")
    def claim_label(self, assignment):
        return self.with_version_seen(assignment, assignment.claim.label)

    @admin.display(description=_("English proposition"))
    def claim_text(self, assignment):
        text = assignment.claim.text_en
        return text if len(text) <= 90 else text[:89] + "…"

    @admin.display(description=_("alert"))
    def alert(self, assignment):
        return assignment.alert_reason or ""

    @admin.display(description=_("due"), ordering="claim__next_review_on")
    def due(self, assignment):
        due = assignment.claim.next_review_on
        text = due.isoformat() if due else gettext("now")
        if assignment.is_overdue():
            return format_html("<strong>{}</strong>", gettext("%(day)s (overdue)") % {"day": text})
        return text

    @admin.display(description=_("review"))
    def review_link(self, assignment):
        if assignment.state != Assignment.State.OPEN:
            return ""
        claim_url = reverse("admin:claims_claim_change", args=[assignment.claim_id])
        return format_html('<a href="{}#updates-group">{}</a>', claim_url, gettext("Record an update"))

    @admin.action(description=_("Mark reviewed, unchanged"))
    def complete_unchanged(self, request, queryset):
        """Asks first, on a page of its own, for a note on what was checked; then completes the reviews."""
        form = UnchangedForm(request.POST if "confirm" in request.POST else None)
        versions = self.versions_seen(request)
        if not form.is_valid():
            return self.confirm_unchanged(request, queryset, form, versions)
        done = 0
        for assignment in queryset.select_related("claim"):
            if assignment.analyst_id != request.user.pk and not request.user.has_perm("analysts.view_all_reviews"):
                message = gettext("%(review)s is not yours to complete.") % {"review": assignment}
                self.message_user(request, message, messages.ERROR)
                continue
            try:
                assignment.complete_unchanged(
                    user=request.user, note=form.cleaned_data["note"], base_version=versions.get(assignment.pk)
                )
                done += 1
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.WARNING)
        message = gettext("Marked %(count)d reviews as reviewed, unchanged.") % {"count": done}
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(request.get_full_path())  # back to the queue, its filters kept

    def confirm_unchanged(self, request, queryset, form, versions):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Mark reviewed, unchanged"),
            "opts": self.model._meta,
            "assignments": [(assignment, versions.get(assignment.pk)) for assignment in queryset.select_related("claim")],
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "queue_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/analysts/assignment/complete_unchanged_confirmation.html", context)
