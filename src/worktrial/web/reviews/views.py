"""The review pages: a reviewer's queue, the blind review page (evidence left, rating form right),
the evidence and its files, the manager's page per candidacy (reviewers, agreement, the
disagreement flag, the decision) and the review board.

Every page that shows candidate data writes an audit row (``candidacy.view`` or ``*.list``);
every change goes through :mod:`worktrial.web.reviews.actions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from worktrial.errors import PlatformError
from worktrial.rubric import DIMENSION_TITLES, DIMENSIONS
from worktrial.web.accounts.models import Organization, User
from worktrial.web.audit.actions import record
from worktrial.web.reviews import actions
from worktrial.web.reviews.access import (
    ReviewView,
    access_review,
    eligible_reviewers,
    managed_org_ids,
    my_reviews,
)
from worktrial.web.reviews.agreement import agreement, disagreement
from worktrial.web.reviews.evidence import Evidence, evidence_for, list_files, read_file
from worktrial.web.reviews.forms import RATING_CHOICES, AssignForm, DecisionForm, ReviewForm
from worktrial.web.reviews.models import Decision, Review
from worktrial.web.trials.access import StaffView, access_candidacy
from worktrial.web.trials.models import Candidacy, Stage

BOARD_LIMIT = 500  # rows on the review board; filter by trial for more


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _viewed(request: HttpRequest, candidacy: Candidacy, page: str, **details: Any) -> None:
    record(
        "candidacy.view",
        actor=request.user,
        organization=candidacy.trial.organization,
        target=candidacy,
        ip=_ip(request),
        page=page,
        **details,
    )


def _listed(request: HttpRequest, action: str, orgs: dict[int, Organization], count: int) -> None:
    for org in orgs.values():
        record(action, actor=request.user, organization=org, ip=_ip(request), count=count)


# --------------------------------------------------------------------------- evidence


def _comms(candidacy: Candidacy, evidence: Evidence) -> dict[str, Any]:
    """The candidate's progress updates and questions up to the evaluated submission, blinded."""
    blind = evidence.blinder
    until = evidence.submission.uploaded_at if evidence.submission is not None else None
    updates = candidacy.updates.all()
    questions = candidacy.questions.all()
    if until is not None:
        updates, questions = updates.filter(at__lte=until), questions.filter(asked_at__lte=until)
    return {
        "updates": [
            {
                "at": u.at,
                "done": blind(u.done),
                "next": blind(u.next),
                "blockers": blind(u.blockers),
            }
            for u in updates
        ],
        "questions": [
            {
                "at": q.asked_at,
                "text": blind(q.text),
                "answer": q.answer,
                "answered_at": q.answered_at,
            }
            for q in questions
        ],
    }


def _evidence_context(candidacy: Candidacy, staff: StaffView) -> dict[str, Any]:
    evidence = evidence_for(candidacy, identity_visible=staff.identity_visible)
    submission = evidence.submission
    return {
        "evidence": evidence,
        "card": evidence.scorecard,
        "files": list_files(submission, evidence.blinder) if submission is not None else None,
        "file_url": reverse("reviews:file", args=[candidacy.pk]),
        **_comms(candidacy, evidence),
    }


