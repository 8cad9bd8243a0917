"""The trial dashboard's data: the candidates table one page at a time, sorted by the database,
and the counts and charts from aggregate queries.

The number of queries and the Python work are fixed whatever the number of candidates: a page
holds :data:`PAGE_SIZE` rows, the charts come from ``GROUP BY`` queries, and the scores of every
candidate are read one by one only while there are few enough to draw each as a dot (tests
count the queries; ``bench/dashboard.py`` measures a trial with 10,000 submissions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from math import ceil
from typing import Any, TypedDict

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from worktrial.rubric import DIMENSION_TITLES, DIMENSIONS
from worktrial.web.jobs.models import EvaluationStatus
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import charts
from worktrial.web.trials.models import STAGE_ORDER, Candidacy, PaymentStatus, Question, Stage

DEFAULT_SORT = "-overall"
PAGE_SIZE = 50
# Up to this many scored candidates the score chart draws each as a dot linking to their page;
# beyond it, a histogram from one GROUP BY (a dot per candidate stops being readable, and
# reading every score into Python would grow with the trial).
STRIP_MAX = 100
HISTOGRAM_BIN = 0.25
PAYMENT_ORDER: list[str] = list(PaymentStatus.values)
STATUS_ORDER = ["done", "running", "queued", "failed"]
PENDING = ("queued", "running")
DONE = "done"


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


def _ranked(field_name: str, order: Sequence[str]) -> Case:
    return Case(
        *(When(**{field_name: value}, then=Value(i)) for i, value in enumerate(order)),
        default=None,
        output_field=IntegerField(),
    )


SORTS: tuple[str, ...] = (
    "alias",
    "stage",
    "status",
    "overall",
    *DIMENSIONS,
    "red_flags",
    "questions",
    "submissions",
)
# Sorting by name only for those who see names: an order by name would tell a blind reviewer
# who is who.
IDENTITY_SORTS: tuple[str, ...] = ("name", "payment")


def sort_key(sort: str, *, identity: bool) -> str:
    """``sort`` (``"overall"``, ``"-overall"``…) when it names a column this viewer may sort
    by, else the default."""
    name = sort.lstrip("-")
    if name in SORTS or (identity and name in IDENTITY_SORTS):
        return f"-{name}" if sort.startswith("-") else name
    return DEFAULT_SORT


def sort_expression(name: str) -> Any:
    """The SQL expression on a candidacy that column ``name`` (from :data:`SORTS` or
    :data:`IDENTITY_SORTS`) sorts by."""
    if name in DIMENSIONS:
        return Cast(KeyTextTransform(name, "latest_dimensions"), FloatField())
    builders: dict[str, Callable[[], Any]] = {
        "alias": lambda: F("alias"),
        "stage": lambda: _ranked("stage", STAGE_ORDER),
        "status": lambda: _ranked("latest_status", STATUS_ORDER),
        "overall": lambda: F("latest_overall"),
        "red_flags": lambda: F("latest_red_flags"),
        "questions": lambda: _count(Question, answered_at__isnull=True),
        "submissions": lambda: _count(Submission),
        "name": lambda: Lower(
            Coalesce(NullIf(F("name"), Value("")), F("email"), output_field=CharField())
        ),
        "payment": lambda: _ranked("payment_status", PAYMENT_ORDER),
    }
    return builders[name]()


def link_maker(view: str) -> Callable[[int], str]:
    """``pk -> URL`` of ``view`` (a URL taking one integer id): reversed once, then formatted
    (``reverse`` costs tens of microseconds and the table links every row twice)."""
    marker = 987654321
    head, tail = reverse(view, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _text(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}"


STAGE_LABELS: dict[str, str] = dict(Stage.choices)
STATUS_LABELS: dict[str, str] = dict(EvaluationStatus.choices)
PAYMENT_LABELS: dict[str, str] = dict(PaymentStatus.choices)
_CELL = '<td class="num score">{}</td>'


class Row(TypedDict):
    """One candidacy on the dashboard, every value ready to show.

    The table is rendered on every visit, so its work is kept small: numbers are formatted
    here (a template filter costs many times more), and a row is a dict because the template
    engine finds a key at its first try where an attribute costs it a caught exception.
    """

    pk: int
    alias: str
    name: str
    email: str
    stage: str
    stage_label: str
    payment_status: str
    payment_label: str
    status: str  # of the latest evaluation; "" when there is none
    status_label: str
    reason: str
    overall: float | None  # once the latest evaluation is done
    overall_text: str
    red_flags: int | None  # once the latest evaluation is done
    dimensions: list[float | None]  # in rubric order; None: not scored
    dimension_cells: SafeString  # the six table cells of ``dimensions``
    open_questions: int
    href: str  # the candidate's page
    scorecard_href: str  # the latest evaluation's scorecard, once it is done


def _row(
    c: dict[str, Any],
    candidacy_href: Callable[[int], str],
    scorecard_href: Callable[[int], str],
) -> Row:
    status = c["latest_status"]
    done = status == DONE
    scores = c["latest_dimensions"] if done else {}
    dimensions = [_score(scores.get(d)) for d in DIMENSIONS]
    overall = c["latest_overall"] if done else None
    pk = c["pk"]
    return Row(
        pk=pk,
        alias=c["alias"],
        name=c["name"],
        email=c["email"],
        stage=c["stage"],
        stage_label=STAGE_LABELS.get(c["stage"], c["stage"]),
        payment_status=c["payment_status"],
        payment_label=PAYMENT_LABELS.get(c["payment_status"], c["payment_status"]),
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        reason=c["latest_reason"],
        overall=overall,
        overall_text=_text(overall),
        red_flags=c["latest_red_flags"] if done else None,
        dimensions=dimensions,
        # digits or a dash only: nothing to escape
        dimension_cells=mark_safe("".join(_CELL.format(_text(v)) for v in dimensions)),
        open_questions=c["n_open_questions"],
        href=candidacy_href(pk),
        scorecard_href=scorecard_href(c["latest_evaluation"]) if done else "",
    )


def table_rows(rows: list[Row], *, identity: bool) -> SafeString:
    """The ``<tr>`` of each row of the candidates table (``identity``: with the name, e-mail
    and payment columns), every text escaped.

    Built here rather than in the template: the table is on every visit and 50 rows of some 20
    template variables each were half of the page's Python time."""
    out: list[str] = []
    for r in rows:
        if r["status"]:
            status = (
                f'<span class="badge {r["status"]}" title="{escape(r["reason"])}">'
                f"{r['status_label']}</span>"
            )
        else:
            status = '<span class="muted">no submission</span>'
        overall = f"<strong>{r['overall_text']}</strong>" if r["overall"] is not None else "–"
        flags = r["red_flags"]
        if flags:
            red_flags = f'<span class="badge failed">{flags}</span>'
        else:
            red_flags = "–" if flags is None else "0"
        n = r["open_questions"]
        questions = f'<span class="badge open">{n}</span>' if n else "0"
        scorecard = f'<a href="{r["scorecard_href"]}">open</a>' if r["scorecard_href"] else ""
        who = (
            f'<td>{escape(r["name"])}<br><span class="muted small">{escape(r["email"])}</span></td>'
            if identity
            else ""
        )
        payment = (
            f'<td><span class="badge pay-{r["payment_status"]}">{r["payment_label"]}</span></td>'
            if identity
            else ""
        )
        # status, stage and payment values and labels come from the models' choices, the
        # numbers are formatted here and the links reversed: only names and reasons are escaped
        out.append(
            f'<tr id="candidacy-{r["pk"]}"><td><a href="{r["href"]}">{escape(r["alias"])}</a>'
            f"</td>{who}"
            f'<td><span class="badge stage-{r["stage"]}">{r["stage_label"]}</span></td>'
            f'<td>{status}</td><td class="num score">{overall}</td>{r["dimension_cells"]}'
            f'<td class="num">{red_flags}</td><td class="num">{questions}</td>{payment}'
            f"<td>{scorecard}</td></tr>\n"
        )
    return mark_safe("".join(out))  # every free text above is escaped


