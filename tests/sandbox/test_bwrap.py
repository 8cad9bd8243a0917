"""The bubblewrap backend on ordinary jobs: what the job sees, what the host measures, and the
arguments it refuses. The hostile jobs are in test_hostile.py."""

from __future__ import annotations

import ctypes
import json
import os
import stat
from pathlib import Path

import pytest
from sandbox_support import MEASURED, PYTHON, py

from worktrial.errors import SandboxError
from worktrial.sandbox import SANDBOX_GID, SANDBOX_UID, BwrapSandbox, Limits, Mount

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root hands job folders over")


def _system_dirs() -> list[str]:
    """The top-level system folders or links the host has (merged /usr or not)."""
    names = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
    return [n for n in names if (Path("/") / n).is_symlink() or (Path("/") / n).is_dir()]


def test_a_job_runs_as_the_sandbox_user_in_its_folder(bwrap: BwrapSandbox, job_dir: Path) -> None:
    (job_dir / "in.csv").write_text("id,x\n1,2\n")
    res = bwrap.run(
        py(
            """
            import json, os, socket
            rows = open("in.csv").read().splitlines()
            open("/job/out.csv", "w").write("id,y\\n1,4\\n")
            print(json.dumps({
                "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                "cwd": os.getcwd(), "host": socket.gethostname(), "env": dict(os.environ),
                "rows": rows, "pid": os.getpid(), "root": sorted(os.listdir("/")),
                "etc": sorted(os.listdir("/etc")),
            }))
            """
        ),
        job_dir=job_dir,
        env={"SEED": "7", "HOME": "/job"},
    )
    assert (res.reason, res.message, res.exit_code, res.signal) == ("finished", "finished", 0, None)
    # a plain job folder, not one the backend made: its size is only measured
    assert (res.backend, res.argv[0], res.truncated, res.warnings) == (
        "bwrap",
        PYTHON,
        False,
        (MEASURED,),
    )
    seen = json.loads(res.stdout)
    assert seen == {
        "uid": SANDBOX_UID,
        "gid": SANDBOX_GID,
        "groups": [],
        "cwd": "/job",
        "host": "sandbox",
        "env": {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/job",  # the caller's value wins
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "SEED": "7",
            "PWD": "/job",
        },
        "rows": ["id,x", "1,2"],
        "pid": 2,
        "root": sorted(["dev", "etc", "job", "proc", "tmp", "usr", *_system_dirs()]),
        "etc": ["group", "passwd"],
    }
    assert (job_dir / "out.csv").read_text() == "id,y\n1,4\n"
    assert res.wall_s > 0 and res.cpu_s > 0
    assert res.peak_memory_mb is not None and 1 < res.peak_memory_mb < 100


@as_root
def test_the_job_folder_is_handed_to_the_sandbox_user(bwrap: BwrapSandbox, job_dir: Path) -> None:
    (job_dir / "models").mkdir()
    (job_dir / "models" / "old.pkl").write_bytes(b"x")
    (job_dir / "link").symlink_to("/etc/hostname")
    hostname = Path("/etc/hostname").stat()
    res = bwrap.run(
        py("open('models/old.pkl', 'wb').write(b'new'); open('models/new.pkl', 'wb')"),
        job_dir=job_dir,
    )
    assert res.reason == "finished", res
    for path in (job_dir, job_dir / "models", job_dir / "models" / "new.pkl", job_dir / "link"):
        assert path.lstat().st_uid == SANDBOX_UID
    assert (job_dir / "models" / "old.pkl").read_bytes() == b"new"
    assert Path("/etc/hostname").stat().st_uid == hostname.st_uid  # links are not followed


def test_peak_memory_is_the_jobs_not_the_callers(bwrap: BwrapSandbox, job_dir: Path) -> None:
    # Linux carries a parent's resident memory over into its child's ru_maxrss: a large caller
    # must not make a small job look large.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))
    res = bwrap.run(
        py("x = bytearray(80 * 1024 * 1024); x[::4096] = b'1' * len(range(0, len(x), 4096))"),
        job_dir=job_dir,
    )
    del ballast
    assert res.reason == "finished", res
    assert res.peak_memory_mb is not None and 80 <= res.peak_memory_mb < 150


