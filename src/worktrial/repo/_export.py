"""Export the files of one commit into a fresh job folder, safely.

Why not ``git checkout`` or ``git archive``: both pass file contents through git's conversion
machinery, driven by the commit's own ``.gitattributes`` — ``filter`` drivers (smudge commands),
``eol`` / ``text`` rewriting, and for ``git archive`` also ``export-ignore`` (files silently left
out) and ``export-subst`` (contents rewritten). git 2.39 has no switch that turns in-tree
attributes off for ``git archive``. The job folder must hold exactly the committed bytes and
nothing may run, so the export reads the tree with ``git ls-tree`` and the blobs with one
streaming ``git cat-file --batch`` process, and writes every file itself through
:class:`~worktrial.repo._intake.SafeTree` (no symlink is ever followed, files are created
with ``O_EXCL``).

What is not written is reported, never silently dropped: symbolic links pointing outside the
tree, submodules, files over the per-file cap, paths with ``..`` or a ``.git`` component
(possible only in hand-made trees).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from worktrial.errors import IntakeError, UsageError
from worktrial.repo._git import _SAFE_CONFIG, Repo, git_env, run_git
from worktrial.repo._intake import MiB, SafeTree, _staging_dir, link_escapes, size_text

MAX_EXPORT_BYTES = 1024 * MiB
MAX_EXPORT_FILES = 100_000
MAX_EXPORT_FILE_BYTES = 100 * MiB
EXPORT_TIMEOUT_S = 300.0

_LINK_TARGET_MAX = 4096
_CHUNK = 1 * MiB
# What writing a hand-made tree can hit: the same path twice, or a path under a file or link.
_TREE_CONFLICTS = (errno.EEXIST, errno.ENOTDIR, errno.ELOOP)


@dataclass(frozen=True, slots=True)
class SkippedPath:
    """A path of the commit that was not written, and why (in plain words)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What :func:`export_commit` wrote.

    Attributes:
        dest: the job folder.
        commit: the exported commit (full hash).
        files: regular files written.
        symlinks: symbolic links written (each points inside the job folder).
        bytes_written: bytes of file content written.
        skipped: paths not written, each with its reason.
    """

    dest: Path
    commit: str
    files: int
    symlinks: int
    bytes_written: int
    skipped: tuple[SkippedPath, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    parts: tuple[str, ...]
    mode: str
    sha: str
    size: int


def _resolve(repo: Repo, commit: str) -> str:
    if not commit or commit.startswith("-"):
        raise IntakeError(
            f"{commit!r}: not a commit name (expected a commit hash or ref)",
            commit=commit,
            reason="no_commit",
        )
    proc = run_git(
        repo.root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False
    )
    if proc.returncode != 0:
        raise IntakeError(
            f"{repo.root}: no commit named {commit!r}",
            path=str(repo.root),
            commit=commit,
            reason="no_commit",
        )
    return proc.stdout.decode().strip()


def _tree(repo: Repo, sha: str, timeout: float) -> list[_Entry]:
    out = run_git(
        repo.root, "ls-tree", "-r", "-l", "-z", "--full-tree", sha, timeout=timeout
    ).stdout
    entries: list[_Entry] = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _, raw_path = rec.partition(b"\t")
        mode, _kind, oid, size = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if not size.isdigit() and size != b"-":
            # ls-tree prints "BAD" when it cannot read the object's header
            raise IntakeError(
                f"commit {sha[:12]}: {path} cannot be read (object {oid.decode()} is missing "
                "or damaged)",
                commit=sha,
                path=path,
                reason="damaged",
            )
        entries.append(
            _Entry(
                path=path,
                parts=tuple(path.split("/")),
                mode=mode.decode(),
                sha=oid.decode(),
                size=int(size) if size != b"-" else 0,
            )
        )
    return entries


def _why_unsafe(parts: tuple[str, ...]) -> str | None:
    """Why a tree path may not be written (only hand-made trees hold such paths)."""
    if any(p in ("", ".", "..") for p in parts):
        return "the path leaves the job folder ('..' or an empty part)"
    if any(p.lower() == ".git" for p in parts):
        return "a folder named .git is never written (git would treat it as a repository)"
    return None


class _Blobs:
    """One ``git cat-file --batch`` process streaming blobs in the order they were asked for.

    A thread feeds the requests so that a long request list and a full output pipe cannot
    deadlock; a timer kills the process when the deadline passes.
    """

    def __init__(self, root: Path, shas: list[str], timeout: float) -> None:
        self.proc = subprocess.Popen(
            ["git", *_SAFE_CONFIG, "cat-file", "--batch"],
            cwd=root,
            env=git_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.timed_out = threading.Event()
        self.timer = threading.Timer(timeout, self._kill)
        self.timer.daemon = True
        self.timer.start()
        request = b"".join(s.encode() + b"\n" for s in shas)
        self.feeder = threading.Thread(target=self._feed, args=(request,), daemon=True)
        self.feeder.start()

    def _kill(self) -> None:
        self.timed_out.set()
        self.proc.kill()

    def _feed(self, request: bytes) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(request)
            stdin.close()
        except OSError:
            pass  # the process ended early (killed on timeout); the reader reports it

    def next(self, expected: str) -> tuple[int, Iterator[bytes]]:
        """Size and chunks of the next blob; the chunks must be consumed before the next call."""
        stdout = self.proc.stdout
        assert stdout is not None
        header = stdout.readline(200).split()
        if len(header) != 3 or header[0].decode() != expected or header[1] != b"blob":
            raise self._broken(expected)
        size = int(header[2])

        def chunks() -> Iterator[bytes]:
            left = size
            while left:
                chunk = stdout.read(min(left, _CHUNK))
                if not chunk:
                    raise self._broken(expected)
                left -= len(chunk)
                yield chunk
            if stdout.read(1) != b"\n":
                raise self._broken(expected)

        return size, chunks()

    def _broken(self, sha: str) -> IntakeError:
        if self.timed_out.is_set():
            return IntakeError(
                "exporting the commit did not finish in time; the export is refused",
                reason="timeout",
            )
        return IntakeError(
            f"git cat-file could not read blob {sha}; the repository is damaged", sha=sha
        )

    def close(self) -> None:
        self.timer.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.feeder.join()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def _prepare_dest(dest: Path) -> tuple[Path, bool]:
    """Where to write: a staging folder beside ``dest``, or ``dest`` itself when it is empty."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise UsageError(f"{dest}: exists and is not a folder", path=str(dest))
    if dest.is_dir():
        if any(dest.iterdir()):
            raise UsageError(
                f"{dest}: already exists and is not empty; export writes into a new job folder",
                path=str(dest),
            )
        # Keep the caller's folder (its owner and mode may have been set for the sandbox).
        return dest, False
    tmp = _staging_dir(dest, "export")
    tmp.chmod(0o755)
    return tmp, True


