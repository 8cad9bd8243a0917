"""The candidate's self-check: RUBRIC.md's nine questions, answered from the same signals.

``worktrial check`` runs the company's collectors and rubric on the candidate's own repository
and answers each question with yes / partly / no / can't tell, the evidence found and the
concrete fix. Nothing here is secret: it is the rubric, read from the candidate's side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from worktrial.report._format import evidence_label, truncate
from worktrial.report._scorecard import EvidenceItem, Scorecard, SignalCard
from worktrial.report.markdown import code, md

Answer = Literal["yes", "partly", "no", "unknown"]

YES_AT = 0.7  # mean sub-score from which a question is answered "yes"
PARTLY_AT = 0.4  # ... and "partly"


@dataclass(frozen=True, slots=True)
class Question:
    """One self-check question and the rubric signals that answer it."""

    key: str
    text: str
    signals: tuple[str, ...]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "framing",
        "Is the problem framed: objective, success metric, constraints, assumptions, scope?",
        (
            "framing.elements",
            "framing.metric_alignment",
            "framing.before_modelling",
            "framing.questions_assumptions",
        ),
    ),
    Question(
        "baseline",
        "Did a simple baseline with a measured metric land early?",
        ("iteration.time_to_baseline",),
    ),
    Question(
        "iterations",
        "Did you improve it through several deliberate, recorded experiments?",
        (
            "iteration.deliberate_iterations",
            "iteration.record_completeness",
            "iteration.trajectory",
            "iteration.cadence",
        ),
    ),
    Question(
        "decisions",
        "Would a reader know why you made each decision?",
        ("communication.commit_why", "iteration.iteration_table", "iteration.record_completeness"),
    ),
    Question(
        "tradeoffs",
        "Are the trade-offs written down, with what you gave up and why?",
        ("decisions.tradeoffs",),
    ),
    Question(
        "reproducible",
        "Could someone else rerun your work and get the same numbers?",
        (
            "discipline.dependencies",
            "discipline.seeds",
            "discipline.commands",
            "discipline.tests",
            "discipline.reproducibility",
        ),
    ),
    Question(
        "constraints",
        "Did you measure your solution against the trial's constraints?",
        ("decisions.constraints_met", "decisions.constraints_addressed"),
    ),
    Question(
        "communication",
        "Could a colleague pick up from your write-up and updates?",
        (
            "communication.writeup",
            "communication.updates",
            "communication.feedback_loop",
            "communication.impact",
        ),
    ),
    Question(
        "next_steps",
        "Did you say what failed and what you would do next?",
        ("decisions.failures_recorded", "decisions.next_steps"),
    ),
)


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One answered question.

    ``answer`` is ``"unknown"`` (shown as *can't tell*) when none of its signals could be
    observed; ``findings`` are the observed signals' summaries, ``fixes`` the concrete actions
    of the signals that are not yet full marks (or not observed).
    """

    key: str
    question: str
    answer: Answer
    score: float | None
    signals: tuple[str, ...]
    findings: tuple[str, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    fixes: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())


def _answer(score: float | None) -> Answer:
    if score is None:
        return "unknown"
    if score >= YES_AT:
        return "yes"
    if score >= PARTLY_AT:
        return "partly"
    return "no"


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _item(q: Question, signals: list[SignalCard]) -> CheckItem:
    seen = [s for s in signals if s.observed and s.subscore is not None]
    weight = sum(s.weight for s in seen)
    score = (
        round(sum((s.subscore or 0.0) * s.weight for s in seen) / weight, 3)
        if seen and weight > 0
        else None
    )
    evidence: list[EvidenceItem] = []
    keys: set[tuple[str, str]] = set()
    for s in sorted(seen, key=lambda s: -(s.subscore or 0.0)):
        for e in s.evidence:
            if (e.kind, e.ref) not in keys and len(evidence) < 5:
                keys.add((e.kind, e.ref))
                evidence.append(e)
    fixes = [s.fix or "" for s in signals if s.fix and (not s.observed or (s.subscore or 0) < 1)]
    return CheckItem(
        key=q.key,
        question=q.text,
        answer=_answer(score),
        score=score,
        signals=tuple(s.id for s in signals),
        findings=_unique([s.summary for s in seen]),
        evidence=tuple(evidence),
        fixes=_unique(fixes),
        missing=_unique([s.title for s in signals if not s.observed]),
    )


