"""The job queue: the lease protocol's edge cases, the task's failure paths, the reaper that runs
inside every worker, sandboxed runs, and crash safety with real worker processes killed by
SIGKILL in the middle of evaluations."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from worktrial.web.audit.models import AuditEvent
from worktrial.web.celery import Reaper
from worktrial.web.jobs import actions as job_actions
from worktrial.web.jobs import evaluate as job_evaluate
from worktrial.web.jobs import leases
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions

from ._processes import (
    Proc,
    create_org,
    evaluations,
    finish_audits,
    open_home,
    persona_bundle,
    platform_env,
    run_cli,
    running,
    seed,
    wait_for,
    working_bundle,
)
from .conftest import PASSWORD, Company

GIVE_UP = (
    "the evaluation did not finish in {n} attempts (the worker stopped each time); the team has "
    "been told — this does not count against your submissions"
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One persona's git bundle for the whole module (engine only, no database)."""
    return persona_bundle(tmp_path_factory.mktemp("persona"))


@pytest.fixture
def submit(company: Company, bundle: Path) -> Callable[[], Evaluation]:
    """Submit ``bundle`` from a new candidacy of one published trial; returns its evaluation."""
    trial = actions.do_create_trial_from_template(
        company.org, "classification", actor=company.manager
    )
    actions.do_publish_trial(trial, actor=company.manager)
    count = 0

    def _submit() -> Evaluation:
        nonlocal count
        count += 1
        candidacy, token = actions.do_invite_candidate(
            trial, f"c{count}@example.test", actor=company.manager
        )
        candidacy = actions.do_accept_invitation(token, password=PASSWORD)
        submission = do_submit(candidacy, bundle, name="w.bundle", actor=candidacy.user)
        return Evaluation.objects.get(submission=submission)

    return _submit


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The evaluation ids sent to the broker (recorded instead of sent)."""
    calls: list[int] = []
    monkeypatch.setattr(job_actions, "send_to_queue", calls.append)
    return calls


def _expire(ev: Evaluation) -> None:
    Evaluation.objects.filter(pk=ev.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


# --- the lease protocol ----------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_twice_gives_the_row_to_one_worker(submit: Callable[[], Evaluation]) -> None:
    ev = submit()
    first = leases.claim(ev.pk, "worker-a")
    assert first is not None and first.worker == "worker-a" and first.attempts == 1
    assert first.status == "running" and first.reason == "being evaluated (attempt 1)"
    assert leases.claim(ev.pk, "worker-b") is None  # the lease is live
    assert leases.claim(ev.pk, "worker-a") is None  # not even its owner claims it twice
    ev.refresh_from_db()
    assert (ev.worker, ev.attempts) == ("worker-a", 1)


@pytest.mark.django_db
def test_heartbeat_after_the_lease_was_lost(
    submit: Callable[[], Evaluation], sent: list[int]
) -> None:
    ev = submit()
    assert leases.claim(ev.pk, "worker-a") is not None
    assert leases.heartbeat(ev.pk, "worker-a", "history") is True
    ev.refresh_from_db()
    assert ev.step == "history"
    _expire(ev)
    assert leases.reap() == [ev.pk]
    assert sent == [ev.pk]
    assert leases.heartbeat(ev.pk, "worker-a") is False  # requeued: the old lease is gone
    assert leases.claim(ev.pk, "worker-b") is not None
    assert leases.heartbeat(ev.pk, "worker-a", "rubric") is False  # another worker owns it
    ev.refresh_from_db()
    assert ev.step == "starting" and ev.attempts == 2 and ev.worker == "worker-b"


@pytest.mark.django_db
def test_an_expired_lease_can_be_claimed_directly(submit: Callable[[], Evaluation]) -> None:
    ev = submit()
    assert leases.claim(ev.pk, "worker-a") is not None
    _expire(ev)
    taken = leases.claim(ev.pk, "worker-b")  # a redelivered message arrives before the reaper
    assert taken is not None and taken.worker == "worker-b" and taken.attempts == 2
    assert leases.finish(ev.pk, "worker-a", overall=1.0) is False


@pytest.mark.django_db
def test_only_the_lease_holder_writes_the_result_once(submit: Callable[[], Evaluation]) -> None:
    ev = submit()
    assert leases.claim(ev.pk, "worker-a") is not None
    assert leases.finish(ev.pk, "worker-b", overall=5.0) is False
    assert leases.fail(ev.pk, "worker-b", "no") is False
    assert leases.release(ev.pk, "worker-b", "no") is False
    ev.refresh_from_db()
    assert ev.status == "running" and ev.overall is None
    assert leases.finish(ev.pk, "worker-a", overall=3.0, dimensions={"output": 3.0}) is True
    assert leases.finish(ev.pk, "worker-a", overall=4.0) is False  # written once
    ev.refresh_from_db()
    assert (ev.status, ev.overall, ev.reason) == ("done", 3.0, "evaluated")
    assert ev.lease_expires_at is None and ev.finished_at is not None
    audits = AuditEvent.objects.filter(action="evaluation.finish")
    assert [a.target for a in audits] == [f"evaluation:{ev.pk}"]
    assert audits[0].details["attempts"] == 1
    assert leases.claim(ev.pk, "worker-c") is None  # done stays done
    ev.submission.candidacy.refresh_from_db()
    assert ev.submission.candidacy.stage == "in_review"


@pytest.mark.django_db
def test_out_of_attempts_fails_with_the_reason_in_words(
    submit: Callable[[], Evaluation], sent: list[int], settings: Any
) -> None:
    settings.WORKTRIAL_MAX_ATTEMPTS = 2
    ev = submit()
    assert leases.claim(ev.pk, "worker-a") is not None
    _expire(ev)
    assert leases.reap() == [ev.pk]
    ev.refresh_from_db()
    assert ev.reason == (
        "the worker stopped responding during attempt 1; queued again automatically"
    )
    assert leases.claim(ev.pk, "worker-b") is not None
    _expire(ev)
    assert leases.reap() == []  # the second attempt was the last
    ev.refresh_from_db()
    assert ev.status == "failed" and ev.attempts == 2
    assert ev.reason == GIVE_UP.format(n=2)
    assert leases.claim(ev.pk, "worker-c") is None
    assert sent == [ev.pk]


@pytest.mark.django_db
def test_claim_refuses_a_row_out_of_attempts(
    submit: Callable[[], Evaluation], settings: Any
) -> None:
    settings.WORKTRIAL_MAX_ATTEMPTS = 1
    ev = submit()
    assert leases.claim(ev.pk, "worker-a") is not None
    assert leases.release(ev.pk, "worker-a", "an error on our side") is True
    assert leases.claim(ev.pk, "worker-b") is None
    ev.refresh_from_db()
    assert (ev.status, ev.reason) == ("failed", GIVE_UP.format(n=1))


@pytest.mark.django_db
def test_reap_is_idempotent(submit: Callable[[], Evaluation], sent: list[int]) -> None:
    running_ev, queued_ev, done_ev = submit(), submit(), submit()
    assert leases.claim(running_ev.pk, "a") is not None
    assert leases.claim(done_ev.pk, "c") is not None
    assert leases.finish(done_ev.pk, "c", overall=2.0)
    _expire(running_ev)
    assert leases.reap() == [running_ev.pk]
    assert leases.reap() == []  # a second reaper (or pass) finds nothing more to do
    assert sent == [running_ev.pk]
    states = dict(Evaluation.objects.values_list("pk", "status"))
    assert states == {running_ev.pk: "queued", queued_ev.pk: "queued", done_ev.pk: "done"}


@pytest.mark.django_db
def test_a_lost_queued_message_is_resent_once(
    submit: Callable[[], Evaluation], sent: list[int]
) -> None:
    ev, fresh = submit(), submit()
    Evaluation.objects.filter(pk=ev.pk).update(queued_at=timezone.now() - timedelta(minutes=30))
    assert leases.reap(stale_queue_seconds=60) == [ev.pk]
    assert leases.reap(stale_queue_seconds=60) == []  # its queued_at was renewed
    assert sent == [ev.pk]
    assert fresh.pk not in sent


# --- the task -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_crash_on_our_side_gives_the_row_back(
    submit: Callable[[], Evaluation], sent: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ev = submit()

    def crash(*_args: Any) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(job_evaluate, "run_evaluation", crash)
    assert evaluate(ev.pk) == "released"
    ev.refresh_from_db()
    assert ev.status == "queued" and ev.attempts == 1 and ev.worker == ""
    assert ev.reason == (
        "the evaluation stopped because of an error on our side; it will be tried again"
    )
    assert "RuntimeError: disk on fire" in ev.log
    assert sent == [ev.pk]


@pytest.mark.django_db
def test_local_sandbox_is_refused_without_the_admins_consent(
    submit: Callable[[], Evaluation], settings: Any
) -> None:
    settings.WORKTRIAL_SANDBOX = "local"
    settings.WORKTRIAL_ALLOW_LOCAL_SANDBOX = False
    ev = submit()
    assert evaluate(ev.pk) == "failed"
    ev.refresh_from_db()
    assert ev.status == "failed" and ev.scorecard is None
    assert ev.reason == (
        "your code could not be run: the server's sandbox is not set up (the local sandbox "
        "does not isolate: candidate code can read files and use the network; it runs only "
        "when an administrator allows it (WORKTRIAL_ALLOW_LOCAL_SANDBOX=1)); the team has "
        "been told — this does not count against your submissions"
    )


@pytest.mark.django_db
def test_test_delay_setting_shows_as_a_step(
    submit: Callable[[], Evaluation], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WORKTRIAL_TEST_EVALUATION_DELAY = 0.01
    steps: list[str] = []
    monkeypatch.setattr(
        leases,
        "heartbeat",
        lambda pk, worker, step=None: steps.append(step or "") or True,
    )
    ev = submit()
    assert evaluate(ev.pk) == "done"
    assert steps[0] == "test delay"


# --- the reaper inside every worker ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_reaper_thread_requeues_without_being_called(
    submit: Callable[[], Evaluation], sent: list[int]
) -> None:
    ev = submit()
    sent.clear()  # the message sent after the submission's commit
    assert leases.claim(ev.pk, "a-worker-that-died") is not None
    _expire(ev)
    reaper = Reaper(interval=0.05)
    reaper.start()
    try:
        wait_for("the reaper to requeue the row", lambda: sent == [ev.pk], timeout=20)
    finally:
        reaper.stop()
    assert not reaper.is_alive() and reaper.passes >= 1
    ev.refresh_from_db()
    assert ev.status == "queued"


# --- sandboxed runs in the worker ------------------------------------------------------------


def _require_bwrap_and_readable_site() -> None:
    """Skip unless bubblewrap works (in CI, where the setup installs it, fail instead) and the
    sandbox user can read this interpreter's site-packages (linked into the environment)."""
    import os
    import sysconfig

    from worktrial.sandbox import bwrap_problem
    from worktrial.sandbox.environment import blocked_for_others

    problem = bwrap_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the bwrap sandbox is unusable: {problem}")
        pytest.skip(problem)
    site = Path(sysconfig.get_paths()["purelib"])
    blocked = blocked_for_others(site)
    if blocked is not None:
        pytest.skip(
            f"this interpreter's site-packages ({site}) cannot be read by the sandbox user: "
            f"{blocked[0]} is mode {blocked[1]:04o}"
        )


