"""Queueing evaluations. The lease protocol (claim, heartbeat, finish, reap) lives in
:mod:`worktrial.web.jobs.leases`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from worktrial.web.jobs.models import Evaluation, EvaluationStatus
from worktrial.web.submissions.models import Submission


def do_enqueue_evaluation(submission: Submission) -> Evaluation:
    """The evaluation of ``submission`` under its trial's current spec version, queued once:
    the row exists at most once per (submission, spec version); the Celery message is sent after
    the transaction commits (a rolled-back submission never reaches a worker)."""
    evaluation, created = Evaluation.objects.get_or_create(
        submission=submission,
        spec_version=submission.candidacy.trial.spec_version,
        defaults={
            "status": EvaluationStatus.QUEUED,
            "queued_at": timezone.now(),
            "reason": "waiting for a worker",
        },
    )
    if created:
        transaction.on_commit(lambda: send_to_queue(evaluation.pk))
    return evaluation


def send_to_queue(evaluation_id: int) -> None:
    """Hand the job to Celery. A lost message is not a lost job: the reaper requeues rows that
    stay queued without a worker."""
    from worktrial.web.jobs.tasks import evaluate

    evaluate.delay(evaluation_id)
