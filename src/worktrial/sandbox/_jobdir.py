"""The job folder on the host: walked at any depth, measured, capped in size, given back.

Candidate code shapes the job folder, so the host never walks it by full paths: a job can
nest folders deeper than ``PATH_MAX`` (4096 bytes), and every ``stat`` or ``scandir`` on such
a path fails with "File name too long". :class:`TreeWalk` goes down and up with folder
descriptors instead (``openat`` each name with ``O_NOFOLLOW``, back up through ``..``, checked
against the folder it came from), keeping at most three descriptors open however deep the
tree, and without recursion.

A job folder's size is capped by making it a file system of its own: where the host is root,
:func:`capped_job_folder` mounts a tmpfs of ``Limits.disk_mb`` on it, so a write past the cap
fails inside the sandbox with "No space left on device". When the run is over, the files are
copied to a plain folder that takes its place and the tmpfs is unmounted, also after an
error. Each mount is named after the process that made it (``worktrial-job-PID-START``), so a
mount left behind by a process that was killed outright is found and removed by the next one.
Where mounting is not possible, the backends measure the folder while a step runs instead
(:func:`tree_bytes`), which is weaker: a step can write past the cap between two measures.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import logging
import os
import re
import secrets
import stat
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from worktrial.errors import SandboxError
from worktrial.sandbox._types import JobFolder, Limits

logger = logging.getLogger("worktrial.sandbox")

MOUNT_SOURCE = "worktrial-job"
"""The start of the source name of every job folder mount (as /proc/self/mountinfo shows)."""
INODES_PER_MB = 64
"""Files and folders a capped job folder may hold per MB (ext4's default ratio, 16 KiB)."""
DISK_POLL_S = 1.0
"""Where the job folder is not capped, how often its size is measured while a step runs."""

_MB = 1024 * 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_MS_NOSUID = 2
_MS_NODEV = 4
_MNT_DETACH = 2

Event = Literal["enter", "entry", "leave"]


class TreeChangedError(OSError):
    """The tree changed under a walk (a folder's ``..`` is not the folder it came from)."""


@dataclass
class _Frame:
    name: str
    st: os.stat_result
    pending: list[tuple[str, os.stat_result]] = field(default_factory=list)


class TreeWalk:
    """Walk a folder tree at any depth, never following a link.

    Iterating yields ``(event, dir_fd, name, st)``, the descriptor valid only until the next
    step:

    - ``("enter", fd, name, st)``: the walk is now in folder ``name`` (``""`` for the root);
      ``fd`` is that folder.
    - ``("entry", fd, name, st)``: ``name`` is in the folder ``fd`` (folders included;
      ``st`` is its own ``lstat``).
    - ``("leave", fd, name, st)``: the walk is back in ``fd`` from its folder ``name`` (not
      for the root).

    Args:
        root: the folder to walk (itself not a link).
        prune: ``prune(name, st)`` true leaves an entry out (and never goes into it).

    Attributes:
        parts: the names of the folders from the root down to the one the walk is in.
        skipped: ``(relative path, why)`` of the folders that could not be opened.

    Raises (while iterating):
        OSError: the root cannot be opened; :class:`TreeChangedError` when a folder's ``..``
            is not the folder the walk came from.
    """

    def __init__(
        self, root: Path, *, prune: Callable[[str, os.stat_result], bool] | None = None
    ) -> None:
        self.root = Path(root)
        self.prune = prune
        self.parts: list[str] = []
        self.skipped: list[tuple[str, str]] = []

    def relative(self, name: str) -> str:
        """The path of ``name`` in the current folder, relative to the root."""
        return "/".join([*self.parts, name])

    def _list(self, fd: int, frame: _Frame) -> Iterator[tuple[Event, int, str, os.stat_result]]:
        with os.scandir(fd) as it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone since it was listed
                if self.prune is not None and self.prune(entry.name, st):
                    continue
                yield "entry", fd, entry.name, st
                if stat.S_ISDIR(st.st_mode):
                    frame.pending.append((entry.name, st))

    def __iter__(self) -> Iterator[tuple[Event, int, str, os.stat_result]]:
        return self.events()

    def events(self) -> Generator[tuple[Event, int, str, os.stat_result], None, None]:
        """The walk's events (see the class); close the generator to stop early."""
        fd = os.open(self.root, _DIR_FLAGS)
        try:
            st = os.fstat(fd)
            frames = [_Frame("", st)]
            yield "enter", fd, "", st
            yield from self._list(fd, frames[-1])
            while frames:
                frame = frames[-1]
                if frame.pending:
                    name, seen = frame.pending.pop()
                    try:
                        child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                    except OSError as err:
                        self.skipped.append((self.relative(name), err.strerror or str(err)))
                        continue
                    cst = os.fstat(child)
                    if (cst.st_dev, cst.st_ino) != (seen.st_dev, seen.st_ino):
                        os.close(child)
                        self.skipped.append((self.relative(name), "replaced while it was read"))
                        continue
                    os.close(fd)
                    fd = child
                    self.parts.append(name)
                    frames.append(_Frame(name, cst))
                    yield "enter", fd, name, cst
                    yield from self._list(fd, frames[-1])
                    continue
                frames.pop()
                if not frames:
                    break
                up = os.open("..", _DIR_FLAGS, dir_fd=fd)
                ust = os.fstat(up)
                parent = frames[-1].st
                if (ust.st_dev, ust.st_ino) != (parent.st_dev, parent.st_ino):
                    os.close(up)
                    raise TreeChangedError(
                        errno.ESTALE,
                        f"{'/'.join(self.parts)} was moved while the folder was walked",
                    )
                os.close(fd)
                fd = up
                self.parts.pop()
                yield "leave", fd, frame.name, frame.st
        finally:
            os.close(fd)


def tree_bytes(root: Path, *, stop_above: int | None = None) -> int:
    """The space the entries under ``root`` take (``st_blocks``; a file with several hard
    links counted once), in bytes. Counting stops as soon as the total passes ``stop_above``.

    Raises:
        OSError: when the tree cannot be walked.
    """
    total = 0
    linked: set[tuple[int, int]] = set()
    with contextlib.closing(TreeWalk(root).events()) as events:
        for event, _, _, st in events:
            if event != "entry":
                continue
            if st.st_nlink > 1 and not stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in linked:
                    continue
                linked.add(key)
            total += st.st_blocks * 512
            if stop_above is not None and total > stop_above:
                break
    return total


def remove_tree(root: Path) -> None:
    """Remove the folder ``root`` and everything in it, however deep, never following a link.

    Raises:
        OSError: when something in it cannot be removed.
    """
    for event, fd, name, st in TreeWalk(root):
        if event == "entry" and not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=fd)
        elif event == "leave":
            os.rmdir(name, dir_fd=fd)
    Path(root).rmdir()