def self_check(scorecard: Scorecard) -> list[CheckItem]:
    """Answer the nine self-check questions from ``scorecard``'s signals.

    Each question maps to rubric signals (see :data:`QUESTIONS`); its answer comes from the
    weighted mean sub-score of the mapped signals that were observed: yes from 0.7, partly from
    0.4, no below, and *can't tell* when none could be observed (or none exists).
    """
    by_id = {s.id: s for s in scorecard.signals()}
    return [_item(q, [by_id[i] for i in q.signals if i in by_id]) for q in QUESTIONS]


# --------------------------------------------------------------------------- rendering

_ICONS: dict[str, tuple[str, str, str]] = {
    "yes": ("✔", "green", "yes"),
    "partly": ("◐", "yellow", "partly"),
    "no": ("✘", "red", "no"),
    "unknown": ("?", "bright_black", "can't tell"),
}


def answer_label(answer: Answer) -> str:
    """``yes``, ``partly``, ``no`` or ``can't tell``."""
    return _ICONS[answer][2]


def checklist_renderable(items: Sequence[CheckItem], scorecard: Scorecard) -> RenderableType:
    """The checklist as a Rich renderable."""
    parts: list[RenderableType] = []
    head = Text()
    head.append("Self-check", style="bold")
    head.append(f" · {scorecard.repository.name} @ {scorecard.repository.head[:7]}", style="dim")
    if scorecard.trial is not None:
        head.append(f" · trial {scorecard.trial.id}", style="dim")
    parts.append(head)
    parts.append(
        Text(
            "These are the public checks the company runs too: the same collectors and rubric. "
            "Only the hidden holdout score is not part of them.",
            style="dim",
        )
    )
    for n, item in enumerate(items, 1):
        icon, colour, label = _ICONS[item.answer]
        question = Text()
        question.append(f"{n}. {item.question} ")
        question.append(label, style=f"bold {colour}")
        details = Text()
        lines: list[tuple[str, str, str]] = [
            ("found: ", truncate(f, 160), "") for f in item.findings[:2]
        ]
        if item.evidence:
            refs = ", ".join(truncate(evidence_label(e), 40) for e in item.evidence[:3])
            lines.append(("evidence: ", refs, "dim"))
        if item.answer == "unknown" and not item.signals:
            lines.append(("", "no signal of the rubric answers this yet", "dim"))
        elif item.answer == "unknown" and item.missing:
            lines.append(("not observed: ", ", ".join(item.missing), "dim"))
        if item.answer != "yes":
            lines += [("fix: ", truncate(fix, 160), "cyan") for fix in item.fixes[:3]]
        for k, (prefix, text, style) in enumerate(lines):
            if k:
                details.append("\n")
            details.append(prefix, style="dim" if prefix else "")
            details.append(text, style=style)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(ratio=1)
        body: list[RenderableType] = [question]
        if lines:
            body.append(Padding(details, (0, 0, 0, 3)))
        grid.add_row(Text(icon, style=f"bold {colour}"), Group(*body))
        parts.append(Text(""))
        parts.append(grid)
    counts = {a: sum(1 for i in items if i.answer == a) for a in _ICONS}
    summary = ", ".join(f"{counts[a]} {_ICONS[a][2]}" for a in _ICONS if counts[a])
    parts.append(Text(f"\n{summary}", style="bold"))
    return Group(*parts)


def render_checklist(
    items: Sequence[CheckItem], scorecard: Scorecard, console: Console | None = None
) -> None:
    """Print the checklist to ``console`` (standard output by default)."""
    (console or Console()).print(checklist_renderable(items, scorecard))


def checklist_markdown(items: Sequence[CheckItem], scorecard: Scorecard) -> str:
    """The checklist as GitHub-flavoured Markdown (a task list)."""
    lines = [
        f"# Self-check — {md(scorecard.repository.name)}",
        "",
        "These are the public checks the company runs too. Only the hidden holdout score is "
        "not part of them.",
        "",
    ]
    for item in items:
        box = "x" if item.answer == "yes" else " "
        lines.append(f"- [{box}] **{md(item.question)}** — {answer_label(item.answer)}")
        for finding in item.findings[:2]:
            lines.append(f"  - found: {md(finding)}")
        if item.evidence:
            refs = ", ".join(code(evidence_label(e)) for e in item.evidence[:3])
            lines.append(f"  - evidence: {refs}")
        if item.answer == "unknown" and item.missing:
            lines.append(f"  - not observed: {md(', '.join(item.missing))}")
        if item.answer != "yes":
            lines.extend(f"  - fix: {md(fix)}" for fix in item.fixes[:3])
    lines.append("")
    return "\n".join(lines)
