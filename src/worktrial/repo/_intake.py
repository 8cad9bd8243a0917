"""Safe intake of a submission: a git bundle or an archive becomes a fresh bare repository.

A submission is hostile input until proven otherwise. Intake therefore:

- checks the upload's size before reading anything else, then its format by its first bytes;
- never runs anything from the submission: the new repository is created with
  ``git init --bare --template=`` (no sample hooks), its config is written by worktrial alone
  (``core.hooksPath=/dev/null``), and every git command runs with the inert configuration of
  :func:`~worktrial.repo.run_git`. A bundle carries objects and refs only, so hooks, config and
  filter drivers cannot travel in it; an archive's ``.git`` folder is stripped of hooks, config,
  alternates, grafts and other files that change how git behaves before git reads it;
- caps the object count (read from the pack header before unpacking), the unpacked size of all
  objects (``cat-file --batch-all-objects``, read from object headers, before anything inflates
  them), and the wall time of every git command;
- runs ``git fsck --strict`` and names the first problem it finds;
- pins one commit (the bundle's ``HEAD``) and never leaves a half-made destination behind: all
  work happens in a temporary folder beside ``dest`` that is renamed into place at the end.

Archives (.zip, .tar, .tar.gz, .tar.bz2, .tar.xz) are unpacked by hand from their member lists:
absolute paths, ``..`` components, links leaving the archive's folder, device files and FIFOs are
refused with the member named; setuid/setgid bits are dropped; member count, per-file size, total
unpacked size (declared and actually written) and compression ratio are capped; nothing is ever
written through a symbolic link (every folder is opened with ``O_NOFOLLOW`` relative to its
parent's descriptor and files are created with ``O_EXCL``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import stat
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from worktrial.errors import GitCommandError, IntakeError, UsageError
from worktrial.repo._git import run_git

MiB = 1024 * 1024

MAX_BUNDLE_BYTES = 200 * MiB
MAX_ARCHIVE_BYTES = 200 * MiB
MAX_OBJECTS = 1_000_000
MAX_UNPACKED_BYTES = 2048 * MiB
MAX_FILES = 100_000
MAX_FILE_BYTES = 512 * MiB
INTAKE_TIMEOUT_S = 300.0

# A decompression bomb: more than BOMB_RATIO times bigger unpacked, and big enough to matter.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 50 * MiB

_BUNDLE_HEADER_MAX = 1 * MiB
_LINK_TARGET_MAX = 4096
_NAME_MAX = 255
_PATH_MAX = 4000
_CHUNK = 1 * MiB
# Tar headers, pax records and padding read between two members' data (bounded so that a pax
# header cannot make the reader hold gigabytes in memory).
_TAR_HEADER_SLACK = 1 * MiB

_BUNDLE_SIGNATURES = {b"# v2 git bundle\n": 2, b"# v3 git bundle\n": 3}
_OID_RE = {"sha1": re.compile(r"[0-9a-f]{40}"), "sha256": re.compile(r"[0-9a-f]{64}")}


def size_text(n: int) -> str:
    """A byte count in words: ``"512 bytes"``, ``"3.5 KB"``, ``"12.0 MB"``, ``"2.1 GB"``."""
    if n < 1024:
        return f"{n} bytes"
    if n < MiB:
        return f"{n / 1024:.1f} KB"
    if n < 1024 * MiB:
        return f"{n / MiB:.1f} MB"
    return f"{n / (1024 * MiB):.1f} GB"


def _refuse(label: str, text: str, reason: str, **fields: Any) -> IntakeError:
    return IntakeError(f"{label}: {text}", path=label, reason=reason, **fields)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Intake:
    """A submission accepted into a new bare repository.

    Attributes:
        path: the bare repository (``dest``).
        head: the pinned commit (full hash); the repository's ``HEAD`` points at it.
        refs: ref name -> object hash for every ref stored (``refs/heads/...``, ``refs/tags/...``).
        size_bytes: bytes the objects take on disk (``git count-objects -v``).
        objects: number of objects stored.
    """

    path: Path
    head: str
    refs: dict[str, str]
    size_bytes: int
    objects: int


@dataclass(frozen=True, slots=True)
class ExtractReport:
    """What :func:`extract_archive` wrote.

    Attributes:
        dest: the folder the archive was unpacked into.
        files: regular files written (hard links are written as copies and count here).
        dirs: folder members created (parent folders made on the way are not counted).
        symlinks: symbolic links created (each points inside ``dest``).
        bytes_written: bytes of file content written.
        notes: plain-language notes on changes made while unpacking, such as
            ``"bin/tool: setuid/setgid/sticky bits removed"``.
    """

    dest: Path
    files: int
    dirs: int
    symlinks: int
    bytes_written: int
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- staging


def _check_dest(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise UsageError(f"{dest}: exists and is not a folder", path=str(dest))
    if dest.is_dir() and any(dest.iterdir()):
        raise UsageError(
            f"{dest}: already exists and is not empty; intake writes a new folder",
            path=str(dest),
        )


def _staging_dir(dest: Path, tag: str) -> Path:
    """A fresh private folder beside ``dest`` (same file system, so renaming it is atomic)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=f".{tag}", dir=dest.parent))


def _publish(tmp: Path, dest: Path) -> None:
    try:
        # rename() replaces an empty folder and fails on a non-empty one or a file.
        tmp.rename(dest)
    except OSError as err:
        raise UsageError(
            f"{dest}: could not be created ({err.strerror}); was it created meanwhile?",
            path=str(dest),
        ) from err


