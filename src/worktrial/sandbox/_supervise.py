"""Start one process under rlimits and watch it: output, wall clock, exit, resource usage.

Both real backends use this. It reads stdout and stderr as they come (a job that fills a pipe
never blocks), keeps the beginning and the end of each stream, stops a job that prints far
more than it may, runs past its wall clock or (when the job folder is not a size-capped file
system of its own) fills the job folder past its limit, and waits for the process with
``wait4`` so that the CPU time and peak memory of everything it waited for are measured by
the kernel.
What "kill everything" means differs per backend, so a backend subclasses :class:`Supervisor`.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import resource
import selectors
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from worktrial.errors import SandboxError
from worktrial.sandbox._jobdir import DISK_POLL_S, TreeChangedError, tree_bytes
from worktrial.sandbox._types import Limits

_CHUNK = 1 << 16
# After the main process has gone, how long output may keep arriving from what it left behind.
DRAIN_S = 2.0
# After a kill, how long the main process gets to go before the whole group is killed.
KILL_GRACE_S = 5.0
# Without pidfds (Linux < 5.3), how often to look whether the process has exited.
_POLL_S = 0.02
# A measure of the job folder may take this share of the time at most (a job with a million
# files makes each measure slow: they become rarer instead of taking the host's time).
_DISK_POLL_SHARE = 0.1
_DISK_TRIES = 3
_MB = 1024 * 1024


class Capture:
    """The beginning and the end of one output stream, in bounded memory."""

    def __init__(self, keep: int) -> None:
        self.head_cap = keep // 2
        self.tail_cap = keep - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the stream."""
        self.total += len(chunk)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_cap:
                del self.tail[: len(self.tail) - self.tail_cap]

    @property
    def omitted(self) -> int:
        """Bytes of the stream that are not kept."""
        return self.total - len(self.head) - min(len(self.tail), self.tail_cap)

    def text(self) -> str:
        """The kept text (invalid UTF-8 replaced), with a note where bytes were left out."""
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail_cap else b""
        if not self.omitted:
            return (bytes(self.head) + tail).decode("utf-8", errors="replace")
        return (
            bytes(self.head).decode("utf-8", errors="replace")
            + f"\n[… {self.omitted:,} bytes left out …]\n"
            + tail.decode("utf-8", errors="replace")
        )


@dataclass
class Launch:
    """How to start the process.

    Attributes:
        argv: the command (for bwrap: bwrap and its arguments).
        env: its whole environment.
        cwd: its working folder on the host, or None to keep the caller's.
        user, group: switch to these ids before exec (only when they differ from ours).
        rlimits: ``(resource, soft, hard)`` triples set before exec.
        pass_fds: descriptors the process inherits besides stdin, stdout and stderr.
        status_fd: the read end of a pipe the process reports on (bwrap's JSON status).
        watch_folder: a job folder to measure while the process runs (every
            :data:`DISK_POLL_S` seconds, and once after it ends), or None.
        folder_limit: the bytes ``watch_folder`` may hold; past them the run is stopped.
    """

    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None
    user: int | None = None
    group: int | None = None
    rlimits: list[tuple[int, int, int]] = field(default_factory=list)
    pass_fds: tuple[int, ...] = ()
    status_fd: int | None = None
    watch_folder: Path | None = None
    folder_limit: int = 0


