"""Facts several signals share: the trial window, the candidate's work, the first baseline.

Signals are pure functions of a :class:`Context`. Many of them need the same derived facts (the
work commits in time order, the trial window, when the first baseline landed, which documents
the candidate wrote), so :func:`facts` computes them in one linear pass. Inside
:func:`memoized` (which :func:`worktrial.rubric.score` uses) the facts are computed once per
context; outside it every call recomputes them, so a signal called on its own is still pure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from worktrial.evidence._types import (
    Commit,
    CommitKind,
    DocFile,
    DocSection,
    Experiment,
    Pointer,
    Statement,
)
from worktrial.rubric._types import Context

LINE_CAP = 1000
"""Changed lines counted per commit at most, so one bulk commit cannot dominate a share."""

_NOTHING = (
    "nothing to assess: no commits by the candidate before the deadline and no files or records"
)


@dataclass(frozen=True, slots=True)
class Window:
    """The trial window: from ``start`` to ``end`` (both aware, or both ``None``)."""

    start: datetime | None
    end: datetime | None
    source: str  # how the window was derived, in words
    # the end when it is a real deadline (given, or the start plus the trial's duration);
    # ``None`` when the end is only the last work commit
    deadline: datetime | None = None

    @property
    def seconds(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return max(0.0, (self.end - self.start).total_seconds())

    @property
    def days(self) -> float:
        return self.seconds / 86400.0

    def fraction(self, at: datetime) -> float | None:
        """Where ``at`` falls in the window, clamped to [0, 1]; ``None`` without a window."""
        if self.start is None or self.seconds <= 0:
            return None
        f = (at - self.start).total_seconds() / self.seconds
        return 0.0 if f < 0 else 1.0 if f > 1 else f


@dataclass(frozen=True, slots=True)
class Baseline:
    """When the first result with a metric landed, and where a reviewer can see it."""

    at: datetime
    pointer: Pointer
    how: str  # "experiment exp-001 (recall 0.71)", "commit abc1234 names a metric", ...


@dataclass(slots=True)
class Facts:
    """Derived facts for one context (see the module docstring)."""

    window: Window
    work: list[Commit]  # the candidate's own commits before the deadline, in time order
    effort: list[int]  # changed lines per work commit, capped at LINE_CAP (at least 1)
    offsets: list[float]  # seconds from the window's start per work commit (0 without a window)
    fractions: list[float | None]  # each work commit's place in the window (see Window.fraction)
    commit_by_sha: dict[str, Commit]
    experiments: list[Experiment]  # records made before the deadline, in time order
    experiment_times: list[datetime | None]
    baseline: Baseline | None
    first_modelling: Commit | None
    writeup: list[DocFile]  # documents the candidate wrote (no prompt README, no starter docs)
    statements: list[Statement]  # statements from those documents
    touched: set[str]  # every path some commit of the history changed
    starter_only: set[str]  # paths only the trial's starter commits changed (the company's)
    submitted: bool
    nothing: str = _NOTHING
    _text: str | None = field(default=None, repr=False)

    @property
    def sections(self) -> Iterator[DocSection]:
        for f in self.writeup:
            yield from f.sections

    def elements(self) -> dict[str, list[Pointer]]:
        """Write-up elements found in the candidate's documents, with section pointers."""
        found: dict[str, list[Pointer]] = {}
        for s in self.sections:
            for e in sorted(s.elements):
                found.setdefault(e, []).append(s.pointer)
        return found

    def statements_of(self, kind: str) -> list[Statement]:
        return [s for s in self.statements if s.kind == kind]

    @property
    def text(self) -> str:
        """All the candidate's write-up text, lower case (headings included)."""
        if self._text is None:
            self._text = "\n".join(f"{s.heading}\n{s.text}" for s in self.sections).lower()
        return self._text


_SCOPE: ContextVar[dict[int, tuple[Context, Facts]] | None] = ContextVar(
    "worktrial_rubric_facts", default=None
)