@pytest.mark.slow
@pytest.mark.django_db
def test_the_worker_runs_the_submission_in_bwrap(
    company: Company, tmp_path: Path, settings: Any
) -> None:
    _require_bwrap_and_readable_site()
    settings.WORKTRIAL_SANDBOX = "bwrap"
    settings.WORKTRIAL_LINK_SITE_PACKAGES = True
    with open_home() as run_home:
        settings.WORKTRIAL_RUN_HOME = str(run_home)
        trial = actions.do_create_trial_from_template(
            company.org, "classification", actor=company.manager
        )
        actions.do_publish_trial(trial, actor=company.manager)
        candidacy, token = actions.do_invite_candidate(
            trial, "runner@example.test", actor=company.manager
        )
        candidacy = actions.do_accept_invitation(token, password=PASSWORD)
        submission = do_submit(
            candidacy, working_bundle(tmp_path), name="w.bundle", actor=candidacy.user
        )
        ev = Evaluation.objects.get(submission=submission)
        assert evaluate(ev.pk) == "done"
        ev.refresh_from_db()
        assert ev.status == "done", ev.reason
        assert ev.reason == "evaluated; your code ran and was scored", ev.log
        assert ev.dev_score is not None and 0.5 < ev.dev_score <= 1.0
        assert ev.scorecard["run"]["split"] == "final"
        assert ev.scorecard["run"]["backend"] == "bwrap"
        assert "final split (bwrap): scored" in ev.log
        assert "dev split (bwrap): scored" in ev.log
        folders = sorted(p.name for p in (run_home / "runs").glob("*/evaluation-*"))
        assert len(folders) == 2 and folders[0].endswith("-dev"), folders
        assert folders[0].startswith(f"evaluation-{ev.pk}-attempt-1-"), folders


