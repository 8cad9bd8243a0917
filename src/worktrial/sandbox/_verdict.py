"""Why a run ended, decided from what the host saw, and said in plain words."""

from __future__ import annotations

import re
import signal as _signal
from dataclasses import dataclass

from worktrial.sandbox._types import Limits, Reason

# What programs print when an allocation fails: Python's MemoryError (numpy's
# _ArrayMemoryError included), C's strerror(ENOMEM), C++'s bad_alloc, and the usual wordings.
_OOM = re.compile(
    r"MemoryError|Cannot allocate memory|std::bad_alloc|out of memory|Unable to allocate",
    re.IGNORECASE,
)
_FILE_TOO_LARGE = re.compile(r"File too large")
_NO_SPACE = re.compile(r"No space left on device")

# A process killed with one of these while its resident memory was this close to the
# address-space limit most likely died for lack of memory (e.g. an abort after malloc failed).
_OOM_SIGNALS = {_signal.SIGKILL, _signal.SIGABRT, _signal.SIGSEGV, _signal.SIGBUS}
_NEAR_LIMIT = 0.9
_STDERR_TAIL = 8192


@dataclass(frozen=True)
class Verdict:
    """The decided reason, its sentence, and the exit code and signal to report."""

    reason: Reason
    message: str
    exit_code: int | None
    signal: int | None


def signal_name(number: int) -> str:
    """``SIGKILL`` for 9; ``signal 77`` for a number with no name."""
    try:
        return _signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def seconds(value: float) -> str:
    """``300 s``, ``1.5 s``: seconds as a person writes them."""
    return f"{value:g} s"


def decide(
    *,
    limits: Limits,
    exit_code: int | None,
    signal: int | None,
    stderr: str,
    cpu_s: float,
    peak_memory_mb: float | None,
    timed_out: bool,
    output_capped: bool,
    printed_bytes: int,
    start_error: str | None,
    disk_capped: bool = False,
    job_folder_full: bool = False,
) -> Verdict:
    """Decide why a run ended.

    Args:
        limits: the limits the run had.
        exit_code: its exit status (None when a signal ended it).
        signal: the signal that ended it, if any.
        stderr: what it printed on standard error (as kept).
        cpu_s: CPU seconds measured by the host.
        peak_memory_mb: the largest resident memory measured by the host.
        timed_out: whether the host killed it for passing ``limits.wall_s``.
        output_capped: whether the host killed it for printing too much.
        printed_bytes: bytes it printed on both streams.
        start_error: why the command could not be started, when it could not.
        disk_capped: whether the host found the job folder holding more than
            ``limits.disk_mb`` (and stopped the run, if it still ran).
        job_folder_full: whether the job folder, a file system of ``limits.disk_mb``, was
            full when the run ended.

    Returns:
        The verdict. The host's own decisions (not started, timed out, output cap, job folder
        over its limit) come first; then exit status 0; then the limits a signal, a full job
        folder or an error message points to.
    """
    if start_error is not None and not timed_out:
        return Verdict("could_not_start", f"could not start: {start_error}", None, None)
    if timed_out:
        return Verdict("timed_out", f"timed out after {seconds(limits.wall_s)}", None, signal)
    if output_capped:
        return Verdict(
            "output_cap",
            f"stopped after printing more than {limits.output_ceiling:,} bytes "
            f"(printed {printed_bytes:,}; {limits.output_bytes:,} bytes per stream are kept)",
            exit_code,
            signal,
        )
    if disk_capped:
        return Verdict(
            "disk_limit",
            f"wrote more than the job folder may hold (limit {limits.disk_mb} MB)",
            exit_code,
            signal,
        )
    if exit_code == 0 and signal is None:
        return Verdict("finished", "finished", 0, None)
    tail = stderr[-_STDERR_TAIL:]
    near_memory_limit = (
        peak_memory_mb is not None and peak_memory_mb >= _NEAR_LIMIT * limits.memory_mb
    )
    if signal == _signal.SIGXCPU or (
        signal == _signal.SIGKILL and cpu_s >= _NEAR_LIMIT * limits.cpu_s
    ):
        return Verdict(
            "cpu_limit",
            f"used up its CPU time (limit {seconds(limits.cpu_s)} per process)",
            exit_code,
            signal,
        )
    if signal == _signal.SIGXFSZ or _FILE_TOO_LARGE.search(tail):
        return Verdict(
            "file_size_limit",
            f"wrote a file larger than the limit ({limits.file_size_mb} MB)",
            exit_code,
            signal,
        )
    if job_folder_full:
        return Verdict(
            "disk_limit",
            f"ran out of disk space: the job folder is full (limit {limits.disk_mb} MB)",
            exit_code,
            signal,
        )
    if _OOM.search(tail) or (signal in _OOM_SIGNALS and near_memory_limit):
        return Verdict(
            "out_of_memory", f"ran out of memory (limit {limits.memory_mb} MB)", exit_code, signal
        )
    if signal is not None:
        return Verdict(
            "killed", f"killed by signal {signal} ({signal_name(signal)})", exit_code, signal
        )
    message = f"crashed with exit code {exit_code}"
    if _NO_SPACE.search(tail):
        message += "; it ran out of disk space (No space left on device)"
    return Verdict("failed", message, exit_code, None)