@contextmanager
def memoized() -> Iterator[None]:
    """Compute each context's facts once while the block runs (contexts must not change).

    Nested blocks share the outermost scope, so a caller that scores and then asks for the
    window or the time allocation inside one block derives the facts once.
    """
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def facts(ctx: Context) -> Facts:
    """The shared facts of ``ctx`` (memoized inside :func:`memoized`)."""
    scope = _SCOPE.get()
    if scope is None:
        return _compute(ctx)
    hit = scope.get(id(ctx))
    # the stored context keeps its id from being reused while the scope lives
    if hit is not None and hit[0] is ctx:
        return hit[1]
    result = _compute(ctx)
    scope[id(ctx)] = (ctx, result)
    return result


# --------------------------------------------------------------------------- computing


def effort(commit: Commit) -> int:
    """A commit's changed lines capped at :data:`LINE_CAP` (binary-only commits count 1)."""
    return max(1, min(commit.lines_changed, LINE_CAP))


def _window(ctx: Context, work: list[Commit]) -> Window:
    spec_days = ctx.spec.duration_days if ctx.spec is not None else None
    start, end = ctx.started_at, ctx.deadline or ctx.evidence.history.deadline
    parts: list[str] = []
    if start is not None:
        parts.append("the given start")
    elif end is not None and spec_days:
        start = end - timedelta(days=spec_days)
        parts.append("the deadline minus the trial's duration")
    elif work:
        start = work[0].authored_at
        parts.append("the first work commit")
    if end is not None:
        parts.append("the deadline")
        deadline: datetime | None = end
    elif start is not None and spec_days:
        end = deadline = start + timedelta(days=spec_days)
        parts.append("the trial's duration")
    elif work:
        end = max(work[-1].authored_at, start) if start is not None else work[-1].authored_at
        deadline = None
        parts.append("the last work commit")
    else:
        deadline = None
    if start is None or end is None:
        return Window(None, None, "no start, deadline or work commit to place the trial in time")
    if end < start:
        end = start
    return Window(start, end, "from " + " to ".join(parts), deadline)


# specific metric names, or a ``*_loss`` / ``*_error`` / ``*_score`` key; bare "loss", "error"
# and "score" are left out because commit messages use them in other senses ("loss of 2 rows")
_METRIC_WORDS = (
    r"recall|precision|f1|f-1|roc[_ -]?auc|pr[_ -]?auc|auc|auroc|accuracy|acc|balanced accuracy"
    r"|rmse|mae|mse|r2|r\^2|log[_ -]?loss|logloss|brier|map|ndcg|mape"
    r"|[a-z0-9]+_(?:loss|error|score)"
)
# a decimal or a percentage: bare integers are too often counts ("map 3 columns")
_NUMBER = r"(?:\d+(?:\.\d+)?\s*%|\d*\.\d+)"


