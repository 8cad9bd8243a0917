"""The hiring team's pages for trials: the list, a new trial, the dashboard, the candidate
timeline, the scorecard, questions, checkpoints and the payments export.

Each view reads through the access helpers (404 for anything not visible), calls at most one
action, and renders. Pages that show a candidate's data write a ``candidacy.view`` (or
``trial.view``) audit row.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from worktrial.errors import IntakeError, PlatformError, ScorecardError, SpecError
from worktrial.report import Scorecard, parse_scorecard, render_html, render_markdown
from worktrial.web import storage
from worktrial.web.accounts.models import MANAGING_ROLES, Membership
from worktrial.web.audit.actions import record
from worktrial.web.jobs.models import Evaluation
from worktrial.web.spreadsheet import safe_cell
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import actions, dashboard
from worktrial.web.trials.access import (
    StaffView,
    access_candidacy,
    access_evaluation,
    access_trial,
    visible_candidacies,
    visible_trials,
)
from worktrial.web.trials.forms import (
    AnswerForm,
    FeedbackForm,
    InviteForm,
    PaymentForm,
    TemplateTrialForm,
    TrialEditForm,
    UploadTrialForm,
    add_action_error,
)
from worktrial.web.trials.models import Candidacy, Feedback, Question, Stage, Trial
from worktrial.web.trials.timeline import build_timeline

# The engine's scorecard HTML is self-contained (inline CSS and SVG, no script): it may load
# nothing, run nothing, submit nothing, and be framed only by our own pages.
SCORECARD_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
PENDING = ("queued", "running")


# --------------------------------------------------------------------------- helpers


def _managed_organizations(user: Any) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(user=user, role__in=MANAGING_ROLES)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    return [(m.organization_id, m.organization.name) for m in rows]


def _organization(user: Any, org_id: int) -> Any:
    membership = (
        Membership.objects.filter(user=user, role__in=MANAGING_ROLES, organization_id=org_id)
        .select_related("organization")
        .first()
    )
    if membership is None:  # the form's choices already refused it; a race with a removal
        raise Http404("not found")
    return membership.organization


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target.startswith("/trials/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _load_card(evaluation: Evaluation) -> tuple[Scorecard | None, str]:
    """The evaluation's scorecard, or why there is none to show."""
    if evaluation.status != "done" or evaluation.scorecard is None:
        return None, ""
    try:
        card = parse_scorecard(
            json.dumps(evaluation.scorecard), source=f"the scorecard of evaluation {evaluation.pk}"
        )
    except ScorecardError as err:
        return None, err.message
    return card, ""


def _download_name(candidacy: Candidacy, evaluation: Evaluation, suffix: str) -> str:
    alias = re.sub(r"[^A-Za-z0-9_-]+", "-", candidacy.alias)
    return f"scorecard-{alias}-submission-{evaluation.submission.number}.{suffix}"


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, private=True)
    return response


# --------------------------------------------------------------------------- trials


@login_required
@require_GET
def trial_list(request: HttpRequest) -> HttpResponse:
    """Every trial of the organizations the user works for, newest first."""
    roles = dict(
        Membership.objects.filter(user=request.user).values_list("organization_id", "role")
    )
    trials = list(
        visible_trials(request.user)
        .select_related("organization")
        .annotate(
            n_candidates=Count("candidacies"),
            n_in_review=Count("candidacies", filter=Q(candidacies__stage=Stage.IN_REVIEW)),
        )
    )
    for t in trials:
        t.can_manage = roles.get(t.organization_id) in MANAGING_ROLES
    can_create = any(role in MANAGING_ROLES for role in roles.values())
    return render(request, "trials/list.html", {"trials": trials, "can_create": can_create})


def _spool(upload: Any, folder: Path) -> Path:
    """Write an upload to a file of its own, chunk by chunk (never whole in memory)."""
    folder.mkdir(parents=True)
    path = folder / "archive"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@login_required
