"""Safe, fast access to a git repository through the ``git`` CLI.

Everything reads committed objects (``ls-tree``, ``cat-file``, ``log``), never the work tree, so
a repository is judged at an exact commit and nothing in it is executed: hooks, filters,
textconv drivers, fsmonitor and the user's global config are all switched off, symlinks are read
as the text of their target and never followed, and every command has a timeout.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from worktrial.errors import EmptyRepoError, GitCommandError, NotAGitRepoError

# Config that makes git inert on hostile repositories.
_SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "safe.directory=*",
    "-c", "diff.external=",
    "-c", "core.quotePath=false",
    "-c", "log.showSignature=false",
)  # fmt: skip

_SAFE_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_OPTIONAL_LOCKS": "0",
    "LC_ALL": "C",
}

DEFAULT_TIMEOUT_S = 120.0


def git_env() -> dict[str, str]:
    """The environment every git call runs with (inherits PATH and HOME, nothing risky)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_SAFE_ENV)
    return env


def run_git(
    cwd: Path,
    *args: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    input: bytes | None = None,
    check: bool = True,
    config: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git <args>`` in ``cwd`` with the inert config and environment.

    ``config`` adds ``-c key=value`` pairs after the safe ones; ``env`` adds variables (an
    author identity and dates, say) on top of :func:`git_env`.

    Raises:
        GitCommandError: git is missing, fails (with ``check``) or runs past ``timeout``.
    """
    cmd = ["git", *_SAFE_CONFIG, *config, *args]
    full_env = git_env()
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=full_env,
            input=input,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise GitCommandError(
            f"git {args[0]} did not finish within {timeout:.0f} s in {cwd}",
            command=args[0],
            path=str(cwd),
        ) from err
    except FileNotFoundError as err:
        raise GitCommandError(
            "the git command is not installed; install git and try again", command=args[0]
        ) from err
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = msg[-1] if msg else f"exit code {proc.returncode}"
        raise GitCommandError(
            f"git {args[0]} failed in {cwd}: {detail}",
            command=args[0],
            path=str(cwd),
            returncode=proc.returncode,
        )
    return proc


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One path in a commit's tree. ``size`` is the blob size in bytes (0 for submodules)."""

    path: str
    mode: str
    sha: str
    size: int

    @property
    def kind(self) -> Literal["file", "symlink", "submodule"]:
        if self.mode == "120000":
            return "symlink"
        if self.mode == "160000":
            return "submodule"
        return "file"


class Repo:
    """A git repository opened for reading at one commit (``HEAD`` by default).

    Raises:
        NotAGitRepoError: ``path`` does not exist or is not inside a git repository.
        EmptyRepoError: the repository has no commit at ``rev``.
    """

    def __init__(self, path: str | os.PathLike[str], rev: str = "HEAD") -> None:
        p = Path(path).expanduser()
        if not p.exists():
            raise NotAGitRepoError(f"{p}: no such file or directory", path=str(p))
        if not p.is_dir():
            raise NotAGitRepoError(f"{p}: not a directory (expected a git repository)", path=str(p))
        proc = run_git(p, "rev-parse", "--git-dir", "--is-bare-repository", check=False)
        if proc.returncode != 0:
            raise NotAGitRepoError(
                f"{p}: not a git repository (pass the folder that holds the .git directory)",
                path=str(p),
            )
        git_dir, bare = proc.stdout.decode().split("\n")[:2]
        self.path = p.resolve()
        self.is_bare = bare.strip() == "true"
        self.git_dir = (p / git_dir).resolve()
        top = run_git(p, "rev-parse", "--show-toplevel", check=False)
        self.root = Path(top.stdout.decode().strip()) if top.returncode == 0 else self.path
        head = run_git(
            self.root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False
        )
        if head.returncode != 0:
            if rev == "HEAD":
                raise EmptyRepoError(
                    f"{self.root}: the repository has no commits yet; commit your work first",
                    path=str(self.root),
                )
            raise EmptyRepoError(
                f"{self.root}: no commit named {rev!r}", path=str(self.root), rev=rev
            )
        self.head: str = head.stdout.decode().strip()
        branch = run_git(self.root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        self.branch: str | None = branch.stdout.decode().strip() or None if rev == "HEAD" else None
        self.detached = self.branch is None
        self.shallow = (self.git_dir / "shallow").exists()

    def git(
        self, *args: str, timeout: float = DEFAULT_TIMEOUT_S, input: bytes | None = None
    ) -> bytes:
        """Run a read-only git command in this repository and return its stdout."""
        return run_git(self.root, *args, timeout=timeout, input=input).stdout

    def tree(self) -> list[TreeEntry]:
        """Every path in the evaluated commit's tree, with mode and size (``ls-tree -r -l``)."""
        out = self.git("ls-tree", "-r", "-l", "-z", "--full-tree", self.head)
        entries: list[TreeEntry] = []
        for rec in out.split(b"\0"):
            if not rec:
                continue
            meta, _, path = rec.partition(b"\t")
            mode, _type, sha, size = meta.split()
            entries.append(
                TreeEntry(
                    path=path.decode("utf-8", "surrogateescape"),
                    mode=mode.decode(),
                    sha=sha.decode(),
                    size=int(size) if size != b"-" else 0,
                )
            )
        return entries

    def read_blobs(self, entries: list[TreeEntry], max_bytes: int) -> dict[str, bytes]:
        """Contents of the given file entries, in one ``cat-file --batch`` call.

        Entries over ``max_bytes``, symlinks and submodules are not read (callers report them
        as skipped); the caller decides how to decode.
        """
        wanted = [e for e in entries if e.kind == "file" and e.size <= max_bytes]
        return self._cat(wanted)

    def read_link_targets(self, entries: list[TreeEntry]) -> dict[str, str]:
        """The target text of symlink entries (read as data; the link is never followed)."""
        links = [e for e in entries if e.kind == "symlink" and e.size <= 4096]
        return {p: b.decode("utf-8", "replace") for p, b in self._cat(links).items()}

    def _cat(self, wanted: list[TreeEntry]) -> dict[str, bytes]:
        if not wanted:
            return {}
        request = b"".join(e.sha.encode() + b"\n" for e in wanted)
        out = self.git("cat-file", "--batch", input=request)
        blobs: dict[str, bytes] = {}
        pos = 0
        for e in wanted:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].split()
            size = int(header[2])
            start = nl + 1
            blobs[e.path] = out[start : start + size]
            pos = start + size + 1
        return blobs


def decode_text(data: bytes) -> str | None:
    """Decode file bytes as text: UTF-8 (with BOM), then Latin-1; ``None`` for binary data."""
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
