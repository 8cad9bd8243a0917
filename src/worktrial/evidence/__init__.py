"""Evidence: what the collectors find in a repository, each item with a pointer to open.

:func:`collect_evidence` runs every collector (history, code, experiments, comms, docs) over one
commit and returns an :class:`Evidence`; the typed items are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from worktrial.evidence._types import (
    DOC_ELEMENTS,
    Code,
    Commit,
    CommitKind,
    Comms,
    DocFile,
    Docs,
    DocSection,
    Evidence,
    Experiment,
    Experiments,
    Feedback,
    FileChange,
    History,
    Outcome,
    Pointer,
    PointerKind,
    Question,
    SkippedFile,
    Statement,
    Update,
)

if TYPE_CHECKING:
    from worktrial.evidence.comms import CommsSource
    from worktrial.repo._git import Repo
    from worktrial.spec._model import TrialSpec

__all__ = [
    "DOC_ELEMENTS",
    "STEPS",
    "Code",
    "Commit",
    "CommitKind",
    "Comms",
    "DocFile",
    "DocSection",
    "Docs",
    "Evidence",
    "Experiment",
    "Experiments",
    "Feedback",
    "FileChange",
    "History",
    "Outcome",
    "Pointer",
    "PointerKind",
    "Question",
    "SkippedFile",
    "Statement",
    "Update",
    "collect_evidence",
]

# What ``progress`` is called with, in order (a progress bar can size itself with len(STEPS)).
STEPS: tuple[str, ...] = (
    "reading the history",
    "listing the files",
    "analysing the code",
    "reading the experiment log",
    "reading updates, questions and feedback",
    "reading the write-up",
    "classifying the commits",
)


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
    """Collect history, code, experiment, communication and write-up evidence from ``repo``.

    Args:
        repo: an opened :class:`~worktrial.repo.Repo`, or the path of a repository (work tree
            or bare) to open at ``HEAD``.
        spec: the trial spec; its ``starter_commits`` are not counted as the candidate's work.
        brief: the trial's brief, so that a README that only repeats it is recognised.
        comms: where updates, questions and feedback come from; default: files in the
            repository (:class:`~worktrial.evidence.comms.RepoCommsSource`).
        deadline: commits authored after it are marked late (timezone-aware).
        progress: called with each entry of :data:`STEPS` before that step starts.
        starter_readme: the starter kit's README, recognised like ``brief``.

    Returns:
        :class:`Evidence`, whose ``notes`` list the repository facts a reviewer should know
        (detached HEAD, shallow history, no README, skipped files) and any collector that failed.

    Raises:
        NotAGitRepoError: ``repo`` is a path that does not exist, is a file, or is not a git
            repository.
        EmptyRepoError: the repository has no commits.
        UsageError: ``deadline`` is naive or a starter commit is not a commit hash.
        GitCommandError: git failed or timed out.
    """
    # Imported here: the collectors use worktrial.repo, which uses the types above, so importing
    # them with this package would make the two packages import each other in a circle.
    from worktrial.evidence.collect import collect_evidence as collect

    return collect(
        repo,
        spec=spec,
        brief=brief,
        comms=comms,
        deadline=deadline,
        progress=progress,
        starter_readme=starter_readme,
    )