def _check_input_file(src: Path, label: str, max_bytes: int, kind: str) -> int:
    try:
        st = src.stat()
    except FileNotFoundError as err:
        raise _refuse(label, "no such file", "missing") from err
    except OSError as err:
        raise _refuse(label, f"cannot be read ({err.strerror})", "unreadable") from err
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(label, f"not a file (expected a {kind} file)", "not_a_file")
    if st.st_size > max_bytes:
        raise _refuse(
            label,
            f"the {kind} is {size_text(st.st_size)}, over the {size_text(max_bytes)} limit",
            "too_large",
            size=st.st_size,
            limit=max_bytes,
        )
    return st.st_size


class _Deadline:
    """One wall-clock budget shared by every git command of an intake."""

    def __init__(self, label: str, seconds: float) -> None:
        self.label = label
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> IntakeError:
        return _refuse(
            self.label,
            f"intake did not finish within {self.seconds:.0f} s; the submission is refused "
            "(is it unusually large, or a decompression bomb?)",
            "timeout",
            limit_s=self.seconds,
        )


def _git(
    cwd: Path, deadline: _Deadline, *args: str, input: bytes | None = None
) -> tuple[int, bytes, bytes]:
    """run_git without raising on a non-zero exit; a timeout becomes an intake refusal."""
    try:
        proc = run_git(cwd, *args, timeout=deadline.left(), input=input, check=False)
    except GitCommandError as err:
        if err.fields.get("returncode") is None and "did not finish" in err.message:
            raise deadline.expired() from err
        raise
    return proc.returncode, proc.stdout, proc.stderr


def _git_says(stderr: bytes) -> str:
    """What git says went wrong: its first fatal error, else its last line."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return "no message from git"
    line = next((ln for ln in lines if ln.startswith("fatal: ")), lines[-1])
    return re.sub(r"^(fatal|error): ", "", line)


# --------------------------------------------------------------------------- bundles


@dataclass(frozen=True, slots=True)
class _BundleHeader:
    version: int
    object_format: str
    prerequisites: tuple[str, ...]
    refs: tuple[tuple[str, str], ...]  # (name, object id), in the bundle's order
    pack_objects: int


def _read_bundle_header(src: Path, label: str, what: str) -> _BundleHeader:
    not_bundle = _refuse(
        label,
        "not a git bundle (expected the output of `git bundle create`)",
        "not_a_bundle",
    )
    with src.open("rb") as fh:
        data = fh.read(_BUNDLE_HEADER_MAX + 12)
    sig = next((s for s in _BUNDLE_SIGNATURES if data.startswith(s)), None)
    if sig is None:
        raise not_bundle
    end = data.find(b"\n\n", len(sig) - 1)
    if end < 0:
        if len(data) > _BUNDLE_HEADER_MAX:
            raise _refuse(
                label, f"{what} lists too many refs (its header is over 1 MB)", "too_many_refs"
            )
        raise _refuse(label, f"{what} is truncated (its header never ends)", "damaged")
    try:
        lines = data[len(sig) : end + 1].decode("utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise not_bundle from err
    object_format = "sha1"
    prereqs: list[str] = []
    refs: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith("@") and _BUNDLE_SIGNATURES[sig] == 3:
            key, _, value = line[1:].partition("=")
            if key == "object-format" and value in _OID_RE:
                object_format = value
            elif key == "filter":
                raise _refuse(
                    label,
                    f"{what} is partial (made with --filter) and lacks some files; "
                    "create it with `git bundle create <file> --all`",
                    "partial",
                )
            else:
                raise _refuse(
                    label, f"{what} uses an unsupported capability {line!r}", "unsupported"
                )
        elif line.startswith("-"):
            prereqs.append(line[1:].split(" ", 1)[0])
        else:
            oid, _, name = line.partition(" ")
            if not name:
                raise not_bundle
            refs.append((name, oid))
    oid_re = _OID_RE[object_format]
    if not all(oid_re.fullmatch(o) for o in prereqs) or not all(
        oid_re.fullmatch(o) for _, o in refs
    ):
        raise not_bundle
    pack = data[end + 2 : end + 14]
    if len(pack) < 12 or pack[:4] != b"PACK" or int.from_bytes(pack[4:8], "big") not in (2, 3):
        raise _refuse(label, f"{what} is damaged or truncated (no pack data)", "damaged")
    return _BundleHeader(
        version=_BUNDLE_SIGNATURES[sig],
        object_format=object_format,
        prerequisites=tuple(prereqs),
        refs=tuple(refs),
        pack_objects=int.from_bytes(pack[8:12], "big"),
    )


def _choose_head(refs: tuple[tuple[str, str], ...], label: str, what: str) -> tuple[str, str]:
    """The ref that names the submitted commit: ``HEAD``, else the only ref, else main/master."""
    table = dict(refs)
    if "HEAD" in table:
        return "HEAD", table["HEAD"]
    if len(table) == 1:
        ((name, oid),) = table.items()
        return name, oid
    for name in ("refs/heads/main", "refs/heads/master"):
        if name in table:
            return name, table[name]
    shown = ", ".join(sorted(table)[:5]) + (", ..." if len(table) > 5 else "")
    raise _refuse(
        label,
        f"{what} has several refs ({shown}) and no HEAD, so the submitted commit is ambiguous; "
        "create it with `git bundle create <file> HEAD --all`",
        "ambiguous_head",
    )


_REPO_CONFIG = """\
[core]
\trepositoryformatversion = {version}
\tfilemode = true
\tbare = true
\thooksPath = /dev/null
\tfsmonitor = false
[gc]
\tauto = 0
{extensions}"""


def _init_bare(path: Path, object_format: str, deadline: _Deadline) -> None:
    code, _, err = _git(
        path, deadline, "init", "--bare", "--quiet", "--template=",
        f"--object-format={object_format}", ".",
    )  # fmt: skip
    if code != 0:
        raise GitCommandError(f"git init failed: {_git_says(err)}", command="init")
    # Our own config only: whoever opens this repository later, with or without run_git, gets
    # no hooks and no fsmonitor.
    ext = f"[extensions]\n\tobjectformat = {object_format}\n" if object_format != "sha1" else ""
    (path / "config").write_text(
        _REPO_CONFIG.format(version=1 if ext else 0, extensions=ext), encoding="utf-8"
    )


def _count_objects(path: Path, deadline: _Deadline) -> tuple[int, int]:
    """(object count, bytes on disk) from ``git count-objects -v``."""
    _, out, _ = _git(path, deadline, "count-objects", "-v")
    stats: dict[str, int] = {}
    for line in out.decode().splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            stats[key.strip()] = int(value)
    objects = stats.get("count", 0) + stats.get("in-pack", 0)
    size = (stats.get("size", 0) + stats.get("size-pack", 0)) * 1024
    return objects, size


def _unpackedsize_text(path: Path, deadline: _Deadline) -> int:
    """Sum of every object's inflated size, read from object headers (nothing is inflated)."""
    code, out, err = _git(
        path, deadline, "cat-file", "--batch-all-objects", "--unordered",
        "--batch-check=%(objectsize)",
    )  # fmt: skip
    if code != 0:
        raise GitCommandError(f"git cat-file failed: {_git_says(err)}", command="cat-file")
    return sum(int(x) for x in out.split())


