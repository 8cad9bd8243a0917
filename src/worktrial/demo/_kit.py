"""What every persona is built with: the trial's facts, a story of commits, and notebooks.

A persona is a short story told in commits: at a given day and time of the trial the candidate
changes some files, logs an experiment, posts an update. :class:`Story` turns that story into a
real git repository with :class:`~worktrial.testing.RepoBuilder` (exact, backdated timestamps,
identical hashes on every run) and writes the tracking files with the same functions the
``worktrial log`` / ``worktrial update`` commands use, so they are byte for byte what a candidate's
own files would be.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from worktrial.errors import UsageError
from worktrial.repo._git import run_git
from worktrial.testing import RepoBuilder
from worktrial.tracking import (
    log_experiment,
    record_feedback_response,
    record_question,
    record_update,
)

Outcome = Literal["improved", "regressed", "neutral", "failed"]
FileMap = Mapping[str, str | bytes | None]


@dataclass(frozen=True, slots=True)
class TrialFacts:
    """What the ``classification`` trial declares, as the candidates read it in the brief.

    The persona write-ups quote these figures; a test checks they match the template's spec.
    """

    template: str = "classification"
    duration_days: int = 10
    checkpoint_days: tuple[int, ...] = (3, 7)
    target: str = "malignant"
    id_column: str = "id"
    primary_metric: str = "recall"
    precision_floor: float = 0.85
    latency_p95_ms: float = 50.0
    train_command: str = "python -m src.train"
    predict_command: str = "python -m src.predict {input} {output}"
    predictions_column: str = "prediction"


TRIAL = TrialFacts()


@dataclass(frozen=True, slots=True)
class PersonaRepo:
    """A persona's repository once built.

    Attributes:
        name: the registry key, e.g. ``"iterative-engineer"``.
        title: a short description of how the persona works.
        candidate: the synthetic candidate's display name.
        path: the repository's work tree.
        start: when the trial started for this candidate.
        deadline: ``start`` plus the trial's duration.
        head: the final commit's full hash.
        commits: the candidate's own commits, oldest first (the starter kit excluded).
        starter_commit: the starter kit's commit the history starts from, if any.
    """

    name: str
    title: str
    candidate: str
    email: str
    path: Path
    start: datetime
    deadline: datetime
    head: str
    commits: tuple[str, ...]
    starter_commit: str | None


def clock(day: int, hhmm: str) -> timedelta:
    """The offset from the trial's start of ``hhmm`` on ``day``, for a trial starting at 09:00.

    Personas tell their story in working hours ("day 2 at 14:30"); a trial that starts at another
    time of day shifts the whole story by the same amount.
    """
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return timedelta(days=day, hours=hours - 9, minutes=minutes)


class Story:
    """One candidate's trial as a git history plus tracking records.

    Args:
        dest: a new or empty folder for the repository.
        starter: a git repository whose ``HEAD`` is the trial's starter kit; the story starts
            from that commit. ``None`` starts from an empty history.
        start: the trial's start (timezone-aware).
        author: the candidate's ``(name, email)``.

    Raises:
        UsageError: ``dest`` has content, ``start`` is naive, or ``starter`` is not a folder.
        GitCommandError: git failed (e.g. ``starter`` is not a repository).
    """

    def __init__(
        self,
        dest: Path,
        *,
        starter: Path | None,
        start: datetime,
        author: tuple[str, str],
    ) -> None:
        self.builder = RepoBuilder(dest, start=start, author=author)
        self.start = start
        self.author = author
        self.starter_commit: str | None = None
        if starter is not None:
            if not Path(starter).is_dir():
                raise UsageError(
                    f"starter={starter}: expected the starter kit's git repository, found "
                    + ("a file" if Path(starter).exists() else "nothing"),
                    path=str(starter),
                )
            run_git(
                self.path, "fetch", "--quiet", "--no-tags", str(Path(starter).resolve()), "HEAD"
            )
            run_git(self.path, "reset", "--quiet", "--hard", "FETCH_HEAD")
            self.starter_commit = self.builder.head

    @property
    def path(self) -> Path:
        return self.builder.path

    def at(self, offset: timedelta) -> datetime:
        return self.start + offset

    def commit(
        self,
        message: str,
        files: FileMap | None = None,
        *,
        at: timedelta,
        committer: tuple[str, str] | None = None,
    ) -> str:
        """Commit ``files`` (and every tracking record written since the last commit).

        ``committer`` differs from the author for commits made through a web interface.
        """
        return self.builder.commit(message, dict(files or {}), at=at, committer=committer)

    def experiment(
        self,
        *,
        at: timedelta,
        commit: str | None,
        observation: str = "",
        hypothesis: str = "",
        change: str = "",
        params: Mapping[str, object] | None = None,
        metrics: Mapping[str, float] | None = None,
        result: str = "",
        learning: str = "",
        outcome: Outcome | None = None,
    ) -> str:
        """Log one experiment (``worktrial log``) at ``at``; returns its id."""
        record = log_experiment(
            self.path,
            observation=observation,
            hypothesis=hypothesis,
            change=change,
            params=params,
            metrics=metrics,
            result=result,
            learning=learning,
            outcome=outcome,
            at=self.at(at),
            commit=commit,
        )
        return record.id

    def update(self, *, at: timedelta, done: str, next: str = "", blockers: str = "") -> str:
        """Post a progress update (``worktrial update``) at ``at``; returns its id."""
        return record_update(self.path, done=done, next=next, blockers=blockers, at=self.at(at)).id

    def question(self, *, at: timedelta, text: str, answer: str = "") -> str:
        """Record a clarifying question (and the company's answer) at ``at``; returns its id."""
        return record_question(self.path, text=text, answer=answer, at=self.at(at)).id

    def feedback(
        self,
        *,
        at: timedelta,
        checkpoint: str,
        text: str,
        response: str,
        received: timedelta,
        commits: Sequence[str] = (),
    ) -> str:
        """Record checkpoint feedback received at ``received`` and the candidate's response at
        ``at``; returns its id."""
        return record_feedback_response(
            self.path,
            checkpoint=checkpoint,
            text=text,
            response=response,
            commits=list(commits),
            at=self.at(at),
            received_at=self.at(received),
        ).id

    def finish(self, *, name: str, title: str, duration_days: int) -> PersonaRepo:
        """The built repository, described."""
        if not self.builder.commits:
            raise UsageError(f"persona {name!r}: the story has no commits", persona=name)
        return PersonaRepo(
            name=name,
            title=title,
            candidate=self.author[0],
            email=self.author[1],
            path=self.path,
            start=self.start,
            deadline=self.start + timedelta(days=duration_days),
            head=self.builder.head,
            commits=tuple(self.builder.commits),
            starter_commit=self.starter_commit,
        )


# --------------------------------------------------------------------------- notebooks


@dataclass(frozen=True, slots=True)
class Cell:
    """A notebook cell: markdown, or code with the text it printed when it last ran."""

    kind: Literal["markdown", "code"]
    source: str
    output: str | None = None


def md(source: str) -> Cell:
    return Cell("markdown", source.strip("\n"))


def code(source: str, output: str | None = None) -> Cell:
    return Cell("code", source.strip("\n"), None if output is None else output.strip("\n") + "\n")


def notebook(cells: Sequence[Cell], *, executed: bool = True) -> str:
    """A valid nbformat 4.5 notebook (stable cell ids, so the same cells give the same bytes).

    With ``executed``, code cells carry execution counts and their text output, as a notebook
    saved after running top to bottom does.
    """
    out_cells: list[dict[str, object]] = []
    count = 0
    for i, cell in enumerate(cells, start=1):
        base: dict[str, object] = {
            "cell_type": cell.kind,
            "id": f"cell-{i:03d}",
            "metadata": {},
            "source": cell.source.splitlines(keepends=True),
        }
        if cell.kind == "code":
            outputs: list[dict[str, object]] = []
            exec_count: int | None = None
            if executed:
                count += 1
                exec_count = count
                if cell.output:
                    outputs.append(
                        {
                            "name": "stdout",
                            "output_type": "stream",
                            "text": cell.output.splitlines(keepends=True),
                        }
                    )
            base["execution_count"] = exec_count
            base["outputs"] = outputs
        out_cells.append(base)
    doc = {
        "cells": out_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.8"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    # The layout nbformat itself writes: one-space indent, sorted keys, a final newline.
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
