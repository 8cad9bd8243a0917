"""Decisions under constraints: budgets met, trade-offs stated, time well spent, honesty."""

from __future__ import annotations

from worktrial.evidence._types import Pointer
from worktrial.rubric._allocation import (
    HEALTHY_ALLOCATION,
    PHASES,
    allocation_distance,
    time_allocation,
)
from worktrial.rubric._constraints import budget_checks, mentioned_in_writeup
from worktrial.rubric._facts import facts
from worktrial.rubric._registry import signal
from worktrial.rubric._result import NOT_RUN_FIX, NOT_RUN_SUMMARY, not_observed, observed, ramp
from worktrial.rubric._types import Context, SignalResult


@signal(
    "decisions.constraints_met",
    dimension="decisions",
    title="Budgets met in the sandbox",
    weight=2.0,
)
def constraints_met(ctx: Context) -> SignalResult:
    """Whether the measured latency, memory, size, training time and metric floors meet the
    trial's budgets.

    Measures: each budget the spec declares (``latency_p95_ms``, ``peak_memory_mb``,
    ``model_size_mb``, ``training_time_s`` and the primary metric's floors) against what the
    sandbox measured.

    Rule: the share of the measured budgets that were met.

    Evidence: the run steps that measured each budget.

    Not observed: without a trial spec, when the spec declares no budgets, without a sandbox
    run, or when the run measured none of them.
    """
    rule = "the share of the declared budgets the sandbox measured that were met"
    if ctx.spec is None:
        return not_observed(rule=rule, summary="no trial spec: no budgets declared")
    checks = budget_checks(ctx)
    if not checks:
        return not_observed(
            rule=rule, summary="the trial declares no latency, memory, size or time budget"
        )
    if ctx.run is None:
        return not_observed(
            rule=rule,
            summary=NOT_RUN_SUMMARY,
            fix=NOT_RUN_FIX,
        )
    measured = [c for c in checks if c.met is not None]
    if not measured:
        return not_observed(
            rule=rule, summary="the sandbox run measured none of the declared budgets"
        )
    met = [c for c in measured if c.met]
    broken = [c for c in measured if not c.met]
    share = len(met) / len(measured)
    if broken:
        summary = "Budget(s) violated: " + "; ".join(c.describe() for c in broken) + "."
    else:
        summary = (
            f"All {len(measured)} measured budget(s) met: "
            + "; ".join(c.describe() for c in measured)
            + "."
        )
    return observed(
        share,
        share,
        rule=rule,
        summary=summary,
        evidence=[c.pointer for c in broken + met],
        fix="Measure latency, memory and size yourself against the budgets before submitting.",
    )


