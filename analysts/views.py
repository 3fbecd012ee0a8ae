"""Public review reports: what each review cycle looked at, what changed, and the scorecard."""

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from analysts.models import ReviewCycle


@require_safe
def cycle_list(request):
    return render(request, "analysts/cycle_list.html", {"cycles": ReviewCycle.objects.all()})


@require_safe
def cycle_report(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    return render(request, "analysts/cycle_report.html", {"cycle": cycle, **cycle.report()})


@require_safe
def cycle_report_csv(request, label):
    cycle = get_object_or_404(ReviewCycle, label=label)
    data = cycle.report()
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
