"""The run modes as real processes: ``worktrial serve`` (SQLite, SQLite broker, the worker it
starts itself) and ``worktrial worker`` on PostgreSQL + Redis, each through a whole submission
flow; how ``serve`` stops (Ctrl-C, SIGTERM, being killed) without leaving a process behind."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ._processes import (
    PASSWORD,
    Proc,
    alive,
    children_of,
    create_org,
    evaluations,
    finish_audits,
    free_port,
    open_home,
    persona_bundle,
    platform_env,
    run_cli,
    running,
    seed,
    throwaway_postgres,
    throwaway_redis,
    wait_for,
    working_bundle,
)

pytestmark = pytest.mark.slow


def _sandbox_for_serve() -> dict[str, str]:
    """The embedded default (``auto``: bubblewrap) with this interpreter's packages linked in,
    when bubblewrap and this site-packages can be used here; otherwise evidence-only."""
    import sysconfig

    from worktrial.sandbox import bwrap_problem
    from worktrial.sandbox.environment import blocked_for_others

    site = Path(sysconfig.get_paths()["purelib"])
    if bwrap_problem() is None and blocked_for_others(site) is None:
        return {"WORKTRIAL_SANDBOX": "auto", "WORKTRIAL_LINK_SITE_PACKAGES": "1"}
    return {"WORKTRIAL_SANDBOX": "none"}


def _start_serve(env: dict[str, str], port: int, log: Path, *extra: str) -> Proc:
    proc = Proc("worktrial serve", ["serve", "--port", str(port), *extra], env, log)
    wait_for(
        "worktrial serve to say it is running",
        lambda: f"worktrial is running at http://127.0.0.1:{port}/" in proc.output(),
        timeout=90,
        log=proc.output,
    )
    return proc


def _tree(proc: Proc) -> list[int]:
    """The pids of serve's whole process tree (web server, its workers, the job worker)."""
    return [proc.pid, *children_of(proc.pid)]


