"""Problem framing: objective, success metric, constraints, assumptions and scope, stated first."""

from __future__ import annotations

import re
from datetime import datetime

from worktrial.evidence._types import CommitKind, Pointer
from worktrial.rubric._facts import facts, find_metric, finite_metrics, metric_regex
from worktrial.rubric._registry import signal
from worktrial.rubric._result import not_observed, observed, ramp
from worktrial.rubric._types import Context, SignalResult

FRAMING_ELEMENTS: tuple[str, ...] = ("objective", "metric", "constraints", "assumptions", "scope")

_LABELS = {
    "objective": "objective",
    "metric": "success metric",
    "constraints": "constraints",
    "assumptions": "assumptions",
    "scope": "scope / out of scope",
}

_REASON = re.compile(
    r"\b(because|since|so that|in order to|matters?|costly|costs?|instead of|rather than|"
    r"priorit[iy]\w*|risk\w*|miss(?:es|ed)?|trade-?off|business)\b",
    re.IGNORECASE,
)


@signal(
    "framing.elements", dimension="framing", title="Framing elements in the write-up", weight=3.0
)
def elements(ctx: Context) -> SignalResult:
    """The framing elements the candidate's write-up states.

    Measures: which of objective, success metric, constraints, assumptions and scope (what is
    out of scope) appear as sections or paragraphs of the candidate's documents (README,
    ``docs/``, reports, notebook markdown). A README that is still the assignment prompt and
    documents only the starter kit touched do not count: they are not the candidate's framing.

    Rule: the share of the five elements found.

    Evidence: the sections that state each element (file:line).

    Not observed: when nothing was submitted.
    """
    rule = (
        "the share of the five framing elements (objective, metric, constraints, assumptions, "
        "scope) found"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = f.elements()
    present = [e for e in FRAMING_ELEMENTS if e in found]
    missing = [_LABELS[e] for e in FRAMING_ELEMENTS if e not in found]
    evidence = [found[e][0] for e in present]
    if not f.writeup:
        summary = (
            "No write-up by the candidate: no objective, metric, constraints, assumptions or scope."
        )
        if ctx.evidence.docs.readme_is_prompt:
            summary = "The README is still the assignment prompt; the candidate wrote no framing."
    elif missing:
        summary = (
            f"The write-up states {len(present)} of 5 framing elements; missing: "
            f"{', '.join(missing)}."
        )
    else:
        summary = (
            "The write-up states the objective, success metric, constraints, assumptions and scope."
        )
    return observed(
        len(present),
        len(present) / len(FRAMING_ELEMENTS),
        rule=rule,
        summary=summary,
        evidence=evidence,
        fix=(
            "Add a 'Problem framing' section to the README before modelling: "
            + ", ".join(missing or ["objective"])
            + "."
        ),
    )


def _tracks(ctx: Context, name: str) -> tuple[bool, list[Pointer]]:
    f = facts(ctx)
    with_metrics = [e for e in f.experiments if finite_metrics(e.metrics)]
    tracking = [e for e in with_metrics if find_metric(e.metrics, name) is not None]
    pointers = [e.pointer for e in tracking[:3]]
    reported = [
        p
        for k, (v, p) in ctx.evidence.docs.reported_metrics.items()
        if find_metric({k: v}, name) is not None
    ]
    pointers.extend(reported[:2])
    share_ok = bool(with_metrics) and len(tracking) * 2 >= len(with_metrics)
    return share_ok or bool(reported), pointers


@signal(
    "framing.metric_alignment",
    dimension="framing",
    title="Metric aligned with the business priority",
    weight=2.0,
)
def metric_alignment(ctx: Context) -> SignalResult:
    """Whether the candidate optimised the metric the business needs, or justified another.

    Measures, with a trial spec: whether the experiment log or the reported results track the
    spec's primary metric (at least half of the experiments that record metrics, or a reported
    value) and whether the write-up names it. Without a spec: whether the write-up names a
    success metric and says why it matters.

    Rule (spec): 1.0 when the primary metric is tracked and named in the write-up; 0.75 for a
    justified deviation (another metric is tracked instead, and the write-up's metric section
    gives a reason: because, instead of, rather than, the cost of misses...); 0.5 when it is
    tracked but never named or named but never tracked; 0 otherwise. Rule (no spec): 1.0 for a
    metric section with a reason; 0.5 for a metric section without one, or metrics tracked with
    no metric section; 0 otherwise.

    Evidence: experiments and write-up lines that track or name the metric, the metric section.

    Not observed: when nothing was submitted.
    """
    rule = (
        "spec: 1.0 tracked and named, 0.75 a justified deviation, 0.5 tracked or named only, "
        "0 neither; no spec: 1.0 a success metric with a reason, 0.5 without one, 0 none"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    metric_sections = [s for s in f.sections if "metric" in s.elements]
    section_ptrs = [s.pointer for s in metric_sections]
    reasoned = [s for s in metric_sections if _REASON.search(f"{s.heading}\n{s.text}")]
    if ctx.spec is not None:
        name = ctx.spec.primary_metric.name
        tracked, ptrs = _tracks(ctx, name)
        named_in = [s for s in f.sections if metric_regex(name).search(f"{s.heading}\n{s.text}")]
        named = bool(named_in)
        evidence = ptrs + [s.pointer for s in named_in[:2]] + section_ptrs[:2]
        fix = (
            f"Track {name} (the trial's primary metric: {ctx.spec.primary_metric.priority}) in "
            "every experiment and say in the write-up why it is the metric that matters, or why "
            "you chose another."
        )
        if tracked and named:
            return observed(
                name,
                1.0,
                rule=rule,
                evidence=evidence,
                fix=fix,
                summary=f"Optimises and reports {name}, the trial's primary metric.",
            )
        other = any(
            find_metric({k: v}, name) is None
            for e in f.experiments
            for k, v in finite_metrics(e.metrics).items()
        ) or any(
            find_metric({k: v}, name) is None
            for k, (v, _) in ctx.evidence.docs.reported_metrics.items()
        )
        if reasoned and other and not tracked:
            return observed(
                "deviation",
                0.75,
                rule=rule,
                evidence=[s.pointer for s in reasoned] + evidence,
                fix=fix,
                summary=(f"Does not centre on {name}, but the metric section explains the choice."),
            )
        if tracked or named:
            what = (
                "tracked in the experiments but never named in the write-up"
                if tracked
                else ("named in the write-up but no experiment or result measures it")
            )
            return observed(
                "partial",
                0.5,
                rule=rule,
                evidence=evidence,
                fix=fix,
                summary=f"The primary metric {name} is {what}.",
            )
        return observed(
            "absent",
            0.0,
            rule=rule,
            evidence=section_ptrs,
            fix=fix,
            summary=(
                f"Neither the experiment log nor the write-up uses {name}, the trial's "
                "primary metric."
            ),
        )
    fix = "Name the success metric in the write-up and say why it is the one the business needs."
    if reasoned:
        return observed(
            "reasoned",
            1.0,
            rule=rule,
            evidence=[s.pointer for s in reasoned],
            fix=fix,
            summary="The write-up names a success metric and says why it matters.",
        )
    tracked_any = any(finite_metrics(e.metrics) for e in f.experiments) or bool(
        ctx.evidence.docs.reported_metrics
    )
    if metric_sections or tracked_any:
        summary = (
            "The write-up names a success metric without saying why it is the right one."
            if metric_sections
            else "Metrics are tracked but the write-up never names a success metric."
        )
        return observed("named", 0.5, rule=rule, evidence=section_ptrs, fix=fix, summary=summary)
    return observed(
        "absent",
        0.0,
        rule=rule,
        fix=fix,
        summary="No success metric is named anywhere in the write-up or the experiment log.",
    )


@signal(
    "framing.before_modelling",
    dimension="framing",
    title="Framing written before modelling",
    weight=2.0,
)
def before_modelling(ctx: Context) -> SignalResult:
    """Whether the framing was written before the first modelling commit.

    Measures: the lag between the first framing work (a work commit classified as framing, the
    first work commit touching a write-up document that states a framing element, or the
    first-added time of such a document no commit in the history touches) and the first work
    commit classified as modelling.

    Rule: 1.0 when framing comes at or before the first modelling commit; otherwise 0.75
    falling linearly to 0 as the lag reaches half of the trial window; 0 when no framing was
    ever written.

    Evidence: the first framing commit and the first modelling commit.

    Not observed: when the history has no modelling commit to compare against.
    """
    rule = (
        "1.0 if framing precedes the first modelling commit; else 0.75 falling to 0 as the lag "
        "reaches half the trial window; 0 if never written"
    )
    f = facts(ctx)
    first_model = f.first_modelling
    if first_model is None:
        return not_observed(
            rule=rule,
            summary="no modelling commit in the candidate's history to compare the framing against",
        )
    framing_paths = {
        d.path
        for d in f.writeup
        if any(
            s.elements & {"objective", "metric", "constraints", "assumptions", "scope"}
            for s in d.sections
        )
    }
    first_framing = next(
        (
            c
            for c in f.work
            if c.kind is CommitKind.FRAMING or any(x.path in framing_paths for x in c.files)
        ),
        None,
    )
    fix = (
        "Commit the problem framing (objective, metric, constraints, assumptions) before modelling."
    )
    candidates: list[tuple[datetime, Pointer]] = []
    if first_framing is not None:
        candidates.append((first_framing.authored_at, first_framing.pointer))
    # a document no commit touches (a shallow or rewritten history) still has its added time
    for d in f.writeup:
        if d.path in framing_paths and d.path not in f.touched and d.first_added_at is not None:
            candidates.append((d.first_added_at, Pointer("file", d.path, "first added")))
    framing_at: datetime | None = None
    evidence: list[Pointer] = []
    if candidates:
        framing_at, where = min(candidates, key=lambda t: t[0])
        evidence.append(where)
    evidence.append(first_model.pointer)
    if framing_at is None:
        return observed(
            None,
            0.0,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary="No framing was written; modelling started without it.",
        )
    lag = (framing_at - first_model.authored_at).total_seconds()
    hours = lag / 3600
    if lag <= 0:
        return observed(
            hours,
            1.0,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=(
                f"Framing came {-hours:.1f} h before the first modelling commit."
                if lag < 0
                else "Framing came with the first modelling commit."
            ),
        )
    span = f.window.seconds
    share = lag / span if span > 0 else 1.0
    sub = 0.75 * ramp(share, 0.5, 0.0)
    return observed(
        hours,
        sub,
        rule=rule,
        evidence=evidence,
        fix=fix,
        summary=(
            f"Framing came {hours:.1f} h after the first modelling commit "
            f"({share:.0%} of the trial window)."
        ),
    )


@signal(
    "framing.questions_assumptions",
    dimension="framing",
    title="Clarifying questions or assumptions",
    weight=1.0,
)
def questions_assumptions(ctx: Context) -> SignalResult:
    """Whether the candidate clarified the ambiguity: questions asked or assumptions listed.

    Measures: clarifying questions on record (``comms.questions``) and assumptions listed in the
    write-up (assumption statements or an assumptions section).

    Rule: 1.0 when both are present, 0.7 when one of them is, 0 when neither is.

    Evidence: the questions and the assumption statements or sections.

    Not observed: when nothing was submitted.
    """
    rule = (
        "1.0 with questions asked and assumptions listed, 0.7 with one of the two, 0 with neither"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    questions = ctx.evidence.comms.questions
    assumptions = [s.pointer for s in f.statements_of("assumption")]
    assumptions += f.elements().get("assumptions", [])
    evidence = [q.pointer for q in questions[:5]] + assumptions
    fix = (
        "Ask the company about the brief's ambiguity (or list the assumptions you made and why) "
        "before building."
    )
    n_q = len(questions)
    if n_q and assumptions:
        sub, summary = 1.0, f"Asked {n_q} clarifying question(s) and listed assumptions."
    elif n_q:
        sub, summary = 0.7, f"Asked {n_q} clarifying question(s); no assumptions listed."
    elif assumptions:
        sub, summary = 0.7, "Listed assumptions; asked no clarifying question."
    else:
        sub, summary = 0.0, "No clarifying question asked and no assumption listed."
    return observed(
        n_q + len(assumptions), sub, rule=rule, summary=summary, evidence=evidence, fix=fix
    )
