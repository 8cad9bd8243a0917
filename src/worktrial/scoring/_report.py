"""What one sandboxed run of a submission did, step by step, and what it measured."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from worktrial.evidence._types import Pointer
from worktrial.rubric._types import RunMeasurements
from worktrial.scoring._holdout import Split
from worktrial.scoring._junit import TestCounts

StepStatus = Literal["passed", "failed", "warning", "skipped", "error"]
"""``failed``: the submission's doing (a crash, a timeout, bad predictions); ``error``: the
platform's (the sandbox could not start, the environment is broken) — it never counts against
a quota; ``warning``: ran, with something the reader must know; ``skipped``: did not run."""

Outcome = Literal["scored", "failed", "error"]

LOG_HEAD = 4_000
LOG_TAIL = 12_000

# The rubric looks measurements up by these names (rubric/_constraints.py, signals).
POINTER_ALIASES = {"memory": "predict", "model_size": "train"}


def excerpt(text: str) -> tuple[str, bool]:
    """The beginning and end of a long log, and whether anything was left out."""
    if len(text) <= LOG_HEAD + LOG_TAIL:
        return text, False
    left = len(text) - LOG_HEAD - LOG_TAIL
    return f"{text[:LOG_HEAD]}\n[… {left:,} characters left out …]\n{text[-LOG_TAIL:]}", True


@dataclass(frozen=True)
class StepLog:
    """One step of a run, kept whatever happened.

    Attributes:
        name: a stable name: ``export``, ``environment``, ``tests``, ``train``, ``predict``,
            ``score``, ``latency``, ``rerun``.
        title: what the step does, for people.
        status: see :data:`StepStatus`.
        verdict: what happened, in plain words (the sentence a candidate reads).
        command: the command run in the sandbox (empty for host-side steps).
        started_at: when it started (UTC).
        wall_s, cpu_s, peak_memory_mb: measured by the host (None for host-side steps).
        exit_code, signal, reason, message, backend: the sandbox's result.
        log: the beginning and end of stdout and stderr.
        truncated: whether the log (here or in the sandbox) left something out.
        log_file: the whole log on the host.
        details: step-specific figures (test counts, latency samples, artifact files...).
    """

    name: str
    title: str
    status: StepStatus
    verdict: str
    command: str = ""
    started_at: datetime | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_memory_mb: float | None = None
    exit_code: int | None = None
    signal: int | None = None
    reason: str | None = None
    message: str | None = None
    backend: str | None = None
    log: str = ""
    truncated: bool = False
    log_file: Path | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the step did not fail (passed, with a warning, or not needed)."""
        return self.status in ("passed", "warning", "skipped")

    def pointer(self) -> Pointer:
        """Where a reviewer opens this step: a ``run`` pointer named after it."""
        note = self.verdict if len(self.verdict) <= 240 else self.verdict[:239] + "…"
        return Pointer("run", self.name, note)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat() if self.started_at else None
        out["log_file"] = str(self.log_file) if self.log_file else None
        out["details"] = dict(self.details)
        return out


def _printed(log: object, details: object) -> list[str]:
    """A step's kept output, and the paths the export refused to copy (in its details)."""
    out = [log] if isinstance(log, str) and log else []
    skipped = details.get("skipped") if isinstance(details, Mapping) else None
    if isinstance(skipped, list):
        out.extend(s for s in skipped if isinstance(s, str))
    return out


def step_logs(steps: tuple[StepLog, ...]) -> dict[str, str]:
    """Step name → what the candidate's code printed in it (the kept beginning and end of
    stdout and stderr) and the paths the export refused to copy; the rerun's own steps
    (export, train, predict) are kept in its details and read as the ``rerun`` step's."""
    logs: dict[str, str] = {}
    for s in steps:
        parts = _printed(s.log, s.details)
        sub = s.details.get("steps") if s.name == "rerun" else None
        if isinstance(sub, list):
            for d in sub:
                if isinstance(d, Mapping):
                    parts += _printed(d.get("log"), d.get("details"))
        if parts:
            logs[s.name] = "\n".join(parts)
    return logs


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _num(value: float, digits: int = 3) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"


