"""Exporting a commit into a job folder: exact bytes, safe links, skips reported, caps."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from worktrial.errors import IntakeError, UsageError
from worktrial.repo import ExportReport, Repo, SkippedPath, export_commit
from worktrial.testing import RepoBuilder, Symlink

_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "PATH": os.environ["PATH"],
    "HOME": os.environ.get("HOME", "/"),
}


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=_ENV, input=input, capture_output=True, check=True
    )
    return proc.stdout.decode().strip()


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def cand(tmp_path: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Add README", {"README.md": "# Churn\n", "old.txt": "gone soon\n"})
    b.write({"run.sh": "#!/bin/sh\necho run\n"})
    (b.path / "run.sh").chmod(0o755)
    b.commit(
        "Add code, data link and a binary",
        {
            "src/train.py": "print('fit')\n",
            "data/raw.bin": bytes(range(256)) * 4,
            "data/readme": Symlink("../README.md"),
            "old.txt": None,
        },
    )
    return b


def test_export_writes_the_committed_bytes(cand: RepoBuilder, tmp_path: Path) -> None:
    job = tmp_path / "jobs" / "job-1"
    report = export_commit(Repo(cand.path), cand.head, job)
    assert report == ExportReport(
        dest=job, commit=cand.head, files=4, symlinks=1, bytes_written=1024 + 19 + 8 + 13
    )
    assert listing(job) == [
        "README.md", "data", "data/raw.bin", "data/readme", "run.sh", "src", "src/train.py",
    ]  # fmt: skip
    assert (job / "data" / "raw.bin").read_bytes() == bytes(range(256)) * 4
    assert (job / "data" / "readme").readlink() == Path("../README.md")
    assert (job / "data" / "readme").read_text() == "# Churn\n"
    assert stat.S_IMODE((job / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((job / "README.md").stat().st_mode) == 0o644
    assert stat.S_IMODE(job.stat().st_mode) == 0o755
    assert [p.name for p in job.parent.iterdir()] == ["job-1"]


def test_export_an_older_commit(cand: RepoBuilder, tmp_path: Path) -> None:
    report = export_commit(Repo(cand.path), cand.commits[0][:10], tmp_path / "job")
    assert report.commit == cand.commits[0]
    assert listing(tmp_path / "job") == ["README.md", "old.txt"]


def test_export_into_an_empty_folder_keeps_that_folder(cand: RepoBuilder, tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir(mode=0o711)
    inode = job.stat().st_ino
    export_commit(Repo(cand.path), "HEAD", job)
    assert job.stat().st_ino == inode
    assert (job / "src" / "train.py").read_text() == "print('fit')\n"


def test_dest_must_be_new_or_empty(cand: RepoBuilder, tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "x").write_text("mine")
    with pytest.raises(UsageError) as exc:
        export_commit(Repo(cand.path), "HEAD", job)
    assert exc.value.message == (
        f"{job}: already exists and is not empty; export writes into a new job folder"
    )
    assert listing(job) == ["x"]


def test_unknown_commit(cand: RepoBuilder, tmp_path: Path) -> None:
    repo = Repo(cand.path)
    with pytest.raises(IntakeError) as exc:
        export_commit(repo, "nope", tmp_path / "job")
    assert exc.value.message == f"{repo.root}: no commit named 'nope'"
    with pytest.raises(IntakeError) as exc:
        export_commit(repo, "--output=/tmp/x", tmp_path / "job")
    assert exc.value.message == (
        "'--output=/tmp/x': not a commit name (expected a commit hash or ref)"
    )
    assert not (tmp_path / "job").exists()


def test_symlinks_out_of_the_tree_are_skipped(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand")
    b.commit(
        "Links",
        {
            "a.txt": "a\n",
            "etc": Symlink("/etc/passwd"),
            "sub/up": Symlink("../../outside"),
            "sub/sneaky": Symlink("x/../../.."),
            "sub/ok": Symlink("../a.txt"),
            "sub/self": Symlink("."),
        },
    )
    job = tmp_path / "job"
    report = export_commit(Repo(b.path), b.head, job)
    assert report.skipped == (
        SkippedPath("etc", "symbolic link to /etc/passwd points outside the tree"),
        SkippedPath("sub/sneaky", "symbolic link to x/../../.. points outside the tree"),
        SkippedPath("sub/up", "symbolic link to ../../outside points outside the tree"),
    )
    assert listing(job) == ["a.txt", "sub", "sub/ok", "sub/self"]
    assert report.symlinks == 2 and report.files == 1


def test_submodules_and_big_files_are_skipped(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Add files", {"small.txt": "ok\n", "model.bin": bytes(5000)})
    git(
        b.path,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{b.head},vendor/lib",
    )
    git(b.path, "commit", "-q", "-m", "Add a submodule")
    head = git(b.path, "rev-parse", "HEAD")
    report = export_commit(Repo(b.path), head, tmp_path / "job", max_file_bytes=4096)
    assert report.skipped == (
        SkippedPath("model.bin", "4.9 KB, over the 4.0 KB limit for one file"),
        SkippedPath("vendor/lib", "submodule (its files are not part of this repository)"),
    )
    assert listing(tmp_path / "job") == ["small.txt"]


def test_caps_refuse_before_writing(cand: RepoBuilder, tmp_path: Path) -> None:
    repo = Repo(cand.path)
    job = tmp_path / "job"
    with pytest.raises(IntakeError) as exc:
        export_commit(repo, "HEAD", job, max_files=4)
    assert exc.value.message == (
        f"commit {cand.head[:12]}: 5 files, over the limit of 4 for a job folder"
    )
    with pytest.raises(IntakeError) as exc:
        export_commit(repo, "HEAD", job, max_bytes=1000)
    assert exc.value.message == (
        f"commit {cand.head[:12]}: its files add up to 1.0 KB, over the 1000 bytes limit for "
        "a job folder"
    )
    assert not job.exists()
    assert list(tmp_path.iterdir()) == [cand.path]


def test_hand_made_tree_paths_never_leave_the_job_folder(tmp_path: Path) -> None:
    """Trees git itself refuses to write (``..``, ``.git``), exported from an unchecked repo."""
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Start", {"a.txt": "a\n"})
    blob = git(b.path, "hash-object", "-w", "--stdin", input=b"#!/bin/sh\ntouch pwned\n")
    hooks = git(b.path, "mktree", input=f"100755 blob {blob}\tpost-checkout\n".encode())
    dotgit = git(b.path, "mktree", input=f"040000 tree {hooks}\thooks\n".encode())
    inner = git(b.path, "mktree", input=f"100644 blob {blob}\tescape\n".encode())
    root = git(
        b.path,
        "mktree",
        input=(
            f"040000 tree {dotgit}\t.git\n"
            f"040000 tree {dotgit}\t.GIT\n"
            f"040000 tree {inner}\t..\n"
            f"100644 blob {blob}\tok.sh\n"
        ).encode(),
    )
    commit = git(b.path, "commit-tree", root, "-m", "hand-made")
    job = tmp_path / "jobs" / "job"
    report = export_commit(Repo(b.path), commit, job)
    dotgit_reason = "a folder named .git is never written (git would treat it as a repository)"
    assert report.skipped == (
        SkippedPath("../escape", "the path leaves the job folder ('..' or an empty part)"),
        SkippedPath(".GIT/hooks/post-checkout", dotgit_reason),
        SkippedPath(".git/hooks/post-checkout", dotgit_reason),
    )
    assert listing(job) == ["ok.sh"]
    assert not (tmp_path / "jobs" / "escape").exists()
    assert not (tmp_path / "pwned").exists()


def test_missing_blob_is_refused(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Files", {"a.txt": "a\n", "z.txt": "last\n"})
    sha = git(b.path, "rev-parse", "HEAD:z.txt")
    (b.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    with pytest.raises(IntakeError) as exc:
        export_commit(Repo(b.path), "HEAD", tmp_path / "job")
    assert exc.value.message == (
        f"commit {b.head[:12]}: z.txt cannot be read (object {sha} is missing or damaged)"
    )
    assert not (tmp_path / "job").exists()


def test_damaged_repository_leaves_no_half_made_job_folder(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand")
    noise = bytes((i * 7919) % 251 for i in range(200_000))
    b.commit("Files", {"a.txt": "a\n", "b.txt": "b\n", "z.bin": noise})
    sha = git(b.path, "rev-parse", "HEAD:z.bin")
    obj = b.path / ".git" / "objects" / sha[:2] / sha[2:]
    data = obj.read_bytes()
    obj.chmod(0o644)
    obj.write_bytes(data[: len(data) // 2])  # the header still reads; the content does not
    repo = Repo(b.path)
    job = tmp_path / "job"
    with pytest.raises(IntakeError) as exc:
        export_commit(repo, "HEAD", job)
    assert exc.value.message == f"git cat-file could not read blob {sha}; the repository is damaged"
    assert not job.exists()
    assert list(tmp_path.iterdir()) == [b.path]
    # A folder given by the caller is emptied again, not removed.
    job.mkdir()
    with pytest.raises(IntakeError):
        export_commit(repo, "HEAD", job)
    assert job.is_dir() and listing(job) == []
