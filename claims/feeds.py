"""Atom feeds of status updates: the whole site, and one claim."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy

from claims.models import Claim, Update, in_reader_language
from claims.public import read_only

LATEST = 50
# How much of the English proposition an entry's title carries: enough to say what the claim is.
TITLE_PROPOSITION = 80


class UpdateFeed(Feed):
    """What the two feeds share: one entry per recorded update, newest first."""

    feed_type = Atom1Feed
    # RFC 4287 wants an author for every entry; the feed's stands in where an entry names nobody.
    author_name = gettext_lazy("Claim tracker")

    def updates(self):
        # Everything an entry reads is joined in, so one query whatever the number of entries.
        return Update.objects.select_related("claim__source", "stage", "recorded_by", "correction").order_by(
            "-recorded", "-pk"
        )

    def item_title(self, update):
        # What changed (the new status, the new stage, or both), then what the claim says.
        stage = (update.stage.name_en if translation.get_language() == "en" else update.stage.name) if update.stage else ""
        changes = " / ".join(filter(None, [update.get_status_display(), stage]))
        proposition = in_reader_language(update.claim, "text")[0]
        title = f"{update.claim.label}: {changes} — {Truncator(proposition).chars(TITLE_PROPOSITION)}"
        if update.corrected_by() is not None:
            title += " " + gettext("(corrected)")
        return title

    def item_description(self, update):
        # Atom's summary is HTML; the rationale is plain text with line breaks.
        text = in_reader_language(update, "rationale")[0]
        if update.corrects_id is not None:
            text += "\n\n" + gettext("Correction of an earlier update.")
        summary = linebreaks(text, autoescape=True)
        if (correction := update.corrected_by()) is not None:
            summary += format_html(
                '\n\n<p>{} <a href="{}">{}</a></p>',
                gettext("Corrected: this update was put right by a later one and no longer counts."),
                # Relative to the feed's own address, as RFC 3986 resolves it; the correction is on the same claim.
                f"{update.claim.get_absolute_url()}#update-{correction.pk}",
                gettext("See the correction"),
            )
        return summary

    def item_author_name(self, update):
        # A public name, never a login name; None leaves the feed's author to stand in.
        return update.recorder_name or None

    def item_link(self, update):
        return f"{update.claim.get_absolute_url()}#update-{update.pk}"

    def item_pubdate(self, update):
        return update.recorded

    def item_updateddate(self, update):
        # Updates are append-only: an entry changes only when a correction marks it corrected.
        correction = update.corrected_by()
        return correction.recorded if correction is not None else update.recorded


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
        return f"{claim.label}: {in_reader_language(claim, 'text')[0]}"

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