@signal(
    "decisions.constraints_addressed",
    dimension="decisions",
    title="Constraints addressed in the write-up",
    weight=1.0,
)
def constraints_addressed(ctx: Context) -> SignalResult:
    """Whether the write-up addresses the trial's constraints.

    Measures: with a spec that declares budgets, which of them (latency, memory, model size,
    training time, metric floors) the candidate's write-up mentions; otherwise whether the
    write-up has a constraints section.

    Rule: the share of the declared budgets mentioned; without declared budgets, 1.0 for a
    constraints section and 0 without one.

    Evidence: the constraints sections.

    Not observed: when nothing was submitted.
    """
    rule = (
        "share of the declared budgets the write-up mentions; "
        "no budgets: 1.0 for a constraints section"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    sections = f.elements().get("constraints", [])
    checks = budget_checks(ctx)
    fix = "Say in the write-up how the model stands against each constraint, with numbers."
    if not checks:
        return observed(
            len(sections),
            1.0 if sections else 0.0,
            rule=rule,
            evidence=sections,
            fix="Add a constraints section: the latency, memory, cost or data limits that shaped "
            "the work.",
            summary=(
                "The write-up has a constraints section."
                if sections
                else "The write-up does not discuss constraints."
            ),
        )
    mentioned, missing = mentioned_in_writeup(ctx, checks)
    share = len(mentioned) / len(checks)
    summary = f"The write-up addresses {len(mentioned)} of {len(checks)} declared constraint(s)"
    summary += f"; never mentions: {', '.join(c.label for c in missing)}." if missing else "."
    return observed(len(mentioned), share, rule=rule, summary=summary, evidence=sections, fix=fix)


@signal("decisions.tradeoffs", dimension="decisions", title="Trade-offs stated", weight=2.0)
def tradeoffs(ctx: Context) -> SignalResult:
    """Whether the candidate states trade-offs with reasons ("chose A over B because C").

    Measures: trade-off statements in the write-up, and a trade-offs section.

    Rule: 1.0 for two or more trade-off statements; 0.5 for one, or a trade-offs section with
    none; 0 otherwise.

    Evidence: the statements and sections.

    Not observed: when nothing was submitted.
    """
    rule = "1.0 for ≥ 2 trade-off statements, 0.5 for one or a section alone, 0 for none"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = f.statements_of("tradeoff")
    sections = f.elements().get("tradeoffs", [])
    n = len(found)
    sub = 1.0 if n >= 2 else 0.5 if n == 1 or sections else 0.0
    if n:
        summary = f"{n} trade-off statement(s) with a reason."
    elif sections:
        summary = "A trade-offs section, but no explicit 'A over B because C' statement."
    else:
        summary = "No trade-off is stated."
    return observed(
        n,
        sub,
        rule=rule,
        summary=summary,
        evidence=[s.pointer for s in found] + sections,
        fix="State the choices you made and what you gave up: 'chose A over B because C'.",
    )


@signal(
    "decisions.time_allocation",
    dimension="decisions",
    title="Time allocation against the healthy shape",
    weight=2.0,
)
def time_allocation_signal(ctx: Context) -> SignalResult:
    """How the work was spread over framing, baseline, iteration and write-up.

    Measures: :func:`worktrial.rubric.time_allocation` (the share of the work, in capped
    changed lines, in each phase) against the healthy shape of about 20% framing and data, 20%
    baseline, 40% iteration and 20% write-up, as a total variation distance (half the sum of
    the absolute differences, 0 = identical, 1 = disjoint).

    Rule: 1.0 at a distance ≤ 0.1, falling linearly to 0 at 0.7.

    Evidence: the first baseline (the phase boundary), the first and last work commits.

    Not observed: without work commits.
    """
    rule = "1.0 at a total variation distance ≤ 0.1 from 20/20/40/20, falling linearly to 0 at 0.7"
    f = facts(ctx)
    if not f.work:
        return not_observed(rule=rule, summary="no work commits to allocate over the trial")
    alloc = time_allocation(ctx)
    dist = allocation_distance(alloc)
    shape = ", ".join(f"{p} {alloc[p]:.0%}" for p in PHASES)
    healthy = "/".join(f"{HEALTHY_ALLOCATION[p]:.0%}" for p in PHASES)
    evidence: list[Pointer] = [f.work[0].pointer]
    if f.baseline is not None:
        evidence.append(f.baseline.pointer)
    evidence.append(f.work[-1].pointer)
    low = min(PHASES, key=lambda p: alloc[p] - HEALTHY_ALLOCATION[p])
    return observed(
        dist,
        ramp(dist, 0.7, 0.1),
        rule=rule,
        summary=f"Work by phase: {shape} (healthy {healthy}).",
        evidence=evidence,
        fix=f"Spend more of the trial on {low} (the healthy shape is {healthy}).",
    )


@signal(
    "decisions.failures_recorded",
    dimension="decisions",
    title="Failures reported with what was learned",
    weight=2.0,
)
def failures_recorded(ctx: Context) -> SignalResult:
    """Whether failed experiments are reported honestly, with what was learned.

    Measures: experiments with outcome ``failed`` or ``regressed`` that record a learning, and
    failure statements in the write-up ("X did not help because Y").

    Rule: 1.0 for two or more (learned failures plus failure statements), 0.5 for one, 0.25
    when failures are on record without any learning, 0 when no failure is reported at all.

    Evidence: the failed experiments and failure statements.

    Not observed: when nothing was submitted.
    """
    rule = (
        "1.0 for ≥ 2 failures reported with a learning, 0.5 for one, 0.25 without learning, 0 none"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    failed = [e for e in f.experiments if e.outcome in ("failed", "regressed")]
    learned = [e for e in failed if e.learning.strip()]
    statements = f.statements_of("failure")
    n = len(learned) + len(statements)
    fix = "Report what did not work and what it taught you, in the log and in the write-up."
    evidence = [e.pointer for e in learned] + [s.pointer for s in statements]
    if n:
        return observed(
            n,
            1.0 if n >= 2 else 0.5,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=(
                f"{len(learned)} failed experiment(s) with a learning and {len(statements)} "
                "failure statement(s) in the write-up."
            ),
        )
    if failed:
        return observed(
            0,
            0.25,
            rule=rule,
            evidence=[e.pointer for e in failed],
            fix=fix,
            summary=f"{len(failed)} failed experiment(s) on record, none with what was learned.",
        )
    return observed(
        0, 0.0, rule=rule, fix=fix, summary="No failed experiment or failure is reported."
    )


@signal("decisions.next_steps", dimension="decisions", title="Concrete next steps", weight=1.0)
def next_steps(ctx: Context) -> SignalResult:
    """Whether the write-up names concrete next steps.

    Measures: next-step statements in the write-up, and a next-steps section.

    Rule: 1.0 for two or more next-step statements, 0.5 for one or a section alone, 0 for none.

    Evidence: the statements and sections.

    Not observed: when nothing was submitted.
    """
    rule = "1.0 for ≥ 2 next-step statements, 0.5 for one or a section alone, 0 for none"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = f.statements_of("next_step")
    sections = f.elements().get("next_steps", [])
    n = len(found)
    sub = 1.0 if n >= 2 else 0.5 if n == 1 or sections else 0.0
    summary = (
        f"{n} concrete next step(s) named."
        if n
        else "A next-steps section without concrete steps."
        if sections
        else "No next steps named."
    )
    return observed(
        n,
        sub,
        rule=rule,
        summary=summary,
        evidence=[s.pointer for s in found] + sections,
        fix="End the write-up with the next two or three things you would do, and why.",
    )
