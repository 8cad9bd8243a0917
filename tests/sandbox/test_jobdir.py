"""The job folder on the host: walked at any depth, capped in size, given back after the run,
and measured where it cannot be capped."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_support import py

from worktrial.sandbox import (
    SANDBOX_UID,
    BwrapSandbox,
    FakeSandbox,
    Limits,
    LocalSandbox,
    SandboxError,
)
from worktrial.sandbox._jobdir import (
    MOUNT_SOURCE,
    TreeWalk,
    copy_tree,
    remove_tree,
    sweep_stale_mounts,
    tree_bytes,
)

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root mounts job folders")
DEPTH = 2500  # "d/" 2,500 times is 5,000 bytes of path, past PATH_MAX (4,096)
MB = 1024 * 1024


def job_mounts(pid: int | None = None) -> list[str]:
    """The lines of /proc/self/mountinfo that are job folder mounts made by process ``pid``
    (this one by default; other test runs on the machine make their own)."""
    source = f" {MOUNT_SOURCE}-{os.getpid() if pid is None else pid}-"
    lines = Path("/proc/self/mountinfo").read_text().splitlines()
    return [line for line in lines if source in line]


def nest(root: Path, depth: int) -> list[str]:
    """Nest ``depth`` folders named ``d`` in ``root`` (going down by descriptors, as a job's
    ``chdir`` would); returns the path of the deepest, relative to ``root``, as parts."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
            fh.write("at the bottom\n")
        os.symlink("/etc/hostname", "link", dir_fd=fd)
    finally:
        os.close(fd)
    return ["d"] * depth


def read_deep(root: Path, parts: list[str], name: str) -> os.stat_result:
    """``lstat`` of ``name`` at the end of ``parts``, however deep."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    finally:
        os.close(fd)


def open_fds() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def remove(path: Path) -> None:
    """Remove a test's folder, however deep (shutil.rmtree recurses once per level)."""
    with contextlib.suppress(FileNotFoundError):
        remove_tree(path)


@pytest.fixture
def deep(job_dir: Path) -> Iterator[list[str]]:
    yield nest(job_dir, DEPTH)
    remove(job_dir)


# --------------------------------------------------------------------------- walking


def test_the_walk_goes_past_path_max_with_few_descriptors(job_dir: Path, deep: list[str]) -> None:
    with pytest.raises(OSError) as info:
        job_dir.joinpath(*deep, "leaf.txt").stat()
    assert info.value.errno == errno.ENAMETOOLONG  # what a walk by full paths runs into

    before = open_fds()
    walk = TreeWalk(job_dir)
    entries: list[str] = []
    most_fds = 0
    for event, _, name, _ in walk:
        if event == "entry":
            entries.append(walk.relative(name))
        most_fds = max(most_fds, open_fds())
    bottom = "/".join(deep)
    assert len(entries) == DEPTH + 2
    assert {f"{bottom}/leaf.txt", f"{bottom}/link"} <= set(entries)
    assert walk.skipped == []
    assert most_fds <= before + 3  # not one per level


def test_the_walk_notices_a_folder_moved_under_it(job_dir: Path) -> None:
    (job_dir / "a" / "b").mkdir(parents=True)
    (job_dir / "elsewhere").mkdir()
    walk = TreeWalk(job_dir, prune=lambda name, _: name == "elsewhere")
    with pytest.raises(OSError) as info:
        for event, _, name, _ in walk:
            if event == "enter" and name == "b":
                (job_dir / "a" / "b").rename(job_dir / "elsewhere" / "b")
    assert info.value.errno == errno.ESTALE


def test_size_counts_every_entry_once_and_stops_early(job_dir: Path) -> None:
    (job_dir / "one").write_bytes(b"x" * MB)
    (job_dir / "sub").mkdir()
    os.link(job_dir / "one", job_dir / "sub" / "same")  # one file, two names
    (job_dir / "sub" / "link").symlink_to("/usr")  # never followed
    used = tree_bytes(job_dir)
    assert MB <= used < 2 * MB
    assert tree_bytes(job_dir, stop_above=1024) > 1024


