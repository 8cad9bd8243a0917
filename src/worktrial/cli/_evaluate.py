"""``worktrial evaluate``, ``check``, ``compare`` and ``scorecard``: scorecards from the CLI."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from worktrial._pipeline import PIPELINE_STEPS, evaluate_repo
from worktrial.cli._progress import progress_bar
from worktrial.errors import UsageError, WorktrialError
from worktrial.report import (
    Scorecard,
    load_scorecard,
    render_html,
    render_markdown,
    render_term,
    render_text,
    scorecard_schema,
)

if TYPE_CHECKING:  # scoring and the sandbox import NumPy: loaded only for --run
    from worktrial.scoring import RunReport

RUN_NEEDS_BUNDLE = (
    "--run needs the trial's bundle folder (with its hidden holdout), not a trial.toml"
)
"""Where root keeps environments and runs when its own home is closed to other users: the
sandbox runs as an unprivileged user who must enter these folders."""


class Format(StrEnum):
    json = "json"
    html = "html"
    md = "md"
    term = "term"


class CompareFormat(StrEnum):
    term = "term"
    md = "md"
    html = "html"


class SandboxName(StrEnum):
    auto = "auto"
    bwrap = "bwrap"
    local = "local"


class SplitName(StrEnum):
    final = "final"
    dev = "dev"


class CheckFormat(StrEnum):
    term = "term"
    md = "md"


_EXTENSIONS: dict[str, Format] = {
    ".json": Format.json,
    ".html": Format.html,
    ".htm": Format.html,
    ".md": Format.md,
    ".markdown": Format.md,
    ".txt": Format.term,
}


def format_for(out: Path | None, fmt: Format | None) -> Format:
    """The output format: ``fmt`` when given, else from ``out``'s extension, else ``term``.

    Raises:
        UsageError: ``out`` has an extension no format is known for.
    """
    if fmt is not None:
        return fmt
    if out is None:
        return Format.term
    found = _EXTENSIONS.get(out.suffix.lower())
    if found is None:
        known = ", ".join(_EXTENSIONS)
        raise UsageError(
            f"--out {out}: cannot tell the format from the extension {out.suffix or '(none)'!r} "
            f"(expected one of {known}, or pass --format json|html|md|term)",
            path=str(out),
        )
    return found


def parse_when(value: str | None, option: str) -> datetime | None:
    """Parse an ISO 8601 date or time from the command line; no offset means UTC.

    Raises:
        UsageError: ``value`` is not an ISO 8601 date or time.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        dt = datetime.fromisoformat(text)
    except ValueError as err:
        raise UsageError(
            f"{option} {value!r}: expected an ISO 8601 date or time such as 2026-03-09 or "
            "2026-03-09T17:00:00+01:00",
            option=option,
            found=value,
        ) from err
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _write(out: Path, text: str) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise WorktrialError(
            f"{out}: cannot write the file ({err.strerror or err})", path=str(out)
        ) from err


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def run_home() -> Path:
    """worktrial's data folder for runtime environments, runs and quotas.

    ``$WORKTRIAL_HOME`` when set; else ``~/.local/share/worktrial``, except for root when other
    users cannot enter it (``/root`` is usually mode 0700): the sandbox user must read the
    environment, so root uses ``/var/lib/worktrial`` (created mode 0755).
    """
    from worktrial.sandbox.environment import default_home, run_home_for

    home = default_home()
    if os.environ.get("WORKTRIAL_HOME"):
        return home
    return run_home_for(home)


def _check_run_options(
    run: bool,
    spec: Path | None,
    sandbox: SandboxName | None,
    allow_local: bool,
    split: SplitName | None,
    link: list[Path] | None,
) -> None:
    if not run:
        given = [
            name
            for name, value in (
                ("--sandbox", sandbox),
                ("--allow-local", allow_local or None),
                ("--split", split),
                ("--link-site-packages", link or None),
            )
            if value is not None
        ]
        if given:
            raise UsageError(
                f"{', '.join(given)} only apply with --run (running the submission in a sandbox)",
                option=given[0],
            )
        return
    if spec is None:
        raise UsageError(
            "--run needs --spec with the trial's bundle folder (with its hidden holdout)",
            option="--spec",
        )
    if not spec.is_dir():
        raise UsageError(RUN_NEEDS_BUNDLE, option="--spec", path=str(spec))


