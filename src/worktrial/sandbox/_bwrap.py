"""The bubblewrap backend: candidate code in its own namespaces, as an unprivileged user.

Inside, the job sees a read-only ``/usr`` (and the ``/bin``, ``/lib``... links into it), a
fresh ``/proc`` and a minimal ``/dev``, a private size-limited ``/tmp`` and ``/dev/shm``, an
``/etc`` holding only ``passwd`` and ``group`` entries for its own user, the job folder at
``/job`` (the only host folder it may write), and the caller's mounts (read-only unless
asked). The root and ``/dev`` are read-only. It has no network (an empty network
namespace: connections fail at once and nothing leaves the machine), its own pid, ipc, uts
and cgroup namespaces, no capabilities, no way to create further user namespaces, a new
session (no terminal to inject keystrokes into) and an environment made of a few fixed
variables plus the caller's.

When the caller is root, bwrap itself starts as uid 65534 (``nobody``), so the process
limit counts the sandbox's processes (and every other sandbox running as 65534 at the same
time); the job folder is handed to that user for the run. Otherwise bwrap runs as the
caller and the job appears to itself as uid 65534.

The job folder's size: a job folder made by :meth:`BwrapSandbox.job_folder` as root is a
tmpfs of ``Limits.disk_mb`` (see :mod:`worktrial.sandbox._jobdir`), so a write past it fails
with "No space left on device". Any other job folder is measured while the job runs and the
job stopped once the folder holds more, which the result's warnings say.

Killing: bwrap's first child is pid 1 of the sandbox's pid namespace; when it dies the
kernel kills every process left in the namespace, daemons included. The host keeps a pidfd
on it, so "nothing survives" is checked, not assumed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import signal as _signal
import stat
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worktrial.errors import SandboxError
from worktrial.sandbox._jobdir import (
    TreeWalk,
    capped_job_folder,
    disk_warnings,
    is_capped,
    is_full,
)
from worktrial.sandbox._supervise import (
    KILL_GRACE_S,
    SUBREAPER,
    Launch,
    Outcome,
    Supervisor,
    base_env,
    check_argv,
    count_tasks,
    rlimits_for,
)
from worktrial.sandbox._types import (
    DEFAULT_LIMITS,
    JOB_TARGET,
    JobFolder,
    Limits,
    Mount,
    Sandbox,
    SandboxResult,
)
from worktrial.sandbox._verdict import decide

SANDBOX_UID = 65534
SANDBOX_GID = 65534
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"

INSTALL_HINT = (
    "install it with `sudo apt-get install bubblewrap` (the project's "
    "scripts/setup-system.sh does this)"
)

# Top-level system links (merged /usr) or folders, shown read-only when the host has them.
_SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# bwrap itself runs outside the job's process count: the monitor and the namespace's pid 1.
_BWRAP_PROCESSES = 2


def _namespace_flags(uid: int, gid: int) -> list[str]:
    return [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--hostname",
        "sandbox",
        "--uid",
        str(uid),
        "--gid",
        str(gid),
    ]


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _SYSTEM_DIRS:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", str(host.readlink()), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    return args


def _switch_user() -> bool:
    """Whether bwrap must be started as the sandbox user (the caller is root)."""
    return os.geteuid() == 0


@functools.cache
def probe(bwrap: str) -> str | None:
    """Try to make a sandbox with ``bwrap`` once per process.

    Returns:
        None when it works; otherwise what went wrong, in one line.
    """
    argv = [
        bwrap,
        *_namespace_flags(SANDBOX_UID, SANDBOX_GID),
        *_system_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(1 << 20),
        "--tmpfs",
        "/tmp",
        "--remount-ro",
        "/",
        "--setenv",
        "PATH",
        SANDBOX_PATH,
        "--",
        "true",
    ]
    switch = _switch_user()
    try:
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={},
            timeout=30,
            check=False,
            user=SANDBOX_UID if switch else None,
            group=SANDBOX_GID if switch else None,
            extra_groups=[] if switch else None,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    text = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return text[-1] if text else f"bwrap exited with code {proc.returncode}"


class BwrapSandbox:
    """Runs commands isolated by bubblewrap. See the module docstring for what the job sees.

    Args:
        bwrap: the bwrap program; found on ``PATH`` when not given.

    Raises:
        SandboxError: when bwrap is not installed.
    """

    name = "bwrap"
    isolates = True

    def __init__(self, bwrap: str | os.PathLike[str] | None = None) -> None:
        found = shutil.which(os.fspath(bwrap) if bwrap is not None else "bwrap")
        if found is None:
            raise SandboxError(
                f"bubblewrap (bwrap) is not installed; {INSTALL_HINT}", backend="bwrap"
            )
        self.bwrap = found
        self._system = _system_args()

    @contextmanager
    def job_folder(self, path: Path, limits: Limits) -> Iterator[JobFolder]:
        """Make ``path`` a job folder that holds at most ``limits.disk_mb``: when the caller is
        root, a tmpfs of that size, unmounted (its files kept in a plain folder at ``path``)
        when the context ends; otherwise a plain folder, measured while each step runs.

        Raises:
            SandboxError: when ``path`` exists and is not an empty folder.
        """
        with capped_job_folder(path, limits) as folder:
            yield folder

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
        """Run ``argv`` in the sandbox with ``job_dir`` at ``/job``.

        Args:
            argv: the program (looked up on the sandbox's ``PATH``) and its arguments.
            job_dir: the host folder shown read-write at ``/job``. When the caller is root,
                it and everything in it are given to uid 65534 for the run (root reads them
                back as before). It must be made for the job: not a top-level folder, owned
                by the caller or already by 65534, with no hard links to files outside it.
                Made by :meth:`job_folder`, it is capped at ``limits.disk_mb``; otherwise
                its size is measured while the run goes (see :class:`Limits`).
            limits: what the run may use.
            env: variables added to (or replacing) the fixed ones: ``PATH``, ``HOME=/tmp``,
                ``LANG=C.UTF-8``, ``PYTHONDONTWRITEBYTECODE=1``, ``PYTHONHASHSEED=0``.
            mounts: host paths shown at their targets (read-only unless writable).
            workdir: the working folder inside the sandbox.

        Returns:
            The result; a failing, killed or timed-out command is a result, not an error.

        Raises:
            SandboxError: for an empty command, a missing or unsuitable job folder, a mount
                source that does not exist or that the sandbox user cannot read.
        """
        args = check_argv(argv)
        if not isinstance(workdir, str) or not workdir.startswith("/"):
            raise SandboxError(
                f"workdir {workdir!r} must be an absolute path inside the sandbox",
                key="workdir",
                found=workdir,
            )
        switch = _switch_user()
        uid = SANDBOX_UID if switch else os.getuid()
        gid = SANDBOX_GID if switch else os.getgid()
        job = _job_folder(job_dir, uid)
        capped = is_capped(job, limits)
        sources = _mount_sources(mounts, uid, gid, check=switch)
        if switch:
            _reachable(job, uid, gid, what="job folder", write=None)
            _hand_over(job, uid, gid)
        full_env = base_env(env, home="/tmp", path=SANDBOX_PATH)

        status_r, status_w = os.pipe()
        passwd_r = _data_pipe(f"sandbox:x:{SANDBOX_UID}:{SANDBOX_GID}:sandbox:/tmp:/bin/sh\n")
        group_r = _data_pipe(f"sandbox:x:{SANDBOX_GID}:\n")
        tmp_bytes = str(limits.tmp_mb * 1024 * 1024)
        command = [
            self.bwrap,
            *_namespace_flags(SANDBOX_UID, SANDBOX_GID),
            *self._system,
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            tmp_bytes,
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--size",
            tmp_bytes,
            "--tmpfs",
            "/tmp",
            "--perms",
            "0644",
            "--ro-bind-data",
            str(passwd_r),
            "/etc/passwd",
            "--perms",
            "0644",
            "--ro-bind-data",
            str(group_r),
            "/etc/group",
            "--bind",
            str(job),
            JOB_TARGET,
        ]
        for mount, source in zip(mounts, sources, strict=True):
            command += ["--bind" if mount.writable else "--ro-bind", str(source), mount.target]
        command += ["--chdir", workdir, "--json-status-fd", str(status_w), "--remount-ro", "/"]
        for key, value in full_env.items():
            command += ["--setenv", key, value]
        command += ["--", *args]

        processes = limits.processes + _BWRAP_PROCESSES
        if not switch:
            processes += count_tasks(os.getuid())
        launch = Launch(
            argv=command,
            env={},  # bwrap's own environment is visible inside as /proc/1/environ
            user=SANDBOX_UID if switch else None,
            group=SANDBOX_GID if switch else None,
            rlimits=rlimits_for(limits, processes=processes),
            pass_fds=(status_w, passwd_r, group_r),
            status_fd=status_r,
            watch_folder=None if capped else job,
            folder_limit=limits.disk_mb * 1024 * 1024,
        )
        outcome = _BwrapSupervisor(launch, limits).run()
        return _result(args, limits, outcome, capped=capped, full=capped and is_full(job))


def _result(
    argv: tuple[str, ...], limits: Limits, outcome: Outcome, *, capped: bool, full: bool
) -> SandboxResult:
    records = _status_records(outcome.status)
    started = any("exit-code" in r for r in records)
    stderr = outcome.stderr.text()
    start_error = outcome.start_error
    killed_by_host = outcome.timed_out or outcome.output_capped
    if start_error is None and not started and not killed_by_host:
        lines = [ln for ln in stderr.splitlines() if ln.startswith("bwrap: ")]
        start_error = lines[-1] if lines else "the sandbox could not be set up"
    exit_code, sig = outcome.exit_code, outcome.signal
    # bwrap reports a command killed by signal N as exit status 128 + N, like a shell.
    if exit_code is not None and exit_code > 128 and started:
        try:
            sig = _signal.Signals(exit_code - 128)
            exit_code = None
        except ValueError:
            pass
    verdict = decide(
        limits=limits,
        exit_code=exit_code,
        signal=int(sig) if sig is not None else None,
        stderr=stderr,
        cpu_s=outcome.cpu_s,
        peak_memory_mb=outcome.peak_memory_mb,
        timed_out=outcome.timed_out,
        output_capped=outcome.output_capped,
        printed_bytes=outcome.printed_bytes,
        start_error=start_error,
        disk_capped=outcome.disk_capped,
        job_folder_full=full,
    )
    warnings: tuple[str, ...] = ()
    if outcome.lingering:
        warnings = ("a process the job started could not be confirmed stopped",)
    warnings += disk_warnings(limits, capped=capped, problem=outcome.disk_problem)
    return SandboxResult(
        argv=argv,
        backend="bwrap",
        exit_code=verdict.exit_code,
        signal=verdict.signal,
        reason=verdict.reason,
        message=verdict.message,
        stdout=outcome.stdout.text(),
        stderr=stderr,
        truncated=bool(outcome.stdout.omitted or outcome.stderr.omitted),
        wall_s=round(outcome.wall_s, 3),
        cpu_s=round(outcome.cpu_s, 3),
        peak_memory_mb=outcome.peak_memory_mb,
        warnings=warnings,
    )


class _BwrapSupervisor(Supervisor):
    """Kills the sandbox by killing bwrap and the sandbox's pid 1: when pid 1 dies, the kernel
    kills every process left in its pid namespace. Measures the job through pid 1, which
    waited for it (bwrap's own process carries the caller's memory in its ``ru_maxrss``)."""

    def __init__(self, launch: Launch, limits: Limits) -> None:
        super().__init__(launch, limits)
        self.init_fd: int | None = None
        self.init_pid = 0
        self._looked = False

    def run(self) -> Outcome:
        reaping = SUBREAPER.acquire()
        try:
            return super().run()
        finally:
            if self.init_fd is not None:
                os.close(self.init_fd)
                self.init_fd = None
            if reaping:
                SUBREAPER.release()

    def on_status(self) -> None:
        if self._looked or b"\n" not in self.status:
            return
        self._looked = True
        # Only the first record is trusted: bwrap writes it before the job runs.
        first = _status_records(bytes(self.status).split(b"\n", 1)[0])
        if not first:
            return
        child = first[0].get("child-pid")
        namespace = first[0].get("pid-namespace")
        if not isinstance(child, int) or child <= 1:
            return
        try:
            fd = os.pidfd_open(child)
        except OSError:
            return  # already gone
        try:
            link = str(Path(f"/proc/{child}/ns/pid").readlink())
        except OSError:
            link = None
        if link is not None and isinstance(namespace, int) and link != f"pid:[{namespace}]":
            os.close(fd)  # the pid was reused by another process: never signal it
            return
        # While the pidfd is open the pid cannot be reused, so signalling and waiting for it
        # by number is safe.
        self.init_fd = fd
        self.init_pid = child

    def kill(self) -> None:
        # Kill the job's main process (pid 2 of the sandbox) first: pid 1 then reaps it as
        # usual, which keeps its CPU time and peak memory, and exits, taking the rest of the
        # namespace with it (those are reaped without accounting).
        main = self._main_fd()
        if main is None:
            self.kill_all()
            return
        try:
            with contextlib.suppress(ProcessLookupError):
                _signal.pidfd_send_signal(main, _signal.SIGKILL)
        finally:
            os.close(main)

    def kill_all(self) -> None:
        # bwrap's monitor and pid 1 share the process group; pid 1 would die with the
        # monitor anyway (--die-with-parent), and is re-parented to this process to be reaped.
        self.kill_group()
        if self.init_fd is not None:
            with contextlib.suppress(ProcessLookupError):
                _signal.pidfd_send_signal(self.init_fd, _signal.SIGKILL)

    def _main_fd(self) -> int | None:
        """A pidfd on the job's main process: the child of pid 1 that is pid 2 inside."""
        if self.init_fd is None:
            return None
        for pid in _children(self.init_pid):
            if _namespace_pid(pid) != 2:
                continue
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                return None
            if _namespace_pid(pid) == 2:  # still the same process now that it is pinned
                return fd
            os.close(fd)
        return None

    def after_exit(self) -> bool:
        # bwrap's monitor exits as soon as the job's main process does, while pid 1 may still
        # be taking the namespace down: wait until pid 1 (hence every process) is gone.
        gone = True
        if self.init_fd is not None:
            if not _wait_fd(self.init_fd, KILL_GRACE_S):
                with contextlib.suppress(ProcessLookupError):
                    _signal.pidfd_send_signal(self.init_fd, _signal.SIGKILL)
                gone = _wait_fd(self.init_fd, KILL_GRACE_S)
            if gone:
                with contextlib.suppress(ChildProcessError):
                    _, _, self.inner_rusage = os.wait4(self.init_pid, 0)
        self.kill_group()
        return gone


def _children(pid: int) -> list[int]:
    """The ids of a process's children (its main thread's), from /proc."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except (OSError, ValueError):
        pass
    found: list[int] = []  # kernels without the children file: look at every process
    with os.scandir("/proc") as entries:
        for entry in entries:
            if entry.name.isdigit() and _status_field(int(entry.name), "PPid") == [str(pid)]:
                found.append(int(entry.name))
    return found


def _status_field(pid: int, name: str) -> list[str]:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split()[1:]
    except OSError:
        pass
    return []


def _namespace_pid(pid: int) -> int | None:
    """A process's id in its own (innermost) pid namespace."""
    ids = _status_field(pid, "NSpid")
    return int(ids[-1]) if ids and ids[-1].isdigit() else None


def _wait_fd(fd: int, timeout: float) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(timeout * 1000))


