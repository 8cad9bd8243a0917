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
  loads every batch as a pandas DataFrame, then answers this process's requests, one call of
  ``name(batch)`` per request, on a pair of pipes; this process (the parent) times each call
  from writing the request to reading the answer. Start-up, imports and reading the batches
  are not timed.

The timing is taken by this process, never by candidate code: candidate code runs only in
child processes, whose output goes to files, never to this process's standard output; this
process makes itself non-dumpable (other processes of the same user cannot trace it or open its
file descriptors) and a child subreaper, and kills every process a call leaves behind before
the next call starts, so nothing the candidate started can rewrite the result.

The function mode's channel
---------------------------
In the function mode the candidate's module runs in the very process that holds the child's
ends of the two pipes: it can find them (``/proc/self/fd``) and read or write them. A module
that writes well-formed answers to the reply pipe when it is imported would make every call
look instant if any answer were taken as the end of a call. The protocol is built so that
such writes are seen, never counted:

- every request carries a fresh random nonce (the ``hello`` and each ``call``), and an answer
  counts only if it echoes the nonce of the one request outstanding: nothing written before a
  request was sent can know its nonce;
- the child reads the ``hello`` and says ``ready`` (echoing its nonce) only once the module
  is imported and the batches are loaded, so whatever the import wrote arrives before the
  ``ready`` and is caught;
- an answer says how many predictions the function returned, and this process (not the
  child) checks that against the batch's rows;
- outside an outstanding request the reply pipe must be silent, and every request gets
  exactly one answer. A frame before the ``ready`` or between calls, an answer that does not
  echo its request, a malformed or oversized frame, a half-written frame, or a request pipe
  that something else filled ends the measurement with no figure at all and says so:
  ``the predict module wrote to the harness's pipes before call 3 was sent; latency could not
  be measured``. A module that writes there may have forged any answer, so none of its times
  is reported: the step fails in words, which is no more than a function that raises gets;
- every read has a deadline and every frame a size limit, so a half-written or endless frame
  cannot hang this process or fill its memory.

