"""`worktrial demo` seeds the platform: a company, its people, the trial, five evaluated
candidates, reviews and a decision, and one working login link per role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from worktrial.errors import StateError
from worktrial.web.demo import PEOPLE, seed_demo
from worktrial.web.jobs.models import Evaluation
from worktrial.web.reviews.models import Decision, Review
from worktrial.web.trials.models import Candidacy

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_is_seeded_through_the_actions(db: Any) -> None:
    seeded = seed_demo()
    evaluations = Evaluation.objects.select_related("submission__candidacy")
    assert [e.status for e in evaluations] == ["done"] * 5
    by_name = {
        e.submission.candidacy.email.split("@")[0]: e.overall for e in evaluations if e.overall
    }
    # the iterative engineer is the strongest, the notebook dumped at the deadline the weakest
    assert max(by_name, key=by_name.__getitem__) in ("iterative-engineer", "honest-failure")
    assert min(by_name, key=by_name.__getitem__) == "notebook-dump"
    # each submission was handed in when its story ends, so the timeline reads as a trial
    for e in evaluations:
        c = e.submission.candidacy
        assert c.starts_at < e.submission.uploaded_at < c.deadline + (c.deadline - c.starts_at)
    assert Review.objects.filter(submitted_at__isnull=False).count() == 2
    assert Decision.objects.get().outcome == "advance"
    assert set(seeded.links) == {"admin", "manager", "reviewer", "candidate"}
    for role, token in seeded.links.items():
        client = Client()
        assert client.post(f"/accounts/link/{token}/").status_code == 302, role
        assert client.get("/").status_code == 200
    best = Candidacy.objects.get(pk=seeded.candidates["iterative-engineer"])
    assert best.stage == "decided"
    with pytest.raises(StateError, match="the demo is already seeded in this database"):
        seed_demo()
    assert {email for email, _ in PEOPLE.values()} <= set(
        best.trial.organization.memberships.values_list("user__email", flat=True)
    )


def test_the_demo_home_is_never_a_folder_with_other_content(tmp_path: Path) -> None:
    from worktrial.cli import main

    home = tmp_path / "mine"
    home.mkdir()
    (home / "notes.txt").write_text("keep me")
    assert main(["demo", "--no-serve", "--no-run", "--home", str(home)]) == 2
    assert (home / "notes.txt").read_text() == "keep me"
