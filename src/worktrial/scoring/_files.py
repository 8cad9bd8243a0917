"""Host-side reads of files a sandboxed run wrote, without trusting them.

Everything under a job folder was written by candidate code. The host reads such a file only
through :func:`read_untrusted`: no symbolic link is followed (in the file name or, below
``root``, in any folder on the way), only a regular file is read (a FIFO would block the host,
a device would read forever), and the size is checked on the open file before a byte is read.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Problem = Literal["missing", "symlink", "not_file", "too_large", "unreadable"]

_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why an untrusted file was not read. ``size`` is set for ``too_large``."""

    problem: Problem
    detail: str
    size: int | None = None


def _open(path: Path, root: Path | None) -> int:
    if root is None:
        return os.open(path, _FILE_FLAGS)
    rel = path.relative_to(root)  # ValueError: not under root (a caller's bug, not input)
    if not rel.parts:
        raise IsADirectoryError(errno.EISDIR, "is the folder itself", str(path))
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in rel.parts[:-1]:
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except NotADirectoryError:
                # O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR: tell a link from a file
                if stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise OSError(errno.ELOOP, "a folder on the path is a link") from None
                raise
            os.close(fd)
            fd = nxt
        return os.open(rel.parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)


def read_untrusted(path: Path, *, max_bytes: int, root: Path | None = None) -> bytes | Unreadable:
    """The bytes of the regular file at ``path``, or why they were not read.

    Params:
        path: the file.
        max_bytes: files larger than this are not read (checked with ``fstat`` first, and
            again while reading, in case the file grows).
        root: a folder ``path`` lies under; no folder between it and the file may be a
            symbolic link. Without it only the file name itself is checked.
    """
    try:
        fd = _open(path, root)
    except FileNotFoundError:
        return Unreadable("missing", "no such file")
    except NotADirectoryError:
        return Unreadable("missing", "a folder on its path is not a folder")
    except IsADirectoryError:
        return Unreadable("not_file", "a folder, not a file")
    except OSError as err:
        if err.errno == errno.ELOOP:
            return Unreadable("symlink", "a symbolic link (links are never followed)")
        return Unreadable("unreadable", err.strerror or str(err))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return Unreadable("not_file", kind)
        if info.st_size > max_bytes:
            return Unreadable("too_large", f"{info.st_size} bytes", info.st_size)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            return Unreadable("too_large", f"more than {max_bytes} bytes", len(data))
        return data
    except OSError as err:
        return Unreadable("unreadable", err.strerror or str(err))
    finally:
        os.close(fd)