def _discard(where: Path, staged: bool) -> None:
    if staged:
        shutil.rmtree(where, ignore_errors=True)
        return
    for child in where.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def export_commit(
    repo: Repo,
    commit: str,
    dest: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_EXPORT_BYTES,
    max_files: int = MAX_EXPORT_FILES,
    max_file_bytes: int = MAX_EXPORT_FILE_BYTES,
    timeout: float = EXPORT_TIMEOUT_S,
) -> ExportReport:
    """Write the files of ``commit`` into the job folder ``dest``, exactly as committed.

    No filter, hook, attribute or checkout logic runs (see the module docstring for why this
    reads blobs instead of using ``git archive``). Regular files keep their executable bit
    (0755, else 0644). Symbolic links are written only when they point inside the tree;
    submodules, links pointing outside, files over ``max_file_bytes`` and unsafe paths are
    skipped and listed in :attr:`ExportReport.skipped`.

    Args:
        repo: the repository to read.
        commit: a commit hash or ref in ``repo``.
        dest: the job folder; it must not exist or be an empty folder. On failure it is left
            as it was (a new folder is created beside it and renamed into place; an empty
            folder given by the caller is emptied again).
        max_bytes: largest total of the files to write; a commit over it is refused.
        max_files: most files and links to write; a commit over it is refused.
        max_file_bytes: largest single file; larger files are skipped and reported.
        timeout: wall-clock seconds for reading the blobs.

    Returns:
        An :class:`ExportReport`.

    Raises:
        IntakeError: ``commit`` does not name a commit, the commit is over ``max_files`` or
            ``max_bytes``, or git could not read it in time.
        UsageError: ``dest`` exists and is not an empty folder.
        GitCommandError: git failed to list the tree.
    """
    sha = _resolve(repo, commit)
    entries = _tree(repo, sha, timeout)
    skipped: list[SkippedPath] = []
    files: list[_Entry] = []
    links: list[_Entry] = []
    for e in entries:
        why = _why_unsafe(e.parts)
        if why is not None:
            skipped.append(SkippedPath(e.path, why))
        elif e.mode == "160000":
            skipped.append(
                SkippedPath(e.path, "submodule (its files are not part of this repository)")
            )
        elif e.mode == "120000":
            if e.size > _LINK_TARGET_MAX:
                skipped.append(SkippedPath(e.path, "symbolic link with an over-long target"))
            else:
                links.append(e)
        elif e.size > max_file_bytes:
            skipped.append(
                SkippedPath(
                    e.path,
                    f"{size_text(e.size)}, over the {size_text(max_file_bytes)} limit for one file",
                )
            )
        else:
            files.append(e)
    short = sha[:12]
    if len(files) + len(links) > max_files:
        raise IntakeError(
            f"commit {short}: {len(files) + len(links):,} files, over the limit of "
            f"{max_files:,} for a job folder",
            commit=sha,
            reason="too_many_files",
        )
    total = sum(e.size for e in files)
    if total > max_bytes:
        raise IntakeError(
            f"commit {short}: its files add up to {size_text(total)}, over the "
            f"{size_text(max_bytes)} limit for a job folder",
            commit=sha,
            reason="too_large",
        )

    target = Path(dest)
    where, staged = _prepare_dest(target)
    try:
        written, n_files, n_links = _write(repo, where, files, links, skipped, timeout)
        if staged:
            try:
                where.rename(target)
            except OSError as err:
                raise UsageError(
                    f"{target}: could not be created ({err.strerror}); was it created meanwhile?",
                    path=str(target),
                ) from err
    except BaseException:
        _discard(where, staged)
        raise
    return ExportReport(target, sha, n_files, n_links, written, tuple(skipped))


