"""Output: how good the delivered model is on data the candidate never saw."""

from __future__ import annotations

from worktrial.evidence._types import Pointer
from worktrial.rubric._facts import facts, find_metric, finite_metrics, lower_is_better
from worktrial.rubric._registry import signal
from worktrial.rubric._result import (
    NOT_RUN_FIX,
    NOT_RUN_SUMMARY,
    clamp,
    not_observed,
    observed,
    ramp,
)
from worktrial.rubric._types import Context, RunMeasurements, SignalResult

# metrics whose chance level is 0.5, used as the baseline when the spec gives none
_CHANCE_HALF = ("roc_auc", "auc", "auroc", "balanced_accuracy")


def place(value: float, name: str, baseline: float | None, target: float | None) -> float | None:
    """Where ``value`` falls between ``baseline`` (0) and ``target`` (1), clamped to [0, 1].

    Without a baseline a higher-is-better metric starts at 0 (0.5 for AUC-like metrics); without
    a target it ends at 1.0. A lower-is-better metric needs both (``None`` otherwise).
    """
    if baseline is None or target is None:
        if lower_is_better(name):
            return None
        if baseline is None:
            baseline = 0.5 if name.lower() in _CHANCE_HALF else 0.0
        if target is None:
            target = 1.0
    if baseline == target:
        better = value <= target if lower_is_better(name) else value >= target
        return 1.0 if better else 0.0
    return clamp((value - baseline) / (target - baseline))


def _run_pointer(run: RunMeasurements, note: str) -> Pointer:
    for step in ("score", "predict"):
        p = run.pointers.get(step)
        if p is not None:
            return Pointer(p.kind, p.ref, note)
    return Pointer("run", "score", note)


@signal(
    "output.primary_metric",
    dimension="output",
    title="Primary metric on the hidden holdout",
    weight=3.0,
)
def primary_metric(ctx: Context) -> SignalResult:
    """The trial's primary metric, measured by the sandbox on the hidden holdout.

    Measures: the value of the spec's ``primary_metric`` in the run's holdout metrics.

    Rule: placed linearly between the spec's reference baseline (0) and its target (1), clamped
    to [0, 1]. Without a declared baseline a higher-is-better metric starts at 0 (0.5 for
    AUC-like metrics); without a target it ends at a perfect 1.0; a lower-is-better metric
    (``*_error``, ``*_loss``, rmse, mae) needs both.

    Evidence: the run's scoring step.

    Not observed: without a sandbox run, without a trial spec, when the run did not produce
    the metric, or for a lower-is-better metric without both reference points.
    """
    rule = (
        "0 at the spec's reference baseline, 1 at its target, linear in between and clamped; "
        "no baseline: 0 (0.5 for AUC); no target: a perfect 1.0"
    )
    if ctx.run is None or ctx.spec is None:
        summary = (
            NOT_RUN_SUMMARY
            if ctx.run is None
            else ("no trial spec: no baseline or target to place the holdout metric between")
        )
        return not_observed(
            rule=rule, summary=summary, fix=NOT_RUN_FIX if ctx.run is None else None
        )
    pm = ctx.spec.primary_metric
    hit = find_metric(ctx.run.metrics, pm.name)
    if hit is None:
        return not_observed(
            rule=rule,
            summary=f"the sandbox run produced no {pm.name} on the holdout",
            fix="Make the predict command write predictions the scorer can read.",
        )
    value = hit[1]
    sub = place(value, pm.name, pm.baseline, pm.target)
    if sub is None:
        return not_observed(
            rule=rule,
            summary=(
                f"{pm.name} {value:g} on the holdout, but the spec declares no baseline and "
                "target to place a lower-is-better metric between"
            ),
            evidence=[_run_pointer(ctx.run, f"{pm.name} {value:g}")],
        )
    refs = f"baseline {pm.baseline:g}" if pm.baseline is not None else "no declared baseline"
    refs += f", target {pm.target:g}" if pm.target is not None else ", no declared target"
    return observed(
        value,
        sub,
        rule=rule,
        summary=f"{pm.name} {value:g} on the hidden holdout ({refs}).",
        evidence=[_run_pointer(ctx.run, f"{pm.name} {value:g}")],
        fix=f"Improve {pm.name} on held-out data towards the target; check it on the dev split.",
    )


