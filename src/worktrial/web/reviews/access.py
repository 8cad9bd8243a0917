"""Permission-checked reads of reviews, built on :func:`trials.access.access_candidacy`.

Rules (every miss is a 404, whether the object is absent or only invisible):

- admins and hiring managers see every review of their organization's candidacies (they write
  none but their own);
- a reviewer sees only their own review, and the candidacy behind it blind until they submit:
  the alias, never the name, e-mail or profile, and never the other reviewers' ratings;
- nobody sees a review of another organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from worktrial.web.accounts.access import staff_org_ids
from worktrial.web.accounts.models import MANAGING_ROLES, STAFF_ROLES, Membership
from worktrial.web.reviews.models import Review
from worktrial.web.trials.access import StaffView, access_candidacy
from worktrial.web.trials.models import Candidacy


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("not found") from None


@dataclass(frozen=True, slots=True)
class ReviewView:
    """A review as one staff member may see it."""

    review: Review
    staff: StaffView  # the candidacy, with identity_visible / others_visible

    @property
    def candidacy(self) -> Candidacy:
        return self.staff.candidacy

    @property
    def is_own(self) -> bool:
        """The viewer is the reviewer: they may edit it until it is submitted."""
        return self.review.reviewer_id == self.staff.membership.user_id

    @property
    def can_manage(self) -> bool:
        return self.staff.can_manage

    @property
    def identity_visible(self) -> bool:
        return self.staff.identity_visible

    @property
    def others_visible(self) -> bool:
        return self.staff.others_visible


def access_review(user: Any, review_id: Any) -> ReviewView:
    """A review ``user`` may see: their own, or any of their organization's as a manager.

    Raises:
        Http404: no such review, or not visible to ``user``.
    """
    review = Review.objects.select_related("reviewer").filter(pk=_int(review_id)).first()
    if review is None:
        raise Http404("not found")
    staff = access_candidacy(user, review.candidacy_id)
    if not staff.can_manage and review.reviewer_id != getattr(user, "pk", None):
        raise Http404("not found")
    review.candidacy = staff.candidacy  # already loaded with its trial and organization
    return ReviewView(review, staff)


def my_reviews(user: Any) -> QuerySet[Review]:
    """The reviews assigned to ``user`` in organizations where they are still on the staff."""
    return (
        Review.objects.filter(
            reviewer=user, candidacy__trial__organization_id__in=staff_org_ids(user)
        )
        .select_related("candidacy", "candidacy__trial", "candidacy__trial__organization")
        .order_by("submitted_at", "assigned_at", "id")
    )


def managed_org_ids(user: Any) -> list[int]:
    """The organizations where ``user`` is an admin or hiring manager."""
    return staff_org_ids(user, MANAGING_ROLES)


def eligible_reviewers(candidacy: Candidacy) -> QuerySet[Membership]:
    """Staff of the candidacy's organization who are not yet assigned to it (never the
    candidate), reviewers first."""
    rows = (
        Membership.objects.filter(
            organization_id=candidacy.trial.organization_id, role__in=list(STAFF_ROLES)
        )
        .exclude(user__reviews__candidacy=candidacy)
        .select_related("user")
        .order_by("-role", "user__email")  # "reviewer" sorts after "manager" and "admin"
    )
    if candidacy.user_id is not None:
        rows = rows.exclude(user_id=candidacy.user_id)
    return rows
