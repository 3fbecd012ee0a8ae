"""Public review reports: what each review cycle looked at, what changed, and the scorecard."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from analysts.models import Assignment, ReviewCycle
from claims.exports import CHUNK, csv_response
from claims.models import Source
from claims.public import read_only
from claims.scorecard import by_source
from claims.views import PAGE_SIZE


@read_only
def cycle_list(request):
    return render(request, "analysts/cycle_list.html", {"cycles": ReviewCycle.objects.all()})


@read_only
def cycle_report(request, label):
    """Each list of the report is paged on its own (?reviewed=2&changes=3), so the page stays one size."""
    cycle = get_object_or_404(ReviewCycle, label=label)

    def page(name, items):
        return Paginator(items, PAGE_SIZE).get_page(request.GET.get(name))

    updates = page("changes", cycle.updates_recorded())
    resolving = page("resolved", cycle.resolving_updates())
    counts = cycle.scorecard_counts()
    essays = page("essays", Source.objects.filter(pk__in={key[0] for key in counts}).defer("text"))
    return render(request, "analysts/cycle_report.html", {
        "cycle": cycle,
        "reviewed": page("reviewed", cycle.reviews(Assignment.State.DONE)),
        "missed": page("missed", cycle.reviews(Assignment.State.MISSED)),
        "open": page("open", cycle.reviews(Assignment.State.OPEN)),
        "updates": updates,
        "changes": cycle.changes(updates.object_list),
        "resolving": resolving,
        "resolved": cycle.resolved(resolving.object_list),
        "essays": essays,
        "scorecards": by_source(counts, essays.object_list),
        "scored_on": cycle.scored_on().date(),
    })  # fmt: skip


@read_only
def cycle_report_csv(request, label):
    """Every review and every change of the cycle, streamed: the file holds a chunk of updates in memory at a time."""
    cycle = get_object_or_404(ReviewCycle, label=label)
    header = ["record", "claim", "quote", "analyst", "review", "date", "status_from", "status_to",
              "stage_from", "stage_to", "rationale"]  # fmt: skip

    def rows():
        # Reviews carry the reviewer's public name; their internal notes stay in the admin.
        for state in (Assignment.State.DONE, Assignment.State.MISSED, Assignment.State.OPEN):
            for review in cycle.reviews(state).iterator(chunk_size=CHUNK):
                date = timezone.localdate(review.completed).isoformat() if review.completed else ""
                outcome = review.get_outcome_display() if review.outcome else review.get_state_display()
                yield ["review", review.claim.label, review.claim.quote, review.analyst.public_name, outcome, date,
                       "", "", "", "", ""]  # fmt: skip
        batch = []
        for update in cycle.updates_recorded().iterator(chunk_size=CHUNK):
            batch.append(update)
            if len(batch) == CHUNK:
                yield from change_rows(cycle.changes(batch))
                batch = []
        yield from change_rows(cycle.changes(batch))

    return csv_response(f"review-{cycle.label}.csv", header, rows())


def change_rows(entries):
    for entry in entries:
        update = entry.update
        yield [
            "change", update.claim.label, update.claim.quote, "", "", update.effective_on.isoformat(),
            entry.status_before, entry.status_after,
            entry.stage_before.slug if entry.stage_before else "", entry.stage_after.slug if entry.stage_after else "",
            update.rationale,
        ]  # fmt: skip
