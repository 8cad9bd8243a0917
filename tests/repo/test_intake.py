"""Intake of submissions: git bundles and archives, including hostile ones.

Every refusal is checked for its exact message, for leaving ``dest`` absent (no half-made
repository) and for leaving no staging folder behind.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from worktrial.errors import IntakeError, UsageError
from worktrial.repo import Repo, export_commit, extract_archive, intake_archive, intake_bundle
from worktrial.testing import RepoBuilder, make_shallow_clone

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


def git_bytes(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=_ENV, input=input, capture_output=True, check=True
    ).stdout


def make_repo(path: Path) -> RepoBuilder:
    b = RepoBuilder(path)
    b.commit("Add README", {"README.md": "# Churn\n"})
    b.commit("Add training", {"src/train.py": "print('fit')\n", "data/.keep": ""})
    return b


def bundle(repo: Path, out: Path, *revs: str) -> Path:
    git(repo, "bundle", "create", str(out), *(revs or ("--all",)))
    return out


def assert_clean(parent: Path, dest: Path) -> None:
    """No dest and no staging folder left beside it."""
    assert not dest.exists()
    assert [p.name for p in parent.iterdir() if p.name.startswith(f".{dest.name}.")] == []


def refusal(exc: pytest.ExceptionInfo[IntakeError]) -> str:
    return exc.value.message


# --------------------------------------------------------------------------- bundles


def test_bundle_happy_path(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    b.tag("v1", message="first")
    src = bundle(b.path, tmp_path / "sub.bundle")
    dest = tmp_path / "store" / "sub.git"

    got = intake_bundle(src, dest)

    assert got.path == dest
    assert got.head == b.head
    assert got.refs["refs/heads/main"] == b.head
    assert set(got.refs) == {"refs/heads/main", "refs/tags/v1"}
    assert got.size_bytes > 0
    # A bare repository with our config, no hooks folder, HEAD on the submitted branch.
    assert not (dest / "hooks").exists()
    assert "hooksPath = /dev/null" in (dest / "config").read_text()
    repo = Repo(dest)
    assert repo.is_bare and repo.head == b.head and repo.branch == "main"
    assert [p.name for p in dest.parent.iterdir()] == ["sub.git"]


def test_bundle_object_count_and_size_are_measured(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    got = intake_bundle(bundle(b.path, tmp_path / "s.bundle"), tmp_path / "r.git")
    # 2 commits, 2 root trees, src/ and data/ trees, 3 blobs
    assert got.objects == 9
    assert got.size_bytes == 1024 * int(
        git(got.path, "count-objects", "-v").split("size-pack: ")[1].split()[0]
    )


def test_bundle_without_head_pins_its_only_branch(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    first = b.commits[0]
    b.branch_off("feature", at_rev=first)
    tip = b.commit("Try a feature", {"f.py": "x = 1\n"})
    git(b.path, "checkout", "-q", "main")
    got = intake_bundle(bundle(b.path, tmp_path / "f.bundle", "feature"), tmp_path / "r.git")
    assert got.head == tip
    assert Repo(got.path).branch == "feature"


def test_bundle_detached_head_is_pinned_over_branches(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    git(b.path, "checkout", "-q", "--detach", b.commits[0])
    got = intake_bundle(bundle(b.path, tmp_path / "d.bundle"), tmp_path / "r.git")
    assert got.head == b.commits[0]
    assert got.refs["refs/heads/main"] == b.commits[1]
    assert Repo(got.path).detached


def test_bundle_annotated_tag_is_peeled_to_its_commit(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    b.tag("v1", message="release")
    got = intake_bundle(bundle(b.path, tmp_path / "t.bundle", "v1"), tmp_path / "r.git")
    assert got.head == b.head
    assert Repo(got.path).head == b.head


def test_not_a_bundle(tmp_path: Path) -> None:
    src = tmp_path / "x.bundle"
    src.write_text("hello, I am a text file\n")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="x.bundle")
    assert refusal(exc) == "x.bundle: not a git bundle (expected the output of `git bundle create`)"
    assert exc.value.code == "repo.intake"
    assert exc.value.fields["reason"] == "not_a_bundle"
    assert_clean(tmp_path, dest)


def test_missing_bundle_and_folder(tmp_path: Path) -> None:
    with pytest.raises(IntakeError) as exc:
        intake_bundle(tmp_path / "nope.bundle", tmp_path / "r.git", name="nope.bundle")
    assert refusal(exc) == "nope.bundle: no such file"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(tmp_path, tmp_path / "r.git", name="up")
    assert refusal(exc) == "up: not a file (expected a bundle file)"


def test_size_cap_is_checked_before_anything_else(tmp_path: Path) -> None:
    src = tmp_path / "big.bundle"
    src.write_bytes(b"not even a bundle" * 100)  # 1,700 bytes
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, max_bytes=1024, name="big.bundle")
    assert refusal(exc) == "big.bundle: the bundle is 1.7 KB, over the 1.0 KB limit"
    assert exc.value.fields["reason"] == "too_large"
    assert_clean(tmp_path, dest)


def test_bundle_with_prerequisites_is_refused(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    src = bundle(b.path, tmp_path / "range.bundle", "HEAD~1..HEAD")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="range.bundle")
    assert refusal(exc) == (
        "range.bundle: the bundle is incomplete: it needs 1 commit it does not contain (it was "
        "made from a shallow clone or from a range such as HEAD~1..HEAD); create it with "
        "`git bundle create <file> --all` in a full clone"
    )
    assert exc.value.fields["prerequisites"] == [b.commits[0]]
    assert_clean(tmp_path, dest)


def test_bundle_from_a_shallow_clone_is_refused(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    shallow = make_shallow_clone(b.path, tmp_path / "shallow", depth=1)
    # From a shallow clone git writes no prerequisites; the missing parent shows in fsck.
    src = bundle(shallow, tmp_path / "s.bundle")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="s.bundle")
    assert refusal(exc) == (
        f"s.bundle: the bundle is incomplete: commit {b.commits[0][:12]} is missing (a parent "
        "of a submitted commit); it was probably made from a shallow clone: run "
        "`git fetch --unshallow` and create it again"
    )
    assert_clean(tmp_path, dest)


def test_truncated_bundle(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    data = bundle(b.path, tmp_path / "full.bundle").read_bytes()
    header_end = data.index(b"\n\n") + 2
    src = tmp_path / "cut.bundle"
    src.write_bytes(data[: header_end + 40])
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="cut.bundle")
    assert refusal(exc) == "cut.bundle: the bundle is damaged or truncated (early EOF)"
    assert_clean(tmp_path, dest)
    # Cut inside the header itself.
    src.write_bytes(data[: header_end - 5])
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="cut.bundle")
    assert refusal(exc) == "cut.bundle: the bundle is truncated (its header never ends)"
    src.write_bytes(data[:header_end])
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="cut.bundle")
    assert refusal(exc) == "cut.bundle: the bundle is damaged or truncated (no pack data)"
    assert_clean(tmp_path, dest)


def test_huge_object_over_the_unpacked_cap(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Add a model", {"model.bin": bytes(4 * 1024 * 1024)})  # 4 MB of zeros, ~4 KB packed
    src = bundle(b.path, tmp_path / "m.bundle")
    assert src.stat().st_size < 64 * 1024
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, max_unpacked_bytes=1024 * 1024, name="m.bundle")
    assert refusal(exc) == "m.bundle: the bundle unpacks to 4.0 MB, over the 1.0 MB limit"
    assert exc.value.fields["reason"] == "too_large"
    assert_clean(tmp_path, dest)


def test_too_many_objects_is_read_from_the_pack_header(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    src = bundle(b.path, tmp_path / "o.bundle")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, max_objects=5, name="o.bundle")
    assert refusal(exc) == "o.bundle: the bundle holds 9 objects, over the limit of 5"
    assert_clean(tmp_path, dest)


def _pack(repo: Path, *oids: str) -> bytes:
    return git_bytes(
        repo, "pack-objects", "--stdout", input="".join(f"{o}\n" for o in oids).encode()
    )


def test_bundle_with_no_commits(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    src = tmp_path / "empty.bundle"
    src.write_bytes(b"# v2 git bundle\n\n" + _pack(b.path))
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="empty.bundle")
    assert refusal(exc) == "empty.bundle: the bundle holds no commits"
    assert_clean(tmp_path, dest)


def test_head_that_is_not_a_commit(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    tree = git(b.path, "rev-parse", "HEAD~1^{tree}")
    blob = git(b.path, "rev-parse", "HEAD~1:README.md")
    src = tmp_path / "tree.bundle"
    src.write_bytes(f"# v2 git bundle\n{tree} HEAD\n\n".encode() + _pack(b.path, tree, blob))
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="tree.bundle")
    assert refusal(exc) == "tree.bundle: HEAD points to a tree, not a commit"
    src.write_bytes(f"# v2 git bundle\n{blob} refs/tags/readme\n\n".encode() + _pack(b.path, blob))
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="tree.bundle")
    assert refusal(exc) == "tree.bundle: refs/tags/readme points to a blob, not a commit"
    assert_clean(tmp_path, dest)


def test_several_branches_and_no_head_is_ambiguous(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    git(b.path, "branch", "exp-a")
    git(b.path, "branch", "exp-b")
    src = bundle(b.path, tmp_path / "two.bundle", "exp-a", "exp-b")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="two.bundle")
    assert refusal(exc) == (
        "two.bundle: the bundle has several refs (refs/heads/exp-a, refs/heads/exp-b) and no "
        "HEAD, so the submitted commit is ambiguous; create it with "
        "`git bundle create <file> HEAD --all`"
    )
    assert_clean(tmp_path, dest)


def _commit_tree(repo: Path, entries: str) -> tuple[str, str]:
    """A commit whose root tree is made by hand with ``git mktree`` (no path checks)."""
    tree = git(repo, "mktree", input=entries.encode())
    commit = git(repo, "commit-tree", tree, "-m", "hand-made tree")
    return tree, commit


def test_dot_git_path_in_a_tree_fails_fsck(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    hook = git(b.path, "hash-object", "-w", "--stdin", input=b"#!/bin/sh\ntouch pwned\n")
    hooks = git(b.path, "mktree", input=f"100755 blob {hook}\tpost-checkout\n".encode())
    dotgit = git(b.path, "mktree", input=f"040000 tree {hooks}\thooks\n".encode())
    tree, commit = _commit_tree(b.path, f"040000 tree {dotgit}\t.git\n")
    git(b.path, "update-ref", "refs/heads/main", commit)
    src = bundle(b.path, tmp_path / "dotgit.bundle")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, name="dotgit.bundle")
    assert refusal(exc) == (
        "dotgit.bundle: the repository fails git's integrity check (git fsck --strict): "
        f"error in tree {tree}: hasDotgit: contains '.git'"
    )
    assert exc.value.fields["reason"] == "fsck"
    assert_clean(tmp_path, dest)
    assert not (tmp_path / "pwned").exists()


def test_dot_dot_path_in_a_tree_fails_fsck(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    blob = git(b.path, "hash-object", "-w", "--stdin", input=b"x\n")
    tree, commit = _commit_tree(b.path, f"100644 blob {blob}\t..\n")
    git(b.path, "update-ref", "refs/heads/main", commit)
    with pytest.raises(IntakeError) as exc:
        intake_bundle(bundle(b.path, tmp_path / "dd.bundle"), tmp_path / "r.git", name="dd")
    assert refusal(exc) == (
        "dd: the repository fails git's integrity check (git fsck --strict): "
        f"error in tree {tree}: hasDotdot: contains '..'"
    )


def test_dest_must_be_new_or_empty(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    src = bundle(b.path, tmp_path / "s.bundle")
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(UsageError) as exc:
        intake_bundle(src, dest)
    assert (
        exc.value.message == f"{dest}: already exists and is not empty; intake writes a new folder"
    )
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert intake_bundle(src, empty).head == b.head


def test_timeout_refuses_and_cleans_up(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    src = bundle(b.path, tmp_path / "s.bundle")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_bundle(src, dest, timeout=0, name="s.bundle")
    assert refusal(exc) == (
        "s.bundle: intake did not finish within 0 s; the submission is refused "
        "(is it unusually large, or a decompression bomb?)"
    )
    assert_clean(tmp_path, dest)


# --------------------------------------------------------------------------- filters and hooks

EVIL_ATTRIBUTES = (
    "* filter=evil\n*.txt text eol=crlf\nsubst.txt export-subst\nhidden.txt export-ignore\n"
)


def _hostile_candidate(tmp_path: Path, marker: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "cand")
    b.commit(
        "Add files with hostile attributes",
        {
            ".gitattributes": EVIL_ATTRIBUTES,
            "a.txt": "line one\nline two\n",
            "subst.txt": "$Format:%H$\n",
            "hidden.txt": "still here\n",
            ".githooks/post-checkout": f"#!/bin/sh\ntouch {marker}\n",
            ".githooks/reference-transaction": f"#!/bin/sh\ntouch {marker}\n",
        },
    )
    return b


def _smudge(marker: Path) -> str:
    return f"sh -c 'touch {marker}; cat'"


def _assert_exported_as_committed(job: Path) -> None:
    assert (job / "a.txt").read_bytes() == b"line one\nline two\n"  # no CRLF, no filter
    assert (job / "subst.txt").read_bytes() == b"$Format:%H$\n"  # no export-subst
    assert (job / "hidden.txt").read_bytes() == b"still here\n"  # no export-ignore
    assert (job / ".gitattributes").read_text() == EVIL_ATTRIBUTES


def test_gitattributes_filter_never_runs_through_bundle_intake_and_export(tmp_path: Path) -> None:
    marker = tmp_path / "FILTER-RAN"
    b = _hostile_candidate(tmp_path, marker)
    src = bundle(b.path, tmp_path / "s.bundle")

    # Control: a naive clone with the driver configured does run the filter.
    git(tmp_path, "-c", f"filter.evil.smudge={_smudge(marker)}", "clone", "-q", str(src), "ctl")
    assert marker.exists()
    assert (tmp_path / "ctl" / "a.txt").read_bytes() == b"line one\r\nline two\r\n"
    marker.unlink()

    repo_dir = tmp_path / "r.git"
    got = intake_bundle(src, repo_dir)
    assert not marker.exists()
    # Worst case: the stored repository's config is later poisoned with the driver and hooks.
    with (repo_dir / "config").open("a") as fh:
        fh.write(
            f'[filter "evil"]\n\tsmudge = {_smudge(marker)}\n\tclean = cat\n\trequired = true\n'
            f"[core]\n\thooksPath = {b.path / '.githooks'}\n"
        )
    (b.path / ".githooks" / "post-checkout").chmod(0o755)
    (b.path / ".githooks" / "reference-transaction").chmod(0o755)
    report = export_commit(Repo(repo_dir), got.head, tmp_path / "job")
    _assert_exported_as_committed(tmp_path / "job")
    assert report.files == 6
    assert not marker.exists()


def test_archive_with_hooks_fsmonitor_and_filter_config_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    b = _hostile_candidate(tmp_path, marker)
    hooks = b.path / ".git" / "hooks"
    hooks.mkdir()
    for name in ("post-checkout", "reference-transaction", "pre-auto-gc", "post-index-change"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / name).chmod(0o755)
    fsmonitor = b.path / "fsmonitor.sh"
    fsmonitor.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fsmonitor.chmod(0o755)
    with (b.path / ".git" / "config").open("a") as fh:
        fh.write(
            f'[filter "evil"]\n\tsmudge = {_smudge(marker)}\n\tclean = cat\n'
            f"[core]\n\tfsmonitor = {fsmonitor}\n\thooksPath = .githooks\n"
        )
    # Control: plain git in that folder does run the candidate's code.
    git(b.path, "status")
    assert marker.exists()
    marker.unlink()

    archive = tmp_path / "cand.zip"
    _zip_folder(b.path, archive, prefix="cand")
    got = intake_archive(archive, tmp_path / "r.git")
    assert got.head == b.head
    config = (tmp_path / "r.git" / "config").read_text()
    assert "evil" not in config and "fsmonitor = false" in config
    assert not (tmp_path / "r.git" / "hooks").exists()
    export_commit(Repo(tmp_path / "r.git"), got.head, tmp_path / "job")
    _assert_exported_as_committed(tmp_path / "job")
    assert not marker.exists()


# --------------------------------------------------------------------------- archive builders


def _zip_folder(folder: Path, out: Path, *, prefix: str = "") -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            zf.write(path, f"{prefix}/{rel}" if prefix else rel)


def _tar_folder(folder: Path, out: Path, mode: str = "w:gz") -> None:
    with tarfile.open(out, mode) as tf:
        for path in sorted(folder.rglob("*")):
            tf.add(path, path.relative_to(folder).as_posix(), recursive=False)


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, **kw: object) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.size = size
    ti.mode = 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


def _tar(out: Path, members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w") -> Path:
    with tarfile.open(out, mode) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if ti.isreg() else None)
    return out


def _zip_entry(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    zi = zipfile.ZipInfo(name)
    zi.create_system = 3
    zi.external_attr = mode << 16
    zf.writestr(zi, data)


# --------------------------------------------------------------------------- archives


def test_archive_zip_with_top_folder_happy_path(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    (b.path / "notes.txt").write_text("uncommitted\n")
    archive = tmp_path / "cand.zip"
    _zip_folder(b.path, archive, prefix="cand")
    dest = tmp_path / "r.git"
    got = intake_archive(archive, dest)
    assert got.head == b.head
    assert got.refs == {"refs/heads/main": b.head}
    assert Repo(dest).branch == "main"
    assert not (dest / "hooks").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_archive_tar_gz_with_git_at_root(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    archive = tmp_path / "cand.tar.gz"
    _tar_folder(b.path, archive)
    got = intake_archive(archive, tmp_path / "r.git")
    assert got.head == b.head


def test_archive_without_a_repository(tmp_path: Path) -> None:
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("proj/train.py", "print('fit')\n")
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, dest, name="code.zip")
    assert refusal(exc) == (
        "code.zip: the archive holds no git repository (.git folder); upload a git bundle "
        "(worktrial submit creates one)"
    )
    assert_clean(tmp_path, dest)


def test_not_an_archive(tmp_path: Path) -> None:
    src = tmp_path / "x.zip"
    src.write_text("just text\n")
    with pytest.raises(IntakeError) as exc:
        intake_archive(src, tmp_path / "r.git", name="x.zip")
    assert refusal(exc) == "x.zip: not a .zip, .tar or .tar.gz archive"
    with pytest.raises(IntakeError) as exc:
        intake_archive(src, tmp_path / "r.git", max_bytes=4, name="x.zip")
    assert refusal(exc) == "x.zip: the archive is 10 bytes, over the 4 bytes limit"


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A folder beside the destination that hostile archives aim at; it must stay empty."""
    out = tmp_path / "outside"
    out.mkdir()
    yield out
    assert list(out.iterdir()) == []


