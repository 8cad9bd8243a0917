"""Seed the platform with the demo: one company, its people in every role, the demo trial, the
five persona candidates with their repositories submitted and evaluated, questions, updates,
checkpoint feedback, a couple of reviews and a decision.

Everything goes through the apps' actions, as a real company's use would; evaluations run in
this process through the same task a worker runs (so the demo needs no worker to look complete).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from worktrial.demo.personas import DEFAULT_START, PERSONAS
from worktrial.web import storage

Progress = Callable[[str], None]

__all__ = ["PEOPLE", "PERSONAS", "SeededDemo", "seed_demo"]

ORG_SLUG = "demo"
PEOPLE = {  # role -> (e-mail, display name)
    "admin": ("admin@demo.worktrial.example", "Dana Admin"),
    "manager": ("manager@demo.worktrial.example", "Maya Manager"),
    "reviewer": ("reviewer@demo.worktrial.example", "Ravi Reviewer"),
    "reviewer2": ("reviewer2@demo.worktrial.example", "Rosa Reviewer"),
}


@dataclass
class SeededDemo:
    """What :func:`seed_demo` made: the login link token of each role and the trial's id."""

    trial_id: int
    links: dict[str, str] = field(default_factory=dict)  # role -> raw login-link token
    candidates: dict[str, int] = field(default_factory=dict)  # persona -> candidacy id


def _bundle_of(repo: Path, dest: Path) -> Path:
    from worktrial.repo import run_git

    run_git(repo, "bundle", "create", str(dest), "--all")
    return dest


def _last_commit_time(repo: Path) -> datetime:
    from worktrial.repo import run_git

    out = run_git(repo, "log", "-1", "--format=%cI", "HEAD").stdout.decode().strip()
    return datetime.fromisoformat(out)


def seed_demo(*, progress: Progress | None = None) -> SeededDemo:
    """Create the demo company and trial in the current database (which must not have it yet).

    Raises:
        StateError: the demo was already seeded in this database.
    """
    from worktrial.errors import StateError
    from worktrial.spec import init_starter_repo, load_bundle
    from worktrial.web.accounts.actions import (
        do_add_member,
        do_create_login_link,
        do_create_organization,
        do_create_user,
    )
    from worktrial.web.accounts.models import Organization
    from worktrial.web.jobs.models import Evaluation
    from worktrial.web.jobs.tasks import evaluate
    from worktrial.web.submissions.actions import do_submit
    from worktrial.web.trials import actions as trials

    def step(what: str) -> None:
        if progress is not None:
            progress(what)

    if Organization.objects.filter(slug=ORG_SLUG).exists():
        raise StateError("the demo is already seeded in this database", state="seeded")

    step("creating the demo company")
    users = {
        role: do_create_user(email, secrets.token_urlsafe(24), display_name=name)
        for role, (email, name) in PEOPLE.items()
    }
    org = do_create_organization("Demo Co", admin=users["admin"], slug=ORG_SLUG)
    do_add_member(org, users["manager"], "manager", actor=users["admin"])
    do_add_member(org, users["reviewer"], "reviewer", actor=users["admin"])
    do_add_member(org, users["reviewer2"], "reviewer", actor=users["admin"])
    manager = users["manager"]

    step("creating the trial from the classification template")
    trial = trials.do_create_trial_from_template(org, "classification", actor=manager)
    trials.do_edit_trial(trial, actor=manager, share_scorecard_with_candidates=True)
    trials.do_publish_trial(trial, actor=manager)
    bundle = load_bundle(storage.resolve(trial.bundle_dir))
    seeded = SeededDemo(trial_id=trial.pk)
    checkpoint = trial.checkpoints.first()

    with tempfile.TemporaryDirectory(prefix="worktrial-demo-") as tmp:
        work = Path(tmp)
        starter = work / "starter"
        init_starter_repo(bundle, starter)
        for name, builder in PERSONAS.items():
            step(f"building {name}")
            repo = builder(work / name, starter=starter, start=DEFAULT_START)
            email = f"{name}@candidates.worktrial.example"
            candidacy, token = trials.do_invite_candidate(
                trial,
                email,
                actor=manager,
                name=repo.candidate,
                starts_at=repo.start,
                deadline=repo.deadline,
            )
            candidacy = trials.do_accept_invitation(
                token, password=secrets.token_urlsafe(24), name=repo.candidate
            )
            user = candidacy.user
            seeded.candidates[name] = candidacy.pk
            if name == "iterative-engineer":
                question = trials.do_ask_question(
                    candidacy,
                    "Is a missed malignant mass worse than a false alarm for the radiologists "
                    "who review the flagged cases?",
                    actor=user,
                    at=repo.start + timedelta(hours=2),
                )
                trials.do_answer_question(
                    question,
                    "Yes: a missed malignancy costs far more than a second read. Keep recall at "
                    "0.85 or above and tell us what precision that costs.",
                    actor=manager,
                    at=repo.start + timedelta(hours=4),
                )
            if checkpoint is not None and name in ("iterative-engineer", "leaderboard-chaser"):
                feedback = trials.do_give_feedback(
                    candidacy,
                    "Good start. Before tuning further, show us how the model does on the "
                    "smallest masses, and keep the latency budget in view.",
                    actor=manager,
                    checkpoint=checkpoint,
                    at=repo.start + timedelta(days=checkpoint.day, hours=8),
                )
                if name == "iterative-engineer":
                    trials.do_respond_to_feedback(
                        feedback,
                        "Thanks: added a per-segment table to the README and checked p95 "
                        "latency on batches of 64.",
                        actor=user,
                        at=repo.start + timedelta(days=checkpoint.day, hours=11),
                    )
            step(f"submitting and evaluating {name}")
            submission = do_submit(
                candidacy,
                _bundle_of(repo.path, work / f"{name}.bundle"),
                name=f"{name}.bundle",
                actor=user,
                via="cli",
                # handed in when the persona's story ends, so the timeline reads as a trial
                at=_last_commit_time(repo.path) + timedelta(minutes=5),
            )
            # the queue message went out on commit; the demo evaluates right here instead of
            # waiting for a worker (a worker that gets the message finds the row done)
            evaluation = Evaluation.objects.get(submission=submission)
            evaluate(evaluation.pk)

    step("creating login links")
    candidate_user = trial.candidacies.get(pk=seeded.candidates["iterative-engineer"]).user
    for role, user in (
        ("admin", users["admin"]),
        ("manager", users["manager"]),
        ("reviewer", users["reviewer"]),
        ("candidate", candidate_user),
    ):
        seeded.links[role] = do_create_login_link(user, valid_hours=24 * 7)
    _seed_reviews(seeded, users, step)
    return seeded


