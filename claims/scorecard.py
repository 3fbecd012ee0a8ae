"""How an essay's claims are faring: counts per status, a Brier score and a calibration table.

The counts have a column for each final status of a scale, plus open or unrated.
A resolved prediction scores its stated confidence p against its status's
outcome: fulfilled counts as 1, partly fulfilled as 0.5, not fulfilled as 0;
void and open predictions, and predictions without a stated confidence, are
left out.
The Brier score is the mean of (p - outcome)²: 0 is perfect, 0.25 is what
always saying 50% earns.
"""

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


def score(claims, title=""):
    """The scorecard of `claims` (model instances, current or rebuilt for a past day)."""
    card = Scorecard(title=title)
    card.progress = {status: 0 for status in Scale.PROGRESS.final_statuses} | {"open": 0}
    card.veracity = {status: 0 for status in Scale.VERACITY.final_statuses} | {"unrated": 0}
    rows = {band: CalibrationRow(band=band, probability=probability) for band, (probability, _) in CONFIDENCE_BANDS.items()}
    squared_errors = []
    for claim in claims:
        status = ClaimStatus(claim.status)
        if claim.scale == Scale.PROGRESS:
            card.progress_total += 1
            card.progress[status if status.is_final else "open"] += 1
        elif claim.scale == Scale.VERACITY:
            card.veracity_total += 1
            card.veracity[status if status.is_final else "unrated"] += 1
        outcome = status.outcome
        if claim.kind == ClaimKind.PREDICTION and outcome is not None and claim.confidence:
            row = rows[claim.confidence]
            row.count += 1
            row.outcome_total += outcome
            squared_errors.append((row.probability - outcome) ** 2)
    card.scored = len(squared_errors)
    card.brier = sum(squared_errors) / len(squared_errors) if squared_errors else None
    card.calibration = list(rows.values())
    return card


def by_source_and_author(claims):
    """Scorecards for each author, then for each source, in the order the claims come."""
    authors, sources = {}, {}
    for claim in claims:
        source = claim.source
        authors.setdefault((source.author_en or source.author) if translation.get_language() == "en" else source.author, []).append(claim)
        sources.setdefault(claim.source, []).append(claim)
    return (
        [score(group, title) for title, group in authors.items()],
        [(source, score(group, str(source))) for source, group in sources.items()],
    )