@dataclass
class CopyReport:
    """What :func:`copy_tree` copied and what it left out."""

    files: int = 0
    bytes: int = 0
    left_out: list[str] = field(default_factory=list)
    """Relative paths not copied, with the reason, e.g. ``"a/sock: a socket"``."""


def _copy_attributes(name: str, dir_fd: int, st: os.stat_result, *, link: bool = False) -> None:
    if not link:
        os.chmod(name, stat.S_IMODE(st.st_mode) & 0o777, dir_fd=dir_fd)
    os.chown(name, st.st_uid, st.st_gid, dir_fd=dir_fd, follow_symlinks=False)
    os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dir_fd, follow_symlinks=False)


def _copy_file(name: str, src_dir: int, dest_dir: int, st: os.stat_result) -> int:
    src = os.open(name, _READ_FLAGS, dir_fd=src_dir)
    try:
        dest = os.open(name, _WRITE_FLAGS, 0o600, dir_fd=dest_dir)
        try:
            done = 0
            while done < st.st_size:
                sent = os.sendfile(dest, src, done, min(st.st_size - done, 1 << 30))
                if sent == 0:
                    break  # shorter than when it was listed
                done += sent
        finally:
            os.close(dest)
    finally:
        os.close(src)
    _copy_attributes(name, dest_dir, st)
    return done