def _fsck(path: Path, label: str, what: str, deadline: _Deadline) -> None:
    code, out, err = _git(
        path, deadline, "fsck", "--strict", "--no-dangling", "--no-progress", "--no-reflogs"
    )
    if code == 0:
        return
    text = (err + b"\n" + out).decode("utf-8", "replace")
    problems = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and not ln.startswith(("notice:", " ")) and "broken link" not in ln
    ]
    missing = next((m for ln in problems if (m := re.match(r"missing commit (\w+)", ln))), None)
    if missing:
        raise _refuse(
            label,
            f"{what} is incomplete: commit {missing.group(1)[:12]} is missing (a parent of a "
            "submitted commit); it was probably made from a shallow clone: run "
            "`git fetch --unshallow` and create it again",
            "incomplete",
        )
    first = problems[0] if problems else f"exit code {code}"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise _refuse(
        label,
        f"the repository fails git's integrity check (git fsck --strict): {first}{more}",
        "fsck",
        problems=problems[:20],
    )


def _unpack_bundle(
    repo: Path,
    bundle: Path,
    label: str,
    what: str,
    *,
    max_objects: int,
    max_unpacked_bytes: int,
    deadline: _Deadline,
) -> Intake:
    """Verify ``bundle`` and store it in the empty folder ``repo`` as a bare repository."""
    header = _read_bundle_header(bundle, label, what)
    if header.prerequisites:
        n = len(header.prerequisites)
        raise _refuse(
            label,
            f"{what} is incomplete: it needs {n} commit{'s' if n != 1 else ''} it does not "
            "contain (it was made from a shallow clone or from a range such as HEAD~1..HEAD); "
            "create it with `git bundle create <file> --all` in a full clone",
            "incomplete",
            prerequisites=list(header.prerequisites),
        )
    if not header.refs or header.pack_objects == 0:
        raise _refuse(label, f"{what} holds no commits", "no_commits")
    if header.pack_objects > max_objects:
        raise _refuse(
            label,
            f"{what} holds {header.pack_objects:,} objects, over the limit of {max_objects:,}",
            "too_many_objects",
        )
    head_ref, head_oid = _choose_head(header.refs, label, what)

    _init_bare(repo, header.object_format, deadline)
    code, _, err = _git(repo, deadline, "bundle", "verify", "--quiet", str(bundle.resolve()))
    if code != 0:
        raise _refuse(label, f"{what} is damaged ({_git_says(err)})", "damaged")
    # unbundle stores the pack and touches no ref: refs are written below, from the header.
    code, _, err = _git(repo, deadline, "bundle", "unbundle", str(bundle.resolve()))
    if code != 0:
        raise _refuse(label, f"{what} is damaged or truncated ({_git_says(err)})", "damaged")

    objects, on_disk = _count_objects(repo, deadline)
    if objects > max_objects:
        raise _refuse(
            label,
            f"{what} holds {objects:,} objects, over the limit of {max_objects:,}",
            "too_many_objects",
        )
    unpacked = _unpackedsize_text(repo, deadline)
    if unpacked > max_unpacked_bytes:
        raise _refuse(
            label,
            f"{what} unpacks to {size_text(unpacked)}, over the "
            f"{size_text(max_unpacked_bytes)} limit",
            "too_large",
            unpacked=unpacked,
            limit=max_unpacked_bytes,
        )

    # Peel the chosen ref (an annotated tag may name a commit) and insist on a commit.
    _, out, _ = _git(
        repo, deadline, "cat-file", "--batch-check",
        input=f"{head_oid}\n{head_oid}^{{commit}}\n".encode(),
    )  # fmt: skip
    first, peeled = [*out.decode().splitlines(), "", ""][:2]
    if first.endswith("missing"):
        raise _refuse(
            label, f"{what} is damaged: {head_ref} names an object it does not hold", "damaged"
        )
    if peeled.endswith("missing"):
        kind = first.split()[1] if len(first.split()) > 1 else "object"
        raise _refuse(label, f"{head_ref} points to a {kind}, not a commit", "not_a_commit")
    head = peeled.split()[0]

    stored = {n: o for n, o in header.refs if n.startswith("refs/")}
    if stored:
        request = b"".join(f"update {n}\0{o}\0\0".encode() for n, o in stored.items())
        code, _, err = _git(repo, deadline, "update-ref", "-z", "--stdin", input=request)
        if code != 0:
            raise _refuse(label, f"{what} has a bad ref ({_git_says(err)})", "bad_ref")
    # HEAD follows a branch when one is at the pinned commit (reports then show the branch),
    # otherwise it is detached at the pinned commit.
    branches = [n for n, o in stored.items() if n.startswith("refs/heads/") and o == head]
    preferred = [n for n in ("refs/heads/main", "refs/heads/master") if n in branches]
    if head_ref.startswith("refs/heads/") and head_ref in branches:
        branch: str | None = head_ref
    else:
        branch = (preferred or branches or [None])[0]
    (repo / "HEAD").write_text(f"ref: {branch}\n" if branch else f"{head}\n", encoding="ascii")

    _fsck(repo, label, what, deadline)
    return Intake(path=repo, head=head, refs=stored, size_bytes=on_disk, objects=objects)


