"""The trial dashboard's data: one row per visible candidacy with its latest evaluation, in a
fixed number of queries whatever the number of candidates (a test counts them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString

from worktrial.rubric import DIMENSION_TITLES, DIMENSIONS
from worktrial.web.jobs.models import Evaluation
from worktrial.web.reviews.models import Review
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import charts
from worktrial.web.trials.models import STAGE_ORDER, Candidacy, PaymentStatus, Question, Stage

DEFAULT_SORT = "-overall"
PAYMENT_ORDER: list[str] = list(PaymentStatus.values)
STATUS_ORDER = ["done", "running", "queued", "failed"]


def _count(model: Any, **filters: Any) -> Coalesce:
    """How many rows of ``model`` belong to the outer candidacy: a correlated subquery, so
    several counts never multiply each other's joins."""
    rows = (
        model.objects.filter(candidacy=OuterRef("pk"), **filters)
        .order_by()
        .values("candidacy")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


def latest_evaluation_id() -> Subquery:
    """The id of a candidacy's latest evaluation: of its last submission, the newest one."""
    latest = Evaluation.objects.filter(submission__candidacy=OuterRef("pk")).order_by(
        "-submission__number", "-queued_at", "-pk"
    )
    return Subquery(latest.values("pk")[:1])


@dataclass
class Row:
    """One candidacy on the dashboard."""

    candidacy: Candidacy
    evaluation: Evaluation | None
    submissions: int
    open_questions: int
    reviews: int
    reviews_submitted: int
    dimensions: list[float | None] = field(default_factory=list)

    @property
    def overall(self) -> float | None:
        ev = self.evaluation
        return ev.overall if ev is not None and ev.status == "done" else None

    @property
    def red_flags(self) -> int | None:
        ev = self.evaluation
        return ev.red_flags if ev is not None and ev.status == "done" else None


def rows_for(candidacies: QuerySet[Candidacy]) -> list[Row]:
    """The dashboard rows of ``candidacies`` (two queries)."""
    annotated = candidacies.annotate(
        latest_evaluation=latest_evaluation_id(),
        n_submissions=_count(Submission),
        n_open_questions=_count(Question, answered_at__isnull=True),
        n_reviews=_count(Review),
        n_reviews_submitted=_count(Review, submitted_at__isnull=False),
    ).order_by("pk")
    evaluations = {
        ev.pk: ev
        for ev in Evaluation.objects.filter(
            pk__in=Subquery(annotated.values("latest_evaluation"))
        ).only("pk", "status", "reason", "overall", "dimensions", "red_flags", "submission_id")
    }
    rows: list[Row] = []
    for c in annotated:
        ev = evaluations.get(c.latest_evaluation)
        scores = ev.dimensions if ev is not None and ev.status == "done" else {}
        rows.append(
            Row(
                candidacy=c,
                evaluation=ev,
                submissions=c.n_submissions,
                open_questions=c.n_open_questions,
                reviews=c.n_reviews,
                reviews_submitted=c.n_reviews_submitted,
                dimensions=[_score(scores.get(d)) for d in DIMENSIONS],
            )
        )
    return rows


def _score(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _dimension_key(i: int) -> Callable[[Row], Any]:
    return lambda r: r.dimensions[i]


def sort_keys(*, identity: bool) -> dict[str, Callable[[Row], Any]]:
    """The columns the table sorts by. Sorting by name only for those who see names: an order
    by name would tell a blind reviewer something about who is who."""
    keys: dict[str, Callable[[Row], Any]] = {
        "alias": lambda r: r.candidacy.alias,
        "stage": lambda r: STAGE_ORDER.index(r.candidacy.stage),
        "status": lambda r: (
            STATUS_ORDER.index(r.evaluation.status) if r.evaluation is not None else None
        ),
        "overall": lambda r: r.overall,
        "red_flags": lambda r: r.red_flags,
        "questions": lambda r: r.open_questions,
        "submissions": lambda r: r.submissions,
    }
    for i, d in enumerate(DIMENSIONS):
        keys[d] = _dimension_key(i)
    if identity:
        keys["name"] = lambda r: (r.candidacy.name or r.candidacy.email).lower()
        keys["payment"] = lambda r: PAYMENT_ORDER.index(r.candidacy.payment_status)
    return keys


def sort_rows(rows: list[Row], sort: str, *, identity: bool) -> tuple[list[Row], str]:
    """``rows`` ordered by ``sort`` (``"overall"``, ``"-overall"``…; unknown: the default).
    Rows without a value go last in either direction; ties keep the alias order."""
    keys = sort_keys(identity=identity)
    name = sort.lstrip("-")
    if name not in keys:
        sort, name = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    key = keys[name]
    descending = sort.startswith("-")
    ordered = sorted(rows, key=lambda r: r.candidacy.alias)
    present = [r for r in ordered if key(r) is not None]
    missing = [r for r in ordered if key(r) is None]
    present.sort(key=key, reverse=descending)
    return present + missing, sort


def stage_bars(rows: list[Row]) -> SafeString:
    """Counts of candidates in every stage, in the stages' order (zeros included)."""
    counts = Counter(r.candidacy.stage for r in rows)
    return charts.stage_bars(
        [charts.Bar(label, value, counts.get(value, 0)) for value, label in Stage.choices]
    )


def stage_counts(rows: list[Row]) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage, in order."""
    counts = Counter(r.candidacy.stage for r in rows)
    return [(value, label, counts.get(value, 0)) for value, label in Stage.choices]


def score_strip(rows: list[Row], href: Callable[[Row], str]) -> SafeString:
    """The overall scores of the rows that have one."""
    return charts.score_strip(
        [charts.Dot(r.candidacy.alias, r.overall, href(r)) for r in rows if r.overall is not None],
        title="Overall scores (1-5)",
    )


def dimension_columns() -> list[tuple[str, str]]:
    """(id, title) of the six dimensions, in rubric order."""
    return [(d, DIMENSION_TITLES[d]) for d in DIMENSIONS]