HOSTILE_TAR = [
    pytest.param(
        [(_info("../../etc/passwd", size=5), b"root\n")],
        "../../etc/passwd: path leaves the archive's folder",
        id="path-traversal",
    ),
    pytest.param(
        [(_info("ok/../../x", size=1), b"x")],
        "ok/../../x: path leaves the archive's folder",
        id="inner-traversal",
    ),
    pytest.param(
        [(_info("/etc/cron.d/evil", size=1), b"x")],
        "/etc/cron.d/evil: absolute path (expected a path inside the archive's folder)",
        id="absolute-path",
    ),
    pytest.param(
        [(_info("dev/tty0", tarfile.CHRTYPE, devmajor=4, devminor=0), b"")],
        "dev/tty0: device files are not accepted",
        id="char-device",
    ),
    pytest.param(
        [(_info("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0), b"")],
        "dev/sda: device files are not accepted",
        id="block-device",
    ),
    pytest.param(
        [(_info("pipe", tarfile.FIFOTYPE), b"")],
        "pipe: FIFOs (named pipes) are not accepted",
        id="fifo",
    ),
    pytest.param(
        [(_info("a", tarfile.SYMTYPE, linkname="/tmp/x"), b""), (_info("a/file", size=2), b"hi")],
        "a: symbolic link to /tmp/x leaves the archive's folder",
        id="symlink-absolute-then-write-through",
    ),
    pytest.param(
        [
            (_info("b", tarfile.DIRTYPE), b""),
            (_info("a", tarfile.SYMTYPE, linkname="b"), b""),
            (_info("a/file", size=2), b"hi"),
        ],
        "a/file: its parent folder a is a symbolic link in the archive (writing through it is "
        "refused)",
        id="write-through-inner-symlink",
    ),
    pytest.param(
        [(_info("up", tarfile.SYMTYPE, linkname=".."), b"")],
        "up: symbolic link to .. leaves the archive's folder",
        id="symlink-up",
    ),
    pytest.param(
        [
            (_info("d", tarfile.SYMTYPE, linkname="."), b""),
            (_info("e", tarfile.SYMTYPE, linkname="d/d/../.."), b""),
        ],
        "e: symbolic link to d/d/../.. leaves the archive's folder",
        id="symlink-chain-climbs-out",
    ),
    pytest.param(
        [(_info("passwd", tarfile.LNKTYPE, linkname="/etc/passwd"), b"")],
        "passwd: hard link to /etc/passwd leaves the archive's folder",
        id="hardlink-etc-passwd",
    ),
    pytest.param(
        [(_info("h", tarfile.LNKTYPE, linkname="../outside/x"), b"")],
        "h: hard link to ../outside/x leaves the archive's folder",
        id="hardlink-relative-out",
    ),
    pytest.param(
        [(_info("h", tarfile.LNKTYPE, linkname="later.txt"), b""), (_info("later.txt"), b"")],
        "h: hard link to later.txt, which is not a file earlier in the archive",
        id="hardlink-forward",
    ),
    pytest.param(
        [(_info("f", size=1), b"1"), (_info("f", size=1), b"2")],
        "f: appears more than once in the archive",
        id="duplicate",
    ),
    pytest.param(
        [(_info("f", size=1), b"1"), (_info("f/inner", size=1), b"2")],
        "f/inner: its parent folder f is a file in the archive (writing through it is refused)",
        id="file-as-folder",
    ),
]


@pytest.mark.parametrize(("members", "why"), HOSTILE_TAR)
def test_hostile_tar_members_are_refused(
    tmp_path: Path, outside: Path, members: list[tuple[tarfile.TarInfo, bytes]], why: str
) -> None:
    archive = _tar(tmp_path / "h.tar", members)
    dest = tmp_path / "job"
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, dest, name="h.tar")
    assert refusal(exc) == f"h.tar: {why}"
    assert exc.value.fields["reason"] == "unsafe_member"
    assert_clean(tmp_path, dest)
    # The same archive is refused as a submission, with the same message.
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="h.tar")
    assert refusal(exc) == f"h.tar: {why}"
    assert_clean(tmp_path, tmp_path / "r.git")


def test_symlink_then_write_through_it_never_reaches_outside(tmp_path: Path, outside: Path) -> None:
    archive = _tar(
        tmp_path / "w.tar",
        [
            (_info("a", tarfile.SYMTYPE, linkname=str(outside)), b""),
            (_info("a/file", size=6), b"pwned\n"),
        ],
    )
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", name="w.tar")
    assert refusal(exc) == f"w.tar: a: symbolic link to {outside} leaves the archive's folder"
    assert_clean(tmp_path, tmp_path / "job")


def test_hostile_zip_members_are_refused(tmp_path: Path, outside: Path) -> None:
    escape = f"link: symbolic link to {outside}/x leaves the archive's folder"
    cases = {
        "link": (stat.S_IFLNK | 0o777, f"{outside}/x".encode(), escape),
        "dev": (stat.S_IFCHR | 0o666, b"", "dev: device files are not accepted"),
        "fifo": (stat.S_IFIFO | 0o644, b"", "fifo: FIFOs (named pipes) are not accepted"),
        "../escape": (stat.S_IFREG | 0o644, b"x", "../escape: path leaves the archive's folder"),
    }  # fmt: skip
    for i, (name, (mode, data, why)) in enumerate(cases.items()):
        archive = tmp_path / f"h{i}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            _zip_entry(zf, name, data, mode)
        with pytest.raises(IntakeError) as exc:
            extract_archive(archive, tmp_path / "job", name="h.zip")
        assert refusal(exc) == f"h.zip: {why}"
        assert_clean(tmp_path, tmp_path / "job")


def test_safe_members_are_written_without_setuid(tmp_path: Path, outside: Path) -> None:
    archive = _tar(
        tmp_path / "ok.tar.gz",
        [
            (_info("bin", tarfile.DIRTYPE, mode=0o755), b""),
            (_info("bin/tool", size=3, mode=0o4755), b"run"),
            (_info("bin/data.txt", size=2, mode=0o2666), b"hi"),
            (_info("bin/same.txt", tarfile.LNKTYPE, linkname="bin/data.txt"), b""),
            (_info("bin/link", tarfile.SYMTYPE, linkname="../README"), b""),
            (_info("README", size=1), b"r"),
            (_info("./", tarfile.DIRTYPE), b""),
        ],
        mode="w:gz",
    )
    dest = tmp_path / "job"
    report = extract_archive(archive, dest)
    assert stat.S_IMODE((dest / "bin" / "tool").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "bin" / "data.txt").stat().st_mode) == 0o644
    assert (dest / "bin" / "same.txt").read_bytes() == b"hi"
    assert (dest / "bin" / "same.txt").stat().st_nlink == 1  # a copy, never a link
    assert (dest / "bin" / "link").readlink() == Path("../README")
    assert (report.files, report.dirs, report.symlinks, report.bytes_written) == (4, 1, 1, 8)
    assert report.notes == (
        "bin/tool: setuid/setgid/sticky bits removed",
        "bin/data.txt: setuid/setgid/sticky bits removed",
    )


