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


HOME_MARKER = ".worktrial-demo-home"


def _demo_home(home: Path) -> Path:
    """``home`` ready for a fresh demo: new, empty, or a previous demo's (which is replaced).

    Raises:
        UsageError: ``home`` is a file, or a folder with other content (never replaced).
    """
    import shutil

    from worktrial.errors import UsageError

    home = home.expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise UsageError(f"{home}: expected a folder for the demo's data, found a file")
    if home.is_dir() and any(home.iterdir()):
        if not (home / HOME_MARKER).is_file():
            raise UsageError(
                f"{home} is not empty and was not made by worktrial demo; choose another "
                "folder with --home",
                path=str(home),
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)  # the sandbox user passes through it to the trial's environment
    (home / HOME_MARKER).write_text("made by worktrial demo; replaced on the next run\n")
    return home


def _platform_demo(
    home: Path, host: str, port: int, *, serve_it: bool, run_code: bool, err: Console
) -> None:
    import shutil

    from worktrial.cli._platform import check_port_free, serve

    if serve_it:
        check_port_free(host, port)
    home = _demo_home(home)
    os.environ["WORKTRIAL_HOME"] = str(home)
    if run_code and shutil.which("bwrap"):
        # the personas run in the sandbox on the hidden holdout, with this installation's own
        # packages as the trial's environment (nothing is downloaded)
        os.environ.setdefault("WORKTRIAL_SANDBOX", "bwrap")
        os.environ.setdefault("WORKTRIAL_LINK_SITE_PACKAGES", "1")
    else:
        os.environ["WORKTRIAL_SANDBOX"] = "none"
        reason = "--no-run" if not run_code else "bubblewrap is not installed"
        err.print(f"demo: candidates' code is not run ({reason}); scores are from evidence only")
    from worktrial.web import runner

    runner.setup(None)
    runner.migrate()
    from worktrial.web.demo import PERSONAS, seed_demo

    total = 4 + 2 * len(PERSONAS)
    with progress_bar(err, total, on_pipe=_pipe_line(err)) as step:
        seeded = seed_demo(progress=step)
    base = f"http://{host}:{port}"
    err.print(f"\nThe demo company is seeded in {home}. Log in as (each link works once):")
    for role, token in seeded.links.items():
        err.print(f"  {role:<10} {base}/accounts/link/{token}/", highlight=False, soft_wrap=True)
    err.print(f"The trial's dashboard: {base}/trials/{seeded.trial_id}/", highlight=False)
    err.print("Scores assist reviewers; they decide nothing.", highlight=False)
    if serve_it:
        serve(host=host, port=port)


def demo(
    static: Annotated[
        bool,
        typer.Option(
            "--static",
            help="Write the five scorecards and their comparison as files (--out) instead of "
            "starting the platform.",
        ),
    ] = False,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="With --static: folder for the output; a previous demo output there is replaced.",
        ),
    ] = Path("demo-out"),
    no_open: Annotated[
        bool,
        typer.Option("--no-open", help="With --static: do not open the comparison in a browser."),
    ] = False,
    home: Annotated[
        Path,
        typer.Option(
            "--home",
            help="The demo platform's data folder; a previous demo's is replaced.",
        ),
    ] = Path("worktrial-demo"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1)] = 8000,
    no_serve: Annotated[
        bool,
        typer.Option("--no-serve", help="Seed the platform and print the links; do not serve."),
    ] = False,
    no_run: Annotated[
        bool,
        typer.Option(
            "--no-run", help="Do not run the candidates' code in the sandbox (evidence only)."
        ),
    ] = False,
) -> None:
    """Show worktrial on a built-in trial with five synthetic candidates.

    Seeds the platform (in --home) with a company, its admin, hiring manager and reviewers, the
    classification trial, and five candidates with real git histories (an iterative engineer, a
    leaderboard chaser, an over-engineer, a notebook dumped at the deadline, and an honest
    engineer whose main idea failed), each submitted and evaluated — run in the sandbox on the
    hidden holdout where bubblewrap is installed — plus reviews and a decision; then starts the
    platform and prints one login link per role. With --static, writes their scorecards and a
    comparison as files instead.
    """
    err = Console(stderr=True)
    if not static:
        _platform_demo(home, host, port, serve_it=not no_serve, run_code=not no_run, err=err)
        return
    # imported here: the ML stack and the pipeline load only when the demo runs
    from worktrial._pipeline import PIPELINE_STEPS
    from worktrial.demo import PERSONAS
    from worktrial.demo.run import run_demo

    # one step for the trial, then per persona: building it and each pipeline step, then the end
    total = 1 + len(PERSONAS) * (1 + len(PIPELINE_STEPS)) + 1
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
