"""The trial's budgets (latency, memory, size, training time, metric floors) against a run."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from worktrial.evidence._types import Pointer
from worktrial.rubric._facts import facts, find_metric, metric_regex
from worktrial.rubric._types import Context, RunMeasurements

# constraint -> (label, unit, run step names whose log shows the measurement, in preference)
BUDGETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "latency_p95_ms": ("prediction latency p95", "ms", ("latency", "predict")),
    "peak_memory_mb": ("peak memory", "MB", ("memory", "predict", "train")),
    "model_size_mb": ("model size", "MB", ("model_size", "train")),
    "training_time_s": ("training time", "s", ("train",)),
}


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """One declared budget and what the sandbox measured against it."""

    name: str  # "latency_p95_ms", or "floor:<metric>" for a metric floor
    label: str
    budget: float
    measured: float | None  # None when the run did not measure it
    unit: str
    upper: bool  # True: measured must stay at or below budget; False: at or above (floors)
    pointer: Pointer

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.budget if self.upper else self.measured >= self.budget

    def describe(self) -> str:
        sign = "≤" if self.upper else "≥"
        if self.measured is None:
            return f"{self.label}: budget {sign} {self.budget:g}{self.unit}, not measured"
        verdict = "met" if self.met else "VIOLATED"
        return (
            f"{self.label}: {self.measured:g}{self.unit} against {sign} "
            f"{self.budget:g}{self.unit} ({verdict})"
        )


def _run_pointer(
    run: RunMeasurements | None, steps: tuple[str, ...], name: str, note: str
) -> Pointer:
    if run is not None:
        for step in steps:
            p = run.pointers.get(step)
            if p is not None:
                return Pointer(p.kind, p.ref, note)
    return Pointer("run", steps[0] if steps else name, note)


def _measured(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def budget_checks(ctx: Context) -> list[BudgetCheck]:
    """Every budget the spec declares, with the run's measurement (``[]`` without a spec)."""
    if ctx.spec is None:
        return []
    run = ctx.run
    checks: list[BudgetCheck] = []
    limits = ctx.spec.constraints
    for name, (label, unit, steps) in BUDGETS.items():
        budget = getattr(limits, name)
        if budget is None:
            continue
        measured = _measured(getattr(run, name)) if run is not None else None
        note = f"{label} {measured:g}{unit}" if measured is not None else f"{label} not measured"
        checks.append(
            BudgetCheck(
                name,
                label,
                float(budget),
                measured,
                unit,
                True,
                _run_pointer(run, steps, name, note),
            )
        )
    for floor in ctx.spec.primary_metric.floors:
        hit = find_metric(run.metrics, floor.metric) if run is not None else None
        measured = hit[1] if hit is not None else None
        label = f"{floor.metric} floor"
        note = (
            f"{floor.metric} {measured:g}"
            if measured is not None
            else f"{floor.metric} not measured"
        )
        checks.append(
            BudgetCheck(
                f"floor:{floor.metric}",
                label,
                float(floor.min),
                measured,
                "",
                False,
                _run_pointer(run, ("score", "predict"), "score", note),
            )
        )
    return checks


def violations(ctx: Context) -> list[BudgetCheck]:
    """The budgets the run measured and broke (``[]`` without a run or a spec)."""
    return [c for c in budget_checks(ctx) if c.met is False]


# words a write-up uses when it discusses each budget
_BUDGET_WORDS: dict[str, re.Pattern[str]] = {
    "latency_p95_ms": re.compile(
        r"latenc|p95|p99|response time|inference time|per prediction|\d\s*ms\b", re.I
    ),
    "peak_memory_mb": re.compile(r"memory|\bram\b|\d\s*[mg]i?b\b", re.I),
    "model_size_mb": re.compile(
        r"model size|size of the model|artifact size|file size|megabyte|\d\s*[mkg]i?b\b", re.I
    ),
    "training_time_s": re.compile(
        r"training time|time to train|train(?:ing)? (?:takes|took|in|time)"
        r"|\d\s*(?:s|sec|seconds|min|minutes)\b",
        re.I,
    ),
}


def mentioned_in_writeup(
    ctx: Context, checks: list[BudgetCheck]
) -> tuple[list[BudgetCheck], list[BudgetCheck]]:
    """Split ``checks`` into the budgets the candidate's write-up mentions and those it never
    does (by the words a write-up uses for each: latency/p95/ms, memory/MB, model size,
    training time, the floor's metric name)."""
    text = facts(ctx).text
    mentioned: list[BudgetCheck] = []
    missing: list[BudgetCheck] = []
    for c in checks:
        if c.name.startswith("floor:"):
            pattern = metric_regex(c.name.split(":", 1)[1])
        else:
            pattern = _BUDGET_WORDS[c.name]
        (mentioned if pattern.search(text) else missing).append(c)
    return mentioned, missing
