"""Candidate-side tracking commands: ``log``, ``update``, ``ask`` and ``respond``.

They write the JSON Lines files under ``.worktrial/`` through :mod:`worktrial.tracking`, so the
command line and the Python API validate and store records the same way. ``update`` and ``ask``
also post to the worktrial server with ``--remote`` (or ``--candidacy ID``, which implies it):
first to the server, so a refused or unreachable server leaves no local record to duplicate on
the next try; the evaluation counts a record that is in both places once.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from worktrial.cli._remote import post_question, post_update
from worktrial.errors import UsageError
from worktrial.evidence._types import Experiment
from worktrial.tracking import (
    EXPERIMENTS_FILE,
    log_experiment,
    read_experiments,
    record_feedback_response,
    record_question,
    record_update,
)
from worktrial.tracking._log import metric_error
from worktrial.tracking._records import OUTCOMES

RepoOption = Annotated[
    Path,
    typer.Option(
        "--repo",
        help="A folder inside the project repository (the records go to its root).",
        file_okay=False,
    ),
]
RemoteOption = Annotated[
    bool,
    typer.Option(
        "--remote",
        help="Also post it to the worktrial server you logged in to (`worktrial login`).",
    ),
]
CandidacyOption = Annotated[
    int | None,
    typer.Option(
        "--candidacy",
        help="The candidacy on the server to post to (implies --remote; default: your only "
        "open one).",
        metavar="ID",
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened, ISO 8601 with a UTC offset (default: now).",
        metavar="TIME",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``log``, ``update``, ``ask`` and ``respond`` to ``app``."""
    app.command("log")(log_command)
    app.command("update")(update_command)
    app.command("ask")(ask_command)
    app.command("respond")(respond_command)


# --------------------------------------------------------------------------- parsing


def _parse_at(value: str | None, *, option: str = "--at") -> datetime | None:
    if value is None:
        return None
    example = f"e.g. {option} 2026-03-03T14:00+00:00"
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as err:
        raise UsageError(
            f"{option} {value!r}: expected an ISO 8601 time with a UTC offset, {example}"
        ) from err
    if when.tzinfo is None or when.utcoffset() is None:
        raise UsageError(f"{option} {value!r}: expected a UTC offset in the time, {example}")
    return when


def _split_pair(option: str, raw: str, form: str, example: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} {raw!r}: expected {form}, e.g. {option} {example}")
    return name.strip(), value.strip()


def parse_metrics(raw: list[str]) -> dict[str, float]:
    """``["recall=0.81", …]`` as a mapping; raises on a missing ``=`` or a non-number."""
    metrics: dict[str, float] = {}
    for item in raw:
        name, value = _split_pair("--metric", item, "NAME=NUMBER", "recall=0.81")
        if name in metrics:
            raise UsageError(f"--metric {name!r}: given twice; give each metric once")
        try:
            number = float(value)
        except ValueError as err:
            raise metric_error(name, value) from err
        metrics[name] = number
    return metrics


def parse_params(raw: list[str]) -> dict[str, object]:
    """``["max_depth=6", "model=xgb"]`` as a mapping; values are JSON when they parse as JSON."""
    params: dict[str, object] = {}
    for item in raw:
        name, value = _split_pair("--param", item, "NAME=VALUE", "max_depth=6")
        if name in params:
            raise UsageError(f"--param {name!r}: given twice; give each parameter once")
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


def _check_remote(remote: bool, at: str | None) -> None:
    if remote and at is not None:
        raise UsageError(
            "--at cannot be combined with --remote: the server records the time it receives it"
        )


# --------------------------------------------------------------------------- commands


def log_command(
    observation: Annotated[
        str, typer.Option("--observation", "-o", help="What you noticed that led to this.")
    ] = "",
    hypothesis: Annotated[
        str, typer.Option("--hypothesis", "-H", help="What you expected the change to do.")
    ] = "",
    change: Annotated[str, typer.Option("--change", "-c", help="What you changed.")] = "",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="A setting, NAME=VALUE (repeatable; JSON values).",
            metavar="NAME=VALUE",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", "-m", help="A result, NAME=NUMBER (repeatable).", metavar="NAME=NUMBER"
        ),
    ] = None,
    result: Annotated[str, typer.Option("--result", "-r", help="What happened.")] = "",
    learning: Annotated[str, typer.Option("--learning", "-l", help="What you learned.")] = "",
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help=f"One of: {', '.join(OUTCOMES)}.", metavar="OUTCOME"),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="Show the experiment log instead of adding to it.")
    ] = False,
    at: AtOption = None,
    repo: RepoOption = Path(),
) -> None:
    """Record one experiment (observation → hypothesis → change → result → learning)."""
    if list_:
        given = [
            name
            for name, value in (
                ("--observation", observation),
                ("--hypothesis", hypothesis),
                ("--change", change),
                ("--param", param),
                ("--metric", metric),
                ("--result", result),
                ("--learning", learning),
                ("--outcome", outcome),
                ("--at", at),
            )
            if value
        ]
        if given:
            raise UsageError(f"--list shows the log; it cannot be combined with {', '.join(given)}")
        _show_log(repo)
        return
    exp = log_experiment(
        repo,
        observation=observation,
        hypothesis=hypothesis,
        change=change,
        params=parse_params(param or []),
        metrics=parse_metrics(metric or []),
        result=result,
        learning=learning,
        outcome=outcome,  # type: ignore[arg-type]  # validated by log_experiment
        at=_parse_at(at),
    )
    where = (
        f"at {exp.commit[:7]}" if exp.commit else "(no commit yet: not in git or nothing committed)"
    )
    typer.echo(f"logged {exp.id} {where}")


