"""Sandbox start-up benchmark: the same Python job in bubblewrap, in the local sandbox, and bare.

Two jobs, each run with the system Python (``/usr/bin/python3 -c ...``) in a job folder:

(a) a trivial predict: read a 200-row CSV, write a CSV of predictions: almost all start-up;
(b) a 1-second job: a busy loop for one second, as a short real prediction would take.

Each job runs as ``sandbox.run(argv, job_dir=...)`` with the default limits (bwrap: new
namespaces, read-only system, job folder handed to the sandbox user, output read, rusage
measured; local: rlimits and supervision only) and as a bare ``subprocess.run(argv)`` in a
folder of its own, with the environment the sandbox gives its jobs. The contenders run in
turn, round after round, so that load from other work on the machine falls on all of them
alike, each after a short rest (``--settle``): the kernel tears a finished sandbox's
namespaces down in the background for a few milliseconds, which would otherwise be counted
against whichever run comes next. It prints the medians (and minimums), the ratio bwrap /
bare (target for the 1-second job: at most 1.2x) and the absolute overhead in ms, and checks
that every sandboxed run finished and wrote the same predictions (exit status 1 when not, or
when bubblewrap cannot be used here).

    python bench/sandbox.py [--runs 21] [--long-runs 15] [--settle 0.1]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from worktrial.sandbox import BwrapSandbox, LocalSandbox, Sandbox, bwrap_problem

PYTHON = "/usr/bin/python3"

PREDICT = """
import csv
with open("input.csv", newline="") as f:
    rows = list(csv.DictReader(f))
with open("predictions.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["id", "prediction"])
    for row in rows:
        out.writerow([row["id"], int(float(row["x1"]) + float(row["x2"]) > 1.0)])
"""

BUSY_SECOND = """
import time
end = time.perf_counter() + 1.0
n = 0
while time.perf_counter() < end:
    n += 1
"""


def make_job(parent: Path, name: str) -> Path:
    """A job folder holding a 200-row input CSV."""
    job = parent / name
    job.mkdir()
    lines = ["id,x1,x2"] + [
        f"{i},{(i * 37 % 100) / 100},{(i * 59 % 100) / 100}" for i in range(200)
    ]
    (job / "input.csv").write_text("\n".join(lines) + "\n")
    return job


def in_sandbox(sandbox: Sandbox, argv: list[str], job: Path) -> Callable[[], None]:
    def run() -> None:
        res = sandbox.run(argv, job_dir=job)
        if res.reason != "finished":
            raise SystemExit(f"{sandbox.name} run did not finish: {res.message}\n{res.stderr}")

    return run


def bare(argv: list[str], job: Path) -> Callable[[], None]:
    # The environment the sandbox gives its jobs (HOME outside any user's site-packages), so
    # that the two runs of Python start the same way.
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(job),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }

    def run() -> None:
        # No timeout: with one, subprocess polls the child with growing sleeps, which would
        # add milliseconds to the baseline.
        subprocess.run(argv, cwd=job, env=env, check=True, stdin=subprocess.DEVNULL)

    return run


def timed(
    contenders: dict[str, Callable[[], None]], runs: int, settle: float
) -> dict[str, list[float]]:
    """Run the contenders in turn, round after round; each one's times in seconds."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()  # warm the page cache and the probe once, for every contender alike
    for i in range(runs):
        for name, fn in contenders.items():
            time.sleep(settle)
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
        if (i + 1) % 5 == 0 or i + 1 == runs:
            print(f"  round {i + 1}/{runs}", flush=True)
    return times


def line(label: str, times: list[float]) -> str:
    med, best = statistics.median(times), min(times)
    return (
        f"{label:<34} median of {len(times)}: {med * 1000:8,.1f} ms   (min {best * 1000:,.1f} ms)"
    )


def report(title: str, times: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    for name, values in times.items():
        print(line(name, values))
    t_bare = statistics.median(times["bare"])
    for name in times:
        if name == "bare":
            continue
        t = statistics.median(times[name])
        print(
            f"{name} / bare: {t / t_bare:.2f}x (medians; "
            f"{min(times[name]) / min(times['bare']):.2f}x on minimums); "
            f"overhead {(t - t_bare) * 1000:+.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of the trivial predict")
    parser.add_argument("--long-runs", type=int, default=15, help="runs of the 1-second job")
    parser.add_argument(
        "--settle", type=float, default=0.1, help="seconds of rest before each timed run"
    )
    args = parser.parse_args()
    problem = bwrap_problem()
    if problem is not None:
        print(f"cannot benchmark the sandbox: {problem}", file=sys.stderr)
        sys.exit(1)
    if not Path(PYTHON).is_file():
        print(f"cannot benchmark the sandbox: {PYTHON} is missing", file=sys.stderr)
        sys.exit(1)
    bwrap, local = BwrapSandbox(), LocalSandbox()
    # The local sandbox warns on every run that it does not isolate; here that is known.
    logging.getLogger("worktrial.sandbox").setLevel(logging.ERROR)
    # The sandbox user must reach the job folders; a fresh folder under /tmp is the usual place.
    parent = Path(tempfile.mkdtemp(prefix="worktrial-bench-sandbox-", dir="/tmp"))
    parent.chmod(0o755)
    try:
        jobs = {name: make_job(parent, name) for name in ("bwrap", "local", "bare")}
        predict = [PYTHON, "-c", PREDICT]
        print(f"trivial predict (200-row CSV in, predictions out), {args.runs} rounds")
        quick = timed(
            {
                "bwrap": in_sandbox(bwrap, predict, jobs["bwrap"]),
                "local": in_sandbox(local, predict, jobs["local"]),
                "bare": bare(predict, jobs["bare"]),
            },
            args.runs,
            args.settle,
        )
        outputs = {name: (job / "predictions.csv").read_bytes() for name, job in jobs.items()}
        busy = [PYTHON, "-c", BUSY_SECOND]
        print(f"1-second job (busy loop), {args.long_runs} rounds")
        slow = timed(
            {"bwrap": in_sandbox(bwrap, busy, jobs["bwrap"]), "bare": bare(busy, jobs["bare"])},
            args.long_runs,
            args.settle,
        )
    finally:
        shutil.rmtree(parent, ignore_errors=True)

    report("trivial predict", quick)
    report("1-second job (target: bwrap / bare at most 1.2x)", slow)
    print()
    if len(set(outputs.values())) == 1:
        print(
            f"check: all three wrote the same {len(outputs['bare'].splitlines()) - 1} predictions"
        )
    else:
        print("check: MISMATCH: the sandboxed predictions differ from the bare run's")
        sys.exit(1)


if __name__ == "__main__":
    main()
