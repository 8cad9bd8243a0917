"""The latest evaluation copied onto its candidacy (``Candidacy.latest_*``, kept by
``jobs.actions.refresh_latest``): after every transition of an evaluation the fields match the
newest evaluation of the candidacy's last submission, and its scores only once it is done."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from worktrial.web.jobs import leases
from worktrial.web.jobs.models import Evaluation
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions
from worktrial.web.trials.models import Candidacy

from ._processes import persona_bundle
from .conftest import PASSWORD, Company

RESULT = {
    "overall": 3.25,
    "dimensions": {"correctness": 4.0, "testing": 2.5},
    "red_flags": 2,
    "scorecard": {"overall": 3.25},
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return persona_bundle(tmp_path_factory.mktemp("persona"))


@pytest.fixture
def submit(
    company: Company, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Candidacy | None], Evaluation]:
    """Submit ``bundle`` from the given candidacy (or a new one); returns its evaluation."""
    monkeypatch.setattr("worktrial.web.jobs.actions.send_to_queue", lambda pk: None)
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    actions.do_publish_trial(trial, actor=company.manager)
    count = 0

    def _submit(candidacy: Candidacy | None = None) -> Evaluation:
        nonlocal count
        if candidacy is None:
            count += 1
            _, token = actions.do_invite_candidate(
                trial, f"c{count}@example.test", actor=company.manager
            )
            candidacy = actions.do_accept_invitation(token, password=PASSWORD)
        submission = do_submit(candidacy, bundle, name="w.bundle", actor=candidacy.user)
        return Evaluation.objects.get(submission=submission)

    return _submit


def latest(ev: Evaluation) -> Candidacy:
    """The candidacy of ``ev``, checked to show ``ev`` as its latest evaluation."""
    ev.refresh_from_db()
    c = Candidacy.objects.get(pk=ev.submission.candidacy_id)
    assert c.latest_evaluation_id == ev.pk
    assert (c.latest_status, c.latest_reason) == (ev.status, ev.reason)
    if ev.status == "done":
        assert (c.latest_overall, c.latest_red_flags, c.latest_dimensions) == (
            ev.overall,
            ev.red_flags,
            ev.dimensions,
        )
    else:
        assert (c.latest_overall, c.latest_red_flags, c.latest_dimensions) == (None, None, {})
    return c


@pytest.mark.django_db
def test_a_new_submission_shows_queued(submit: Callable[..., Evaluation]) -> None:
    assert latest(submit()).latest_status == "queued"


@pytest.mark.django_db
def test_claim_then_finish_copies_the_result(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    assert leases.claim(ev.pk, "w1") is not None
    assert latest(ev).latest_status == "running"
    assert leases.finish(ev.pk, "w1", **RESULT)
    c = latest(ev)
    assert (c.latest_status, c.latest_overall, c.latest_red_flags) == ("done", 3.25, 2)
    assert c.latest_dimensions == RESULT["dimensions"]


@pytest.mark.django_db
def test_a_lost_lease_changes_nothing(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    assert leases.claim(ev.pk, "w1") is not None
    assert not leases.finish(ev.pk, "someone-else", **RESULT)
    assert not leases.fail(ev.pk, "someone-else", "no")
    assert latest(ev).latest_status == "running"


@pytest.mark.django_db
def test_fail_shows_failed_without_scores(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    leases.claim(ev.pk, "w1")
    assert leases.fail(ev.pk, "w1", "crashed with exit code 1")
    assert latest(ev).latest_status == "failed"


@pytest.mark.django_db
def test_release_shows_queued_again(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    leases.claim(ev.pk, "w1")
    assert leases.release(ev.pk, "w1", "the sandbox was busy")
    assert latest(ev).latest_status == "queued"


@pytest.mark.django_db
def test_reap_requeues_then_gives_up(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    leases.claim(ev.pk, "w1")
    Evaluation.objects.filter(pk=ev.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert leases.reap() == [ev.pk]
    assert latest(ev).latest_status == "queued"
    leases.claim(ev.pk, "w2")
    Evaluation.objects.filter(pk=ev.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with override_settings(WORKTRIAL_MAX_ATTEMPTS=2):
        assert leases.reap() == []
    assert latest(ev).latest_status == "failed"


@pytest.mark.django_db
def test_claim_out_of_attempts_gives_up(submit: Callable[..., Evaluation]) -> None:
    ev = submit()
    Evaluation.objects.filter(pk=ev.pk).update(attempts=5)
    with override_settings(WORKTRIAL_MAX_ATTEMPTS=5):
        assert leases.claim(ev.pk, "w1") is None
    assert latest(ev).latest_status == "failed"


@pytest.mark.django_db
def test_a_second_submission_replaces_a_scored_one(submit: Callable[..., Evaluation]) -> None:
    first = submit()
    leases.claim(first.pk, "w1")
    leases.finish(first.pk, "w1", **RESULT)
    assert latest(first).latest_overall == 3.25
    candidacy = Candidacy.objects.get(pk=first.submission.candidacy_id)
    c = latest(submit(candidacy))
    assert (c.latest_status, c.latest_overall) == ("queued", None)


@pytest.mark.django_db
def test_an_older_submission_finishing_late_stays_hidden(
    submit: Callable[..., Evaluation],
) -> None:
    first = submit()
    leases.claim(first.pk, "w1")
    candidacy = Candidacy.objects.get(pk=first.submission.candidacy_id)
    second = submit(candidacy)
    assert leases.finish(first.pk, "w1", **RESULT)
    assert latest(second).latest_status == "queued"


@pytest.mark.django_db
def test_the_dashboard_shows_the_copied_status_escaped(
    submit: Callable[..., Evaluation], company: Company, login: Callable[..., Client]
) -> None:
    ev = submit()
    leases.claim(ev.pk, "w1")
    leases.fail(ev.pk, "w1", 'crashed: <script>alert("x")</script> & more')
    trial_id = Candidacy.objects.get(pk=ev.submission.candidacy_id).trial_id
    page = login(company.manager).get(f"/trials/{trial_id}/").content.decode()
    assert (
        '<span class="badge failed" title="crashed: &lt;script&gt;alert(&quot;x&quot;)'
        '&lt;/script&gt; &amp; more">Failed</span>'
    ) in page
    assert "<script>alert" not in page


@pytest.mark.django_db
def test_the_migration_fills_the_fields_of_existing_candidacies(
    submit: Callable[..., Evaluation],
) -> None:
    from django.apps import apps

    migration = importlib.import_module("worktrial.web.trials.migrations.0002_candidacy_latest")
    done, queued = submit(), submit()
    leases.claim(done.pk, "w1")
    leases.finish(done.pk, "w1", **RESULT)
    Candidacy.objects.update(
        latest_evaluation=None,
        latest_status="",
        latest_reason="",
        latest_overall=None,
        latest_red_flags=None,
        latest_dimensions={},
    )
    migration.fill_latest(apps, None)
    assert latest(done).latest_overall == 3.25
    assert latest(queued).latest_status == "queued"