What it cannot vouch for (the residual risk): code running in the timed process can do
anything that process can, nonces included. A module that deliberately takes the child's side
over (a thread, or the function itself on its first call, that reads each request from the
request pipe and answers at once with its nonce and the right count) makes the calls look
fast, and nothing this process can observe tells that answer from the function's (the
harness's tests keep a strict expected failure that shows it). Checking the answer's content
against a second, untimed call of the same batch does not help: the same module answers that
call too and can answer it the same way (it would also fail functions that are not
deterministic), and the predictions that were scored are no reference either (a function may
flag a row differently in a different batch, as the monitoring template's does). It is the
in-process form of a function that notices it is timed and skips its work (or returns answers
computed at import, which is not timed), which no timer can see. Such a takeover is code
written for the purpose (reading ``/proc/self/fd``, writing to pipes the module did not open),
visible to anyone who reads the submission; the command mode (a new process per call, timed to
its exit) has no channel to take over.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import importlib
import json
import os
import secrets
import select
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


# The function mode's frames: a 4-byte big-endian length, then the body. Every body the
# harness exchanges is a few hundred bytes at most; a longer one was not written by it.
MAX_FRAME = 4096
NONCE_BYTES = 16
UNEXPECTED = b"unexpected-request"


def _frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def _recv(fd: int) -> bytes | None:
    """The child's read of one request: ``None`` at the end of the pipe, ``b""`` for a frame
    longer than any request (the child then answers that it did not expect it)."""
    head = b""
    while len(head) < 4:
        chunk = os.read(fd, 4 - len(head))
        if not chunk:
            return None
        head += chunk
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        return b""
    body = b""
    while len(body) < size:
        chunk = os.read(fd, size - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def _describe(exc: BaseException) -> bytes:
    return f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:500]


def _child(target: str, batches: list[Path], req: int, rep: int) -> None:
    """Import the function, load the batches, then answer one call per request.

    Every answer echoes its request's nonce: ``ready N``, ``ok N COUNT`` (how many values the
    function returned) or ``error N TEXT``; a request it cannot read gets :data:`UNEXPECTED`.
    Returns when the request pipe closes or after an unexpected request.
    """
    failure: bytes | None = None
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        sys.path.insert(0, str(Path.cwd()))
        module_name, _, attr = target.partition(":")
        import pandas as pd

        fn = getattr(importlib.import_module(module_name), attr)
        frames = [pd.read_csv(b) for b in batches]
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as text
        failure = _describe(exc)
    # the hello has waited in the request pipe since the fork: read only now, after the
    # import, so the ready cannot be sent before the module is loaded
    hello = _recv(req)
    if hello is None:
        return
    kind, _, nonce = hello.partition(b" ")
    if kind != b"hello" or not nonce:
        os.write(rep, _frame(UNEXPECTED))
        return
    if failure is not None:
        os.write(rep, _frame(b"error " + nonce + b" " + failure))
        return
    os.write(rep, _frame(b"ready " + nonce))
    while True:
        msg = _recv(req)
        if msg is None:
            return
        parts = msg.split(b" ")
        if len(parts) != 3 or parts[0] != b"call" or not parts[2].isdigit():
            os.write(rep, _frame(UNEXPECTED))
            return
        nonce, index = parts[1], int(parts[2])
        if index >= len(frames):
            os.write(rep, _frame(UNEXPECTED))
            return
        try:
            reply = b"ok %s %d" % (nonce, len(fn(frames[index])))
        except BaseException as exc:  # noqa: BLE001
            reply = b"error " + nonce + b" " + _describe(exc)
        os.write(rep, _frame(reply))


class _Replies:
    """The parent's end of the reply pipe: whole frames, each read against a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.eof = False

    def pending(self) -> bool:
        """Whether anything (bytes, or the end of the pipe) waits to be read."""
        if self.buf or self.eof:
            return True
        ready, _, _ = select.select([self.fd], [], [], 0)
        return bool(ready)

    def frame(self, timeout: float) -> tuple[str, bytes]:
        """The next frame: ``("frame", body)``, or ``("eof" | "timeout" | "malformed", b"")``.

        A frame that announces more than :data:`MAX_FRAME` bytes, or part of a frame left when
        the pipe ends or the time is up, is malformed: the child writes each frame whole, in
        one write shorter than the pipe's atomic size.
        """
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                (size,) = struct.unpack(">I", self.buf[:4])
                if size > MAX_FRAME:
                    return "malformed", b""
                if len(self.buf) >= 4 + size:
                    body = bytes(self.buf[4 : 4 + size])
                    del self.buf[: 4 + size]
                    return "frame", body
            if self.eof:
                return ("malformed" if self.buf else "eof"), b""
            left = max(deadline - time.monotonic(), 0.0)
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return ("malformed" if self.buf else "timeout"), b""
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.buf += chunk
            else:
                self.eof = True


class _Child:
    """The forked child, waited for once (its pid is never signalled after it is reaped)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.reaped = False

    def ended(self) -> str:
        """How the child stopped answering, once its reply pipe ended: it takes a moment
        after the pipe closes before the process can be waited for."""
        for _ in range(200):
            if self.reaped:
                return "ended"
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.reaped = True
                return "ended"
            if done:
                self.reaped = True
                code = os.waitstatus_to_exitcode(status)
                if code >= 0:
                    return f"ended with exit code {code}"
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = str(-code)
                return f"was killed by signal {name}"
            time.sleep(0.01)
        return "closed the harness's reply pipe"

    def stop(self) -> None:
        if self.reaped:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.reaped = True


def tampered(when: str) -> str:
    """The failure when something other than the harness wrote to its pipes."""
    return f"the predict module wrote to the harness's pipes {when}; latency could not be measured"


def _nonce() -> bytes:
    return secrets.token_hex(NONCE_BYTES).encode()


def _ask(fd: int, body: bytes) -> str | None:
    """Send one request; ``"full"`` when the request pipe is full (the child reads every
    request before it answers, so only another writer fills it), ``"closed"`` when the child
    has gone."""
    data = _frame(body)
    try:
        written = os.write(fd, data)
    except BlockingIOError:
        return "full"
    except BrokenPipeError:
        return "closed"
    return None if written == len(data) else "full"


def _answer(body: bytes, nonce: bytes) -> tuple[str, str | int] | None:
    """``("ok", count)`` or ``("error", text)`` for an answer that echoes ``nonce``, else None."""
    parts = body.split(b" ", 2)
    if len(parts) != 3 or parts[1] != nonce:
        return None
    kind, rest = parts[0], parts[2]
    if kind == b"ok" and rest.isdigit() and len(rest) <= 12:
        return "ok", int(rest)
    if kind == b"error":
        return "error", rest.decode("utf-8", "replace")
    return None


def _calls(
    child: _Child,
    req: int,
    replies: _Replies,
    batch_count: int,
    batch_rows: int,
    call_timeout: float,
    warmup: int,
    deadline: float,
) -> tuple[list[float], list[str]]:
    """The handshake, then one timed call per batch: (times in ms, failures in words)."""
    times: list[float] = []
    failures: list[str] = []
    hello = _nonce()
    _ask(req, b"hello " + hello)  # the pipe is empty: it cannot be full
    status, body = replies.frame(call_timeout)
    if status == "timeout":
        return [], [f"could not load the predict function: no answer within {call_timeout:g} s"]
    if status == "eof":
        return [], [
            f"could not load the predict function: its process {child.ended()} before it was ready"
        ]
    if status == "frame" and body.startswith(b"error " + hello + b" "):
        text = body[len(hello) + 7 :].decode("utf-8", "replace")
        return [], [f"could not load the predict function: {text}"]
    if status != "frame" or body != b"ready " + hello:
        return [], [tampered("before the function was ready")]
    idle = True  # the child has answered every request sent to it
    for i in range(batch_count):
        if time.monotonic() > deadline and times:
            break  # out of time: report the calls timed so far
        call = i + 1
        if replies.pending():
            status, _ = replies.frame(0.0)
            if status == "eof":
                failures.append(f"call {call}: the process running the function {child.ended()}")
                idle = False
                break
            return [], [tampered(f"before call {call} was sent")]
        nonce = _nonce()
        t0 = time.perf_counter_ns()
        problem = _ask(req, b"call %s %d" % (nonce, i))
        if problem == "full":
            return [], [tampered(f"before call {call} was sent")]
        # a child that has gone ("closed") may still have left frames: read them to the end
        status, body = replies.frame(call_timeout)
        elapsed = (time.perf_counter_ns() - t0) / 1e6
        if status == "timeout":
            failures.append(f"call {call}: no answer within {call_timeout:g} s")
            idle = False
            break
        if status == "eof":
            failures.append(f"call {call}: the process running the function {child.ended()}")
            idle = False
            break
        answer = _answer(body, nonce) if status == "frame" else None
        if answer is None:
            return [], [tampered(f"instead of the answer to call {call}")]
        kind, value = answer
        if kind == "error":
            failures.append(f"call {call}: {value}")
        elif value != batch_rows:
            failures.append(f"call {call}: returned {value} values")
        elif i >= warmup:
            times.append(elapsed)
        if len(failures) >= MAX_FAILURES:
            break
    # an idle child waits for the next request: nothing may follow its last answer
    if idle and replies.pending() and replies.frame(0.0)[0] != "eof":
        return [], [tampered("after the last call")]
    return times, failures


def time_function(
    target: str,
    batches: list[Path],
    batch_rows: int,
    call_timeout: float,
    warmup: int,
    deadline: float = float("inf"),
) -> dict[str, Any]:
    """Time ``target`` (``module:name``) on each batch in a child process (see the module's
    docstring for the protocol and what it can vouch for)."""
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(req_w)
            os.close(rep_r)
            _child(target, batches, req_r, rep_w)
        except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
            code = 70
        os._exit(code)
    os.close(req_r)
    os.close(rep_w)
    # a request never waits for room: a full request pipe is a finding, not a hang
    os.set_blocking(req_w, False)
    child = _Child(pid)
    try:
        times, failures = _calls(
            child,
            req_w,
            _Replies(rep_r),
            len(batches),
            batch_rows,
            call_timeout,
            warmup,
            deadline,
        )
    finally:
        os.close(req_w)
        child.stop()
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
