"""Accounts: passwords hashed with argon2, API tokens, single-use login links."""

from __future__ import annotations

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
from worktrial.web.accounts.models import LoginLink
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