@dataclass
class Outcome:
    """What the host saw of one run.

    ``rusage`` is the started process's, with everything it waited for. ``inner_rusage`` is
    that of a process the backend reaped itself (bwrap's pid 1, which waited for the job).
    ``floor_kib`` is the caller's resident memory when it started the process: Linux carries
    a parent's resident memory over into its child's ``ru_maxrss``, so a peak at or below it
    says nothing about the job. ``disk_capped`` says the watched job folder held more than it
    may (the host stopped the run, or found it so after the end); ``disk_problem`` why it
    could not be measured.
    """

    wait_status: int | None
    rusage: resource.struct_rusage | None
    wall_s: float
    stdout: Capture
    stderr: Capture
    status: bytes
    timed_out: bool
    output_capped: bool
    start_error: str | None
    lingering: bool = False
    inner_rusage: resource.struct_rusage | None = None
    floor_kib: int = 0
    disk_capped: bool = False
    disk_problem: str | None = None

    @property
    def exit_code(self) -> int | None:
        """The exit status, or None when a signal ended the process or it never ran."""
        if self.wait_status is None or not os.WIFEXITED(self.wait_status):
            return None
        return os.WEXITSTATUS(self.wait_status)

    @property
    def signal(self) -> int | None:
        """The signal that ended the process, if one did."""
        if self.wait_status is None or not os.WIFSIGNALED(self.wait_status):
            return None
        return os.WTERMSIG(self.wait_status)

    @property
    def cpu_s(self) -> float:
        """User plus system CPU seconds of every process that was waited for."""
        total = 0.0
        for ru in (self.rusage, self.inner_rusage):
            if ru is not None:
                total += ru.ru_utime + ru.ru_stime
        return total

    @property
    def peak_memory_mb(self) -> float | None:
        """The largest resident set of one process of the job, in MB; None when unknown."""
        if self.inner_rusage is not None:
            return round(self.inner_rusage.ru_maxrss / 1024, 1)
        if self.rusage is None or self.rusage.ru_maxrss <= self.floor_kib:
            return None
        return round(self.rusage.ru_maxrss / 1024, 1)

    @property
    def printed_bytes(self) -> int:
        """Bytes printed on both streams."""
        return self.stdout.total + self.stderr.total


def rlimits_for(limits: Limits, *, processes: int) -> list[tuple[int, int, int]]:
    """The ``(resource, soft, hard)`` limits for a run, never above the caller's own hard
    limits (which a process cannot raise).

    Args:
        limits: the run's limits.
        processes: the value for ``RLIMIT_NPROC`` (backends add what they need themselves).
    """
    cpu = math.ceil(limits.cpu_s)
    wanted = [
        (resource.RLIMIT_AS, limits.memory_mb * _MB, limits.memory_mb * _MB),
        # The soft limit sends SIGXCPU; a process that ignores it is killed two seconds later.
        (resource.RLIMIT_CPU, cpu, cpu + 2),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * _MB, limits.file_size_mb * _MB),
        (resource.RLIMIT_NPROC, processes, processes),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NOFILE, 4096, 4096),
    ]
    out: list[tuple[int, int, int]] = []
    for res, soft, hard in wanted:
        _, current_hard = resource.getrlimit(res)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        out.append((res, soft, hard))
    return out


def _preexec(rlimits: list[tuple[int, int, int]]) -> Callable[[], None]:
    # Runs in the forked child before exec: only plain system calls, nothing that imports or
    # takes a lock, so it is safe even when the caller has other threads.
    setrlimit = resource.setrlimit

    def apply() -> None:
        for res, soft, hard in rlimits:
            setrlimit(res, (soft, hard))

    return apply