def copy_tree(src: Path, dest: Path, *, max_bytes: int) -> CopyReport:
    """Copy the folder ``src`` into the existing empty folder ``dest``, however deep: folders,
    regular files, symbolic links (as links, never followed) and FIFOs, with their modes
    (setuid, setgid and sticky bits dropped), owners and times. Sockets and devices are left
    out, and so is every regular file once ``max_bytes`` of file content have been copied
    (hard links are copied as separate files, so they could multiply the size).

    Raises:
        OSError: when ``src`` cannot be walked or ``dest`` written.
    """
    report = CopyReport()
    walk = TreeWalk(src)
    dest_fd = os.open(dest, _DIR_FLAGS)
    try:
        for event, fd, name, st in walk:
            mode = st.st_mode
            if event == "enter":
                if name:
                    inner = os.open(name, _DIR_FLAGS, dir_fd=dest_fd)
                    os.close(dest_fd)
                    dest_fd = inner
                continue
            if event == "leave":
                outer = os.open("..", _DIR_FLAGS, dir_fd=dest_fd)
                os.close(dest_fd)
                dest_fd = outer
                _copy_attributes(name, dest_fd, st)
                continue
            if stat.S_ISDIR(mode):
                os.mkdir(name, 0o700, dir_fd=dest_fd)
            elif stat.S_ISREG(mode):
                if report.bytes + st.st_size > max_bytes:
                    report.left_out.append(
                        f"{walk.relative(name)}: over the {max_bytes / _MB:.0f} MB kept"
                    )
                    continue
                report.bytes += _copy_file(name, fd, dest_fd, st)
                report.files += 1
            elif stat.S_ISLNK(mode):
                os.symlink(os.readlink(name, dir_fd=fd), name, dir_fd=dest_fd)
                _copy_attributes(name, dest_fd, st, link=True)
            elif stat.S_ISFIFO(mode):
                os.mkfifo(name, 0o600, dir_fd=dest_fd)
                _copy_attributes(name, dest_fd, st)
            else:
                kind = "a socket" if stat.S_ISSOCK(mode) else "a device"
                report.left_out.append(f"{walk.relative(name)}: {kind}")
        report.left_out += [f"{path}: {why}" for path, why in walk.skipped]
        root = Path(src).lstat()
        os.fchmod(dest_fd, stat.S_IMODE(root.st_mode) & 0o777)
        os.fchown(dest_fd, root.st_uid, root.st_gid)
        os.utime(dest_fd, ns=(root.st_atime_ns, root.st_mtime_ns))
    finally:
        os.close(dest_fd)
    return report


# --------------------------------------------------------------------------- mounts


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    return libc


def _os_error(path: Path | bytes) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, os.strerror(code), os.fsdecode(path))


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot), or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes()
        return int(text.rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _unescape(field: bytes) -> bytes:
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), field)


