"""The lease protocol of evaluation rows: claim, heartbeat, finish, fail, reap.

Every transition is one conditional UPDATE, so two workers can never both own a row and a result
is written at most once: :func:`finish` only succeeds for the holder of the current lease. A worker
that died (SIGKILL, lost machine) stops heart-beating; once its lease expires :func:`reap` puts the
row back in the queue and sends a new message. After ``WORKTRIAL_MAX_ATTEMPTS`` attempts the row
fails with a reason in words.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from worktrial.web.jobs.models import Evaluation, EvaluationStatus

QUEUED, RUNNING, DONE, FAILED = (
    EvaluationStatus.QUEUED,
    EvaluationStatus.RUNNING,
    EvaluationStatus.DONE,
    EvaluationStatus.FAILED,
)


def lease_seconds() -> int:
    return int(settings.WORKTRIAL_LEASE_SECONDS)


def new_worker_token() -> str:
    """A name for one attempt: host, process and a random part (unique per attempt)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(evaluation_id: int, worker: str) -> Evaluation | None:
    """Take the row for ``worker`` if it is queued, or running under an expired lease.

    Returns the claimed row, or None when it is finished, held by a live lease, unknown, or out of
    attempts (then it is marked failed here).
    """
    now = timezone.now()
    lease = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        row = Evaluation.objects.filter(pk=evaluation_id).values("status", "attempts").first()
        if row is None or row["status"] in (DONE, FAILED):
            return None
        if row["attempts"] >= settings.WORKTRIAL_MAX_ATTEMPTS:
            _give_up(evaluation_id, row["attempts"])
            return None
        claimable = Q(status=QUEUED) | Q(status=RUNNING, lease_expires_at__lt=now)
        updated = Evaluation.objects.filter(claimable, pk=evaluation_id).update(
            status=RUNNING,
            worker=worker,
            attempts=F("attempts") + 1,
            lease_expires_at=lease,
            heartbeat_at=now,
            started_at=now,
            step="starting",
            reason=f"being evaluated (attempt {row['attempts'] + 1})",
        )
        if updated == 1:
            _refresh(evaluation_id)
    if updated != 1:
        return None
    return Evaluation.objects.select_related(
        "submission", "submission__candidacy", "submission__candidacy__trial"
    ).get(pk=evaluation_id)


