from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import worktrial.testing
from worktrial.errors import GitCommandError, UsageError
from worktrial.repo import Repo
from worktrial.testing import RepoBuilder, Symlink, make_shallow_clone

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def git_out(path: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=path, capture_output=True, check=True, env={"LC_ALL": "C"}
    )
    return proc.stdout.decode("utf-8", "replace")


def build_small(path: Path) -> RepoBuilder:
    b = RepoBuilder(path, start=START)
    b.commit("Add README", {"README.md": "# Churn\n"})
    b.commit("Train baseline", {"src/train.py": "print('fit')\n"}, at=timedelta(hours=4))
    return b


def test_public_api() -> None:
    assert worktrial.testing.__all__ == ["RepoBuilder", "Symlink", "make_shallow_clone"]


def test_hashes_are_deterministic_and_ignore_user_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_small(tmp_path / "a")
    # A hostile user environment: identity, signing and hooks must all be ignored.
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(
        "[user]\n name = Intruder\n email = x@evil.test\n[commit]\n gpgSign = true\n"
        "[core]\n autocrlf = true\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Intruder")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@0 +0000")
    second = build_small(tmp_path / "b")
    assert first.commits == second.commits
    # Pinned: any leak of machine configuration into the commit objects changes this hash.
    assert first.head == "0fce017291239a060387dc79fdf4b0ffe89b495d"


def test_dates_identities_and_branch(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START, author=("Grace Hopper", "grace@example.com"))
    b.commit("one", {"a.txt": "a\n"})
    b.commit("two", {"a.txt": "b\n"})  # default: an hour after the previous commit
    paris = timezone(timedelta(hours=1))
    b.commit(
        "three",
        {"a.txt": "c\n"},
        at=datetime(2026, 3, 3, 10, 30, tzinfo=paris),
        author=("Bot", "bot@example.com"),
        committer=("GitHub", "noreply@github.com"),
        committed_at=timedelta(days=2),
    )
    log = git_out(b.path, "log", "--reverse", "--format=%an|%ae|%aI|%cn|%ce|%cI|%s")
    assert log.splitlines() == [
        "Grace Hopper|grace@example.com|2026-03-02T09:00:00+00:00|"
        "Grace Hopper|grace@example.com|2026-03-02T09:00:00+00:00|one",
        "Grace Hopper|grace@example.com|2026-03-02T10:00:00+00:00|"
        "Grace Hopper|grace@example.com|2026-03-02T10:00:00+00:00|two",
        "Bot|bot@example.com|2026-03-03T10:30:00+01:00|"
        "GitHub|noreply@github.com|2026-03-04T09:00:00+00:00|three",
    ]
    assert b.branch == "main"
    assert len(b.commits) == 3 and b.commits[-1] == b.head


