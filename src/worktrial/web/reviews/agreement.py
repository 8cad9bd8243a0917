"""How far the reviewers of one candidacy agree, and when they disagree enough to need a third.

Two *submitted* reviews **disagree a lot** when either

- their recommendations fall on opposite sides of "no decision" (one says no or strong no, the
  other yes or strong yes; "no decision" takes no side, so it disagrees with nobody), or
- they rate some dimension :data:`DISAGREEMENT_POINTS` (2) or more points apart on the 1-5 scale
  (a 2 and a 4 read the same evidence as "weak" and "strong").

A candidacy with such a pair **needs a third reviewer** until :data:`REVIEWERS_AFTER_DISAGREEMENT`
(3) reviewers are assigned; the manager sees the flag on the candidacy's review page and in the
review board, with a one-click form to assign one. Drafts never count: a reviewer's opinion is
theirs until they submit it.

Everything here is a pure function of review rows already loaded (no queries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import mean

from worktrial.rubric import DIMENSION_TITLES, DIMENSIONS
from worktrial.web.reviews.models import RECOMMENDATION_VALUE, Recommendation, Review

DISAGREEMENT_POINTS = 2
REVIEWERS_AFTER_DISAGREEMENT = 3


def recommendation_side(recommendation: str) -> int:
    """-1 for no / strong no, +1 for yes / strong yes, 0 for no decision (or none)."""
    value = RECOMMENDATION_VALUE.get(recommendation)  # type: ignore[call-overload]
    if value is None:
        return 0
    return -1 if value < 3 else 1


def compare_reviews(first: Review, second: Review) -> tuple[str, ...]:
    """Why two reviews disagree a lot, one reason per line; empty when they do not."""
    reasons: list[str] = []
    a, b = recommendation_side(first.recommendation), recommendation_side(second.recommendation)
    if a * b < 0:
        labels = dict(Recommendation.choices)
        reasons.append(
            "recommendations on opposite sides: "
            f"{labels[first.recommendation]} and {labels[second.recommendation]}"
        )
    for dimension in DIMENSIONS:
        x, y = first.ratings.get(dimension), second.ratings.get(dimension)
        if isinstance(x, int) and isinstance(y, int) and abs(x - y) >= DISAGREEMENT_POINTS:
            reasons.append(f"{DIMENSION_TITLES[dimension]} rated {x} and {y}")
    return tuple(reasons)


@dataclass(frozen=True, slots=True)
class Gap:
    """Two submitted reviews that disagree a lot, and why."""

    first: Review
    second: Review
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """The pairs of submitted reviews of one candidacy that disagree a lot."""

    gaps: tuple[Gap, ...]
    assigned: int  # reviewers assigned, submitted or not

    @property
    def needs_reviewer(self) -> bool:
        """Whether the manager should assign another reviewer."""
        return self.assigned < REVIEWERS_AFTER_DISAGREEMENT


def disagreement(submitted: Sequence[Review], *, assigned: int) -> Disagreement | None:
    """The disagreement among ``submitted`` reviews (drafts are ignored), or None.

    Args:
        submitted: the candidacy's reviews; those without ``submitted_at`` are skipped.
        assigned: how many reviewers the candidacy has, submitted or not.
    """
    done = [r for r in submitted if r.submitted_at is not None]
    gaps = []
    for i, first in enumerate(done):
        for second in done[i + 1 :]:
            reasons = compare_reviews(first, second)
            if reasons:
                gaps.append(Gap(first, second, reasons))
    if not gaps:
        return None
    return Disagreement(tuple(gaps), max(assigned, len(done)))


@dataclass(frozen=True, slots=True)
class DimensionAgreement:
    """One dimension across the submitted reviews: each rating and how far apart they are."""

    dimension: str
    title: str
    ratings: tuple[int | None, ...]  # in the order of :attr:`Agreement.reviews`
    automated: float | None
    low: int | None
    high: int | None
    average: float | None

    @property
    def spread(self) -> int | None:
        return None if self.low is None or self.high is None else self.high - self.low

    @property
    def split(self) -> bool:
        return (self.spread or 0) >= DISAGREEMENT_POINTS


@dataclass(frozen=True, slots=True)
class Agreement:
    """The submitted reviews of a candidacy side by side, with the automated scores."""

    reviews: tuple[Review, ...]
    rows: tuple[DimensionAgreement, ...]
    recommendations: tuple[tuple[str, int], ...]  # (label, how many), in scale order

    @property
    def agreeing_dimensions(self) -> int:
        """Dimensions where every submitted rating is within one point of the others."""
        return sum(1 for r in self.rows if r.spread is not None and not r.split)

    @property
    def rated_dimensions(self) -> int:
        return sum(1 for r in self.rows if r.spread is not None)


def agreement(reviews: Sequence[Review], automated: Mapping[str, float | None]) -> Agreement:
    """The submitted ``reviews`` side by side per dimension, next to the ``automated`` scores
    (dimension -> 1-5 score of the latest evaluation)."""
    done = tuple(r for r in reviews if r.submitted_at is not None)
    rows = []
    for dimension in DIMENSIONS:
        ratings = tuple(v if isinstance(v := r.ratings.get(dimension), int) else None for r in done)
        given = [v for v in ratings if v is not None]
        rows.append(
            DimensionAgreement(
                dimension=dimension,
                title=DIMENSION_TITLES[dimension],
                ratings=ratings,
                automated=automated.get(dimension),
                low=min(given) if given else None,
                high=max(given) if given else None,
                average=round(mean(given), 1) if given else None,
            )
        )
    counts = dict.fromkeys(Recommendation.values, 0)
    for r in done:
        if r.recommendation in counts:
            counts[r.recommendation] += 1
    labels = dict(Recommendation.choices)
    tally = tuple((labels[value], n) for value, n in counts.items() if n)
    return Agreement(done, tuple(rows), tally)