@dataclass
class Page:
    """One page of the candidates table."""

    rows: list[Row]
    number: int  # 1-based
    pages: int
    total: int
    sort: str

    @property
    def first(self) -> int:
        """The position of the page's first row among all (1-based; 0 when empty)."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pending(self) -> bool:
        """Whether an evaluation shown on this page is queued or running (the table is then
        refreshed until it is done)."""
        return any(r["status"] in PENDING for r in self.rows)


def page_number(raw: Any, total: int) -> int:
    """The page asked for, as a number within the pages there are (a bad value: the first)."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), max(ceil(total / PAGE_SIZE), 1))


# what a row shows, read in the one query of the page: the latest evaluation's result is on
# the candidacy (kept up by ``jobs.actions.refresh_latest``): no join with the evaluations,
# which would hash all of them
_ROW_FIELDS = (
    "pk",
    "alias",
    "name",
    "email",
    "stage",
    "payment_status",
    "latest_evaluation",
    "latest_status",
    "latest_overall",
    "latest_red_flags",
    "latest_dimensions",
    "latest_reason",
    "n_open_questions",
)


def page_of(candidacies: QuerySet[Candidacy], sort: str, number: int, total: int) -> Page:
    """Page ``number`` of ``candidacies`` (``total`` of them) ordered by ``sort`` (a valid key
    from :func:`sort_key`): one query. Rows without a value go last in either direction;
    ties are in alias order."""
    expression = sort_expression(sort.lstrip("-"))
    order = OrderBy(F("sort_value"), descending=sort.startswith("-"), nulls_last=True)
    start = (number - 1) * PAGE_SIZE
    found = (
        candidacies.annotate(
            sort_value=expression,
            n_open_questions=_count(Question, answered_at__isnull=True),
        )
        .order_by(order, "alias", "pk")
        .values(*_ROW_FIELDS)[start : start + PAGE_SIZE]
    )
    candidacy_href = link_maker("trials:candidacy")
    scorecard_href = link_maker("trials:scorecard")
    rows = [_row(c, candidacy_href, scorecard_href) for c in found]
    pages = max(ceil(total / PAGE_SIZE), 1)
    return Page(rows, number, pages, total, sort)


