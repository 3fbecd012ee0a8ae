"""How an essay's claims are faring: counts per status, a Brier score and a calibration table.

The counts have a column for each final status of a scale, plus open or unrated.
A resolved prediction scores its stated confidence p against its status's
outcome: fulfilled counts as 1, partly fulfilled as 0.5, not fulfilled as 0;
void and open predictions, and predictions without a stated confidence, are
left out.
The Brier score is the mean of (p - outcome)²: 0 is perfect, 0.25 is what
always saying 50% earns.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.utils import translation

from claims.models import CONFIDENCE_BANDS, ClaimKind, ClaimStatus, Confidence, Scale


@dataclass
class CalibrationRow:
    band: Confidence
    probability: float
    count: int = 0
    outcome_total: float = 0.0

    @property
    def observed(self):
        return self.outcome_total / self.count if self.count else None


@dataclass
class Scorecard:
    title: str
    progress: dict = field(default_factory=dict)  # status -> count, plus "open"
    veracity: dict = field(default_factory=dict)  # status -> count, plus "unrated"
    progress_total: int = 0
    veracity_total: int = 0
    brier: float | None = None
    scored: int = 0
    calibration: list = field(default_factory=list)

    @property
    def progress_rows(self):
        return [(status.label, self.progress[status]) for status in Scale.PROGRESS.final_statuses]

    @property
    def veracity_rows(self):
        return [(status.label, self.veracity[status]) for status in Scale.VERACITY.final_statuses]


def tally(claims):
    """How many of `claims` (model instances, current or rebuilt for a past day) have each
    (source id, kind, status, confidence): the shape of ClaimQuerySet.tally()."""
    return Counter((claim.source_id, claim.kind, claim.status, claim.confidence) for claim in claims)


def score(counts, title=""):
    """The scorecard of the claims counted in `counts`: {(source id, kind, status, confidence): number}."""
    card = Scorecard(title=title)
    card.progress = {status: 0 for status in Scale.PROGRESS.final_statuses} | {"open": 0}
    card.veracity = {status: 0 for status in Scale.VERACITY.final_statuses} | {"unrated": 0}
    rows = {band: CalibrationRow(band=band, probability=probability) for band, (probability, _) in CONFIDENCE_BANDS.items()}
    squared_errors, scored = 0.0, 0
    for (_source, kind, status, confidence), number in counts.items():
        status, scale = ClaimStatus(status), ClaimKind(kind).scale
        if scale == Scale.PROGRESS:
            card.progress_total += number
            card.progress[status if status.is_final else "open"] += number
        elif scale == Scale.VERACITY:
            card.veracity_total += number
            card.veracity[status if status.is_final else "unrated"] += number
        outcome = status.outcome
        if kind == ClaimKind.PREDICTION and outcome is not None and confidence:
            row = rows[confidence]
            row.count += number
            row.outcome_total += outcome * number
            squared_errors += number * (row.probability - outcome) ** 2
            scored += number
    card.scored = scored
    card.brier = squared_errors / scored if scored else None
    card.calibration = list(rows.values())
    return card


def by_author(counts, sources):
    """A scorecard for each author of `sources`, named in the page's language, in the sources' order.

    `counts` is a tally (see tally()); claims of sources not in `sources` are left out.
    """
    english = translation.get_language() == "en"
    of_source = counts_by_source(counts)
    authors = {}
    for source in sources:
        author = (source.author_en or source.author) if english else source.author
        authors.setdefault(author, Counter()).update(of_source.get(source.pk, {}))
    return [score(group, title) for title, group in authors.items()]


def by_source(counts, sources):
    """(source, scorecard) for each of `sources`, in their order."""
    of_source = counts_by_source(counts)
    return [(source, score(of_source.get(source.pk, {}), str(source))) for source in sources]


def counts_by_source(counts):
    grouped = {}
    for key, number in counts.items():
        grouped.setdefault(key[0], {})[key] = number
    return grouped
