"""Small helpers that build :class:`SignalResult` values the same way in every signal."""

from __future__ import annotations

import math
from collections.abc import Iterable

from worktrial.evidence._types import Pointer
from worktrial.rubric._types import SignalResult

MAX_EVIDENCE = 10
"""Pointers kept per signal: enough for a reviewer to check the claim, not a dump."""


# What a run-only signal says when the scorecard was made without a sandboxed run.
NOT_RUN_SUMMARY = "not measured: the submission was not run in the sandbox for this scorecard"
NOT_RUN_FIX = (
    "Check that the trial's train and predict commands run from a clean clone: "
    "the company runs them in a sandbox on data you have not seen."
)


def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """``x`` limited to ``[lo, hi]``; a NaN becomes ``lo``."""
    if math.isnan(x):
        return lo
    return lo if x < lo else hi if x > hi else x


def ramp(x: float, zero_at: float, one_at: float) -> float:
    """A linear ramp: 0 at ``zero_at``, 1 at ``one_at`` (either direction), clamped to [0, 1]."""
    if zero_at == one_at:
        return 1.0 if x >= one_at else 0.0
    return clamp((x - zero_at) / (one_at - zero_at))


def _dedupe(evidence: Iterable[Pointer]) -> tuple[Pointer, ...]:
    seen: set[tuple[str, str]] = set()
    kept: list[Pointer] = []
    for p in evidence:
        key = (p.kind, p.ref)
        if key in seen:
            continue
        seen.add(key)
        kept.append(p)
        if len(kept) == MAX_EVIDENCE:
            break
    return tuple(kept)


def observed(
    value: float | int | str | bool | None,
    subscore: float,
    *,
    rule: str,
    summary: str,
    evidence: Iterable[Pointer] = (),
    fix: str | None = None,
) -> SignalResult:
    """An observed result: ``subscore`` clamped to [0, 1]; ``fix`` dropped when it is 1."""
    s = round(clamp(float(subscore)), 4)
    if isinstance(value, float):
        value = round(value, 4) if math.isfinite(value) else None
    return SignalResult(
        value=value,
        subscore=s,
        rule=rule,
        summary=summary,
        evidence=_dedupe(evidence),
        fix=fix if s < 1.0 else None,
    )


def not_observed(
    *, rule: str, summary: str, fix: str | None = None, evidence: Iterable[Pointer] = ()
) -> SignalResult:
    """A result for a signal whose evidence is absent: no subscore, ``summary`` says why."""
    return SignalResult(
        value=None, subscore=None, rule=rule, summary=summary, evidence=_dedupe(evidence), fix=fix
    )
