"""Communication: a write-up a colleague can continue from, updates, feedback, impact."""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_right

from worktrial.evidence._types import Pointer
from worktrial.rubric._facts import facts, words
from worktrial.rubric._registry import signal
from worktrial.rubric._result import not_observed, observed, ramp
from worktrial.rubric._types import Context, SignalResult

WRITEUP_ELEMENTS: dict[str, str] = {
    "objective": "problem understanding",
    "approach": "approach",
    "iterations": "key iterations",
    "tradeoffs": "trade-offs",
    "results": "results",
    "limitations": "limitations",
    "next_steps": "next steps",
}
PROMPT_PENALTY = 0.25


@signal(
    "communication.writeup",
    dimension="communication",
    title="Write-up completeness",
    weight=3.0,
)
def writeup(ctx: Context) -> SignalResult:
    """How complete the write-up is, for a colleague who has to continue the work.

    Measures: which of problem understanding, approach, key iterations, trade-offs, results,
    limitations and next steps the candidate's documents cover (README, ``docs/``, reports,
    notebook markdown), and whether the README is still the assignment prompt.

    Rule: the share of the seven elements found, minus 0.25 when the README is still the
    prompt (a colleague opening the repository finds the brief, not the work).

    Evidence: the sections that cover each element; the README.

    Not observed: when nothing was submitted.
    """
    rule = "share of the 7 write-up elements found; -0.25 if the README is still the prompt"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = f.elements()
    present = [e for e in WRITEUP_ELEMENTS if e in found]
    missing = [label for e, label in WRITEUP_ELEMENTS.items() if e not in found]
    share = len(present) / len(WRITEUP_ELEMENTS)
    evidence = [found[e][0] for e in present]
    docs = ctx.evidence.docs
    summary = f"The write-up covers {len(present)} of 7 elements"
    summary += f"; missing: {', '.join(missing)}." if missing else "."
    sub = share
    if docs.readme_is_prompt:
        sub = max(0.0, share - PROMPT_PENALTY)
        summary += " The README is still the assignment prompt."
        if docs.readme_path:
            evidence.append(Pointer("file", docs.readme_path, "README is the prompt"))
    fix_parts = []
    if docs.readme_is_prompt:
        fix_parts.append("Replace the prompt in the README with your own write-up.")
    if missing:
        fix_parts.append(f"Add to the write-up: {', '.join(missing)}.")
    return observed(
        len(present),
        sub,
        rule=rule,
        summary=summary,
        evidence=evidence,
        fix=" ".join(fix_parts) or None,
    )


@signal(
    "communication.updates",
    dimension="communication",
    title="Progress updates",
    weight=2.0,
)
def updates(ctx: Context) -> SignalResult:
    """Progress updates: how many, how regular, how complete.

    Measures: the progress updates made before the deadline (when the trial has one), against
    one every two days of the trial; the largest gap between updates (from the start to the
    first, between updates, from the last to the end) as a share of the window; and whether
    each fills done, next and blockers.

    Rule: ``0.4 × count + 0.3 × regularity + 0.3 × fields``: count is ``min(1, n / ceil(days /
    2))``; regularity is 1 at a largest gap ≤ 25% of the window, 0 at ≥ 75%; fields weighs done
    and next 0.4 each and blockers 0.2 (write "none" when there are none). Without a trial
    window: ``0.6 × count + 0.4 × fields`` against one update.

    Evidence: the updates.

    Not observed: when nothing was submitted, or when there are no updates and no trial spec
    (a repository outside a worktrial trial may have reported progress elsewhere).
    """
    rule = (
        "0.4 × min(1, n / ceil(days / 2)) + 0.3 × (1 at largest gap ≤ 25% of the window, 0 at "
        "≥ 75%) + 0.3 × fields filled (done 0.4, next 0.4, blockers 0.2)"
    )
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    w = f.window
    items = [u for u in ctx.evidence.comms.updates if w.deadline is None or u.at <= w.deadline]
    items.sort(key=lambda u: u.at)
    fix = "Post a short update every day or two: done, next, blockers (worktrial update)."
    if not items:
        if ctx.spec is None:
            return not_observed(
                rule=rule,
                summary="no progress updates on record (outside a trial they may live elsewhere)",
                fix=fix,
            )
        return observed(
            0, 0.0, rule=rule, summary="No progress updates before the deadline.", fix=fix
        )
    fields = sum(
        0.4 * bool(u.done.strip()) + 0.4 * bool(u.next.strip()) + 0.2 * bool(u.blockers.strip())
        for u in items
    ) / len(items)
    n = len(items)
    if w.start is not None and w.end is not None and w.seconds > 0:
        expected = max(1, math.ceil(w.days / 2))
        times = [w.start, *(min(max(u.at, w.start), w.end) for u in items), w.end]
        gap = max((b - a).total_seconds() for a, b in itertools.pairwise(times))
        gap_share = gap / w.seconds
        sub = 0.4 * min(1.0, n / expected) + 0.3 * ramp(gap_share, 0.75, 0.25) + 0.3 * fields
        summary = (
            f"{n} update(s) against {expected} expected; largest gap {gap_share:.0%} of the "
            f"window; fields {fields:.0%} filled."
        )
    else:
        sub = 0.6 * min(1.0, n / 1) + 0.4 * fields
        summary = (
            f"{n} update(s); fields {fields:.0%} filled (no trial window to judge regularity)."
        )
    return observed(
        n, sub, rule=rule, summary=summary, evidence=[u.pointer for u in items], fix=fix
    )