def _score(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# --------------------------------------------------------------------------- aggregates


@dataclass
class Counts:
    """Candidates in every stage (stage, label, count; zeros included) and their unanswered
    questions."""

    stages: list[tuple[str, str, int]]
    open_questions: int

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.stages)


def counts(candidacies: QuerySet[Candidacy]) -> Counts:
    """How many of ``candidacies`` are in each stage and how many questions they left open:
    one GROUP BY (the join with questions is counted apart: each candidacy once)."""
    grouped = (
        candidacies.order_by()
        .values_list("stage")
        .annotate(
            n=Count("pk", distinct=True),
            open=Count("questions", filter=Q(questions__answered_at__isnull=True)),
        )
        .values_list("stage", "n", "open")
    )
    by_stage: dict[str, int] = {}
    open_questions = 0
    for stage, n, open_ in grouped:
        by_stage[stage] = n
        open_questions += open_
    stages = [(value, label, by_stage.get(value, 0)) for value, label in Stage.choices]
    return Counts(stages, open_questions)


def stage_bars(counts: list[tuple[str, str, int]]) -> SafeString:
    """Candidates in every stage as bars, from :func:`stage_counts`."""
    return charts.stage_bars([charts.Bar(label, value, n) for value, label, n in counts])


@dataclass
class Scores:
    """The overall scores of a trial's candidates, for the chart: how many are scored, and
    either each of them (``dots``, few enough to draw one by one) or their histogram."""

    scored: int
    dots: list[charts.Dot]
    bins: list[charts.Bin]

    def chart(self) -> SafeString:
        title = "Overall scores (1-5)"
        if self.dots:
            return charts.score_strip(self.dots, title=title)
        return charts.score_histogram(self.bins, title=title)


def scores(candidacies: QuerySet[Candidacy]) -> Scores:
    """The overall scores of ``candidacies``: how many have each score (one GROUP BY), and
    while there are at most :data:`STRIP_MAX`, the scored candidates themselves (one more
    query) so each is drawn as a dot linking to their page."""
    with_score = candidacies.annotate(score=F("latest_overall"))
    grouped = (
        with_score.order_by().values_list("score").annotate(n=Count("pk")).values_list("score", "n")
    )
    pairs = [(float(score), n) for score, n in grouped if score is not None]
    scored = sum(n for _, n in pairs)
    if not 0 < scored <= STRIP_MAX:
        return Scores(scored, [], histogram(pairs))
    href = link_maker("trials:candidacy")
    few = with_score.filter(score__isnull=False).order_by("alias", "pk")
    dots = [
        charts.Dot(alias, s, href(pk)) for pk, alias, s in few.values_list("pk", "alias", "score")
    ]
    return Scores(scored, dots, [])


def histogram(counts: list[tuple[float, int]]) -> list[charts.Bin]:
    """(score, how many) pairs in bins of :data:`HISTOGRAM_BIN` over the rubric's 1-5 scale
    (a score of exactly 5 goes in the last bin)."""
    low, high = charts.SCORE_MIN, charts.SCORE_MAX
    n_bins = round((high - low) / HISTOGRAM_BIN)
    totals = [0] * n_bins
    for score, n in counts:
        i = int((min(max(score, low), high) - low) / HISTOGRAM_BIN)
        totals[min(i, n_bins - 1)] += n
    return [
        charts.Bin(low + i * HISTOGRAM_BIN, low + (i + 1) * HISTOGRAM_BIN, total)
        for i, total in enumerate(totals)
    ]


def dimension_columns() -> list[tuple[str, str]]:
    """(id, title) of the six dimensions, in rubric order."""
    return [(d, DIMENSION_TITLES[d]) for d in DIMENSIONS]
