"""The API of submissions: upload a git bundle (``worktrial submit`` or any HTTP client) and
follow its evaluation.

The upload is a ``multipart/form-data`` request with the bundle in the field ``bundle``. Its
size is checked from ``Content-Length`` before the body is read, so an oversized upload is
refused without being stored; :func:`~worktrial.web.submissions.actions.do_submit` then checks
the quota, verifies and unpacks the bundle, and queues the evaluation.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError

from worktrial.errors import IntakeError
from worktrial.web import storage
from worktrial.web.audit.actions import record
from worktrial.web.jobs.models import Evaluation
from worktrial.web.submissions.actions import do_submit, quota_left
from worktrial.web.submissions.models import Submission
from worktrial.web.trials.access import access_candidacy, access_own_candidacy
from worktrial.web.trials.models import Candidacy

router = Router()

CLI_AGENT = "worktrial-cli/"
# room for the multipart boundaries and headers around the file
MULTIPART_SLACK = 64 * 1024


class EvaluationStateOut(Schema):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    reason: str = Field(description="why it is in this status, in plain words")
    step: str = Field(description="what the worker is doing now")
    attempts: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    dev_score: float | None


class QuotaOut(Schema):
    today: int = Field(description="submissions left in the last 24 hours")
    total: int = Field(description="submissions left in the whole trial")
    per_day: int
    limit: int


class SubmissionOut(Schema):
    id: int
    candidacy_id: int
    number: int = Field(description="1 for the candidacy's first submission, and so on")
    commit: str = Field(description="the pinned commit")
    refs: list[tuple[str, str]] = Field(description="(ref, commit) pairs stored")
    size_bytes: int
    via: Literal["web", "cli", "api"]
    uploaded_at: datetime
    evaluation: EvaluationStateOut | None
    dev_score: float | None = Field(description="score on the dev split, once evaluated")
    quota_left: QuotaOut


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["bundle"],
                    "properties": {
                        "bundle": {
                            "type": "string",
                            "format": "binary",
                            "description": "a git bundle of the repository "
                            "(git bundle create work.bundle --all)",
                        }
                    },
                }
            }
        },
    }
}


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _evaluation_out(ev: Evaluation | None) -> EvaluationStateOut | None:
    if ev is None:
        return None
    return EvaluationStateOut(
        id=ev.pk,
        status=ev.status,
        reason=ev.reason,
        step=ev.step,
        attempts=ev.attempts,
        queued_at=ev.queued_at,
        started_at=ev.started_at,
        finished_at=ev.finished_at,
        dev_score=ev.dev_score,
    )


def _submission_out(s: Submission, quota: dict[str, int]) -> SubmissionOut:
    evaluations = list(s.evaluations.all())  # prefetched, newest first
    ev = evaluations[0] if evaluations else None
    return SubmissionOut(
        id=s.pk,
        candidacy_id=s.candidacy_id,
        number=s.number,
        commit=s.commit,
        refs=[(str(ref), str(sha)) for ref, sha in s.refs],
        size_bytes=s.size_bytes,
        via=s.via,
        uploaded_at=s.uploaded_at,
        evaluation=_evaluation_out(ev),
        dev_score=ev.dev_score if ev is not None and ev.status == "done" else None,
        quota_left=QuotaOut(**quota),
    )


def _with_evaluations(rows: Any) -> Any:
    return rows.prefetch_related(
        Prefetch("evaluations", queryset=Evaluation.objects.order_by("-queued_at", "-id"))
    )


def _access(user: Any, candidacy_id: int) -> tuple[Candidacy, bool]:
    """The candidacy as its candidate sees it, else as a staff member may (404 otherwise);
    the flag says whether the caller is staff."""
    try:
        return access_own_candidacy(user, candidacy_id), False
    except Http404:
        return access_candidacy(user, candidacy_id).candidacy, True


def _uploaded_bundle(request: HttpRequest) -> UploadedFile:
    cap = settings.WORKTRIAL_MAX_UPLOAD_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > cap + MULTIPART_SLACK:
        err = IntakeError(
            f"the upload is {_size(length)}, over the {_size(cap)} limit for a submission",
            reason="too_large",
            limit=cap,
        )
        err.http_status = 413
        raise err
    upload = request.FILES.get("bundle")
    if upload is None:
        raise ValidationError(
            [
                {
                    "loc": ["form", "bundle"],
                    "msg": "a git bundle file is required (multipart/form-data field 'bundle')",
                    "type": "missing",
                }
            ]
        )
    return upload


@router.post(
    "/candidacies/{candidacy_id}/submissions",
    response={201: SubmissionOut},
    summary="Submit a git bundle of your repository",
    openapi_extra=UPLOAD_BODY,
)
def submit(request: HttpRequest, candidacy_id: int) -> Status[SubmissionOut]:
    user = request.auth
    candidacy = access_own_candidacy(user, candidacy_id)
    upload = _uploaded_bundle(request)
    # the name the user gave, for messages; never a path on this server
    name = PurePosixPath((upload.name or "").replace("\\", "/")).name[:200] or "bundle"
    via = "cli" if request.headers.get("User-Agent", "").startswith(CLI_AGENT) else "api"
    _, folder = storage.new_location("uploads")
    try:
        folder.mkdir()
        path = folder / "upload.bundle"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        submission = do_submit(candidacy, path, name=name, actor=user, via=via)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    row = _with_evaluations(Submission.objects.filter(pk=submission.pk)).get()
    return Status(201, _submission_out(row, quota_left(candidacy)))


@router.get(
    "/candidacies/{candidacy_id}/submissions",
    response=list[SubmissionOut],
    summary="Submissions of a candidacy (its candidate, or staff who may see it)",
)
def list_submissions(request: HttpRequest, candidacy_id: int) -> list[SubmissionOut]:
    user = request.auth
    candidacy, staff = _access(user, candidacy_id)
    rows = _with_evaluations(candidacy.submissions.order_by("number"))
    quota = quota_left(candidacy)
    out = [_submission_out(s, quota) for s in rows]
    if staff:
        record(
            "candidacy.view",
            actor=user,
            organization=candidacy.trial.organization,
            target=candidacy,
            via="api",
            what="submissions",
        )
    return out


@router.get(
    "/submissions/{submission_id}",
    response=SubmissionOut,
    summary="A submission's evaluation status, dev score and quota left",
)
def get_submission(request: HttpRequest, submission_id: int) -> SubmissionOut:
    user = request.auth
    candidacy_id = (
        Submission.objects.filter(pk=submission_id).values_list("candidacy_id", flat=True).first()
    )
    if candidacy_id is None:
        raise Http404("not found")
    candidacy, staff = _access(user, candidacy_id)  # 404 unless the caller may see it
    row = _with_evaluations(candidacy.submissions.filter(pk=submission_id)).get()
    if staff:
        record(
            "submission.view",
            actor=user,
            organization=candidacy.trial.organization,
            target=row,
            via="api",
        )
    return _submission_out(row, quota_left(candidacy))