def _sandboxed_run(
    repo: Path,
    bundle_dir: Path,
    *,
    sandbox_name: str,
    allow_local: bool,
    split: str,
    candidate: str | None,
    link: list[Path],
    err: Console,
) -> RunReport:
    """Build the trial's environment and run the submission at ``repo``'s HEAD."""
    from worktrial.repo import Repo
    from worktrial.sandbox import LOCAL_WARNING, get_sandbox
    from worktrial.sandbox.environment import build_environment, open_folder
    from worktrial.scoring import QuotaLedger, environment_requirements, run_submission
    from worktrial.spec import load_bundle

    bundle = load_bundle(bundle_dir)
    spec = bundle.spec
    opened = Repo(repo)
    sandbox = get_sandbox(sandbox_name, allow_local=allow_local)
    if sandbox.name == "local":  # every time, before and after: it does not isolate
        err.print(f"[bold yellow]warning:[/] {LOCAL_WARNING}", highlight=False, soft_wrap=True)
    home = open_folder(run_home())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = open_folder(home / "runs" / spec.id) / f"{opened.head[:12]}-{stamp}"
    quota = None
    if split == "dev":
        quota = QuotaLedger.open(
            trial=spec.id,
            candidate=candidate or Path(repo).resolve().name,
            quotas=spec.quotas,
            home=home,
        )

    def say(text: str) -> None:
        err.print(f"  {text}", highlight=False, soft_wrap=True, style="dim")

    with progress_bar(err, 12, on_pipe=say) as step:
        env = build_environment(
            environment_requirements(spec),
            home=home,
            link_site_packages=link,
            progress=step,
        )
        report = run_submission(
            opened,
            bundle,
            sandbox=sandbox,
            env=env,
            split=split,  # type: ignore[arg-type]  # a SplitName value
            work_dir=work,
            quota=quota,
            progress=step,
        )
    if sandbox.name == "local":  # every time, before and after: it does not isolate
        err.print(f"[bold yellow]warning:[/] {LOCAL_WARNING}", highlight=False, soft_wrap=True)
    err.print(f"run {report.outcome}: logs in {work / 'logs'}", highlight=False, soft_wrap=True)
    return report


def _evaluate(
    repo: Path,
    spec: Path | None,
    candidate: str | None,
    start: str | None,
    deadline: str | None,
    run: RunReport | None = None,
) -> Scorecard:
    started_at = parse_when(start, "--start")
    ends = parse_when(deadline, "--deadline")
    if started_at is not None and ends is not None and ends <= started_at:
        raise UsageError(
            f"--deadline {deadline} is not after --start {start}",
            start=start,
            deadline=deadline,
        )
    with progress_bar(Console(stderr=True), len(PIPELINE_STEPS)) as step:
        return evaluate_repo(
            repo,
            spec=spec,
            deadline=ends,
            started_at=started_at,
            candidate=candidate,
            progress=step,
            run=run,
        )


RepoArg = Annotated[Path, typer.Argument(help="The candidate's git repository (folder).")]
SpecOpt = Annotated[
    Path | None,
    typer.Option("--spec", help="The trial: a trial.toml or a bundle folder (adds the brief)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="Trial start, ISO 8601 (no offset means UTC).")
]
DeadlineOpt = Annotated[
    str | None,
    typer.Option("--deadline", help="Trial deadline, ISO 8601 (no offset means UTC)."),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="json, html, md or term (default: from --out's extension, else term).",
        case_sensitive=False,
    ),
]


def evaluate(
    repo: RepoArg,
    spec: SpecOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    candidate: Annotated[
        str | None,
        typer.Option("--candidate", help="Alias shown for the candidate (default: candidate)."),
    ] = None,
    start: StartOpt = None,
    deadline: DeadlineOpt = None,
    run: Annotated[
        bool,
        typer.Option(
            "--run",
            help="Also run the submission in a sandbox and score it on the trial's hidden "
            "holdout (needs --spec BUNDLE_DIR).",
        ),
    ] = False,
    sandbox: Annotated[
        SandboxName | None,
        typer.Option(
            "--sandbox",
            help="auto (bubblewrap when it works), bwrap, or local (no isolation; needs "
            "--allow-local). Default: auto.",
            case_sensitive=False,
        ),
    ] = None,
    allow_local: Annotated[
        bool,
        typer.Option(
            "--allow-local",
            help="Allow the local sandbox, which does NOT isolate candidate code.",
        ),
    ] = False,
    split: Annotated[
        SplitName | None,
        typer.Option(
            "--split",
            help="final (the hidden holdout only the company sees; default) or dev (the "
            "score a candidate may see, under the trial's quotas).",
            case_sensitive=False,
        ),
    ] = None,
    link_site_packages: Annotated[
        list[Path] | None,
        typer.Option(
            "--link-site-packages",
            help="For machines without a package index: show this site-packages folder "
            "(same Python minor version) read-only in the trial's environment instead of "
            "installing what it already has. Repeatable.",
        ),
    ] = None,
) -> None:
    """Score a candidate repository and write its evidence-linked scorecard."""
    chosen = format_for(out, fmt)
    _check_run_options(run, spec, sandbox, allow_local, split, link_site_packages)
    report = None
    if run and spec is not None:  # _check_run_options refused --run without --spec
        report = _sandboxed_run(
            repo,
            spec,
            sandbox_name=(sandbox or SandboxName.auto).value,
            allow_local=allow_local,
            split=(split or SplitName.final).value,
            candidate=candidate,
            link=list(link_site_packages or []),
            err=Console(stderr=True),
        )
    card = _evaluate(repo, spec, candidate, start, deadline, report)
    _emit(card, chosen, out)