def _metrics_text(exp: Experiment) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in exp.metrics.items())


def _show_log(repo: Path) -> None:
    log = read_experiments(repo)
    err = Console(stderr=True)
    for note in log.notes:
        err.print(f"[yellow]warning:[/] {note}", highlight=False, soft_wrap=True)
    out = Console()
    if not log.records:
        out.print(f"no experiments logged yet ({EXPERIMENTS_FILE})", highlight=False)
        return
    table = Table(title=f"{len(log.records)} experiments ({EXPERIMENTS_FILE})")
    for column in ("id", "when (UTC)", "commit", "change", "metrics", "outcome"):
        table.add_column(column, overflow="fold")
    for exp in log.records:
        table.add_row(
            exp.id,
            exp.at.strftime("%Y-%m-%d %H:%M") if exp.at else "",
            exp.commit[:7] if exp.commit else "",
            exp.pointer.note,
            _metrics_text(exp),
            exp.outcome or "",
        )
    out.print(table)


def update_command(
    done: Annotated[
        str, typer.Option("--done", "-d", help="What you did since the last update.")
    ] = "",
    next_: Annotated[str, typer.Option("--next", "-n", help="What you will do next.")] = "",
    blockers: Annotated[
        str, typer.Option("--blockers", "-b", help="What is in your way, if anything.")
    ] = "",
    at: AtOption = None,
    repo: RepoOption = Path(),
    remote: RemoteOption = False,
    candidacy: CandidacyOption = None,
) -> None:
    """Record a progress update (done / next / blockers)."""
    remote = remote or candidacy is not None
    _check_remote(remote, at)
    when = _parse_at(at)
    if remote:
        server, cid = post_update(done=done, next=next_, blockers=blockers, candidacy=candidacy)
        typer.echo(f"posted to {server} (candidacy {cid})")
    upd = record_update(repo, done=done, next=next_, blockers=blockers, at=when)
    typer.echo(f"recorded {upd.id}")


def ask_command(
    question: Annotated[str, typer.Argument(help="The clarifying question to record.")],
    at: AtOption = None,
    repo: RepoOption = Path(),
    remote: RemoteOption = False,
    candidacy: CandidacyOption = None,
) -> None:
    """Record a clarifying question you asked about the brief."""
    remote = remote or candidacy is not None
    _check_remote(remote, at)
    when = _parse_at(at)
    if remote:
        server, cid = post_question(text=question, candidacy=candidacy)
        typer.echo(f"asked on {server} (candidacy {cid})")
    q = record_question(repo, text=question, at=when)
    typer.echo(f"recorded {q.id}")


def respond_command(
    response: Annotated[
        str,
        typer.Option("--response", "-r", help="What you changed or decided after the feedback."),
    ],
    feedback: Annotated[
        str | None,
        typer.Option(
            "--feedback", "-f", help="Id of the feedback you respond to, e.g. fb-001.", metavar="ID"
        ),
    ] = None,
    checkpoint: Annotated[
        str | None,
        typer.Option(
            "--checkpoint", help="Name of the checkpoint the feedback came from.", metavar="NAME"
        ),
    ] = None,
    comment: Annotated[
        str, typer.Option("--comment", help="The feedback received (with --checkpoint).")
    ] = "",
    commit: Annotated[
        list[str] | None,
        typer.Option(
            "--commit", help="A commit that carries the change (repeatable).", metavar="SHA"
        ),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(
            "--received",
            help="With --checkpoint: when the comment reached you, ISO 8601 (default: --at).",
            metavar="TIME",
        ),
    ] = None,
    at: AtOption = None,
    repo: RepoOption = Path(),
) -> None:
    """Record how you responded to checkpoint feedback."""
    if (feedback is None) == (checkpoint is None):
        raise UsageError(
            "give exactly one of --feedback ID (a comment already recorded) or --checkpoint NAME "
            "(with the comment in --comment)"
        )
    fb = record_feedback_response(
        repo,
        response=response,
        feedback_id=feedback,
        checkpoint=checkpoint,
        text=comment,
        commits=commit or (),
        at=_parse_at(at),
        received_at=_parse_at(received, option="--received"),
    )
    typer.echo(f"recorded the response to {fb.id}")