def metric_mention_pattern(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A pattern for a metric named with a value (``recall 0.71``, ``auc=0.9``, ``f1: 64%``)."""
    words = _METRIC_WORDS
    if extra:
        words = "|".join(re.escape(e.lower()) for e in extra) + "|" + words
    return re.compile(rf"\b(?:{words})\b\s*(?:[:=]|is|of|at|->|→|to)?\s*{_NUMBER}", re.IGNORECASE)


def finite_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """Only the finite, numeric entries of a metrics mapping."""
    out: dict[str, float] = {}
    for k, v in metrics.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        if math.isfinite(v):
            out[k] = float(v)
    return out


def _doc_path(pointer: Pointer) -> str | None:
    if pointer.kind != "file":
        return None
    path, sep, line = pointer.ref.rpartition(":")
    return path if sep and line.isdigit() else pointer.ref


def _compute(ctx: Context) -> Facts:
    ev = ctx.evidence
    history = ev.history
    # bots and scheduled jobs are not the candidate's effort
    candidate = history.work
    work = [c for c in candidate if c.kind is not CommitKind.AUTOMATED]
    work.sort(key=lambda c: c.authored_at)
    window = _window(ctx, work)
    commit_by_sha = {c.sha: c for c in history.commits}

    # experiments: dated by their own time, else by their commit's; late ones are not counted
    deadline = window.deadline
    dated: list[tuple[datetime | None, int, Experiment]] = []
    for i, e in enumerate(ev.experiments.records):
        commit = commit_by_sha.get(e.commit) if e.commit else None
        at = e.at or (commit.authored_at if commit is not None else None)
        if commit is not None and commit.after_deadline:
            continue
        if deadline is not None and at is not None and at > deadline:
            continue
        dated.append((at, i, e))
    if all(at is not None for at, _, _ in dated):
        dated.sort(key=lambda t: (t[0], t[1]))
    experiments = [e for _, _, e in dated]
    experiment_times = [at for at, _, _ in dated]

    first_modelling = next((c for c in work if c.kind is CommitKind.MODELLING), None)
    baseline = _baseline(ctx, work, experiments, experiment_times, first_modelling)

    # documents: not the README that is still the prompt, not docs only the starter kit touched
    starter_paths: set[str] = set()
    work_paths: set[str] = set()
    for c in history.commits:
        target = starter_paths if c.is_starter else work_paths
        for change in c.files:
            target.add(change.path)
    docs = ev.docs
    # the prompt README is excluded by path, listed among the files or not: its statements are
    # the company's words whichever way the collector reported them
    excluded: set[str] = set()
    if docs.readme_is_prompt and docs.readme_path:
        excluded.add(docs.readme_path)
    for doc in docs.files:
        if doc.path in starter_paths and doc.path not in work_paths:
            excluded.add(doc.path)
    writeup = [d for d in docs.files if d.path not in excluded]
    statements = [s for s in docs.statements if _doc_path(s.pointer) not in excluded]

    if history.commits:
        submitted = bool(candidate) or bool(experiments)
    else:
        submitted = bool(
            experiments or writeup or ev.code.python_files or ev.code.notebooks or ev.comms.updates
        )
    if window.start is not None and window.seconds > 0:
        origin, span = window.start.timestamp(), window.seconds
        offsets = [c.authored_at.timestamp() - origin for c in work]
        fractions: list[float | None] = [min(1.0, max(0.0, o / span)) for o in offsets]
    else:
        offsets = [0.0] * len(work)
        fractions = [None] * len(work)
    return Facts(
        window=window,
        work=work,
        effort=[effort(c) for c in work],
        offsets=offsets,
        fractions=fractions,
        commit_by_sha=commit_by_sha,
        experiments=experiments,
        experiment_times=experiment_times,
        baseline=baseline,
        first_modelling=first_modelling,
        writeup=writeup,
        statements=statements,
        touched=starter_paths | work_paths,
        starter_only=starter_paths - work_paths,
        submitted=submitted,
    )


def _baseline(
    ctx: Context,
    work: list[Commit],
    experiments: list[Experiment],
    times: list[datetime | None],
    first_modelling: Commit | None,
) -> Baseline | None:
    candidates: list[Baseline] = []
    primary = ctx.spec.primary_metric.name if ctx.spec is not None else None
    for e, at in zip(experiments, times, strict=True):
        metrics = finite_metrics(e.metrics)
        if at is not None and metrics:
            hit = find_metric(metrics, primary) if primary else None
            name, value = hit or min(metrics.items())
            candidates.append(Baseline(at, e.pointer, f"experiment {e.id} ({name} {value:g})"))
            break
    extra = (primary,) if primary else ()
    pattern = metric_mention_pattern(extra)
    for c in work:
        if pattern.search(c.subject) or pattern.search(c.body):
            candidates.append(
                Baseline(c.authored_at, c.pointer, f"commit {c.sha[:7]} names a metric")
            )
            break
    if candidates:
        return min(candidates, key=lambda b: b.at)
    has_metric = any(finite_metrics(e.metrics) for e in experiments) or bool(
        ctx.evidence.docs.reported_metrics
    )
    if has_metric and first_modelling is not None:
        return Baseline(
            first_modelling.authored_at,
            first_modelling.pointer,
            f"first modelling commit {first_modelling.sha[:7]} (the metric itself is not dated)",
        )
    return None


# --------------------------------------------------------------------------- metrics

_LOWER_IS_BETTER = frozenset(
    {
        "mae",
        "mse",
        "rmse",
        "rmsle",
        "mape",
        "log_loss",
        "logloss",
        "brier",
        "brier_score",
        "error",
        "loss",
        "wer",
        "cer",
        "latency",
    }
)


def lower_is_better(name: str) -> bool:
    """Whether smaller values of metric ``name`` are better (``*_error``, ``*_loss``, rmse...)."""
    n = canonical_metric(name)
    return n in _LOWER_IS_BETTER or n.endswith(("_error", "_loss", "_mae", "_mse", "_rmse"))


_ALIASES: dict[str, tuple[str, ...]] = {
    "roc_auc": ("roc auc", "roc-auc", "auroc", "auc"),
    "average_precision": ("average precision", "pr auc", "pr-auc", "auprc"),
    "recall": ("recall", "sensitivity", "true positive rate", "tpr", "hit rate"),
    "precision": ("precision", "positive predictive value", "ppv"),
    "f1": ("f1", "f-1", "f1 score", "f1-score", "f-score"),
    "accuracy": ("accuracy",),
    "balanced_accuracy": ("balanced accuracy",),
    "r2": ("r2", "r^2", "r²", "coefficient of determination"),
    "rmse": ("rmse", "root mean squared error", "root mean square error"),
    "mae": ("mae", "mean absolute error"),
    "log_loss": ("log loss", "log-loss", "logloss", "cross-entropy", "cross entropy"),
}


@lru_cache(maxsize=512)
def metric_regex(name: str) -> re.Pattern[str]:
    """A case-insensitive pattern for metric ``name`` and its usual spellings in prose."""
    key = name.lower().strip()
    spellings = {key, key.replace("_", " "), key.replace("_", "-"), *_ALIASES.get(key, ())}
    alternatives = "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True) if s)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)


def _norm_metric(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


_CANONICAL: dict[str, str] = {
    _norm_metric(alias): key for key, aliases in _ALIASES.items() for alias in (key, *aliases)
}
# the split a metric was measured on does not change which metric it is
_SPLIT_AFFIXES = ("val", "valid", "validation", "dev", "test", "holdout", "cv", "mean", "eval")


@lru_cache(maxsize=4096)
def canonical_metric(name: str) -> str:
    """A metric name in one spelling: ``ROC-AUC``, ``auc`` and ``val_roc_auc`` → ``roc_auc``."""
    n = _norm_metric(name)
    for affix in _SPLIT_AFFIXES:
        if n.startswith(affix + "_") and len(n) > len(affix) + 1:
            n = n[len(affix) + 1 :]
            break
        if n.endswith("_" + affix) and len(n) > len(affix) + 1:
            n = n[: -len(affix) - 1]
            break
    return _CANONICAL.get(n, n)


def same_metric(a: str, b: str) -> bool:
    """Whether two metric names denote the same metric (``roc_auc`` and ``auc`` do)."""
    return canonical_metric(a) == canonical_metric(b)


def find_metric(metrics: dict[str, float], name: str) -> tuple[str, float] | None:
    """The entry of ``metrics`` that is metric ``name`` (exact key first, then an alias)."""
    clean = finite_metrics(metrics)
    if name in clean:
        return name, clean[name]
    for k, v in clean.items():
        if same_metric(k, name):
            return k, v
    return None


def tracked_metric(ctx: Context, experiments: list[Experiment]) -> str | None:
    """The metric a trajectory is measured in: the spec's primary metric when the log tracks
    it, else the metric most experiments record (ties: the first seen)."""
    if ctx.spec is not None:
        primary = ctx.spec.primary_metric.name
        if any(find_metric(e.metrics, primary) for e in experiments):
            return primary
    counts: Counter[str] = Counter()
    for e in experiments:
        counts.update(finite_metrics(e.metrics).keys())
    if not counts:
        return None
    best = max(counts.values())
    for e in experiments:
        for k in finite_metrics(e.metrics):
            if counts[k] == best:
                return k
    return None  # pragma: no cover - counts is built from the same experiments


_WORD = re.compile(r"[A-Za-z0-9']+")


def words(text: str) -> list[str]:
    """The words of ``text`` (letters, digits, apostrophes)."""
    return _WORD.findall(text)


def iteration_table(ctx: Context, f: Facts) -> tuple[Pointer | None, int]:
    """The write-up's iteration table (iteration | change | result) and its number of rows.

    The table counts only in a document the candidate wrote (not a README that is still the
    prompt, nor a starter-kit file); its rows are the body rows the docs collector counted.
    """
    docs = ctx.evidence.docs
    pointer = docs.iteration_table
    if pointer is None:
        return None, 0
    path = _doc_path(pointer)
    if not any(d.path == path for d in f.writeup):
        return None, 0
    return pointer, docs.iteration_table_rows