def test_a_job_killed_at_its_deadline_is_still_measured(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(
        py(
            "x = bytearray(60 * 1024 * 1024); x[::4096] = b'1' * len(range(0, len(x), 4096))\n"
            "while True: pass"
        ),
        job_dir=job_dir,
        limits=Limits(wall_s=1),
    )
    assert (res.reason, res.signal) == ("timed_out", 9)
    assert res.cpu_s >= 0.5
    assert res.peak_memory_mb is not None and res.peak_memory_mb >= 60


def test_the_caller_stops_being_a_subreaper_after_the_run(
    bwrap: BwrapSandbox, job_dir: Path
) -> None:
    bwrap.run(py("pass"), job_dir=job_dir)
    flag = ctypes.c_int(-1)
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(37, ctypes.byref(flag), 0, 0, 0) == 0  # PR_GET_CHILD_SUBREAPER
    assert flag.value == 0


def test_exit_status_and_signals(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(py("import sys; print('bye'); sys.exit(3)"), job_dir=job_dir)
    assert (res.reason, res.message, res.exit_code, res.signal, res.stdout) == (
        "failed",
        "crashed with exit code 3",
        3,
        None,
        "bye\n",
    )
    res = bwrap.run(py("import os, signal; os.kill(os.getpid(), signal.SIGTERM)"), job_dir=job_dir)
    assert (res.reason, res.message, res.exit_code, res.signal) == (
        "killed",
        "killed by signal 15 (SIGTERM)",
        None,
        15,
    )
    res = bwrap.run(py("import sys; sys.stderr.write('oops\\n'); sys.exit(1)"), job_dir=job_dir)
    assert (res.reason, res.stderr) == ("failed", "oops\n")


def test_a_missing_program_could_not_start(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(["no-such-program", "--help"], job_dir=job_dir)
    assert (res.reason, res.message, res.exit_code, res.signal) == (
        "could_not_start",
        "could not start: bwrap: execvp no-such-program: No such file or directory",
        None,
        None,
    )


def test_a_job_cannot_pass_itself_off_as_a_start_failure(
    bwrap: BwrapSandbox, job_dir: Path
) -> None:
    # Runs that never started are infrastructure failures; a job printing bwrap's words must
    # still be judged on what it did.
    res = bwrap.run(
        py("import sys; sys.stderr.write('bwrap: execvp x: No such file\\n'); sys.exit(1)"),
        job_dir=job_dir,
    )
    assert (res.reason, res.message) == ("failed", "crashed with exit code 1")


def test_stdin_is_empty_and_workdir_is_honoured(bwrap: BwrapSandbox, job_dir: Path) -> None:
    (job_dir / "src").mkdir()
    res = bwrap.run(
        py("import os, sys; print(repr(sys.stdin.read()), os.getcwd())"),
        job_dir=job_dir,
        workdir="/job/src",
    )
    assert res.stdout == "'' /job/src\n"


def test_long_output_keeps_its_beginning_and_end(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(
        py("for i in range(10000): print(f'line {i:05d}')"),
        job_dir=job_dir,
        limits=Limits(output_bytes=110),
    )
    assert (res.reason, res.truncated) == ("finished", True)
    head, tail = res.stdout.split("\n[… 109,890 bytes left out …]\n")
    assert head == "line 00000\nline 00001\nline 00002\nline 00003\nline 00004\n"
    assert tail == "line 09995\nline 09996\nline 09997\nline 09998\nline 09999\n"


def test_mounts_are_read_only_unless_writable(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path
) -> None:
    env_dir = host_dir / "env"
    env_dir.mkdir()
    (env_dir / "lib.py").write_text("VALUE = 42\n")
    out_dir = host_dir / "out"
    out_dir.mkdir()
    if os.geteuid() == 0:
        os.chown(out_dir, SANDBOX_UID, SANDBOX_GID)
    host_dir.chmod(0o755)
    res = bwrap.run(
        py(
            """
            import sys
            sys.path.insert(0, "/env")
            import lib
            print(lib.VALUE)
            open("/out/result.txt", "w").write("ok")
            try:
                open("/env/lib.py", "w")
            except OSError as e:
                print(e.strerror)
            """
        ),
        job_dir=job_dir,
        mounts=[Mount(env_dir, "/env"), Mount(out_dir, "/out", writable=True)],
    )
    assert (res.reason, res.stdout) == ("finished", "42\nRead-only file system\n"), res
    assert (out_dir / "result.txt").read_text() == "ok"
    assert (env_dir / "lib.py").read_text() == "VALUE = 42\n"


@as_root
def test_a_mount_the_sandbox_user_cannot_read_is_refused(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path
) -> None:
    secret = host_dir / "private"
    secret.mkdir(mode=0o700)
    host_dir.chmod(0o755)
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job_dir, mounts=[Mount(secret, "/data")])
    assert info.value.message == (
        f"mount source {secret} is not readable by the sandbox user (uid 65534): mode 0700, "
        f"owner uid 0; it must let every user read it"
    )
    host_dir.chmod(0o700)
    (host_dir / "open").mkdir(mode=0o755)
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job_dir, mounts=[Mount(host_dir / "open", "/data")])
    assert info.value.message == (
        f"mount source {host_dir / 'open'} is not readable by the sandbox user (uid 65534): "
        f"{host_dir} (mode 0700, owner uid 0) does not let it through; move it under a folder "
        f"that every user may enter"
    )
    assert info.value.fields == {"path": str(host_dir / "open")}


def test_mount_arguments_are_checked(bwrap: BwrapSandbox, job_dir: Path, host_dir: Path) -> None:
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job_dir, mounts=[Mount(host_dir / "nope", "/data")])
    assert info.value.message == f"mount source {host_dir / 'nope'} does not exist"
    with pytest.raises(SandboxError) as info:
        bwrap.run(
            py("pass"),
            job_dir=job_dir,
            mounts=[Mount(host_dir, "/data"), Mount(host_dir, "/data")],
        )
    assert info.value.message == "two mounts have the same target /data"


@as_root
def test_an_unreachable_job_folder_is_refused(bwrap: BwrapSandbox, host_dir: Path) -> None:
    host_dir.chmod(0o700)
    job = host_dir / "job"
    job.mkdir()
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job)
    assert info.value.message == (
        f"job folder {job} is not readable by the sandbox user (uid 65534): {host_dir} "
        f"(mode 0700, owner uid 0) does not let it through; move it under a folder that every "
        f"user may enter"
    )
    assert job.stat().st_uid == 0  # refused before anything was handed over


