"""Public review reports: what each review cycle looked at, what changed, and the scorecard."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, ClaimKind, Source, Update, end_of_day
from claims.scorecard import OUTCOMES, by_source_and_author

RESOLVED = {*OUTCOMES, Claim.Status.VOID}


def cycle_report_data(cycle):
    """The reviews, the status and stage changes recorded in the period, and the scorecard at its end."""
    reviews = list(
        cycle.assignments.exclude(claim__state=Claim.State.DRAFT)
        .select_related("claim__source", "analyst", "update")
        .order_by("claim__source_id", "claim__number")
    )
    changed_ids = Update.objects.filter(
        recorded__date__gte=cycle.starts_on, recorded__date__lte=cycle.ends_on
    ).exclude(claim__state=Claim.State.DRAFT).values("claim_id")
    updates = {}
    for update in Update.objects.filter(claim_id__in=changed_ids).select_related("stage", "claim__source"):
        updates.setdefault(update.claim, []).append(update)
    changes = []
    for claim, claim_updates in updates.items():
        for entry in claim.timeline(claim_updates):
            in_period = cycle.starts_on <= timezone.localdate(entry.update.recorded) <= cycle.ends_on
            if in_period and (entry.status_changed or entry.stage_changed) and not entry.is_corrected:
                changes.append(entry)
    changes.sort(key=lambda entry: (entry.update.claim.source_id, entry.update.claim.number, entry.update.effective_on))
    resolved = [
        entry for entry in changes
        if entry.update.claim.kind == ClaimKind.PREDICTION and entry.status_changed and entry.status_after in RESOLVED
    ]  # fmt: skip
    moment = end_of_day(min(cycle.ends_on, timezone.localdate()))
    claims = list(Claim.public_as_of(moment).filter(state=Claim.State.PUBLISHED))
    sources = Source.objects.in_bulk({claim.source_id for claim in claims})
    for claim in claims:
        claim.source = sources[claim.source_id]
    _, scorecards = by_source_and_author(claims)
    return {
        "reviewed": [review for review in reviews if review.state == Assignment.State.DONE],
        "missed": [review for review in reviews if review.state == Assignment.State.MISSED],
        "open": [review for review in reviews if review.state == Assignment.State.OPEN],
        "changes": changes,
        "resolved": resolved,
        "scorecards": scorecards,
        "scored_on": moment.date(),
    }


@require_safe
def cycle_list(request):
    return render(request, "analysts/cycle_list.html", {"cycles": ReviewCycle.objects.all()})


@require_safe
def cycle_report(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    return render(request, "analysts/cycle_report.html", {"cycle": cycle, **cycle_report_data(cycle)})


@require_safe
def cycle_report_csv(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    data = cycle_report_data(cycle)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="review-{cycle.label}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese quotes as UTF-8
    writer = csv.writer(response)
    writer.writerow(["record", "claim", "quote", "analyst", "review", "date", "status_from", "status_to",
                     "stage_from", "stage_to", "rationale"])  # fmt: skip
    # Reviews carry the reviewer's public name; their internal notes stay in the admin.
    for review in [*data["reviewed"], *data["missed"], *data["open"]]:
        date = timezone.localdate(review.completed).isoformat() if review.completed else ""
        outcome = review.get_outcome_display() if review.outcome else review.get_state_display()
        writer.writerow(["review", review.claim.label, review.claim.quote, review.analyst.public_name, outcome, date, "", "", "", "", ""])
    for entry in data["changes"]:
        update = entry.update
        writer.writerow([
            "change", update.claim.label, update.claim.quote, "", "", update.effective_on.isoformat(),
            entry.status_before, entry.status_after,
            entry.stage_before.slug if entry.stage_before else "", entry.stage_after.slug if entry.stage_after else "",
            update.rationale,
        ])  # fmt: skip
    return response
