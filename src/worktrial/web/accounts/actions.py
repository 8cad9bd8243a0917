"""Every write to accounts: organizations, members, API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from worktrial.errors import InvitationError, PlatformError, StateError
from worktrial.web.accounts.models import (
    ApiToken,
    LoginLink,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)
from worktrial.web.audit.actions import record

TOKEN_PREFIX = "wt_"


def checked_email(email: str) -> str:
    """``email`` trimmed and lower-cased.

    Raises:
        PlatformError: it is not an e-mail address.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PlatformError(
            f"{email!r} is not an e-mail address", key="email", found=email
        ) from None
    return email


def do_create_user(email: str, password: str | None, *, display_name: str = "") -> User:
    """A new user; ``password=None`` makes an account that cannot log in with a password yet.

    Raises:
        StateError: a user with this e-mail address exists.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise StateError(f"a user with the e-mail address {email} already exists", found=email)
    user = User(email=email, username=email, display_name=display_name.strip())
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def do_create_organization(name: str, *, admin: User, slug: str | None = None) -> Organization:
    """A new organization with ``admin`` as its first admin.

    Raises:
        PlatformError: the name is empty or the slug is taken.
    """
    name = name.strip()
    if not name:
        raise PlatformError("an organization needs a name", key="name")
    slug = slugify(slug or name)[:80] or "org"
    if Organization.objects.filter(slug=slug).exists():
        raise PlatformError(f"the organization name {slug!r} is taken", key="slug", found=slug)
    org = Organization.objects.create(name=name, slug=slug)
    Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
    record("organization.create", actor=admin, organization=org, target=org, name=name)
    return org


@transaction.atomic
def do_add_member(org: Organization, user: User, role: str, *, actor: Any) -> Membership:
    """Give ``user`` a role in ``org`` (or change the role they have).

    Raises:
        PlatformError: ``role`` is not a role.
    """
    if role not in Role.values:
        raise PlatformError(
            f"role must be one of {', '.join(Role.values)}; found {role!r}",
            key="role",
            expected=list(Role.values),
            found=role,
        )
    current = Membership.objects.filter(user=user, organization=org).first()
    if (
        current is not None
        and current.role == "admin"
        and role != "admin"
        and not Membership.objects.filter(organization=org, role="admin")
        .exclude(pk=current.pk)
        .exists()
    ):
        raise StateError(
            "an organization keeps at least one admin; make someone else admin first",
            state="last_admin",
        )
    membership, created = Membership.objects.update_or_create(
        user=user, organization=org, defaults={"role": role}
    )
    record(
        "member.add" if created else "member.change_role",
        actor=actor,
        organization=org,
        target=membership,
        user=user.pk,
        role=role,
    )
    return membership


STAFF_ROLE_CHOICES = ("reviewer", "manager", "admin")


@transaction.atomic
def do_invite_member(
    org: Organization, email: str, role: str, *, actor: Any, name: str = ""
) -> tuple[Membership, str | None]:
    """Add a colleague to ``org`` with a staff role. A new person gets an account without a
    password and a single-use login link (returned, shown once) to set one; an existing user just
    gets the role (and no link).

    Raises:
        PlatformError: the e-mail address or the role is not valid.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PlatformError(
            f"{email!r} is not an e-mail address", key="email", found=email
        ) from None
    if role not in STAFF_ROLE_CHOICES:
        raise PlatformError(
            f"role must be one of {', '.join(STAFF_ROLE_CHOICES)}; found {role!r}",
            key="role",
            found=role,
        )
    user = User.objects.filter(email__iexact=email).first()
    if (
        user is not None
        and Membership.objects.filter(user=user, organization=org, role=Role.CANDIDATE).exists()
    ):
        raise StateError(
            f"{email} is a candidate of this organization; a candidate cannot also review or "
            "manage its trials",
            key="email",
            state="candidate",
        )
    link = None
    if user is None:
        user = do_create_user(email, None, display_name=name)
        link = do_create_login_link(user, valid_hours=24 * 7, actor=actor)
    return do_add_member(org, user, role, actor=actor), link


@transaction.atomic
def do_remove_member(membership: Membership, *, actor: Any) -> None:
    """Take a colleague out of the organization (their past reviews and decisions stay).

    Raises:
        StateError: it is the organization's last admin.
    """
    if (
        membership.role == Role.ADMIN
        and not Membership.objects.filter(organization=membership.organization, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise StateError(
            "an organization keeps at least one admin; make someone else admin first",
            state="last_admin",
        )
    record(
        "member.remove",
        actor=actor,
        organization=membership.organization,
        target=membership,
        user=membership.user_id,
    )
    membership.delete()


@transaction.atomic
def do_create_api_token(user: User, name: str = "cli") -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns the row and the raw token (shown once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "cli", prefix=raw[:10], token_hash=hash_token(raw)
    )
    record("token.create", actor=user, target=token, name=token.name)
    return token, raw


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: User) -> None:
    """Revoke a token; it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoke", actor=actor, target=token)


def user_for_token(raw: str) -> User | None:
    """The active user a raw API token belongs to, or None (unknown, revoked, inactive)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def do_create_login_link(user: User, *, valid_hours: float = 24, actor: Any = None) -> str:
    """A single-use link token that logs ``user`` in; returns the raw token (shown once)."""
    raw = secrets.token_urlsafe(32)
    LoginLink.objects.create(
        user=user,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(hours=valid_hours),
    )
    record("login_link.create", actor=actor, target=user)
    return raw


@transaction.atomic
def do_use_login_link(raw: str) -> User:
    """The user of an unused, unexpired login link, which is used up.

    Raises:
        InvitationError: the link is unknown, used or expired (each says which).
    """
    link = (
        LoginLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_token(raw or ""))
        .first()
    )
    if link is None or not link.user.is_active:
        raise InvitationError("this login link is not valid", reason="unknown")
    if link.used_at is not None:
        raise InvitationError(
            "this login link was already used; log in with your password or ask for a new link",
            reason="used",
        )
    if link.expires_at <= timezone.now():
        raise InvitationError("this login link expired; ask for a new one", reason="expired")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    record("login_link.use", actor=link.user, target=link.user)
    return link.user
