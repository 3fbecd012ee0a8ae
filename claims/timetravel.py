"""The tracker as it stood at the end of a past day, rebuilt from the audit history.

`AsOf.from_request()` reads `?as_of=YYYY-MM-DD`. Without it, or with a date that
cannot be used, the views show the tracker as it stands now, and `message` says
why the date was not used.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Claim, Evidence, Source, Stage, Track, Update, end_of_day


@dataclass
class AsOf:
    day: datetime.date | None = None
    message: str = ""

    @classmethod
    def from_request(cls, request, today=None):
        value = request.GET.get("as_of", "").strip()
        if not value:
            return cls()
        today = today or timezone.localdate()
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return cls(message=_("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-04-01. Showing the tracker as it stands today.") % {"value": value[:40]})
        if day > today:
            return cls(message=_("%(day)s is in the future. Showing the tracker as it stands today.") % {"day": day.isoformat()})
        return cls(day=day)

    @property
    def moment(self):
        return end_of_day(self.day) if self.day else None

    @property
    def query(self):
        """The query string that keeps a link in the same past day."""
        return f"?as_of={self.day.isoformat()}" if self.day else ""

    def claims(self):
        """Public claims, as they stand now or stood then. Call `attach()` on the results."""
        if self.day is None:
            return Claim.objects.public().select_related("source", "track", "stage__track")
        return Claim.public_as_of(self.moment)

    def attach(self, claims):
        """Give rebuilt claims their source, track and stage with three queries, whatever their number."""
        claims = list(claims)
        if self.day is not None and claims:
            sources = Source.objects.in_bulk({claim.source_id for claim in claims})
            tracks = Track.objects.in_bulk()
            stages = Stage.objects.in_bulk()
            for claim in claims:
                claim.source = sources[claim.source_id]
                claim.stage = stages.get(claim.stage_id)
                claim.track = tracks.get(claim.track_id)
        return claims

    def updates(self):
        """Updates recorded by the day's end (all of them today); updates are append-only."""
        updates = Update.objects.select_related("stage", "recorded_by", "claim__source", "correction")
        return updates if self.day is None else updates.filter(recorded__lte=self.moment)

    def mark_corrections(self, updates):
        """The updates, each with `shown_correction`: the update correcting it by the day's end, or None."""
        updates = list(updates)
        for update in updates:
            update.shown_correction = update.corrected_by(self.moment)
        return updates

    def evidence(self):
        return Evidence.objects.all() if self.day is None else Evidence.history.as_of(self.moment)
