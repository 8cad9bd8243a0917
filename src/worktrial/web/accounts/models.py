"""Who is who: users, organizations, memberships with a role, API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Hiring manager"
    REVIEWER = "reviewer", "Reviewer"
    CANDIDATE = "candidate", "Candidate"


# the roles that work for the company; candidates only ever see their own candidacies
STAFF_ROLES: tuple[str, ...] = ("admin", "manager", "reviewer")
MANAGING_ROLES: tuple[str, ...] = ("admin", "manager")


class User(AbstractUser):
    """A person who logs in. The e-mail address is the login name."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=200, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.email


class Organization(models.Model):
    """A company. Its trials, candidates and data are invisible to every other organization."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in an organization (a user may belong to several)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.organization}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGING_ROLES


def hash_token(raw: str) -> str:
    """How tokens are stored: only their SHA-256, so a database leak does not leak tokens."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the CLI and integrations; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so a user can tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class LoginLink(models.Model):
    """A single-use, expiring link that logs a user in (the demo's links, an admin's
    ``worktrial admin login-link``). Only the token's SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
