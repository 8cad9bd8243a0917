"""Fixtures for the platform's tests: organizations, people in every role, a trial."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from worktrial.web.accounts.actions import do_add_member, do_create_organization, do_create_user
from worktrial.web.accounts.models import Organization, User

PASSWORD = "correct horse battery staple"


@dataclass
class Company:
    org: Organization
    admin: User
    manager: User
    reviewer: User
    reviewer2: User


def make_company(slug: str) -> Company:
    admin = do_create_user(f"admin@{slug}.test", PASSWORD, display_name=f"{slug} admin")
    org = do_create_organization(slug.capitalize(), admin=admin, slug=slug)
    people: dict[str, User] = {}
    for name, role in (("manager", "manager"), ("reviewer", "reviewer"), ("reviewer2", "reviewer")):
        people[name] = do_create_user(f"{name}@{slug}.test", PASSWORD)
        do_add_member(org, people[name], role, actor=admin)
    return Company(org, admin, people["manager"], people["reviewer"], people["reviewer2"])


@pytest.fixture
def company(db: Any) -> Company:
    return make_company("acme")


@pytest.fixture
def other_company(db: Any) -> Company:
    return make_company("globex")


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login