def test_zip_decompression_bomb(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    zeros = bytes(1024 * 1024)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(".git/HEAD", "ref: refs/heads/main\n")
        with zf.open(".git/objects/zeros", "w") as fh:
            for _ in range(200):
                fh.write(zeros)
    packed = zipfile.ZipFile(archive).getinfo(".git/objects/zeros").compress_size
    dest = tmp_path / "r.git"
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, dest, name="bomb.zip")
    assert refusal(exc) == (
        f"bomb.zip: .git/objects/zeros: 200.0 MB packed into {packed / 1024:.1f} KB (more than "
        "100x compression); refused as a decompression bomb"
    )
    assert exc.value.fields["reason"] == "bomb"
    assert_clean(tmp_path, dest)


def test_tar_gz_decompression_bomb(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.tar.gz"
    size = 60 * 1024 * 1024
    with tarfile.open(archive, "w:gz", compresslevel=1) as tf:
        tf.addfile(_info("zeros", size=size), io.BytesIO(bytes(size)))
    dest = tmp_path / "job"
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, dest, name="bomb.tar.gz")
    packed = archive.stat().st_size
    assert refusal(exc) == (
        f"bomb.tar.gz: 60.0 MB of files packed into {packed / 1024:.1f} KB (more than 100x "
        "compression); refused as a decompression bomb"
    )
    assert_clean(tmp_path, dest)