def test_removal_and_copy_work_at_any_depth(job_dir: Path, host_dir: Path, deep: list[str]) -> None:
    os.mkfifo(job_dir / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(job_dir / "sock"))
    copy = host_dir / "copy"
    copy.mkdir()
    report = copy_tree(job_dir, copy, max_bytes=MB)
    assert (report.files, report.bytes, report.left_out) == (1, 14, ["sock: a socket"])
    assert stat.S_ISFIFO((copy / "fifo").lstat().st_mode)
    assert stat.S_ISLNK(read_deep(copy, deep, "link").st_mode)
    assert read_deep(copy, deep, "leaf.txt").st_size == 14
    assert (copy / "sock").exists() is False
    remove_tree(copy)
    remove_tree(job_dir)
    assert not copy.exists() and not job_dir.exists()
    assert Path("/etc/hostname").exists()  # the link was removed, not what it points to


def test_a_copy_keeps_at_most_its_budget_of_file_content(job_dir: Path, host_dir: Path) -> None:
    (job_dir / "a").write_bytes(b"x" * (3 * MB))
    for n in range(5):  # hard links cost nothing where they are, but a copy each
        os.link(job_dir / "a", job_dir / f"a{n}")
    copy = host_dir / "copy"
    copy.mkdir()
    report = copy_tree(job_dir, copy, max_bytes=8 * MB)
    assert (report.files, report.bytes, len(report.left_out)) == (2, 6 * MB, 4)
    assert report.left_out[0].endswith(": over the 8 MB kept")


# --------------------------------------------------------------------------- capped job folders


