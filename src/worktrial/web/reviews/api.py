"""The API of reviews: a reviewer's assigned reviews, and submitting one.

Blind by construction: a review names the candidacy by its alias only. Writes go through
:func:`worktrial.web.reviews.actions.do_submit_review`, which refuses anyone but the assigned
reviewer and a review that is incomplete or already submitted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from worktrial.web.reviews.access import access_review, my_reviews
from worktrial.web.reviews.actions import do_submit_review
from worktrial.web.reviews.models import Review

router = Router()

Dimension = Literal["output", "framing", "iteration", "discipline", "communication", "decisions"]
RecommendationName = Literal["strong_no", "no", "no_decision", "yes", "strong_yes"]
Rating = Annotated[int, Field(ge=1, le=5)]


class ReviewOut(Schema):
    id: int
    candidacy_id: int
    alias: str = Field(description="the candidate's alias (reviews are blind)")
    trial_id: int
    trial_title: str
    assigned_at: datetime
    submitted_at: datetime | None
    ratings: dict[str, int]
    comments: dict[str, str]
    recommendation: RecommendationName | Literal[""]
    summary: str


class ReviewIn(Schema):
    ratings: dict[Dimension, Rating] = Field(description="each of the six dimensions, 1-5")
    comments: dict[Dimension, str] = Field(description="why, for each dimension")
    recommendation: RecommendationName
    summary: str = ""


def _review_out(r: Review) -> ReviewOut:
    return ReviewOut(
        id=r.pk,
        candidacy_id=r.candidacy_id,
        alias=r.candidacy.alias,
        trial_id=r.candidacy.trial_id,
        trial_title=r.candidacy.trial.title,
        assigned_at=r.assigned_at,
        submitted_at=r.submitted_at,
        ratings=dict(r.ratings),
        comments=dict(r.comments),
        recommendation=r.recommendation,
        summary=r.summary,
    )


@router.get("/reviews", response=list[ReviewOut], summary="Reviews assigned to you")
def list_my_reviews(request: HttpRequest) -> list[ReviewOut]:
    return [_review_out(r) for r in my_reviews(request.auth)]


@router.post(
    "/reviews/{review_id}/submit",
    response=ReviewOut,
    summary="Submit your review: all six dimensions rated with a comment, and a recommendation",
)
def submit_review(request: HttpRequest, review_id: int, payload: ReviewIn) -> ReviewOut:
    user = request.auth
    # a manager may see a reviewer's review; the action refuses anyone but its reviewer
    view = access_review(user, review_id)
    review = do_submit_review(
        view.review,
        actor=user,
        ratings=dict(payload.ratings),
        comments=dict(payload.comments),
        recommendation=payload.recommendation,
        summary=payload.summary,
    )
    return _review_out(review)
