"""The starter repository: one commit, fixed author and dates, a hash that depends only on files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from spec_samples import write_minimal_bundle

from worktrial.errors import SpecError, UsageError
from worktrial.spec import TrialBundle, init_starter_repo, load_bundle


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def test_one_commit_with_fixed_author_and_date(tmp_path: Path) -> None:
    bundle = load_bundle(write_minimal_bundle(tmp_path / "b"))
    sha = init_starter_repo(bundle, tmp_path / "repo")
    log = git(tmp_path / "repo", "log", "--format=%H|%an|%ae|%aI|%cn|%ce|%cI|%s")
    assert log.splitlines() == [
        f"{sha}|worktrial|starter@worktrial.invalid|2026-01-01T00:00:00+00:00|worktrial|"
        "starter@worktrial.invalid|2026-01-01T00:00:00+00:00|Add the starter kit"
    ]
    assert git(tmp_path / "repo", "ls-tree", "-r", "--name-only", "HEAD").split() == [
        "README.md",
        "src/__init__.py",
    ]
    assert git(tmp_path / "repo", "branch", "--show-current").strip() == "main"


def test_the_hash_depends_only_on_the_files(tmp_path: Path) -> None:
    one = load_bundle(write_minimal_bundle(tmp_path / "one"))
    two = load_bundle(write_minimal_bundle(tmp_path / "two"))
    a = init_starter_repo(one, tmp_path / "a")
    b = init_starter_repo(two, tmp_path / "b")
    assert a == b
    (two.starter_dir / "README.md").write_text("# Changed\n")
    assert init_starter_repo(two, tmp_path / "c") != a


def test_the_executable_bit_is_kept_and_gitignore_does_not_drop_files(tmp_path: Path) -> None:
    bundle = load_bundle(write_minimal_bundle(tmp_path / "b"))
    run = bundle.starter_dir / "run.sh"
    run.write_text("#!/bin/sh\n")
    run.chmod(0o755)
    (bundle.starter_dir / ".gitignore").write_text("*.sh\n")
    init_starter_repo(bundle, tmp_path / "repo")
    tree = git(tmp_path / "repo", "ls-tree", "-r", "HEAD")
    assert "100755 blob" in next(line for line in tree.splitlines() if line.endswith("run.sh"))
    assert ".gitignore" in tree


def test_the_template_hash_is_the_one_in_the_spec(
    bundles: dict[str, TrialBundle], tmp_path: Path
) -> None:
    for name, bundle in bundles.items():
        sha = init_starter_repo(bundle, tmp_path / name)
        assert bundle.spec.starter_commits == [sha]


def test_a_non_empty_destination_is_refused(tmp_path: Path) -> None:
    bundle = load_bundle(write_minimal_bundle(tmp_path / "b"))
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "x").write_text("x")
    with pytest.raises(UsageError) as info:
        init_starter_repo(bundle, tmp_path / "repo")
    assert info.value.message == (
        f"{tmp_path / 'repo'}: expected a new or empty folder for the starter repository, "
        "found one that is not empty"
    )


def test_an_empty_starter_or_one_with_a_git_folder_is_refused(tmp_path: Path) -> None:
    bundle = load_bundle(write_minimal_bundle(tmp_path / "b"))
    (bundle.starter_dir / ".git").mkdir()
    with pytest.raises(SpecError) as info:
        init_starter_repo(bundle, tmp_path / "repo")
    assert info.value.message == (
        "starter/.git: expected plain files in the starter folder, found a git repository "
        "(the starter commit is made from the files)"
    )
    for p in sorted(bundle.starter_dir.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    with pytest.raises(SpecError) as info:
        init_starter_repo(bundle, tmp_path / "repo")
    assert info.value.message == (
        f"{bundle.starter_dir}: expected at least one file in the starter folder, found none"
    )