class Supervisor:
    """Runs one :class:`Launch` to the end. Subclasses say how to kill everything."""

    def __init__(self, launch: Launch, limits: Limits) -> None:
        self.launch = launch
        self.limits = limits
        self.pid = 0
        self.status = bytearray()
        self.inner_rusage: resource.struct_rusage | None = None
        self.disk_problem: str | None = None

    # --- what a backend decides -------------------------------------------------------------

    def kill(self) -> None:
        """Stop the run now (timeout or output cap): by default the whole process group."""
        self.kill_all()

    def kill_all(self) -> None:
        """Kill everything that can be reached, when :meth:`kill` was not enough."""
        self.kill_group()

    def after_exit(self) -> bool:
        """Called once the main process has exited, before it is reaped (its process group id
        cannot be reused yet). Returns False if something the run started may still be alive.
        """
        self.kill_group()
        return True

    def on_status(self) -> None:
        """New bytes arrived on the status pipe (in :attr:`status`)."""

    # --- shared machinery -------------------------------------------------------------------

    def folder_over_limit(self) -> bool:
        """Whether the watched job folder holds more than it may (False when none is watched
        or it cannot be measured; :attr:`disk_problem` then says why)."""
        folder = self.launch.watch_folder
        if folder is None:
            return False
        limit = self.launch.folder_limit
        for attempt in range(_DISK_TRIES):
            try:
                used = tree_bytes(folder, stop_above=limit)
            except TreeChangedError as err:
                # The job moved a folder while it was walked: walk again. A job that keeps
                # doing so escapes the measures while it runs, not the one after it ends.
                if attempt + 1 < _DISK_TRIES:
                    continue
                self.disk_problem = err.strerror or str(err)
                return False
            except OSError as err:
                self.disk_problem = err.strerror or str(err)
                return False
            self.disk_problem = None
            return used > limit
        return False

    def kill_group(self) -> None:
        """SIGKILL the run's process group (its id is the main process's id: a new session)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, 9)

    def run(self) -> Outcome:
        """Start the process, watch it to the end, and return what was seen."""
        out = Capture(self.limits.output_bytes)
        err = Capture(self.limits.output_bytes)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        launch = self.launch
        floor_kib = resident_kib()
        t0 = time.monotonic()
        try:
            proc = subprocess.Popen(
                launch.argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                env=launch.env,
                cwd=launch.cwd,
                start_new_session=True,
                user=launch.user,
                group=launch.group,
                extra_groups=[] if launch.group is not None else None,
                preexec_fn=_preexec(launch.rlimits),
                pass_fds=launch.pass_fds,
                close_fds=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            for fd in (out_r, err_r, *([] if launch.status_fd is None else [launch.status_fd])):
                os.close(fd)
            return Outcome(None, None, time.monotonic() - t0, out, err, b"", False, False, str(exc))
        finally:
            os.close(out_w)
            os.close(err_w)
            for fd in launch.pass_fds:
                os.close(fd)
        self.pid = proc.pid
        try:
            outcome = self._watch(proc, out_r, err_r, out, err, t0)
        except BaseException:
            # Never leave a job running behind an exception (KeyboardInterrupt included).
            self.kill_all()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, 0)
            proc.returncode = -9
            raise
        proc.returncode = (
            os.waitstatus_to_exitcode(outcome.wait_status) if outcome.wait_status is not None else 0
        )
        outcome.floor_kib = floor_kib
        outcome.inner_rusage = self.inner_rusage
        # What was written between the last measure and the end counts too.
        if not (outcome.timed_out or outcome.output_capped or outcome.disk_capped):
            outcome.disk_capped = self.folder_over_limit()
        outcome.disk_problem = self.disk_problem
        return outcome

    def _watch(
        self,
        proc: subprocess.Popen[bytes],
        out_r: int,
        err_r: int,
        out: Capture,
        err: Capture,
        t0: float,
    ) -> Outcome:
        sel = selectors.DefaultSelector()
        streams: dict[int, Capture] = {out_r: out, err_r: err}
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        status_fd = self.launch.status_fd
        if status_fd is not None:
            os.set_blocking(status_fd, False)
            sel.register(status_fd, selectors.EVENT_READ)
        pidfd: int | None = None
        try:
            pidfd = os.pidfd_open(proc.pid)
            sel.register(pidfd, selectors.EVENT_READ)
        except (AttributeError, OSError):
            pidfd = None  # no pidfds: look at the process every few milliseconds instead

        deadline = t0 + self.limits.wall_s
        ceiling = self.limits.output_ceiling
        watching = self.launch.watch_folder is not None
        disk_due = t0 + DISK_POLL_S if watching else math.inf
        timed_out = output_capped = disk_capped = False
        killed_at: float | None = None
        escalated = False
        exited = False

        def read(fd: int) -> None:
            try:
                chunk = os.read(fd, _CHUNK)
            except BlockingIOError:
                return
            if not chunk:
                sel.unregister(fd)
                os.close(fd)
                return
            if fd == status_fd:
                self.status += chunk
                self.on_status()
            else:
                streams[fd].feed(chunk)

        try:
            while not exited:
                now = time.monotonic()
                if killed_at is None and now >= deadline:
                    timed_out = True
                    killed_at = now
                    self.kill()
                if killed_at is not None and not escalated and now >= killed_at + KILL_GRACE_S:
                    escalated = True
                    self.kill_all()
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(proc.pid, 9)
                if killed_at is None and now >= disk_due:
                    if self.folder_over_limit():
                        disk_capped = True
                        killed_at = time.monotonic()
                        self.kill()
                    spent = time.monotonic() - now
                    now = time.monotonic()
                    disk_due = now + max(DISK_POLL_S, spent / _DISK_POLL_SHARE)
                wake = deadline if killed_at is None else killed_at + KILL_GRACE_S
                if killed_at is None:
                    wake = min(wake, disk_due)
                if escalated:
                    wake = now + 1.0
                timeout = max(0.0, wake - now)
                if pidfd is None:
                    timeout = min(timeout, _POLL_S)
                for key, _ in sel.select(timeout):
                    fd = int(key.fd)
                    if fd == pidfd:
                        exited = True
                    else:
                        read(fd)
                if pidfd is None and not exited:
                    exited = _has_exited(proc.pid)
                if killed_at is None and out.total + err.total > ceiling:
                    output_capped = True
                    killed_at = time.monotonic()
                    self.kill()

            if pidfd is not None:
                sel.unregister(pidfd)
                os.close(pidfd)
                pidfd = None
            gone = self.after_exit()
            _, wait_status, rusage = os.wait4(proc.pid, 0)
            wall_s = time.monotonic() - t0
            drain_until = time.monotonic() + DRAIN_S
            while sel.get_map():
                remaining = drain_until - time.monotonic()
                if remaining <= 0:
                    gone = False  # something still holds the output open
                    break
                for key, _ in sel.select(remaining):
                    read(int(key.fd))
        finally:
            for key in list(sel.get_map().values()):
                sel.unregister(key.fd)
                os.close(int(key.fd))
            sel.close()
            if pidfd is not None:
                os.close(pidfd)
        return Outcome(
            wait_status=wait_status,
            rusage=rusage,
            wall_s=wall_s,
            stdout=out,
            stderr=err,
            status=bytes(self.status),
            timed_out=timed_out,
            output_capped=output_capped,
            start_error=None,
            lingering=not gone,
            disk_capped=disk_capped,
        )


def count_tasks(uid: int) -> int:
    """Processes and threads ``uid`` runs now: ``RLIMIT_NPROC`` counts them all."""
    count = 0
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid == uid:
                    count += sum(1 for _ in os.scandir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def resident_kib() -> int:
    """This process's resident memory now, in KiB (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024