def _render(card: Scorecard, chosen: Format) -> str:
    if chosen is Format.json:
        return card.to_json()
    if chosen is Format.html:
        return render_html(card)
    if chosen is Format.md:
        return render_markdown(card)
    return render_text(card)


def _emit(card: Scorecard, chosen: Format, out: Path | None) -> None:
    if chosen is Format.term and out is None:
        render_term(card)
        return
    text = _render(card, chosen)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    _write(out, text)
    Console(stderr=True).print(
        f"wrote {out} ({chosen.value}, {_size(len(text.encode()))})",
        highlight=False,
        soft_wrap=True,
    )


def check(
    repo: Annotated[Path, typer.Argument(help="Your repository (default: this folder).")] = Path(),
    spec: SpecOpt = None,
    fmt: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="term or md.", case_sensitive=False),
    ] = CheckFormat.term,
    start: StartOpt = None,
    deadline: DeadlineOpt = None,
) -> None:
    """Run the public checks on your own repository before you submit."""
    from worktrial.report.check import checklist_markdown, render_checklist, self_check

    card = _evaluate(repo, spec, None, start, deadline)
    items = self_check(card)
    if fmt is CheckFormat.md:
        sys.stdout.write(checklist_markdown(items, card))
    else:
        render_checklist(items, card)


def compare_cmd(
    scorecards: Annotated[
        list[Path],
        typer.Argument(help="Scorecard JSON files to compare.", metavar="SCORECARD"),
    ],
    fmt: Annotated[
        CompareFormat,
        typer.Option("--format", "-f", help="term, md or html.", case_sensitive=False),
    ] = CompareFormat.term,
    out: OutOpt = None,
) -> None:
    """Show candidates side by side from their scorecards."""
    from worktrial.report.compare import (
        compare,
        comparison_renderable,
        render_compare_html,
        render_compare_markdown,
    )

    cmp = compare([load_scorecard(p) for p in scorecards])
    if fmt is CompareFormat.term:
        if out is None:
            Console().print(comparison_renderable(cmp))
            return
        buffer = io.StringIO()
        Console(file=buffer, width=120, color_system=None).print(comparison_renderable(cmp))
        text = buffer.getvalue()
    elif fmt is CompareFormat.md:
        text = render_compare_markdown(cmp)
    else:
        text = render_compare_html(cmp)
    if out is None:
        sys.stdout.write(text)
        return
    _write(out, text)
    Console(stderr=True).print(f"wrote {out}", highlight=False, soft_wrap=True)


def schema() -> None:
    """Print the JSON Schema of the scorecard document."""
    sys.stdout.write(json.dumps(scorecard_schema(), indent=2) + "\n")


def render(
    scorecard: Annotated[Path, typer.Argument(help="A scorecard JSON file.")],
    fmt: FormatOpt = None,
    out: OutOpt = None,
) -> None:
    """Render a stored scorecard again, as HTML, Markdown or in the terminal."""
    card = load_scorecard(scorecard)
    _emit(card, format_for(out, fmt), out)


def register(app: typer.Typer) -> None:
    """Add ``evaluate``, ``check``, ``compare`` and ``scorecard`` to ``app``."""
    app.command("evaluate")(evaluate)
    app.command("check")(check)
    app.command("compare")(compare_cmd)
    group = typer.Typer(help="The scorecard document: its schema, rendering it again.")
    group.command("schema")(schema)
    group.command("render")(render)
    app.add_typer(group, name="scorecard")