@require_http_methods(["GET", "POST"])
def trial_new(request: HttpRequest) -> HttpResponse:
    """A new draft trial from a built-in template or an uploaded bundle (managers, admins)."""
    from worktrial.spec import TEMPLATES

    organizations = _managed_organizations(request.user)
    if not organizations:
        raise Http404("not found")
    kind = request.POST.get("kind") if request.method == "POST" else None
    template_form = TemplateTrialForm(
        request.POST if kind == "template" else None, organizations=organizations
    )
    upload_form = UploadTrialForm(
        request.POST if kind == "upload" else None,
        request.FILES if kind == "upload" else None,
        organizations=organizations,
    )
    trial: Trial | None = None
    if kind == "template" and template_form.is_valid():
        org = _organization(request.user, template_form.cleaned_data["organization"])
        try:
            trial = actions.do_create_trial_from_template(
                org, template_form.cleaned_data["template"], actor=request.user
            )
        except SpecError as err:
            add_action_error(template_form, err)
    elif kind == "upload" and upload_form.is_valid():
        org = _organization(request.user, upload_form.cleaned_data["organization"])
        upload = upload_form.cleaned_data["archive"]
        name = PurePath(upload.name).name
        _, folder = storage.new_location("uploads")
        try:
            trial = actions.do_create_trial_from_upload(
                org, _spool(upload, folder), name=name, actor=request.user
            )
        except (SpecError, IntakeError) as err:
            add_action_error(upload_form, err, field="archive")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if trial is not None:
        messages.success(request, f"Created the draft trial “{trial.title}”.")
        return redirect("trials:dashboard", trial_id=trial.pk)
    templates = [(name, t.description) for name, t in TEMPLATES.items()]
    return render(
        request,
        "trials/new.html",
        {
            "template_form": template_form,
            "upload_form": upload_form,
            "templates": templates,
            "kind": kind,
        },
        status=400 if kind else 200,
    )


def _sort_header(
    request: HttpRequest, key: str, label: str, current: str, *, title: str = ""
) -> dict[str, str]:
    active = current.lstrip("-") == key
    descending = current.startswith("-")
    # the first click on a score sorts high to low; on a name or stage, a to z
    numeric = key not in ("alias", "name", "stage", "status", "payment")
    if active:
        target = key if descending else f"-{key}"
    else:
        target = f"-{key}" if numeric else key
    return {
        "key": key,
        "label": label,
        "title": title or label,
        "href": f"{request.path}?{urlencode({'sort': target})}",
        "aria": ("descending" if descending else "ascending") if active else "none",
        "arrow": ("▼" if descending else "▲") if active else "",
        "num": "num" if numeric else "",
    }


