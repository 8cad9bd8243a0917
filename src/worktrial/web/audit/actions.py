"""Writing audit rows. Every action that touches candidate data calls :func:`record`."""

from __future__ import annotations

from typing import Any

from django.db import models

from worktrial.web.audit.models import AuditEvent


def target_of(obj: models.Model | None) -> str:
    """``"<model>:<pk>"`` for an object, ``""`` for none."""
    if obj is None:
        return ""
    return f"{obj._meta.model_name}:{obj.pk}"


def record(
    action: str,
    *,
    actor: Any = None,
    organization: Any = None,
    target: models.Model | None = None,
    ip: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit row (inside the caller's transaction, so it lands with the change)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        organization=organization,
        action=action,
        target=target_of(target),
        details=details,
        ip=ip,
    )
