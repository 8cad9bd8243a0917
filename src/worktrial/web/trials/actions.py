"""Every write to trials, candidacies and their comms. Each runs in a transaction and writes an
audit row; views, the API, the CLI and the demo all call these."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from worktrial.errors import InvitationError, PlatformError, SpecError, StateError
from worktrial.web import storage
from worktrial.web.accounts.models import Membership, Organization, Role, User, hash_token
from worktrial.web.audit.actions import record
from worktrial.web.trials.models import (
    Candidacy,
    Checkpoint,
    Feedback,
    Invitation,
    PaymentStatus,
    ProgressUpdate,
    Question,
    Stage,
    Trial,
    TrialStatus,
)

INVITATION_DAYS = 14
MAX_TEXT = 20_000


def _text(value: str, what: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PlatformError(f"{what} is empty; write a few words", key=what)
    if len(value) > MAX_TEXT:
        raise PlatformError(
            f"{what} is {len(value):,} characters long; the most is {MAX_TEXT:,}",
            key=what,
            found=len(value),
            limit=MAX_TEXT,
        )
    return value


def _spec_version(bundle_root: Path) -> str:
    return hashlib.sha256((bundle_root / "trial.toml").read_bytes()).hexdigest()


def _create_from_bundle(
    org: Organization, actor: Any, bundle_root: Path, relative: str, template: str
) -> Trial:
    from worktrial.spec import load_bundle

    bundle = load_bundle(bundle_root)
    spec = bundle.spec
    trial = Trial.objects.create(
        organization=org,
        title=spec.title,
        trial_id=spec.id,
        template=template,
        bundle_dir=relative,
        spec=spec.model_dump(mode="json"),
        spec_version=_spec_version(bundle.root),
        brief=bundle.brief,
        compensation_amount=round(spec.compensation.amount, 2),
        compensation_currency=spec.compensation.currency,
        created_by=actor,
    )
    for cp in spec.checkpoints:
        Checkpoint.objects.create(
            trial=trial, name=f"Day {cp.day} checkpoint", day=cp.day, description=cp.purpose
        )
    record("trial.create", actor=actor, organization=org, target=trial, template=template)
    return trial


def do_create_trial_from_template(org: Organization, template: str, *, actor: Any) -> Trial:
    """A draft trial from a built-in template (its data generated with fixed seeds).

    Raises:
        TemplateError: unknown template.
    """
    from worktrial.spec import new_from_template

    relative, folder = storage.new_location("bundles")
    try:
        new_from_template(template, folder)
        with transaction.atomic():
            return _create_from_bundle(org, actor, folder, relative, template)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def do_create_trial_from_upload(
    org: Organization, archive: Path, *, name: str, actor: Any
) -> Trial:
    """A draft trial from an uploaded bundle archive (.zip or .tar.*), unpacked safely and
    validated; the archive may hold the bundle at its root or in one top folder.

    Raises:
        IntakeError: the archive is refused (path tricks, links, bombs...).
        SpecError: the bundle is invalid; one line per problem, naming the file as it is in
            the archive (``<name>/trial.toml``, never a server path) and the key.
    """
    from worktrial.repo import extract_archive

    relative, folder = storage.new_location("bundles")
    try:
        extract_archive(archive, folder, name=name)
        root = folder
        if not (root / "trial.toml").is_file():
            children = [p for p in folder.iterdir() if p.is_dir()]
            if len(children) == 1 and (children[0] / "trial.toml").is_file():
                root = children[0]
                relative = f"{relative}/{root.name}"
        with transaction.atomic():
            return _create_from_bundle(org, actor, root, relative, "")
    except SpecError as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise _named_in_archive(err, folder, name) from err
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _named_in_archive(err: SpecError, folder: Path, name: str) -> SpecError:
    """``err`` with every file named inside the uploaded archive (``bundle.zip/trial.toml``)
    instead of by its path on the server, which the person who uploaded it never saw."""
    prefixes = sorted({str(folder), str(folder.resolve())}, key=len, reverse=True)

    def rename(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix + "/", f"{name}/").replace(prefix, name)
        return text

    fields = {k: rename(v) if isinstance(v, str) else v for k, v in err.fields.items()}
    if isinstance(fields.get("problems"), list):
        fields["problems"] = [
            {k: rename(v) if isinstance(v, str) else v for k, v in p.items()}
            if isinstance(p, dict)
            else p
            for p in fields["problems"]
        ]
    return type(err)(rename(err.message), **fields)


@transaction.atomic
def do_edit_trial(
    trial: Trial,
    *,
    actor: Any,
    title: str | None = None,
    brief: str | None = None,
    share_scorecard_with_candidates: bool | None = None,
) -> Trial:
    """Change what candidates read (title, brief) and what they may see (their scorecard)."""
    changed: list[str] = []
    if title is not None:
        trial.title = _text(title, "title")[:200]
        changed.append("title")
    if brief is not None:
        trial.brief = _text(brief, "brief")
        changed.append("brief")
    if share_scorecard_with_candidates is not None:
        trial.share_scorecard_with_candidates = share_scorecard_with_candidates
        changed.append("share_scorecard_with_candidates")
    if changed:
        trial.save(update_fields=changed)
        record(
            "trial.edit", actor=actor, organization=trial.organization, target=trial, fields=changed
        )
    return trial


@transaction.atomic
def do_publish_trial(trial: Trial, *, actor: Any) -> Trial:
    """Open a draft trial to its candidates.

    Raises:
        StateError: the trial is not a draft.
    """
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    if trial.status != TrialStatus.DRAFT:
        raise StateError(
            f"the trial is {trial.get_status_display().lower()}; only a draft can be published",
            state=trial.status,
            expected=TrialStatus.DRAFT,
        )
    trial.status = TrialStatus.PUBLISHED
    trial.published_at = timezone.now()
    trial.save(update_fields=["status", "published_at"])
    record("trial.publish", actor=actor, organization=trial.organization, target=trial)
    return trial


@transaction.atomic
def do_close_trial(trial: Trial, *, actor: Any) -> Trial:
    """Stop accepting submissions."""
    trial.status = TrialStatus.CLOSED
    trial.save(update_fields=["status"])
    record("trial.close", actor=actor, organization=trial.organization, target=trial)
    return trial


def _new_alias(trial: Trial) -> str:
    taken = set(trial.candidacies.values_list("alias", flat=True))
    while True:
        alias = f"candidate-{secrets.randbelow(9000) + 1000}"
        if alias not in taken:
            return alias


def do_invite_candidate(
    trial: Trial,
    email: str,
    *,
    actor: Any,
    name: str = "",
    starts_at: datetime | None = None,
    deadline: datetime | None = None,
    valid_days: int = INVITATION_DAYS,
) -> tuple[Candidacy, str]:
    """Invite one person: a candidacy in stage ``invited`` and a single-use link token.

    The start defaults to now and the deadline to the start plus the trial's duration.
    Returns the candidacy and the raw token (shown once, in the link).

    Raises:
        StateError: the trial is closed, or this e-mail address is already invited.
        PlatformError: the deadline is not after the start.
    """
    from worktrial.web.accounts.actions import checked_email

    email = checked_email(email)
    if trial.status == TrialStatus.CLOSED:
        raise StateError("the trial is closed; it takes no new candidates", state=trial.status)
    starts_at = starts_at or timezone.now()
    deadline = deadline or starts_at + timedelta(days=int(trial.spec.get("duration_days", 7)))
    if deadline <= starts_at:
        raise PlatformError(
            f"the deadline {deadline:%Y-%m-%d %H:%M} is not after the start "
            f"{starts_at:%Y-%m-%d %H:%M}",
            key="deadline",
        )
    raw = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            candidacy = Candidacy.objects.create(
                trial=trial,
                email=email,
                name=name.strip()[:200],
                alias=_new_alias(trial),
                starts_at=starts_at,
                deadline=deadline,
            )
            Invitation.objects.create(
                candidacy=candidacy,
                token_hash=hash_token(raw),
                expires_at=timezone.now() + timedelta(days=valid_days),
                created_by=actor,
            )
            record(
                "candidacy.invite",
                actor=actor,
                organization=trial.organization,
                target=candidacy,
                email=email,
            )
    except IntegrityError:
        raise StateError(
            f"{email} is already invited to this trial", key="email", found=email
        ) from None
    return candidacy, raw


def invitation_for(raw: str) -> Invitation:
    """The open invitation a raw token belongs to.

    Raises:
        InvitationError: unknown, used or expired (each says which).
    """
    invitation = (
        Invitation.objects.select_related("candidacy", "candidacy__trial")
        .filter(token_hash=hash_token(raw or ""))
        .first()
    )
    if invitation is None:
        raise InvitationError(
            "this invitation link is not valid; ask the company for a new one", reason="unknown"
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            "this invitation link was already used; log in instead", reason="used"
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            f"this invitation link expired on {invitation.expires_at:%Y-%m-%d}; ask the company "
            "for a new one",
            reason="expired",
        )
    return invitation


def do_accept_invitation(
    raw: str, *, user: User | None = None, password: str = "", name: str = ""
) -> Candidacy:
    """Use an invitation: link the candidacy to ``user`` (or a new account made with
    ``password``), make the user a candidate of the organization, start the candidacy.

    Raises:
        InvitationError: the link is unknown, used or expired.
        StateError: a new account is asked for an e-mail address that has one (log in first).
        PlatformError: the password is too weak.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from worktrial.web.accounts.actions import do_create_user

    with transaction.atomic():
        invitation = invitation_for(raw)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:  # lost a race with another click
            raise InvitationError(
                "this invitation link was already used; log in instead", reason="used"
            )
        candidacy = invitation.candidacy
        if user is None:
            try:
                validate_password(password)
            except ValidationError as err:
                raise PlatformError(" ".join(err.messages), key="password") from None
            user = do_create_user(candidacy.email, password, display_name=name or candidacy.name)
        Membership.objects.get_or_create(
            user=user, organization=candidacy.trial.organization, defaults={"role": Role.CANDIDATE}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        candidacy.user = user
        if name.strip() and not candidacy.name:
            candidacy.name = name.strip()[:200]
        candidacy.stage = Stage.ACTIVE
        candidacy.save(update_fields=["user", "name", "stage"])
        record(
            "candidacy.accept",
            actor=user,
            organization=candidacy.trial.organization,
            target=candidacy,
        )
    return candidacy


def _open_for_candidate(candidacy: Candidacy) -> None:
    if candidacy.stage in (Stage.DECIDED, Stage.WITHDRAWN):
        raise StateError(
            f"this candidacy is {candidacy.get_stage_display().lower()}; it takes no more input",
            state=candidacy.stage,
        )


@transaction.atomic
def do_ask_question(
    candidacy: Candidacy, text: str, *, actor: Any, at: datetime | None = None
) -> Question:
    """A candidate's clarifying question."""
    _open_for_candidate(candidacy)
    question = Question.objects.create(
        candidacy=candidacy, text=_text(text, "question"), asked_at=at or timezone.now()
    )
    record("question.ask", actor=actor, organization=candidacy.trial.organization, target=question)
    return question


@transaction.atomic
def do_answer_question(
    question: Question, answer: str, *, actor: Any, at: datetime | None = None
) -> Question:
    """The company's answer (it may be edited; the audit log keeps each version's time).
    ``at`` backdates it (imports and the demo); default now."""
    question.answer = _text(answer, "answer")
    question.answered_at = at or timezone.now()
    question.answered_by = actor
    question.save(update_fields=["answer", "answered_at", "answered_by"])
    record(
        "question.answer",
        actor=actor,
        organization=question.candidacy.trial.organization,
        target=question,
    )
    return question


@transaction.atomic
def do_post_update(
    candidacy: Candidacy,
    *,
    actor: Any,
    done: str,
    next: str = "",
    blockers: str = "",
    at: datetime | None = None,
) -> ProgressUpdate:
    """A candidate's progress update (web form, API or ``worktrial update``)."""
    _open_for_candidate(candidacy)
    update = ProgressUpdate.objects.create(
        candidacy=candidacy,
        at=at or timezone.now(),
        done=_text(done, "done"),
        next=_text(next, "next", required=False),
        blockers=_text(blockers, "blockers", required=False),
    )
    record("update.post", actor=actor, organization=candidacy.trial.organization, target=update)
    return update


@transaction.atomic
def do_give_feedback(
    candidacy: Candidacy,
    text: str,
    *,
    actor: Any,
    checkpoint: Checkpoint | None = None,
    at: datetime | None = None,
) -> Feedback:
    """Checkpoint feedback from the company to one candidate (``at`` backdates it: imports and
    the demo)."""
    if checkpoint is not None and checkpoint.trial_id != candidacy.trial_id:
        raise PlatformError("that checkpoint belongs to another trial", key="checkpoint")
    feedback = Feedback.objects.create(
        candidacy=candidacy,
        checkpoint=checkpoint,
        text=_text(text, "feedback"),
        given_at=at or timezone.now(),
        given_by=actor,
    )
    record("feedback.give", actor=actor, organization=candidacy.trial.organization, target=feedback)
    return feedback


@transaction.atomic
def do_mark_feedback_received(feedback: Feedback, *, actor: Any) -> Feedback:
    """The candidate saw the feedback (first time only): acting on it counts from here."""
    if feedback.received_at is None:
        feedback.received_at = timezone.now()
        feedback.save(update_fields=["received_at"])
    return feedback


@transaction.atomic
def do_respond_to_feedback(
    feedback: Feedback, response: str, *, actor: Any, at: datetime | None = None
) -> Feedback:
    """The candidate's response to checkpoint feedback (``at`` backdates it)."""
    _open_for_candidate(feedback.candidacy)
    now = at or timezone.now()
    feedback.response = _text(response, "response")
    feedback.responded_at = now
    feedback.received_at = feedback.received_at or now
    feedback.save(update_fields=["response", "responded_at", "received_at"])
    record(
        "feedback.respond",
        actor=actor,
        organization=feedback.candidacy.trial.organization,
        target=feedback,
    )
    return feedback


@transaction.atomic
def do_set_payment_status(candidacy: Candidacy, status: str, *, actor: Any) -> Candidacy:
    """Record whether the candidate's compensation is due or paid."""
    if status not in PaymentStatus.values:
        raise PlatformError(
            f"payment status must be one of {', '.join(PaymentStatus.values)}; found {status!r}",
            key="payment_status",
            found=status,
        )
    candidacy.payment_status = status
    candidacy.paid_at = timezone.now() if status == "paid" else None
    candidacy.save(update_fields=["payment_status", "paid_at"])
    record(
        "candidacy.payment",
        actor=actor,
        organization=candidacy.trial.organization,
        target=candidacy,
        status=status,
    )
    return candidacy


@transaction.atomic
def do_set_stage(candidacy: Candidacy, stage: str, *, actor: Any) -> Candidacy:
    """Move a candidacy to ``stage`` (the platform's own steps call this too)."""
    if stage not in Stage.values:
        raise PlatformError(f"unknown stage {stage!r}", key="stage", found=stage)
    if candidacy.stage != stage:
        candidacy.stage = stage
        candidacy.save(update_fields=["stage"])
        record(
            "candidacy.stage",
            actor=actor,
            organization=candidacy.trial.organization,
            target=candidacy,
            stage=stage,
        )
    return candidacy


@transaction.atomic
def do_request_data(candidacy: Candidacy, kind: str, *, actor: Any) -> Candidacy:
    """A candidate asks for an export (``"export"``) or erasure (``"erase"``) of their data;
    an admin carries it out."""
    field = {"export": "export_requested_at", "erase": "erasure_requested_at"}.get(kind)
    if field is None:
        raise PlatformError(f"unknown request {kind!r}; expected export or erase", key="kind")
    setattr(candidacy, field, timezone.now())
    candidacy.save(update_fields=[field])
    record(
        f"candidacy.request_{kind}",
        actor=actor,
        organization=candidacy.trial.organization,
        target=candidacy,
    )
    return candidacy
