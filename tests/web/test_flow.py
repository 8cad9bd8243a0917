"""The platform's core flow through its actions: trial → invitation → candidate comms →
submission → evaluation (run in-process) → stages."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from worktrial.demo import build_persona
from worktrial.errors import IntakeError, InvitationError, StateError
from worktrial.web import storage
from worktrial.web.jobs import leases
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions
from worktrial.web.trials.comms import DatabaseCommsSource

from .conftest import PASSWORD, Company

pytestmark = pytest.mark.django_db(transaction=True)


def _bundle(repo: Path, dest: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(repo), "bundle", "create", str(dest), "--all"],
        check=True,
        capture_output=True,
    )
    return dest


def test_trial_to_scorecard(company: Company, tmp_path: Path) -> None:
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    assert trial.status == "draft" and trial.checkpoints.count() >= 1
    actions.do_publish_trial(trial, actor=company.manager)
    candidacy, token = actions.do_invite_candidate(
        trial, "ada@example.test", actor=company.manager, name="Ada"
    )
    assert candidacy.stage == "invited"
    candidacy = actions.do_accept_invitation(token, password=PASSWORD, name="Ada")
    assert candidacy.stage == "active" and candidacy.user is not None
    with pytest.raises(InvitationError, match="already used"):
        actions.do_accept_invitation(token, password=PASSWORD)

    user = candidacy.user
    actions.do_ask_question(candidacy, "Is recall or precision the priority?", actor=user)
    actions.do_post_update(candidacy, actor=user, done="Baseline logistic regression", next="Tune")
    comms = DatabaseCommsSource(candidacy).load()
    assert comms.source == "platform"
    assert [q.text for q in comms.questions] == ["Is recall or precision the priority?"]
    assert comms.updates[0].done == "Baseline logistic regression"

    persona = build_persona(
        "iterative-engineer",
        tmp_path / "repo",
        starter=None,
        start=candidacy.starts_at - timedelta(days=1),
    )
    submission = do_submit(
        candidacy,
        _bundle(persona.path, tmp_path / "work.bundle"),
        name="work.bundle",
        actor=user,
        via="cli",
    )
    candidacy.refresh_from_db()
    assert candidacy.stage == "submitted"
    evaluation = Evaluation.objects.get(submission=submission)
    assert evaluation.status == "queued"

    assert evaluate(evaluation.pk) == "done"
    evaluation.refresh_from_db()
    assert evaluation.status == "done" and evaluation.attempts == 1
    assert evaluation.scorecard["candidate"] == candidacy.alias
    assert set(evaluation.dimensions) == {
        "output",
        "framing",
        "iteration",
        "discipline",
        "communication",
        "decisions",
    }
    candidacy.refresh_from_db()
    assert candidacy.stage == "in_review"
    # a second message for the same row changes nothing
    assert evaluate(evaluation.pk) == "skipped"


def test_refused_bundle_changes_nothing(company: Company, tmp_path: Path) -> None:
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    actions.do_publish_trial(trial, actor=company.manager)
    candidacy, token = actions.do_invite_candidate(trial, "bo@example.test", actor=company.manager)
    candidacy = actions.do_accept_invitation(token, password=PASSWORD)
    repos = storage.home() / "repos"
    before = set(repos.iterdir()) if repos.exists() else set()
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(b"this is not a bundle\n")
    with pytest.raises(IntakeError, match=r"junk\.bundle"):
        do_submit(candidacy, junk, name="junk.bundle", actor=candidacy.user)
    assert candidacy.submissions.count() == 0
    assert Evaluation.objects.count() == 0
    after = set(repos.iterdir()) if repos.exists() else set()
    assert after == before, "a refused bundle left files behind"


def test_expired_invitation(company: Company, db: Any) -> None:
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    candidacy, token = actions.do_invite_candidate(trial, "cy@example.test", actor=company.manager)
    candidacy.invitations.update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InvitationError, match="expired"):
        actions.do_accept_invitation(token, password=PASSWORD)
    with pytest.raises(InvitationError, match="not valid"):
        actions.do_accept_invitation("nope", password=PASSWORD)
    with pytest.raises(StateError, match="already invited"):
        actions.do_invite_candidate(trial, "CY@example.test", actor=company.manager)


def test_expired_lease_is_requeued_and_result_written_once(
    company: Company, tmp_path: Path
) -> None:
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    actions.do_publish_trial(trial, actor=company.manager)
    candidacy, token = actions.do_invite_candidate(trial, "di@example.test", actor=company.manager)
    candidacy = actions.do_accept_invitation(token, password=PASSWORD)
    persona = build_persona(
        "notebook-dump",
        tmp_path / "repo",
        starter=None,
        start=candidacy.starts_at - timedelta(days=1),
    )
    submission = do_submit(
        candidacy,
        _bundle(persona.path, tmp_path / "w.bundle"),
        name="w.bundle",
        actor=candidacy.user,
    )
    ev = Evaluation.objects.get(submission=submission)
    dead = leases.claim(ev.pk, "dead-worker")
    assert dead is not None
    Evaluation.objects.filter(pk=ev.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert leases.reap() == [ev.pk]
    ev.refresh_from_db()
    assert ev.status == "queued" and "stopped responding during attempt 1" in ev.reason
    assert evaluate(ev.pk) == "done"
    # the dead worker comes back: its result is refused
    assert leases.finish(ev.pk, "dead-worker", overall=1.0) is False
    ev.refresh_from_db()
    assert ev.attempts == 2 and ev.overall != 1.0
