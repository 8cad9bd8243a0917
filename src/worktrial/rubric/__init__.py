"""The rubric: registered signals, six dimension scores with confidence, and red flags.

Every signal is a documented pure function of a :class:`Context` (see ``docs/rubric.md``).
:func:`score` runs them all and combines them; scores assist human reviewers and never reject
anyone by themselves.
"""

from worktrial.rubric import signals as _signals  # noqa: F401  (registers the signals)
from worktrial.rubric._allocation import HEALTHY_ALLOCATION, PHASES, time_allocation
from worktrial.rubric._constraints import BudgetCheck, budget_checks, violations
from worktrial.rubric._facts import Window, memoized
from worktrial.rubric._facts import facts as _facts
from worktrial.rubric._flags import FLAG_TITLES, INTEGRITY_FLAGS, red_flags
from worktrial.rubric._reference import signal_reference
from worktrial.rubric._registry import REGISTRY, signal, signals_of
from worktrial.rubric._score import OUTPUT_CAP, dimension_weight, score
from worktrial.rubric._types import (
    DIMENSION_TITLES,
    DIMENSIONS,
    Context,
    DimensionScore,
    RedFlag,
    RubricResult,
    RunMeasurements,
    ScoredSignal,
    Signal,
    SignalResult,
)
from worktrial.spec._model import DEFAULT_WEIGHTS


def trial_window(ctx: Context) -> Window:
    """The trial window the rubric uses for ``ctx``: the given start, or the deadline minus
    the spec's duration, or the first work commit; to the given deadline, or the start plus
    the duration, or the last work commit."""
    return _facts(ctx).window


__all__ = [
    "DEFAULT_WEIGHTS",
    "DIMENSIONS",
    "DIMENSION_TITLES",
    "FLAG_TITLES",
    "HEALTHY_ALLOCATION",
    "INTEGRITY_FLAGS",
    "OUTPUT_CAP",
    "PHASES",
    "REGISTRY",
    "BudgetCheck",
    "Context",
    "DimensionScore",
    "RedFlag",
    "RubricResult",
    "RunMeasurements",
    "ScoredSignal",
    "Signal",
    "SignalResult",
    "Window",
    "budget_checks",
    "dimension_weight",
    "memoized",
    "red_flags",
    "score",
    "signal",
    "signal_reference",
    "signals_of",
    "time_allocation",
    "trial_window",
    "violations",
]