@dataclass(frozen=True)
class RunReport:
    """One run of one submission on one split.

    ``metrics`` are computed on the host from the hidden labels; every other figure is
    measured by the host around the sandbox (wall time, peak memory, file sizes) or by the
    latency harness, never reported by the candidate's code.
    """

    trial: str
    commit: str
    split: Split
    split_description: str
    rows: int
    backend: str
    isolated: bool
    started_at: datetime
    finished_at: datetime
    steps: tuple[StepLog, ...]
    primary_metric: str
    metrics: dict[str, float] = field(default_factory=dict)
    tests: TestCounts | None = None
    training_time_s: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_mode: str | None = None
    latency_batch_rows: int | None = None
    peak_memory_mb: float | None = None
    model_size_mb: float | None = None
    rerun_metrics: dict[str, float] | None = None
    rerun_metric_delta: float | None = None
    budgets: dict[str, float] = field(default_factory=dict)
    tolerance: float | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    work_dir: Path | None = None

    def step(self, name: str) -> StepLog | None:
        """The step called ``name``, if it is in the run."""
        for s in self.steps:
            if s.name == name:
                return s
        return None

    @property
    def outcome(self) -> Outcome:
        """``scored`` when the predictions were scored; ``error`` when a step failed for a
        reason on the platform's side before that; ``failed`` otherwise."""
        if self.metrics:
            return "scored"
        if any(s.status == "error" for s in self.steps):
            return "error"
        return "failed"

    @property
    def counts_against_quota(self) -> bool:
        """Infrastructure failures do not count against the dev-split quota."""
        return self.outcome != "error"

    @property
    def problem(self) -> str | None:
        """The failure that matters most, in words (None when nothing failed).

        Failing tests never stop the scoring, so a failure of any other step (the reason there
        is no score) comes first; the tests' verdict is the problem only when nothing else
        failed.
        """
        failed = [s for s in self.steps if s.status in ("failed", "error")]
        blocking = [s for s in failed if s.name != "tests"]
        chosen = blocking or failed
        return chosen[0].verdict if chosen else None

    def measurements(self, *, command_latency: bool = True) -> RunMeasurements:
        """What the rubric reads (``Context.run``): metrics, budgets' figures, tests, rerun,
        a ``run`` pointer for every step that ran (plus the aliases the rubric uses:
        ``memory`` is the predict step, ``model_size`` the train step), and what each step
        printed (:func:`step_logs`), where the rubric looks for attempts to reach the network
        or the hidden holdout.

        Params:
            command_latency: pass the latency of the predict *command* (interpreter start-up
                included) to the rubric; with ``False`` only an in-process latency (a declared
                predict function) counts and a command timing leaves the budget unobserved.
        """
        pointers = {s.name: s.pointer() for s in self.steps if s.status != "skipped"}
        for alias, name in POINTER_ALIASES.items():
            if name in pointers and alias not in pointers:
                p = pointers[name]
                pointers[alias] = Pointer(p.kind, p.ref, p.note)
        tests = self.tests
        return RunMeasurements(
            metrics=dict(self.metrics),
            latency_p95_ms=(
                self.latency_p95_ms if command_latency or self.latency_mode != "command" else None
            ),
            peak_memory_mb=self.peak_memory_mb,
            model_size_mb=self.model_size_mb,
            training_time_s=self.training_time_s,
            tests_passed=tests.passed if tests is not None else None,
            tests_failed=(tests.failed + tests.errors) if tests is not None else None,
            rerun_metric_delta=self.rerun_metric_delta,
            pointers=pointers,
            logs=step_logs(self.steps),
        )

    def _budget(self, name: str, value: float | None, unit: str, label: str) -> str | None:
        if value is None:
            return None
        budget = self.budgets.get(name)
        text = f"{label} {_num(value)} {unit}"
        if budget is None:
            return text
        verdict = "within" if value <= budget else "OVER"
        return f"{text} ({verdict} the {_num(budget)} {unit} budget)"

    def summary(self) -> str:
        """The run in plain words, for the scorecard and for the candidate (dev split).

        It never says that all checks passed: the holdout score and the budgets are hidden
        checks, so passing tests read "public checks passed".
        """
        where = self.split_description + (f" ({self.rows} rows)" if self.rows else "")
        lines: list[str] = []
        if self.outcome == "error":
            lines.append(
                f"The run on {where} could not be completed for a reason on the platform's "
                f"side: {self.problem}. It does not count against the dev-split quota."
            )
        elif self.outcome == "failed":
            lines.append(f"No score on {where}: {self.problem}.")
        else:
            shown = ", ".join(f"{k} {_num(v)}" for k, v in self.metrics.items())
            lines.append(f"Scored on {where}: {shown}.")
        t = self.tests
        tests = self.step("tests")
        if t is not None and t.total:
            if t.failed or t.errors:
                lines.append(
                    f"Public checks: {t.failed + t.errors} of {t.total} tests failed "
                    f"({t.describe()})."
                )
            else:
                lines.append(f"Public checks passed: {t.describe()}.")
        elif tests is not None:
            lines.append(f"Public checks: {tests.verdict}.")
        figures = [
            self._budget("training_time_s", self.training_time_s, "s", "training took"),
            self._budget("peak_memory_mb", self.peak_memory_mb, "MB", "predict peak memory"),
            self._budget("model_size_mb", self.model_size_mb, "MB", "model size"),
        ]
        if self.latency_p95_ms is not None:
            rows = self.latency_batch_rows or 1
            lat = self._budget(
                "latency_p95_ms",
                self.latency_p95_ms,
                "ms",
                f"predict latency p95 per batch of {rows} row{'s' if rows != 1 else ''}",
            )
            if self.latency_mode == "command":
                lat = f"{lat}, interpreter start-up included"
            figures.append(lat)
        shown_figures = [f for f in figures if f]
        if shown_figures:
            lines.append("Measured: " + "; ".join(shown_figures) + ".")
        rerun = self.step("rerun")
        if rerun is not None and rerun.status != "skipped":
            lines.append(f"Reproducibility: {rerun.verdict}.")
        if self.outcome == "scored":
            if self.split == "dev":
                lines.append(
                    "This is the dev split; the final score and the budgets are hidden checks "
                    "the company reviews."
                )
            else:
                lines.append(
                    "This is the final holdout score; only the company sees it. Passing public "
                    "checks does not mean the hidden ones passed."
                )
        if not self.isolated:
            lines.append(f"The {self.backend} sandbox does not isolate candidate code.")
        return " ".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole report."""
        out: dict[str, Any] = {
            "trial": self.trial,
            "commit": self.commit,
            "split": self.split,
            "split_description": self.split_description,
            "rows": self.rows,
            "backend": self.backend,
            "isolated": self.isolated,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "outcome": self.outcome,
            "problem": self.problem,
            "summary": self.summary(),
            "primary_metric": self.primary_metric,
            "metrics": dict(self.metrics),
            "tests": asdict(self.tests) if self.tests is not None else None,
            "training_time_s": self.training_time_s,
            "latency_p50_ms": self.latency_p50_ms,
            "latency_p95_ms": self.latency_p95_ms,
            "latency_mode": self.latency_mode,
            "latency_batch_rows": self.latency_batch_rows,
            "peak_memory_mb": self.peak_memory_mb,
            "model_size_mb": self.model_size_mb,
            "rerun_metrics": self.rerun_metrics,
            # NaN (a rerun that produced no metric) is not JSON: null and rerun_failed instead
            "rerun_metric_delta": _finite(self.rerun_metric_delta),
            "rerun_failed": self.rerun_metric_delta is not None
            and not math.isfinite(self.rerun_metric_delta),
            "budgets": dict(self.budgets),
            "tolerance": self.tolerance,
            "environment": dict(self.environment),
            "notes": list(self.notes),
            "work_dir": str(self.work_dir) if self.work_dir else None,
            "steps": [s.to_dict() for s in self.steps],
        }
        return out
