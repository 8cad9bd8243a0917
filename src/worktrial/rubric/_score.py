"""Dimension scores, the overall score and the red flags, from the registered signals."""

from __future__ import annotations

from typing import cast

from worktrial.rubric._constraints import violations
from worktrial.rubric._facts import memoized
from worktrial.rubric._flags import red_flags
from worktrial.rubric._registry import REGISTRY
from worktrial.rubric._types import (
    DIMENSION_TITLES,
    DIMENSIONS,
    Context,
    DimensionScore,
    RubricResult,
    ScoredSignal,
)
from worktrial.spec._model import DEFAULT_WEIGHTS, Dimension

OUTPUT_CAP = 2.0
"""The output dimension's ceiling when the run violated a declared budget: a model that does
not fit the budgets cannot be deployed as delivered, however good its metric."""


def dimension_weight(ctx: Context, dimension: Dimension) -> float:
    """The weight of ``dimension``: the spec's when there is one, else RUBRIC.md's default."""
    if ctx.spec is not None:
        return float(ctx.spec.weight(dimension))
    return float(DEFAULT_WEIGHTS[dimension])


def _combine(scored: list[ScoredSignal]) -> tuple[float | None, float]:
    total = sum(s.weight for s in scored)
    seen = [(s.weight, s.result.subscore) for s in scored if s.result.subscore is not None]
    seen_weight = sum(w for w, _ in seen)
    confidence = seen_weight / total if total > 0 else 0.0
    if seen_weight <= 0:
        return None, round(confidence, 4)
    mean = sum(w * s for w, s in seen) / seen_weight
    return round(1.0 + 4.0 * mean, 3), round(confidence, 4)


def score(ctx: Context) -> RubricResult:
    """Score ``ctx`` on the six dimensions.

    Each registered signal runs once. A dimension's score is ``1 + 4 ×`` the weighted mean of
    its observed subscores (``None`` when none was observed), its confidence the observed share
    of its signal weight. The output dimension is capped at :data:`OUTPUT_CAP` when the run
    violated a declared budget. The overall score is the mean of the observed dimension scores
    weighted by the trial's dimension weights (``None`` when none was observed).

    Args:
        ctx: the evidence, and optionally the spec, the sandbox run and the trial window.

    Returns:
        The dimension scores in :data:`DIMENSIONS` order, the overall score and the red flags.
    """
    with memoized():
        by_dimension: dict[str, list[ScoredSignal]] = {d: [] for d in DIMENSIONS}
        for sig in REGISTRY.values():
            by_dimension[sig.dimension].append(
                ScoredSignal(sig.id, sig.title, sig.weight, sig(ctx))
            )
        broken = violations(ctx)
        flags = tuple(red_flags(ctx))
    dims: list[DimensionScore] = []
    for d in DIMENSIONS:
        value, confidence = _combine(by_dimension[d])
        cap = reason = None
        if d == "output" and broken:
            cap = OUTPUT_CAP
            reason = "Capped: the run violated " + "; ".join(c.describe() for c in broken) + "."
            if value is not None:
                value = min(value, OUTPUT_CAP)
        dims.append(
            DimensionScore(
                dimension=d,
                title=DIMENSION_TITLES[d],
                weight=dimension_weight(ctx, cast(Dimension, d)),
                score=value,
                confidence=confidence,
                signals=tuple(by_dimension[d]),
                cap=cap,
                cap_reason=reason,
            )
        )
    weighted = [(x.weight, x.score) for x in dims if x.score is not None and x.weight > 0]
    total = sum(w for w, _ in weighted)
    overall = round(sum(w * s for w, s in weighted) / total, 3) if total > 0 else None
    return RubricResult(dimensions=tuple(dims), overall=overall, red_flags=flags)