def test_lying_tar_header_is_refused(tmp_path: Path) -> None:
    full = _tar(tmp_path / "full.tar", [(_info("big.bin", size=4096), bytes(4096))])
    archive = tmp_path / "lie.tar"
    archive.write_bytes(full.read_bytes()[: 512 + 100])  # header says 4096 bytes, 100 follow
    dest = tmp_path / "job"
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, dest, name="lie.tar")
    assert refusal(exc) == "lie.tar: big.bin: damaged member (unexpected end of data)"
    assert_clean(tmp_path, dest)


def test_lying_zip_sizes_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "lie.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.bin", b"A" * 1000)
    data = bytearray(archive.read_bytes())
    # Central directory entry: uncompressed size at offset 24, patched to claim 10 bytes.
    cd = data.index(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", name="lie.zip")
    assert refusal(exc) == "lie.zip: a.bin: damaged member (Bad CRC-32 for file 'a.bin')"
    assert_clean(tmp_path, tmp_path / "job")


def test_archive_caps(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "c.tar", [(_info(f"f{i}", size=10), b"0123456789") for i in range(4)])
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", max_files=3, name="c.tar")
    assert refusal(exc) == "c.tar: the archive has more than 3 members (the limit)"
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", max_file_bytes=9, name="c.tar")
    assert refusal(exc) == "c.tar: f0: 10 bytes, over the 9 bytes limit for one file"
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", max_unpacked_bytes=35, name="c.tar")
    assert refusal(exc) == "c.tar: its files add up to more than the 35 bytes limit"
    assert_clean(tmp_path, tmp_path / "job")
    assert extract_archive(archive, tmp_path / "job", max_unpacked_bytes=40).files == 4


def test_oversized_pax_header_is_refused(tmp_path: Path) -> None:
    ti = _info("f", size=1)
    ti.pax_headers = {"comment": "x" * (2 * 1024 * 1024)}
    archive = tmp_path / "pax.tar"
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(ti, io.BytesIO(b"1"))
    with pytest.raises(IntakeError) as exc:
        extract_archive(archive, tmp_path / "job", name="pax.tar")
    assert refusal(exc) == (
        "pax.tar: the archive has oversized or malformed tar headers (refused as a "
        "decompression bomb)"
    )


def test_symlink_inside_the_git_folder_is_refused(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    archive = tmp_path / "l.tar"
    _tar_folder(b.path, archive, mode="w")
    with tarfile.open(archive, "a") as tf:
        tf.addfile(_info(".git/refs/x", tarfile.SYMTYPE, linkname="heads"))
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="l.tar")
    assert refusal(exc) == (
        "l.tar: .git/refs/x: symbolic links inside the .git folder are not accepted"
    )
    assert_clean(tmp_path, tmp_path / "r.git")


def test_dot_git_file_pointing_elsewhere_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "wt.tar"
    _tar(archive, [(_info("wt/.git", size=18), b"gitdir: /srv/repo\n")])
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="wt.tar")
    assert refusal(exc) == (
        "wt.tar: wt/.git is a file, not a folder (a worktree or submodule points elsewhere); "
        "upload the main repository or a git bundle"
    )


