"""The candidate portal: joining a trial from an invitation link, then the candidate's own
pages of one candidacy (brief and downloads, questions, progress updates, feedback, data
requests). Submissions have their own views in :mod:`worktrial.web.submissions.views`.

Every candidacy page reads through :func:`access_own_candidacy` (anyone else, staff of the
company included, gets a 404), every write goes through one trials action, and every page that
shows the candidacy's data writes an audit row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from markdown_it import MarkdownIt

from worktrial.errors import InvitationError, PlatformError
from worktrial.web.accounts.models import User
from worktrial.web.audit.actions import record
from worktrial.web.portal import kit
from worktrial.web.portal.export import write_export
from worktrial.web.portal.forms import (
    DataRequestForm,
    JoinForm,
    QuestionForm,
    ResponseForm,
    UpdateForm,
    show_refusal,
)
from worktrial.web.trials import actions
from worktrial.web.trials.access import access_own_candidacy
from worktrial.web.trials.models import Candidacy

# The brief is company input: Markdown without raw HTML (it is shown escaped), tables allowed.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_brief(text: str) -> str:
    """The brief as HTML: CommonMark with raw HTML escaped and unsafe link schemes dropped."""
    return _markdown.render(text)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("not found") from None


def _viewed(request: HttpRequest, candidacy: Candidacy, page: str) -> None:
    record(
        "candidacy.view",
        actor=request.user,
        organization=candidacy.trial.organization,
        target=candidacy,
        page=page,
    )


def _page(
    request: HttpRequest,
    template: str,
    candidacy: Candidacy,
    tab: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    base = {"candidacy": candidacy, "trial": candidacy.trial, "tab": tab, "title": tab.title()}
    return render(request, template, {**base, **context}, status=status)


# --------------------------------------------------------------------------- joining


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Join a trial from an invitation link: create an account for the invited address, or
    accept in one click when logged in as that address.

    An unknown, used or expired link is refused with the invitation's message (410) by the
    error middleware, before anything is read from the form or changed.
    """
    invitation = actions.invitation_for(token)
    candidacy = invitation.candidacy
    user = request.user
    if user.is_authenticated:
        mode = "accept" if user.email.lower() == candidacy.email.lower() else "other"
    elif User.objects.filter(email__iexact=candidacy.email).exists():
        mode = "login"
    else:
        mode = "create"
    form = JoinForm(request.POST or None, initial={"name": candidacy.name})
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if mode == "accept":
                joined = actions.do_accept_invitation(token, user=user)
                return _joined(request, joined)
            if mode == "create" and form.is_valid():
                joined = actions.do_accept_invitation(
                    token, password=form.cleaned_data["password"], name=form.cleaned_data["name"]
                )
                return _joined(request, joined)
        except InvitationError:
            raise  # lost a race for the link: the middleware's 410 page
        except PlatformError as err:
            show_refusal(form, err, {"password": "password"})
            status = err.http_status
        if mode in ("other", "login"):
            status = 409
    context = {
        "candidacy": candidacy,
        "trial": candidacy.trial,
        "company": candidacy.trial.organization,
        "invitation": invitation,
        "mode": mode,
        "form": form,
        "title": f"Join {candidacy.trial.title}",
    }
    return render(request, "portal/join.html", context, status=status)


def _joined(request: HttpRequest, candidacy: Candidacy) -> HttpResponse:
    if not request.user.is_authenticated:
        login(request, candidacy.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, f"You joined “{candidacy.trial.title}”. Welcome!")
    return redirect("portal:candidacy", candidacy.pk)


# --------------------------------------------------------------------------- the candidacy


