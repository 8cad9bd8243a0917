"""``worktrial demo``: one trial, five synthetic candidates, their scorecards side by side.

:func:`run_demo` creates the built-in ``classification`` trial, builds every persona's
repository from the trial's starter kit, evaluates each with the same pipeline as
``worktrial evaluate``, and writes::

    OUT/
      .worktrial-demo           marker: this folder is a demo output and may be replaced
      trial/                    the trial bundle (brief, data, hidden holdout, spec)
      starter/                  the starter repository every candidate began from
      candidates/<persona>/     each candidate's git repository
      scorecards/<persona>.html|.md|.json
      comparison.html, comparison.md

The output is the same on every run except the scorecards' ``generated_at``. An existing OUT is
replaced only when it carries the marker (or is empty); the new output is built beside it first,
so a failure leaves the previous one untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from worktrial import __version__
from worktrial._pipeline import evaluate_repo
from worktrial.demo.personas import DEFAULT_START, PERSONA_TITLES, PERSONAS, PersonaRepo
from worktrial.errors import UsageError
from worktrial.report import (
    Scorecard,
    compare,
    render_compare_html,
    render_compare_markdown,
    render_html,
    render_markdown,
)
from worktrial.spec import init_starter_repo, new_from_template

MARKER = ".worktrial-demo"
TEMPLATE = "classification"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoCandidate:
    """One persona of the demo, evaluated.

    Attributes:
        persona: the persona's name (a key of :data:`~worktrial.demo.PERSONAS`).
        title: how the persona works, in a few words.
        repo: the built repository.
        scorecard: its evaluation.
        html, markdown, json: where its scorecard was written.
    """

    persona: str
    title: str
    repo: PersonaRepo
    scorecard: Scorecard
    html: Path
    markdown: Path
    json: Path


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What :func:`run_demo` made.

    ``ranking`` holds the candidates from the highest overall score to the lowest (ties by
    name); it orders the demo's output for reading, it decides nothing.
    """

    out: Path
    bundle: Path
    ranking: tuple[DemoCandidate, ...]
    comparison_html: Path
    comparison_markdown: Path
    seconds: float


def check_out_dir(out: Path) -> bool:
    """Whether ``out`` can receive the demo; ``True`` when it holds a previous demo output.

    Raises:
        UsageError: ``out`` is a file or a symbolic link, holds something other than a demo
            output, or is the current folder or one of its parents.
    """
    if out.is_symlink():
        raise UsageError(
            f"--out {out}: expected a folder for the demo output, found a symbolic link; "
            "pass the folder it points to instead",
            path=str(out),
        )
    if not out.exists():
        return False
    if not out.is_dir():
        raise UsageError(
            f"--out {out}: expected a folder for the demo output, found a file", path=str(out)
        )
    if not any(out.iterdir()):
        return False
    if not (out / MARKER).is_file():
        raise UsageError(
            f"--out {out}: the folder has content and is not a previous demo output (no "
            f"{MARKER} file in it); refusing to replace it. Choose a new or empty folder.",
            path=str(out),
        )
    here = Path.cwd().resolve()
    target = out.resolve()
    if target == here or target in here.parents:
        raise UsageError(
            f"--out {out}: it is the current folder or contains it; refusing to replace it. "
            "Run the demo from another folder or choose another --out.",
            path=str(out),
        )
    return True


def _rank_key(c: DemoCandidate) -> tuple[float, str]:
    overall = c.scorecard.overall
    return (-(overall if overall is not None else 0.0), c.persona)


def _build(work: Path, step: Progress) -> tuple[Path, list[DemoCandidate]]:
    step(f"creating the {TEMPLATE} trial")
    bundle = new_from_template(TEMPLATE, work / "trial")
    starter = work / "starter"
    init_starter_repo(bundle, starter)
    (work / "scorecards").mkdir()
    candidates: list[DemoCandidate] = []
    for name, builder in PERSONAS.items():
        step(f"building {name}")
        repo = builder(work / "candidates" / name, starter=starter, start=DEFAULT_START)

        def sub(what: str, name: str = name) -> None:
            step(f"evaluating {name}: {what}")

        card = evaluate_repo(
            repo.path,
            bundle=bundle.root,
            started_at=repo.start,
            deadline=repo.deadline,
            candidate=name,
            progress=sub,
        )
        base = work / "scorecards" / name
        paths = (base.with_suffix(".html"), base.with_suffix(".md"), base.with_suffix(".json"))
        paths[0].write_text(render_html(card), encoding="utf-8")
        paths[1].write_text(render_markdown(card), encoding="utf-8")
        paths[2].write_text(card.to_json(), encoding="utf-8")
        candidates.append(DemoCandidate(name, PERSONA_TITLES[name], repo, card, *paths))
    return bundle.root, candidates


def run_demo(out: str | os.PathLike[str], *, progress: Progress | None = None) -> DemoResult:
    """Build and evaluate the demo trial's candidates into ``out`` (see the module docstring).

    Args:
        out: the output folder: new, empty, or a previous demo output (which is replaced).
        progress: called with a short description of each step.

    Returns:
        The paths written and the candidates, ranked.

    Raises:
        UsageError: ``out`` cannot take the demo (see :func:`check_out_dir`).
        GitCommandError: git is missing or failed.
    """
    started = time.perf_counter()
    target = Path(out).absolute()  # relative paths would not survive the swap below
    replace = check_out_dir(target)

    def step(what: str) -> None:
        if progress is not None:
            progress(what)

    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and swap at the end: a failure leaves the previous output as is.
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        (work / MARKER).write_text(
            json.dumps({"tool": "worktrial", "version": __version__, "command": "demo"}) + "\n",
            encoding="utf-8",
        )
        bundle, built = _build(work, step)
        ranking = sorted(built, key=_rank_key)
        step("writing the comparison")
        cmp = compare([c.scorecard for c in ranking])
        (work / "comparison.html").write_text(render_compare_html(cmp), encoding="utf-8")
        (work / "comparison.md").write_text(render_compare_markdown(cmp), encoding="utf-8")
        work.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
        if replace:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            target.rename(old / "previous")
            try:
                work.rename(target)
            except OSError:
                (old / "previous").rename(target)  # put the previous output back
                shutil.rmtree(old, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            if target.exists():
                target.rmdir()  # empty, checked above
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    moved = tuple(_moved(c, work, target) for c in ranking)
    return DemoResult(
        out=target,
        bundle=target / bundle.relative_to(work),
        ranking=moved,
        comparison_html=target / "comparison.html",
        comparison_markdown=target / "comparison.md",
        seconds=time.perf_counter() - started,
    )


def _moved(c: DemoCandidate, work: Path, target: Path) -> DemoCandidate:
    """``c`` with its paths pointing into ``target`` (where ``work`` was renamed to)."""

    def move(p: Path) -> Path:
        return target / p.relative_to(work)

    return replace(
        c,
        repo=replace(c.repo, path=move(c.repo.path)),
        html=move(c.html),
        markdown=move(c.markdown),
        json=move(c.json),
    )
