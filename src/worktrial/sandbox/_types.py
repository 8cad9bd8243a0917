"""The sandbox's vocabulary: limits, mounts, results, and the protocol every backend follows."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, Protocol, get_args

from worktrial.errors import SandboxError

Reason = Literal[
    "finished",
    "failed",
    "timed_out",
    "out_of_memory",
    "cpu_limit",
    "file_size_limit",
    "disk_limit",
    "output_cap",
    "killed",
    "could_not_start",
]
"""Why a run ended, as a stable word; :attr:`SandboxResult.message` says it in a sentence."""

REASONS: tuple[Reason, ...] = get_args(Reason)

JOB_TARGET = "/job"
"""Where the job folder appears inside the sandbox."""

# Paths the sandbox itself lays out; a mount may not cover them or sit inside them.
RESERVED_TARGETS = ("/job", "/tmp", "/usr", "/proc", "/dev", "/etc", "/bin", "/lib", "/lib64")


@dataclass(frozen=True)
class Limits:
    """What one run may use. Every value must be positive.

    Attributes:
        wall_s: wall-clock seconds before the whole run is killed (``timed_out``).
        cpu_s: CPU seconds each process may use (``cpu_limit``); ``wall_s`` bounds the total.
        memory_mb: address space of each process, in MB (``out_of_memory``).
        file_size_mb: the largest file a process may write, in MB (``file_size_limit``).
        processes: processes and threads the run may have at once.
        output_bytes: bytes of stdout and of stderr kept (the beginning and the end); a run
            that prints ten times as much (at least 10 MB) is stopped (``output_cap``).
        tmp_mb: size of the private ``/tmp`` (and of ``/dev/shm``), in MB.
        disk_mb: what the job folder may hold in total, in MB: the files the host copies in
            and everything the run writes (``disk_limit``). Where the host may mount (root),
            the job folder is a file system of its own of this size (a tmpfs: its content
            lives in the host's memory until the job folder is given back, and it holds at
            most ``disk_mb * 64`` files and folders), so a write past it fails with "No
            space left on device". Elsewhere the host measures the folder every second
            while a step runs and stops the step once it holds more: a weaker measure,
            which the result's warnings say.
    """

    wall_s: float = 300.0
    cpu_s: float = 300.0
    memory_mb: int = 2048
    file_size_mb: int = 512
    processes: int = 128
    output_bytes: int = 1_000_000
    tmp_mb: int = 256
    disk_mb: int = 2048

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if f.type == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
                raise SandboxError(
                    f"Limits.{f.name} must be a positive whole number; found {value!r}",
                    key=f.name,
                    found=value,
                )
            if not is_number or not math.isfinite(value) or value <= 0:
                raise SandboxError(
                    f"Limits.{f.name} must be a positive number; found {value!r}",
                    key=f.name,
                    found=value,
                )

    @property
    def output_ceiling(self) -> int:
        """Bytes a run may print (both streams together) before it is stopped."""
        return max(10 * self.output_bytes, 10_000_000)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Mount:
    """A host folder or file shown inside the sandbox at ``target`` (read-only by default).

    Attributes:
        source: the host path; it must exist and be readable by the sandbox user.
        target: an absolute, normalised path inside the sandbox, outside the paths the sandbox
            lays out itself (``/job``, ``/tmp``, ``/usr``, ``/proc``, ``/dev``, ``/etc``...).
        writable: mount it read-write (the runtime environment never is).

    Raises:
        SandboxError: when ``target`` is not such a path.
    """

    source: Path
    target: str
    writable: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", Path(self.source))
        target = self.target
        if not isinstance(target, str) or not target.startswith("/"):
            raise SandboxError(
                f"mount target {target!r} must be an absolute path inside the sandbox",
                key="target",
                found=target,
            )
        if posixpath.normpath(target) != target or target.startswith("//"):
            raise SandboxError(
                f"mount target {target!r} must be a normalised path "
                f"(expected {posixpath.normpath(target)!r})",
                key="target",
                found=target,
            )
        for reserved in RESERVED_TARGETS:
            if _overlaps(target, reserved):
                raise SandboxError(
                    f"mount target {target!r} overlaps {reserved}, which the sandbox lays out "
                    f"itself; choose a path such as /env or /data",
                    key="target",
                    found=target,
                )


def _overlaps(a: str, b: str) -> bool:
    """Whether one of two absolute paths is the other or lies inside it."""
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


@dataclass(frozen=True)
class SandboxResult:
    """How one run went, measured by the host.

    Attributes:
        argv: the command as given.
        backend: ``"bwrap"``, ``"local"`` or ``"fake"``.
        exit_code: the exit status, or None when a signal ended it or it never started.
        signal: the signal number that ended it, or None.
        reason: why it ended, one of :data:`REASONS`.
        message: the reason in plain words, e.g. ``"timed out after 300 s"``.
        stdout: what it printed (its beginning and end when longer than the limit).
        stderr: the same for standard error.
        truncated: whether part of stdout or stderr was left out.
        wall_s: wall-clock seconds from start to the end of every process.
        cpu_s: user plus system CPU seconds of every process that was waited for.
        peak_memory_mb: the largest resident memory of one process, in MB; None if unknown.
        warnings: things the person reading the result must know (e.g. no isolation).
    """

    argv: tuple[str, ...]
    backend: str
    exit_code: int | None
    signal: int | None
    reason: Reason
    message: str
    stdout: str
    stderr: str
    truncated: bool
    wall_s: float
    cpu_s: float
    peak_memory_mb: float | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when the command ran to the end and exited with status 0."""
        return self.reason == "finished"


@dataclass
class JobFolder:
    """A job folder made for one run by :meth:`Sandbox.job_folder`.

    Attributes:
        path: the folder on the host.
        disk_mb: what it may hold in total, in MB (:attr:`Limits.disk_mb`).
        capped: whether it is a file system of its own of ``disk_mb`` (writes past it fail);
            when False, the size is only measured while each step runs.
        notes: what the person reading the run must know about it (why it is not capped,
            what could not be kept when it was given back); added to as the folder is made
            and given back.
    """

    path: Path
    disk_mb: int
    capped: bool = False
    notes: list[str] = field(default_factory=list)


class Sandbox(Protocol):
    """Runs a command in a job folder under limits. Backends: bwrap, local, fake."""

    @property
    def name(self) -> str:
        """The backend's name, as in :attr:`SandboxResult.backend`."""
        ...

    @property
    def isolates(self) -> bool:
        """Whether candidate code is kept from the host's files, processes and network."""
        ...

    def job_folder(self, path: Path, limits: Limits) -> AbstractContextManager[JobFolder]:
        """Make the new folder ``path`` the job folder of one run, for as long as the context
        lasts: capped at ``limits.disk_mb`` where the backend can, and given back as a plain
        folder with its files when the context ends (an error included).

        Raises:
            SandboxError: when ``path`` exists and is not an empty folder.
        """
        ...

    def run(
        self,
        argv: Sequence[str],
        *,
        job_dir: Path,
        limits: Limits = DEFAULT_LIMITS,
        env: Mapping[str, str] | None = None,
        mounts: Sequence[Mount] = (),
        workdir: str = JOB_TARGET,
    ) -> SandboxResult:
        """Run ``argv`` with ``job_dir`` at ``/job`` and return how it went.

        A command that fails, times out or is killed is a result, never an exception.

        Raises:
            SandboxError: when the arguments cannot work (a missing job folder, a mount the
                sandbox user cannot read, an empty command).
        """
        ...