_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37


class _Subreaper:
    """Makes this process the reaper of its orphaned descendants while a run needs it.

    bwrap's monitor exits as soon as the job's main process does, leaving the sandbox's pid 1
    (which waited for the job, so its rusage holds the job's CPU time and peak memory) to be
    re-parented. As a subreaper this process becomes its parent and can ``wait4`` it. The flag
    is process-wide, so it is counted across concurrent runs and cleared after the last one
    (unless the process was a subreaper already).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._owned = False
        self._prctl: Callable[..., int] | None = None
        with contextlib.suppress(OSError, AttributeError):
            self._prctl = ctypes.CDLL(None, use_errno=True).prctl

    def acquire(self) -> bool:
        """Turn the flag on; False when this system cannot."""
        if self._prctl is None:
            return False
        with self._lock:
            if self._users == 0:
                current = ctypes.c_int(0)
                self._prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(current), 0, 0, 0)
                if current.value == 0:
                    if self._prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                        return False
                    self._owned = True
            self._users += 1
            return True

    def release(self) -> None:
        """Turn the flag off after the last run that needed it."""
        if self._prctl is None:
            return
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._owned:
                self._prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
                self._owned = False


SUBREAPER = _Subreaper()


def _has_exited(pid: int) -> bool:
    """Whether a child has exited, without reaping it."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def base_env(
    overrides: Mapping[str, str] | None, *, home: str, path: str = "/usr/local/bin:/usr/bin:/bin"
) -> dict[str, str]:
    """The environment a job sees: a fixed minimum plus the caller's ``overrides``.

    Raises:
        SandboxError: for a variable name or value the system cannot pass on.
    """
    env = {
        "PATH": path,
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    for key, value in (overrides or {}).items():
        if not isinstance(key, str) or not key or "=" in key or "\0" in key:
            raise SandboxError(
                f"environment variable name {key!r} must be a non-empty string without '=' or NUL",
                key=key,
            )
        if not isinstance(value, str) or "\0" in value:
            raise SandboxError(
                f"environment variable {key} must be a string without NUL; found {value!r}",
                key=key,
            )
        env[key] = value
    return env


def check_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """The command as a tuple, checked.

    Raises:
        SandboxError: for an empty command or an argument that is not a string without NUL.
    """
    if isinstance(argv, str | bytes):
        raise SandboxError(
            f"the command must be a list of arguments, not one string; found {argv!r}"
        )
    args = tuple(argv)
    if not args:
        raise SandboxError("the command is empty; expected a program and its arguments")
    for arg in args:
        if not isinstance(arg, str) or "\0" in arg:
            raise SandboxError(
                f"every command argument must be a string without NUL; found {arg!r}"
            )
    return args
