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
    refresh_latest(submission.candidacy_id)
    return evaluation


def refresh_latest(candidacy_id: int) -> None:
    """Copy the latest evaluation of candidacy ``candidacy_id`` (the newest of its last
    submission) onto the candidacy's ``latest_*`` fields; the score fields only once it is done.

    The one place those fields are written: call it in the transaction of every change to an
    evaluation's existence, status, result or queue time. The candidacy row is locked first, so
    of two transactions refreshing it at once the second reads what the first committed."""
    from worktrial.web.trials.models import Candidacy

    with transaction.atomic():
        list(Candidacy.objects.select_for_update().filter(pk=candidacy_id).values_list("pk"))
        last = (
            Submission.objects.filter(candidacy_id=candidacy_id).order_by("-number").values("pk")
        )[:1]
        ev = (
            Evaluation.objects.filter(submission__in=last)
            .order_by("-queued_at", "-pk")
            .only("pk", "status", "reason", "overall", "red_flags", "dimensions")
            .first()
        )
        done = ev is not None and ev.status == EvaluationStatus.DONE
        Candidacy.objects.filter(pk=candidacy_id).update(
            latest_evaluation=ev,
            latest_status=ev.status if ev is not None else "",
            latest_reason=ev.reason if ev is not None else "",
            latest_overall=ev.overall if ev is not None and done else None,
            latest_red_flags=ev.red_flags if ev is not None and done else None,
            latest_dimensions=ev.dimensions if ev is not None and done else {},
        )


def send_to_queue(evaluation_id: int) -> None:
    """Hand the job to Celery. A lost message is not a lost job: the reaper requeues rows that
    stay queued without a worker."""
    from worktrial.web.jobs.tasks import evaluate

    evaluate.delay(evaluation_id)
