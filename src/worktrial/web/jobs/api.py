"""The API of evaluation jobs: an evaluation's state and, once done, its scorecard (staff).

The scorecard JSON is the engine's document as stored (it names the candidate by alias only,
so it is safe for a blind reviewer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from worktrial.web.audit.actions import record
from worktrial.web.trials.access import access_evaluation

router = Router()


class EvaluationOut(Schema):
    id: int
    submission_id: int
    candidacy_id: int
    spec_version: str
    status: Literal["queued", "running", "done", "failed"]
    reason: str = Field(description="why it is in this status, in plain words")
    step: str
    attempts: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    overall: float | None
    dimensions: dict[str, float | None] = Field(
        description="dimension -> score once done (null: the evidence could not be observed)"
    )
    red_flags: int
    dev_score: float | None
    scorecard: dict[str, Any] | None = Field(description="the scorecard JSON, once done")


@router.get(
    "/evaluations/{evaluation_id}",
    response=EvaluationOut,
    summary="An evaluation's state and scorecard (staff who may see the candidacy)",
)
def get_evaluation(request: HttpRequest, evaluation_id: int) -> EvaluationOut:
    user = request.auth
    ev, view = access_evaluation(user, evaluation_id)  # 404 unless the caller may see it
    done = ev.status == "done"
    record(
        "evaluation.view",
        actor=user,
        organization=view.candidacy.trial.organization,
        target=ev,
        via="api",
    )
    return EvaluationOut(
        id=ev.pk,
        submission_id=ev.submission_id,
        candidacy_id=view.candidacy.pk,
        spec_version=ev.spec_version,
        status=ev.status,
        reason=ev.reason,
        step=ev.step,
        attempts=ev.attempts,
        queued_at=ev.queued_at,
        started_at=ev.started_at,
        finished_at=ev.finished_at,
        overall=ev.overall,
        dimensions=dict(ev.dimensions or {}) if done else {},
        red_flags=ev.red_flags,
        dev_score=ev.dev_score,
        scorecard=ev.scorecard if done else None,
    )
