"""A candidate's submissions on the web: the upload form, the list with each evaluation's live
status (an htmx fragment polled while anything is queued or running; a plain reload shows the
same), and the scorecard when the company shares it.

Uploads are streamed to a temporary file and capped: a request whose Content-Length is over
``WORKTRIAL_MAX_UPLOAD_BYTES`` is refused before its body is read, and the upload handler stops
reading a file that grows past the cap whatever the request declared. The bundle itself is then
checked by :func:`~worktrial.web.submissions.actions.do_submit`; a refusal is shown in the form
and nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from worktrial.errors import IntakeError, WorktrialError
from worktrial.repo._intake import size_text
from worktrial.web.audit.actions import record
from worktrial.web.jobs.models import Evaluation, EvaluationStatus
from worktrial.web.submissions.actions import do_submit, quota_left
from worktrial.web.submissions.forms import (
    CappedUploadHandler,
    UploadForm,
    declared_too_large,
)
from worktrial.web.submissions.models import Submission
from worktrial.web.trials.access import access_own_candidacy
from worktrial.web.trials.models import Candidacy

LIVE = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)
POLL_SECONDS = 3


@dataclass(frozen=True, slots=True)
class Row:
    """A submission and its latest evaluation (``None`` before one is queued)."""

    submission: Submission
    evaluation: Evaluation | None

    @property
    def live(self) -> bool:
        return self.evaluation is not None and self.evaluation.status in LIVE


def _rows(candidacy: Candidacy) -> list[Row]:
    """Newest first, two queries whatever the number of submissions; the scorecards and logs
    (large) are not loaded."""
    evaluations = Evaluation.objects.defer("scorecard", "log").order_by("-queued_at", "-id")
    submissions = candidacy.submissions.order_by("-number").prefetch_related(
        Prefetch("evaluations", queryset=evaluations)
    )
    return [Row(s, next(iter(s.evaluations.all()), None)) for s in submissions]


def _status_context(candidacy: Candidacy) -> dict[str, Any]:
    rows = _rows(candidacy)
    trial = candidacy.trial
    return {
        "candidacy": candidacy,
        "trial": trial,
        "rows": rows,
        "live": any(r.live for r in rows),
        "poll_seconds": POLL_SECONDS,
        "quota": quota_left(candidacy),
        "metric": trial.spec.get("primary_metric", {}).get("name", "score"),
        "shared": trial.share_scorecard_with_candidates,
    }


def _page(
    request: HttpRequest,
    candidacy: Candidacy,
    form: UploadForm,
    *,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    """The submissions page; ``refusal`` is an upload refused before the form could read it."""
    context = {
        **_status_context(candidacy),
        "form": form,
        "refusal": refusal,
        "tab": "submissions",
        "title": "Submissions",
        "max_upload": size_text(settings.WORKTRIAL_MAX_UPLOAD_BYTES),
    }
    return render(request, "submissions/list.html", context, status=status)


def _viewed(request: HttpRequest, candidacy: Candidacy) -> None:
    record(
        "candidacy.view",
        actor=request.user,
        organization=candidacy.trial.organization,
        target=candidacy,
        page="submissions",
    )


# CSRF is checked by ``_upload`` (csrf_protect) after the size checks below: the CSRF check
# reads the whole body, and the upload handler has to be in place before that happens.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def candidate_submissions(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The candidate's submissions with their live status, and the upload form."""
    candidacy = access_own_candidacy(request.user, candidacy_id)
    if request.method != "POST":
        _viewed(request, candidacy)
        return _page(request, candidacy, UploadForm())
    limit = settings.WORKTRIAL_MAX_UPLOAD_BYTES
    refusal = declared_too_large(request, limit)
    if refusal is None:
        request.upload_handlers = [CappedUploadHandler(request, limit)]
        try:
            return _upload(request, candidacy)
        except IntakeError as err:  # raised by the handler while the body streams in
            refusal = err.message
    return _page(request, candidacy, UploadForm(), status=413, refusal=refusal)


@csrf_protect
def _upload(request: HttpRequest, candidacy: Candidacy) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, candidacy, form, status=400)
    upload = form.cleaned_data["bundle"]
    try:
        submission = do_submit(
            candidacy,
            Path(upload.temporary_file_path()),
            name=upload.name,
            actor=request.user,
            via="web",
        )
    except WorktrialError as err:  # IntakeError 400, QuotaExceededError 429, StateError 409
        form.add_error("bundle", err.message)
        return _page(request, candidacy, form, status=err.http_status)
    finally:
        upload.close()  # the temporary file goes with it
    messages.success(
        request,
        f"Submission {submission.number} was received (commit {submission.commit[:12]}); "
        "its evaluation is queued.",
    )
    return redirect("submissions:mine", candidacy.pk)


@login_required
@require_GET
def status(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The live status fragment for htmx polling; without ``HX-Request`` the whole page, so the
    address works in any browser."""
    candidacy = access_own_candidacy(request.user, candidacy_id)
    if not getattr(request, "htmx", False):
        _viewed(request, candidacy)
        return _page(request, candidacy, UploadForm())
    return render(request, "submissions/_status.html", _status_context(candidacy))


@login_required
@require_GET
def own_scorecard(request: HttpRequest, candidacy_id: int, number: int) -> HttpResponse:
    """The scorecard of one of the candidate's submissions, rendered by the engine; only when
    the trial shares scorecards with candidates (404 otherwise, and before evaluation)."""
    from worktrial.report import parse_scorecard, render_html

    candidacy = access_own_candidacy(request.user, candidacy_id)
    if not candidacy.trial.share_scorecard_with_candidates:
        raise Http404("not found")
    evaluation = (
        Evaluation.objects.filter(
            submission__candidacy=candidacy,
            submission__number=number,
            status=EvaluationStatus.DONE,
            scorecard__isnull=False,
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    if evaluation is None:
        raise Http404("not found")
    card = parse_scorecard(json.dumps(evaluation.scorecard), source=f"submission {number}")
    record(
        "candidacy.view",
        actor=request.user,
        organization=candidacy.trial.organization,
        target=candidacy,
        page="scorecard",
        evaluation=evaluation.pk,
    )
    return HttpResponse(render_html(card))
