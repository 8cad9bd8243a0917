"""Time allocation over the trial: framing, baseline, iteration, write-up."""

from __future__ import annotations

from worktrial.evidence._types import CommitKind
from worktrial.rubric._facts import facts
from worktrial.rubric._types import Context

PHASES: tuple[str, ...] = ("framing", "baseline", "iteration", "writeup")

HEALTHY_ALLOCATION: dict[str, float] = {
    "framing": 0.2,
    "baseline": 0.2,
    "iteration": 0.4,
    "writeup": 0.2,
}
"""RUBRIC.md's healthy shape: about 20% framing and data, 20% baseline, 40% iteration, 20%
write-up."""

WRITEUP_FROM = 0.75
"""Documentation commits in the last quarter of the window count as the write-up."""

_PRE_BASELINE_FRAMING = (CommitKind.FRAMING, CommitKind.DATA)


def time_allocation(ctx: Context) -> dict[str, float]:
    """The share of the candidate's work in each phase of the trial.

    Each work commit (no starter-kit, automated or after-deadline commits) is weighted by its
    changed lines, capped at 1,000 per commit so one bulk commit does not dominate, and put in
    one phase:

    - ``writeup``: a documentation commit in the last 25% of the trial window;
    - ``framing``: a documentation or data commit up to the first baseline;
    - ``baseline``: any other commit up to and including the first baseline;
    - ``iteration``: everything after the first baseline.

    The first baseline is the first result with a metric (see ``iteration.time_to_baseline``);
    without one, the first modelling commit marks it.

    Returns:
        ``{"framing": s, "baseline": s, "iteration": s, "writeup": s}`` summing to 1, or all
        zeros when there are no work commits.
    """
    f = facts(ctx)
    shares = dict.fromkeys(PHASES, 0.0)
    if f.baseline is not None:
        boundary = f.baseline.at
    elif f.first_modelling is not None:
        boundary = f.first_modelling.authored_at
    else:
        boundary = None
    total = 0
    for c, lines, frac in zip(f.work, f.effort, f.fractions, strict=True):
        if c.kind is CommitKind.FRAMING and frac is not None and frac >= WRITEUP_FROM:
            phase = "writeup"
        elif boundary is None or c.authored_at <= boundary:
            phase = "framing" if c.kind in _PRE_BASELINE_FRAMING else "baseline"
        else:
            phase = "iteration"
        shares[phase] += lines
        total += lines
    if total == 0:
        return shares
    return {p: shares[p] / total for p in PHASES}


def allocation_distance(allocation: dict[str, float]) -> float:
    """Total variation distance between ``allocation`` and the healthy shape, in [0, 1]."""
    return 0.5 * sum(abs(allocation.get(p, 0.0) - HEALTHY_ALLOCATION[p]) for p in PHASES)
