"""The audit log page and its CSV export: admins only, one organization at a time, filters."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client

from worktrial.web.accounts.actions import do_add_member
from worktrial.web.accounts.models import User
from worktrial.web.audit.actions import record
from worktrial.web.audit.models import AuditEvent

from .conftest import Company

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _event(action: str, actor: User, company: Company, at: datetime, **details: object) -> None:
    event = record(action, actor=actor, organization=company.org, **details)
    AuditEvent.objects.filter(pk=event.pk).update(at=at)


@pytest.fixture
def events(company: Company, other_company: Company) -> None:
    _event(
        "candidacy.view",
        company.reviewer,
        company,
        datetime(2026, 3, 1, 9, tzinfo=UTC),
        page="review",
    )
    _event("review.submit", company.reviewer, company, datetime(2026, 3, 2, 23, 59, tzinfo=UTC))
    _event(
        "decision.record",
        company.manager,
        company,
        datetime(2026, 3, 5, 10, tzinfo=UTC),
        outcome="offer",
    )
    _event(
        "candidacy.view",
        other_company.reviewer,
        other_company,
        datetime(2026, 3, 2, tzinfo=UTC),
        page="secret-rival",
    )


def test_admins_see_their_organizations_log_only(
    company: Company, other_company: Company, events: None, login: Login
) -> None:
    response = login(company.admin).get("/audit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "decision.record" in text and "review.submit" in text
    assert "secret-rival" not in text and other_company.reviewer.email not in text
    # opening the log is itself recorded
    seen = AuditEvent.objects.filter(action="audit.view", actor=company.admin).get()
    assert (seen.organization, seen.details, seen.ip) == (company.org, {}, "127.0.0.1")
    # another organization's log, asked for by id: not found, as if it did not exist
    client = login(company.admin)
    assert client.get(f"/audit/?org={other_company.org.pk}").status_code == 404
    assert client.get("/audit/?org=x").status_code == 404
    # an admin of both chooses between them
    do_add_member(other_company.org, company.admin, "admin", actor=other_company.admin)
    rival = client.get(f"/audit/?org={other_company.org.pk}").content.decode()
    assert "secret-rival" in rival and "Audit log · Globex" in rival
    assert f'<a href="?org={company.org.pk}">Acme</a>' in rival


@pytest.mark.parametrize("role", ["manager", "reviewer"])
def test_only_admins_open_it(company: Company, login: Login, role: str) -> None:
    client = login(getattr(company, role))
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_filters(company: Company, events: None, login: Login) -> None:
    client = login(company.admin)
    by_action = client.get("/audit/?action=candidacy.view").content.decode()
    assert "page=review" in by_action and "review.submit</code>" not in by_action
    by_actor = client.get("/audit/?actor=MANAGER@acme").content.decode()
    assert "decision.record</code>" in by_actor and "candidacy.view</code>" not in by_actor
    # both ends of the date range are whole UTC days, included
    by_date = client.get("/audit/?since=2026-03-01&until=2026-03-02").content.decode()
    assert "candidacy.view</code>" in by_date and "review.submit</code>" in by_date
    assert "decision.record</code>" not in by_date
    backwards = client.get("/audit/?since=2026-03-05&until=2026-03-01")
    assert backwards.status_code == 200
    assert "the end 2026-03-01 is before the start 2026-03-05" in backwards.content.decode()
    bad = client.get("/audit/?since=yesterday").content.decode()
    assert "Enter a valid date." in bad and "decision.record</code>" in bad
    used = AuditEvent.objects.filter(action="audit.view").order_by("id").first()
    assert used is not None and used.details == {"filters": {"action": "candidacy.view"}}


def test_csv_export(company: Company, events: None, login: Login) -> None:
    record(
        "candidacy.invite", actor=company.manager, organization=company.org, email="=HYPERLINK()"
    )
    response = login(company.admin).get("/audit/export.csv?since=2026-03-02")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-acme-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "actor", "action", "target", "ip", "details"]
    actions = [r[2] for r in rows[1:]]
    assert "review.submit" in actions and "decision.record" in actions
    assert "candidacy.view" not in actions  # before the start date
    invite = next(r for r in rows[1:] if r[2] == "candidacy.invite")
    assert invite[5] == '{"email": "=HYPERLINK()"}'  # inside JSON: not a formula
    decision = next(r for r in rows[1:] if r[2] == "decision.record")
    assert (decision[0], decision[1]) == ("2026-03-05T10:00:00+00:00", "manager@acme.test")
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.actor == company.admin and exported.details == {
        "filters": {"since": "2026-03-02"}
    }


def test_formula_cells_are_defused(company: Company, login: Login) -> None:
    record("=cmd|calc", actor=company.manager, organization=company.org)
    response = login(company.admin).get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[2] for r in rows[1:] if "calc" in r[2]] == ["'=cmd|calc"]


def test_list_is_paged_with_a_fixed_number_of_queries(
    company: Company, login: Login, django_assert_max_num_queries: object
) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=company.reviewer, organization=company.org, action="candidacy.view")
        for _ in range(250)
    )
    client = login(company.admin)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = client.get("/audit/?action=candidacy.view")
    text = response.content.decode()
    assert text.count("candidacy.view</code>") == 100 and "page 1 of 3" in text
    assert "250 rows" in text
    last = client.get("/audit/?action=candidacy.view&page=3").content.decode()
    assert "page 3 of 3" in last and last.count("candidacy.view</code>") == 50
