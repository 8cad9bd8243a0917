"""Build real git repositories with chosen timestamps, for tests, demos and benchmarks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from worktrial.errors import GitCommandError, UsageError
from worktrial.repo._git import run_git

DEFAULT_AUTHOR = ("Ada Lovelace", "ada@example.com")
DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_STEP = timedelta(hours=1)
GIT_TIMEOUT_S = 60.0

# Options that make every build independent of the machine's git configuration and fast:
# no hooks, no signing, no line-ending or file-mode guesses, no background maintenance.
_BUILD_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.autocrlf=false",
    "-c", "core.fileMode=true",
    "-c", "core.symlinks=true",
    "-c", "commit.gpgSign=false",
    "-c", "tag.gpgSign=false",
    "-c", "gc.auto=0",
    "-c", "maintenance.auto=false",
    "-c", "advice.detachedHead=false",
    "-c", "init.defaultBranch=main",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Symlink:
    """A symbolic link to commit at a path; ``target`` is stored as written, never resolved.

    Example: ``{"data/raw": Symlink("/etc/passwd")}`` commits a link that points outside the
    repository, which collectors must report and never follow.
    """

    target: str


FileContent = str | bytes | Symlink | None
Author = tuple[str, str]


def _git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = GIT_TIMEOUT_S,
) -> bytes:
    """Run git with the build config; raise :class:`GitCommandError` naming the command."""
    extra = {"TZ": "UTC", **(env or {})}
    return run_git(cwd, *args, timeout=timeout, input=input, config=_BUILD_CONFIG, env=extra).stdout


def _git_date(when: datetime) -> str:
    """Git's internal date format (``@<epoch> +hhmm``), keeping the datetime's own offset."""
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"@{int(when.timestamp())} {sign}{hours:02d}{mins:02d}"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_path(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if (
        not path
        or p.is_absolute()
        or ".." in p.parts
        or p.parts[0] == ".git"
        or str(p) != path.rstrip("/")
        or path.endswith("/")
    ):
        raise UsageError(
            f"file path {path!r}: expected a relative POSIX path inside the repository "
            "(no leading '/', no '..', not under .git)",
            path=path,
        )
    return p


class RepoBuilder:
    """Create a git repository and add commits to it with exact, backdated timestamps.

    The repository is real (a work tree with a ``.git`` folder, branch ``main``), and built
    the same way on every machine: the user's git configuration is ignored, hooks and signing are
    off, and author and committer identities and dates come only from the arguments. The same
    calls therefore always produce the same commit hashes.

    Example::

        b = RepoBuilder(tmp_path / "cand", start=datetime(2026, 3, 2, 9, tzinfo=UTC))
        b.commit("Add README with the objective", {"README.md": "# Churn\\n"})
        sha = b.commit("Train a baseline", {"src/train.py": "...", "old.py": None},
                       at=timedelta(hours=4))

    Args:
        path: folder to create the repository in; it must not exist or be empty.
        start: the time offsets passed to :meth:`commit` count from (timezone-aware).
        author: default ``(name, email)`` for author and committer.
        branch: name of the initial branch.

    Attributes:
        path: the repository's folder (its work tree).
        start: as given.
        author: as given.
        commits: the hashes made by :meth:`commit` and :meth:`merge`, in order.

    Raises:
        UsageError: ``path`` is a non-empty folder or a file, or ``start`` is naive.
        GitCommandError: git is missing or ``git init`` failed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        start: datetime = DEFAULT_START,
        author: Author = DEFAULT_AUTHOR,
        branch: str = "main",
    ) -> None:
        self.path = Path(path)
        if start.tzinfo is None or start.utcoffset() is None:
            raise UsageError(
                f"start={start.isoformat()}: expected a timezone-aware datetime, found a naive one",
                start=start.isoformat(),
            )
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise UsageError(
                f"{self.path}: expected a new or empty folder for the repository, "
                "found existing content",
                path=str(self.path),
            )
        self.path.mkdir(parents=True, exist_ok=True)
        self.start = start
        self.author = author
        self.commits: list[str] = []
        self._last_at: datetime | None = None
        _git(self.path, "init", "-q", "--template=", "-b", branch)

    # ------------------------------------------------------------------ reading

    @property
    def head(self) -> str:
        """The full hash of the commit ``HEAD`` points at.

        Raises:
            UsageError: nothing has been committed yet.
        """
        out = self._read_head()
        if out is None:
            raise UsageError(
                f"{self.path}: no commit yet; call commit() first", path=str(self.path)
            )
        return out

    @property
    def branch(self) -> str | None:
        """The checked-out branch, or ``None`` when ``HEAD`` is detached."""
        head = (self.path / ".git" / "HEAD").read_text(encoding="utf-8").strip()
        prefix = "ref: refs/heads/"
        return head[len(prefix) :] if head.startswith(prefix) else None

    def _read_head(self) -> str | None:
        # Reading the ref file saves a subprocess per commit; packed or unusual refs fall back
        # to rev-parse.
        git_dir = self.path / ".git"
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = git_dir / head[len("ref: ") :]
        if ref.is_file():
            return ref.read_text(encoding="utf-8").strip() or None
        return self._rev_parse("HEAD")

    def _rev_parse(self, rev: str) -> str | None:
        try:
            return _git(self.path, "rev-parse", "--verify", "--quiet", rev).decode().strip()
        except GitCommandError:
            return None

    # ------------------------------------------------------------------ writing

    def _resolve_at(self, at: timedelta | datetime | None) -> datetime:
        if at is None:
            return self.start if self._last_at is None else self._last_at + DEFAULT_STEP
        if isinstance(at, timedelta):
            return self.start + at
        if at.tzinfo is None or at.utcoffset() is None:
            raise UsageError(
                f"at={at.isoformat()}: expected a timedelta from start or a timezone-aware "
                "datetime, found a naive datetime",
                at=at.isoformat(),
            )
        return at

    def write(self, files: Mapping[str, FileContent]) -> None:
        """Change the work tree without committing (``None`` deletes a path).

        Raises:
            UsageError: a path leaves the repository, or a deleted path does not exist.
        """
        for name, content in files.items():
            rel = _check_path(name)
            target = self.path.joinpath(*rel.parts)
            if content is None:
                if not target.is_symlink() and not target.exists():
                    raise UsageError(
                        f"cannot delete {name!r}: no such file in the repository", path=name
                    )
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.is_file():
                target.unlink()
            if isinstance(content, Symlink):
                target.symlink_to(content.target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                # Encoded by hand so that no newline translation or locale changes the bytes.
                target.write_bytes(content.encode("utf-8"))

    def commit(
        self,
        message: str | bytes,
        files: Mapping[str, FileContent] | None = None,
        *,
        at: timedelta | datetime | None = None,
        author: Author | None = None,
        committer: Author | None = None,
        committed_at: timedelta | datetime | None = None,
        encoding: str | None = None,
    ) -> str:
        """Write ``files``, stage everything, commit, and return the new commit's full hash.

        Args:
            message: the commit message; ``bytes`` are stored as given (use this to create
                messages that are not valid UTF-8).
            files: path -> content: ``str`` (written as UTF-8), ``bytes`` (binary), a
                :class:`Symlink`, or ``None`` to delete the path. Empty or omitted makes an empty
                commit.
            at: author time: an offset from ``start`` or an aware datetime (its UTC offset is
                kept in the commit). Default: one hour after the previous commit, or ``start``.
            author: ``(name, email)``; default the builder's author.
            committer: ``(name, email)``; default the author.
            committed_at: committer time; default the author time.
            encoding: recorded as the commit's ``encoding`` header (``i18n.commitEncoding``),
                e.g. ``"latin-1"`` together with a Latin-1 ``bytes`` message.

        Raises:
            UsageError: a bad path, a naive datetime, or deleting a missing file.
            GitCommandError: git failed.
        """
        when = self._resolve_at(at)
        c_when = when if committed_at is None else self._resolve_at(committed_at)
        a_name, a_email = author or self.author
        c_name, c_email = committer or (a_name, a_email)
        if files:
            self.write(files)
        env = {
            "GIT_AUTHOR_NAME": a_name,
            "GIT_AUTHOR_EMAIL": a_email,
            "GIT_AUTHOR_DATE": _git_date(when),
            "GIT_COMMITTER_NAME": c_name,
            "GIT_COMMITTER_EMAIL": c_email,
            "GIT_COMMITTER_DATE": _git_date(c_when),
        }
        raw = message.encode("utf-8") if isinstance(message, str) else message
        enc = ("-c", f"i18n.commitEncoding={encoding}") if encoding else ()
        _git(self.path, "add", "-A")
        if encoding is None and not _is_utf8(raw):
            # git commit would re-encode such a message as if it were Latin-1; write the object
            # by hand to get the raw bytes that other tools can leave in a history.
            self._commit_raw(raw, env)
        else:
            _git(
                self.path,
                *enc,
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "--allow-empty-message",
                "--cleanup=whitespace",
                "-F",
                "-",
                env=env,
                input=raw,
            )
        self._last_at = when
        sha = self.head
        self.commits.append(sha)
        return sha

    def _commit_raw(self, message: bytes, env: Mapping[str, str]) -> None:
        tree = _git(self.path, "write-tree").decode().strip()
        parent = self._read_head()
        header = [f"tree {tree}"]
        if parent:
            header.append(f"parent {parent}")
        header.append(
            f"author {env['GIT_AUTHOR_NAME']} <{env['GIT_AUTHOR_EMAIL']}> "
            f"{env['GIT_AUTHOR_DATE'].lstrip('@')}"
        )
        header.append(
            f"committer {env['GIT_COMMITTER_NAME']} <{env['GIT_COMMITTER_EMAIL']}> "
            f"{env['GIT_COMMITTER_DATE'].lstrip('@')}"
        )
        body = message if message.endswith(b"\n") else message + b"\n"
        obj = "\n".join(header).encode("utf-8") + b"\n\n" + body
        sha = _git(self.path, "hash-object", "-t", "commit", "-w", "--stdin", input=obj)
        _git(self.path, "update-ref", "HEAD", sha.decode().strip())

    def tag(self, name: str, *, message: str | None = None, at: datetime | None = None) -> None:
        """Tag ``HEAD``: a lightweight tag, or an annotated one when ``message`` is given.

        Raises:
            GitCommandError: the tag exists or the name is invalid.
        """
        if message is None:
            _git(self.path, "tag", name)
            return
        a_name, a_email = self.author
        when = at or self._last_at or self.start
        env = {
            "GIT_COMMITTER_NAME": a_name,
            "GIT_COMMITTER_EMAIL": a_email,
            "GIT_COMMITTER_DATE": _git_date(when),
        }
        _git(self.path, "tag", "-a", name, "-F", "-", env=env, input=message.encode("utf-8"))

    def branch_off(self, name: str, *, at_rev: str | None = None) -> None:
        """Create branch ``name`` (at ``HEAD`` or ``at_rev``) and check it out.

        Raises:
            GitCommandError: the branch exists or ``at_rev`` is unknown.
        """
        _git(self.path, "checkout", "-q", "-b", name, *((at_rev,) if at_rev else ()))

    def switch(self, name: str) -> None:
        """Check out the existing branch ``name``.

        Raises:
            GitCommandError: no such branch, or the work tree has uncommitted changes in the way.
        """
        _git(self.path, "checkout", "-q", name)

    def merge(
        self,
        branch: str,
        message: str | None = None,
        *,
        at: timedelta | datetime | None = None,
        author: Author | None = None,
    ) -> str:
        """Merge ``branch`` into the current branch with a merge commit (``--no-ff``).

        Returns:
            The merge commit's full hash.

        Raises:
            GitCommandError: the merge conflicts (it is aborted first) or ``branch`` is unknown.
        """
        when = self._resolve_at(at)
        a_name, a_email = author or self.author
        env = {
            "GIT_AUTHOR_NAME": a_name,
            "GIT_AUTHOR_EMAIL": a_email,
            "GIT_AUTHOR_DATE": _git_date(when),
            "GIT_COMMITTER_NAME": a_name,
            "GIT_COMMITTER_EMAIL": a_email,
            "GIT_COMMITTER_DATE": _git_date(when),
        }
        msg = message or f"Merge branch '{branch}'"
        try:
            _git(self.path, "merge", "-q", "--no-ff", "--no-edit", "-m", msg, branch, env=env)
        except GitCommandError:
            if (self.path / ".git" / "MERGE_HEAD").exists():
                _git(self.path, "merge", "--abort")
            raise
        self._last_at = when
        sha = self.head
        self.commits.append(sha)
        return sha

    def checkout_detached(self, rev: str | None = None) -> None:
        """Detach ``HEAD`` at ``rev`` (default: the current commit).

        Raises:
            GitCommandError: ``rev`` is unknown.
        """
        _git(self.path, "checkout", "-q", "--detach", *((rev,) if rev else ()))


def make_shallow_clone(
    src: str | os.PathLike[str], dest: str | os.PathLike[str], depth: int
) -> Path:
    """Clone ``src`` into ``dest`` keeping only the newest ``depth`` commits of its ``HEAD``.

    Returns:
        The path of the shallow clone.

    Raises:
        UsageError: ``depth`` is below 1.
        GitCommandError: the clone failed (``dest`` exists and is not empty, ``src`` is not a
            repository...).
    """
    if depth < 1:
        raise UsageError(f"depth={depth}: expected at least 1", depth=depth)
    source = Path(src).resolve()
    target = Path(dest)
    # A plain local path clones with hard links and ignores --depth; a file:// URL does not.
    _git(
        target.parent if target.parent.exists() else Path.cwd(),
        "clone",
        "-q",
        "--no-local",
        f"--depth={depth}",
        "--template=",
        source.as_uri(),
        str(target.resolve()),
    )
    return target
