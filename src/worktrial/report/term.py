"""The scorecard in a terminal: Rich panels and tables.

Candidate text is wrapped in :class:`rich.text.Text` (never parsed as Rich markup), so a commit
subject like ``[bold]`` or ``[/]`` prints as itself.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from worktrial.report._format import (
    STEP_STATUS_WORDS,
    evidence_label,
    pct,
    run_figure_rows,
    run_heading,
    score_band,
    score_text,
    title_of,
    truncate,
    when,
)
from worktrial.report._scorecard import DimensionCard, Scorecard, SignalCard


def score_bar(score: float | None, width: int = 20) -> Text:
    """A coloured bar for a 1-5 score."""
    if score is None:
        return Text("·" * width, style="dim")
    filled = round((score - 1) / 4 * width)
    style = "green" if score >= 3.5 else "yellow" if score >= 2.5 else "red"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


def _header(card: Scorecard) -> Panel:
    repo = card.repository
    lines = Text()
    lines.append("Candidate ", style="dim")
    lines.append(card.candidate, style="bold")
    lines.append("  ·  repository ", style="dim")
    lines.append(f"{repo.name} @ {repo.head[:7]}")
    if repo.branch:
        lines.append(f" ({repo.branch})")
    elif repo.detached:
        lines.append(" (detached HEAD)")
    if repo.shallow:
        lines.append("  shallow clone", style="yellow")
    if card.trial is not None:
        pm = card.trial.primary_metric
        lines.append("\nTrial ", style="dim")
        lines.append(f"{card.trial.id} ({card.trial.kind})")
        lines.append("  ·  primary metric ", style="dim")
        lines.append(pm.name, style="bold")
        lines.append(f" — {truncate(pm.priority, 80)}")
    if card.window.started_at or card.window.deadline:
        lines.append("\nWindow ", style="dim")
        lines.append(f"{when(card.window.started_at)} → {when(card.window.deadline)} UTC")
        if card.window.days is not None:
            lines.append(f" ({card.window.days:g} days, {card.window.source})", style="dim")
    lines.append("\nOverall ", style="dim")
    lines.append(f"{score_text(card.overall)} / 5", style="bold")
    lines.append(f"  {score_band(card.overall)}  ·  confidence {pct(card.confidence)}")
    return Panel(lines, title=Text(title_of(card), style="bold"), title_align="left")


def _flags(card: Scorecard) -> RenderableType:
    if not card.red_flags:
        return Text("No red flags.", style="green")
    body = Text()
    for i, f in enumerate(card.red_flags):
        if i:
            body.append("\n")
        body.append("⚑ ", style="bold red")
        body.append(f.title, style="bold")
        body.append(f" — {f.detail}")
        if f.evidence:
            refs = ", ".join(truncate(evidence_label(e), 40) for e in f.evidence[:3])
            body.append(f"\n  {refs}", style="dim")
    return Panel(body, title=f"Red flags ({len(card.red_flags)})", border_style="red")


NARROW_WIDTH = 110  # below this the evidence goes under the table instead of beside it


def _best_evidence(d: DimensionCard, width: int) -> Text:
    best = _best_signal(d.signals)
    evidence = Text()
    if best is not None:
        evidence.append(truncate(best.summary, width))
        if best.evidence:
            evidence.append(f"\n{truncate(evidence_label(best.evidence[0]), 56)}", style="dim")
    return evidence


def _dimensions(card: Scorecard, *, narrow: bool = False) -> RenderableType:
    table = Table(title="Dimensions", title_justify="left", expand=False, pad_edge=False)
    table.add_column("dimension", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("confidence", justify="right", no_wrap=True)
    if not narrow:
        table.add_column("strongest evidence", overflow="fold", max_width=58)
    for d in card.dimensions:
        row = [
            Text(d.title),
            Text(score_text(d.score), style="bold"),
            score_bar(d.score, width=12 if narrow else 20),
            Text(pct(d.confidence), style="dim" if d.confidence < 0.5 else ""),
        ]
        if not narrow:
            row.append(_best_evidence(d, 90))
        table.add_row(*row)
    if not narrow:
        return table
    lines = Text()
    for d in card.dimensions:
        evidence = _best_evidence(d, 200)
        if evidence.plain:
            lines.append(f"\n{d.title}: " if lines.plain else f"{d.title}: ", style="bold")
            lines.append_text(evidence)
    return Group(table, Panel(lines, title="Strongest evidence", border_style="dim"))


def _best_signal(signals: list[SignalCard]) -> SignalCard | None:
    observed = [s for s in signals if s.observed and s.subscore is not None]
    if not observed:
        return None
    return max(observed, key=lambda s: ((s.subscore or 0.0) * s.weight, len(s.evidence)))


def _missing(card: Scorecard) -> RenderableType | None:
    missing = [(d.title, s) for d in card.dimensions for s in d.signals if not s.observed]
    if not missing:
        return None
    body = Text()
    for i, (dim, s) in enumerate(missing):
        if i:
            body.append("\n")
        body.append(f"· {dim}: ", style="dim")
        body.append(s.title)
        body.append(f"  {truncate(s.summary, 90)}", style="dim")
    return Panel(
        body,
        title=f"Not observed ({len(missing)} of {len(card.signals())} signals)",
        border_style="dim",
    )


def _notes(card: Scorecard) -> RenderableType | None:
    notes = [n for n in card.notes if n.kind in ("late", "skipped", "history", "window")]
    if not notes:
        return None
    body = Text()
    for i, n in enumerate(notes[:12]):
        if i:
            body.append("\n")
        body.append(f"{n.kind}: ", style="yellow" if n.kind == "late" else "dim")
        body.append(truncate(n.text, 120))
    if len(notes) > 12:
        body.append(f"\n… and {len(notes) - 12} more notes (see the JSON or HTML view)")
    return Panel(body, title="Notes", border_style="dim")


def _run(card: Scorecard) -> RenderableType | None:
    """The sandboxed run: its summary, figures against budgets and each step's verdict."""
    run = card.run
    if run is None:
        return None
    table = Table(expand=False, pad_edge=False, box=None, show_edge=False)
    table.add_column("figure")
    table.add_column("measured", justify="right")
    table.add_column("budget", justify="right")
    table.add_column("verdict")
    for what, measured, budget, verdict in run_figure_rows(run):
        style = "red" if verdict.startswith(("missed", "outside")) else ""
        table.add_row(Text(what), Text(measured), Text(budget), Text(verdict, style=style))
    steps = Text()
    colours = {"passed": "green", "warning": "yellow", "failed": "red", "error": "magenta"}
    for st in run.steps:
        steps.append(
            f"{STEP_STATUS_WORDS.get(st.status, st.status):>22}  ", colours.get(st.status, "dim")
        )
        steps.append(st.title, "bold")
        steps.append(f": {truncate(st.verdict, 160)}")
        if st.log_file:
            steps.append(f" [{st.log_file}]", "dim")
        steps.append("\n")
    parts: list[RenderableType] = [Text(run_heading(run), style="dim"), Text(run.summary)]
    if table.row_count:
        parts.append(table)
    parts += [Text(f"• {n}", style="yellow") for n in run.notes]
    parts.append(steps)
    border = {"scored": "green", "failed": "red", "error": "magenta"}.get(run.outcome, "dim")
    return Panel(Group(*parts), title="Sandboxed run", border_style=border)


def scorecard_renderable(card: Scorecard, *, width: int = NARROW_WIDTH) -> RenderableType:
    """The whole terminal view as one Rich renderable, laid out for ``width`` columns."""
    parts: list[RenderableType] = [
        _header(card),
        _flags(card),
    ]
    run = _run(card)
    if run is not None:
        parts.append(run)
    parts += [
        _dimensions(card, narrow=width < NARROW_WIDTH),
    ]
    for extra in (_missing(card), _notes(card)):
        if extra is not None:
            parts.append(extra)
    parts.append(
        Text(
            "Automated scores assist reviewers; they never decide by themselves. "
            "Use --format html for every signal with its evidence.",
            style="dim",
        )
    )
    return Group(*parts)


def render_term(card: Scorecard, console: Console | None = None) -> None:
    """Print ``card`` to ``console`` (standard output by default)."""
    console = console or Console()
    console.print(scorecard_renderable(card, width=console.width))


def render_text(card: Scorecard, *, width: int = 110) -> str:
    """The terminal view as plain text (no colour codes), e.g. to write to a file."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(scorecard_renderable(card, width=width))
    return buffer.getvalue()
