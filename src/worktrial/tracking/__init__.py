"""Candidate-side tracking: the experiment log, progress updates, questions and feedback.

A candidate records work as it happens, from Python or with ``worktrial log`` / ``worktrial
update`` / ``worktrial ask`` / ``worktrial respond``. Records are JSON Lines under ``.worktrial/``
in the repository, so they travel with the commits and the evaluation reads exactly what was
committed::

    from worktrial.tracking import log_experiment

    log_experiment(
        hypothesis="class weights raise recall on the rare class",
        change="class_weight='balanced'",
        metrics={"recall": 0.81, "precision": 0.62},
        outcome="improved",
    )
"""

from worktrial.tracking._log import (
    AUTO,
    current_commit,
    log_experiment,
    read_experiments,
    read_feedback,
    read_questions,
    read_updates,
    record_feedback_response,
    record_question,
    record_update,
    tracking_dir,
)
from worktrial.tracking._records import (
    EXPERIMENTS_FILE,
    FEEDBACK_FILE,
    OUTCOMES,
    QUESTIONS_FILE,
    TRACKING_DIR,
    UPDATES_FILE,
)

__all__ = [
    "AUTO",
    "EXPERIMENTS_FILE",
    "FEEDBACK_FILE",
    "OUTCOMES",
    "QUESTIONS_FILE",
    "TRACKING_DIR",
    "UPDATES_FILE",
    "current_commit",
    "log_experiment",
    "read_experiments",
    "read_feedback",
    "read_questions",
    "read_updates",
    "record_feedback_response",
    "record_question",
    "record_update",
    "tracking_dir",
]