@signal(
    "output.secondary_metrics",
    dimension="output",
    title="Secondary metrics on the hidden holdout",
    weight=1.0,
)
def secondary_metrics(ctx: Context) -> SignalResult:
    """The spec's secondary metrics, measured by the sandbox on the hidden holdout.

    Measures: each declared secondary metric the run produced.

    Rule: each is placed between its declared baseline and target exactly as the primary
    metric is; the subscore is the mean of the placements.

    Evidence: the run's scoring step.

    Not observed: without a run or a spec, when the spec declares no secondary metrics, or
    when the run produced none of them.
    """
    rule = "the mean of each secondary metric's placement between its baseline (0) and target (1)"
    if ctx.run is None:
        return not_observed(rule=rule, summary=NOT_RUN_SUMMARY, fix=NOT_RUN_FIX)
    if ctx.spec is None or not ctx.spec.secondary_metrics:
        return not_observed(rule=rule, summary="the trial declares no secondary metrics")
    placed: list[tuple[str, float, float]] = []
    for m in ctx.spec.secondary_metrics:
        hit = find_metric(ctx.run.metrics, m.name)
        if hit is None:
            continue
        sub = place(hit[1], m.name, m.baseline, m.target)
        if sub is not None:
            placed.append((m.name, hit[1], sub))
    if not placed:
        names = ", ".join(m.name for m in ctx.spec.secondary_metrics)
        return not_observed(
            rule=rule, summary=f"the run produced none of the secondary metrics ({names})"
        )
    mean = sum(p[2] for p in placed) / len(placed)
    listing = ", ".join(f"{n} {v:g}" for n, v, _ in placed)
    return observed(
        mean,
        mean,
        rule=rule,
        summary=f"Secondary metrics on the holdout: {listing}.",
        evidence=[_run_pointer(ctx.run, listing)],
        fix="Watch the secondary metrics too; say in the write-up which ones you traded away.",
    )


def _claimed(ctx: Context, name: str) -> tuple[float, Pointer] | None:
    for key, (value, pointer) in ctx.evidence.docs.reported_metrics.items():
        if find_metric({key: value}, name) is not None:
            return value, pointer
    f = facts(ctx)
    for e in reversed(f.experiments):
        hit = find_metric(e.metrics, name)
        if hit is not None:
            return hit[1], e.pointer
    return None


@signal(
    "output.reported_gap",
    dimension="output",
    title="Reported vs measured metric",
    weight=2.0,
)
def reported_gap(ctx: Context) -> SignalResult:
    """The gap between the metric the candidate reported and the one the sandbox measured.

    Measures: the relative over-claim ``(reported - measured) / |measured|`` (sign flipped for
    lower-is-better metrics) for the primary metric, or without a spec the first metric both
    the candidate and the run report. The reported value is the write-up's claim
    (``docs.reported_metrics``), else the last experiment that recorded the metric.

    Rule: 1.0 when the claim is at most 2% better than the measurement (or worse than it),
    falling linearly to 0 at a 20% over-claim. Over-fitting, leakage and over-claiming all
    show up here.

    Evidence: where the claim was made (write-up line or experiment) and the run's scoring step.

    Not observed: without a run, or when the candidate reported no value of a metric the run
    measured.
    """
    rule = "1.0 up to a 2% relative over-claim (or any under-claim), falling to 0 at 20%"
    if ctx.run is None:
        return not_observed(rule=rule, summary=NOT_RUN_SUMMARY, fix=NOT_RUN_FIX)
    measured = finite_metrics(ctx.run.metrics)
    names = [ctx.spec.primary_metric.name] if ctx.spec is not None else sorted(measured)
    for name in names:
        hit = find_metric(measured, name)
        claim = _claimed(ctx, name)
        if hit is None or claim is None:
            continue
        value, where = claim
        truth = hit[1]
        over = truth - value if lower_is_better(name) else value - truth
        rel = over / max(abs(truth), 1e-9)
        sub = ramp(rel, 0.20, 0.02)
        if rel > 0.02:
            summary = (
                f"Reported {name} {value:g} but the holdout measured {truth:g}: "
                f"a {rel:.0%} over-claim (over-fitting, leakage or an optimistic split?)."
            )
        else:
            summary = f"Reported {name} {value:g}; the holdout measured {truth:g}."
        return observed(
            rel,
            sub,
            rule=rule,
            summary=summary,
            evidence=[where, _run_pointer(ctx.run, f"{name} {truth:g}")],
            fix=(
                "Report metrics measured on a held-out split the model never saw, and check "
                "for leakage between train and evaluation data."
            ),
        )
    return not_observed(
        rule=rule,
        summary="no reported metric to compare with the measured one (write-up or experiment log)",
        fix="State the metric you measured, on which split, in the write-up.",
    )