def _write(
    repo: Repo,
    where: Path,
    files: list[_Entry],
    links: list[_Entry],
    skipped: list[SkippedPath],
    timeout: float,
) -> tuple[int, int, int]:
    written = n_files = n_links = 0
    targets: list[tuple[_Entry, str]] = []
    blobs = _Blobs(repo.root, [e.sha for e in files + links], timeout)
    try:
        with SafeTree(where) as tree:
            for e in files:
                size, chunks = blobs.next(e.sha)
                try:
                    n = tree.write(e.parts, chunks, executable=e.mode == "100755", limit=size)
                except OSError as err:
                    if err.errno not in _TREE_CONFLICTS:
                        raise IntakeError(
                            f"{e.path}: could not be written to the job folder ({err.strerror})",
                            path=e.path,
                            reason="unwritable",
                        ) from err
                    # Only a hand-made tree gets here: the same path twice, or a path under a
                    # file. The blob must still be drained to keep the stream in step.
                    for _ in chunks:
                        pass
                    skipped.append(SkippedPath(e.path, f"cannot be written ({err.strerror})"))
                    continue
                written += n
                n_files += 1
            for e in links:
                size, chunks = blobs.next(e.sha)
                raw = b"".join(chunks)
                targets.append((e, raw.decode("utf-8", "surrogateescape")))
            # Links last, so that no file is ever written after a link that shares its path.
            for e, target in targets:
                if link_escapes(e.parts, target):
                    skipped.append(
                        SkippedPath(e.path, f"symbolic link to {target} points outside the tree")
                    )
                    continue
                try:
                    tree.symlink(e.parts, target)
                except OSError as err:
                    skipped.append(SkippedPath(e.path, f"cannot be written ({err.strerror})"))
                    continue
                n_links += 1
    finally:
        blobs.close()
    return written, n_files, n_links
