"""Iteration: a baseline early, then deliberate experiments that improve it."""

from __future__ import annotations

import itertools
import math

from worktrial.evidence._types import Experiment, Pointer
from worktrial.rubric._facts import (
    facts,
    find_metric,
    finite_metrics,
    iteration_table,
    lower_is_better,
    tracked_metric,
)
from worktrial.rubric._registry import signal
from worktrial.rubric._result import not_observed, observed, ramp
from worktrial.rubric._types import Context, SignalResult

RECORD_FIELDS: tuple[str, ...] = ("observation", "hypothesis", "change", "result", "learning")
ENOUGH_ITERATIONS = 5


@signal(
    "iteration.time_to_baseline",
    dimension="iteration",
    title="Time to the first baseline",
    weight=3.0,
)
def time_to_baseline(ctx: Context) -> SignalResult:
    """How early in the trial the first baseline with a metric landed.

    Measures: the position in the trial window of the first result with a metric: the
    earliest dated experiment that records a metric, or the earliest work commit whose message
    names a metric with a value (``recall 0.71``), whichever comes first; when a metric exists
    only undated (write-up claim, undated experiments), the first modelling commit.

    Rule: 1.0 when the baseline lands within the first 25% of the trial, falling linearly to
    0 at 75%.

    Evidence: the experiment or commit that is the first baseline.

    Not observed: without an experiment log, a metric in a commit message or a metric in the
    write-up (nothing places a baseline), or without a trial window.
    """
    rule = "1.0 if the first baseline lands within 25% of the trial, falling linearly to 0 at 75%"
    f = facts(ctx)
    base = f.baseline
    if base is None:
        return not_observed(
            rule=rule,
            summary="no experiment log or metric in the write-up: cannot place the first baseline",
            fix="Log the first baseline's metric as soon as it runs (worktrial log).",
        )
    frac = f.window.fraction(base.at)
    if frac is None:
        return not_observed(
            rule=rule,
            summary="no trial window (start and deadline) to place the first baseline in",
            evidence=[base.pointer],
        )
    return observed(
        frac,
        ramp(frac, 0.75, 0.25),
        rule=rule,
        summary=f"First baseline at {frac:.0%} of the trial window: {base.how}.",
        evidence=[base.pointer],
        fix="Ship a simple baseline with a metric in the first quarter of the trial, then iterate.",
    )


def _deliberate(e: Experiment) -> bool:
    planned = bool(e.hypothesis.strip() or e.change.strip())
    measured = bool(finite_metrics(e.metrics) or e.result.strip())
    return planned and measured


