"""Keep review queues in step with what happens to claims.

`claims` knows nothing of reviews, so the links run from here: recording an
update completes the claim's open review, and a flagged dependency puts its
claim at the top of a queue.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from analysts.models import Assignment, ReviewCycle, pick_reviewer
from analysts.models import Analyst
from claims.models import Update, dependents_flagged, stamp


@receiver(post_save, sender=Update)
def complete_review_with_update(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    for assignment in Assignment.objects.open().filter(claim_id=instance.claim_id):
        assignment.complete_with_update(instance, user=instance.recorded_by)


@receiver(dependents_flagged)
def alert_queues(sender, claim, dependents, reason, user=None, **kwargs):
    """Put each flagged claim at the top of a queue in the open cycle, assigning it if need be."""
    cycle = ReviewCycle.objects.filter(state=ReviewCycle.State.OPEN).order_by("-starts_on").first()
    if cycle is None:
        return  # the claims are due now, so the next cycle opened assigns them
    reviewers = list(Analyst.objects.reviewers().prefetch_related("topics").order_by("username"))
    for dependent in dependents:
        assignment = Assignment.objects.filter(cycle=cycle, claim=dependent).first()
        if assignment is None:
            if not reviewers:
                continue
            load = {analyst.pk: analyst.assignments.open().count() for analyst in reviewers}
            assignment = Assignment(cycle=cycle, claim=dependent, analyst=pick_reviewer(dependent, reviewers, load))
        elif assignment.state != Assignment.State.OPEN:
            assignment.state, assignment.outcome, assignment.completed = Assignment.State.OPEN, "", None
            assignment.update, assignment.note = None, ""
        assignment.alert_reason = reason
        stamp(assignment, user, f"Dependency alert: {reason}")
        assignment.save()