def intake_bundle(
    bundle_path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_BUNDLE_BYTES,
    max_objects: int = MAX_OBJECTS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    timeout: float = INTAKE_TIMEOUT_S,
    name: str | None = None,
) -> Intake:
    """Verify a ``git bundle`` file and unpack it into a new bare repository at ``dest``.

    The bundle must be complete (no prerequisite commits), hold at least one commit, and pass
    ``git fsck --strict``. The pinned commit is the bundle's ``HEAD`` (peeled), else its only
    ref, else ``refs/heads/main`` / ``master``. Nothing in the bundle is executed.

    Args:
        bundle_path: the uploaded file.
        dest: the repository to create; it must not exist or be an empty folder. On any failure
            it is left as it was (work happens in a temporary folder beside it).
        max_bytes: largest accepted bundle file, checked before anything else.
        max_objects: most objects accepted (checked from the pack header before unpacking).
        max_unpacked_bytes: largest total inflated size of all objects (decompression bombs).
        timeout: wall-clock seconds for the whole intake (every git command shares it).
        name: how to name the upload in messages (default: ``bundle_path`` as given), so that a
            server's storage path never reaches the person who uploaded it.

    Returns:
        The :class:`Intake` with the new repository's path and pinned commit.

    Raises:
        IntakeError: the bundle is refused; the message says why in plain words.
        UsageError: ``dest`` exists and is not an empty folder.
    """
    src = Path(bundle_path)
    label = name or str(src)
    _check_input_file(src, label, max_bytes, "bundle")
    target = Path(dest)
    _check_dest(target)
    deadline = _Deadline(label, timeout)
    tmp = _staging_dir(target, "intake")
    try:
        result = _unpack_bundle(
            tmp,
            src,
            label,
            "the bundle",
            max_objects=max_objects,
            max_unpacked_bytes=max_unpacked_bytes,
            deadline=deadline,
        )
        _publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Intake(target, result.head, result.refs, result.size_bytes, result.objects)


# --------------------------------------------------------------------------- safe paths


def _normalize(name: str) -> tuple[str, ...] | str:
    """Split an archive member name into parts, or return why it is refused."""
    if "\0" in name:
        return "the name contains a NUL byte"
    if name.startswith("/"):
        return "absolute path (expected a path inside the archive's folder)"
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        return "path leaves the archive's folder"
    if len(name) > _PATH_MAX or any(len(p.encode("utf-8", "surrogateescape")) > _NAME_MAX
                                    for p in parts):  # fmt: skip
        return "the name is too long"
    return parts


def link_escapes(parts: tuple[str, ...], target: str) -> bool:
    """Whether a symbolic link at ``parts`` pointing to ``target`` could resolve outside the root.

    Accepted: relative targets whose ``..`` components all come first and climb no higher than
    the link's own folder's depth. A ``..`` after a name is refused even when it looks harmless
    on paper (``d/../x``), because ``d`` may itself be a link: with this rule every link,
    followed in any order, stays inside the root.
    """
    if not target or target.startswith("/") or "\0" in target:
        return True
    comps = [c for c in target.split("/") if c not in ("", ".")]
    ups = 0
    while ups < len(comps) and comps[ups] == "..":
        ups += 1
    if ".." in comps[ups:]:
        return True
    return ups > len(parts) - 1


