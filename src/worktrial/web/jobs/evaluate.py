"""What one evaluation does: the engine's pipeline on the submitted repository, with the
candidacy's comms from the database. The platform stores and shows the scorecard; it never
re-implements scoring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from worktrial.web import storage
from worktrial.web.jobs.models import Evaluation
from worktrial.web.trials.comms import submission_comms


def run_evaluation(evaluation: Evaluation, progress: Callable[[str], None]) -> dict[str, Any]:
    """Evaluate ``evaluation``'s submission; returns the result fields of the row.

    Raises:
        WorktrialError: the submission cannot be evaluated (the message says why).
    """
    from worktrial._pipeline import evaluate_repo

    submission = evaluation.submission
    candidacy = submission.candidacy
    trial = candidacy.trial
    repo = storage.resolve(submission.repo_dir)
    card = evaluate_repo(
        repo,
        bundle=storage.resolve(trial.bundle_dir),
        started_at=candidacy.starts_at,
        deadline=candidacy.deadline,
        candidate=candidacy.alias,
        progress=progress,
        comms=submission_comms(candidacy, repo, until=submission.uploaded_at),
    )
    return {
        "scorecard": card.model_dump(mode="json"),
        "overall": card.overall,
        "dimensions": {d.id: d.score for d in card.dimensions},
        "red_flags": len(card.red_flags),
    }
