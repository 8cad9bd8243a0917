"""The engine pipeline: one repository in, one scorecard out.

``evaluate_repo`` opens the repository, collects evidence, places the trial in time, scores the
rubric and assembles the scorecard. The CLI (``worktrial evaluate`` / ``check``), the demo and
the web worker all call it, so they all score the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from worktrial.errors import UsageError
from worktrial.evidence._types import CommitKind, Evidence, History
from worktrial.evidence.collect import STEPS as COLLECTOR_STEPS
from worktrial.repo import Repo
from worktrial.report._scorecard import Scorecard, build_scorecard
from worktrial.spec import TrialSpec

if TYPE_CHECKING:  # scoring imports NumPy; ``import worktrial`` stays light
    from worktrial.evidence.comms import CommsSource
    from worktrial.scoring import RunReport

Progress = Callable[[str], None]

# What ``progress`` is called with, in order: the collectors' steps between the pipeline's own.
PIPELINE_STEPS: tuple[str, ...] = (
    "opening the repository",
    "reading the trial spec",
    *COLLECTOR_STEPS,
    "scoring the rubric",
    "building the scorecard",
)
WindowSource = Literal["explicit", "spec", "history", "unknown"]

MAX_BRIEF_BYTES = 1 << 20  # the same cap as a bundle's brief
MAX_README_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Trial:
    """What the pipeline knows about the trial: the spec and the texts a README may copy."""

    spec: TrialSpec | None
    brief: str | None = None
    starter_readme: str | None = None


def _read_text(path: Path, cap: int) -> str | None:
    """A small UTF-8 text file's content, or None when absent, too large or not text."""
    try:
        if not path.is_file() or path.stat().st_size > cap:
            return None
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _starter_readme(folder: Path) -> str | None:
    for name in ("README.md", "README.markdown", "README.rst", "README.txt", "README"):
        text = _read_text(folder / name, MAX_README_BYTES)
        if text is not None:
            return text
    return None


def _resolve_trial(
    spec: TrialSpec | str | os.PathLike[str] | None,
    bundle: str | os.PathLike[str] | None,
) -> _Trial:
    """The spec, brief and starter README from ``spec`` and/or ``bundle``.

    A bundle folder gives all three; a ``trial.toml`` gives the spec, and the brief when the
    file it names sits beside it; a :class:`TrialSpec` gives the spec alone.
    """
    from worktrial.spec import load_bundle, load_spec

    if bundle is not None:
        b = load_bundle(bundle)
        chosen = b.spec
        if isinstance(spec, TrialSpec):
            chosen = spec
        elif spec is not None:
            chosen = load_spec(spec)
        return _Trial(chosen, b.brief or None, _starter_readme(b.starter_dir))
    if spec is None:
        return _Trial(None)
    if isinstance(spec, TrialSpec):
        return _Trial(spec)
    path = Path(spec)
    if path.is_dir():
        b = load_bundle(path)
        return _Trial(b.spec, b.brief or None, _starter_readme(b.starter_dir))
    loaded = load_spec(path)
    folder = path.parent
    brief = _read_text(folder / loaded.brief, MAX_BRIEF_BYTES)
    starter = _starter_readme(folder / loaded.starter) if loaded.starter else None
    return _Trial(loaded, brief, starter)


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(
            f"{name}={value.isoformat()}: expected a timezone-aware datetime, found a naive one",
            found=value.isoformat(),
        )
    return value.astimezone(UTC)


def _first_work_commit(history: History) -> datetime | None:
    """When the candidate's own work started: the first non-starter, non-merge, human commit."""
    times = [
        c.authored_at
        for c in history.commits
        if not c.is_starter and c.kind not in (CommitKind.MERGE, CommitKind.AUTOMATED)
    ]
    return min(times) if times else None


def _mark_late(history: History, deadline: datetime) -> None:
    """Split the work after ``deadline`` out, as the history collector does for a given one."""
    history.deadline = deadline
    late = 0
    for c in history.commits:
        c.after_deadline = c.authored_at > deadline
        late += c.after_deadline and not c.is_starter
    if late:
        history.notes.append(
            f"{late} commit{'s' if late != 1 else ''} after the deadline "
            f"({deadline:%Y-%m-%d %H:%M} UTC) {'are' if late != 1 else 'is'} shown separately "
            "and not scored"
        )


