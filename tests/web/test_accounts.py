"""Accounts: passwords hashed with argon2, API tokens, single-use login links."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.utils import timezone

from worktrial.errors import StateError
from worktrial.web.accounts.actions import (
    do_create_api_token,
    do_create_login_link,
    do_create_user,
    do_revoke_api_token,
    user_for_token,
)
from worktrial.web.accounts.models import LoginLink, User
from worktrial.web.audit.models import AuditEvent

from .conftest import Company

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2() -> None:
    from worktrial.web.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_password("x").startswith("argon2$")


def test_duplicate_user_is_refused(company: Company) -> None:
    with pytest.raises(
        StateError, match=r"a user with the e-mail address admin@acme\.test already exists"
    ):
        do_create_user("Admin@Acme.test", "whatever-long-password")


def test_api_token_round_trip_and_revocation(company: Company) -> None:
    token, raw = do_create_api_token(company.manager, "laptop")
    assert raw.startswith("wt_") and token.token_hash != raw
    assert user_for_token(raw) == company.manager
    assert user_for_token(raw + "x") is None
    assert user_for_token("not-a-token") is None
    do_revoke_api_token(token, actor=company.manager)
    assert user_for_token(raw) is None


def test_login_link_logs_in_once(company: Company) -> None:
    raw = do_create_login_link(company.reviewer)
    client = Client()
    page = client.get(f"/accounts/link/{raw}/")
    assert page.status_code == 200 and b"This link works once" in page.content
    assert LoginLink.objects.get().used_at is None, "a GET (a link preview) must not use the link"
    response = client.post(f"/accounts/link/{raw}/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    again = Client().post(f"/accounts/link/{raw}/")
    assert again.status_code == 410
    assert b"this login link was already used" in again.content
    assert AuditEvent.objects.filter(action="login_link.use").count() == 1


def test_expired_and_unknown_login_links(company: Company, db: Any) -> None:
    raw = do_create_login_link(company.reviewer)
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(f"/accounts/link/{raw}/")
    assert response.status_code == 410 and b"this login link expired" in response.content
    response = Client().post("/accounts/link/nonsense/", HTTP_ACCEPT="application/json")
    assert response.status_code == 410
    assert response.json()["error"] == {
        "code": "platform.invitation",
        "message": "this login link is not valid",
        "fields": {"reason": "unknown"},
    }


def test_pages_need_login(db: Any) -> None:
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_admin_adds_a_colleague_who_sets_a_password(company: Company, login: Any) -> None:
    admin = login(company.admin)
    url = f"/accounts/orgs/{company.org.pk}/members/"
    page = admin.get(url)
    assert page.status_code == 200 and b"reviewer@acme.test" in page.content
    response = admin.post(
        url, {"email": "New.Person@Acme.test", "name": "New Person", "role": "reviewer"}
    )
    assert response.status_code == 200
    link = re.search(
        rb'<code id="member-link">http://testserver(/accounts/link/[^<]+/)</code>', response.content
    )
    assert link is not None and response["Cache-Control"] == "no-store"
    newcomer = Client()
    assert newcomer.post(link.group(1).decode()).status_code == 302
    page = newcomer.get("/accounts/password/")
    assert b"Set your password" in page.content
    saved = newcomer.post(
        "/accounts/password/",
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert saved.status_code == 302
    assert Client().login(username="new.person@acme.test", password="a long new passphrase")
    assert AuditEvent.objects.filter(action="member.add", organization=company.org).exists()


def test_member_management_refusals(company: Company, login: Any) -> None:
    admin = login(company.admin)
    url = f"/accounts/orgs/{company.org.pk}/members/"
    bad = admin.post(url, {"email": "nobody", "role": "reviewer"})
    assert bad.status_code == 400 and b"&#x27;nobody&#x27; is not an e-mail address" in bad.content
    bad = admin.post(url, {"email": "x@acme.test", "role": "candidate"})
    assert bad.status_code == 400
    assert (
        b"role must be one of reviewer, manager, admin; found &#x27;candidate&#x27;" in bad.content
    )
    only_admin = company.org.memberships.get(user=company.admin)
    refused = admin.post(url, {"remove": only_admin.pk})
    assert refused.status_code == 409
    assert b"an organization keeps at least one admin" in refused.content
    assert company.org.memberships.filter(role="admin").count() == 1
    # only admins of this organization see the page
    assert login(company.manager).get(url).status_code == 404


def test_members_of_another_organization_are_not_reachable(
    company: Company, other_company: Company, login: Any
) -> None:
    url = f"/accounts/orgs/{company.org.pk}/members/"
    response = login(other_company.admin).post(url, {"email": "spy@globex.test", "role": "admin"})
    assert response.status_code == 404
    assert not company.org.memberships.filter(user__email="spy@globex.test").exists()


def test_the_menu_follows_the_role(company: Company, login: Any) -> None:
    def links(user: User) -> set[str]:
        html = login(user).get("/").content.decode()
        return {name for name in ("Review board", "Audit log", "Members") if f">{name}" in html}

    assert links(company.admin) == {"Review board", "Audit log", "Members"}
    assert links(company.manager) == {"Review board"}
    assert links(company.reviewer) == set()


def test_a_new_api_token_is_shown_once(company: Company, login: Any) -> None:
    client = login(company.manager)
    response = client.post("/accounts/tokens/", {"name": "laptop"})
    assert response.status_code == 302  # reloading the page does not make another token
    page = client.get("/accounts/tokens/").content.decode()
    assert re.search(r"Your new token \(shown once\): <code id=\"new-token\">wt_", page)
    assert "wt_" not in client.get("/accounts/tokens/").content.decode().split("Starts with")[0]


def test_a_candidate_of_the_organization_cannot_be_made_staff(company: Company) -> None:
    from worktrial.web.accounts.actions import do_invite_member
    from worktrial.web.accounts.models import Membership

    person = do_create_user("cand@example.test", "a long enough passphrase")
    Membership.objects.create(user=person, organization=company.org, role="candidate")
    with pytest.raises(StateError, match=r"cand@example\.test is a candidate of this organization"):
        do_invite_member(company.org, "cand@example.test", "reviewer", actor=company.admin)
