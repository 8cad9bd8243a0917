from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from worktrial.errors import EmptyRepoError, NotAGitRepoError
from worktrial.repo import Repo, decode_text


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepoError) as exc:
        Repo(tmp_path / "nope")
    assert exc.value.message == f"{tmp_path / 'nope'}: no such file or directory"
    assert exc.value.code == "repo.not_git"


def test_not_a_repo(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepoError, match="not a git repository"):
        Repo(tmp_path)


def test_empty_repo(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    with pytest.raises(EmptyRepoError, match="the repository has no commits yet"):
        Repo(tmp_path)


def test_symlinks_are_read_as_entries_never_followed(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "evil").symlink_to("/etc/passwd")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "init")
    repo = Repo(tmp_path)
    entries = {e.path: e for e in repo.tree()}
    assert entries["evil"].kind == "symlink"
    blobs = repo.read_blobs(list(entries.values()), max_bytes=1000)
    assert blobs == {"a.txt": b"hello\n"}
    assert repo.branch is not None and not repo.detached and not repo.shallow


def test_detached_head(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("x")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "one")
    _git(tmp_path, "checkout", "-q", "--detach")
    repo = Repo(tmp_path)
    assert repo.detached and repo.branch is None


def test_decode_text() -> None:
    assert decode_text(b"caf\xc3\xa9") == "café"
    assert decode_text(b"caf\xe9") == "café"  # Latin-1 fallback, never an exception
    assert decode_text(b"\x00\x01binary") is None