@signal(
    "communication.feedback_loop",
    dimension="communication",
    title="Feedback acknowledged and acted on",
    weight=2.0,
)
def feedback_loop(ctx: Context) -> SignalResult:
    """Whether checkpoint feedback was acknowledged and followed by a change.

    Measures: for each feedback item, a written response (or a statement in the write-up that
    acknowledges feedback) and a commit after the feedback: one the response links to, or else
    any later work commit.

    Rule: per item ``0.5 × acknowledged + 0.5 × followed``; acknowledged is 1 for a response,
    0.5 when only the write-up acknowledges feedback; followed is 1 for a linked commit after
    the feedback was received (any linked commit when only the response time is known), 0.5
    for an unlinked later work commit, 0 for none. The subscore is the mean.

    Evidence: the feedback items and the commits that followed them.

    Not observed: when there was no feedback to act on.
    """
    rule = (
        "mean over feedback of 0.5 × acknowledged (response 1, write-up 0.5) + 0.5 × followed "
        "(linked later commit 1, unlinked later work commit 0.5)"
    )
    f = facts(ctx)
    items = ctx.evidence.comms.feedback
    if not items:
        return not_observed(
            rule=rule, summary="no checkpoint feedback was given: nothing to act on"
        )
    acked_in_writeup = bool(f.statements_of("feedback_ack"))
    times = [c.authored_at for c in f.work]
    total = 0.0
    evidence: list[Pointer] = []
    unanswered = 0
    for fb in items:
        ack = 1.0 if fb.response.strip() else 0.5 if acked_in_writeup else 0.0
        # Feedback recorded with its response but no receipt time: the links are taken at
        # their word (the reviewer sees the commits); otherwise they must come after receipt.
        since = None if fb.responded_at is not None and fb.at >= fb.responded_at else fb.at
        linked = [
            f.commit_by_sha[s]
            for s in fb.commits
            if s in f.commit_by_sha and (since is None or f.commit_by_sha[s].authored_at >= since)
        ]
        if linked:
            follow = 1.0
            evidence.append(linked[0].pointer)
        elif bisect_right(times, fb.at) < len(times):
            follow = 0.5
        else:
            follow = 0.0
        if ack == 0.0:
            unanswered += 1
        total += 0.5 * ack + 0.5 * follow
        evidence.append(fb.pointer)
    mean = total / len(items)
    summary = f"{len(items)} feedback item(s); loop closed {mean:.0%}"
    summary += f"; {unanswered} without a response." if unanswered else "."
    return observed(
        mean,
        mean,
        rule=rule,
        summary=summary,
        evidence=evidence,
        fix="Answer each checkpoint comment and link the commit that acts on it.",
    )


@signal(
    "communication.impact",
    dimension="communication",
    title="Results in business terms",
    weight=1.0,
)
def impact(ctx: Context) -> SignalResult:
    """Whether results are stated in business terms (impact), not only as metric values.

    Measures: impact statements in the write-up ("catches 8 in 10 fraudulent orders", "saves
    two hours of review a day").

    Rule: 1.0 for two or more impact statements, 0.5 for one, 0 for none.

    Evidence: the statements (file:line).

    Not observed: when nothing was submitted.
    """
    rule = "1.0 for ≥ 2 impact statements, 0.5 for one, 0 for none"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = f.statements_of("impact")
    n = len(found)
    return observed(
        n,
        1.0 if n >= 2 else 0.5 if n == 1 else 0.0,
        rule=rule,
        evidence=[s.pointer for s in found],
        summary=(
            f"{n} statement(s) put the results in business terms."
            if n
            else "Results are not put in business terms."
        ),
        fix="Translate the metric into what it means for the business (errors caught, cost, time).",
    )


_WHY = re.compile(
    r"\b(because|since|so that|so we|so it|in order to|to (avoid|reduce|improve|fix|make|allow|"
    r"prevent|handle|support|keep|speed|match|catch|cut|lower|raise|increase|decrease|"
    r"ensure|enable|guard|stop|check|compare|measure|capture|fit|meet|stay|address|"
    r"respect|simplify|clarify|separate|lift|boost|balance|save|limit|learn|see|test|"
    r"detect|find|estimate|show|understand|cover|remove|drop))\b",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"^[A-Za-z][\w-]*: ")


def says_why(subject: str, body: str) -> bool:
    """Whether a commit message gives a reason: a body of three or more words (trailers such
    as ``Signed-off-by:`` aside) or a subject with "because", "so that", "to <purpose>"..."""
    if _WHY.search(subject):
        return True
    if not body.strip():
        return False
    prose = [ln for ln in body.splitlines() if ln.strip() and not _TRAILER.match(ln.strip())]
    return len(words(" ".join(prose))) >= 3


@signal(
    "communication.commit_why",
    dimension="communication",
    title="Commit messages that say why",
    weight=1.0,
)
def commit_why(ctx: Context) -> SignalResult:
    """Whether commit messages say why, not only what.

    Measures: the share of work commits with a body of at least three words (trailers such as
    ``Signed-off-by:`` aside) or a subject that gives a reason ("because", "so that", "to
    reduce", "to avoid"...).

    Rule: 1.0 when at least half of the work commits say why, linear below.

    Evidence: commits that say why.

    Not observed: without work commits.
    """
    rule = "min(1, share of work commits whose message says why / 0.5)"
    f = facts(ctx)
    if not f.work:
        return not_observed(rule=rule, summary="no work commits by the candidate")
    why = [c for c in f.work if says_why(c.subject, c.body)]
    share = len(why) / len(f.work)
    return observed(
        share,
        ramp(share, 0.0, 0.5),
        rule=rule,
        evidence=[c.pointer for c in why[:5]],
        summary=f"{share:.0%} of {len(f.work)} work commit(s) say why in their message.",
        fix="Add a line to each commit saying why the change was made.",
    )
