"""Template context: the current user's memberships, so every page can show the right menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def membership(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"memberships": []}
    memberships = list(user.memberships.select_related("organization").order_by("id"))
    return {
        "memberships": memberships,
        "is_staff_member": any(m.is_staff_role for m in memberships),
        "is_manager": any(m.can_manage for m in memberships),
        "is_admin": any(m.role == "admin" for m in memberships),
    }