@login_required
@require_GET
def evidence_page(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """The evidence of one candidacy on its own page (blind for a reviewer who has not
    submitted)."""
    staff = access_candidacy(request.user, candidacy_id)
    candidacy = staff.candidacy
    context = _evidence_context(candidacy, staff)
    _viewed(request, candidacy, "evidence")
    return render(
        request,
        "reviews/evidence.html",
        {
            "candidacy": candidacy,
            "staff": staff,
            "title": f"Evidence · {candidacy.alias}",
            **context,
        },
    )


@login_required
@require_GET
def file_page(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """One file of the evaluated submission at its pinned commit, as text."""
    staff = access_candidacy(request.user, candidacy_id)
    candidacy = staff.candidacy
    path = request.GET.get("path", "")
    evidence = evidence_for(candidacy, identity_visible=staff.identity_visible)
    submission = evidence.submission
    shown = (
        read_file(submission, path, evidence.blinder) if submission is not None and path else None
    )
    if shown is None:
        raise Http404("not found")
    _viewed(request, candidacy, "file", path=shown.path, submission=submission.number)  # type: ignore[union-attr]
    return render(
        request,
        "reviews/file.html",
        {
            "candidacy": candidacy,
            "staff": staff,
            "submission": submission,
            "file": shown,
            "title": f"{shown.path} · {candidacy.alias}",
        },
    )


# --------------------------------------------------------------------------- reviewer


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A reviewer's queue: assigned (not started), drafts, submitted."""
    reviews = list(my_reviews(request.user))
    groups: dict[str, list[Review]] = {"assigned": [], "draft": [], "submitted": []}
    for review in reviews:
        if review.submitted_at is not None:
            groups["submitted"].append(review)
        elif review.ratings or review.comments or review.recommendation or review.summary:
            groups["draft"].append(review)
        else:
            groups["assigned"].append(review)
    orgs = {r.candidacy.trial.organization_id: r.candidacy.trial.organization for r in reviews}
    _listed(request, "review.list", orgs, len(reviews))
    return render(
        request,
        "reviews/mine.html",
        {"groups": groups, "total": len(reviews), "title": "My reviews"},
    )


def _dimension_rows(form: ReviewForm | None, review: Review, evidence: Evidence) -> list[dict]:
    card = evidence.scorecard
    cards = {d.id: d for d in card.dimensions} if card is not None else {}
    rows = []
    for dimension in DIMENSIONS:
        dc = cards.get(dimension)
        rows.append(
            {
                "id": dimension,
                "title": DIMENSION_TITLES[dimension],
                "question": dc.question if dc is not None else "",
                "automated": dc.score if dc is not None else None,
                "confidence": dc.confidence if dc is not None else None,
                "rating": form[f"rating_{dimension}"] if form is not None else None,
                "comment": form[f"comment_{dimension}"] if form is not None else None,
                "given": review.ratings.get(dimension),
                "said": review.comments.get(dimension, ""),
            }
        )
    return rows


def _review_context(
    request: HttpRequest, rv: ReviewView, form: ReviewForm | None
) -> dict[str, Any]:
    review, candidacy = rv.review, rv.candidacy
    editable = rv.is_own and review.submitted_at is None
    if editable and form is None:
        form = ReviewForm(initial=ReviewForm.initial_for(review))
    context = _evidence_context(candidacy, rv.staff)
    evidence: Evidence = context["evidence"]
    anchors = ""
    if evidence.scorecard is not None and evidence.scorecard.dimensions:
        anchors = evidence.scorecard.dimensions[0].anchors
    side_by_side = None
    if rv.others_visible:
        everyone = list(candidacy.reviews.select_related("reviewer"))
        side_by_side = agreement(everyone, evidence.automated())
    return {
        **context,
        "rv": rv,
        "review": review,
        "candidacy": candidacy,
        "staff": rv.staff,
        "form": form if editable else None,
        "editable": editable,
        "content_visible": rv.is_own or review.submitted_at is not None,
        "rows": _dimension_rows(form if editable else None, review, evidence),
        "rating_choices": RATING_CHOICES,
        "anchors": anchors,
        "side_by_side": side_by_side,
        "title": f"Review · {candidacy.alias}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    """The review page. POST saves a draft (``op=save``, the default; htmx gets the form back
    without a reload) or submits (``op=submit``)."""
    rv = access_review(request.user, review_id)
    form: ReviewForm | None = None
    if request.method == "POST":
        if not rv.is_own:
            raise PermissionDenied("only the assigned reviewer can write this review")
        submit = request.POST.get("op") == "submit"
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                if submit:
                    actions.do_submit_review(rv.review, actor=request.user, **form.content())
                else:
                    saved = actions.do_save_review(rv.review, actor=request.user, **form.content())
            except PlatformError as err:
                problems = err.fields.get("problems")
                field = err.fields.get("key")
                if isinstance(problems, dict):
                    for name, text in problems.items():
                        form.add_error(name, text)
                elif isinstance(field, str) and field in form.fields:
                    form.add_error(field, err.message)
                else:
                    raise
                form.add_error(None, err.message)
            else:
                if submit:
                    messages.success(
                        request, "Review submitted. The candidate and the other ratings are shown."
                    )
                    return redirect("reviews:review", review_id=rv.review.pk)
                if request.htmx:
                    rv = ReviewView(saved, rv.staff)
                    return render(
                        request,
                        "reviews/_form.html",
                        {**_form_context(rv, None), "saved_at": True},
                    )
                messages.success(request, "Draft saved.")
                return redirect("reviews:review", review_id=rv.review.pk)
        if request.htmx:
            return render(request, "reviews/_form.html", _form_context(rv, form))
    _viewed(request, rv.candidacy, "review", review=rv.review.pk)
    return render(request, "reviews/review.html", _review_context(request, rv, form))


def _form_context(rv: ReviewView, form: ReviewForm | None) -> dict[str, Any]:
    """What the form fragment needs, without the evidence (for htmx saves)."""
    review = rv.review
    if form is None:
        form = ReviewForm(initial=ReviewForm.initial_for(review))
    evidence = evidence_for(rv.candidacy, identity_visible=rv.identity_visible)
    return {
        "rv": rv,
        "review": review,
        "form": form,
        "editable": True,
        "rows": _dimension_rows(form, review, evidence),
        "rating_choices": RATING_CHOICES,
    }


# --------------------------------------------------------------------------- manager


def _managed(request: HttpRequest, candidacy_id: int) -> StaffView:
    staff = access_candidacy(request.user, candidacy_id)
    if not staff.can_manage:
        raise Http404("not found")
    return staff


def _assign_form(candidacy: Candidacy, data: Any = None) -> AssignForm:
    eligible = eligible_reviewers(candidacy)
    # reviewers first, as eligible_reviewers orders them ("reviewer" > "manager" > "admin")
    users = User.objects.filter(
        memberships__in=eligible.values("pk"),
    ).order_by("-memberships__role", "email")
    return AssignForm(data, reviewers=users)


def _candidacy_context(
    staff: StaffView,
    *,
    assign_form: AssignForm | None = None,
    decision_form: DecisionForm | None = None,
) -> dict[str, Any]:
    candidacy = staff.candidacy
    reviews = list(candidacy.reviews.select_related("reviewer", "assigned_by"))
    decisions = list(candidacy.decisions.select_related("decided_by"))
    evidence = evidence_for(candidacy, identity_visible=True)
    eligible = list(eligible_reviewers(candidacy))
    split = disagreement(reviews, assigned=len(reviews))
    return {
        "candidacy": candidacy,
        "staff": staff,
        "reviews": reviews,
        "submitted": sum(1 for r in reviews if r.submitted_at is not None),
        "decisions": decisions,
        "evidence": evidence,
        "side_by_side": agreement(reviews, evidence.automated()),
        "split": split,
        "suggested": eligible[0] if eligible else None,
        "assign_form": assign_form or _assign_form(candidacy),
        "decision_form": decision_form or DecisionForm(),
        "title": f"Reviews · {candidacy.alias}",
    }


@login_required
@require_GET
def candidacy_page(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    """A manager's page for one candidacy: reviewers, their reviews side by side, agreement,
    the disagreement flag, the decision form and the decision history."""
    staff = _managed(request, candidacy_id)
    _viewed(request, staff.candidacy, "reviews")
    return render(request, "reviews/candidacy.html", _candidacy_context(staff))


@login_required
@require_POST
def assign(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    staff = _managed(request, candidacy_id)
    candidacy = staff.candidacy
    form = _assign_form(candidacy, request.POST)
    if form.is_valid():
        reviewer = form.cleaned_data["reviewer"]
        actions.do_assign_reviewer(candidacy, reviewer, actor=request.user)
        messages.success(request, f"{reviewer.email} is assigned to review {candidacy.alias}.")
        return redirect("reviews:candidacy", candidacy_id=candidacy.pk)
    _viewed(request, candidacy, "reviews")
    return render(
        request, "reviews/candidacy.html", _candidacy_context(staff, assign_form=form), status=400
    )


@login_required
@require_POST
def decide(request: HttpRequest, candidacy_id: int) -> HttpResponse:
    staff = _managed(request, candidacy_id)
    candidacy = staff.candidacy
    form = DecisionForm(request.POST)
    if form.is_valid():
        decision = actions.do_decide(
            candidacy,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            rationale=form.cleaned_data["rationale"],
        )
        messages.success(request, f"Decision recorded: {decision.get_outcome_display().lower()}.")
        return redirect("reviews:candidacy", candidacy_id=candidacy.pk)
    _viewed(request, candidacy, "reviews")
    return render(
        request,
        "reviews/candidacy.html",
        _candidacy_context(staff, decision_form=form),
        status=400,
    )


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Candidacies in review across the organizations ``user`` manages: reviewers assigned and
    submitted, the disagreement flag and the latest decision. ``?needs=third`` lists only those
    that need a third reviewer; ``?trial=<id>`` one trial."""
    org_ids = managed_org_ids(request.user)
    if not org_ids:
        raise Http404("not found")
    rows = (
        Candidacy.objects.filter(trial__organization_id__in=org_ids)
        .filter(
            Q(stage__in=[Stage.SUBMITTED, Stage.IN_REVIEW, Stage.DECIDED])
            | Q(reviews__isnull=False)
        )
        .annotate(
            n_assigned=Count("reviews", distinct=True),
            n_submitted=Count(
                "reviews", filter=Q(reviews__submitted_at__isnull=False), distinct=True
            ),
        )
        .select_related("trial", "trial__organization")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(submitted_at__isnull=False),
                to_attr="submitted_reviews",
            ),
            Prefetch("decisions", queryset=Decision.objects.all(), to_attr="decision_list"),
        )
        .order_by("trial_id", "id")
    )
    trial = request.GET.get("trial", "")
    if trial.isdigit():
        rows = rows.filter(trial_id=int(trial))
    needs_third = request.GET.get("needs") == "third"
    if needs_third:
        rows = rows.filter(n_submitted__gte=2, n_assigned__lt=3)
    listed = []
    for c in rows[:BOARD_LIMIT]:
        split = disagreement(c.submitted_reviews, assigned=c.n_assigned)
        if needs_third and (split is None or not split.needs_reviewer):
            continue
        decision = c.decision_list[0] if c.decision_list else None
        listed.append({"candidacy": c, "split": split, "decision": decision})
    orgs = {r["candidacy"].trial.organization_id: r["candidacy"].trial.organization for r in listed}
    _listed(request, "candidacy.list", orgs, len(listed))
    return render(
        request,
        "reviews/board.html",
        {
            "rows": listed,
            "needs_third": needs_third,
            "limit": BOARD_LIMIT,
            "title": "Review board",
        },
    )
