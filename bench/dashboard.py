"""Trial dashboard under load: 10,000 submissions in PostgreSQL, 50 concurrent simulated users.

What it does, in order:

1. Creates a throw-away PostgreSQL database (127.0.0.1:5432, trust authentication, user
   ``postgres`` or ``root``) named ``worktrial_bench_<random>``, and drops it at the end, also
   after Ctrl-C or SIGTERM. Without PostgreSQL it prints why and skips (exit status 0).
2. Seeds it: one organization (admin, hiring manager, two reviewers), one published trial made
   from the ``classification`` template through the action, and ``--submissions`` submissions
   (default 10,000) across candidacies of ``--per-candidacy`` submissions each (default 5, so
   2,000 candidacies), plus 10 % more candidacies still invited or working with none. Every
   submission has a finished evaluation (overall score, six dimension scores, red flags and one
   real scorecard JSON, made once by the engine from a demo persona's repository and shared by
   every row); a third of the candidacies have two reviewers assigned (half of those reviews
   submitted); a quarter asked a question, half of them still open.
3. Measures one dashboard request in this process (the query count, the time spent in SQL and
   the slowest queries) for the hiring manager and for a reviewer.
4. Starts the server the way production runs it: ``worktrial serve --no-worker`` (gunicorn,
   gthread workers; static files served by the app) on a free loopback port, with
   ``DATABASE_URL`` pointing at that database and a fresh ``WORKTRIAL_HOME``. The hiring
   manager is logged in by a session created here (Django's session store, same database);
   every request carries its cookie.
5. Load, phase after phase: first the static file ``/static/worktrial/app.css`` (the baseline),
   then the dashboard ``/trials/<id>/`` (the first page, default sort), each for
   ``--seconds``; ``--rounds N`` repeats the pair. In each phase ``--users`` simulated users
   run at once. A simulated user is one thread with one keep-alive HTTP/1.1 connection
   (``http.client``) that loops: send a GET, read the whole body, then think for a uniformly
   random 0.5-1.5 s (``--think``), so 50 users offer about 50 requests per second. Users start
   at random moments within the first think time so they do not arrive in lockstep. A
   request's latency is the time from sending it to having read the whole body; only requests
   started inside the phase's window count. A status other than 200 or a broken connection is
   an error (and the user reconnects).

It prints, per phase: requests, errors, the achieved rate, p50/p95/p99 latency, and the CPU
time per request of the server's processes, of the PostgreSQL backends serving the database
and of the load generator itself (from /proc); then the ratios dashboard / static at p95 and
p50 and whether the dashboard's p95 is under 150 ms (the target). Exit status 1 when any
request failed. The load generator shares the machine's cores with the server and
PostgreSQL (its own work per request is the same in both phases and printed), and so does
any other work on the machine: the load average before and after the load is printed too.

    python bench/dashboard.py [--users 50] [--seconds 30] [--submissions 10000] [--rounds 1]
    python bench/dashboard.py --quick     # a smoke run: 1,000 submissions, 10 users, 5 s
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

POSTGRES = ("127.0.0.1", 5432)
STATIC_PATH = "/static/worktrial/app.css"
TARGET_P95_MS = 150.0
PR_SET_PDEATHSIG = 1
STAGES_WITH_WORK = ["submitted"] * 5 + ["in_review"] * 3 + ["decided"] + ["withdrawn"]
STAGES_WITHOUT_WORK = ["invited", "active", "active"]
PAYMENTS = ["not_due", "due", "paid"]


# --------------------------------------------------------------------------- PostgreSQL


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used here, or None."""
    try:
        with socket.create_connection(POSTGRES, timeout=1.0):
            pass
    except OSError as err:
        return f"PostgreSQL is not reachable on {POSTGRES[0]}:{POSTGRES[1]} ({err.strerror or err})"
    if postgres_user() is None:
        return f"PostgreSQL on {POSTGRES[0]}:{POSTGRES[1]} accepts neither user postgres nor root"
    return None


