"""Atom feeds of status updates: the whole site, and one claim."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext, gettext_lazy

from claims.models import Claim, Update
from claims.public import read_only

LATEST = 50


class UpdateFeed(Feed):
    """What the two feeds share: one entry per recorded update, newest first."""

    feed_type = Atom1Feed

    def updates(self):
        # claim__source and stage are all an entry reads, so one query whatever the number of entries.
        return Update.objects.select_related("claim__source", "stage").order_by("-recorded", "-pk")

    def item_title(self, update):
        # What changed: the new status, the new stage, or both.
        changes = [update.get_status_display(), update.stage.name_en if update.stage else ""]
        return f"{update.claim.label}: {' / '.join(filter(None, changes))}"

    def item_description(self, update):
        # Atom's summary is HTML; the rationale is plain text with line breaks.
        text = update.rationale
        if update.corrects_id is not None:
            text += "\n\n" + gettext("Correction of an earlier update.")
        return linebreaks(text, autoescape=True)

    def item_link(self, update):
        return f"{update.claim.get_absolute_url()}#update-{update.pk}"

    def item_pubdate(self, update):
        return update.recorded

    def item_updateddate(self, update):
        # Updates are append-only: an entry never changes after it is recorded.
        return update.recorded


class UpdatesFeed(UpdateFeed):
    title = gettext_lazy("Claim tracker: status updates")
    subtitle = gettext_lazy("The latest changes to the status and stage of the public claims.")

    def link(self):
        return reverse("claims:home")

    def items(self):
        return self.updates().filter(claim__in=Claim.objects.public())[:LATEST]


class ClaimUpdatesFeed(UpdateFeed):
    def get_object(self, request, source, number):
        return get_object_or_404(Claim.objects.public().select_related("source"), source__slug=source, number=number)

    def title(self, claim):
        return f"{claim.label}: {claim.text_en}"

    def subtitle(self, claim):
        return gettext("Changes to the status and stage of %(label)s of “%(source)s”.") % {
            "label": claim.label,
            "source": claim.source,
        }

    def link(self, claim):
        return claim.get_absolute_url()

    def items(self, claim):
        return self.updates().filter(claim=claim)


# Feed.__call__ would answer any method; the feeds read, like every public page.
updates_feed = read_only(UpdatesFeed())
claim_feed = read_only(ClaimUpdatesFeed())