def job_mounts() -> list[tuple[Path, str]]:
    """The job folder mounts this process's mount namespace has: ``(mount point, source)``."""
    found: list[tuple[Path, str]] = []
    try:
        lines = Path("/proc/self/mountinfo").read_bytes().splitlines()
    except OSError:
        return found
    for line in lines:
        left, sep, right = line.partition(b" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        source = _unescape(tail[1]).decode("utf-8", "replace")
        if tail[0] == b"tmpfs" and source.startswith(MOUNT_SOURCE + "-"):
            found.append((Path(os.fsdecode(_unescape(fields[4]))), source))
    return found


def _mount_source() -> str:
    return f"{MOUNT_SOURCE}-{os.getpid()}-{_start_time(os.getpid()) or 0}"


def _unmount(path: Path) -> None:
    """Unmount ``path``; when something still uses it, detach it (it goes once unused).

    Raises:
        OSError: when neither works.
    """
    libc = _libc()
    target = os.fsencode(path)
    if libc.umount2(target, 0) == 0:
        return
    if ctypes.get_errno() == errno.EBUSY and libc.umount2(target, _MNT_DETACH) == 0:
        return
    raise _os_error(path)


def sweep_stale_mounts() -> list[Path]:
    """Unmount the job folder mounts of processes that no longer run (killed before they
    could unmount); returns their mount points."""
    swept: list[Path] = []
    for point, source in job_mounts():
        parts = source[len(MOUNT_SOURCE) + 1 :].split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            continue
        pid, started = int(parts[0]), int(parts[1])
        if _start_time(pid) == started:
            continue  # its process still runs: the mount is in use
        try:
            _unmount(point)
        except OSError as err:
            logger.warning("could not remove the stale job folder mount %s: %s", point, err)
            continue
        logger.warning("removed a job folder mount left by process %d: %s", pid, point)
        swept.append(point)
    return swept


def _mount_tmpfs(path: Path, disk_mb: int) -> None:
    options = (
        f"size={disk_mb * _MB},nr_inodes={disk_mb * INODES_PER_MB},mode=0755,"
        f"uid={os.geteuid()},gid={os.getegid()}"
    )
    target = os.fsencode(path)
    source = _mount_source().encode()
    if _libc().mount(source, target, b"tmpfs", _MS_NOSUID | _MS_NODEV, options.encode()) != 0:
        raise _os_error(path)


def fallback_note(disk_mb: int, why: str) -> str:
    """What a reader must know when the job folder could not be capped by a file system."""
    return (
        f"the job folder could not be made a file system of its own ({why}), so its "
        f"{disk_mb} MB limit is enforced only by measuring it while each step runs"
    )


def disk_warnings(limits: Limits, *, capped: bool, problem: str | None) -> tuple[str, ...]:
    """The warnings of a run whose job folder is not capped by a file system (none when it
    is): the limit was only measured, or could not even be."""
    if capped:
        return ()
    if problem is not None:
        return (
            f"the job folder's size could not be measured ({problem}): its "
            f"{limits.disk_mb} MB limit was not enforced",
        )
    return (
        f"the job folder is not a file system of its own: its size was measured every "
        f"{DISK_POLL_S:g} s, so the run could write past its {limits.disk_mb} MB limit "
        "between two measures",
    )


def new_job_folder(path: Path, limits: Limits) -> JobFolder:
    """Create ``path`` (or take it when it is an empty folder), mode 0755.

    Raises:
        SandboxError: when ``path`` exists and is not an empty folder.
    """
    path = Path(path)
    try:
        path.mkdir(mode=0o755)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir() or any(path.iterdir()):
            raise SandboxError(
                f"job folder {path} already exists and is not an empty folder; expected a "
                "new folder for the run",
                path=str(path),
            ) from None
    path.chmod(0o755)
    return JobFolder(path=path, disk_mb=limits.disk_mb)


@contextlib.contextmanager
def plain_job_folder(path: Path, limits: Limits) -> Iterator[JobFolder]:
    """A job folder that is a plain folder (the fake backend's)."""
    yield new_job_folder(path, limits)


@contextlib.contextmanager
def capped_job_folder(path: Path, limits: Limits) -> Iterator[JobFolder]:
    """A job folder that holds at most ``limits.disk_mb``: a tmpfs of that size where this
    process is root, otherwise a plain folder with a note saying so. When the context ends,
    an error included, the files are copied to a plain folder that takes the job folder's
    place (at most ``disk_mb`` of file content; what is left out is noted) and the tmpfs is
    unmounted.

    Raises:
        SandboxError: when ``path`` exists and is not an empty folder, or when the tmpfs
            can neither be unmounted nor detached at the end.
    """
    folder = new_job_folder(path, limits)
    if os.geteuid() != 0:
        note = fallback_note(limits.disk_mb, "mounting one needs root")
        logger.warning(note)
        folder.notes.append(note)
        yield folder
        return
    sweep_stale_mounts()
    try:
        _mount_tmpfs(folder.path, limits.disk_mb)
    except OSError as err:
        note = fallback_note(limits.disk_mb, f"mounting a tmpfs failed: {err.strerror}")
        logger.warning(note)
        folder.notes.append(note)
        yield folder
        return
    folder.capped = True
    try:
        yield folder
    finally:
        _give_back(folder)


def _give_back(folder: JobFolder) -> None:
    """Copy a mounted job folder's files beside it, unmount it, and put the copy in its place.

    Raises:
        SandboxError: when the mount can be neither unmounted nor detached.
    """
    path = folder.path
    kept = path.with_name(f".{path.name}.kept-{secrets.token_hex(4)}")
    report: CopyReport | None = None
    try:
        kept.mkdir(mode=0o700)
        report = copy_tree(path, kept, max_bytes=folder.disk_mb * _MB)
    except OSError as err:
        folder.notes.append(
            f"the job folder's files could not all be kept after the run ({err.strerror or err})"
        )
    finally:
        try:
            _unmount(path)
        except OSError as err:
            raise SandboxError(
                f"job folder {path}: its {folder.disk_mb} MB file system could not be "
                f"unmounted ({err.strerror}); unmount it by hand",
                path=str(path),
            ) from err
    if report is not None and report.left_out:
        shown = "; ".join(report.left_out[:3]) + ("; …" if len(report.left_out) > 3 else "")
        folder.notes.append(
            f"{len(report.left_out)} path(s) of the job folder were not kept after the run: {shown}"
        )
    if not kept.is_dir():
        return
    try:
        path.rmdir()  # the empty mount point
        kept.rename(path)
    except OSError as err:
        folder.notes.append(
            f"the job folder's files were kept in {kept}, not in {path} ({err.strerror})"
        )


# --------------------------------------------------------------------------- in a run


def is_capped(job: Path, limits: Limits) -> bool:
    """Whether ``job`` is a file system of its own no larger than ``limits.disk_mb``."""
    try:
        if not os.path.ismount(job):
            return False
        fs = os.statvfs(job)
    except OSError:
        return False
    return fs.f_blocks * fs.f_frsize <= limits.disk_mb * _MB


def is_full(job: Path) -> bool:
    """Whether the file system at ``job`` has (next to) no room or no file left."""
    try:
        fs = os.statvfs(job)
    except OSError:
        return False
    size = fs.f_blocks * fs.f_frsize
    return fs.f_bavail * fs.f_frsize < min(_MB, size // 64) or (fs.f_files > 0 and fs.f_favail == 0)
