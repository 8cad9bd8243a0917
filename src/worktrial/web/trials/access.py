"""Permission-checked reads of trials and candidacies.

Rules (tested by the authorization walk):
- admins and hiring managers of an organization see all its trials and candidacies;
- reviewers see the trials of their organization and only the candidacies assigned to them,
  without the candidate's identity until they have submitted their review;
- candidates see only their own candidacies, and published trials they are in;
- nobody sees anything of another organization: every miss is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from worktrial.web.accounts.access import staff_membership, staff_org_ids
from worktrial.web.accounts.models import MANAGING_ROLES, STAFF_ROLES, Membership, Role
from worktrial.web.trials.models import Candidacy, Trial

if TYPE_CHECKING:
    from worktrial.web.jobs.models import Evaluation


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("not found") from None


def visible_trials(user: Any) -> QuerySet[Trial]:
    """Trials ``user`` works on (any staff role)."""
    return Trial.objects.filter(organization_id__in=staff_org_ids(user))


def access_trial(user: Any, trial_id: Any, *, manage: bool = False) -> tuple[Trial, Membership]:
    """A trial of an organization ``user`` works for; ``manage`` asks for admin or manager.

    Raises:
        Http404: no such trial, or not visible to ``user`` with that permission.
    """
    trial = Trial.objects.select_related("organization").filter(pk=_int(trial_id)).first()
    if trial is None:
        raise Http404("not found")
    membership = staff_membership(
        user, trial.organization_id, MANAGING_ROLES if manage else STAFF_ROLES
    )
    return trial, membership


@dataclass(frozen=True, slots=True)
class StaffView:
    """A candidacy as one staff member may see it."""

    candidacy: Candidacy
    membership: Membership
    can_manage: bool
    identity_visible: bool  # name and e-mail (blind review hides them)
    others_visible: bool  # the other reviewers' ratings


def access_candidacy(user: Any, candidacy_id: Any) -> StaffView:
    """A candidacy for a staff member: managers see everything; a reviewer only an assigned one,
    blind until their own review is submitted.

    Raises:
        Http404: not visible to ``user``.
    """
    candidacy = (
        Candidacy.objects.select_related("trial", "trial__organization")
        .filter(pk=_int(candidacy_id))
        .first()
    )
    if candidacy is None:
        raise Http404("not found")
    membership = staff_membership(user, candidacy.trial.organization_id)
    if membership.role in MANAGING_ROLES:
        return StaffView(candidacy, membership, True, True, True)
    review = candidacy.reviews.filter(reviewer=user).first()
    if membership.role != Role.REVIEWER or review is None:
        raise Http404("not found")
    submitted = review.submitted_at is not None
    return StaffView(candidacy, membership, False, submitted, submitted)


def visible_candidacies(user: Any, trial: Trial, membership: Membership) -> QuerySet[Candidacy]:
    """The candidacies of ``trial`` that ``membership`` (from :func:`access_trial`) may list:
    all of them for admins and managers, only the assigned ones for a reviewer."""
    rows = Candidacy.objects.filter(trial=trial)
    if membership.role in MANAGING_ROLES:
        return rows
    if membership.role != Role.REVIEWER:
        return rows.none()
    return rows.filter(reviews__reviewer=user)


def access_evaluation(user: Any, evaluation_id: Any) -> tuple[Evaluation, StaffView]:
    """An evaluation (with its submission) of a candidacy ``user`` may see as staff, and how
    they may see that candidacy (:func:`access_candidacy`'s rules).

    Raises:
        Http404: no such evaluation, or its candidacy is not visible to ``user``.
    """
    from worktrial.web.jobs.models import Evaluation

    evaluation = (
        Evaluation.objects.select_related("submission").filter(pk=_int(evaluation_id)).first()
    )
    if evaluation is None:
        raise Http404("not found")
    view = access_candidacy(user, evaluation.submission.candidacy_id)
    return evaluation, view


def own_candidacies(user: Any) -> QuerySet[Candidacy]:
    """The candidacies of ``user`` as a candidate."""
    if not getattr(user, "is_authenticated", False):
        return Candidacy.objects.none()
    return Candidacy.objects.filter(user=user).select_related("trial", "trial__organization")


def access_own_candidacy(user: Any, candidacy_id: Any) -> Candidacy:
    """One of ``user``'s own candidacies.

    Raises:
        Http404: not theirs.
    """
    candidacy = own_candidacies(user).filter(pk=_int(candidacy_id)).first()
    if candidacy is None:
        raise Http404("not found")
    return candidacy