def _status_records(data: bytes) -> list[dict[str, Any]]:
    """bwrap's JSON status: one object after another."""
    decoder = json.JSONDecoder()
    text = data.decode("utf-8", errors="replace")
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        try:
            obj, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            break
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _data_pipe(text: str) -> int:
    """A pipe already holding ``text`` (small enough for the pipe's buffer): its read end."""
    r, w = os.pipe()
    try:
        os.write(w, text.encode())
    finally:
        os.close(w)
    return r


def _job_folder(job_dir: Path, uid: int) -> Path:
    try:
        job = Path(job_dir).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise SandboxError(f"job folder {job_dir} does not exist", path=str(job_dir)) from exc
    if not job.is_dir():
        raise SandboxError(f"job folder {job_dir} is not a folder", path=str(job_dir))
    if len(job.parts) < 3:
        raise SandboxError(
            f"job folder {job} is too close to the root of the file system; expected a folder "
            f"made for this job",
            path=str(job),
        )
    owner = job.stat().st_uid
    if owner not in (os.getuid(), uid):
        raise SandboxError(
            f"job folder {job} belongs to uid {owner}; expected a folder this process (uid "
            f"{os.getuid()}) made for the job",
            path=str(job),
        )
    return job


def _mount_sources(mounts: Sequence[Mount], uid: int, gid: int, *, check: bool) -> list[Path]:
    seen: set[str] = set()
    for mount in mounts:
        if not isinstance(mount, Mount):
            raise SandboxError(f"expected a Mount; found {mount!r}")
        if mount.target in seen:
            raise SandboxError(f"two mounts have the same target {mount.target}", key="target")
        seen.add(mount.target)
    sources: list[Path] = []
    for mount in mounts:
        try:
            source = mount.source.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise SandboxError(
                f"mount source {mount.source} does not exist", path=str(mount.source)
            ) from exc
        if check:
            _reachable(source, uid, gid, what="mount source", write=mount.writable)
        sources.append(source)
    return sources