def test_job_folder_arguments_are_checked(bwrap: BwrapSandbox, host_dir: Path) -> None:
    cases = [
        (host_dir / "nope", f"job folder {host_dir / 'nope'} does not exist"),
        (
            Path("/tmp"),
            "job folder /tmp is too close to the root of the file system; expected "
            "a folder made for this job",
        ),
    ]
    (host_dir / "file").write_text("x")
    cases.append((host_dir / "file", f"job folder {host_dir / 'file'} is not a folder"))
    for path, message in cases:
        with pytest.raises(SandboxError) as info:
            bwrap.run(py("pass"), job_dir=path)
        assert info.value.message == message
    assert stat.S_IMODE(Path("/tmp").stat().st_mode) == 0o1777
    assert Path("/tmp").stat().st_uid == 0


@as_root
def test_a_job_folder_of_another_user_is_refused(bwrap: BwrapSandbox, host_dir: Path) -> None:
    job = host_dir / "job"
    job.mkdir()
    os.chown(job, 1234, 1234)
    host_dir.chmod(0o755)
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job)
    assert info.value.message == (
        f"job folder {job} belongs to uid 1234; expected a folder this process (uid 0) made "
        f"for the job"
    )


@as_root
def test_hard_links_out_of_the_job_folder_are_refused(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path
) -> None:
    # Handing such a file to the sandbox user would hand over the file outside too.
    outside = host_dir / "objects.pack"
    outside.write_bytes(b"pack")
    os.link(outside, job_dir / "objects.pack")
    with pytest.raises(SandboxError) as info:
        bwrap.run(py("pass"), job_dir=job_dir)
    assert info.value.message == (
        f"job folder file {job_dir / 'objects.pack'} has 2 hard links but only 1 inside the "
        f"job folder; the job folder must hold its own copies of files"
    )
    assert outside.stat().st_uid == 0
    # Hard links that stay inside the job folder are fine.
    (job_dir / "objects.pack").unlink()
    (job_dir / "a").write_text("a")
    os.link(job_dir / "a", job_dir / "b")
    assert bwrap.run(py("pass"), job_dir=job_dir).reason == "finished"


def test_command_and_environment_are_checked(bwrap: BwrapSandbox, job_dir: Path) -> None:
    with pytest.raises(SandboxError) as info:
        bwrap.run([], job_dir=job_dir)
    assert info.value.message == "the command is empty; expected a program and its arguments"
    with pytest.raises(SandboxError) as info:
        bwrap.run(["true"], job_dir=job_dir, env={"": "x"})
    assert info.value.message == (
        "environment variable name '' must be a non-empty string without '=' or NUL"
    )
    with pytest.raises(SandboxError) as info:
        bwrap.run(["true"], job_dir=job_dir, workdir="job")
    assert info.value.message == "workdir 'job' must be an absolute path inside the sandbox"