@signal(
    "iteration.deliberate_iterations",
    dimension="iteration",
    title="Deliberate iterations",
    weight=2.0,
)
def deliberate_iterations(ctx: Context) -> SignalResult:
    """How many deliberate iterations the candidate made.

    Measures: experiments that state a hypothesis or a change and record a result or a
    metric, or the rows of the write-up's iteration table, whichever is larger.

    Rule: ``min(1, n / 5)``: five or more deliberate iterations is full marks.

    Evidence: the deliberate experiments, the iteration table.

    Not observed: when nothing was submitted.
    """
    rule = (
        f"min(1, n / {ENOUGH_ITERATIONS}) for n deliberate iterations (experiments or table rows)"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    deliberate = [e for e in f.experiments if _deliberate(e)]
    table, rows = iteration_table(ctx, f)
    n = max(len(deliberate), rows)
    evidence: list[Pointer] = [e.pointer for e in deliberate]
    if table is not None:
        evidence.insert(0, table)
    if n == 0:
        summary = (
            "No deliberate iteration on record (no experiment with a hypothesis and a result, "
            "no iteration table)."
        )
    elif len(deliberate) >= rows:
        summary = (
            f"{len(deliberate)} deliberate experiment(s) with a hypothesis or change and a result."
        )
    else:
        summary = f"The iteration table lists {rows} iteration(s)."
    return observed(
        n,
        n / ENOUGH_ITERATIONS,
        rule=rule,
        summary=summary,
        evidence=evidence,
        fix=(
            "Record each experiment with its hypothesis, the change and the result (worktrial log)."
        ),
    )


def _fields_present(e: Experiment) -> list[str]:
    present = []
    for name in RECORD_FIELDS:
        if name == "result":
            ok = bool(e.result.strip() or finite_metrics(e.metrics))
        else:
            ok = bool(str(getattr(e, name)).strip())
        if ok:
            present.append(name)
    return present


@signal(
    "iteration.record_completeness",
    dimension="iteration",
    title="Experiment record completeness",
    weight=1.0,
)
def record_completeness(ctx: Context) -> SignalResult:
    """How complete each experiment record is.

    Measures: for every experiment, which of observation, hypothesis, change, result (text or
    metrics) and learning are filled in.

    Rule: the mean share of the five fields present across experiments.

    Evidence: the least complete records.

    Not observed: without experiment records.
    """
    rule = (
        "the mean share of observation, hypothesis, change, result and learning filled "
        "per experiment"
    )
    f = facts(ctx)
    if not f.experiments:
        return not_observed(
            rule=rule,
            summary="no experiment records to check",
            fix="Keep an experiment log: observation → hypothesis → change → result → learning.",
        )
    shares: list[tuple[float, Experiment, list[str]]] = []
    for e in f.experiments:
        present = _fields_present(e)
        shares.append((len(present) / len(RECORD_FIELDS), e, present))
    mean = sum(s for s, _, _ in shares) / len(shares)
    weakest = sorted(shares, key=lambda t: t[0])[:5]
    gaps: dict[str, int] = {}
    for _, _, present in shares:
        for name in RECORD_FIELDS:
            if name not in present:
                gaps[name] = gaps.get(name, 0) + 1
    often = sorted(gaps, key=lambda k: (-gaps[k], RECORD_FIELDS.index(k)))[:2]
    summary = f"Experiment records are {mean:.0%} complete on average ({len(shares)} records)"
    summary += f"; most often missing: {', '.join(often)}." if often else "."
    return observed(
        mean,
        mean,
        rule=rule,
        summary=summary,
        evidence=[e.pointer for s, e, _ in weakest if s < 1.0],
        fix=f"Fill in {', '.join(often) or 'every field'} for each experiment record.",
    )


def _better(a: float, b: float, low: bool) -> bool:
    return a < b if low else a > b


@signal(
    "iteration.trajectory",
    dimension="iteration",
    title="Trajectory from baseline to final",
    weight=2.0,
)
def trajectory(ctx: Context) -> SignalResult:
    """The improvement from the first recorded result to the best one, with honest regressions.

    Measures: in the trial's primary metric (when the log tracks it) or the metric most
    experiments record, the relative improvement from the first experiment to the best one;
    and whether regressions were recorded (an outcome ``regressed`` or ``failed``, or a value
    worse than the previous one).

    Rule: ``0.7 × improvement + 0.3 × honesty``, where improvement is 0 for no gain rising
    linearly to 1 at a 5% relative gain, and honesty is 1 when at least one regression or
    failure is on record.

    Evidence: the first and the best experiment, the recorded regressions.

    Not observed: when fewer than two experiments record the same metric.
    """
    rule = (
        "0.7 × (relative gain first → best: 0 at none, 1 at ≥ 5%) + 0.3 × "
        "(1 if any regression or failure is on record)"
    )
    f = facts(ctx)
    name = tracked_metric(ctx, f.experiments)
    series: list[tuple[Experiment, float]] = []
    if name is not None:
        for e in f.experiments:
            hit = find_metric(e.metrics, name)
            if hit is not None:
                series.append((e, hit[1]))
    if name is None or len(series) < 2:
        return not_observed(
            rule=rule,
            summary="fewer than two experiments record the same metric: no trajectory to follow",
            fix="Log the same metric for the baseline and every later experiment.",
        )
    low = lower_is_better(name)
    first_e, first_v = series[0]
    best_e, best_v = first_e, first_v
    for e, v in series[1:]:
        if _better(v, best_v, low):
            best_e, best_v = e, v
    gain = (first_v - best_v) if low else (best_v - first_v)
    rel = gain / max(abs(first_v), 1e-9)
    if not math.isfinite(rel):
        rel = 0.0
    regressions = [e for e in f.experiments if e.outcome in ("regressed", "failed")]
    seen = {id(e) for e in regressions}
    for (_, before), (e, v) in itertools.pairwise(series):
        if _better(before, v, low) and id(e) not in seen:
            seen.add(id(e))
            regressions.append(e)
    honest = bool(regressions)
    sub = 0.7 * ramp(rel, 0.0, 0.05) + 0.3 * (1.0 if honest else 0.0)
    summary = (
        f"{name}: {first_v:g} at the first experiment, best {best_v:g} "
        f"({rel:+.1%} relative) over {len(series)} experiments"
    )
    summary += (
        f"; {len(regressions)} regression(s) or failure(s) recorded."
        if honest
        else "; no regression or failure recorded."
    )
    fix = (
        "Keep logging experiments that did not help (outcome regressed or failed) next to the "
        "ones that did."
        if not honest
        else "Iterate on the baseline with experiments that target its main error."
    )
    return observed(
        rel,
        sub,
        rule=rule,
        summary=summary,
        evidence=[first_e.pointer, best_e.pointer, *(e.pointer for e in regressions[:3])],
        fix=fix,
    )


@signal("iteration.cadence", dimension="iteration", title="Cadence across the trial", weight=2.0)
def cadence(ctx: Context) -> SignalResult:
    """Whether the work is spread across the trial rather than dumped at the end.

    Measures: the share of the trial's days with at least one work commit, and the share of
    the work (changed lines, capped at 1,000 per commit so a bulk upload counts once) made in
    the last 10% of the window.

    Rule: ``0.5 × spread + 0.5 × not-late``: spread is 1 when at least half the days are
    active (linear below); not-late is 1 when at most 30% of the work is in the last 10% of the
    window, falling linearly to 0 at 80%.

    Evidence: the first and last work commits and the largest late commits.

    Not observed: without work commits or a trial window of some length.
    """
    rule = (
        "0.5 × min(1, active-day share / 0.5) + 0.5 × (1 at ≤ 30% of the work in the last 10% "
        "of the window, 0 at ≥ 80%)"
    )
    f = facts(ctx)
    w = f.window
    if not f.work or w.start is None or w.seconds <= 0:
        summary = (
            "no work commits to place in time"
            if not f.work
            else "the trial window has no length (one instant): cannot judge the cadence"
        )
        return not_observed(rule=rule, summary=summary)
    days = max(1, math.ceil(w.seconds / 86400))
    active: set[int] = set()
    late_effort = 0
    late: list[tuple[int, Pointer]] = []
    for c, e, offset, frac in zip(f.work, f.effort, f.offsets, f.fractions, strict=True):
        active.add(min(days - 1, max(0, int(offset // 86400))))
        if frac is not None and frac >= 0.9:
            late_effort += e
            late.append((e, c.pointer))
    total = sum(f.effort)
    late_share = late_effort / total if total else 0.0
    active_share = len(active) / days
    sub = 0.5 * ramp(active_share, 0.0, 0.5) + 0.5 * ramp(late_share, 0.8, 0.3)
    late.sort(key=lambda t: -t[0])
    return observed(
        active_share,
        sub,
        rule=rule,
        summary=(
            f"Work on {len(active)} of {days} day(s); {late_share:.0%} of the changed lines in "
            "the last 10% of the window."
        ),
        evidence=[f.work[0].pointer, f.work[-1].pointer, *(p for _, p in late[:3])],
        fix="Commit small steps as you go, every working day, instead of one push at the end.",
    )


@signal(
    "iteration.iteration_table",
    dimension="iteration",
    title="Iteration table in the write-up",
    weight=1.0,
)
def iteration_table_signal(ctx: Context) -> SignalResult:
    """Whether the write-up has an iteration table (iteration | change | result).

    Measures: a markdown table in the candidate's write-up whose columns name the iteration,
    the change and the result, and its number of rows.

    Rule: 1.0 for a table with at least two rows, 0.5 for a table with fewer, 0 without one.

    Evidence: the table (file:line).

    Not observed: when nothing was submitted.
    """
    rule = "1.0 for an iteration table with ≥ 2 rows, 0.5 with fewer, 0 without one"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    table, rows = iteration_table(ctx, f)
    fix = "Add an iteration table to the write-up: iteration | change | result | learning."
    if table is None:
        return observed(0, 0.0, rule=rule, summary="No iteration table in the write-up.", fix=fix)
    sub = 1.0 if rows >= 2 else 0.5
    return observed(
        rows,
        sub,
        rule=rule,
        evidence=[table],
        fix=fix,
        summary=f"The write-up has an iteration table with {rows} row(s).",
    )