def test_shallow_repository_in_an_archive_is_refused(tmp_path: Path) -> None:
    b = make_repo(tmp_path / "cand")
    shallow = make_shallow_clone(b.path, tmp_path / "sh", depth=1)
    archive = tmp_path / "sh.tar.gz"
    _tar_folder(shallow, archive)
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="sh.tar.gz")
    assert refusal(exc) == (
        "sh.tar.gz: the repository in the archive is a shallow clone and lacks older commits; "
        "run `git fetch --unshallow` first, or upload a git bundle"
    )
    assert_clean(tmp_path, tmp_path / "r.git")


def test_alternates_in_an_archive_cannot_borrow_other_objects(tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other")
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Start", {"a.txt": "a\n"})
    # A candidate repository that points at someone else's objects and claims their commit.
    info = b.path / ".git" / "objects" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "alternates").write_text(f"{other.path / '.git' / 'objects'}\n")
    git(b.path, "update-ref", "refs/heads/stolen", other.head)
    git(b.path, "cat-file", "-e", other.head)  # control: plain git borrows the objects
    archive = tmp_path / "alt.tar.gz"
    _tar_folder(b.path, archive)
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="alt.tar.gz")
    # Without the alternates file the stolen commit is simply not there.
    assert refusal(exc) == (
        "alt.tar.gz: the repository in the archive is damaged (bad object refs/heads/stolen)"
    )
    assert_clean(tmp_path, tmp_path / "r.git")


def test_empty_repository_in_an_archive(tmp_path: Path) -> None:
    RepoBuilder(tmp_path / "cand")
    archive = tmp_path / "e.zip"
    _zip_folder(tmp_path / "cand", archive)
    with pytest.raises(IntakeError) as exc:
        intake_archive(archive, tmp_path / "r.git", name="e.zip")
    assert refusal(exc) == "e.zip: the repository in the archive has no commits"