def test_files_binary_symlink_delete_and_empty_commit(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit(
        "Add files",
        {
            "data/my data é.csv": "a,b\n1,2\n",
            "model.bin": b"\x00\x01\xff",
            "escape": Symlink("/etc/passwd"),
            "old.py": "x = 1\n",
        },
    )
    b.commit("Remove old", {"old.py": None})
    empty = b.commit("Nothing changed")
    tree = git_out(b.path, "ls-tree", "-r", "-z", "HEAD").split("\0")
    modes = {rec.split("\t")[1]: rec.split()[0] for rec in tree if rec}
    assert modes == {"data/my data é.csv": "100644", "escape": "120000", "model.bin": "100644"}
    assert (b.path / "model.bin").read_bytes() == b"\x00\x01\xff"
    assert git_out(b.path, "show", "--format=", "--name-only", empty).strip() == ""
    assert git_out(b.path, "rev-list", "--count", "HEAD").strip() == "3"


def test_bytes_message_is_stored_verbatim_and_encoding_header(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    raw = b.commit(b"Caf\xe9 model\n", {"a.txt": "a"})
    tagged = b.commit("Caf\xe9".encode("latin-1"), {"a.txt": "b"}, encoding="ISO-8859-1")
    raw_obj = subprocess.run(
        ["git", "cat-file", "commit", raw], cwd=b.path, capture_output=True, check=True
    ).stdout
    assert raw_obj.endswith(b"\n\nCaf\xe9 model\n")
    assert b"\nencoding " not in raw_obj
    tagged_obj = subprocess.run(
        ["git", "cat-file", "commit", tagged], cwd=b.path, capture_output=True, check=True
    ).stdout
    assert b"\nencoding ISO-8859-1\n" in tagged_obj


def test_tags_branches_merge_and_detached_head(tmp_path: Path) -> None:
    b = build_small(tmp_path / "r")
    b.tag("v0")
    b.tag("v1", message="First release")
    b.branch_off("feature")
    b.commit("Add features", {"src/features.py": "def f(): ...\n"})
    b.switch("main")
    b.commit("Docs", {"README.md": "# Churn\nMore.\n"})
    merge = b.merge("feature", at=timedelta(days=1))
    parents = git_out(b.path, "log", "-1", "--format=%P", merge).split()
    assert len(parents) == 2
    assert git_out(b.path, "log", "-1", "--format=%s", merge).strip() == "Merge branch 'feature'"
    assert set(git_out(b.path, "tag").split()) == {"v0", "v1"}
    assert git_out(b.path, "cat-file", "-t", "v1").strip() == "tag"
    b.checkout_detached()
    assert b.branch is None
    repo = Repo(b.path)
    assert repo.detached and repo.head == merge


def test_merge_conflict_is_aborted(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("base", {"a.txt": "base\n"})
    b.branch_off("other")
    b.commit("theirs", {"a.txt": "theirs\n"})
    b.switch("main")
    b.commit("ours", {"a.txt": "ours\n"})
    with pytest.raises(GitCommandError, match=r"^git merge failed in "):
        b.merge("other")
    assert not (b.path / ".git" / "MERGE_HEAD").exists()
    assert (b.path / "a.txt").read_text() == "ours\n"


def test_shallow_clone(tmp_path: Path) -> None:
    b = build_small(tmp_path / "src")
    b.commit("third", {"c.txt": "c"})
    clone = make_shallow_clone(b.path, tmp_path / "shallow", depth=2)
    assert clone == tmp_path / "shallow"
    repo = Repo(clone)
    assert repo.shallow and repo.head == b.head
    assert git_out(clone, "rev-list", "--count", "HEAD").strip() == "2"
    with pytest.raises(UsageError) as exc:
        make_shallow_clone(b.path, tmp_path / "none", depth=0)
    assert exc.value.message == "depth=0: expected at least 1"


def test_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(UsageError) as exc:
        RepoBuilder(tmp_path / "full")
    assert exc.value.message == (
        f"{tmp_path / 'full'}: expected a new or empty folder for the repository, "
        "found existing content"
    )
    with pytest.raises(UsageError) as exc:
        RepoBuilder(tmp_path / "naive", start=datetime(2026, 3, 2, 9))  # noqa: DTZ001
    assert exc.value.message == (
        "start=2026-03-02T09:00:00: expected a timezone-aware datetime, found a naive one"
    )
    b = RepoBuilder(tmp_path / "r")
    with pytest.raises(UsageError) as exc:
        _ = b.head
    assert exc.value.message == f"{tmp_path / 'r'}: no commit yet; call commit() first"
    for bad in ("../escape.txt", "/abs.txt", ".git/config", "dir/", ""):
        with pytest.raises(UsageError) as exc:
            b.commit("bad", {bad: "x"})
        assert exc.value.message == (
            f"file path {bad!r}: expected a relative POSIX path inside the repository "
            "(no leading '/', no '..', not under .git)"
        )
    with pytest.raises(UsageError) as exc:
        b.commit("del", {"missing.txt": None})
    assert exc.value.message == "cannot delete 'missing.txt': no such file in the repository"
    with pytest.raises(UsageError) as exc:
        b.commit("naive", {"a": "a"}, at=datetime(2026, 3, 2))  # noqa: DTZ001
    assert exc.value.message == (
        "at=2026-03-02T00:00:00: expected a timedelta from start or a timezone-aware "
        "datetime, found a naive datetime"
    )
    assert not (tmp_path.parent / "escape.txt").exists()
