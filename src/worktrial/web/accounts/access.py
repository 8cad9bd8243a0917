"""Permission-checked reads for accounts. Every other app builds on :func:`staff_membership`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404

from worktrial.web.accounts.models import STAFF_ROLES, Membership, Organization


def staff_membership(
    user: Any, org: Organization | int, roles: Iterable[str] = STAFF_ROLES
) -> Membership:
    """``user``'s membership of ``org`` with one of ``roles``.

    Raises:
        Http404: the user is not a member with such a role (the organization's existence is not
            revealed to outsiders).
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404("not found")
    org_id = org.pk if isinstance(org, Organization) else org
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=org_id, role__in=list(roles))
        .first()
    )
    if membership is None:
        raise Http404("not found")
    return membership


def staff_org_ids(user: Any, roles: Iterable[str] = STAFF_ROLES) -> list[int]:
    """The organizations where ``user`` works with one of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user, role__in=list(roles)).values_list(
            "organization_id", flat=True
        )
    )
