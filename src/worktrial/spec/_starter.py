"""The starter repository: the bundle's starter folder as one commit with a predictable hash.

The author, committer, dates and message are fixed, so the same starter folder always gives the
same commit hash. The spec lists that hash in ``starter_commits`` and history mining excludes it:
the starter kit is the company's work, never the candidate's.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from worktrial.errors import SpecError, UsageError, WorktrialError
from worktrial.repo._git import run_git

if TYPE_CHECKING:
    from worktrial.spec._bundle import TrialBundle

STARTER_AUTHOR = ("worktrial", "starter@worktrial.invalid")
STARTER_DATE = "2026-01-01T00:00:00+00:00"
STARTER_BRANCH = "main"
STARTER_MESSAGE = (
    "Add the starter kit\n\n"
    "Provided by the company with the trial brief; not part of the candidate's work.\n"
)
GIT_TIMEOUT_S = 60.0

_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.autocrlf=false",
    "-c", "core.fileMode=true",
    "-c", "commit.gpgSign=false",
    "-c", f"init.defaultBranch={STARTER_BRANCH}",
)  # fmt: skip


def _git(cwd: Path, *args: str) -> str:
    """Run git as the starter kit's author, with fixed dates, so the commit hash is stable."""
    name, email = STARTER_AUTHOR
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": STARTER_DATE,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": STARTER_DATE,
    }
    proc = run_git(cwd, *args, timeout=GIT_TIMEOUT_S, config=_CONFIG, env=identity)
    return proc.stdout.decode("utf-8", "replace").strip()


def require_empty_folder(dest: Path, what: str, error: type[WorktrialError]) -> None:
    """Raise ``error`` unless ``dest`` does not exist or is an empty folder."""
    if not dest.exists():
        return
    found = "a file" if not dest.is_dir() else "one that is not empty"
    if not dest.is_dir() or any(dest.iterdir()):
        raise error(
            f"{dest}: expected a new or empty folder for {what}, found {found}", path=str(dest)
        )


def starter_files(starter_dir: Path) -> list[Path]:
    """Every file under ``starter_dir`` (relative, sorted).

    Raises:
        SpecError: the folder holds a symbolic link, a ``.git`` folder or something that is
            neither a file nor a folder (all would make the commit depend on the machine).
    """
    files: list[Path] = []
    for here, dirs, names in os.walk(starter_dir):
        base = Path(here)
        for name in sorted([*dirs, *names]):
            path = base / name
            rel = path.relative_to(starter_dir.parent)
            if name == ".git":
                raise SpecError(
                    f"{rel}: expected plain files in the starter folder, found a git repository "
                    "(the starter commit is made from the files)",
                    path=str(path),
                )
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise SpecError(
                    f"{rel}: expected regular files and folders in the starter folder, "
                    "found a symbolic link",
                    path=str(path),
                )
            if stat.S_ISREG(mode):
                files.append(path.relative_to(starter_dir))
            elif not stat.S_ISDIR(mode):
                raise SpecError(
                    f"{rel}: expected regular files and folders in the starter folder, "
                    "found a special file",
                    path=str(path),
                )
    return sorted(files)


def commit_starter(starter_dir: Path, dest: Path) -> str:
    """Make ``dest`` a git repository whose single commit holds the files of ``starter_dir``.

    Returns the commit hash. ``dest`` must not exist or be empty.

    Raises:
        UsageError: ``dest`` is a non-empty folder or a file.
        SpecError: the starter folder is missing, empty or holds links or a ``.git`` folder.
        GitCommandError: git failed or timed out.
    """
    if not starter_dir.is_dir():
        raise SpecError(
            f"{starter_dir}: expected the starter folder, found no such folder",
            path=str(starter_dir),
        )
    files = starter_files(starter_dir)
    if not files:
        raise SpecError(
            f"{starter_dir}: expected at least one file in the starter folder, found none",
            path=str(starter_dir),
        )
    require_empty_folder(dest, "the starter repository", UsageError)
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "--quiet", f"--initial-branch={STARTER_BRANCH}")
    for rel in files:
        src, out = starter_dir / rel, dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
        # Only the executable bit is recorded by git; keep it, normalise the rest.
        executable = src.stat().st_mode & stat.S_IXUSR
        out.chmod(0o755 if executable else 0o644)
    # --force: the starter's own .gitignore must not drop files the company put in the kit.
    _git(dest, "add", "--all", "--force", "--", ".")
    _git(dest, "commit", "--quiet", "--no-verify", "--message", STARTER_MESSAGE)
    return _git(dest, "rev-parse", "HEAD")


def init_starter_repo(bundle: TrialBundle, dest: str | os.PathLike[str]) -> str:
    """Create a git repository at ``dest`` whose first commit is the bundle's starter kit.

    The commit has a fixed author (``worktrial <starter@worktrial.invalid>``), fixed dates and
    a fixed message, so its hash depends only on the starter files; new bundles list it in
    ``starter_commits``.

    Params:
        bundle: the loaded bundle.
        dest: a folder that does not exist yet or is empty.

    Returns:
        The hash of the starter commit.

    Raises:
        UsageError: ``dest`` is not empty.
        SpecError: the starter folder is empty or holds symbolic links or a ``.git`` folder.
        GitCommandError: git failed or timed out.
    """
    return commit_starter(bundle.starter_dir, Path(dest))
