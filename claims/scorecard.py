"""How an essay's claims are faring: counts per status, a Brier score and a calibration table.

A resolved prediction scores its stated confidence p against what happened:
fulfilled counts as 1, partly fulfilled as 0.5, not fulfilled as 0; void and
open predictions, and predictions without a stated confidence, are left out.
The Brier score is the mean of (p - outcome)²: 0 is perfect, 0.25 is what
always saying 50% earns.
"""

from dataclasses import dataclass, field

from claims.models import CONFIDENCE_BANDS, PROGRESS_KINDS, VERACITY_KINDS, ClaimKind, ClaimStatus, Confidence

OUTCOMES = {ClaimStatus.FULFILLED: 1.0, ClaimStatus.PARTLY_FULFILLED: 0.5, ClaimStatus.NOT_FULFILLED: 0.0}
PROGRESS_COLUMNS = (
    ClaimStatus.FULFILLED,
    ClaimStatus.PARTLY_FULFILLED,
    ClaimStatus.NOT_FULFILLED,
    ClaimStatus.VOID,
)
VERACITY_COLUMNS = (
    ClaimStatus.ACCURATE,
    ClaimStatus.MOSTLY_ACCURATE,
    ClaimStatus.MIXED,
    ClaimStatus.INACCURATE,
    ClaimStatus.UNVERIFIABLE,
)


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
        return [(status.label, self.progress[status]) for status in PROGRESS_COLUMNS]

    @property
    def veracity_rows(self):
        return [(status.label, self.veracity[status]) for status in VERACITY_COLUMNS]


def score(claims, title=""):
    """The scorecard of `claims` (model instances, current or rebuilt for a past day)."""
    card = Scorecard(title=title)
    card.progress = {status: 0 for status in PROGRESS_COLUMNS} | {"open": 0}
    card.veracity = {status: 0 for status in VERACITY_COLUMNS} | {"unrated": 0}
    rows = {band: CalibrationRow(band=band, probability=probability) for band, (probability, _) in CONFIDENCE_BANDS.items()}
    squared_errors = []
    for claim in claims:
        if claim.kind in PROGRESS_KINDS:
            card.progress_total += 1
            card.progress[claim.status if claim.status in PROGRESS_COLUMNS else "open"] += 1
        elif claim.kind in VERACITY_KINDS:
            card.veracity_total += 1
            card.veracity[claim.status if claim.status in VERACITY_COLUMNS else "unrated"] += 1
        if claim.kind == ClaimKind.PREDICTION and claim.status in OUTCOMES and claim.confidence:
            row = rows[claim.confidence]
            outcome = OUTCOMES[claim.status]
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
        authors.setdefault(claim.source.author_en or claim.source.author, []).append(claim)
        sources.setdefault(claim.source, []).append(claim)
    return (
        [score(group, title) for title, group in authors.items()],
        [(source, score(group, str(source))) for source, group in sources.items()],
    )