def evaluate_repo(
    path: str | os.PathLike[str],
    *,
    spec: TrialSpec | str | os.PathLike[str] | None = None,
    bundle: str | os.PathLike[str] | None = None,
    deadline: datetime | None = None,
    started_at: datetime | None = None,
    candidate: str | None = None,
    progress: Progress | None = None,
    run: RunReport | None = None,
    comms: CommsSource | None = None,
) -> Scorecard:
    """Evaluate one candidate repository and return its scorecard.

    The trial window is, in order of preference: the explicit ``started_at``/``deadline``; the
    spec's duration counted from the first work commit (or back from an explicit deadline);
    the history alone (first to last work commit). Commits after the deadline are marked late
    and scored separately.

    Args:
        path: the repository folder (work tree or bare repository).
        spec: a :class:`TrialSpec`, a ``trial.toml`` path, or a bundle folder.
        bundle: a bundle folder: its spec, and its brief and starter README so that a README
            that is still the assignment prompt is recognised.
        deadline: the candidate's deadline (timezone-aware).
        started_at: when the candidate started (timezone-aware).
        candidate: the alias shown for the candidate (blind by default: ``"candidate"``).
        progress: called with a short description of each step, for progress bars.
        run: a sandboxed run of the repository's HEAD on the trial's hidden holdout
            (:func:`worktrial.scoring.run_submission`): its measurements feed the output and
            constraint signals, and the scorecard gets its ``run`` section. Only an in-process
            latency (a declared ``interface.predict_function``) is judged against the latency
            budget; a timing of the predict command includes interpreter start-up.
        comms: where updates, questions and feedback come from (the platform passes its
            database); default: the files in the repository.

    Raises:
        NotAGitRepoError: ``path`` is not a git repository.
        EmptyRepoError: the repository has no commits.
        SpecError: the spec or bundle is invalid.
        UsageError: a naive datetime, a deadline before the start, or a run of another
            commit or trial.
        GitCommandError: git failed or timed out.
    """
    from worktrial.evidence import collect_evidence
    from worktrial.rubric import Context, score, time_allocation, trial_window
    from worktrial.rubric._facts import memoized

    def step(description: str) -> None:
        if progress is not None:
            progress(description)

    started_at = _aware(started_at, "started_at")
    deadline = _aware(deadline, "deadline")
    if started_at is not None and deadline is not None and deadline <= started_at:
        raise UsageError(
            f"deadline {deadline.isoformat()} is not after the start {started_at.isoformat()}",
            started_at=started_at.isoformat(),
            deadline=deadline.isoformat(),
        )

    step("opening the repository")
    repo = Repo(path)
    if run is not None and run.commit != repo.head:
        raise UsageError(
            f"the run is of commit {run.commit[:12]}, but the repository's HEAD is "
            f"{repo.head[:12]}; run the commit being evaluated",
            found=run.commit,
            expected=repo.head,
        )
    step("reading the trial spec")
    trial = _resolve_trial(spec, bundle)
    if run is not None and trial.spec is not None and run.trial != trial.spec.id:
        raise UsageError(
            f"the run is of trial {run.trial!r}, but the spec is trial {trial.spec.id!r}",
            found=run.trial,
            expected=trial.spec.id,
        )
    measured = run.measurements(command_latency=False) if run is not None else None
    duration = timedelta(days=trial.spec.duration_days) if trial.spec is not None else None

    source: WindowSource = "unknown"
    notes: list[str] = []
    if started_at is not None or deadline is not None:
        source = "explicit"
        if duration is not None:
            if deadline is None and started_at is not None:
                deadline = started_at + duration
                notes.append("The deadline is the given start plus the trial's duration.")
            elif started_at is None and deadline is not None:
                started_at = deadline - duration
                notes.append("The start is the given deadline minus the trial's duration.")
    evidence: Evidence = collect_evidence(
        repo,
        spec=trial.spec,
        brief=trial.brief,
        starter_readme=trial.starter_readme,
        deadline=deadline,
        progress=progress,
        comms=comms,
    )
    if source == "unknown" and duration is not None:
        first = _first_work_commit(evidence.history)
        if first is not None:
            started_at, deadline = first, first + duration
            source = "spec"
            notes.append(
                f"The trial's {trial.spec.duration_days if trial.spec else 0}-day duration, "
                "counted from the first work commit."
            )
            _mark_late(evidence.history, deadline)
    elif source == "unknown":
        source = "history"

    ctx = Context(
        evidence=evidence,
        spec=trial.spec,
        run=measured,
        started_at=started_at,
        deadline=deadline,
    )
    step("scoring the rubric")
    # one scope: the window and the time allocation reuse the facts the rubric derived
    with memoized():
        result = score(ctx)
        window = trial_window(ctx)
        allocation = time_allocation(ctx)
    if source == "history":
        if window.start is None:
            source = "unknown"
        else:
            notes.append(
                "No spec or dates given: the window runs from the first to the last work commit."
            )
    display = Context(
        evidence=evidence,
        spec=trial.spec,
        run=measured,
        started_at=started_at or window.start,
        deadline=deadline or window.end,
    )
    step("building the scorecard")
    return build_scorecard(
        evidence,
        result,
        display,
        candidate=candidate,
        time_allocation=allocation,
        window_source=source,
        notes=notes,
        run=run,
    )
