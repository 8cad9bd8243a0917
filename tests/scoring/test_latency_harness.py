"""The latency harness, run as the sandbox runs it (a separate interpreter), without a sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from worktrial.scoring._run import HARNESS, LATENCY_MARKER

PREDICT = """
import csv, os, sys, time

def predict(frame):
    if os.environ.get("SHORT"):
        return [0]
    return [0] * len(frame)

def main():
    src, out = sys.argv[1], sys.argv[2]
    mode = os.environ.get("MODE", "")
    if mode == "fail":
        print("Traceback ...\\nValueError: no model", file=sys.stderr)
        sys.exit(2)
    if mode == "daemon" and os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            with open(os.environ["PIDFILE"], "a") as fh:
                fh.write(f"{os.getpid()}\\n")
            time.sleep(120)
        os._exit(0)
    rows = list(csv.reader(open(src)))
    with open(out, "w") as fh:
        fh.write("id,prediction\\n" + "".join(f"{r[0]},0\\n" for r in rows[1:]))

if __name__ == "__main__":
    main()
"""


@pytest.fixture
def job(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "predict.py").write_text(PREDICT)
    (tmp_path / "features.csv").write_text("id,a,b\n" + "".join(f"{i},{i},2\n" for i in range(7)))
    return tmp_path


def harness(job: Path, *args: str, **env: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(HARNESS), "--input", str(job / "features.csv"), *args],
        cwd=job,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=True,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(LATENCY_MARKER)]
    assert len(lines) == 1, proc.stdout
    return dict(json.loads(lines[0][len(LATENCY_MARKER) :]))


COMMAND = json.dumps([sys.executable, "-m", "src.predict", "{input}", "{output}"])


def test_command_mode_times_each_call_in_a_new_process(job: Path) -> None:
    got = harness(job, "--batch-rows", "3", "--calls", "3", "--command", COMMAND)
    assert got["mode"] == "command"
    assert got["failures"] == []
    assert len(got["times_ms"]) == 3  # the warm-up call is not counted
    assert all(t > 0 for t in got["times_ms"])


def test_function_mode_times_calls_in_one_process(job: Path) -> None:
    got = harness(job, "--batch-rows", "4", "--calls", "5", "--function", "src.predict:predict")
    assert got["mode"] == "function"
    assert got["failures"] == []
    assert len(got["times_ms"]) == 5
    assert got["strays_killed"] == 0


def test_function_that_returns_the_wrong_length(job: Path) -> None:
    got = harness(
        job, "--batch-rows", "4", "--calls", "5", "--function", "src.predict:predict", SHORT="1"
    )
    assert got["times_ms"] == []
    assert got["failures"][0] == "call 1: returned 1 values"
    assert len(got["failures"]) == 3  # it stops after three failures


def test_missing_function(job: Path) -> None:
    got = harness(job, "--calls", "2", "--function", "src.predict:nope")
    assert got["failures"] == [
        "could not load the predict function: AttributeError: module 'src.predict' has no "
        "attribute 'nope'"
    ]


def test_failing_command_says_why(job: Path) -> None:
    got = harness(job, "--calls", "5", "--command", COMMAND, MODE="fail")
    assert got["times_ms"] == []
    assert got["failures"] == [f"call {i}: exit code 2 (ValueError: no model)" for i in (1, 2, 3)]


def test_daemons_a_call_leaves_behind_are_killed(job: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "pids.txt"
    got = harness(job, "--calls", "2", "--command", COMMAND, MODE="daemon", PIDFILE=str(pidfile))
    assert got["failures"] == []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(pidfile.read_text().split()) < 3:
        time.sleep(0.05)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 3  # one per call, warm-up included
    assert got["strays_killed"] >= 3
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_unreadable_input_is_an_error_not_a_crash(job: Path) -> None:
    (job / "features.csv").write_text("id,a\n")
    got = harness(job, "--calls", "2", "--command", COMMAND)
    assert got["error"] == f"ValueError: {job / 'features.csv'} has no rows"


def test_budget_stops_starting_calls(job: Path) -> None:
    got = harness(job, "--calls", "50", "--budget-s", "0", "--command", COMMAND)
    assert got["failures"] == []
    assert len(got["times_ms"]) == 1  # at least one timed call, then out of time
