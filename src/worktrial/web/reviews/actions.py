"""Every write to reviews: assigning reviewers, saving and submitting a review, the decision.

Each runs in a transaction and writes an audit row. The rules:

- only an admin or hiring manager of the candidacy's organization assigns reviewers and
  decides; a reviewer must be a staff member (admin, manager or reviewer) of that organization,
  and never the candidate;
- only the assigned reviewer writes their review; a draft may be partial, a submission rates all
  six dimensions 1-5 on the rubric's anchors with a comment each, and recommends; a submitted
  review never changes;
- a decision (advance, offer, reject) needs a rationale, and moves the candidacy to the
  ``decided`` stage; every decision is kept, the latest one counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from worktrial.errors import PlatformError, StateError
from worktrial.rubric import DIMENSION_TITLES, DIMENSIONS
from worktrial.web.accounts.models import MANAGING_ROLES, STAFF_ROLES, Membership, Organization
from worktrial.web.audit.actions import record
from worktrial.web.reviews.models import Decision, Outcome, Recommendation, Review
from worktrial.web.trials.models import Candidacy, Stage

RATING_MIN = 1
RATING_MAX = 5
MAX_COMMENT = 5_000
MAX_SUMMARY = 20_000
MAX_RATIONALE = 20_000


def _require_manager(actor: Any, org: Organization, doing: str) -> None:
    if not (
        getattr(actor, "is_authenticated", False)
        and Membership.objects.filter(
            user=actor, organization=org, role__in=MANAGING_ROLES
        ).exists()
    ):
        raise PlatformError(
            f"only an admin or hiring manager of {org.name} can {doing}", key="actor"
        )


def _require_author(review: Review, actor: Any) -> None:
    if getattr(actor, "pk", None) != review.reviewer_id:
        raise PlatformError("only the assigned reviewer can write this review", key="actor")


def _already_submitted(submitted_at: datetime) -> StateError:
    return StateError(
        f"this review was submitted on {submitted_at:%Y-%m-%d %H:%M} UTC; "
        "a submitted review cannot be changed",
        state="submitted",
    )


@transaction.atomic
def do_assign_reviewer(candidacy: Candidacy, reviewer: Any, *, actor: Any) -> Review:
    """Assign ``reviewer`` to review ``candidacy`` blind.

    Raises:
        PlatformError: ``actor`` does not manage the organization, or ``reviewer`` is not on its
            staff, or is the candidate.
        StateError: ``reviewer`` is already assigned, or the candidacy is withdrawn.
    """
    org = candidacy.trial.organization
    _require_manager(actor, org, "assign reviewers")
    who = getattr(reviewer, "email", str(reviewer))
    if not Membership.objects.filter(
        user=reviewer, organization=org, role__in=STAFF_ROLES
    ).exists():
        raise PlatformError(
            f"{who} is not on the staff of {org.name}; only its admins, hiring managers and "
            "reviewers can review",
            key="reviewer",
            found=who,
        )
    if candidacy.user_id is not None and candidacy.user_id == reviewer.pk:
        raise PlatformError(f"{who} is the candidate; they cannot review themself", key="reviewer")
    candidacy = Candidacy.objects.select_for_update().select_related("trial").get(pk=candidacy.pk)
    if candidacy.stage == Stage.WITHDRAWN:
        raise StateError(
            f"{candidacy.alias} has withdrawn; a withdrawn candidacy takes no reviewers",
            state=candidacy.stage,
        )
    duplicate = StateError(
        f"{who} is already assigned to review {candidacy.alias}", key="reviewer", found=who
    )
    if Review.objects.filter(candidacy=candidacy, reviewer=reviewer).exists():
        raise duplicate
    try:
        with transaction.atomic():
            review = Review.objects.create(
                candidacy=candidacy,
                reviewer=reviewer,
                assigned_by=actor,
                assigned_at=timezone.now(),
            )
    except IntegrityError:  # assigned by someone else in the same instant
        raise duplicate from None
    record(
        "review.assign",
        actor=actor,
        organization=org,
        target=review,
        candidacy=candidacy.pk,
        reviewer=reviewer.pk,
    )
    return review


def _clean(
    ratings: Mapping[str, Any],
    comments: Mapping[str, Any],
    recommendation: str | None,
    summary: str | None,
) -> tuple[dict[str, int], dict[str, str], str, str]:
    """Check the values that were given (missing ones are fine in a draft).

    Raises:
        PlatformError: an unknown dimension, a rating outside 1-5, an unknown recommendation, or
            a text over its length limit; the message names the field.
    """
    clean_ratings: dict[str, int] = {}
    for dimension, value in ratings.items():
        if dimension not in DIMENSION_TITLES:
            raise PlatformError(
                f"unknown dimension {dimension!r}; expected one of {', '.join(DIMENSIONS)}",
                key=f"rating_{dimension}",
                expected=list(DIMENSIONS),
                found=dimension,
            )
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            rating = None
        else:
            try:
                rating = int(value)
            except ValueError:
                rating = None
        if rating is None or not RATING_MIN <= rating <= RATING_MAX:
            raise PlatformError(
                f"{DIMENSION_TITLES[dimension]}: a rating is a whole number from {RATING_MIN} "
                f"to {RATING_MAX}; found {value!r}",
                key=f"rating_{dimension}",
                expected=f"{RATING_MIN}-{RATING_MAX}",
                found=str(value),
            )
        clean_ratings[dimension] = rating
    clean_comments: dict[str, str] = {}
    for dimension, text in comments.items():
        if dimension not in DIMENSION_TITLES:
            raise PlatformError(
                f"unknown dimension {dimension!r}; expected one of {', '.join(DIMENSIONS)}",
                key=f"comment_{dimension}",
                found=dimension,
            )
        text = str(text or "").strip()
        if len(text) > MAX_COMMENT:
            raise PlatformError(
                f"the comment on {DIMENSION_TITLES[dimension]} is {len(text):,} characters "
                f"long; the most is {MAX_COMMENT:,}",
                key=f"comment_{dimension}",
                found=len(text),
                limit=MAX_COMMENT,
            )
        if text:
            clean_comments[dimension] = text
    recommendation = (recommendation or "").strip()
    if recommendation and recommendation not in Recommendation.values:
        raise PlatformError(
            f"recommendation must be one of {', '.join(Recommendation.values)}; "
            f"found {recommendation!r}",
            key="recommendation",
            expected=list(Recommendation.values),
            found=recommendation,
        )
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise PlatformError(
            f"the summary is {len(summary):,} characters long; the most is {MAX_SUMMARY:,}",
            key="summary",
            found=len(summary),
            limit=MAX_SUMMARY,
        )
    return clean_ratings, clean_comments, recommendation, summary


def missing_for_submission(
    ratings: Mapping[str, int], comments: Mapping[str, str], recommendation: str
) -> dict[str, str]:
    """What a review lacks before it can be submitted: form field name -> what to do."""
    missing: dict[str, str] = {}
    for dimension in DIMENSIONS:
        title = DIMENSION_TITLES[dimension]
        if dimension not in ratings:
            missing[f"rating_{dimension}"] = f"rate {title} from {RATING_MIN} to {RATING_MAX}"
        if dimension not in comments:
            missing[f"comment_{dimension}"] = f"say why you rated {title} this way"
    if not recommendation:
        missing["recommendation"] = "choose a recommendation"
    return missing


def _incomplete(
    ratings: Mapping[str, int], comments: Mapping[str, str], recommendation: str
) -> PlatformError | None:
    missing = missing_for_submission(ratings, comments, recommendation)
    if not missing:
        return None
    parts = []
    no_rating = [DIMENSION_TITLES[d] for d in DIMENSIONS if d not in ratings]
    no_comment = [DIMENSION_TITLES[d] for d in DIMENSIONS if d not in comments]
    if no_rating:
        parts.append("missing ratings: " + ", ".join(no_rating))
    if no_comment:
        parts.append("missing comments: " + ", ".join(no_comment))
    if not recommendation:
        parts.append("missing recommendation")
    return PlatformError(
        "the review is not complete; " + "; ".join(parts),
        key=next(iter(missing)),
        problems=missing,
    )


def _write(
    review: Review, ratings: dict[str, int], comments: dict[str, str], rec: str, summary: str
) -> None:
    review.ratings = ratings
    review.comments = comments
    review.recommendation = rec
    review.summary = summary


@transaction.atomic
def do_save_review(
    review: Review,
    *,
    actor: Any,
    ratings: Mapping[str, Any],
    comments: Mapping[str, Any],
    recommendation: str | None = "",
    summary: str | None = "",
) -> Review:
    """Save a draft: the given content replaces the stored draft; it may be incomplete.

    Raises:
        PlatformError: ``actor`` is not the reviewer, or a value is invalid (nothing is saved).
        StateError: the review is already submitted.
    """
    _require_author(review, actor)
    review = Review.objects.select_for_update().select_related("candidacy__trial").get(pk=review.pk)
    if review.submitted_at is not None:
        raise _already_submitted(review.submitted_at)
    _write(review, *_clean(ratings, comments, recommendation, summary))
    review.save(update_fields=["ratings", "comments", "recommendation", "summary"])
    record(
        "review.save",
        actor=actor,
        organization=review.candidacy.trial.organization,
        target=review,
        candidacy=review.candidacy_id,
        rated=sorted(review.ratings),
    )
    return review


@transaction.atomic
def do_submit_review(
    review: Review,
    *,
    actor: Any,
    ratings: Mapping[str, Any],
    comments: Mapping[str, Any],
    recommendation: str | None,
    summary: str | None = "",
) -> Review:
    """Submit a review, once: every dimension rated 1-5 with a comment, and a recommendation.

    From then on the reviewer sees the candidate's identity and the other reviewers' submitted
    ratings.

    Raises:
        PlatformError: ``actor`` is not the reviewer, a value is invalid, or something is missing
            (``fields["problems"]`` maps each missing form field to what to do; the message
            names the missing dimensions). Nothing is saved.
        StateError: the review is already submitted.
    """
    _require_author(review, actor)
    review = Review.objects.select_for_update().select_related("candidacy__trial").get(pk=review.pk)
    if review.submitted_at is not None:
        raise _already_submitted(review.submitted_at)
    clean = _clean(ratings, comments, recommendation, summary)
    error = _incomplete(clean[0], clean[1], clean[2])
    if error is not None:
        raise error
    _write(review, *clean)
    review.submitted_at = timezone.now()
    review.save(update_fields=["ratings", "comments", "recommendation", "summary", "submitted_at"])
    record(
        "review.submit",
        actor=actor,
        organization=review.candidacy.trial.organization,
        target=review,
        candidacy=review.candidacy_id,
        ratings=review.ratings,
        recommendation=review.recommendation,
    )
    return review


@transaction.atomic
def do_decide(candidacy: Candidacy, *, actor: Any, outcome: str, rationale: str) -> Decision:
    """Record the hiring decision on ``candidacy`` and move it to the ``decided`` stage.

    Raises:
        PlatformError: ``actor`` does not manage the organization, the outcome is unknown, or
            the rationale is empty or too long.
        StateError: the candidacy is withdrawn.
    """
    from worktrial.web.trials.actions import do_set_stage

    org = candidacy.trial.organization
    _require_manager(actor, org, "record a decision")
    if outcome not in Outcome.values:
        raise PlatformError(
            f"outcome must be one of {', '.join(Outcome.values)}; found {outcome!r}",
            key="outcome",
            expected=list(Outcome.values),
            found=outcome,
        )
    rationale = (rationale or "").strip()
    if not rationale:
        raise PlatformError(
            "a decision needs a rationale: write the reasons, citing the evidence",
            key="rationale",
        )
    if len(rationale) > MAX_RATIONALE:
        raise PlatformError(
            f"the rationale is {len(rationale):,} characters long; the most is {MAX_RATIONALE:,}",
            key="rationale",
            found=len(rationale),
            limit=MAX_RATIONALE,
        )
    candidacy = Candidacy.objects.select_for_update().select_related("trial").get(pk=candidacy.pk)
    if candidacy.stage == Stage.WITHDRAWN:
        raise StateError(
            f"{candidacy.alias} has withdrawn; there is nothing to decide", state=candidacy.stage
        )
    decision = Decision.objects.create(
        candidacy=candidacy,
        outcome=outcome,
        rationale=rationale,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    record(
        "decision.record",
        actor=actor,
        organization=org,
        target=decision,
        candidacy=candidacy.pk,
        outcome=outcome,
    )
    do_set_stage(candidacy, Stage.DECIDED, actor=actor)
    return decision
