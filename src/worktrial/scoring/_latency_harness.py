"""Latency harness: times the candidate's predict interface on batches, inside the sandbox.

This file runs on its own (``python latency.py ...``) with the trial environment's
interpreter; it imports nothing from worktrial. The host copies it into the run's tools
folder, mounts it read-only and reads the one line it prints last::

    WORKTRIAL-LATENCY {"mode": "command", "times_ms": [...], "failures": [...], ...}

Two modes:

- ``--command ARGV_JSON``: the predict command (``{input}``/``{output}`` placeholders) is run
  once per batch, each call in a new process; the time of a call is from starting the process
  to its exit, so interpreter start-up and imports are included.
- ``--function module:name``: a child process imports ``module`` from the job folder once,
  loads every batch as a pandas DataFrame, then calls ``name(batch)`` when asked; the harness
  (the parent) times each call from its request to the child's reply. Start-up, imports and
  reading the batches are not timed.

The timing is taken by this process, never by candidate code: candidate code runs only in
child processes, whose output goes to files, never to this process's standard output; this
process makes itself non-dumpable (other processes of the same user cannot trace it or open its
file descriptors) and a child subreaper, and kills every process a call leaves behind before
the next call starts, so nothing the candidate started can rewrite the result.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import importlib
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MARKER = "WORKTRIAL-LATENCY "
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
MAX_FAILURES = 3

csv.field_size_limit(64 * 1024 * 1024)


def _prctl(option: int, value: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the timing stands, the hardening does not


def _children(parent: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def kill_strays() -> int:
    """Kill every process left under this one (orphans come back to it as subreaper)."""
    me = os.getpid()
    killed = 0
    for _ in range(20):
        kids = _children(me)
        if not kids:
            break
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.01)
        _reap()
    _reap()
    return killed


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if r]
    return header, rows


def write_batches(
    header: list[str], rows: list[list[str]], folder: Path, batch_rows: int, count: int
) -> list[Path]:
    """``count`` batch files of ``batch_rows`` rows each, cycling through the rows."""
    paths = []
    for i in range(count):
        start = (i * batch_rows) % len(rows)
        batch = [rows[(start + k) % len(rows)] for k in range(batch_rows)]
        path = folder / f"batch-{i:03d}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(batch)
        paths.append(path)
    return paths


def _tail(path: Path, limit: int = 600) -> str:
    try:
        data = path.read_bytes()[-limit:]
    except OSError:
        return ""
    lines = [ln for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def time_command(
    argv: list[str],
    batches: list[Path],
    folder: Path,
    call_timeout: float,
    warmup: int,
    deadline: float = float("inf"),
) -> dict[str, Any]:
    times: list[float] = []
    failures: list[str] = []
    strays = 0
    for i, batch in enumerate(batches):
        if time.monotonic() > deadline and times:
            break  # out of time: report the calls timed so far
        out = folder / f"out-{i:03d}.csv"
        cmd = [a.replace("{input}", str(batch)).replace("{output}", str(out)) for a in argv]
        err_path = folder / f"stderr-{i:03d}.txt"
        with err_path.open("wb") as err:
            t0 = time.perf_counter_ns()
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    start_new_session=True,
                )
            except OSError as exc:
                failures.append(f"call {i + 1}: could not start: {exc}")
                break
            try:
                code = proc.wait(timeout=call_timeout)
            except subprocess.TimeoutExpired:
                code = None
            elapsed = (time.perf_counter_ns() - t0) / 1e6
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        strays += kill_strays()
        if code is None:
            failures.append(f"call {i + 1}: did not finish within {call_timeout:g} s")
        elif code != 0:
            detail = _tail(err_path)
            failures.append(f"call {i + 1}: exit code {code}" + (f" ({detail})" if detail else ""))
        elif not out.is_file():
            failures.append(f"call {i + 1}: wrote no output file")
        elif i >= warmup:
            times.append(elapsed)
        if len(failures) >= MAX_FAILURES:
            break
    return {"times_ms": times, "failures": failures, "strays_killed": strays}


def _send(fd: int, data: bytes) -> None:
    os.write(fd, struct.pack(">I", len(data)) + data)


def _recv(fd: int) -> bytes | None:
    head = b""
    while len(head) < 4:
        chunk = os.read(fd, 4 - len(head))
        if not chunk:
            return None
        head += chunk
    (size,) = struct.unpack(">I", head)
    body = b""
    while len(body) < size:
        chunk = os.read(fd, min(65536, size - len(body)))
        if not chunk:
            return None
        body += chunk
    return body


def _child(target: str, batches: list[Path], batch_rows: int, req: int, rep: int) -> None:
    """Import the function once, load the batches, then answer one call per request."""
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        sys.path.insert(0, str(Path.cwd()))
        module_name, _, attr = target.partition(":")
        import pandas as pd

        fn = getattr(importlib.import_module(module_name), attr)
        frames = [pd.read_csv(b) for b in batches]
        _send(rep, b"ready")
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as text
        _send(rep, b"error " + f"{type(exc).__name__}: {exc}".encode()[:500])
        os._exit(1)
    while True:
        msg = _recv(req)
        if msg is None:
            os._exit(0)
        i = int(msg)
        try:
            result = fn(frames[i])
            n = len(result)
            reply = b"ok" if n == batch_rows else f"error returned {n} values".encode()
        except BaseException as exc:  # noqa: BLE001
            reply = b"error " + f"{type(exc).__name__}: {exc}".encode()[:500]
        _send(rep, reply)


def time_function(
    target: str,
    batches: list[Path],
    batch_rows: int,
    call_timeout: float,
    warmup: int,
    deadline: float = float("inf"),
) -> dict[str, Any]:
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(req_w)
        os.close(rep_r)
        _child(target, batches, batch_rows, req_r, rep_w)
        os._exit(0)
    os.close(req_r)
    os.close(rep_w)
    times: list[float] = []
    failures: list[str] = []

    def answer() -> bytes | None:
        import select

        ready, _, _ = select.select([rep_r], [], [], call_timeout)
        return _recv(rep_r) if ready else None

    hello = answer()
    if hello != b"ready":
        failures.append(
            "could not load the predict function: "
            + (hello.decode("utf-8", "replace")[6:] if hello else "no answer")
        )
    else:
        for i in range(len(batches)):
            if time.monotonic() > deadline and times:
                break
            t0 = time.perf_counter_ns()
            _send(req_w, str(i).encode())
            reply = answer()
            elapsed = (time.perf_counter_ns() - t0) / 1e6
            if reply is None:
                failures.append(f"call {i + 1}: no answer within {call_timeout:g} s")
                break
            if reply != b"ok":
                failures.append(f"call {i + 1}: {reply.decode('utf-8', 'replace')[6:]}")
                if len(failures) >= MAX_FAILURES:
                    break
            elif i >= warmup:
                times.append(elapsed)
    os.close(req_w)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    strays = kill_strays()
    os.close(rep_r)
    return {"times_ms": times, "failures": failures, "strays_killed": strays}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time a predict interface on batches.")
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--batch-rows", type=int, default=1)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--call-timeout", type=float, default=60.0)
    parser.add_argument(
        "--budget-s", type=float, default=float("inf"), help="start no call after this long"
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--command", help="JSON list: the predict command")
    mode.add_argument("--function", help="module:name of the predict function")
    args = parser.parse_args(argv)

    deadline = time.monotonic() + args.budget_s
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    result: dict[str, Any] = {
        "mode": "command" if args.command else "function",
        "batch_rows": args.batch_rows,
        "calls": args.calls,
        "warmup": args.warmup,
    }
    try:
        header, rows = read_rows(args.input)
        if not rows:
            raise ValueError(f"{args.input} has no rows")
        with tempfile.TemporaryDirectory(prefix="latency-") as tmp:
            folder = Path(tmp)
            batches = write_batches(header, rows, folder, args.batch_rows, args.calls + args.warmup)
            if args.command:
                command = json.loads(args.command)
                if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
                    raise ValueError("--command must be a JSON list of strings")
                result.update(
                    time_command(command, batches, folder, args.call_timeout, args.warmup, deadline)
                )
            else:
                result.update(
                    time_function(
                        args.function,
                        batches,
                        args.batch_rows,
                        args.call_timeout,
                        args.warmup,
                        deadline,
                    )
                )
    except (OSError, ValueError, StopIteration) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
