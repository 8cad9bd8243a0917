"""The API of accounts: who the caller is, and their role in each organization."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from worktrial.errors import PlatformError
from worktrial.web.accounts.actions import do_revoke_api_token
from worktrial.web.accounts.models import ApiToken, Membership, hash_token

router = Router()

RoleName = Literal["admin", "manager", "reviewer", "candidate"]


class OrganizationOut(Schema):
    id: int
    slug: str
    name: str


class MembershipOut(Schema):
    organization: OrganizationOut
    role: RoleName


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The caller, with their role in each organization")
def me(request: HttpRequest) -> MeOut:
    user = request.auth
    memberships = (
        Membership.objects.filter(user=user).select_related("organization").order_by("created_at")
    )
    return MeOut(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        memberships=[
            MembershipOut(
                organization=OrganizationOut(
                    id=m.organization.pk, slug=m.organization.slug, name=m.organization.name
                ),
                role=m.role,
            )
            for m in memberships
        ],
    )


@router.delete(
    "/tokens/current",
    response={204: None},
    summary="Revoke the token this request is made with (what `worktrial logout` calls)",
)
def revoke_current_token(request: HttpRequest) -> Status[None]:
    raw = getattr(request, "api_token", None)
    if raw is None:
        raise PlatformError(
            "this request carries no API token to revoke (it uses a browser session); revoke "
            "tokens on the Tokens page",
            key="authorization",
        )
    token = ApiToken.objects.get(user=request.auth, token_hash=hash_token(raw))
    do_revoke_api_token(token, actor=request.auth)
    return Status(204, None)