def _allows(st: os.stat_result, uid: int, gid: int, bits: int) -> bool:
    """Whether classic permission bits give ``uid``/``gid`` the ``bits`` (r=4, w=2, x=1)."""
    if st.st_uid == uid:
        shift = 6
    elif st.st_gid == gid:
        shift = 3
    else:
        shift = 0
    return (st.st_mode >> shift) & bits == bits


def _reachable(path: Path, uid: int, gid: int, *, what: str, write: bool | None) -> None:
    """Check that ``uid`` can reach ``path`` and read it (and write it when asked; with
    ``write=None`` only reach it).

    Raises:
        SandboxError: naming the first folder on the way, or the path, that stops it.
    """
    for folder in reversed(path.parents):
        st = folder.stat()
        if not _allows(st, uid, gid, 1):
            raise SandboxError(
                f"{what} {path} is not readable by the sandbox user (uid {uid}): {folder} "
                f"(mode {stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid}) does not let "
                f"it through; move it under a folder that every user may enter",
                path=str(path),
            )
    if write is None:
        return
    st = path.stat()
    need = 4 | (1 if stat.S_ISDIR(st.st_mode) else 0) | (2 if write else 0)
    if not _allows(st, uid, gid, need):
        wanted = "read and write" if write else "read"
        raise SandboxError(
            f"{what} {path} is not readable by the sandbox user (uid {uid}): mode "
            f"{stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid}; it must let every user "
            f"{wanted} it",
            path=str(path),
        )


