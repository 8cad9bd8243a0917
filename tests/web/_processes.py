"""Helpers for tests that run the platform as real processes: ``worktrial serve``, ``worktrial
worker``, ``worktrial manage``; their data folders, databases and process trees.

The subprocesses never use the pytest settings: they get the embedded settings and a data folder
of their own (``WORKTRIAL_HOME``), plus ``DATABASE_URL`` / ``CELERY_BROKER_URL`` for the
PostgreSQL + Redis mode.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def _root_conftest() -> Any:
    """tests/conftest.py, loaded by path: the module name ``conftest`` is ambiguous when several
    test folders have one."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("worktrial_tests_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


require_service: Callable[[str, str, int], None] = _root_conftest().require_service

EMBEDDED = "worktrial.web.settings.embedded"
PASSWORD = "correct horse battery staple"
POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13  # a database number of its own; flushed before and after each use
# environment variables of the test process that must not leak into the platform's processes
_DROP = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "WORKTRIAL_TEST_DATABASE_URL",
    "WORKTRIAL_TEST_HOME",
    "WORKTRIAL_SECRET_KEY",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def open_home() -> Iterator[Path]:
    """A fresh data folder every user may enter (the sandbox user must read environments and
    runs under it; pytest's own temporary folders are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-platform-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def platform_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a platform process with data in ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(
        DJANGO_SETTINGS_MODULE=EMBEDDED,
        WORKTRIAL_HOME=str(home),
        PYTHONUNBUFFERED="1",
        WORKTRIAL_SANDBOX="none",
    )
    env.update(extra)
    return env


def wait_for(what: str, check: Callable[[], T | None], timeout: float, log: Any = None) -> T:
    """Poll ``check`` until it returns something other than None/False; fail after ``timeout``
    seconds naming ``what`` (and showing ``log()`` when given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f"\n--- logs ---\n{log()}" if log is not None else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}{shown}")
        time.sleep(0.25)


