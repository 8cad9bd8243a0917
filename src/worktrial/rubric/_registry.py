"""The signal registry: every rubric signal is a documented pure function registered here."""

from __future__ import annotations

import re
from collections.abc import Callable

from worktrial.rubric._types import DIMENSIONS, Signal, SignalFunc

__all__ = ["REGISTRY", "signal", "signals_of"]

REGISTRY: dict[str, Signal] = {}
"""Every registered signal by id (``"<dimension>.<name>"``), in registration order."""

_ID = re.compile(r"^(?P<dimension>[a-z]+)\.(?P<name>[a-z][a-z0-9_]*)$")


def signal(
    id: str, *, dimension: str, title: str, weight: float
) -> Callable[[SignalFunc], SignalFunc]:
    """Register a signal function under ``id``.

    The decorated function must be a pure function of a :class:`~worktrial.rubric.Context`
    returning a :class:`~worktrial.rubric.SignalResult`; its docstring is the signal's
    documentation (what it measures, the rule, its evidence, when it is not observed).

    Args:
        id: ``"<dimension>.<name>"``, e.g. ``"iteration.time_to_baseline"``.
        dimension: one of :data:`~worktrial.rubric.DIMENSIONS`; must match the id's prefix.
        title: a short human title shown on scorecards.
        weight: the signal's weight inside its dimension (> 0).

    Raises:
        ValueError: a malformed id, an unknown or mismatched dimension, a non-positive weight,
            a missing docstring or an id registered twice. These are programming errors in
            worktrial itself, never caused by a candidate's repository.
    """
    match = _ID.match(id)
    if match is None:
        raise ValueError(f"signal id {id!r}: expected '<dimension>.<name>' in lower snake case")
    if dimension not in DIMENSIONS:
        raise ValueError(f"signal {id!r}: expected a dimension in {DIMENSIONS}, got {dimension!r}")
    if match["dimension"] != dimension:
        raise ValueError(
            f"signal {id!r}: the id's prefix {match['dimension']!r} does not match "
            f"dimension {dimension!r}"
        )
    if not weight > 0:
        raise ValueError(f"signal {id!r}: expected a weight > 0, got {weight!r}")
    if not title.strip():
        raise ValueError(f"signal {id!r}: expected a non-empty title")

    def register(func: SignalFunc) -> SignalFunc:
        if id in REGISTRY:
            raise ValueError(f"signal {id!r} is already registered")
        if not (func.__doc__ or "").strip():
            raise ValueError(f"signal {id!r}: {func.__name__} has no docstring to document it")
        REGISTRY[id] = Signal(id=id, dimension=dimension, title=title, weight=weight, func=func)
        return func

    return register


def signals_of(dimension: str) -> list[Signal]:
    """The registered signals of ``dimension``, in registration order."""
    return [s for s in REGISTRY.values() if s.dimension == dimension]
