"""``worktrial demo``: build the demo trial's five candidates, score them, show the ranking."""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from worktrial.cli._progress import progress_bar
from worktrial.rubric._types import DIMENSIONS

if TYPE_CHECKING:
    from worktrial.demo.run import DemoResult

_SHORT = {
    "output": "output",
    "framing": "framing",
    "iteration": "iteration",
    "discipline": "discipline",
    "communication": "comm.",
    "decisions": "decisions",
}


def _pipe_line(err: Console) -> Callable[[str], None]:
    """On a pipe, one line per major step (sub-steps, "x: y", are left out)."""

    def line(step: str) -> None:
        if ": " not in step:
            err.print(f"demo: {step}", highlight=False)

    return line


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def ranking_table(result: DemoResult) -> Table:
    """The personas from the highest overall score to the lowest, with their dimensions."""
    table = Table(title="Demo candidates, by overall score (1-5)", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("persona")
    table.add_column("overall", justify="right", style="bold")
    for dim in DIMENSIONS:
        table.add_column(_SHORT[dim], justify="right")
    table.add_column("red flags", justify="right")
    for rank, c in enumerate(result.ranking, start=1):
        card = c.scorecard
        scores = {d.id: d.score for d in card.dimensions}
        table.add_row(
            str(rank),
            c.persona,
            _score(card.overall),
            *(_score(scores.get(dim)) for dim in DIMENSIONS),
            str(len(card.red_flags)),
        )
    return table


def _can_open_browser() -> bool:
    # Without a display, webbrowser may start a text-mode browser in this terminal and block
    # until it is closed: only open on a desktop session.
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for the demo output; a previous demo output there is replaced.",
        ),
    ] = Path("demo-out"),
    no_open: Annotated[
        bool,
        typer.Option("--no-open", help="Do not open the comparison in a web browser."),
    ] = False,
) -> None:
    """Score five synthetic candidates of a built-in trial and compare them.

    Builds the classification trial and five candidates with real git histories (an iterative
    engineer, a leaderboard chaser, an over-engineer, a notebook dumped at the deadline, and an
    honest engineer whose main idea failed), evaluates each, writes their HTML, Markdown and
    JSON scorecards and a comparison, and prints the ranking.
    """
    # imported here: the ML stack and the pipeline load only when the demo runs
    from worktrial._pipeline import PIPELINE_STEPS
    from worktrial.demo import PERSONAS
    from worktrial.demo.run import run_demo

    # one step for the trial, then per persona: building it and each pipeline step, then the end
    total = 1 + len(PERSONAS) * (1 + len(PIPELINE_STEPS)) + 1
    err = Console(stderr=True)
    console = Console() if sys.stdout.isatty() else Console(width=120)
    with progress_bar(err, total, on_pipe=_pipe_line(err)) as step:
        result = run_demo(out, progress=step)
    console.print(ranking_table(result))
    for c in result.ranking:
        flags = ", ".join(f.title for f in c.scorecard.red_flags) or "none"
        console.print(f"  {c.persona}: {c.title}. Red flags: {flags}.", highlight=False)
    console.print("\nScorecards (HTML):", highlight=False)
    for c in result.ranking:
        console.print(f"  {c.html}", highlight=False, soft_wrap=True)
    console.print(f"Comparison: {result.comparison_html}", highlight=False, soft_wrap=True)
    console.print(
        f"Scores assist reviewers; they decide nothing. Done in {result.seconds:.1f} s.",
        highlight=False,
    )
    if not no_open and sys.stdout.isatty() and _can_open_browser():
        webbrowser.open(result.comparison_html.resolve().as_uri())


def register(app: typer.Typer) -> None:
    """Add ``worktrial demo`` to ``app``."""
    app.command("demo")(demo)
