"""Public review reports: what each review cycle looked at, what changed, and the scorecard."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from analysts.models import ReviewCycle
from claims.exports import csv_response
from claims.public import read_only


@read_only
def cycle_list(request):
    return render(request, "analysts/cycle_list.html", {"cycles": ReviewCycle.objects.all()})


@read_only
def cycle_report(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    return render(request, "analysts/cycle_report.html", {"cycle": cycle, **cycle.report()})


@read_only
def cycle_report_csv(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    data = cycle.report()
    header = ["record", "claim", "quote", "analyst", "review", "date", "status_from", "status_to",
              "stage_from", "stage_to", "rationale"]  # fmt: skip
    rows = []
    # Reviews carry the reviewer's public name; their internal notes stay in the admin.
    for review in [*data["reviewed"], *data["missed"], *data["open"]]:
        date = timezone.localdate(review.completed).isoformat() if review.completed else ""
        outcome = review.get_outcome_display() if review.outcome else review.get_state_display()
        rows.append(["review", review.claim.label, review.claim.quote, review.analyst.public_name, outcome, date, "", "", "", "", ""])
    for entry in data["changes"]:
        update = entry.update
        rows.append([
            "change", update.claim.label, update.claim.quote, "", "", update.effective_on.isoformat(),
            entry.status_before, entry.status_after,
            entry.stage_before.slug if entry.stage_before else "", entry.stage_after.slug if entry.stage_after else "",
            update.rationale,
        ])  # fmt: skip
    return csv_response(f"review-{cycle.label}.csv", header, rows)