@login_required
@require_GET
def candidacy(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The candidacy's home: the brief, the dates, compensation, checkpoints, downloads and
    how to work with the command line."""
    cand = access_own_candidacy(request.user, candidacy_id)
    trial = cand.trial
    now = timezone.now()
    checkpoints = [
        {"checkpoint": cp, "at": cand.starts_at + timedelta(days=cp.day)}
        for cp in trial.checkpoints.all()
    ]
    _viewed(request, cand, "overview")
    return _page(
        request,
        "portal/candidacy.html",
        cand,
        "overview",
        {
            "title": trial.title,
            "brief_html": render_brief(trial.brief),
            "now": now,
            "started": cand.starts_at <= now,
            "deadline_passed": cand.deadline <= now,
            "checkpoints": checkpoints,
            "files": kit.public_files(trial),
            "server": request.build_absolute_uri("/").rstrip("/"),
        },
    )


@login_required
@require_GET
def kit_download(request: HttpRequest, candidacy_id: int) -> FileResponse:
    """The candidate kit (brief + starter repository with the public data) as a zip."""
    cand = access_own_candidacy(request.user, candidacy_id)
    path = kit.kit_zip(cand.trial)
    record(
        "candidacy.download",
        actor=request.user,
        organization=cand.trial.organization,
        target=cand,
        file="kit",
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=kit.kit_name(cand.trial))


@login_required
@require_GET
def data_file(request: HttpRequest, candidacy_id: int, index: int) -> FileResponse:
    """One public data file of the trial (hidden files are not in the list it indexes)."""
    cand = access_own_candidacy(request.user, candidacy_id)
    path, name = kit.public_file(cand.trial, index)
    record(
        "candidacy.download",
        actor=request.user,
        organization=cand.trial.organization,
        target=cand,
        file=name,
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=name.rsplit("/", 1)[-1])


@login_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """Ask a clarifying question; see the questions asked and their answers."""
    cand = access_own_candidacy(request.user, candidacy_id)
    form = QuestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_ask_question(cand, form.cleaned_data["text"], actor=request.user)
            except PlatformError as err:
                show_refusal(form, err, {"question": "text"})
                status = err.http_status
            else:
                messages.success(request, "Your question was sent to the company.")
                return redirect("portal:questions", cand.pk)
    else:
        _viewed(request, cand, "questions")
    rows = cand.questions.all()
    return _page(
        request,
        "portal/questions.html",
        cand,
        "questions",
        {"form": form, "rows": rows},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def updates(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """Post a progress update (done, next, blockers); see the updates posted."""
    cand = access_own_candidacy(request.user, candidacy_id)
    form = UpdateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_post_update(cand, actor=request.user, **form.cleaned_data)
            except PlatformError as err:
                show_refusal(form, err, {k: k for k in ("done", "next", "blockers")})
                status = err.http_status
            else:
                messages.success(request, "Your update was posted.")
                return redirect("portal:updates", cand.pk)
    else:
        _viewed(request, cand, "updates")
    rows = cand.updates.order_by("-at", "-id")
    return _page(
        request, "portal/updates.html", cand, "updates", {"form": form, "rows": rows}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The feedback received (opening the page marks it received) and a response form for each."""
    cand = access_own_candidacy(request.user, candidacy_id)
    rows = list(cand.feedback.select_related("checkpoint"))
    forms = {f.pk: ResponseForm(prefix=f"fb{f.pk}", initial={"response": f.response}) for f in rows}
    status = 200
    if request.method == "POST":
        item = next((f for f in rows if f.pk == _int(request.POST.get("feedback"))), None)
        if item is None:
            raise Http404("not found")
        form = ResponseForm(request.POST, prefix=f"fb{item.pk}")
        forms[item.pk] = form
        status = 400
        if form.is_valid():
            try:
                actions.do_respond_to_feedback(
                    item, form.cleaned_data["response"], actor=request.user
                )
            except PlatformError as err:
                show_refusal(form, err, {"response": "response"})
                status = err.http_status
            else:
                messages.success(request, "Your response was sent.")
                return redirect("portal:feedback", cand.pk)
    else:
        for item in rows:
            if item.received_at is None:
                actions.do_mark_feedback_received(item, actor=request.user)
        _viewed(request, cand, "feedback")
    items = [{"feedback": f, "form": forms[f.pk]} for f in rows]
    return _page(request, "portal/feedback.html", cand, "feedback", {"items": items}, status=status)


# --------------------------------------------------------------------------- their data


@login_required
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """Ask for an export or the erasure of one's data; download the export."""
    cand = access_own_candidacy(request.user, candidacy_id)
    if request.method == "POST":
        form = DataRequestForm(request.POST)
        if not form.is_valid():
            return _page(
                request, "portal/privacy.html", cand, "your data", {"form": form}, status=400
            )
        kind = form.cleaned_data["kind"]
        actions.do_request_data(cand, kind, actor=request.user)
        messages.success(
            request,
            "Your export is ready below."
            if kind == "export"
            else f"Your request to erase your data was sent to {cand.trial.organization}.",
        )
        return redirect("portal:privacy", cand.pk)
    _viewed(request, cand, "data")
    return _page(request, "portal/privacy.html", cand, "your data", {"form": DataRequestForm()})


@login_required
@require_GET
def export_download(request: HttpRequest, candidacy_id: int) -> FileResponse:
    """The candidate's data as a zip, once they asked for an export."""
    cand = access_own_candidacy(request.user, candidacy_id)
    if cand.export_requested_at is None:
        raise Http404("not found")
    now = timezone.now()
    handle = write_export(cand, now)
    record(
        "candidacy.export_download",
        actor=request.user,
        organization=cand.trial.organization,
        target=cand,
    )
    return FileResponse(
        handle, as_attachment=True, filename=f"worktrial-data-{now:%Y%m%d-%H%M}.zip"
    )
