"""The API of trials: trials and candidacies for the company's staff, and the candidate's own
side (their candidacies, progress updates, questions and feedback).

Reads go through :mod:`worktrial.web.trials.access` and writes through
:mod:`worktrial.web.trials.actions`, so the API refuses exactly what the pages refuse: anything
not visible to the caller is a 404, whether it exists or not. Blind review holds here too: a
reviewer lists only the candidacies assigned to them, and sees a candidate's name and e-mail only
after submitting their own review.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from worktrial.web.accounts.access import staff_membership
from worktrial.web.accounts.models import MANAGING_ROLES, Organization
from worktrial.web.audit.actions import record
from worktrial.web.jobs.models import Evaluation
from worktrial.web.reviews.models import Review
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import actions
from worktrial.web.trials.access import (
    access_candidacy,
    access_own_candidacy,
    access_trial,
    own_candidacies,
    visible_candidacies,
    visible_trials,
)
from worktrial.web.trials.models import Candidacy, Feedback, Invitation, Trial

router = Router()

TrialStatusName = Literal["draft", "published", "closed"]
StageName = Literal["invited", "active", "submitted", "in_review", "decided", "withdrawn"]
PaymentStatusName = Literal["not_due", "due", "paid"]
EvaluationStatusName = Literal["queued", "running", "done", "failed"]


# --------------------------------------------------------------------------- schemas


class TrialOut(Schema):
    id: int
    organization: str = Field(description="the organization's slug")
    title: str
    trial_id: str = Field(description="the spec's id")
    template: str = Field(description="the built-in template it came from ('' for an upload)")
    status: TrialStatusName
    spec_version: str = Field(description="SHA-256 of the bundle's trial.toml")
    compensation_amount: Decimal
    compensation_currency: str
    created_at: datetime
    published_at: datetime | None


class CheckpointOut(Schema):
    id: int
    name: str
    day: int = Field(description="days after the candidate's start")
    description: str


class TrialDetailOut(TrialOut):
    brief: str
    share_scorecard_with_candidates: bool
    checkpoints: list[CheckpointOut]


class TrialIn(Schema):
    organization: str = Field(description="slug of an organization where you are admin or manager")
    template: str = Field(description="a built-in template, e.g. classification")


class CandidacyOut(Schema):
    """A candidacy as a staff member sees it; ``name`` and ``email`` are null while blind."""

    id: int
    trial_id: int
    alias: str
    stage: StageName
    starts_at: datetime
    deadline: datetime
    payment_status: PaymentStatusName
    identity_visible: bool
    name: str | None
    email: str | None
    submissions: int


class QuestionOut(Schema):
    id: int
    text: str
    asked_at: datetime
    answer: str
    answered_at: datetime | None


class UpdateOut(Schema):
    id: int
    at: datetime
    done: str
    next: str
    blockers: str


class FeedbackOut(Schema):
    id: int
    checkpoint: str | None = Field(description="the checkpoint's name, if it came from one")
    text: str
    given_at: datetime
    received_at: datetime | None
    response: str
    responded_at: datetime | None


class SubmissionBriefOut(Schema):
    id: int
    number: int
    commit: str
    uploaded_at: datetime
    evaluation_id: int | None
    status: EvaluationStatusName | None


class CandidacyDetailOut(CandidacyOut):
    questions: list[QuestionOut]
    updates: list[UpdateOut]
    feedback: list[FeedbackOut]
    submission_list: list[SubmissionBriefOut]


class InvitationIn(Schema):
    email: str
    name: str = ""
    starts_at: AwareDatetime | None = Field(None, description="default: now")
    deadline: AwareDatetime | None = Field(None, description="default: start + trial duration")
    valid_days: int = Field(14, ge=1, le=90, description="days the link works")


class InvitationOut(Schema):
    candidacy: CandidacyOut
    link: str = Field(description="the single-use invitation link; shown only in this response")
    expires_at: datetime


class MyTrialOut(Schema):
    id: int
    title: str
    organization: str = Field(description="the company's name")
    status: TrialStatusName


class MyCandidacyOut(Schema):
    id: int
    trial: MyTrialOut
    stage: StageName
    starts_at: datetime
    deadline: datetime
    payment_status: PaymentStatusName


class UpdateIn(Schema):
    done: str = Field(description="what you did since the last update")
    next: str = ""
    blockers: str = ""


class QuestionIn(Schema):
    text: str


class ResponseIn(Schema):
    response: str = Field(description="what you changed or decided after the feedback")


# --------------------------------------------------------------------------- building outputs


def _trial_out(trial: Trial) -> dict[str, Any]:
    return {
        "id": trial.pk,
        "organization": trial.organization.slug,
        "title": trial.title,
        "trial_id": trial.trial_id,
        "template": trial.template,
        "status": trial.status,
        "spec_version": trial.spec_version,
        "compensation_amount": trial.compensation_amount,
        "compensation_currency": trial.compensation_currency,
        "created_at": trial.created_at,
        "published_at": trial.published_at,
    }


def _trial_detail(trial: Trial) -> TrialDetailOut:
    return TrialDetailOut(
        **_trial_out(trial),
        brief=trial.brief,
        share_scorecard_with_candidates=trial.share_scorecard_with_candidates,
        checkpoints=[
            CheckpointOut(id=c.pk, name=c.name, day=c.day, description=c.description)
            for c in trial.checkpoints.all()
        ],
    )


def _candidacy_out(c: Candidacy, *, identity: bool, submissions: int) -> dict[str, Any]:
    return {
        "id": c.pk,
        "trial_id": c.trial_id,
        "alias": c.alias,
        "stage": c.stage,
        "starts_at": c.starts_at,
        "deadline": c.deadline,
        "payment_status": c.payment_status,
        "identity_visible": identity,
        "name": c.name if identity else None,
        "email": c.email if identity else None,
        "submissions": submissions,
    }


def _question_out(q: Any) -> QuestionOut:
    return QuestionOut(
        id=q.pk, text=q.text, asked_at=q.asked_at, answer=q.answer, answered_at=q.answered_at
    )


def _update_out(u: Any) -> UpdateOut:
    return UpdateOut(id=u.pk, at=u.at, done=u.done, next=u.next, blockers=u.blockers)


def _feedback_out(f: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=f.pk,
        checkpoint=f.checkpoint.name if f.checkpoint is not None else None,
        text=f.text,
        given_at=f.given_at,
        received_at=f.received_at,
        response=f.response,
        responded_at=f.responded_at,
    )


def _latest_evaluation(submission: Submission) -> Evaluation | None:
    # prefetched newest first (Evaluation.Meta.ordering); the current spec version's row
    evaluations = list(submission.evaluations.all())
    return evaluations[0] if evaluations else None


def _invitation_link(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("portal:join", args=[raw]))


# --------------------------------------------------------------------------- staff: trials


@router.get("/trials", response=list[TrialOut], summary="Trials of your organizations (staff)")
def list_trials(request: HttpRequest) -> list[dict[str, Any]]:
    trials = visible_trials(request.auth).select_related("organization")
    return [_trial_out(t) for t in trials]


@router.get("/trials/{trial_id}", response=TrialDetailOut, summary="One trial (staff)")
def get_trial(request: HttpRequest, trial_id: int) -> TrialDetailOut:
    trial, _ = access_trial(request.auth, trial_id)
    return _trial_detail(trial)


@router.post(
    "/trials",
    response={201: TrialDetailOut},
    summary="Create a draft trial from a built-in template (admins and hiring managers)",
)
def create_trial(request: HttpRequest, payload: TrialIn) -> Status[TrialDetailOut]:
    user = request.auth
    org = Organization.objects.filter(slug=payload.organization).first()
    if org is None:
        raise Http404("not found")
    staff_membership(user, org, MANAGING_ROLES)
    trial = actions.do_create_trial_from_template(org, payload.template, actor=user)
    return Status(201, _trial_detail(trial))


@router.post(
    "/trials/{trial_id}/publish",
    response=TrialDetailOut,
    summary="Publish a draft trial (admins and hiring managers)",
)
def publish_trial(request: HttpRequest, trial_id: int) -> TrialDetailOut:
    user = request.auth
    trial, _ = access_trial(user, trial_id, manage=True)
    trial = actions.do_publish_trial(trial, actor=user)
    return _trial_detail(trial)


@router.post(
    "/trials/{trial_id}/invitations",
    response={201: InvitationOut},
    summary="Invite a candidate; the link is returned once (admins and hiring managers)",
)
def invite(request: HttpRequest, trial_id: int, payload: InvitationIn) -> Status[InvitationOut]:
    user = request.auth
    trial, _ = access_trial(user, trial_id, manage=True)
    candidacy, raw = actions.do_invite_candidate(
        trial,
        payload.email,
        actor=user,
        name=payload.name,
        starts_at=payload.starts_at,
        deadline=payload.deadline,
        valid_days=payload.valid_days,
    )
    invitation = Invitation.objects.filter(candidacy=candidacy).order_by("-created_at").first()
    assert invitation is not None  # the action made it in the same transaction
    return Status(
        201,
        InvitationOut(
            candidacy=CandidacyOut(**_candidacy_out(candidacy, identity=True, submissions=0)),
            link=_invitation_link(request, raw),
            expires_at=invitation.expires_at,
        ),
    )


@router.get(
    "/trials/{trial_id}/candidacies",
    response=list[CandidacyOut],
    summary="Candidacies of a trial (managers: all; reviewers: only assigned ones, blind)",
)
def list_candidacies(request: HttpRequest, trial_id: int) -> list[dict[str, Any]]:
    user = request.auth
    trial, membership = access_trial(user, trial_id)
    rows: QuerySet[Candidacy] = visible_candidacies(user, trial, membership).annotate(
        n_submissions=Count("submissions", distinct=True)
    )
    if membership.role in MANAGING_ROLES:
        out = [_candidacy_out(c, identity=True, submissions=c.n_submissions) for c in rows]
    else:
        # a reviewer sees a candidate's name only once their own review is submitted
        done = Review.objects.filter(
            candidacy=OuterRef("pk"), reviewer=user, submitted_at__isnull=False
        )
        rows = rows.annotate(reviewed=Exists(done))
        out = [_candidacy_out(c, identity=c.reviewed, submissions=c.n_submissions) for c in rows]
    record(
        "candidacy.list",
        actor=user,
        organization=trial.organization,
        target=trial,
        via="api",
        count=len(out),
    )
    return out


@router.get(
    "/candidacies/{candidacy_id}",
    response=CandidacyDetailOut,
    summary="One candidacy with its comms and submissions (staff; blind for reviewers)",
)
def get_candidacy(request: HttpRequest, candidacy_id: int) -> CandidacyDetailOut:
    user = request.auth
    view = access_candidacy(user, candidacy_id)
    c = view.candidacy
    submissions = list(
        c.submissions.order_by("number").prefetch_related(
            Prefetch("evaluations", queryset=Evaluation.objects.order_by("-queued_at", "-id"))
        )
    )
    briefs = []
    for s in submissions:
        ev = _latest_evaluation(s)
        briefs.append(
            SubmissionBriefOut(
                id=s.pk,
                number=s.number,
                commit=s.commit,
                uploaded_at=s.uploaded_at,
                evaluation_id=ev.pk if ev else None,
                status=ev.status if ev else None,
            )
        )
    record(
        "candidacy.view",
        actor=user,
        organization=c.trial.organization,
        target=c,
        via="api",
        identity=view.identity_visible,
    )
    return CandidacyDetailOut(
        **_candidacy_out(c, identity=view.identity_visible, submissions=len(submissions)),
        questions=[_question_out(q) for q in c.questions.all()],
        updates=[_update_out(u) for u in c.updates.all()],
        feedback=[_feedback_out(f) for f in c.feedback.select_related("checkpoint")],
        submission_list=briefs,
    )


# --------------------------------------------------------------------------- candidates


@router.get(
    "/my/candidacies",
    response=list[MyCandidacyOut],
    summary="Your own candidacies (as a candidate)",
)
def my_candidacies(request: HttpRequest) -> list[MyCandidacyOut]:
    return [
        MyCandidacyOut(
            id=c.pk,
            trial=MyTrialOut(
                id=c.trial.pk,
                title=c.trial.title,
                organization=c.trial.organization.name,
                status=c.trial.status,
            ),
            stage=c.stage,
            starts_at=c.starts_at,
            deadline=c.deadline,
            payment_status=c.payment_status,
        )
        for c in own_candidacies(request.auth).order_by("-created_at", "-id")
    ]


@router.post(
    "/candidacies/{candidacy_id}/updates",
    response={201: UpdateOut},
    summary="Post a progress update to your candidacy",
)
def post_update(request: HttpRequest, candidacy_id: int, payload: UpdateIn) -> Status[UpdateOut]:
    user = request.auth
    candidacy = access_own_candidacy(user, candidacy_id)
    update = actions.do_post_update(
        candidacy, actor=user, done=payload.done, next=payload.next, blockers=payload.blockers
    )
    return Status(201, _update_out(update))


@router.post(
    "/candidacies/{candidacy_id}/questions",
    response={201: QuestionOut},
    summary="Ask the company a clarifying question",
)
def ask_question(
    request: HttpRequest, candidacy_id: int, payload: QuestionIn
) -> Status[QuestionOut]:
    user = request.auth
    candidacy = access_own_candidacy(user, candidacy_id)
    question = actions.do_ask_question(candidacy, payload.text, actor=user)
    return Status(201, _question_out(question))


@router.get(
    "/candidacies/{candidacy_id}/questions",
    response=list[QuestionOut],
    summary="Your questions and the company's answers",
)
def list_questions(request: HttpRequest, candidacy_id: int) -> list[QuestionOut]:
    candidacy = access_own_candidacy(request.auth, candidacy_id)
    return [_question_out(q) for q in candidacy.questions.all()]


@router.get(
    "/candidacies/{candidacy_id}/feedback",
    response=list[FeedbackOut],
    summary="Checkpoint feedback you received (reading it marks it received)",
)
def list_feedback(request: HttpRequest, candidacy_id: int) -> list[FeedbackOut]:
    user = request.auth
    candidacy = access_own_candidacy(user, candidacy_id)
    feedback = list(candidacy.feedback.select_related("checkpoint"))
    for f in feedback:
        if f.received_at is None:  # acting on feedback counts from when it was first seen
            actions.do_mark_feedback_received(f, actor=user)
    return [_feedback_out(f) for f in feedback]


@router.post(
    "/candidacies/{candidacy_id}/feedback/{feedback_id}/response",
    response=FeedbackOut,
    summary="Respond to checkpoint feedback",
)
def respond_to_feedback(
    request: HttpRequest, candidacy_id: int, feedback_id: int, payload: ResponseIn
) -> FeedbackOut:
    user = request.auth
    candidacy = access_own_candidacy(user, candidacy_id)
    feedback = candidacy.feedback.select_related("checkpoint", "candidacy__trial").filter(
        pk=feedback_id
    )
    found = feedback.first()
    if found is None:
        raise Http404("not found")
    return _feedback_out(actions.do_respond_to_feedback(found, payload.response, actor=user))