def _login(base: str, email: str, password: str) -> int:
    """Log in through the login form (CSRF included); returns the status of the POST."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "accounts/login/", timeout=30).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, page[:500]
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    request = urllib.request.Request(base + "accounts/login/", data=form, method="POST")
    request.add_header("Referer", base + "accounts/login/")
    try:
        return int(opener.open(request, timeout=30).status)
    except urllib.error.HTTPError as err:
        return err.code


def test_serve_runs_the_whole_flow_and_stops_cleanly(tmp_path: Path) -> None:
    sandbox = _sandbox_for_serve()
    port = free_port()
    with open_home() as home:
        env = platform_env(home, **sandbox)
        procs: list[Proc] = []
        with running(procs):
            serve = _start_serve(env, port, tmp_path / "serve.log")
            procs.append(serve)
            out = serve.output()
            assert f"data folder: {home}\n" in out
            assert f"database:    SQLite {home / 'worktrial.sqlite3'}\n" in out
            assert f"broker:      sqla+sqlite:///{home / 'broker.sqlite3'}\n" in out
            assert "database migration(s)" in out
            assert "WORKTRIAL_SECRET_KEY" not in out  # no DATABASE_URL: a local key is right
            base = f"http://127.0.0.1:{port}/"
            css = urllib.request.urlopen(base + "static/worktrial/app.css", timeout=30)
            assert css.status == 200 and b".card" in css.read()  # whitenoise, from the package

            password = create_org(env)
            assert _login(base, "admin@acme.test", password) == 302
            assert _login(base, "admin@acme.test", "wrong password") == 200  # the form again

            bundle = (
                working_bundle(tmp_path)
                if sandbox["WORKTRIAL_SANDBOX"] != "none"
                else persona_bundle(tmp_path)
            )
            [submission] = seed(env, bundle, 1)
            [row] = wait_for(
                "the evaluation to finish",
                lambda: (
                    rows
                    if (rows := evaluations(home)) and rows[0]["status"] in ("done", "failed")
                    else None
                ),
                timeout=300,
                log=serve.output,
            )
            assert row["submission_id"] == submission
            assert row["status"] == "done", row
            assert row["attempts"] == 1
            if sandbox["WORKTRIAL_SANDBOX"] != "none":
                assert row["reason"] == "evaluated; your code ran and was scored", row
                assert row["dev_score"] is not None
            assert [t for t, _w in finish_audits(home)] == [f"evaluation:{row['id']}"]

            tree = _tree(serve)
            assert len(tree) >= 4, tree  # serve, gunicorn and its 2 workers, the job worker
            serve.send(signal.SIGTERM)
            assert serve.wait(timeout=60) == 0, serve.output()
            assert serve.output().rstrip().endswith("stopped")
            wait_for(
                "every process of serve to exit",
                lambda: not [p for p in tree if alive(p)],
                timeout=30,
                log=serve.output,
            )


def test_ctrl_c_stops_serve_without_a_worker(tmp_path: Path) -> None:
    port = free_port()
    with open_home() as home:
        env = platform_env(home)
        procs: list[Proc] = []
        with running(procs):
            serve = _start_serve(env, port, tmp_path / "serve.log", "--no-worker")
            procs.append(serve)
            assert "(no worker: --no-worker)" in serve.output()
            tree = _tree(serve)
            assert not any("worktrial worker" in _cmdline(p) for p in tree)
            serve.send(signal.SIGINT)
            assert serve.wait(timeout=60) == 0, serve.output()
            assert "stopping the web server and the worker" in serve.output()
            wait_for(
                "every process of serve to exit",
                lambda: not [p for p in tree if alive(p)],
                timeout=30,
            )


def test_a_killed_serve_takes_its_children_along(tmp_path: Path) -> None:
    port = free_port()
    with open_home() as home:
        env = platform_env(home)
        procs: list[Proc] = []
        with running(procs):
            serve = _start_serve(env, port, tmp_path / "serve.log")
            procs.append(serve)
            tree = _tree(serve)
            assert any("worktrial worker" in _cmdline(p) for p in tree), tree
            serve.send(signal.SIGKILL)
            serve.wait(timeout=10)
            wait_for(
                "the web server and the worker to follow serve",
                lambda: not [p for p in tree if alive(p)],
                timeout=60,
            )


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_refuses_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with open_home() as home:
            done = subprocess.run(
                [sys.executable, "-m", "worktrial", "serve", "--port", str(port)],
                env=platform_env(home),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert not (home / "worktrial.sqlite3").exists()  # refused before anything else
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is already in use (another worktrial serve or "
        "another program); stop it or choose another port with --port"
    )


def test_worker_refuses_the_sqlite_broker_unless_asked() -> None:
    with open_home() as home:
        done = subprocess.run(
            [sys.executable, "-m", "worktrial", "worker"],
            env=platform_env(home),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert " ".join(done.stderr.split()) == (
        f"error: the broker is the embedded SQLite file (sqla+sqlite:///{home}/broker.sqlite3), "
        "which only processes on this machine sharing the same WORKTRIAL_HOME can see; set "
        "CELERY_BROKER_URL (e.g. redis://host:6379/0) for workers on several machines, or pass "
        "--allow-sqlite-broker to run a worker beside `worktrial serve --no-worker`"
    )


def test_admin_create_org_takes_the_password_from_stdin() -> None:
    with open_home() as home:
        env = platform_env(home)
        run_cli(["manage", "migrate", "--verbosity", "0"], env)
        done = run_cli(
            [
                "admin",
                "create-org",
                "Initech",
                "--admin-email",
                "boss@initech.test",
                "--password-stdin",
            ],
            env,
            stdin=PASSWORD + "\n",
        )
        assert done.stdout == "organization Initech (initech) created; admin: boss@initech.test\n"
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "worktrial",
                "admin",
                "create-org",
                "Initech",
                "--admin-email",
                "boss@initech.test",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert again.returncode == 2
        assert again.stderr.strip() == "error: the organization name 'initech' is taken"
        check = run_cli(
            [
                "manage",
                "shell",
                "-c",
                "from django.contrib.auth import authenticate; "
                f"print(authenticate(username='boss@initech.test', password='{PASSWORD}'))",
            ],
            env,
        )
        assert check.stdout.strip().splitlines()[-1] == "boss@initech.test"


@pytest.mark.services
def test_postgres_redis_and_two_workers_evaluate_each_submission_once(tmp_path: Path) -> None:
    submissions = 6
    with throwaway_postgres() as database, throwaway_redis() as broker, open_home() as home:
        env = platform_env(home, DATABASE_URL=database, CELERY_BROKER_URL=broker)
        run_cli(["manage", "migrate", "--verbosity", "0"], env)
        create_org(env)
        procs: list[Proc] = []
        with running(procs):
            for n in (1, 2):
                procs.append(
                    Proc(
                        f"worker {n}",
                        ["worker", "--concurrency", "1"],
                        env,
                        tmp_path / f"worker-{n}.log",
                    )
                )
            for proc in procs:
                wait_for(f"{proc.name} to be ready", lambda p=proc: " ready." in p.output(), 90)
                out = proc.output()
                assert f"broker:      {broker}\n" in out
                assert "database:    postgresql 127.0.0.1:5432/worktrial_test_" in out
                assert "DATABASE_URL is set but WORKTRIAL_SECRET_KEY is not" in out
            ids = seed(env, persona_bundle(tmp_path), submissions)
            rows = wait_for(
                "every evaluation to finish",
                lambda: (
                    rows
                    if len(rows := evaluations(home, database)) == submissions
                    and all(r["status"] in ("done", "failed") for r in rows)
                    else None
                ),
                timeout=240,
                log=lambda: "\n".join(p.output() for p in procs),
            )
            audits = finish_audits(home, database)
            for proc in procs:
                proc.send(signal.SIGTERM)
            for proc in procs:
                assert proc.wait(timeout=60) == 0, proc.output()
    assert sorted(r["submission_id"] for r in rows) == sorted(ids)
    assert [(r["status"], r["attempts"]) for r in rows] == [("done", 1)] * submissions, rows
    assert sorted(t for t, _w in audits) == sorted(f"evaluation:{r['id']}" for r in rows)
    # both workers took part: the attempt tokens name each worker's process
    pids = {int(w.split(":")[1]) for _t, w in audits}
    assert pids == {p.pid for p in procs}, (pids, [p.pid for p in procs])