def heartbeat(evaluation_id: int, worker: str, step: str | None = None) -> bool:
    """Extend ``worker``'s lease (and record the current step). False: the lease was lost."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "heartbeat_at": now,
        "lease_expires_at": now + timedelta(seconds=lease_seconds()),
    }
    if step is not None:
        fields["step"] = step[:200]
    return (
        Evaluation.objects.filter(pk=evaluation_id, worker=worker, status=RUNNING).update(**fields)
        == 1
    )


def finish(evaluation_id: int, worker: str, **result: Any) -> bool:
    """Write the result, once: only the current lease holder can. False: the lease was lost and
    the result is dropped (another attempt owns the row).

    ``result`` holds the row's result fields; a ``reason`` in it replaces the plain
    "evaluated" (e.g. to say why the sandboxed run of the code failed). The audit row
    ``evaluation.finish`` is written in the same transaction, so there is exactly one per
    evaluation.
    """
    fields: dict[str, Any] = {"reason": "evaluated", **result}
    with transaction.atomic():
        done = (
            Evaluation.objects.filter(pk=evaluation_id, worker=worker, status=RUNNING).update(
                status=DONE,
                finished_at=timezone.now(),
                lease_expires_at=None,
                step="",
                **fields,
            )
            == 1
        )
        if done:
            _refresh(evaluation_id)
            _after_finish(evaluation_id)
    return done


def fail(evaluation_id: int, worker: str, reason: str, log: str = "") -> bool:
    """Mark the row failed with ``reason`` (words a candidate understands), keeping the log."""
    with transaction.atomic():
        failed = (
            Evaluation.objects.filter(pk=evaluation_id, worker=worker, status=RUNNING).update(
                status=FAILED,
                finished_at=timezone.now(),
                lease_expires_at=None,
                step="",
                reason=reason,
                log=log,
            )
            == 1
        )
        if failed:
            _refresh(evaluation_id)
    return failed


def release(evaluation_id: int, worker: str, reason: str, log: str = "") -> bool:
    """Give the row back to the queue after a failure on our side (it will be tried again)."""
    with transaction.atomic():
        released = (
            Evaluation.objects.filter(pk=evaluation_id, worker=worker, status=RUNNING).update(
                status=QUEUED,
                lease_expires_at=None,
                worker="",
                step="",
                reason=reason,
                log=log,
            )
            == 1
        )
        if released:
            _refresh(evaluation_id)
    return released


def _give_up(evaluation_id: int, attempts: int) -> None:
    with transaction.atomic():
        given_up = (
            Evaluation.objects.filter(pk=evaluation_id)
            .exclude(status__in=[DONE, FAILED])
            .update(
                status=FAILED,
                finished_at=timezone.now(),
                lease_expires_at=None,
                step="",
                reason=(
                    f"the evaluation did not finish in {attempts} attempts (the worker stopped "
                    "each time); the team has been told — this does not count against your "
                    "submissions"
                ),
            )
        )
        if given_up:
            _refresh(evaluation_id)


def _refresh(evaluation_id: int) -> None:
    """Bring the ``latest_*`` fields of the evaluation's candidacy up to date (call it in the
    transaction that changed the row)."""
    from worktrial.web.jobs.actions import refresh_latest

    candidacy_id = (
        Evaluation.objects.filter(pk=evaluation_id)
        .values_list("submission__candidacy_id", flat=True)
        .get()
    )
    refresh_latest(candidacy_id)


def _after_finish(evaluation_id: int) -> None:
    """Move the candidacy on to review once its evaluation is in, and audit the result."""
    from worktrial.web.audit.actions import record
    from worktrial.web.trials.models import Candidacy, Stage

    ev = Evaluation.objects.select_related("submission__candidacy__trial__organization").get(
        pk=evaluation_id
    )
    Candidacy.objects.filter(pk=ev.submission.candidacy_id, stage=Stage.SUBMITTED).update(
        stage=Stage.IN_REVIEW
    )
    record(
        "evaluation.finish",
        organization=ev.submission.candidacy.trial.organization,
        target=ev,
        attempts=ev.attempts,
        worker=ev.worker,
        overall=ev.overall,
    )


def reap(*, stale_queue_seconds: int | None = None) -> list[int]:
    """Requeue rows whose lease expired (their worker died), fail those out of attempts, and
    resend rows queued for longer than ``stale_queue_seconds`` (a lost message).

    Returns the ids of the rows sent to the queue again. Safe to run from any number of
    processes at once.
    """
    from worktrial.web.jobs.actions import send_to_queue

    now = timezone.now()
    stale_queue_seconds = stale_queue_seconds or 4 * lease_seconds()
    resend: list[int] = []
    expired = Evaluation.objects.filter(status=RUNNING, lease_expires_at__lt=now).values_list(
        "pk", "attempts"
    )
    for pk, attempts in list(expired):
        if attempts >= settings.WORKTRIAL_MAX_ATTEMPTS:
            _give_up(pk, attempts)
            continue
        with transaction.atomic():
            moved = Evaluation.objects.filter(
                pk=pk, status=RUNNING, lease_expires_at__lt=now
            ).update(
                status=QUEUED,
                worker="",
                lease_expires_at=None,
                step="",
                queued_at=now,
                reason=(
                    f"the worker stopped responding during attempt {attempts}; queued again "
                    "automatically"
                ),
            )
            if moved:
                # queued_at decides which evaluation of a submission is the latest
                _refresh(pk)
        if moved:
            resend.append(pk)
    lost = Evaluation.objects.filter(
        status=QUEUED, queued_at__lt=now - timedelta(seconds=stale_queue_seconds)
    ).values_list("pk", flat=True)
    for pk in list(lost):
        with transaction.atomic():
            requeued = Evaluation.objects.filter(pk=pk, status=QUEUED).update(queued_at=now)
            if requeued:
                _refresh(pk)
        if requeued:
            resend.append(pk)
    for pk in resend:
        send_to_queue(pk)
    return resend