@login_required
@require_GET
def trial_dashboard(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Candidates by stage, scores side by side, charts; reviewers see their assigned
    candidates under their aliases only. The table shows one page of
    :data:`dashboard.PAGE_SIZE` candidates (``?page=``), sorted by the database (``?sort=``);
    the counts and charts cover every candidate, from aggregate queries."""
    trial, membership = access_trial(request.user, trial_id)
    identity = membership.can_manage
    candidacies = visible_candidacies(request.user, trial, membership)
    counts = dashboard.counts(candidacies)
    total = counts.total
    sort = dashboard.sort_key(request.GET.get("sort", ""), identity=identity)
    number = dashboard.page_number(request.GET.get("page"), total)
    page = dashboard.page_of(candidacies, sort, number, total)
    record(
        "trial.view",
        actor=request.user,
        organization=trial.organization,
        target=trial,
        candidates=total,
        page=number,
        identity=identity,
    )
    dims = dashboard.dimension_columns()
    headers = [_sort_header(request, "alias", "Candidate", sort)]
    if identity:
        headers.append(_sort_header(request, "name", "Name", sort))
    headers += [
        _sort_header(request, "stage", "Stage", sort),
        _sort_header(request, "status", "Evaluation", sort),
        _sort_header(request, "overall", "Overall", sort),
    ]
    headers += [_sort_header(request, d, d.capitalize(), sort, title=title) for d, title in dims]
    headers += [
        _sort_header(request, "red_flags", "Red flags", sort),
        _sort_header(request, "questions", "Open questions", sort),
    ]
    if identity:
        headers.append(_sort_header(request, "payment", "Payment", sort))

    def page_url(n: int) -> str:
        return f"{request.path}?{urlencode({'sort': sort, 'page': n})}"

    context = {
        "trial": trial,
        "membership": membership,
        "can_manage": identity,
        "page": page,
        "rows": page.rows,
        "table_rows": dashboard.table_rows(page.rows, identity=identity),
        "sort": sort,
        "headers": headers,
        "pending": page.pending,
        "poll_url": page_url(page.number),
        "previous_url": page_url(page.number - 1) if page.number > 1 else "",
        "next_url": page_url(page.number + 1) if page.number < page.pages else "",
    }
    if request.htmx and request.htmx.target == "candidates":
        return render(request, "trials/_candidates.html", context)
    scores = dashboard.scores(candidacies)
    context.update(
        {
            "stage_counts": counts.stages,
            "stage_chart": dashboard.stage_bars(counts.stages),
            "score_chart": scores.chart(),
            "scored": scores.scored,
            "strip_max": dashboard.STRIP_MAX,
            "open_questions": counts.open_questions,
            "invite_form": InviteForm(auto_id="invite_%s") if identity else None,
            "checkpoints": trial.checkpoints.count(),
        }
    )
    return render(request, "trials/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def trial_edit(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Edit what candidates read: the title, the brief, whether they see their scorecard."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    if request.method == "GET":
        return render(
            request, "trials/edit.html", {"trial": trial, "form": TrialEditForm.for_trial(trial)}
        )
    form = TrialEditForm(request.POST)
    if form.is_valid():
        try:
            actions.do_edit_trial(
                trial,
                actor=request.user,
                title=form.cleaned_data["title"],
                brief=form.cleaned_data["brief"],
                share_scorecard_with_candidates=form.cleaned_data[
                    "share_scorecard_with_candidates"
                ],
            )
        except PlatformError as err:
            add_action_error(form, err)
        else:
            messages.success(request, "Saved the trial.")
            return redirect("trials:dashboard", trial_id=trial.pk)
    return render(request, "trials/edit.html", {"trial": trial, "form": form}, status=400)


@login_required
@require_POST
def trial_publish(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Open a draft trial to its candidates (a trial in another state: the error page, 409)."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    actions.do_publish_trial(trial, actor=request.user)
    messages.success(request, "Published: invited candidates can start.")
    return redirect("trials:dashboard", trial_id=trial.pk)


@login_required
@require_POST
def trial_close(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Stop accepting submissions and new candidates."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    actions.do_close_trial(trial, actor=request.user)
    messages.success(request, "Closed: the trial takes no more submissions or candidates.")
    return redirect("trials:dashboard", trial_id=trial.pk)


@login_required
@require_http_methods(["GET", "POST"])
def trial_invite(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Invite a candidate; the invitation link is shown once, on the answer to the POST."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    if request.method == "GET":
        return render(request, "trials/invite.html", {"trial": trial, "form": InviteForm()})
    form = InviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            candidacy, raw = actions.do_invite_candidate(
                trial,
                data["email"],
                actor=request.user,
                name=data["name"],
                starts_at=data["starts_at"],
                deadline=data["deadline"],
            )
        except PlatformError as err:
            add_action_error(form, err)
        else:
            link = request.build_absolute_uri(f"/portal/join/{raw}/")
            expires_at = timezone.now() + timedelta(days=actions.INVITATION_DAYS)
            response = render(
                request,
                "trials/invite.html",
                {
                    "trial": trial,
                    "form": InviteForm(),
                    "invited": candidacy,
                    "link": link,
                    "expires_at": expires_at,
                },
            )
            return _no_store(response)
    return render(request, "trials/invite.html", {"trial": trial, "form": form}, status=400)


@login_required
@require_GET
def trial_checkpoints(request: HttpRequest, trial_id: int) -> HttpResponse:
    """The checkpoints, and for each visible candidate when feedback is due or was given."""
    trial, membership = access_trial(request.user, trial_id)
    checkpoints = list(trial.checkpoints.all())
    candidacies = list(visible_candidacies(request.user, trial, membership).order_by("alias"))
    given: dict[tuple[int, int], Any] = {}
    for cid, cpid, at in Feedback.objects.filter(
        candidacy__in=visible_candidacies(request.user, trial, membership),
        checkpoint__isnull=False,
    ).values_list("candidacy_id", "checkpoint_id", "given_at"):
        given.setdefault((cid, cpid), at)
    now = timezone.now()
    matrix = []
    for c in candidacies:
        cells = []
        for cp in checkpoints:
            due = c.starts_at + timedelta(days=cp.day)
            at = given.get((c.pk, cp.pk))
            state = "given" if at else ("due" if due <= now else "upcoming")
            cells.append({"state": state, "at": at or due})
        matrix.append((c, cells))
    record(
        "trial.view",
        actor=request.user,
        organization=trial.organization,
        target=trial,
        page="checkpoints",
    )
    return render(
        request,
        "trials/checkpoints.html",
        {
            "trial": trial,
            "checkpoints": checkpoints,
            "matrix": matrix,
            "can_manage": membership.can_manage,
        },
    )


@login_required
@require_GET
def trial_questions(request: HttpRequest, trial_id: int) -> HttpResponse:
    """The trial's unanswered questions, oldest first, each with an answer form."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    return _render_inbox(request, trial)


def _render_inbox(
    request: HttpRequest,
    trial: Trial,
    *,
    failed: tuple[int, AnswerForm] | None = None,
) -> HttpResponse:
    questions = list(
        Question.objects.filter(candidacy__trial=trial, answered_at__isnull=True)
        .select_related("candidacy")
        .order_by("asked_at", "pk")
    )
    answered = Question.objects.filter(candidacy__trial=trial, answered_at__isnull=False).count()
    forms = {q.pk: AnswerForm(auto_id=f"q{q.pk}_%s") for q in questions}
    if failed is not None:
        forms[failed[0]] = failed[1]
    for q in questions:
        q.form = forms[q.pk]
    record(
        "trial.view",
        actor=request.user,
        organization=trial.organization,
        target=trial,
        page="questions",
    )
    return render(
        request,
        "trials/questions.html",
        {"trial": trial, "questions": questions, "answered": answered},
        status=400 if failed else 200,
    )


@login_required
@require_GET
def trial_payments_csv(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Compensation and payment status of every candidate of the trial, as CSV."""
    trial, _ = access_trial(request.user, trial_id, manage=True)
    rows = list(Candidacy.objects.filter(trial=trial).order_by("alias"))
    record(
        "trial.payments_export",
        actor=request.user,
        organization=trial.organization,
        target=trial,
        rows=len(rows),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", trial.trial_id) or "trial"
    response["Content-Disposition"] = f'attachment; filename="payments-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["alias", "name", "email", "stage", "amount", "currency", "payment_status", "paid_at"]
    )
    for c in rows:
        writer.writerow(
            [
                safe_cell(c.alias),
                safe_cell(c.name),
                safe_cell(c.email),
                c.stage,
                f"{trial.compensation_amount:.2f}",
                trial.compensation_currency,
                c.payment_status,
                c.paid_at.isoformat() if c.paid_at else "",
            ]
        )
    return _no_store(response)


# --------------------------------------------------------------------------- candidacies


def _submissions(candidacy: Candidacy) -> list[Any]:
    newest_first = Evaluation.objects.order_by("-queued_at", "-pk").defer("scorecard", "log")
    return list(
        candidacy.submissions.order_by("number").prefetch_related(
            Prefetch("evaluations", queryset=newest_first)
        )
    )


def _repo_updates(submission: Submission) -> list[Any]:
    """The progress updates committed in the submitted repository (``worktrial update`` files
    and Markdown progress logs); none when the repository cannot be read."""
    from worktrial.errors import WorktrialError
    from worktrial.evidence.comms import RepoCommsSource
    from worktrial.repo import Repo, Snapshot
    from worktrial.web import storage

    try:
        repo = Repo(storage.resolve(submission.repo_dir), rev=submission.commit)
        return list(RepoCommsSource(Snapshot(repo)).load().updates)
    except (WorktrialError, OSError, ValueError):
        return []


def _blinder(view: StaffView, source: Evaluation | None) -> Any:
    """For a reviewer who may not see the identity yet: the review app's blinder (names and
    addresses of the candidate, their account and their commits' authors). None otherwise."""
    if view.identity_visible:
        return None
    from worktrial.web.reviews.evidence import blinder_for

    return blinder_for(
        view.candidacy,
        identity_visible=False,
        submission=source.submission if source is not None else None,
    )


def _render_candidacy(
    request: HttpRequest,
    view: StaffView,
    *,
    status: int = 200,
    answer: tuple[int, AnswerForm] | None = None,
    feedback_form: FeedbackForm | None = None,
    payment_form: PaymentForm | None = None,
) -> HttpResponse:
    c = view.candidacy
    trial = c.trial
    submissions = _submissions(c)
    source = (
        Evaluation.objects.filter(submission__candidacy=c, status="done", scorecard__isnull=False)
        .select_related("submission")
        .order_by("-submission__number", "-finished_at", "-pk")
        .first()
    )
    card, card_problem = _load_card(source) if source is not None else (None, "")
    questions = list(c.questions.select_related("answered_by"))
    updates = list(c.updates.all())
    feedback = list(c.feedback.select_related("checkpoint", "given_by"))
    checkpoints = list(trial.checkpoints.all())
    timeline = build_timeline(
        c,
        scorecard=card,
        source=source,
        submissions=submissions,
        updates=updates,
        questions=questions,
        feedback=feedback,
        checkpoints=checkpoints,
        repo_updates=_repo_updates(source.submission) if source is not None else (),
        blind=_blinder(view, source),
    )
    if view.can_manage:
        forms = {q.pk: AnswerForm(auto_id=f"q{q.pk}_%s") for q in questions}
        if answer is not None:
            forms[answer[0]] = answer[1]
        for q in questions:
            q.form = forms[q.pk]
    record(
        "candidacy.view",
        actor=request.user,
        organization=trial.organization,
        target=c,
        page="timeline",
        identity=view.identity_visible,
    )
    context = {
        "trial": trial,
        "c": c,
        "view": view,
        "timeline": timeline,
        "card": card,
        "card_problem": card_problem,
        "submissions": submissions,
        "pending": _pending(submissions),
        "questions": questions,
        "feedback": feedback,
        "checkpoints": checkpoints,
        "feedback_form": feedback_form or FeedbackForm(trial=trial, auto_id="fb_%s"),
        "payment_form": payment_form
        or PaymentForm(initial={"payment_status": c.payment_status}, auto_id="pay_%s"),
    }
    return render(request, "trials/candidacy.html", context, status=status)


def _pending(submissions: list[Any]) -> bool:
    return any(ev.status in PENDING for s in submissions for ev in list(s.evaluations.all())[:1])


@login_required
@require_GET
def candidacy_page(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The candidate timeline: everything they did on one axis, their questions, feedback,
    submissions and scorecards. Blind for a reviewer until their review is submitted."""
    return _render_candidacy(request, access_candidacy(request.user, candidacy_id))


@login_required
@require_GET
def candidacy_submissions(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The submissions table alone (htmx refreshes it while an evaluation runs)."""
    view = access_candidacy(request.user, candidacy_id)
    submissions = _submissions(view.candidacy)
    record(
        "candidacy.view",
        actor=request.user,
        organization=view.candidacy.trial.organization,
        target=view.candidacy,
        page="submissions",
    )
    return render(
        request,
        "trials/_submissions.html",
        {"c": view.candidacy, "submissions": submissions, "pending": _pending(submissions)},
    )


def _manage_candidacy(request: HttpRequest, candidacy_id: int) -> StaffView:
    view = access_candidacy(request.user, candidacy_id)
    if not view.can_manage:
        raise Http404("not found")
    return view


@login_required
@require_POST
def candidacy_answer(request: HttpRequest, candidacy_id: int, question_id: int) -> HttpResponse:
    """Answer (or correct the answer to) one of the candidate's questions."""
    view = _manage_candidacy(request, candidacy_id)
    question = view.candidacy.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404("not found")
    fallback = reverse("trials:candidacy", args=[view.candidacy.pk]) + f"#question-{question.pk}"
    target = _safe_next(request, fallback)
    form = AnswerForm(request.POST, auto_id=f"q{question.pk}_%s")
    if form.is_valid():
        try:
            actions.do_answer_question(question, form.cleaned_data["answer"], actor=request.user)
        except PlatformError as err:
            add_action_error(form, err)
        else:
            messages.success(request, f"Answered {view.candidacy.alias}'s question.")
            return redirect(target)
    if target.startswith(reverse("trials:questions", args=[view.candidacy.trial_id])):
        return _render_inbox(request, view.candidacy.trial, failed=(question.pk, form))
    return _render_candidacy(request, view, status=400, answer=(question.pk, form))


@login_required
@require_POST
def candidacy_feedback(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """Give the candidate checkpoint feedback."""
    view = _manage_candidacy(request, candidacy_id)
    form = FeedbackForm(request.POST, trial=view.candidacy.trial, auto_id="fb_%s")
    if form.is_valid():
        try:
            actions.do_give_feedback(
                view.candidacy,
                form.cleaned_data["text"],
                actor=request.user,
                checkpoint=form.cleaned_data["checkpoint"],
            )
        except PlatformError as err:
            add_action_error(form, err)
        else:
            messages.success(request, f"Sent feedback to {view.candidacy.alias}.")
            return redirect("trials:candidacy", candidacy_id=view.candidacy.pk)
    return _render_candidacy(request, view, status=400, feedback_form=form)


@login_required
@require_POST
def candidacy_payment(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """Record whether the candidate's compensation is due or paid."""
    view = _manage_candidacy(request, candidacy_id)
    form = PaymentForm(request.POST, auto_id="pay_%s")
    if form.is_valid():
        try:
            actions.do_set_payment_status(
                view.candidacy, form.cleaned_data["payment_status"], actor=request.user
            )
        except PlatformError as err:
            add_action_error(form, err)
        else:
            messages.success(request, "Saved the payment status.")
            return redirect("trials:candidacy", candidacy_id=view.candidacy.pk)
    return _render_candidacy(request, view, status=400, payment_form=form)


# --------------------------------------------------------------------------- scorecards


@login_required
@require_GET
def scorecard_page(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """One evaluation's scorecard in the platform's layout (the engine's HTML in a frame),
    with its downloads; a queued, running or failed evaluation says where it is and why."""
    evaluation, view = access_evaluation(request.user, evaluation_id)
    c = view.candidacy
    card, problem = _load_card(evaluation)
    record(
        "candidacy.view",
        actor=request.user,
        organization=c.trial.organization,
        target=c,
        page="scorecard",
        evaluation=evaluation.pk,
    )
    return render(
        request,
        "trials/scorecard.html",
        {
            "trial": c.trial,
            "c": c,
            "view": view,
            "evaluation": evaluation,
            "card": card,
            "problem": problem,
        },
    )


def _card_or_404(evaluation: Evaluation) -> Scorecard:
    card, _ = _load_card(evaluation)
    if card is None:
        raise Http404("no scorecard")
    return card


@login_required
@require_GET
@xframe_options_sameorigin
def scorecard_html(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The engine's standalone scorecard HTML, under a Content-Security-Policy that lets it
    load and run nothing."""
    evaluation, view = access_evaluation(request.user, evaluation_id)
    card = _card_or_404(evaluation)
    record(
        "candidacy.view",
        actor=request.user,
        organization=view.candidacy.trial.organization,
        target=view.candidacy,
        page="scorecard.html",
        evaluation=evaluation.pk,
    )
    response = HttpResponse(render_html(card), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = SCORECARD_CSP
    response["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


@login_required
@require_GET
def scorecard_download(request: HttpRequest, evaluation_id: int, fmt: str) -> HttpResponse:
    """The scorecard as Markdown (``md``) or as its JSON document (``json``)."""
    evaluation, view = access_evaluation(request.user, evaluation_id)
    card = _card_or_404(evaluation)
    record(
        "candidacy.view",
        actor=request.user,
        organization=view.candidacy.trial.organization,
        target=view.candidacy,
        page=f"scorecard.{fmt}",
        evaluation=evaluation.pk,
    )
    if fmt == "md":
        response = HttpResponse(render_markdown(card), content_type="text/markdown; charset=utf-8")
    else:
        response = HttpResponse(card.to_json(), content_type="application/json")
    name = _download_name(view.candidacy, evaluation, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)
