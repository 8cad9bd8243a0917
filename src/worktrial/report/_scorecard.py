"""The scorecard: the versioned JSON document every view of an evaluation renders.

The JSON document is the source of truth; the HTML, Markdown and terminal views only render it.
It is *blind* by design: it names the repository folder (never a path on the evaluating machine)
and a candidate alias, never commit authors' names or e-mail addresses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from worktrial import __version__
from worktrial.errors import ScorecardError
from worktrial.evidence._types import CommitKind, Evidence, Experiment, Pointer
from worktrial.rubric._types import Context, RubricResult, SignalResult

if TYPE_CHECKING:  # scoring pulls NumPy in; the scorecard only reads a finished report
    from worktrial.scoring import RunReport

SCHEMA_VERSION: Final = "1.0"

# RUBRIC.md's healthy shape of a trial: framing and data, baseline, iteration, write-up.
HEALTHY_ALLOCATION: dict[str, float] = {
    "framing": 0.2,
    "baseline": 0.2,
    "iteration": 0.4,
    "writeup": 0.2,
}

ANCHORS = (
    "1 = no evidence of the behaviour · 3 = present but partial · 5 = exemplary and consistent"
)

DIMENSION_QUESTIONS: dict[str, str] = {
    "output": "How good is the delivered model on data the candidate never saw, within the "
    "constraints?",
    "framing": "Did they state objective, success metric, constraints, assumptions and scope "
    "before building, and pick the metric the business needs?",
    "iteration": "Did they ship a baseline early and improve it through deliberate experiments?",
    "discipline": "Modular, reproducible code with tests, tracked experiments and a clean history?",
    "communication": "Could a colleague continue from the write-up? Updates, questions, "
    "feedback acted on, results framed as impact?",
    "decisions": "Constraints met and measured, trade-offs stated with reasons, time spent "
    "sensibly, failures reported honestly, next steps named?",
}

MAX_TIMELINE = 2000  # commits drawn and listed; a trial with more is dominated by automation
MAX_SUBJECT = 100
RUN_LOG_CAP = 4_000  # characters of a step's log kept in the document (head and tail)
MAX_TEXT = 400  # longest free text (notes, summaries) kept from a candidate's repository

# Metric names that say lower is better (scikit-learn's naming habit and common short names).
_LOWER_IS_BETTER = re.compile(r"(_error|_loss|_deviance)$|^(rmse|mse|mae|mape|log_loss|brier)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tool(_Model):
    name: Literal["worktrial"] = Field("worktrial", description="Always `worktrial`.")
    version: str = Field(description="Version of worktrial that produced the document.")


class Repository(_Model):
    name: str = Field(description="Folder name of the repository (never a full path).")
    head: str = Field(description="Full hash of the evaluated commit.")
    branch: str | None = Field(description="Checked-out branch; null when HEAD is detached.")
    detached: bool = Field(description="HEAD was detached (not on a branch).")
    shallow: bool = Field(description="The clone is shallow: older history is missing.")


class PrimaryMetricInfo(_Model):
    name: str = Field(description="The metric the trial is scored on, e.g. `recall`.")
    priority: str = Field(description="The business reason the metric matters.")
    baseline: float | None = Field(description="What the reference baseline scores.")
    target: float | None = Field(description="What a strong submission scores.")


class TrialInfo(_Model):
    id: str = Field(description="The trial's slug from its spec.")
    title: str = Field(description="The trial's title.")
    kind: str = Field(description="classification, improve-baseline, monitoring, ...")
    duration_days: int = Field(description="Calendar days from start to deadline.")
    primary_metric: PrimaryMetricInfo = Field(description="The primary metric and its priority.")


class Window(_Model):
    started_at: datetime | None = Field(description="When the trial started (UTC).")
    deadline: datetime | None = Field(description="When the trial ended (UTC).")
    days: float | None = Field(description="Length of the window in days.")
    source: Literal["explicit", "spec", "history", "unknown"] = Field(
        description="Where the window came from: given explicitly, the spec's duration counted "
        "from the first work commit, the commit history alone, or unknown."
    )


class EvidenceItem(_Model):
    kind: str = Field(
        description="commit, file, experiment, update, question, feedback, run or spec."
    )
    ref: str = Field(description="Commit hash, `path` or `path:line`, record id, or run step name.")
    note: str = Field(description="A short excerpt or description of what is there.")

    @property
    def anchor(self) -> str:
        """The HTML id of this item in rendered scorecards."""
        return evidence_anchor(self.kind, self.ref)


class SignalCard(_Model):
    id: str = Field(description="Signal id, `<dimension>.<name>`.")
    title: str = Field(description="Human title of the signal.")
    weight: float = Field(description="Weight of the signal inside its dimension.")
    observed: bool = Field(description="Whether the signal could be observed at all.")
    value: bool | int | float | str | None = Field(description="The raw measured value.")
    subscore: float | None = Field(description="Sub-score in [0, 1]; null when not observed.")
    rule: str = Field(description="How the value was mapped to the sub-score.")
    summary: str = Field(description="One sentence for the reviewer.")
    fix: str | None = Field(description="What the candidate could do to improve it.")
    evidence: list[EvidenceItem] = Field(description="Where a reviewer can check it.")


class DimensionCard(_Model):
    id: str = Field(description="output, framing, iteration, discipline, communication, decisions.")
    title: str = Field(description="Human title of the dimension.")
    question: str = Field(description="What the dimension asks.")
    weight: float = Field(description="Weight of the dimension in the overall score.")
    score: float | None = Field(description="Score on the 1-5 scale; null if nothing observed.")
    confidence: float = Field(description="Observed share of the dimension's signal weight, 0-1.")
    anchors: str = Field(description="What the 1, 3 and 5 points of the scale mean.")
    signals: list[SignalCard] = Field(description="Every signal of the dimension, in order.")


class RedFlagCard(_Model):
    id: str = Field(description="Red flag id.")
    title: str = Field(description="Short title.")
    detail: str = Field(description="What was seen.")
    evidence: list[EvidenceItem] = Field(description="Where a reviewer can check it.")


class Note(_Model):
    kind: Literal["not_observed", "skipped", "late", "history", "collector", "window"] = Field(
        description="not_observed (a signal), skipped (a file), late (a commit after the "
        "deadline), history (shallow or missing history), collector (a collector's remark), "
        "window (how the trial window was decided)."
    )
    text: str = Field(description="The note, in words.")
    ref: str | None = Field(description="Signal id, file path or commit hash it is about.")


class TimelinePoint(_Model):
    sha: str = Field(description="Full commit hash (renderers show the first 7 characters).")
    at: datetime = Field(description="Author time (UTC).")
    kind: str = Field(description="Commit class: framing, data, modelling, tests, ...")
    lines: int = Field(description="Lines added plus deleted.")
    subject: str = Field(description="First line of the message, truncated to 100 characters.")
    after_deadline: bool = Field(description="Authored after the deadline (scored separately).")
    starter: bool = Field(description="Part of the trial's starter kit, not the candidate's.")


class TrajectoryPoint(_Model):
    id: str = Field(description="Experiment id.")
    at: datetime | None = Field(description="When the experiment was recorded (UTC).")
    value: float | None = Field(description="The trajectory metric's value, if recorded.")
    outcome: str | None = Field(description="improved, regressed, neutral, failed or null.")
    change: str = Field(description="What the experiment changed (truncated).")


class Trajectory(_Model):
    metric: str | None = Field(description="The metric followed across experiments.")
    higher_is_better: bool = Field(description="Direction of the metric.")
    points: list[TrajectoryPoint] = Field(description="Experiments in time order.")


class TimeAllocation(_Model):
    actual: dict[str, float] | None = Field(
        description="Share of work time per phase (framing, baseline, iteration, writeup); "
        "null when it could not be measured."
    )
    healthy: dict[str, float] = Field(description="The healthy shape: 20/20/40/20.")


class Charts(_Model):
    timeline: list[TimelinePoint] = Field(description="Commits in time order.")
    trajectory: Trajectory = Field(description="Metric trajectory across experiments.")
    time_allocation: TimeAllocation = Field(description="Time allocation vs the healthy shape.")


class Counts(_Model):
    commits: int = Field(description="Every commit reachable from HEAD.")
    work_commits: int = Field(description="The candidate's own commits before the deadline.")
    late_commits: int = Field(description="Commits after the deadline.")
    starter_commits: int = Field(description="Starter-kit commits (excluded).")
    experiments: int = Field(description="Experiment records.")
    updates: int = Field(description="Progress updates.")
    questions: int = Field(description="Clarifying questions.")
    feedback: int = Field(description="Feedback threads.")
    doc_files: int = Field(description="README, docs, reports and notebooks read as write-up.")
    python_files: int = Field(description="Python modules (tests included).")
    notebooks: int = Field(description="Jupyter notebooks.")
    test_files: int = Field(description="Test files.")
    skipped_files: int = Field(description="Files not read (size cap, symlinks, ...).")
    signals_observed: int = Field(description="Signals that could be observed.")
    signals_total: int = Field(description="Signals evaluated.")


class RunFigures(_Model):
    primary_metric: str = Field(description="The trial's primary metric.")
    metrics: dict[str, float] = Field(
        description="Metrics computed on the host from the hidden labels of the split."
    )
    latency_p50_ms: float | None = Field(description="Median time of one predict call (ms).")
    latency_p95_ms: float | None = Field(description="95th percentile of one predict call (ms).")
    latency_batch_rows: int | None = Field(description="Rows per timed predict call.")
    latency_includes_startup: bool | None = Field(
        description="True when each timed call was a new process (interpreter start-up and "
        "imports included); false for a predict function timed in one process; null without "
        "a latency measure."
    )
    peak_memory_mb: float | None = Field(description="Peak memory of the predict command (MB).")
    model_size_mb: float | None = Field(description="What training wrote to the job folder (MB).")
    training_time_s: float | None = Field(description="Wall time of training (s).")
    tests_passed: int | None = Field(description="The candidate's tests that passed.")
    tests_failed: int | None = Field(description="The candidate's tests that failed or erred.")
    rerun_metric_delta: float | None = Field(
        description="Rerun minus first run on the primary metric; null without a rerun figure."
    )
    rerun_failed: bool = Field(description="A rerun was asked for and produced no metric.")
    tolerance: float | None = Field(description="The spec's reproducibility tolerance.")


class RunBudget(_Model):
    name: str = Field(
        description="The constraint: latency_p95_ms, peak_memory_mb, model_size_mb or "
        "training_time_s."
    )
    label: str = Field(description="What is measured, for people.")
    unit: str = Field(description="ms, MB or s.")
    budget: float = Field(description="The spec's budget.")
    measured: float | None = Field(description="The measured figure; null when not measured.")
    met: bool | None = Field(
        description="Whether the figure is within the budget; null when not measured or not "
        "comparable (a latency that includes interpreter start-up)."
    )
    note: str | None = Field(description="Why the budget was not judged, when it was not.")


class RunStep(_Model):
    name: str = Field(description="export, environment, tests, train, predict, score, ...")
    title: str = Field(description="What the step does.")
    status: Literal["passed", "failed", "warning", "skipped", "error"] = Field(
        description="failed: the submission's doing; error: the platform's (never counted "
        "against a quota); warning: ran, with something to know; skipped: did not run."
    )
    verdict: str = Field(description="What happened, in words.")
    command: str = Field(description="The command run in the sandbox; empty for host steps.")
    wall_s: float | None = Field(description="Wall time measured by the host (s).")
    cpu_s: float | None = Field(description="CPU time measured by the host (s).")
    peak_memory_mb: float | None = Field(description="Peak memory measured by the host (MB).")
    exit_code: int | None = Field(description="The command's exit code.")
    log: str = Field(
        description=f"The beginning and end of its output (at most {RUN_LOG_CAP:,} characters)."
    )
    log_truncated: bool = Field(description="Whether the excerpt or the output left text out.")
    log_file: str | None = Field(description="The full log's file name in the run folder.")


class RunCard(_Model):
    outcome: Literal["scored", "failed", "error"] = Field(
        description="scored; failed (the submission's doing); error (the platform's)."
    )
    summary: str = Field(
        description="The run in words. Never says all checks passed: hidden checks exist."
    )
    split: Literal["dev", "final"] = Field(
        description="dev (a score the candidate may see) or final (the hidden holdout)."
    )
    split_description: str = Field(description="Which rows were scored, in words.")
    rows: int = Field(description="Rows predicted and scored.")
    commit: str = Field(description="The commit that was run.")
    backend: str = Field(description="The sandbox backend: bwrap, local or fake.")
    isolated: bool = Field(description="Whether the backend isolates candidate code.")
    started_at: datetime = Field(description="When the run started (UTC).")
    finished_at: datetime = Field(description="When the run finished (UTC).")
    figures: RunFigures = Field(description="What the run measured.")
    budgets: list[RunBudget] = Field(description="The spec's budgets, met or missed.")
    steps: list[RunStep] = Field(description="Every step of the run, in order, with its log.")
    notes: list[str] = Field(description="What the reader of the run must know.")


class Scorecard(_Model):
    """One evaluation of one repository: scores, their evidence, and chart data."""

    schema_version: Literal["1.0"] = Field(
        SCHEMA_VERSION, description="Version of this document's schema."
    )
    tool: Tool = Field(description="The program that produced the document.")
    generated_at: datetime = Field(description="When the document was produced (UTC).")
    repository: Repository = Field(description="The evaluated repository.")
    trial: TrialInfo | None = Field(description="The trial, or null without a spec.")
    candidate: str = Field(description="Candidate alias (blind: never a name or e-mail).")
    window: Window = Field(description="The trial window used for timing signals.")
    dimensions: list[DimensionCard] = Field(description="The six dimensions, in rubric order.")
    overall: float | None = Field(description="Weighted mean of the observed dimension scores.")
    confidence: float = Field(description="Weighted mean of the dimensions' confidence, 0-1.")
    red_flags: list[RedFlagCard] = Field(description="Red flags, never an automatic rejection.")
    notes: list[Note] = Field(description="What could not be observed, skipped or late.")
    charts: Charts = Field(description="Data for the charts.")
    counts: Counts = Field(description="How much evidence there was.")
    run: RunCard | None = Field(
        None,
        description="The sandboxed run on the hidden holdout; null when the repository was "
        "not run (added in schema 1.0 as an optional field).",
    )

    @field_validator("generated_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("generated_at must carry a UTC offset")
        return v

    def dimension(self, dimension_id: str) -> DimensionCard:
        """The card of ``dimension_id``; raises KeyError when absent."""
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def signals(self) -> list[SignalCard]:
        """Every signal of every dimension, in order."""
        return [s for d in self.dimensions for s in d.signals]

    def signal(self, signal_id: str) -> SignalCard | None:
        """The signal ``signal_id``, or None when this scorecard has no such signal."""
        for s in self.signals():
            if s.id == signal_id:
                return s
        return None

    def to_json(self) -> str:
        """The document as indented JSON text (the on-disk format)."""
        return self.model_dump_json(indent=2) + "\n"


# --------------------------------------------------------------------------- anchors


def evidence_anchor(kind: str, ref: str) -> str:
    """A stable HTML id for an evidence item: ``ev-commit-<sha12>``, ``ev-file-<slug>``...

    Slugs keep the ref readable; a short hash of the full ref keeps distinct refs distinct.
    """
    if kind == "commit":
        return f"ev-commit-{ref[:12]}"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ref).strip("-")[:48] or "x"
    digest = hashlib.sha1(f"{kind}:{ref}".encode(), usedforsecurity=False).hexdigest()[:6]
    return f"ev-{kind}-{slug}-{digest}"


# --------------------------------------------------------------------------- building


class _Scrubber:
    """Keeps the document blind and free of machine paths.

    Replaces the repository's absolute path with its folder name, and commit authors' names and
    e-mail addresses with the candidate alias, in every free text copied into the document.
    """

    def __init__(self, repo_path: str, alias: str, people: Sequence[str]) -> None:
        self.repo_path = repo_path.rstrip("/")
        self.repo_name = PurePosixPath(self.repo_path).name or "repository"
        self.alias = alias
        # whole words only, and not too short: an author called "Max" must not blank "max_depth"
        words = sorted({p.strip() for p in people if len(p.strip()) >= 4}, key=len, reverse=True)
        self._people = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
            )
            if words
            else None
        )

    def __call__(self, text: str, limit: int = MAX_TEXT) -> str:
        if self.repo_path and self.repo_path in text:
            text = text.replace(self.repo_path + "/", "").replace(self.repo_path, self.repo_name)
        if self._people is not None:
            text = self._people.sub(self.alias, text)
        if len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return text


def _items(pointers: Sequence[Pointer], scrub: _Scrubber) -> list[EvidenceItem]:
    seen: set[tuple[str, str]] = set()
    out: list[EvidenceItem] = []
    for p in pointers:
        key = (p.kind, p.ref)
        if key in seen:
            continue
        seen.add(key)
        out.append(EvidenceItem(kind=p.kind, ref=scrub(p.ref, 300), note=scrub(p.note, 200)))
    return out


def _value(v: object) -> bool | int | float | str | None:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return round(v, 4) if v == v else None  # NaN is not JSON
    return str(v)


def _round(v: float | None, digits: int = 2) -> float | None:
    return None if v is None else round(float(v), digits)


def _signal_card(
    sid: str, title: str, weight: float, r: SignalResult, scrub: _Scrubber
) -> SignalCard:
    return SignalCard(
        id=sid,
        title=title,
        weight=weight,
        observed=r.observed,
        value=_value(r.value) if not isinstance(r.value, str) else scrub(r.value),
        subscore=_round(r.subscore, 3),
        rule=scrub(r.rule),
        summary=scrub(r.summary),
        fix=scrub(r.fix) if r.fix else None,
        evidence=_items(r.evidence, scrub),
    )


def lower_is_better(metric: str) -> bool:
    """Whether ``metric`` is an error or loss (scikit-learn naming: ``*_error``, ``*_loss``)."""
    return bool(_LOWER_IS_BETTER.search(metric.lower()))


def _trajectory(
    records: Sequence[Experiment], preferred: str | None, scrub: _Scrubber
) -> Trajectory:
    metric = preferred if preferred and any(preferred in e.metrics for e in records) else None
    if metric is None:
        counts: dict[str, int] = {}
        for e in records:
            for name in e.metrics:
                counts[name] = counts.get(name, 0) + 1
        if counts:
            # the metric most experiments report; ties broken by name for determinism
            metric = min(counts, key=lambda n: (-counts[n], n))
    epoch = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(records, key=lambda e: e.at or epoch)
    points = []
    for e in ordered:
        raw = e.metrics.get(metric) if metric else None
        value = float(raw) if isinstance(raw, int | float) and raw == raw else None
        points.append(
            TrajectoryPoint(
                id=scrub(e.id, 80),
                at=e.at.astimezone(UTC) if e.at else None,
                value=value,
                outcome=e.outcome,
                change=scrub(e.change or e.hypothesis, 160),
            )
        )
    return Trajectory(
        metric=metric,
        higher_is_better=not lower_is_better(metric) if metric else True,
        points=points,
    )


def _window_days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 86400, 2)


def _utc(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC) if dt is not None else None


def build_scorecard(
    evidence: Evidence,
    rubric_result: RubricResult,
    ctx: Context,
    *,
    candidate: str | None = None,
    time_allocation: Mapping[str, float] | None = None,
    window_source: Literal["explicit", "spec", "history", "unknown"] = "unknown",
    notes: Sequence[str] = (),
    generated_at: datetime | None = None,
    run: RunReport | None = None,
) -> Scorecard:
    """Assemble the scorecard document from evidence, the rubric's result and its context.

    Args:
        evidence: what the collectors found.
        rubric_result: the six dimension scores and red flags.
        ctx: the context the rubric scored (spec and trial window).
        candidate: the alias shown for the candidate; ``"candidate"`` when not given.
        time_allocation: share of work per phase; computed with
            :func:`worktrial.rubric.time_allocation` when not given.
        window_source: where ``ctx.started_at``/``ctx.deadline`` came from.
        notes: extra notes from the caller (how the window was decided, ...).
        generated_at: the document's time stamp (now, in UTC, when not given).
        run: a sandboxed run of the repository; becomes the ``run`` section.

    Returns:
        The :class:`Scorecard`.
    """
    alias = (candidate or "").strip() or "candidate"
    history = evidence.history
    # bots keep their names (they are not the candidate); people are replaced by the alias
    humans = [c for c in history.commits if c.kind is not CommitKind.AUTOMATED]
    people = [c.author_name for c in humans] + [c.author_email for c in humans]
    scrub = _Scrubber(evidence.repo_path, alias, people)

    if time_allocation is None:
        from worktrial.rubric import time_allocation as _allocate

        time_allocation = _allocate(ctx)

    dims: list[DimensionCard] = []
    observed = total = 0
    for d in rubric_result.dimensions:
        cards = [_signal_card(s.signal_id, s.title, s.weight, s.result, scrub) for s in d.signals]
        observed += sum(1 for c in cards if c.observed)
        total += len(cards)
        dims.append(
            DimensionCard(
                id=d.dimension,
                title=d.title,
                question=DIMENSION_QUESTIONS.get(d.dimension, ""),
                weight=d.weight,
                score=_round(d.score),
                confidence=round(d.confidence, 2),
                anchors=ANCHORS,
                signals=cards,
            )
        )
    weight_sum = sum(d.weight for d in dims)
    confidence = (
        round(sum(d.weight * d.confidence for d in dims) / weight_sum, 2) if weight_sum else 0.0
    )

    spec = ctx.spec
    trial = None
    if spec is not None:
        pm = spec.primary_metric
        trial = TrialInfo(
            id=spec.id,
            title=spec.title,
            kind=spec.kind,
            duration_days=spec.duration_days,
            primary_metric=PrimaryMetricInfo(
                name=pm.name, priority=pm.priority, baseline=pm.baseline, target=pm.target
            ),
        )

    note_list: list[Note] = [Note(kind="window", text=scrub(n), ref=None) for n in notes]
    for d in rubric_result.dimensions:
        for s in d.missing:
            note_list.append(
                Note(
                    kind="not_observed",
                    text=f"{s.title}: {scrub(s.result.summary)}",
                    ref=s.signal_id,
                )
            )
    for text in history.notes:
        note_list.append(Note(kind="history", text=scrub(text), ref=None))
    for c in history.late:
        note_list.append(
            Note(
                kind="late",
                text=f"{c.sha[:7]} {scrub(c.subject, 80)} was authored after the deadline "
                "and is not scored with the rest.",
                ref=c.sha,
            )
        )
    for f in evidence.code.skipped:
        note_list.append(Note(kind="skipped", text=f"{scrub(f.path)}: {f.reason}", ref=f.path))
    for source in (
        evidence.notes,
        evidence.experiments.notes,
        evidence.docs.notes,
        evidence.code.notes,
        evidence.comms.notes,
    ):
        for text in source:
            note_list.append(Note(kind="collector", text=scrub(text), ref=None))
    # collectors may repeat one fact (a shallow clone, a detached HEAD): say it once
    seen_notes: set[tuple[str, str]] = set()
    unique: list[Note] = []
    for n in note_list:
        if (n.text, n.ref or "") not in seen_notes:
            seen_notes.add((n.text, n.ref or ""))
            unique.append(n)
    note_list = unique

    commits = sorted(history.commits, key=lambda c: c.authored_at)
    if len(commits) > MAX_TIMELINE:
        note_list.append(
            Note(
                kind="history",
                text=f"The timeline shows the {MAX_TIMELINE} most recent of "
                f"{len(commits)} commits.",
                ref=None,
            )
        )
        commits = commits[-MAX_TIMELINE:]
    timeline = [
        TimelinePoint(
            sha=c.sha,
            at=c.authored_at.astimezone(UTC),
            kind=str(c.kind),
            lines=c.lines_changed,
            subject=scrub(c.subject, MAX_SUBJECT),
            after_deadline=c.after_deadline,
            starter=c.is_starter,
        )
        for c in commits
    ]

    preferred = spec.primary_metric.name if spec is not None else None
    trajectory = _trajectory(evidence.experiments.records, preferred, scrub)
    actual = (
        {k: round(float(v), 3) for k, v in time_allocation.items()}
        if time_allocation and sum(time_allocation.values()) > 0
        else None
    )

    comms = evidence.comms
    code = evidence.code
    counts = Counts(
        commits=len(history.commits),
        work_commits=len(history.work),
        late_commits=len(history.late),
        starter_commits=sum(1 for c in history.commits if c.is_starter),
        experiments=len(evidence.experiments.records),
        updates=len(comms.updates),
        questions=len(comms.questions),
        feedback=len(comms.feedback),
        doc_files=len(evidence.docs.files),
        python_files=len(code.python_files),
        notebooks=len(code.notebooks),
        test_files=len(code.test_files),
        skipped_files=len(code.skipped),
        signals_observed=observed,
        signals_total=total,
    )

    return Scorecard(
        tool=Tool(version=__version__),
        generated_at=(generated_at or datetime.now(UTC)).astimezone(UTC),
        repository=Repository(
            name=scrub.repo_name,
            head=history.head or "",
            branch=history.branch,
            detached=history.branch is None,
            shallow=history.shallow,
        ),
        trial=trial,
        candidate=alias,
        window=Window(
            started_at=_utc(ctx.started_at),
            deadline=_utc(ctx.deadline),
            days=_window_days(ctx.started_at, ctx.deadline),
            source=window_source,
        ),
        dimensions=dims,
        overall=_round(rubric_result.overall),
        confidence=confidence,
        red_flags=[
            RedFlagCard(
                id=f.id,
                title=scrub(f.title),
                detail=scrub(f.detail),
                evidence=_items(f.evidence, scrub),
            )
            for f in rubric_result.red_flags
        ],
        notes=note_list,
        charts=Charts(
            timeline=timeline,
            trajectory=trajectory,
            time_allocation=TimeAllocation(actual=actual, healthy=dict(HEALTHY_ALLOCATION)),
        ),
        counts=counts,
        run=build_run_card(run, scrub) if run is not None else None,
    )


# --------------------------------------------------------------------------- the run section

_BUDGETS: tuple[tuple[str, str, str], ...] = (
    ("latency_p95_ms", "predict latency p95", "ms"),
    ("peak_memory_mb", "peak memory of the predict command", "MB"),
    ("model_size_mb", "model size", "MB"),
    ("training_time_s", "training time", "s"),
)
_LOG_HEAD = 1_000


def _cap_log(text: str) -> tuple[str, bool]:
    """The head and tail of ``text`` within :data:`RUN_LOG_CAP` characters."""
    if len(text) <= RUN_LOG_CAP:
        return text, False
    tail = RUN_LOG_CAP - _LOG_HEAD
    left = len(text) - RUN_LOG_CAP
    return f"{text[:_LOG_HEAD]}\n[… {left:,} characters left out …]\n{text[-tail:]}", True


def _finite(v: float | None, digits: int = 4) -> float | None:
    if v is None or v != v or v in (float("inf"), float("-inf")):
        return None
    return round(float(v), digits)


def build_run_card(report: RunReport, scrub: _Scrubber | None = None) -> RunCard:
    """The scorecard's ``run`` section from a sandboxed run's report.

    Host paths (the run folder) never reach the document: logs and verdicts name files relative
    to it, and log files by name. Logs are capped at :data:`RUN_LOG_CAP` characters.
    """
    work = str(report.work_dir).rstrip("/") if report.work_dir else ""

    def clean(text: str, limit: int) -> str:
        if work and work in text:
            text = text.replace(work + "/", "").replace(work, "the run folder")
        return scrub(text, limit) if scrub is not None else text[:limit]

    lat_startup = None if report.latency_mode is None else report.latency_mode == "command"
    measured: dict[str, float | None] = {
        "latency_p95_ms": report.latency_p95_ms,
        "peak_memory_mb": report.peak_memory_mb,
        "model_size_mb": report.model_size_mb,
        "training_time_s": report.training_time_s,
    }
    budgets: list[RunBudget] = []
    for name, label, unit in _BUDGETS:
        if name not in report.budgets:
            continue
        budget = float(report.budgets[name])
        value = _finite(measured[name], 3)
        if name == "latency_p95_ms" and report.latency_batch_rows:
            rows = report.latency_batch_rows
            label = f"{label} per batch of {rows} row{'s' if rows != 1 else ''}"
        met: bool | None = None if value is None else value <= budget
        note = None if value is not None else "not measured in this run"
        if name == "latency_p95_ms" and lat_startup:
            met = None
            note = (
                "each timed call started a new process (interpreter start-up and imports "
                "included), so the figure is not judged against the budget; declare "
                "interface.predict_function to time predictions in-process"
            )
        budgets.append(
            RunBudget(
                name=name, label=label, unit=unit, budget=budget, measured=value, met=met, note=note
            )
        )
    tests = report.tests
    delta = report.rerun_metric_delta
    figures = RunFigures(
        primary_metric=report.primary_metric,
        metrics={
            k: v
            for k, v in ((k, _finite(v, 6)) for k, v in report.metrics.items())
            if v is not None
        },
        latency_p50_ms=_finite(report.latency_p50_ms, 3),
        latency_p95_ms=_finite(report.latency_p95_ms, 3),
        latency_batch_rows=report.latency_batch_rows,
        latency_includes_startup=lat_startup,
        peak_memory_mb=_finite(report.peak_memory_mb, 2),
        model_size_mb=_finite(report.model_size_mb, 4),
        training_time_s=_finite(report.training_time_s, 3),
        tests_passed=tests.passed if tests is not None else None,
        tests_failed=(tests.failed + tests.errors) if tests is not None else None,
        rerun_metric_delta=_finite(delta, 6),
        rerun_failed=delta is not None and _finite(delta) is None,
        tolerance=report.tolerance,
    )
    steps = []
    for st in report.steps:
        log, cut = _cap_log(clean(st.log, 1 << 22))
        steps.append(
            RunStep(
                name=st.name,
                title=clean(st.title, MAX_TEXT),
                status=st.status,
                verdict=clean(st.verdict, 1_000),
                command=clean(st.command, 1_000),
                wall_s=_finite(st.wall_s, 3),
                cpu_s=_finite(st.cpu_s, 3),
                peak_memory_mb=_finite(st.peak_memory_mb, 2),
                exit_code=st.exit_code,
                log=log,
                log_truncated=cut or st.truncated,
                log_file=st.log_file.name if st.log_file is not None else None,
            )
        )
    return RunCard(
        outcome=report.outcome,
        summary=clean(report.summary(), 4_000),
        split=report.split,
        split_description=report.split_description,
        rows=report.rows,
        commit=report.commit,
        backend=report.backend,
        isolated=report.isolated,
        started_at=report.started_at.astimezone(UTC),
        finished_at=report.finished_at.astimezone(UTC),
        figures=figures,
        budgets=budgets,
        steps=steps,
        notes=[clean(n, MAX_TEXT) for n in report.notes],
    )


# --------------------------------------------------------------------------- loading


def _version_tuple(v: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in v.split("."))
    except ValueError:
        return None


def parse_scorecard(text: str, *, source: str = "<scorecard>") -> Scorecard:
    """Parse a scorecard from JSON text; ``source`` names it in error messages.

    Raises:
        ScorecardError: the text is not JSON, not a scorecard, of a newer schema version, or
            does not match the schema.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScorecardError(
            f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            path=source,
            line=err.lineno,
            column=err.colno,
        ) from err
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise ScorecardError(
            f"{source}: not a worktrial scorecard (missing schema_version)", path=source
        )
    version = str(raw["schema_version"])
    if version != SCHEMA_VERSION:
        found = _version_tuple(version)
        ours = _version_tuple(SCHEMA_VERSION)
        if found is not None and ours is not None and found > ours:
            raise ScorecardError(
                f"{source}: scorecard version {version} is newer than this worktrial "
                f"understands ({SCHEMA_VERSION})",
                path=source,
                found=version,
                expected=SCHEMA_VERSION,
            )
        raise ScorecardError(
            f"{source}: unsupported scorecard version {version!r} (expected {SCHEMA_VERSION})",
            path=source,
            found=version,
            expected=SCHEMA_VERSION,
        )
    try:
        return Scorecard.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise ScorecardError(
            f"{source}: invalid scorecard at {key}: {first['msg']} "
            f"({err.error_count()} problem{'s' if err.error_count() != 1 else ''} in all)",
            path=source,
            key=key,
        ) from err


def load_scorecard(path: str | Path) -> Scorecard:
    """Read a scorecard JSON file.

    Raises:
        ScorecardError: the file is missing, unreadable, not JSON, not a scorecard, of a newer
            schema version, or does not match the schema.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScorecardError(f"{p}: no such file", path=str(p)) from err
    except IsADirectoryError as err:
        raise ScorecardError(f"{p}: is a folder, expected a scorecard .json file") from err
    except UnicodeDecodeError as err:
        raise ScorecardError(f"{p}: not a worktrial scorecard (not UTF-8 text)") from err
    except OSError as err:
        raise ScorecardError(f"{p}: cannot read the file ({err.strerror})", path=str(p)) from err
    return parse_scorecard(text, source=str(p))


def scorecard_schema() -> dict[str, object]:
    """The JSON Schema of the scorecard document."""
    schema = Scorecard.model_json_schema()
    schema["title"] = "worktrial scorecard"
    return schema


# kept for renderers: the commit classes in a stable legend order
COMMIT_KINDS: tuple[str, ...] = tuple(str(k) for k in CommitKind)