def postgres_user() -> str | None:
    """The first of ``postgres``, ``root`` that may connect without a password."""
    import psycopg

    for user in ("postgres", "root"):
        try:
            with psycopg.connect(
                host=POSTGRES[0], port=POSTGRES[1], user=user, dbname="postgres", connect_timeout=5
            ):
                return user
        except psycopg.OperationalError:
            continue
    return None


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A new database ``worktrial_bench_<random>``, dropped afterwards (even when the server
    still holds connections to it); yields its URL."""
    import psycopg

    user = postgres_user()
    assert user is not None
    name = f"worktrial_bench_{secrets.token_hex(6)}"
    admin = {"host": POSTGRES[0], "port": POSTGRES[1], "user": user, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{POSTGRES[0]}:{POSTGRES[1]}/{name}"
    finally:
        with psycopg.connect(**admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped database {name}", flush=True)


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    """What the seeding made: the ids the load needs and the row counts it prints."""

    trial_id: int
    manager_id: int
    reviewer_id: int
    counts: dict[str, int]
    seconds: float


def real_scorecard(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """One real scorecard (the engine's JSON) of a demo persona's repository, evaluated
    against the classification template without running code; and the dimension ids."""
    from worktrial._pipeline import evaluate_repo
    from worktrial.demo import build_persona
    from worktrial.spec import new_from_template

    new_from_template("classification", folder / "trial")
    repo = build_persona("iterative-engineer", folder / "repo")
    card = evaluate_repo(repo.path, bundle=folder / "trial")
    return card.model_dump(mode="json"), [d.id for d in card.dimensions]


def seed(submissions: int, per_candidacy: int, work: Path, rng: random.Random) -> Seeded:
    """Fill the (migrated, empty) database; see the module docstring for what goes in."""
    from django.db import connection, transaction
    from django.utils import timezone

    from worktrial.web.accounts.actions import (
        do_add_member,
        do_create_organization,
        do_create_user,
    )
    from worktrial.web.jobs.models import Evaluation
    from worktrial.web.reviews.models import Review
    from worktrial.web.submissions.models import Submission
    from worktrial.web.trials import actions
    from worktrial.web.trials.models import Candidacy, Question

    t0 = time.perf_counter()
    password = secrets.token_urlsafe(16)
    admin = do_create_user("admin@bench.test", password)
    org = do_create_organization("Bench", admin=admin, slug="bench")
    manager = do_create_user("manager@bench.test", password)
    do_add_member(org, manager, "manager", actor=admin)
    reviewers = []
    for i in (1, 2):
        reviewer = do_create_user(f"reviewer{i}@bench.test", password)
        do_add_member(org, reviewer, "reviewer", actor=admin)
        reviewers.append(reviewer)
    trial = actions.do_create_trial_from_template(org, "classification", actor=manager)
    actions.do_publish_trial(trial, actor=manager)
    scorecard, dimension_ids = real_scorecard(work / "scorecard")

    # Bench data, not user actions: the rows are written in bulk (bulk_create, one UPDATE for
    # the shared scorecard) so that seeding 10,000 submissions takes seconds. The pages only
    # read these rows; the actions that write them in real use are tested elsewhere.
    now = timezone.now()
    with_work = max(submissions // per_candidacy, 1)
    without_work = with_work // 10
    aliases = rng.sample(range(10_000, 100_000), with_work + without_work)
    candidacies = []
    for i in range(with_work + without_work):
        starts_at = now - timedelta(days=20, minutes=rng.randrange(0, 7 * 24 * 60))
        stage = rng.choice(STAGES_WITH_WORK if i < with_work else STAGES_WITHOUT_WORK)
        candidacies.append(
            Candidacy(
                trial=trial,
                email=f"candidate{i}@example.test",
                name=f"Candidate {i}",
                alias=f"candidate-{aliases[i]}",
                stage=stage,
                starts_at=starts_at,
                deadline=starts_at + timedelta(days=14),
                payment_status="not_due" if stage in STAGES_WITHOUT_WORK else rng.choice(PAYMENTS),
            )
        )
    with transaction.atomic():
        Candidacy.objects.bulk_create(candidacies, batch_size=1000)
        subs = []
        left = submissions
        for c in candidacies[:with_work]:
            n = per_candidacy if c is not candidacies[with_work - 1] else left
            for number in range(1, n + 1):
                subs.append(
                    Submission(
                        candidacy=c,
                        number=number,
                        commit=secrets.token_hex(20),
                        repo_dir=f"repos/bench/{c.alias}/{number}",
                        size_bytes=rng.randrange(50_000, 5_000_000),
                        via=rng.choice(["cli", "web"]),
                        uploaded_at=c.starts_at + timedelta(days=number * 2, hours=number),
                    )
                )
            left -= n
        Submission.objects.bulk_create(subs, batch_size=2000)
        evaluations = []
        for s in subs:
            dims: dict[str, float | None] = {
                d: round(rng.uniform(1.0, 5.0), 2) for d in dimension_ids
            }
            if rng.random() < 0.1:
                dims["output"] = None  # the run failed: no output score, as in real scorecards
            scored = [v for v in dims.values() if v is not None]
            evaluations.append(
                Evaluation(
                    submission=s,
                    spec_version=trial.spec_version,
                    status="done",
                    attempts=1,
                    queued_at=s.uploaded_at,
                    started_at=s.uploaded_at + timedelta(seconds=2),
                    finished_at=s.uploaded_at + timedelta(seconds=40),
                    overall=round(statistics.fmean(scored), 2),
                    dimensions=dims,
                    red_flags=rng.choice([0, 0, 0, 0, 1, 1, 2, 3]),
                    dev_score=round(rng.uniform(0.5, 0.95), 4),
                    reason="",
                )
            )
        Evaluation.objects.bulk_create(evaluations, batch_size=2000)
        # what ``refresh_latest`` keeps on each candidacy: the evaluation of its last
        # submission (submissions are in order, one evaluation each)
        for ev in evaluations:
            c = ev.submission.candidacy
            c.latest_evaluation = ev
            c.latest_status = ev.status
            c.latest_reason = ev.reason
            c.latest_overall = ev.overall
            c.latest_red_flags = ev.red_flags
            c.latest_dimensions = ev.dimensions
        Candidacy.objects.bulk_update(
            candidacies[:with_work],
            [
                "latest_evaluation",
                "latest_status",
                "latest_reason",
                "latest_overall",
                "latest_red_flags",
                "latest_dimensions",
            ],
            batch_size=1000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE jobs_evaluation SET scorecard = %s::jsonb", [json.dumps(scorecard)]
            )
        reviews = []
        for c in candidacies[:with_work]:
            if rng.random() < 1 / 3:
                for reviewer in reviewers:
                    done = rng.random() < 0.5
                    reviews.append(
                        Review(
                            candidacy=c,
                            reviewer=reviewer,
                            assigned_by=manager,
                            assigned_at=c.starts_at + timedelta(days=14),
                            ratings={d: rng.randint(1, 5) for d in dimension_ids} if done else {},
                            recommendation=rng.choice(["yes", "no", "strong_yes"]) if done else "",
                            submitted_at=c.starts_at + timedelta(days=15) if done else None,
                        )
                    )
        Review.objects.bulk_create(reviews, batch_size=2000)
        questions = []
        for c in candidacies:
            if rng.random() < 0.25:
                answered = rng.random() < 0.5
                questions.append(
                    Question(
                        candidacy=c,
                        text="Is the holdout drawn from the same period as the training data?",
                        asked_at=c.starts_at + timedelta(days=1),
                        answer="Yes, the same period." if answered else "",
                        answered_at=c.starts_at + timedelta(days=2) if answered else None,
                        answered_by=manager if answered else None,
                    )
                )
        Question.objects.bulk_create(questions, batch_size=2000)
    with connection.cursor() as cursor:
        # what autovacuum would have done by the time anyone looks (statistics, visibility map)
        cursor.execute("VACUUM ANALYZE")
    counts = {
        "candidacies": len(candidacies),
        "submissions": len(subs),
        "evaluations": len(evaluations),
        "reviews": len(reviews),
        "questions": len(questions),
    }
    return Seeded(trial.pk, manager.pk, reviewers[0].pk, counts, seconds=time.perf_counter() - t0)


def session_cookie(user_id: int) -> str:
    """A logged-in session for the user (stored in the database the server reads), as the
    ``Cookie`` header a browser would send."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from worktrial.web.accounts.models import User

    user = User.objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# --------------------------------------------------------------------------- profile


def profile(url: str, cookie: str, label: str, runs: int = 5) -> None:
    """One page requested ``runs`` times in this process: the query count, the time spent
    waiting for the database and the slowest queries of the last request."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    walls: list[float] = []
    in_sql: list[float] = []
    queries: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - t0, sql))

    for _ in range(runs):
        queries.clear()
        with connection.execute_wrapper(timed):
            t0 = time.perf_counter()
            response = client.get(url)
            walls.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}, expected 200")
        in_sql.append(sum(t for t, _ in queries))
    rows = response.content.count(b'<tr id="candidacy-')
    print(
        f"{label}: {len(queries)} queries; median {statistics.median(walls) * 1000:.1f} ms per "
        f"request, {statistics.median(in_sql) * 1000:.1f} ms of it in the database; "
        f"{len(response.content):,} bytes, {rows} table rows"
    )
    for seconds, sql in sorted(queries, reverse=True)[:3]:
        text = " ".join(sql.split())
        print(f"    {seconds * 1000:7.1f} ms  {text[:140]}{'…' if len(text) > 140 else ''}")


def python_profile(url: str, cookie: str, runs: int = 20, top: int = 25) -> None:
    """Where the Python time of ``runs`` in-process requests of ``url`` goes (cProfile): the
    ``top`` functions by their own time."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    client.get(url)  # warm: templates compiled, URL resolvers filled
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    print(f"cProfile of {runs} requests (own time, top {top}):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- the server


def _die_with_parent() -> None:
    # the server gets SIGTERM if this process dies without cleaning up (Linux)
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """``worktrial serve --no-worker`` in a session of its own, its output in a log file."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # serve stops gunicorn itself
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_server(env: dict[str, str], log: Path, workers: int, threads: int) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "worktrial",
        "serve",
        "--no-worker",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--web-workers",
        str(workers),
        "--web-threads",
        str(threads),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script, which stops the server
            preexec_fn=_die_with_parent,
        )
    server = Server(process, log, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"worktrial serve exited with {process.returncode}:\n{server.tail()}")
        if "worktrial is running at" in log.read_text(errors="replace"):
            return server
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"worktrial serve did not start within 60 s:\n{server.tail()}")


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    """One phase's measurements."""

    name: str
    path: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: Counter[str] = field(default_factory=Counter)
    sizes: set[int] = field(default_factory=set)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the phase

    def cpu_per_request(self, who: str) -> float:
        """CPU milliseconds ``who`` used per request in this phase."""
        return self.cpu.get(who, float("nan")) * 1000 / max(self.requests, 1)

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def percentile(self, p: int) -> float:
        """The ``p``-th percentile latency in ms (linear between the closest ranks)."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / TICKS


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(
                    int(entry.name)
                )
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class CpuMeter:
    """CPU time used by the server (``worktrial serve`` and its gunicorn processes), by the
    PostgreSQL backends serving the benchmark's database, and by this load generator; read
    from /proc, so it is this machine's processes that are counted."""

    server_pid: int
    database: str
    admin: Any  # a psycopg connection to the maintenance database

    def snapshot(self) -> dict[str, dict[int, float]]:
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
        ).fetchall()
        server = [self.server_pid, *_descendants(self.server_pid)]
        return {
            "server": {pid: _cpu_seconds(pid) for pid in server},
            "postgres": {pid: _cpu_seconds(pid) for (pid,) in rows},
            "client": {0: time.process_time()},
        }

    @staticmethod
    def used(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
    ) -> dict[str, float]:
        """CPU seconds per part between two snapshots (a process that started in between
        counts from zero; one that ended in between is not counted)."""
        return {
            part: sum(t - before[part].get(pid, 0.0) for pid, t in after[part].items())
            for part in after
        }


def simulated_user(
    phase: Phase,
    port: int,
    headers: dict[str, str],
    window: tuple[float, float],
    think: tuple[float, float],
    rng: random.Random,
    lock: threading.Lock,
    stop: threading.Event,
) -> None:
    """Request, read the whole body, think; until the window closes (see the docstring)."""
    start, end = window
    conn: http.client.HTTPConnection | None = None
    stop.wait(max(start + rng.uniform(0, think[1]) - time.monotonic(), 0))
    while not stop.is_set() and time.monotonic() < end:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        error = ""
        try:
            conn.request("GET", phase.path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - t0
            if response.status != 200:
                error = f"HTTP {response.status}"
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as err:
            error = type(err).__name__
            conn.close()
            conn = None
        with lock:
            if error:
                phase.errors[error] += 1
            else:
                phase.latencies.append(elapsed)
                phase.sizes.add(len(body))
        stop.wait(rng.uniform(*think))
    if conn is not None:
        conn.close()


def run_phase(
    name: str,
    path: str,
    port: int,
    cookie: str,
    *,
    users: int,
    seconds: float,
    think: tuple[float, float],
    rng: random.Random,
    stop: threading.Event,
    meter: CpuMeter,
) -> Phase:
    """``users`` simulated users on ``path`` for ``seconds``."""
    phase = Phase(name, path)
    headers = {"Cookie": cookie, "Accept": "text/html,*/*", "User-Agent": "worktrial-bench"}
    lock = threading.Lock()
    start = time.monotonic() + 0.2
    window = (start, start + seconds)
    threads = [
        threading.Thread(
            target=simulated_user,
            args=(phase, port, headers, window, think, random.Random(rng.random()), lock, stop),
            daemon=True,
        )
        for _ in range(users)
    ]
    before = meter.snapshot()
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():  # join in slices so Ctrl-C is seen at once
            t.join(0.2)
    phase.cpu = meter.used(before, meter.snapshot())
    phase.seconds = seconds
    return phase


def warm_up(port: int, cookie: str, paths: list[str], rounds: int = 10) -> None:
    """A few requests on each path (every server thread opens its database connection)."""
    for _ in range(rounds):
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise SystemExit(f"warm-up: {path} answered {response.status}, expected 200")


# --------------------------------------------------------------------------- report


def show(phase: Phase) -> None:
    size = f"{min(phase.sizes):,}" if phase.sizes else "–"
    if len(phase.sizes) > 1:
        size += f"–{max(phase.sizes):,}"
    errors = ", ".join(f"{k} ×{v}" for k, v in phase.errors.most_common()) or "0"
    print(
        f"  {phase.name:<9} {phase.requests:>6} requests ({phase.requests / phase.seconds:5.1f}/s),"
        f" errors {errors}; p50 {phase.percentile(50):6.1f} ms  p95 {phase.percentile(95):6.1f} ms"
        f"  p99 {phase.percentile(99):6.1f} ms; body {size} bytes"
    )
    print(
        f"  {'':<9} CPU per request: server {phase.cpu_per_request('server'):5.1f} ms, "
        f"PostgreSQL {phase.cpu_per_request('postgres'):5.1f} ms, load generator "
        f"{phase.cpu_per_request('client'):5.1f} ms"
    )


def summary(statics: list[Phase], dashboards: list[Phase]) -> None:
    def med(phases: list[Phase], p: int) -> float:
        return statistics.median(ph.percentile(p) for ph in phases)

    label = "median over rounds" if len(dashboards) > 1 else "one round"
    d95, s95, d50, s50 = (
        med(dashboards, 95),
        med(statics, 95),
        med(dashboards, 50),
        med(statics, 50),
    )
    print(f"summary ({label}):")
    print(f"  static     p50 {s50:6.1f} ms  p95 {s95:6.1f} ms  p99 {med(statics, 99):6.1f} ms")
    print(f"  dashboard  p50 {d50:6.1f} ms  p95 {d95:6.1f} ms  p99 {med(dashboards, 99):6.1f} ms")
    print(f"  dashboard / static: p95 {d95 / s95:.1f}x, p50 {d50 / s50:.1f}x")
    verdict = "yes" if d95 < TARGET_P95_MS else "NO"
    print(f"  dashboard p95 < {TARGET_P95_MS:.0f} ms: {verdict}")


# --------------------------------------------------------------------------- main


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated users at once (50)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase (30)")
    parser.add_argument("--submissions", type=int, default=10_000, help="submissions (10000)")
    parser.add_argument(
        "--per-candidacy", type=int, default=5, help="submissions per candidacy (5)"
    )
    parser.add_argument(
        "--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
        help="think time between a user's requests, uniform in seconds (0.5 1.5)",
    )  # fmt: skip
    parser.add_argument(
        "--cprofile", action="store_true", help="print where one request's Python time goes"
    )
    parser.add_argument("--rounds", type=int, default=1, help="static + dashboard phases (1)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes (2)")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per process (4)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the data (1)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1,000 submissions, 10 users, 5 s"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.submissions, args.users, args.seconds = 1000, 10, 5.0
    if min(args.users, args.submissions, args.per_candidacy, args.rounds) < 1:
        parser.error("--users, --submissions, --per-candidacy and --rounds must be at least 1")
    if not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think MIN MAX: expected 0 <= MIN <= MAX")
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C: stop the server, drop the database


def run(
    args: argparse.Namespace,
    url: str,
    home: Path,
    rng: random.Random,
    stop: threading.Event,
    servers: list[Server],
) -> int:
    """Seed, profile, serve, load and report (the caller cleans up ``servers``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="worktrial.web.settings.embedded",
        DATABASE_URL=url,
        WORKTRIAL_HOME=str(home / "data"),
        WORKTRIAL_SECRET_KEY=secrets.token_urlsafe(50),
        WORKTRIAL_SANDBOX="none",
        PYTHONUNBUFFERED="1",
    )
    os.environ.update(env)
    from django.db import connections

    from worktrial.web import runner

    runner.setup(None)
    runner.migrate()
    print(f"database {url.rsplit('/', 1)[1]}: seeding…", flush=True)
    seeded = seed(args.submissions, args.per_candidacy, home, rng)
    rows = ", ".join(f"{v:,} {k}" for k, v in seeded.counts.items())
    print(f"seeded {rows} in {seeded.seconds:.1f} s", flush=True)
    cookie = session_cookie(seeded.manager_id)
    dashboard = f"/trials/{seeded.trial_id}/"
    print("in-process profile of the dashboard (5 requests each):")
    profile(dashboard, cookie, "  hiring manager")
    profile(dashboard, session_cookie(seeded.reviewer_id), "  reviewer      ")
    if args.cprofile:
        python_profile(dashboard, cookie)
    connections.close_all()

    server = start_server(env, home / "serve.log", args.web_workers, args.web_threads)
    servers.append(server)
    print(
        f"worktrial serve --no-worker on 127.0.0.1:{server.port} "
        f"({args.web_workers} gunicorn workers × {args.web_threads} threads)"
    )
    warm_up(server.port, cookie, [STATIC_PATH, dashboard])
    # other work on the machine takes cores from the server: say how much there was
    print(f"load average before the load: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(
        f"load: {args.users} simulated users per phase, each looping GET → whole body → think "
        f"{args.think[0]:g}–{args.think[1]:g} s (uniform), one keep-alive connection each; "
        f"phases one after the other (static, then dashboard as the hiring manager), "
        f"{args.seconds:g} s each, {args.rounds} round(s)",
        flush=True,
    )
    import psycopg

    user = url.split("://", 1)[1].split("@", 1)[0]
    admin = psycopg.connect(
        host=POSTGRES[0], port=POSTGRES[1], user=user, dbname="postgres", autocommit=True
    )
    meter = CpuMeter(server.process.pid, url.rsplit("/", 1)[1], admin)
    statics: list[Phase] = []
    dashboards: list[Phase] = []
    for n in range(1, args.rounds + 1):
        print(f"round {n}:", flush=True)
        for name, path, into in (
            ("static", STATIC_PATH, statics),
            ("dashboard", dashboard, dashboards),
        ):
            phase = run_phase(
                name,
                path,
                server.port,
                cookie,
                users=args.users,
                seconds=args.seconds,
                think=(args.think[0], args.think[1]),
                rng=rng,
                stop=stop,
                meter=meter,
            )
            show(phase)
            into.append(phase)
            sys.stdout.flush()
    admin.close()
    print(f"load average after the load: {os.getloadavg()[0]:.2f}")
    summary(statics, dashboards)
    failed = sum(ph.requests - len(ph.latencies) for ph in statics + dashboards)
    if failed:
        print(f"{failed} request(s) failed; the server's log ends with:\n{server.tail()}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    problem = postgres_problem()
    if problem is not None:
        print(f"skipped: {problem}; this benchmark needs PostgreSQL with trust authentication")
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    rng = random.Random(args.seed)
    stop = threading.Event()
    home = Path(tempfile.mkdtemp(prefix="worktrial-bench-"))
    servers: list[Server] = []
    try:
        with throwaway_database() as url:
            try:
                return run(args, url, home, rng, stop, servers)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a 2nd Ctrl-C must not skip this
                stop.set()
                for server in servers:
                    server.stop()
    except KeyboardInterrupt:
        print("interrupted: stopped the server and dropped the database", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