# --- processes ---------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the fields start after the last ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":  # a zombie is dead already
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@dataclass
class Proc:
    """A ``worktrial`` command running in the background, its output in a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worktrial", *self.argv],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def send(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} did not stop within {timeout:g} s\n{self.output()}")

    def kill_tree(self) -> None:
        """SIGKILL the process and everything it started (cleanup after a failed test)."""
        for pid in [*children_of(self.pid), self.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def running(procs: list[Proc]) -> Iterator[list[Proc]]:
    """Kill whatever of ``procs`` still runs when the block ends (a test that failed)."""
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill_tree()


def run_cli(
    args: list[str], env: dict[str, str], *, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``worktrial ARGS`` to completion; fails the test on a non-zero exit."""
    done = subprocess.run(
        [sys.executable, "-m", "worktrial", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"worktrial {' '.join(args[:3])} exited {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


# --- seeding a platform through its actions -----------------------------------------------

SEED = r"""
import json, os
from pathlib import Path
from worktrial.web.accounts.actions import do_add_member, do_create_user
from worktrial.web.accounts.models import Membership, Organization
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions

p = json.loads(os.environ["WT_SEED"])
org = Organization.objects.get(slug=p["org"])
admin = Membership.objects.get(organization=org, role="admin").user
manager = do_create_user(f"manager@{org.slug}.test", p["password"])
do_add_member(org, manager, "manager", actor=admin)
trial = actions.do_create_trial_from_template(org, "classification", actor=manager)
actions.do_publish_trial(trial, actor=manager)
ids = []
for i in range(p["candidates"]):
    cand, token = actions.do_invite_candidate(
        trial, f"candidate{i}@example.test", actor=manager, name=f"Candidate {i}"
    )
    cand = actions.do_accept_invitation(token, password=p["password"])
    sub = do_submit(cand, Path(p["bundle"]), name="work.bundle", actor=cand.user, via="cli")
    ids.append(sub.pk)
print("SEEDED " + json.dumps({"trial": trial.pk, "submissions": ids}))
"""


def create_org(env: dict[str, str], slug: str = "acme") -> str:
    """``worktrial admin create-org``; returns the generated admin password it printed."""
    done = run_cli(
        ["admin", "create-org", slug.capitalize(), "--admin-email", f"admin@{slug}.test"], env
    )
    assert f"organization {slug.capitalize()} ({slug}) created; admin: admin@{slug}.test" in (
        done.stdout
    ), done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("password: ")]
    assert len(lines) == 1, done.stdout
    return lines[0].removeprefix("password: ")


def seed(env: dict[str, str], bundle: Path, candidates: int, org: str = "acme") -> list[int]:
    """A trial of ``org`` with ``candidates`` candidacies, each submitting ``bundle`` (through
    the actions, in a ``worktrial manage shell`` of the platform); returns the submission ids."""
    params = {"org": org, "bundle": str(bundle), "candidates": candidates, "password": PASSWORD}
    done = run_cli(["manage", "shell", "-c", SEED], {**env, "WT_SEED": json.dumps(params)})
    line = next(x for x in done.stdout.splitlines() if x.startswith("SEEDED "))
    ids: list[int] = json.loads(line.removeprefix("SEEDED "))["submissions"]
    return ids


def persona_bundle(dest: Path, persona: str = "iterative-engineer") -> Path:
    """A git bundle of a demo persona's repository (started two days ago)."""
    from worktrial.demo import build_persona

    repo = build_persona(
        persona, dest / "repo", starter=None, start=datetime.now(UTC) - timedelta(days=2)
    )
    return git_bundle(repo.path, dest / "work.bundle")


def git_bundle(repo: Path, out: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(repo), "bundle", "create", str(out), "--all"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    out.chmod(0o644)
    return out


TRAIN = '''"""Train: median imputation, scaling and a logistic regression."""

import pickle
from pathlib import Path

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from src.data import DATA, load


def main() -> None:
    _ids, features, labels = load(DATA / "train.csv")
    model = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(max_iter=1000, random_state=0),
    )
    model.fit(features, labels)
    Path("models").mkdir(exist_ok=True)
    with open("models/model.pkl", "wb") as fh:
        pickle.dump({"features": list(features.columns), "model": model}, fh)


if __name__ == "__main__":
    main()
'''


def working_bundle(dest: Path) -> Path:
    """A git bundle of a candidate repository that trains and predicts for real under the
    classification template's interface: its starter kit with a plain baseline in train.py."""
    from worktrial.spec import new_from_template
    from worktrial.testing import RepoBuilder

    trial = new_from_template("classification", dest / "trial")
    files: dict[str, str | bytes] = {
        path.relative_to(trial.starter_dir).as_posix(): path.read_bytes()
        for path in sorted(trial.starter_dir.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    b = RepoBuilder(dest / "repo", start=datetime.now(UTC) - timedelta(days=2))
    b.commit("Start from the starter kit", files)
    b.commit("Train a logistic regression baseline", {"src/train.py": TRAIN})
    return git_bundle(dest / "repo", dest / "work.bundle")


# --- reading the platform's evaluation rows -------------------------------------------------

COLUMNS = ("id", "submission_id", "status", "attempts", "reason", "finished_at", "dev_score")


def evaluations(home: Path, database_url: str | None = None) -> list[dict[str, Any]]:
    """The evaluation rows of the platform with data in ``home`` (or at ``database_url``)."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM jobs_evaluation ORDER BY id"
    if database_url is None:
        with contextlib.closing(sqlite3.connect(home / "worktrial.sqlite3", timeout=30)) as db:
            rows = db.execute(sql).fetchall()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as db:
            rows = db.execute(sql).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def finish_audits(home: Path, database_url: str | None = None) -> list[tuple[str, str]]:
    """(target, worker) of every ``evaluation.finish`` audit row: one per result written."""
    sql = (
        "SELECT target, details FROM audit_auditevent WHERE action = 'evaluation.finish' "
        "ORDER BY id"
    )
    if database_url is None:
        with contextlib.closing(sqlite3.connect(home / "worktrial.sqlite3", timeout=30)) as db:
            rows = db.execute(sql).fetchall()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as db:
            rows = db.execute(sql).fetchall()
    out = []
    for target, details in rows:
        parsed = json.loads(details) if isinstance(details, str) else details
        out.append((str(target), str(parsed.get("worker", ""))))
    return out


# --- PostgreSQL and Redis --------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new PostgreSQL database on 127.0.0.1:5432 (trust auth), dropped afterwards; yields its
    URL. Skips (or fails with WORKTRIAL_REQUIRE_SERVICES=1) when PostgreSQL is not there."""
    require_service("PostgreSQL", *POSTGRES)
    import psycopg

    user = None
    for candidate in ("postgres", "root"):
        try:
            with psycopg.connect(
                host=POSTGRES[0], port=POSTGRES[1], user=candidate, dbname="postgres"
            ):
                user = candidate
                break
        except psycopg.OperationalError:
            continue
    if user is None:
        reason = "PostgreSQL on 127.0.0.1:5432 accepts neither user postgres nor root"
        if os.environ.get("WORKTRIAL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; WORKTRIAL_REQUIRE_SERVICES=1 requires it")
        pytest.skip(reason)
    name = f"worktrial_test_{uuid.uuid4().hex[:12]}"
    admin = {"host": POSTGRES[0], "port": POSTGRES[1], "user": user, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{POSTGRES[0]}:{POSTGRES[1]}/{name}"
    finally:
        with psycopg.connect(**admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """Redis database :data:`REDIS_DB` on 127.0.0.1:6379, flushed before and after; yields its
    URL. Skips (or fails with WORKTRIAL_REQUIRE_SERVICES=1) when Redis is not there."""
    require_service("Redis", *REDIS)
    import redis

    url = f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
