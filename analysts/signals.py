"""Keep review queues in step with what happens to claims.

`claims` knows nothing of reviews, so the links run from here: recording an
update completes the claim's open review, and a flagged dependency puts its
claim at the top of a queue.
"""

from django.db import IntegrityError, transaction
from django.dispatch import receiver

from analysts.models import Analyst, Assignment, ReviewCycle, pick_reviewer
from claims.models import dependents_flagged, stamp, update_recorded


@receiver(update_recorded)
def complete_review_with_update(sender, claim, update, by=None, **kwargs):
    with transaction.atomic():
        for assignment in Assignment.objects.open().filter(claim_id=claim.pk).select_for_update(of=("self",)):
            assignment.complete_with_update(update, user=by)


@receiver(dependents_flagged)
def alert_queues(sender, claim, dependents, reason, user=None, **kwargs):
    """Put each flagged claim at the top of a queue in the open cycle, assigning it if need be."""
    cycle = ReviewCycle.objects.filter(state=ReviewCycle.State.OPEN).order_by("-starts_on").first()
    if cycle is None:
        return  # the claims are due now, so the next cycle opened assigns them
    reviewers = list(Analyst.objects.reviewers().prefetch_related("topics").order_by("username"))
    for dependent in dependents:
        assignment = Assignment.objects.filter(cycle=cycle, claim=dependent).select_for_update(of=("self",)).first()
        if assignment is None:
            assign_with_alert(cycle, dependent, reviewers, reason, user)
        elif assignment.state == Assignment.State.OPEN:
            assignment.alert_reason = reason
            assignment.save_version(["alert_reason"], user, f"Dependency alert: {reason}")
        elif not Assignment.objects.open().filter(claim=dependent).exists():
            # Reviewed already in this cycle: open it again, at the top of the queue.
            assignment.state, assignment.outcome, assignment.completed = Assignment.State.OPEN, "", None
            assignment.update, assignment.note, assignment.alert_reason = None, "", reason
            fields = ["state", "outcome", "completed", "update", "note", "alert_reason"]
            assignment.save_version(fields, user, f"Dependency alert: {reason}")


def assign_with_alert(cycle, claim, reviewers, reason, user):
    """Give `claim` to a reviewer in `cycle`, unless no one can take it or it is open elsewhere."""
    if not reviewers or Assignment.objects.open().filter(claim=claim).exists():
        return None
    load = {analyst.pk: analyst.assignments.open().count() for analyst in reviewers}
    assignment = Assignment(cycle=cycle, claim=claim, analyst=pick_reviewer(claim, reviewers, load), alert_reason=reason)
    stamp(assignment, user, f"Dependency alert: {reason}")
    try:
        with transaction.atomic():  # a cycle opening at this moment may have assigned the claim first
            assignment.save()
    except IntegrityError:
        return None
    return assignment