@pytest.mark.django_db
def test_a_run_that_fails_keeps_its_verdict_in_words(
    company: Company, bundle: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The persona's repository has no train command that works: the evaluation is done, the
    row says what failed (with the sandbox replaced by the engine's fake)."""
    from worktrial.sandbox import FakeSandbox, fake_result

    fake = FakeSandbox(
        [fake_result(exit_code=1, stderr="No module named src.train\n")] * 20,
    )
    settings.WORKTRIAL_SANDBOX = "bwrap"
    settings.WORKTRIAL_LINK_SITE_PACKAGES = True
    monkeypatch.setattr(job_evaluate, "choose_sandbox", lambda: fake)
    with open_home() as run_home:
        settings.WORKTRIAL_RUN_HOME = str(run_home)
        trial = actions.do_create_trial_from_template(
            company.org, "classification", actor=company.manager
        )
        actions.do_publish_trial(trial, actor=company.manager)
        candidacy, token = actions.do_invite_candidate(
            trial, "fails@example.test", actor=company.manager
        )
        candidacy = actions.do_accept_invitation(token, password=PASSWORD)
        submission = do_submit(candidacy, bundle, name="w.bundle", actor=candidacy.user)
        ev = Evaluation.objects.get(submission=submission)
        assert evaluate(ev.pk) == "done"
        ev.refresh_from_db()
    assert ev.status == "done" and ev.dev_score is None
    assert ev.reason.startswith("evaluated; running your code on the final split failed: ")
    assert "final split (fake" in ev.log and ": failed" in ev.log


# --- crash safety, with real worker processes --------------------------------------------------

KILLS = 20
SUBMISSIONS = 8


def _running_under(home: Path, pid: int) -> int | None:
    """The id of an evaluation that worker ``pid`` is in the middle of (its test delay)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(home / "worktrial.sqlite3", timeout=30)) as db:
        row = db.execute(
            "SELECT id FROM jobs_evaluation WHERE status = 'running' AND step = 'test delay' "
            "AND worker LIKE ?",
            (f"%:{pid}:%",),
        ).fetchone()
    return int(row[0]) if row else None


@pytest.mark.slow
def test_workers_killed_mid_evaluation_lose_nothing_and_write_once(tmp_path: Path) -> None:
    """SIGKILL a worker in the middle of an evaluation twenty times; afterwards every
    submission has exactly one finished evaluation, written once, and none is lost."""
    with open_home() as home:
        env = platform_env(
            home,
            WORKTRIAL_LEASE_SECONDS="2",
            WORKTRIAL_REAP_SECONDS="0.5",
            WORKTRIAL_MAX_ATTEMPTS=str(KILLS + 5),
            WORKTRIAL_TEST_EVALUATION_DELAY="1",
        )
        run_cli(["manage", "migrate", "--verbosity", "0"], env)
        create_org(env)
        submission_ids = seed(env, persona_bundle(tmp_path), SUBMISSIONS)
        killed: dict[int, int] = {}  # evaluation id -> times its worker was killed
        procs: list[Proc] = []
        with running(procs):

            def start_worker() -> Proc:
                proc = Proc(
                    f"worker {len(procs) + 1}",
                    ["worker", "--allow-sqlite-broker"],
                    env,
                    tmp_path / f"worker-{len(procs) + 1}.log",
                )
                procs.append(proc)
                return proc

            # two workers at a time, so one starts up while the other evaluates
            live = [start_worker(), start_worker()]
            deadline = time.monotonic() + 150
            while sum(killed.values()) < KILLS:
                assert time.monotonic() < deadline, (killed, [p.output() for p in live])
                for proc in list(live):
                    assert proc.process.poll() is None, proc.output()
                    victim = _running_under(home, proc.pid)
                    if victim is None:
                        continue
                    proc.send(signal.SIGKILL)
                    proc.wait(timeout=10)
                    killed[victim] = killed.get(victim, 0) + 1
                    live.remove(proc)
                    if sum(killed.values()) + len(live) < KILLS:
                        live.append(start_worker())
                time.sleep(0.05)
            # two workers finish everything (the reapers in them requeue what was killed)
            while len(live) < 2:
                live.append(start_worker())
            rows = wait_for(
                "every evaluation to finish",
                lambda: (
                    rows
                    if len(rows := evaluations(home)) == SUBMISSIONS
                    and all(r["status"] in ("done", "failed") for r in rows)
                    else None
                ),
                timeout=120,
                log=lambda: "\n".join(p.output() for p in live),
            )
            audits = finish_audits(home)
            for proc in live:  # a clean stop of the survivors
                proc.send(signal.SIGTERM)
            for proc in live:
                assert proc.wait(timeout=30) == 0, proc.output()
    assert sorted(r["submission_id"] for r in rows) == sorted(submission_ids)
    assert [r["status"] for r in rows] == ["done"] * SUBMISSIONS, rows
    # one result per evaluation, written once: exactly one finish audit row each
    assert sorted(t for t, _w in audits) == sorted(f"evaluation:{r['id']}" for r in rows)
    by_id = {r["id"]: r for r in rows}
    for ev_id, times in killed.items():
        assert by_id[ev_id]["attempts"] >= times + 1, (ev_id, times, by_id[ev_id])
    assert sum(killed.values()) == KILLS