def _hand_over(job: Path, uid: int, gid: int) -> None:
    """Give the job folder and everything in it to the sandbox user, without following links,
    however deep the job nested its folders (the walk goes by folder descriptors).

    Raises:
        SandboxError: when a file in it has hard links outside it (changing its owner would
            let the job change the same file elsewhere), or the folder cannot be walked.
    """
    try:
        # First look at everything, and only then change owners: a hard link that leads out
        # must stop the run before any owner changes.
        links: dict[tuple[int, int], list[Any]] = {}
        walk = TreeWalk(job)
        for event, _, name, st in walk:
            if event == "entry" and not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
                seen = links.setdefault(
                    (st.st_dev, st.st_ino), [walk.relative(name), st.st_nlink, 0]
                )
                seen[2] += 1
        if walk.skipped:
            where, why = walk.skipped[0]
            raise SandboxError(
                f"job folder {job}: {where} cannot be read ({why}); the job folder must hold "
                "only folders the host can read",
                path=str(job),
            )
        for rel, nlink, found in links.values():
            if found < nlink:
                raise SandboxError(
                    f"job folder file {job / rel} has {nlink} hard links but only {found} "
                    f"inside the job folder; the job folder must hold its own copies of files",
                    path=str(job / rel),
                )
        for event, fd, name, st in TreeWalk(job):
            if st.st_uid == uid and st.st_gid == gid:
                continue
            if event == "enter" and not name:
                os.fchown(fd, uid, gid)
            elif event == "entry":
                os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
    except OSError as err:
        raise SandboxError(
            f"job folder {job} could not be handed over to the sandbox user: {err.strerror or err}",
            path=str(job),
        ) from err


if TYPE_CHECKING:  # every backend follows the protocol
    _: Sandbox = BwrapSandbox()