def _seed_reviews(seeded: SeededDemo, users: dict, step: Progress) -> None:
    """Two reviewers on the strongest candidate (both submitted, so the page shows agreement),
    one draft on the leaderboard chaser, and the manager's decision on the first."""
    from worktrial.web.reviews.actions import do_assign_reviewer, do_decide, do_submit_review
    from worktrial.web.trials.models import Candidacy

    step("writing reviews")
    manager = users["manager"]
    best = Candidacy.objects.get(pk=seeded.candidates["iterative-engineer"])
    chaser = Candidacy.objects.get(pk=seeded.candidates["leaderboard-chaser"])
    notes = {
        "output": "Recall above the floor on the hidden holdout, latency well inside budget.",
        "framing": "States the objective and why recall comes first before any model.",
        "iteration": "Baseline on day one, then one change per experiment with the result.",
        "discipline": "Modules, tests that pass in the sandbox, pinned dependencies, seeds.",
        "communication": "A README a colleague can continue from; daily updates.",
        "decisions": "Chose the simpler model for latency and said what it cost.",
    }
    for reviewer, ratings, recommendation in (
        (
            users["reviewer2"],
            {
                "output": 4,
                "framing": 5,
                "iteration": 5,
                "discipline": 4,
                "communication": 5,
                "decisions": 4,
            },
            "strong_yes",
        ),
        (
            manager,
            {
                "output": 4,
                "framing": 4,
                "iteration": 5,
                "discipline": 4,
                "communication": 4,
                "decisions": 4,
            },
            "yes",
        ),
    ):
        review = do_assign_reviewer(best, reviewer, actor=manager)
        do_submit_review(
            review,
            actor=reviewer,
            ratings=ratings,
            comments=notes,
            recommendation=recommendation,
            summary="Works the way we want the team to work: framed, measured, honest.",
        )
    do_assign_reviewer(best, users["reviewer"], actor=manager)
    do_assign_reviewer(chaser, users["reviewer"], actor=manager)
    do_decide(
        best,
        actor=manager,
        outcome="advance",
        rationale="Both reviews agree; invite to the team interview about the per-segment work.",
    )
