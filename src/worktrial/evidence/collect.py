"""Collect every kind of evidence from one repository at one commit.

:func:`collect_evidence` opens the repository, lists the evaluated commit's files once (one
:class:`~worktrial.repo.Snapshot` shared by every collector, so each file is read at most once),
and runs the collectors: history, code, experiments, communication and the write-up.

The history's ``git log`` runs in a background thread while the files are analysed: git works in
its own process, so the two overlap on a multi-core machine instead of adding up.

Any repository must give a result. Content problems (binary or huge files, broken notebooks,
symlinks out of the repository, text that is not UTF-8) become notes, never exceptions; only a
path that is not a repository, a repository without commits, bad arguments and git failures
raise, and always as :class:`~worktrial.errors.WorktrialError`.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from worktrial.errors import WorktrialError
from worktrial.evidence import STEPS
from worktrial.evidence._types import (
    Code,
    Comms,
    Docs,
    Evidence,
    Experiments,
    History,
    SkippedFile,
)
from worktrial.evidence.code import collect_code
from worktrial.evidence.comms import CommsSource, RepoCommsSource
from worktrial.evidence.docs import collect_docs
from worktrial.evidence.experiments import collect_experiments
from worktrial.evidence.history import collect_history, first_added
from worktrial.repo._git import Repo
from worktrial.repo._snapshot import Snapshot

if TYPE_CHECKING:
    from worktrial.spec._model import TrialSpec

__all__ = ["STEPS", "collect_evidence", "skipped_summary"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


def collect_evidence(
    repo: Repo | str | os.PathLike[str],
    *,
    spec: TrialSpec | None = None,
    brief: str | None = None,
    comms: CommsSource | None = None,
    deadline: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    starter_readme: str | None = None,
) -> Evidence:
    """The implementation of :func:`worktrial.evidence.collect_evidence` (documented there)."""

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    opened = repo if isinstance(repo, Repo) else Repo(repo)
    starters = tuple(spec.starter_commits) if spec is not None else ()
    failures: list[str] = []

    def empty_history() -> History:
        return History(commits=[], head=opened.head, branch=opened.branch, shallow=opened.shallow)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="worktrial-history") as pool:
        step(STEPS[0])
        history_job: Future[History] = pool.submit(
            _guard,
            "history",
            lambda: collect_history(opened, starter_commits=starters, deadline=deadline),
            empty_history,
            failures,
        )
        step(STEPS[1])
        snapshot = Snapshot(opened)
        step(STEPS[2])
        code = _guard("code", lambda: collect_code(snapshot), Code, failures)
        step(STEPS[3])
        experiments = _guard(
            "experiments", lambda: collect_experiments(snapshot), Experiments, failures
        )
        step(STEPS[4])
        source = comms if comms is not None else RepoCommsSource(snapshot)
        communication = _guard("communication", source.load, Comms, failures)
        step(STEPS[5])
        # The write-up needs the history only for each file's first appearance, so it is read
        # while git log still runs and dated afterwards (what collect_docs does with
        # ``first_added``).
        docs = _guard(
            "write-up",
            lambda: collect_docs(snapshot, brief=brief, starter_readme=starter_readme),
            Docs,
            failures,
        )
        step(STEPS[6])
        history = history_job.result()  # re-raises git failures and bad arguments
    added = first_added(history)
    for doc in docs.files:
        doc.first_added_at = added.get(doc.path)
    return Evidence(
        repo_path=str(opened.root),
        history=history,
        experiments=experiments,
        docs=docs,
        code=code,
        comms=communication,
        notes=[*_repository_notes(opened, history, docs, snapshot), *failures],
    )


# --------------------------------------------------------------------------- helpers


def _guard(name: str, run: Callable[[], _T], empty: Callable[[], _T], failures: list[str]) -> _T:
    """Run one collector; a bug in it costs its evidence, not the whole evaluation.

    Domain errors (:class:`WorktrialError`) propagate. Anything else is a defect in worktrial,
    not in the candidate's repository: it is logged with its traceback, and the evaluation goes
    on without that collector's evidence and says so in ``failures``.
    """
    try:
        return run()
    except WorktrialError:
        raise
    except Exception as err:
        logger.exception("the %s collector failed", name)
        failures.append(
            f"the {name} collector failed ({type(err).__name__}: {err}); its evidence is "
            "missing from this evaluation (a defect in worktrial, please report it)"
        )
        return empty()


def _repository_notes(repo: Repo, history: History, docs: Docs, snapshot: Snapshot) -> list[str]:
    notes: list[str] = []
    if repo.detached:
        notes.append(f"HEAD is detached (no branch checked out); evaluated commit {repo.head[:12]}")
    if docs.readme_path is None:
        notes.append("no README at the repository root")
    summary = skipped_summary(snapshot.skipped)
    if summary:
        notes.append(summary)
    return notes


def skipped_summary(skipped: list[SkippedFile]) -> str | None:
    """One sentence counting skipped files by reason, e.g. ``"skipped 3 files: 2 over the 2 MB
    size cap, 1 symlink pointing outside the repository"``; ``None`` when nothing was skipped.
    """
    if not skipped:
        return None
    reasons = Counter(s.reason.split(" (", 1)[0] for s in skipped)
    parts = [
        f"{n} {_plural(reason) if n > 1 else reason}"
        for reason, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    total = len(skipped)
    return f"skipped {total} file{'' if total == 1 else 's'}: {', '.join(parts)}"


def _plural(reason: str) -> str:
    for noun in ("symlink", "git submodule"):
        if reason == noun or reason.startswith(noun + " "):
            return noun + "s" + reason[len(noun) :]
    return reason
