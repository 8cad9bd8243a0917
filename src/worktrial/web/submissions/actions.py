"""Taking in a submission: quota, size cap, bundle intake into a bare repository, then an
evaluation job queued after the transaction commits."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from worktrial.errors import QuotaExceededError, StateError
from worktrial.web import storage
from worktrial.web.audit.actions import record
from worktrial.web.submissions.models import Submission
from worktrial.web.trials.models import Candidacy, Stage, TrialStatus


def quota_left(candidacy: Candidacy) -> dict[str, int]:
    """Submissions left today and in total under the trial's quotas. Submissions whose every
    evaluation failed (the platform's fault, not the candidate's) do not count."""
    quotas = candidacy.trial.spec.get("quotas", {})
    per_day, total = int(quotas.get("dev_per_day", 5)), int(quotas.get("total", 30))
    counted = candidacy.submissions.exclude(evaluations__status="failed").distinct()
    since = timezone.now() - timedelta(days=1)
    used_total = counted.count()
    used_today = counted.filter(uploaded_at__gte=since).count()
    return {
        "today": max(per_day - used_today, 0),
        "total": max(total - used_total, 0),
        "per_day": per_day,
        "limit": total,
    }


def _check_open(candidacy: Candidacy) -> None:
    trial = candidacy.trial
    if trial.status != TrialStatus.PUBLISHED:
        raise StateError(
            f"the trial is {trial.get_status_display().lower()}; it takes no submissions",
            state=trial.status,
        )
    if candidacy.stage in (Stage.INVITED, Stage.DECIDED, Stage.WITHDRAWN):
        raise StateError(
            f"this candidacy is {candidacy.get_stage_display().lower()}; it takes no submissions",
            state=candidacy.stage,
        )
    left = quota_left(candidacy)
    if left["total"] <= 0:
        raise QuotaExceededError(
            f"you have used all {left['limit']} submissions of this trial",
            limit=left["limit"],
        )
    if left["today"] <= 0:
        raise QuotaExceededError(
            f"you have used today's {left['per_day']} submissions; try again tomorrow",
            limit=left["per_day"],
        )


def do_submit(
    candidacy: Candidacy,
    bundle: Path,
    *,
    name: str,
    actor: Any,
    via: str = "web",
    at: datetime | None = None,
) -> Submission:
    """Take a git bundle: verify it (size, header, fsck), unpack it into a new bare repository
    with no hooks, pin its commit, and queue its evaluation.

    Args:
        bundle: the uploaded file, already on disk.
        name: how the upload is named in messages (the user's file name, never a server path).
        at: when it was handed in (imports and the demo backdate it); default now.

    Raises:
        StateError: the trial or candidacy takes no submissions.
        QuotaExceededError: today's or the trial's submissions are used up.
        IntakeError: the bundle is refused; nothing is stored.
    """
    from worktrial.repo import intake_bundle
    from worktrial.web.jobs.actions import do_enqueue_evaluation

    _check_open(candidacy)
    relative, dest = storage.new_location("repos", ".git")
    intake = intake_bundle(bundle, dest, name=name, max_bytes=settings.WORKTRIAL_MAX_UPLOAD_BYTES)
    try:
        with transaction.atomic():
            locked = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
            _check_open(locked)  # again, under the lock: two uploads at once count as two
            number = (
                locked.submissions.order_by("-number").values_list("number", flat=True).first() or 0
            ) + 1
            submission = Submission.objects.create(
                candidacy=locked,
                number=number,
                commit=intake.head,
                refs=[[ref, sha] for ref, sha in intake.refs.items()],
                repo_dir=relative,
                size_bytes=intake.size_bytes,
                via=via,
                uploaded_by=actor,
                uploaded_at=at or timezone.now(),
            )
            if locked.stage == Stage.ACTIVE:
                locked.stage = Stage.SUBMITTED
                locked.save(update_fields=["stage"])
            record(
                "submission.create",
                actor=actor,
                organization=locked.trial.organization,
                target=submission,
                commit=intake.head,
                via=via,
            )
            do_enqueue_evaluation(submission)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return submission
