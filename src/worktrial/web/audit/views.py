"""The audit log for an organization's admins: filter by action, actor and date, export as CSV.

Only admins of the organization see it; every other person gets a 404. Opening the log and
exporting it are themselves audited (``audit.view``, ``audit.export``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from worktrial.web.accounts.access import staff_membership
from worktrial.web.accounts.models import Membership, Organization, Role
from worktrial.web.audit.actions import record
from worktrial.web.audit.models import AuditEvent
from worktrial.web.spreadsheet import safe_cell

PAGE_SIZE = 100
CSV_COLUMNS = ("at", "actor", "action", "target", "ip", "details")


# a spreadsheet runs a cell that starts with one of these as a formula
class AuditFilter(forms.Form):
    """The filters, all optional; dates are UTC days, both ends included."""

    action = forms.CharField(required=False, max_length=60)
    actor = forms.CharField(
        required=False, max_length=254, help_text="An e-mail address or part of one."
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error(
                "until", f"the end {until:%Y-%m-%d} is before the start {since:%Y-%m-%d}"
            )
        return data

    def apply(self, rows: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """``rows`` narrowed by the valid filters (an invalid one is ignored and shown)."""
        self.is_valid()  # runs the cleaning once; the valid fields stay in cleaned_data
        data = self.cleaned_data
        if data.get("action"):
            rows = rows.filter(action=data["action"])
        if data.get("actor"):
            rows = rows.filter(actor__email__icontains=data["actor"].strip())
        if data.get("since"):
            rows = rows.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=UTC))
        if data.get("until"):
            end = datetime.combine(data["until"], time.min, tzinfo=UTC) + timedelta(days=1)
            rows = rows.filter(at__lt=end)
        return rows

    def used(self) -> dict[str, Any]:
        """The filters in use, as details of the audit row of the view itself."""
        self.is_valid()
        used = {k: str(v) for k, v in self.cleaned_data.items() if v}
        return {"filters": used} if used else {}


def _admin_org(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    """The organization whose log is asked for (``?org=<id>``, else the first one the user
    administers) and every organization they administer.

    Raises:
        Http404: the user administers no organization, or not the one asked for.
    """
    memberships = list(
        Membership.objects.filter(user=request.user, role=Role.ADMIN)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    if not memberships:
        raise Http404("not found")
    orgs = [m.organization for m in memberships]
    wanted = request.GET.get("org", "")
    if not wanted:
        return orgs[0], orgs
    if not wanted.isdigit():
        raise Http404("not found")
    return staff_membership(request.user, int(wanted), ["admin"]).organization, orgs


def _rows(org: Organization, filters: AuditFilter) -> QuerySet[AuditEvent]:
    return filters.apply(AuditEvent.objects.filter(organization=org)).select_related("actor")


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The organization's audit log, newest first, a page of :data:`PAGE_SIZE` rows at a time."""
    org, orgs = _admin_org(request)
    filters = AuditFilter(request.GET)
    filters.is_valid()
    record(
        "audit.view",
        actor=request.user,
        organization=org,
        ip=request.META.get("REMOTE_ADDR") or None,
        **filters.used(),
    )
    page = Paginator(_rows(org, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    actions = list(
        AuditEvent.objects.filter(organization=org)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "org": org,
            "orgs": orgs,
            "filters": filters,
            "page": page,
            "actions": actions,
            "query": query.urlencode(),
            "title": f"Audit log · {org.name}",
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.isoformat(),
                safe_cell(event.actor.email if event.actor is not None else ""),
                safe_cell(event.action),
                safe_cell(event.target),
                event.ip or "",
                safe_cell(json.dumps(event.details, sort_keys=True, default=str)),
            ]
        )


@login_required
@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV (every matching row, streamed; cells that a spreadsheet would
    run as formulas are quoted with a leading apostrophe)."""
    org, _ = _admin_org(request)
    filters = AuditFilter(request.GET)
    filters.is_valid()
    record(
        "audit.export",
        actor=request.user,
        organization=org,
        ip=request.META.get("REMOTE_ADDR") or None,
        **filters.used(),
    )
    response = StreamingHttpResponse(
        _csv_lines(_rows(org, filters)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{org.slug}-{stamp}.csv"'
    return response
