"""The rubric's vocabulary: dimensions, signals, their results, red flags and dimension scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from worktrial.evidence._types import Evidence, Pointer

if TYPE_CHECKING:
    from worktrial.spec._model import TrialSpec

# Order matters: it is the order of every scorecard.
DIMENSIONS: tuple[str, ...] = (
    "output",
    "framing",
    "iteration",
    "discipline",
    "communication",
    "decisions",
)

DIMENSION_TITLES: dict[str, str] = {
    "output": "Output",
    "framing": "Problem framing",
    "iteration": "Iteration",
    "discipline": "Engineering discipline",
    "communication": "Communication",
    "decisions": "Decisions under constraints",
}


@dataclass(frozen=True, slots=True)
class RunMeasurements:
    """What a sandboxed run measured. Filled by the sandbox/scoring layer; ``None`` without a run.

    Every figure is measured by the host, never reported by the candidate's code.
    """

    metrics: dict[str, float] = field(default_factory=dict)  # on the hidden holdout
    latency_p95_ms: float | None = None
    peak_memory_mb: float | None = None
    model_size_mb: float | None = None
    training_time_s: float | None = None
    tests_passed: int | None = None
    tests_failed: int | None = None
    rerun_metric_delta: float | None = None
    pointers: dict[str, Pointer] = field(default_factory=dict)  # step name -> run log pointer
    # step name -> what the candidate's code printed in it (the kept beginning and end of its
    # stdout and stderr; the rerun's own steps included), and for the export step the paths
    # it refused to copy. Read for attempts to reach the network or the hidden holdout.
    logs: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Context:
    """Everything a signal may look at. Signals are pure functions of this."""

    evidence: Evidence
    spec: TrialSpec | None = None
    run: RunMeasurements | None = None
    # the trial's window; derived from the spec and the history when not given
    started_at: datetime | None = None
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignalResult:
    """What one signal found.

    ``subscore`` is in [0, 1] when ``observed``; ``None`` when the signal could not be observed
    (which lowers the dimension's confidence instead of its score). ``rule`` says how ``value``
    became ``subscore``; ``summary`` says it in one sentence for the reviewer; ``fix`` says what
    the candidate could do (for ``worktrial check``).
    """

    value: float | int | str | bool | None
    subscore: float | None
    rule: str
    summary: str
    evidence: tuple[Pointer, ...] = ()
    fix: str | None = None

    @property
    def observed(self) -> bool:
        return self.subscore is not None


SignalFunc = Callable[[Context], SignalResult]


@dataclass(frozen=True, slots=True)
class Signal:
    """A registered signal: a documented pure function of a :class:`Context`."""

    id: str  # "<dimension>.<name>", e.g. "iteration.time_to_baseline"
    dimension: str
    title: str
    weight: float
    func: SignalFunc

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    def __call__(self, ctx: Context) -> SignalResult:
        return self.func(ctx)


@dataclass(frozen=True, slots=True)
class ScoredSignal:
    signal_id: str
    title: str
    weight: float
    result: SignalResult


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One dimension on the rubric's 1-5 scale.

    ``score`` is ``None`` when no signal of the dimension could be observed. ``confidence`` is
    the observed share of the dimension's signal weight, in [0, 1]. ``cap`` is the ceiling a
    rule put on the score (the output dimension is capped when a budget was violated) and
    ``cap_reason`` says why; both are ``None`` when no cap applies.
    """

    dimension: str
    title: str
    weight: float
    score: float | None
    confidence: float
    signals: tuple[ScoredSignal, ...]
    cap: float | None = None
    cap_reason: str | None = None

    @property
    def missing(self) -> tuple[ScoredSignal, ...]:
        return tuple(s for s in self.signals if not s.result.observed)


@dataclass(frozen=True, slots=True)
class RedFlag:
    id: str
    title: str
    detail: str
    evidence: tuple[Pointer, ...] = ()


@dataclass(frozen=True, slots=True)
class RubricResult:
    dimensions: tuple[DimensionScore, ...]
    overall: float | None  # weighted mean of the observed dimension scores, 1-5
    red_flags: tuple[RedFlag, ...]

    def dimension(self, name: str) -> DimensionScore:
        for d in self.dimensions:
            if d.dimension == name:
                return d
        raise KeyError(name)
