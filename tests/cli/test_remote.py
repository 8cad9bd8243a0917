"""``worktrial login``, ``submit``, ``status``, ``logout`` and ``update``/``ask --remote``
against a live test server (the real Django app on loopback, real HTTP)."""

from __future__ import annotations

import io
import socket
import stat
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from worktrial.cli import main
from worktrial.demo import build_persona
from worktrial.web.accounts.actions import (
    do_add_member,
    do_create_api_token,
    do_create_organization,
    do_create_user,
    do_revoke_api_token,
)
from worktrial.web.jobs import actions as job_actions
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.trials import actions
from worktrial.web.trials.models import Candidacy, Trial

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
BAD_TOKEN = (
    "error: this API token is not valid: it is unknown, revoked, or its account is disabled; "
    "make a new one at {server}/accounts/tokens/ and run `worktrial login` again"
)


@dataclass
class Setup:
    server: str
    trial: Trial
    candidacy: Candidacy
    token: str
    token_id: int
    repo: Path
    creds: Path


@pytest.fixture
def setup(live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    creds = tmp_path / "config" / "credentials.toml"
    monkeypatch.setenv("WORKTRIAL_CONFIG", str(creds))
    admin = do_create_user("admin@acme.test", PASSWORD)
    org = do_create_organization("Acme", admin=admin, slug="acme")
    manager = do_create_user("manager@acme.test", PASSWORD)
    do_add_member(org, manager, "manager", actor=admin)
    trial = actions.do_create_trial_from_template(org, "classification", actor=manager)
    actions.do_publish_trial(trial, actor=manager)
    candidacy, raw = actions.do_invite_candidate(trial, "ada@example.test", actor=manager)
    candidacy = actions.do_accept_invitation(raw, password=PASSWORD, name="Ada")
    assert candidacy.user is not None
    token, secret = do_create_api_token(candidacy.user, "laptop")
    persona = build_persona(
        "iterative-engineer", tmp_path / "repo", start=candidacy.starts_at - timedelta(days=1)
    )
    return Setup(
        server=live_server.url,
        trial=trial,
        candidacy=candidacy,
        token=secret,
        token_id=token.pk,
        repo=persona.path,
        creds=creds,
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # rich wraps long lines: compare words


def login(s: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["login", "--server", s.server, "--token", s.token], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == f"logged in to {s.server} as ada@example.test (candidate at Acme)"


def test_login_submit_status_logout(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(setup.token + "\n"))
    code, out, err = run(["login", "--server", setup.server + "/"], capsys)
    assert code == 0, err
    assert out == (
        f"logged in to {setup.server} as ada@example.test (candidate at Acme)\n"
        f"credentials saved to {setup.creds}\n"
    )
    assert setup.token not in out + err, "the token was printed"
    assert stat.S_IMODE(setup.creds.stat().st_mode) == 0o600
    assert f'server = "{setup.server}"' in setup.creds.read_text()

    # the evaluation stays queued (no worker): --wait gives up with the reason
    queued: list[int] = []
    monkeypatch.setattr(job_actions, "send_to_queue", queued.append)
    code, out, err = run(["submit", str(setup.repo), "--wait", "--timeout", "1"], capsys)
    submission = setup.candidacy.submissions.get()
    assert code == 1
    assert err == (
        f"error: submission 1 is still queued after 1 s (waiting for a worker); look again "
        f"later with `worktrial status {submission.pk}`"
    )
    assert submission.via == "cli" and submission.number == 1
    assert queued == [Evaluation.objects.get(submission=submission).pk]

    # a worker runs it; status shows the result
    assert evaluate(queued[0]) == "done"
    dev = Evaluation.objects.get(pk=queued[0]).dev_score
    code, out, err = run(["status", str(submission.pk)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"submission 1 (id {submission.pk}) of candidacy {setup.candidacy.pk}, "
        f"commit {submission.commit[:7]}"
    )
    assert lines[1] == "evaluation: done"  # its reason, "evaluated", is not repeated
    assert lines[2] == (
        "dev score: not measured (the submission was not run)"
        if dev is None
        else f"dev score: {dev:.4f}"
    )
    assert lines[3] == "submissions left: 4 today, 29 in total"

    code, out, err = run(["status"], capsys)
    assert code == 0, err
    assert submission.commit[:7] in out and "4 today, 29 in total" in out

    code, out, err = run(["logout"], capsys)
    assert code == 0
    assert out == f"logged out of {setup.server}; the token is revoked\n"
    assert not setup.creds.exists()
    from worktrial.web.accounts.models import ApiToken

    assert ApiToken.objects.get(pk=setup.token_id).revoked_at is not None
    code, out, err = run(["status"], capsys)
    assert code == 2
    assert (
        err
        == "error: not logged in to a worktrial server: run `worktrial login --server URL` first"
    )


def test_submit_and_wait_for_the_evaluation(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    login(setup, capsys)
    # a worker that picks the job up as soon as it is queued
    monkeypatch.setattr(job_actions, "send_to_queue", evaluate)
    code, out, err = run(
        ["submit", str(setup.repo), "--candidacy", str(setup.candidacy.pk), "--wait"], capsys
    )
    assert code == 0, err
    evaluation = Evaluation.objects.get(submission__candidacy=setup.candidacy)
    assert evaluation.status == "done"
    assert evaluation.reason == "evaluated"
    dev = evaluation.dev_score
    assert out.splitlines()[1:] == [
        "evaluation: done",
        "dev score: not measured (the submission was not run)"
        if dev is None
        else f"dev score: {dev:.4f}",
        "submissions left: 4 today, 29 in total",
    ]


def test_a_wrong_token_is_refused_and_not_stored(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["login", "--server", setup.server, "--token", "wt_wrong"], capsys)
    assert code == 2
    assert err == BAD_TOKEN.format(server=setup.server)
    assert out == "" and not setup.creds.exists()


def test_a_revoked_token_stops_working(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    login(setup, capsys)
    from worktrial.web.accounts.models import ApiToken

    do_revoke_api_token(ApiToken.objects.get(pk=setup.token_id), actor=setup.candidacy.user)
    monkeypatch.setattr(job_actions, "send_to_queue", lambda _pk: None)
    code, _out, err = run(["submit", str(setup.repo)], capsys)
    assert code == 2
    assert err == BAD_TOKEN.format(server=setup.server)
    assert setup.candidacy.submissions.count() == 0


def test_server_refusals_keep_their_message(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    login(setup, capsys)
    monkeypatch.setattr(job_actions, "send_to_queue", lambda _pk: None)
    spec = dict(setup.trial.spec)
    spec["quotas"] = {**spec.get("quotas", {}), "dev_per_day": 1}
    Trial.objects.filter(pk=setup.trial.pk).update(spec=spec)
    assert run(["submit", str(setup.repo)], capsys)[0] == 0
    code, out, err = run(["submit", str(setup.repo)], capsys)
    assert code == 2 and out == ""
    assert err == "error: you have used today's 1 submissions; try again tomorrow"
    code, _out, err = run(["submit", str(setup.repo), "--candidacy", "999999"], capsys)
    assert code == 2
    assert err == "error: not found: no such object, or it is not visible to you"
    assert setup.candidacy.submissions.count() == 1


def test_submit_refuses_a_folder_that_is_not_a_repository(
    setup: Setup, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    login(setup, capsys)
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _out, err = run(["submit", str(plain)], capsys)
    assert code == 2
    assert err == (
        f"error: {plain}: not a git repository (pass the folder that holds the .git directory)"
    )
    assert setup.candidacy.submissions.count() == 0


def test_an_unreachable_server(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = f"http://127.0.0.1:{port}"
    code, _out, err = run(["login", "--server", server, "--token", setup.token], capsys)
    assert code == 1
    assert err.startswith(f"error: cannot reach the worktrial server at {server}: ")
    assert not setup.creds.exists()


def test_login_refuses_an_address_that_is_not_a_server(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["login", "--server", "trials.example.com", "--token", "x"], capsys)
    assert code == 2
    assert err == (
        "error: --server 'trials.example.com': expected the server's address, e.g. "
        "https://trials.example.com"
    )


def test_update_and_ask_post_to_the_server_and_record_locally(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    login(setup, capsys)
    repo = str(setup.repo)
    code, out, err = run(
        [
            "update",
            "--done",
            "Baseline at recall 0.71",
            "--next",
            "Tune",
            "--remote",
            "--repo",
            repo,
        ],
        capsys,
    )
    assert code == 0, err
    assert out.splitlines()[0] == f"posted to {setup.server} (candidacy {setup.candidacy.pk})"
    assert out.splitlines()[1].startswith("recorded ")
    assert [u.done for u in setup.candidacy.updates.all()] == ["Baseline at recall 0.71"]

    code, out, err = run(
        ["ask", "Is recall the priority?", "--candidacy", str(setup.candidacy.pk), "--repo", repo],
        capsys,
    )
    assert code == 0, err
    assert out.splitlines()[0] == f"asked on {setup.server} (candidacy {setup.candidacy.pk})"
    assert [q.text for q in setup.candidacy.questions.all()] == ["Is recall the priority?"]

    # refused by the server: nothing is recorded locally either
    before = (setup.repo / ".worktrial" / "updates.jsonl").read_text()
    code, out, err = run(["update", "--next", "only next", "--remote", "--repo", repo], capsys)
    assert code == 2
    assert err == "error: done is empty; write a few words"
    assert (setup.repo / ".worktrial" / "updates.jsonl").read_text() == before

    code, out, err = run(
        ["update", "--done", "x", "--remote", "--at", "2026-03-03T14:00+00:00"], capsys
    )
    assert code == 2
    assert err == (
        "error: --at cannot be combined with --remote: the server records the time it receives it"
    )


def test_wait_for_an_evaluation_that_fails(
    setup: Setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from worktrial.web.jobs import leases

    reason = "your code could not be run: train.py crashed with exit code 1"

    def worker_that_fails(evaluation_id: int) -> None:
        assert leases.claim(evaluation_id, "w1") is not None
        assert leases.fail(evaluation_id, "w1", reason)

    login(setup, capsys)
    monkeypatch.setattr(job_actions, "send_to_queue", worker_that_fails)
    code, out, err = run(["submit", str(setup.repo), "--wait"], capsys)
    assert code == 1, err
    assert out.splitlines()[1] == f"evaluation: failed — {reason}"
    # a failed evaluation does not use up the quota
    assert out.splitlines()[2] == "submissions left: 5 today, 30 in total"