_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_O_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class SafeTree:
    """Writes files, folders and links under ``root`` without ever following a symbolic link.

    Every folder is opened with ``O_NOFOLLOW`` relative to its parent's descriptor and every
    file is created with ``O_EXCL | O_NOFOLLOW``, so an earlier symlink (or a race) can never
    redirect a write outside ``root``. Modes are set explicitly (0644 / 0755), so the umask
    and any setuid bits in the input do not matter.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_fd = os.open(root, _O_DIR)
        self._cached: tuple[tuple[str, ...], int] | None = None

    def close(self) -> None:
        if self._cached is not None:
            os.close(self._cached[1])
            self._cached = None
        os.close(self._root_fd)

    def __enter__(self) -> SafeTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dir(self, parts: tuple[str, ...]) -> int:
        """A descriptor for folder ``parts`` (created as needed); owned by this object."""
        if self._cached is not None and self._cached[0] == parts:
            return self._cached[1]
        fd = os.dup(self._root_fd)
        try:
            for part in parts:
                created = False
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    created = True
                except FileExistsError:
                    pass
                nfd = os.open(part, _O_DIR, dir_fd=fd)
                os.close(fd)
                fd = nfd
                if created:
                    os.fchmod(fd, 0o755)
        except BaseException:
            os.close(fd)
            raise
        if self._cached is not None:
            os.close(self._cached[1])
        self._cached = (parts, fd)
        return fd

    def mkdir(self, parts: tuple[str, ...]) -> None:
        self._dir(parts)

    def write(
        self, parts: tuple[str, ...], chunks: Iterable[bytes], *, executable: bool, limit: int
    ) -> int:
        """Create file ``parts`` from ``chunks``; stop with ``_TooBig`` past ``limit`` bytes."""
        dfd = self._dir(parts[:-1])
        fd = os.open(parts[-1], _O_NEW, 0o600, dir_fd=dfd)
        written = 0
        with os.fdopen(fd, "wb", closefd=True) as fh:
            os.fchmod(fh.fileno(), 0o755 if executable else 0o644)
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise _TooBig(written)
                fh.write(chunk)
        return written

    def symlink(self, parts: tuple[str, ...], target: str) -> None:
        os.symlink(target, parts[-1], dir_fd=self._dir(parts[:-1]))

    def read(self, parts: tuple[str, ...]) -> Iterator[bytes]:
        """Chunks of an already written regular file (for copying hard links)."""
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                     dir_fd=self._dir(parts[:-1]))  # fmt: skip
        with os.fdopen(fd, "rb", closefd=True) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk


class _TooBig(Exception):
    """Internal signal: a file grew past its limit while being written."""

    def __init__(self, written: int) -> None:
        self.written = written


# --------------------------------------------------------------------------- archives

# What reading a broken archive raises: zipfile, tarfile, gzip (OSError), bz2 (OSError), lzma,
# zlib, and truncated streams (EOFError).
_DAMAGED = (
    zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, zlib.error,
    lzma.LZMAError,
)  # fmt: skip

_Kind = Literal["file", "dir", "symlink", "hardlink", "device", "fifo", "socket", "sparse", "other"]

_REFUSED_KIND = {
    "device": "device files are not accepted",
    "fifo": "FIFOs (named pipes) are not accepted",
    "socket": "sockets are not accepted",
    "sparse": "sparse files are not accepted",
    "other": "unsupported member type",
}


@dataclass(slots=True)
class _Member:
    name: str
    kind: _Kind
    size: int  # declared size of the data (0 for links and folders)
    mode: int  # permission bits as stored (setuid included)
    link: str = ""  # symlink target, or the archive path a hard link names
    packed: int = -1  # compressed size when the format says (zip), else -1
    open: Callable[[], IO[bytes]] | None = None


@dataclass(slots=True)
class _Limits:
    max_files: int
    max_unpacked_bytes: int
    max_file_bytes: int
    archive_bytes: int


@dataclass(slots=True)
class _Unpacker:
    """Checks every member of an archive in order, and writes the ones ``select`` keeps."""

    label: str
    tree: SafeTree
    limits: _Limits
    select: Callable[[tuple[str, ...], _Kind], bool]
    seen: dict[tuple[str, ...], str] = field(default_factory=dict)
    sizes: dict[tuple[str, ...], int] = field(default_factory=dict)
    written_files: set[tuple[str, ...]] = field(default_factory=set)
    members: int = 0
    declared: int = 0
    written: int = 0
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    notes: list[str] = field(default_factory=list)

    def refuse(self, member: str, text: str, reason: str) -> IntakeError:
        return _refuse(self.label, f"{member}: {text}", reason, member=member)

    def add(self, m: _Member) -> None:
        self.members += 1
        if self.members > self.limits.max_files:
            raise _refuse(
                self.label,
                f"the archive has more than {self.limits.max_files:,} members (the limit)",
                "too_many_files",
            )
        parts = _normalize(m.name)
        if isinstance(parts, str):
            raise self.refuse(m.name, parts, "unsafe_member")
        if not parts:
            if m.kind == "dir":
                return  # "./" names the archive's own folder
            raise self.refuse(m.name, "a member with an empty name", "unsafe_member")
        if m.kind in _REFUSED_KIND:
            raise self.refuse(m.name, _REFUSED_KIND[m.kind], "unsafe_member")
        if m.mode & 0o7000 and m.kind in ("file", "dir", "hardlink"):
            self.notes.append(f"{'/'.join(parts)}: setuid/setgid/sticky bits removed")

        for i in range(1, len(parts)):
            prefix = parts[:i]
            kind = self.seen.setdefault(prefix, "dir")
            if kind != "dir":
                what = "symbolic link" if kind == "symlink" else "file"
                raise self.refuse(
                    m.name,
                    f"its parent folder {'/'.join(prefix)} is a {what} in the archive "
                    "(writing through it is refused)",
                    "unsafe_member",
                )
        previous = self.seen.get(parts)
        if previous is not None:
            if previous == "dir" and m.kind == "dir":
                return
            raise self.refuse(m.name, "appears more than once in the archive", "unsafe_member")

        size = m.size if m.kind == "file" else 0
        link_parts: tuple[str, ...] = ()
        if m.kind == "symlink":
            if len(m.link.encode("utf-8", "surrogateescape")) > _LINK_TARGET_MAX:
                raise self.refuse(m.name, "symbolic link target is too long", "unsafe_member")
            if link_escapes(parts, m.link):
                raise self.refuse(
                    m.name, f"symbolic link to {m.link} leaves the archive's folder",
                    "unsafe_member",
                )  # fmt: skip
        elif m.kind == "hardlink":
            target = _normalize(m.link)
            if isinstance(target, str) or not target:
                raise self.refuse(
                    m.name, f"hard link to {m.link} leaves the archive's folder", "unsafe_member"
                )
            if self.seen.get(target) != "file":
                raise self.refuse(
                    m.name,
                    f"hard link to {m.link}, which is not a file earlier in the archive",
                    "unsafe_member",
                )
            link_parts = target
            size = self.sizes[target]
        self._checksize_text(m, parts, size)
        self.seen[parts] = "file" if m.kind == "hardlink" else m.kind
        if m.kind in ("file", "hardlink"):
            self.sizes[parts] = size
        if self.select(parts, m.kind):
            self._write(m, parts, size, link_parts)

    def _checksize_text(self, m: _Member, parts: tuple[str, ...], size: int) -> None:
        lim = self.limits
        if size > lim.max_file_bytes:
            raise self.refuse(
                m.name,
                f"{size_text(size)}, over the {size_text(lim.max_file_bytes)} limit for one file",
                "too_large",
            )
        if m.packed >= 0 and size > BOMB_MIN_BYTES and size > BOMB_RATIO * max(m.packed, 1):
            raise self.refuse(
                m.name,
                f"{size_text(size)} packed into {size_text(m.packed)} (more than {BOMB_RATIO}x "
                "compression); refused as a decompression bomb",
                "bomb",
            )
        self.declared += size
        if self.declared > lim.max_unpacked_bytes:
            raise _refuse(
                self.label,
                f"its files add up to more than the {size_text(lim.max_unpacked_bytes)} limit",
                "too_large",
            )
        if self.declared > BOMB_MIN_BYTES and self.declared > BOMB_RATIO * lim.archive_bytes:
            raise _refuse(
                self.label,
                f"{size_text(self.declared)} of files packed into {size_text(lim.archive_bytes)} "
                f"(more than {BOMB_RATIO}x compression); refused as a decompression bomb",
                "bomb",
            )

    def _write(
        self, m: _Member, parts: tuple[str, ...], size: int, link_parts: tuple[str, ...]
    ) -> None:
        try:
            if m.kind == "dir":
                self.tree.mkdir(parts)
                self.dirs += 1
            elif m.kind == "symlink":
                self.tree.symlink(parts, m.link)
                self.symlinks += 1
            elif m.kind == "hardlink":
                if link_parts not in self.written_files:
                    raise self.refuse(
                        m.name,
                        f"hard link to {m.link}, a file outside the part being unpacked",
                        "unsafe_member",
                    )
                self._write_file(m, parts, size, self.tree.read(link_parts))
            else:
                self._write_file(m, parts, size, self._data(m))
        except OSError as err:
            raise self.refuse(m.name, f"cannot be written ({err.strerror})", "unwritable") from err

    def _data(self, m: _Member) -> Iterator[bytes]:
        assert m.open is not None
        try:
            with m.open() as fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk
        except (NotImplementedError, RuntimeError) as err:
            # zipfile: an unknown compression method or an encrypted member
            raise self.refuse(m.name, f"cannot be unpacked ({err})", "unsupported") from err
        except _DAMAGED as err:
            raise self.refuse(m.name, f"damaged member ({err})", "damaged") from err

    def _write_file(
        self, m: _Member, parts: tuple[str, ...], size: int, chunks: Iterable[bytes]
    ) -> None:
        room = self.limits.max_unpacked_bytes - self.written
        try:
            n = self.tree.write(
                parts, chunks, executable=bool(m.mode & 0o111), limit=min(size, room)
            )
        except _TooBig as big:
            if big.written > size:
                raise self.refuse(
                    m.name,
                    f"holds more data than its header declares ({size:,} bytes)",
                    "lying_header",
                ) from None
            raise _refuse(
                self.label,
                "its files add up to more than the "
                f"{size_text(self.limits.max_unpacked_bytes)} limit",
                "too_large",
            ) from None
        if n != size:
            raise self.refuse(
                m.name,
                f"holds less data than its header declares ({n:,} of {size:,} bytes; "
                "truncated or damaged)",
                "damaged",
            )
        self.written += n
        self.files += 1
        self.written_files.add(parts)


def _zip_members(zf: zipfile.ZipFile) -> Iterator[_Member]:
    for info in zf.infolist():
        mode = (info.external_attr >> 16) & 0xFFFF if info.create_system == 3 else 0
        fmt = stat.S_IFMT(mode)
        kind: _Kind
        if info.is_dir() or fmt == stat.S_IFDIR:
            kind = "dir"
        elif fmt == stat.S_IFLNK:
            kind = "symlink"
        elif fmt in (stat.S_IFCHR, stat.S_IFBLK):
            kind = "device"
        elif fmt == stat.S_IFIFO:
            kind = "fifo"
        elif fmt == stat.S_IFSOCK:
            kind = "socket"
        else:
            kind = "file"
        link = ""
        if kind == "symlink":
            if info.file_size > _LINK_TARGET_MAX:
                link = "x" * (_LINK_TARGET_MAX + 1)  # refused as too long, never read
            else:
                with zf.open(info) as fh:
                    link = fh.read(_LINK_TARGET_MAX + 1).decode("utf-8", "surrogateescape")
        yield _Member(
            name=info.filename,
            kind=kind,
            size=info.file_size if kind == "file" else 0,
            mode=stat.S_IMODE(mode) if mode else 0o644,
            link=link,
            packed=info.compress_size if kind == "file" else -1,
            open=partial(zf.open, info) if kind == "file" else None,
        )


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _CountingReader(io.RawIOBase):
    """A decompressed tar stream that refuses to run past a budget the unpacker sets.

    Between two members' data, tarfile reads headers, pax records and padding; the budget
    keeps that bounded (a pax header claiming gigabytes is refused after 1 MB), and the
    compression ratio is watched as bytes come out.
    """

    def __init__(self, inner: _Readable, label: str) -> None:
        self.inner = inner
        self.label = label
        self.count = 0
        self.budget = _TAR_HEADER_SLACK

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        if self.count > self.budget:
            raise _refuse(
                self.label,
                "the archive has oversized or malformed tar headers (refused as a "
                "decompression bomb)",
                "bomb",
            )
        return n


def _tar_members(tf: tarfile.TarFile, reader: _CountingReader) -> Iterator[_Member]:
    for ti in tf:
        kind: _Kind
        if ti.issparse():
            kind = "sparse"
        elif ti.isreg():
            kind = "file"
        elif ti.isdir():
            kind = "dir"
        elif ti.issym():
            kind = "symlink"
        elif ti.islnk():
            kind = "hardlink"
        elif ti.ischr() or ti.isblk():
            kind = "device"
        elif ti.isfifo():
            kind = "fifo"
        else:
            kind = "other"
        if ti.size < 0:
            kind = "other"
        size = ti.size if kind == "file" else 0
        # This member's data (tarfile skips it unless we read it) and the next header's
        # records may now be read; nothing more.
        reader.budget = reader.count + size + _TAR_HEADER_SLACK
        yield _Member(
            name=ti.name,
            kind=kind,
            size=size,
            mode=ti.mode,
            link=ti.linkname,
            open=partial(_extract, tf, ti) if kind == "file" else None,
        )


def _extract(tf: tarfile.TarFile, ti: tarfile.TarInfo) -> IO[bytes]:
    fh = tf.extractfile(ti)
    if fh is None:  # pragma: no cover - only regular files are opened
        raise tarfile.TarError(f"{ti.name} has no data")
    return fh


def _decompressor(raw: IO[bytes], magic: bytes) -> _Readable | None:
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(raw, mode="rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw, mode="rb")
    return None


def _unpack(
    src: Path,
    label: str,
    tree: SafeTree,
    limits: _Limits,
    select: Callable[[tuple[str, ...], _Kind], bool],
) -> _Unpacker:
    """Check and unpack every member of the archive at ``src`` (zip or tar, any compression)."""
    unpacker = _Unpacker(label=label, tree=tree, limits=limits, select=select)
    with src.open("rb") as raw:
        magic = raw.read(512)
        raw.seek(0)
        try:
            if magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):
                with zipfile.ZipFile(raw) as zf:
                    if len(zf.infolist()) > limits.max_files:
                        raise _refuse(
                            label,
                            f"the archive has more than {limits.max_files:,} members (the limit)",
                            "too_many_files",
                        )
                    for member in _zip_members(zf):
                        unpacker.add(member)
                return unpacker
            inner = _decompressor(raw, magic)
            plain_tar = len(magic) >= 262 and magic[257:262] == b"ustar"
            if inner is None and not plain_tar:
                raise _refuse(label, "not a .zip, .tar or .tar.gz archive", "not_an_archive")
            reader = _CountingReader(inner or raw, label)
            stream = io.BufferedReader(reader, buffer_size=64 * 1024)
            with tarfile.open(fileobj=stream, mode="r|") as tf:
                for member in _tar_members(tf, reader):
                    unpacker.add(member)
        except _DAMAGED as err:
            # Writes never get here (the unpacker turns them into refusals naming the
            # member): this is the archive itself failing to parse or decompress.
            raise _refuse(label, f"the archive is damaged ({err})", "damaged") from err
    return unpacker


def extract_archive(
    archive_path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_ARCHIVE_BYTES,
    max_files: int = MAX_FILES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    name: str | None = None,
) -> ExtractReport:
    """Unpack a .zip or .tar (plain, gzip, bzip2 or xz) archive safely into a new folder.

    Refused, with the member named: absolute paths, ``..`` components, symbolic and hard links
    that leave the archive's folder, members written through a symbolic link or a file, device
    files, FIFOs, sockets, sparse files, duplicate names, members larger than their header says.
    setuid/setgid/sticky bits are dropped (and noted); files are written 0644, or 0755 when the
    archive marks them executable.

    Args:
        archive_path: the uploaded file.
        dest: the folder to create; it must not exist or be an empty folder. On failure it is
            left as it was.
        max_bytes: largest accepted archive file, checked before anything else.
        max_files: most members accepted.
        max_unpacked_bytes: largest total of file sizes, declared and actually written.
        max_file_bytes: largest single file.
        name: how to name the upload in messages (default: ``archive_path`` as given).

    Returns:
        An :class:`ExtractReport` of what was written.

    Raises:
        IntakeError: the archive is refused (the message names the member and why), including
            archives more than 100x smaller than their contents and over 50 MB unpacked
            (decompression bombs).
        UsageError: ``dest`` exists and is not an empty folder.
    """
    src = Path(archive_path)
    label = name or str(src)
    size = _check_input_file(src, label, max_bytes, "archive")
    target = Path(dest)
    _check_dest(target)
    limits = _Limits(max_files, max_unpacked_bytes, max_file_bytes, size)
    tmp = _staging_dir(target, "unpack")
    try:
        tmp.chmod(0o755)
        with SafeTree(tmp) as tree:
            u = _unpack(src, label, tree, limits, lambda _parts, _kind: True)
        _publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExtractReport(target, u.files, u.dirs, u.symlinks, u.written, tuple(u.notes))


# --------------------------------------------------------------------------- archive intake

# Files of a .git folder that change how git behaves or where it looks for objects; they are
# removed before git reads the folder (config is replaced by our own).
_GIT_DIR_DROP = (
    "hooks", "info", "objects/info", "config.worktree", "commondir", "gitdir", "worktrees",
    "modules", "index", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD",
)  # fmt: skip
_PACK_DROP_SUFFIXES = (".bitmap", ".rev", ".promisor", ".mtimes")

_NO_REPO = (
    "the archive holds no git repository (.git folder); upload a git bundle "
    "(worktrial submit creates one)"
)


def _is_git_member(parts: tuple[str, ...], kind: _Kind) -> bool:
    """Members that may belong to the repository: ``.git/...`` or ``<top>/.git/...``."""
    return parts[0] == ".git" or (len(parts) > 1 and parts[1] == ".git")


def _read_extensions(config: Path) -> dict[str, str]:
    """The ``[extensions]`` keys of a git config file, read as data (git never parses it).

    A misread here can only make the later git commands fail (a refusal), never run anything.
    """
    with config.open("rb") as fh:
        text = fh.read(64 * 1024).decode("utf-8", "replace")
    found: dict[str, str] = {}
    section = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        head = re.match(r"\[\s*([A-Za-z0-9.-]+)[^\]]*\]\s*(.*)", line)
        if head:
            section, line = head.group(1).lower(), head.group(2)
        if section == "extensions" and "=" in line:
            key, _, value = line.partition("=")
            found[key.strip().lower()] = value.split("#")[0].split(";")[0].strip().strip('"')
    return found


def _sanitize_git_dir(git_dir: Path, label: str) -> None:
    """Make an unpacked .git folder inert before git reads it."""
    for required in ("HEAD", "objects", "refs"):
        if not (git_dir / required).exists():
            raise _refuse(
                label,
                f"the archive's .git folder is not a git repository ({required} is missing)",
                "not_a_repo",
            )
    if (git_dir / "shallow").exists():
        raise _refuse(
            label,
            "the repository in the archive is a shallow clone and lacks older commits; run "
            "`git fetch --unshallow` first, or upload a git bundle",
            "incomplete",
        )
    config = git_dir / "config"
    extensions = _read_extensions(config) if config.is_file() else {}
    if "partialclone" in extensions:
        raise _refuse(
            label,
            "the repository in the archive is a partial clone and lacks some files; "
            "upload a full clone or a git bundle",
            "incomplete",
        )
    object_format = extensions.get("objectformat", "sha1").lower()
    if object_format not in _OID_RE:
        raise _refuse(
            label,
            f"the repository in the archive uses an unknown object format {object_format!r}",
            "unsupported",
        )
    for rel in _GIT_DIR_DROP:
        p = git_dir / rel
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()
    pack_dir = git_dir / "objects" / "pack"
    if pack_dir.is_dir():
        for p in pack_dir.iterdir():
            if p.name.endswith(_PACK_DROP_SUFFIXES) or p.name.startswith("multi-pack-index"):
                p.unlink()
    ext = f"[extensions]\n\tobjectformat = {object_format}\n" if object_format != "sha1" else ""
    config.write_text(
        _REPO_CONFIG.format(version=1 if ext else 0, extensions=ext)
        + "[core]\n\tcommitGraph = false\n\tmultiPackIndex = false\n[pack]\n\tuseBitmaps = false\n",
        encoding="utf-8",
    )


def intake_archive(
    archive_path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_ARCHIVE_BYTES,
    max_files: int = MAX_FILES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_objects: int = MAX_OBJECTS,
    timeout: float = INTAKE_TIMEOUT_S,
    name: str | None = None,
) -> Intake:
    """Take a .zip / .tar / .tar.gz upload of a repository folder into a new bare repository.

    Every member is checked as in :func:`extract_archive`; only the ``.git`` folder (at the
    archive's root, or inside its single top-level folder) is written, since the submission is
    judged on committed files. That folder is then made inert (its hooks, config, alternates,
    grafts, commit-graph and similar files are removed and a config of our own is written), packed
    into a bundle by git, and taken in exactly like :func:`intake_bundle` (caps, fsck, pinned
    ``HEAD``). Uncommitted changes in the archive's work tree are not part of the submission.

    Args:
        archive_path: the uploaded file.
        dest: the bare repository to create; it must not exist or be an empty folder.
        max_bytes: largest accepted archive file, checked before anything else.
        max_files: most archive members accepted.
        max_unpacked_bytes: largest total unpacked size (archive members, then git objects).
        max_file_bytes: largest single member.
        max_objects: most git objects accepted.
        timeout: wall-clock seconds for the git work.
        name: how to name the upload in messages (default: ``archive_path`` as given).

    Returns:
        The :class:`Intake` with the new repository's path and pinned commit.

    Raises:
        IntakeError: the archive is refused; the message names the member and why, or says
            that the archive holds no repository.
        UsageError: ``dest`` exists and is not an empty folder.
    """
    src = Path(archive_path)
    label = name or str(src)
    size = _check_input_file(src, label, max_bytes, "archive")
    target = Path(dest)
    _check_dest(target)
    limits = _Limits(max_files, max_unpacked_bytes, max_file_bytes, size)
    deadline = _Deadline(label, timeout)
    work = _staging_dir(target, "unpack")
    tmp = _staging_dir(target, "intake")
    try:
        tree_dir = work / "tree"
        tree_dir.mkdir()
        with SafeTree(tree_dir) as tree:
            u = _unpack(src, label, tree, limits, _is_git_member)
        git_dir = _find_git_dir(u, tree_dir, label)
        _sanitize_git_dir(git_dir, label)
        bundle = work / "repo.bundle"
        code, _, err = _git(
            work, deadline, f"--git-dir={git_dir}", "bundle", "create", "--quiet",
            str(bundle), "--all",
        )  # fmt: skip
        if code != 0:
            detail = _git_says(err)
            if "empty bundle" in detail:
                raise _refuse(label, "the repository in the archive has no commits", "no_commits")
            raise _refuse(label, f"the repository in the archive is damaged ({detail})", "damaged")
        result = _unpack_bundle(
            tmp,
            bundle,
            label,
            "the repository in the archive",
            max_objects=max_objects,
            max_unpacked_bytes=max_unpacked_bytes,
            deadline=deadline,
        )
        _publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Intake(target, result.head, result.refs, result.size_bytes, result.objects)


def _find_git_dir(u: _Unpacker, tree_dir: Path, label: str) -> Path:
    tops = {parts[0] for parts in u.seen if len(parts) == 1}
    if (".git",) in u.seen:
        root: tuple[str, ...] = ()
    elif len(tops) == 1 and (next(iter(tops)), ".git") in u.seen:
        root = (next(iter(tops)),)
    else:
        raise _refuse(label, _NO_REPO, "no_repo")
    git_parts = (*root, ".git")
    if u.seen[git_parts] != "dir":
        raise _refuse(
            label,
            f"{'/'.join(git_parts)} is a {u.seen[git_parts]}, not a folder (a worktree or "
            "submodule points elsewhere); upload the main repository or a git bundle",
            "not_a_repo",
        )
    for parts, kind in u.seen.items():
        if kind == "symlink" and parts[: len(git_parts)] == git_parts:
            raise _refuse(
                label,
                f"{'/'.join(parts)}: symbolic links inside the .git folder are not accepted",
                "unsafe_member",
                member="/".join(parts),
            )
    return tree_dir.joinpath(*git_parts)