@pytest.fixture
def work() -> Iterator[Path]:
    """A folder every user can enter, for job folders made by the backends."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="worktrial-jobdir-test-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        remove(path)


@as_root
def test_a_capped_job_folder_refuses_writes_past_its_size_and_is_given_back(
    bwrap: BwrapSandbox, work: Path
) -> None:
    limits = Limits(disk_mb=16, file_size_mb=4)
    with bwrap.job_folder(work / "job", limits) as folder:
        assert (folder.capped, folder.notes) == (True, [])
        assert len(job_mounts()) == 1
        (folder.path / "repo.txt").write_text("the host's copy of the repository\n")
        res = bwrap.run(
            py(
                """
                import os
                for i in range(10):
                    with open(f"/job/fill-{i}", "wb") as fh:
                        fh.write(b"x" * (3 << 20))
                """
            ),
            job_dir=folder.path,
            limits=limits,
        )
        assert (res.reason, res.message, res.exit_code) == (
            "disk_limit",
            "ran out of disk space: the job folder is full (limit 16 MB)",
            1,
        )
        assert "No space left on device" in res.stderr
        assert res.warnings == ()
        # the next step in the same folder still runs, and may free room
        res = bwrap.run(py("import os; os.remove('/job/fill-0'); print('ok')"), job_dir=folder.path)
        assert (res.reason, res.stdout, res.warnings) == ("finished", "ok\n", ())
    assert job_mounts() == []
    kept = work / "job"
    assert not os.path.ismount(kept)
    written = sum(p.stat().st_size for p in kept.glob("fill-*"))
    assert 12 * MB <= written <= 16 * MB
    assert (kept / "repo.txt").read_text() == "the host's copy of the repository\n"
    assert kept.stat().st_uid == SANDBOX_UID  # as the sandbox left it
    assert sorted(p.name for p in work.iterdir()) == ["job"]


@as_root
def test_the_mount_is_undone_when_the_run_fails(work: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="the run plan broke"),
        LocalSandbox().job_folder(work / "job", Limits(disk_mb=8)) as folder,
    ):
        (folder.path / "kept.txt").write_text("written before the error\n")
        assert len(job_mounts()) == 1
        raise RuntimeError("the run plan broke")
    assert job_mounts() == []
    assert (work / "job" / "kept.txt").read_text() == "written before the error\n"


@as_root
def test_a_deep_tree_is_handed_over_measured_and_given_back(
    bwrap: BwrapSandbox, work: Path
) -> None:
    with bwrap.job_folder(work / "job", Limits(disk_mb=64)) as folder:
        res = bwrap.run(
            py(
                f"""
                import os
                for _ in range({DEPTH}):
                    os.mkdir("d")
                    os.chdir("d")
                open("leaf.txt", "w").write("at the bottom\\n")
                """
            ),
            job_dir=folder.path,
        )
        assert res.reason == "finished", res
        # the next run hands the whole tree over again, however deep
        res = bwrap.run(py("print('again')"), job_dir=folder.path)
        assert (res.reason, res.stdout) == ("finished", "again\n"), res
    assert job_mounts() == []
    leaf = read_deep(work / "job", ["d"] * DEPTH, "leaf.txt")
    assert (leaf.st_size, leaf.st_uid) == (14, SANDBOX_UID)


@as_root
def test_a_failed_mount_falls_back_to_measuring(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, disk_mb: int) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM), str(path))

    monkeypatch.setattr("worktrial.sandbox._jobdir._mount_tmpfs", refuse)
    with LocalSandbox().job_folder(work / "job", Limits(disk_mb=8)) as folder:
        assert (folder.capped, folder.notes) == (
            False,
            [
                "the job folder could not be made a file system of its own (mounting a tmpfs "
                "failed: Operation not permitted), so its 8 MB limit is enforced only by "
                "measuring it while each step runs"
            ],
        )
    assert job_mounts() == []


def test_without_root_the_job_folder_is_plain_and_says_so(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with LocalSandbox().job_folder(work / "job", Limits(disk_mb=8)) as folder:
        assert (folder.capped, folder.notes) == (
            False,
            [
                "the job folder could not be made a file system of its own (mounting one "
                "needs root), so its 8 MB limit is enforced only by measuring it while each "
                "step runs"
            ],
        )
        assert not os.path.ismount(folder.path)


def test_a_job_folder_must_be_new_or_empty(work: Path) -> None:
    (work / "job").mkdir()
    (work / "job" / "old").write_text("left over")
    with (
        pytest.raises(SandboxError, match=r"already exists and is not an empty folder"),
        FakeSandbox().job_folder(work / "job", Limits()),
    ):
        pass


@as_root
def test_a_mount_left_by_a_killed_process_is_swept(work: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    point = work / "stale"
    point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", f"{MOUNT_SOURCE}-{dead.pid}-1", str(point)],
        check=True,
    )
    try:
        assert len(job_mounts(dead.pid)) == 1
        assert point in sweep_stale_mounts()
        assert job_mounts(dead.pid) == []
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(["umount", str(point)], check=True, capture_output=True)


# --------------------------------------------------------------------------- measured instead


@pytest.mark.parametrize("backend", ["bwrap", "local"])
def test_a_plain_job_folder_is_measured_and_the_run_stopped(
    request: pytest.FixtureRequest, job_dir: Path, backend: str
) -> None:
    sandbox = request.getfixturevalue("bwrap") if backend == "bwrap" else LocalSandbox()
    res = sandbox.run(
        py(
            """
            import os, time
            for i in range(1000):  # 1 MB every 10 ms, each file under the file size limit
                with open(f"fill-{i}", "wb") as fh:
                    fh.write(b"x" * (1 << 20))
                time.sleep(0.01)
            """
        ),
        job_dir=job_dir,
        limits=Limits(disk_mb=16, file_size_mb=4, wall_s=60),
    )
    assert (res.reason, res.message) == (
        "disk_limit",
        "wrote more than the job folder may hold (limit 16 MB)",
    )
    assert res.signal == 9 and res.wall_s < 60
    assert res.warnings[-1] == (
        "the job folder is not a file system of its own: its size was measured every 1 s, so "
        "the run could write past its 16 MB limit between two measures"
    )


def test_what_a_step_wrote_after_the_last_measure_counts(
    bwrap: BwrapSandbox, job_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("worktrial.sandbox._supervise.DISK_POLL_S", 3600.0)  # never during it
    res = bwrap.run(
        py("open('/job/fill', 'wb').write(b'x' * (20 << 20))"),
        job_dir=job_dir,
        limits=Limits(disk_mb=16),
    )
    assert (res.reason, res.message, res.exit_code) == (
        "disk_limit",
        "wrote more than the job folder may hold (limit 16 MB)",
        0,
    )
