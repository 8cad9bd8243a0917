"""The local backend: limits without isolation, and a warning on every run."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_support import COUNT_PROCESSES, MEASURED, PYTHON, marker, processes_with, py

from worktrial.errors import SandboxError
from worktrial.sandbox import LOCAL_WARNING, Limits, LocalSandbox, Mount

pytestmark = pytest.mark.skipif(not Path(PYTHON).is_file(), reason=f"needs {PYTHON}")


def test_every_run_warns_that_nothing_is_isolated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert LOCAL_WARNING == (
        "the local sandbox does not isolate: candidate code can read files and use the network"
    )
    local = LocalSandbox()
    with caplog.at_level(logging.WARNING, logger="worktrial.sandbox"):
        first = local.run(py("print('one')"), job_dir=tmp_path)
        second = local.run(py("print('two')"), job_dir=tmp_path)
    assert [r.getMessage() for r in caplog.records] == [LOCAL_WARNING, LOCAL_WARNING]
    assert (first.reason, first.stdout, first.backend, first.warnings) == (
        "finished",
        "one\n",
        "local",
        (LOCAL_WARNING, MEASURED),
    )
    assert second.warnings == (LOCAL_WARNING, MEASURED)
    assert (local.name, local.isolates) == ("local", False)


def test_the_warning_reaches_stderr_without_any_logging_set_up(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path; from worktrial.sandbox import LocalSandbox; "
        f"LocalSandbox().run(['true'], job_dir=Path({str(tmp_path)!r}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stderr == LOCAL_WARNING + "\n"


def test_sandbox_paths_are_rewritten_to_host_paths(tmp_path: Path) -> None:
    job = tmp_path / "job"
    (job / "src").mkdir(parents=True)
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.txt").write_text("hidden? no: public data")
    (job / "src" / "main.py").write_text(
        "import os, sys\n"
        "print(os.getcwd())\n"
        "print(sys.argv[1])\n"
        "print(os.environ['DATA'])\n"
        "print(open(sys.argv[2].split('=', 1)[1]).read())\n"
    )
    res = LocalSandbox().run(
        [PYTHON, "/job/src/main.py", "/job/out", "--data=/data/x.txt"],
        job_dir=job,
        mounts=[Mount(data, "/data")],
        env={"DATA": "/data:/job/lib:http://example.org"},
        workdir="/job/src",
    )
    assert (res.reason, res.argv) == (
        "finished",
        (PYTHON, "/job/src/main.py", "/job/out", "--data=/data/x.txt"),
    )
    assert res.stdout.splitlines() == [
        str(job / "src"),
        str(job / "out"),
        f"{data}:{job}/lib:http://example.org",
        "hidden? no: public data",
    ]
    assert res.warnings == (
        LOCAL_WARNING,
        "the local sandbox cannot make mounts read-only",
        MEASURED,
    )


def test_home_and_tmp_are_private_to_the_run(tmp_path: Path) -> None:
    res = LocalSandbox().run(
        py("import os, tempfile; print(os.environ['HOME'] == tempfile.gettempdir())"),
        job_dir=tmp_path,
    )
    assert res.stdout == "True\n"


def test_verdicts_and_limits(tmp_path: Path) -> None:
    local = LocalSandbox()
    res = local.run(py("import sys; sys.exit(3)"), job_dir=tmp_path)
    assert (res.reason, res.message, res.exit_code) == ("failed", "crashed with exit code 3", 3)
    res = local.run(py("import os; os.kill(os.getpid(), 9)"), job_dir=tmp_path)
    assert (res.reason, res.message, res.signal) == (
        "killed",
        "killed by signal 9 (SIGKILL)",
        signal.SIGKILL,
    )
    res = local.run(py("import time; time.sleep(60)"), job_dir=tmp_path, limits=Limits(wall_s=0.5))
    assert (res.reason, res.message) == ("timed_out", "timed out after 0.5 s")
    res = local.run(
        py("x = bytearray(4 * 1024**3)"), job_dir=tmp_path, limits=Limits(memory_mb=200)
    )
    assert (res.reason, res.message) == ("out_of_memory", "ran out of memory (limit 200 MB)")
    res = local.run(
        py("import sys\nwhile True: sys.stdout.write('x' * 65536)"),
        job_dir=tmp_path,
        limits=Limits(output_bytes=1000),
    )
    assert (res.reason, res.truncated) == ("output_cap", True)
    assert len(res.stdout) < 1100


def test_a_missing_program_could_not_start(tmp_path: Path) -> None:
    res = LocalSandbox().run(["no-such-program"], job_dir=tmp_path)
    assert (res.reason, res.message) == (
        "could_not_start",
        "could not start: [Errno 2] No such file or directory: 'no-such-program'",
    )


def test_children_in_the_session_are_killed_at_the_end(tmp_path: Path) -> None:
    a, b = marker()
    res = LocalSandbox().run(
        py(
            f"""
            import subprocess, time
            subprocess.Popen(["{a}" + "{b}", "300"], executable="/bin/sleep")
            time.sleep(0.3)
            print(count_processes("{a}" + "{b}"))
            """,
            COUNT_PROCESSES,
        ),
        job_dir=tmp_path,
    )
    assert (res.reason, res.stdout) == ("finished", "1\n"), res  # it was running
    assert processes_with(a + b) == []


def test_a_daemon_that_leaves_the_session_survives_and_is_reported(tmp_path: Path) -> None:
    # What the local backend cannot do, and says so; bwrap kills such a daemon (test_hostile).
    a, b = marker()
    try:
        res = LocalSandbox().run(
            py(
                f"""
                import os
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.execv("/bin/sleep", ["{a}" + "{b}", "300"])
                    os._exit(0)
                os.wait()
                """
            ),
            job_dir=tmp_path,
        )
        assert res.reason == "finished"
        assert res.warnings == (
            LOCAL_WARNING,
            "a process the job started is still running: the local sandbox cannot stop "
            "processes that leave its session",
            MEASURED,
        )
        assert len(processes_with(a + b)) == 1
    finally:
        for pid in processes_with(a + b):
            os.kill(pid, signal.SIGKILL)


def test_arguments_are_checked(tmp_path: Path) -> None:
    local = LocalSandbox()
    with pytest.raises(SandboxError) as info:
        local.run(["true"], job_dir=tmp_path / "nope")
    assert info.value.message == f"job folder {tmp_path / 'nope'} does not exist"
    with pytest.raises(SandboxError) as info:
        local.run(["true"], job_dir=tmp_path, workdir="/elsewhere")
    assert info.value.message == ("workdir '/elsewhere' must be /job, inside it, or inside a mount")
    with pytest.raises(SandboxError) as info:
        local.run(["true"], job_dir=tmp_path, mounts=[Mount(tmp_path / "nope", "/data")])
    assert info.value.message == f"mount source {tmp_path / 'nope'} does not exist"
