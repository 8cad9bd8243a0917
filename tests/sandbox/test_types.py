"""Limits, mounts, results and the verdict rules: the vocabulary every backend shares."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from worktrial.errors import SandboxError
from worktrial.sandbox import DEFAULT_LIMITS, REASONS, Limits, Mount
from worktrial.sandbox._supervise import Capture
from worktrial.sandbox._verdict import decide


def test_default_limits() -> None:
    assert (
        Limits(
            wall_s=300.0,
            cpu_s=300.0,
            memory_mb=2048,
            file_size_mb=512,
            processes=128,
            output_bytes=1_000_000,
            tmp_mb=256,
            disk_mb=2048,
        )
        == DEFAULT_LIMITS
    )
    assert DEFAULT_LIMITS.output_ceiling == 10_000_000
    assert Limits(output_bytes=5_000_000).output_ceiling == 50_000_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wall_s": 0}, "Limits.wall_s must be a positive number; found 0"),
        ({"cpu_s": -1.5}, "Limits.cpu_s must be a positive number; found -1.5"),
        ({"wall_s": float("inf")}, "Limits.wall_s must be a positive number; found inf"),
        ({"memory_mb": 1.5}, "Limits.memory_mb must be a positive whole number; found 1.5"),
        ({"processes": True}, "Limits.processes must be a positive whole number; found True"),
        ({"tmp_mb": 0}, "Limits.tmp_mb must be a positive number; found 0"),
        ({"disk_mb": -1}, "Limits.disk_mb must be a positive number; found -1"),
        ({"disk_mb": 1.5}, "Limits.disk_mb must be a positive whole number; found 1.5"),
        ({"output_bytes": "10"}, "Limits.output_bytes must be a positive whole number; found '10'"),
    ],
)
def test_limits_refuse_nonsense(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SandboxError) as info:
        Limits(**kwargs)  # type: ignore[arg-type]
    assert info.value.message == message
    assert info.value.code == "sandbox.error"


def test_mount_accepts_a_plain_target_and_makes_source_a_path() -> None:
    mount = Mount("/srv/env", "/env")  # type: ignore[arg-type]
    assert mount.source == Path("/srv/env")
    assert mount.writable is False


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("env", "mount target 'env' must be an absolute path inside the sandbox"),
        (
            "/env/../job",
            "mount target '/env/../job' must be a normalised path (expected '/job')",
        ),
        ("/env/", "mount target '/env/' must be a normalised path (expected '/env')"),
        (
            "/job/data",
            "mount target '/job/data' overlaps /job, which the sandbox lays out itself; "
            "choose a path such as /env or /data",
        ),
        (
            "/usr/lib/x",
            "mount target '/usr/lib/x' overlaps /usr, which the sandbox lays out itself; "
            "choose a path such as /env or /data",
        ),
        (
            "/",
            "mount target '/' overlaps /job, which the sandbox lays out itself; "
            "choose a path such as /env or /data",
        ),
        (
            "/tmp",
            "mount target '/tmp' overlaps /tmp, which the sandbox lays out itself; "
            "choose a path such as /env or /data",
        ),
    ],
)
def test_mount_refuses_targets_it_cannot_honour(target: str, message: str) -> None:
    with pytest.raises(SandboxError) as info:
        Mount(Path("/srv"), target)
    assert info.value.message == message


def test_every_reason_is_listed() -> None:
    assert REASONS == (
        "finished",
        "failed",
        "timed_out",
        "out_of_memory",
        "cpu_limit",
        "file_size_limit",
        "disk_limit",
        "output_cap",
        "killed",
        "could_not_start",
    )


def _decide(**overrides: object) -> tuple[str, str, int | None, int | None]:
    args: dict[str, object] = {
        "limits": Limits(memory_mb=1000, cpu_s=10, file_size_mb=5, wall_s=30),
        "exit_code": 0,
        "signal": None,
        "stderr": "",
        "cpu_s": 0.1,
        "peak_memory_mb": 20.0,
        "timed_out": False,
        "output_capped": False,
        "printed_bytes": 0,
        "start_error": None,
    }
    args.update(overrides)
    v = decide(**args)  # type: ignore[arg-type]
    return v.reason, v.message, v.exit_code, v.signal


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ("finished", "finished", 0, None)),
        ({"exit_code": 3}, ("failed", "crashed with exit code 3", 3, None)),
        (
            {"exit_code": 1, "stderr": "OSError: [Errno 28] No space left on device\n"},
            (
                "failed",
                "crashed with exit code 1; it ran out of disk space (No space left on device)",
                1,
                None,
            ),
        ),
        (
            {"exit_code": None, "signal": 15},
            ("killed", "killed by signal 15 (SIGTERM)", None, 15),
        ),
        (
            {"exit_code": None, "signal": 77},
            ("killed", "killed by signal 77 (signal 77)", None, 77),
        ),
        (
            {"exit_code": None, "signal": int(signal.SIGXCPU)},
            ("cpu_limit", "used up its CPU time (limit 10 s per process)", None, 24),
        ),
        (
            {"exit_code": None, "signal": 9, "cpu_s": 9.5},
            ("cpu_limit", "used up its CPU time (limit 10 s per process)", None, 9),
        ),
        (
            {"exit_code": None, "signal": int(signal.SIGXFSZ)},
            ("file_size_limit", "wrote a file larger than the limit (5 MB)", None, 25),
        ),
        (
            {"exit_code": 1, "stderr": "OSError: [Errno 27] File too large\n"},
            ("file_size_limit", "wrote a file larger than the limit (5 MB)", 1, None),
        ),
        (
            {"exit_code": 1, "stderr": "Traceback (most recent call last):\nMemoryError\n"},
            ("out_of_memory", "ran out of memory (limit 1000 MB)", 1, None),
        ),
        (
            {"exit_code": 134, "stderr": "terminate called after 'std::bad_alloc'\n"},
            ("out_of_memory", "ran out of memory (limit 1000 MB)", 134, None),
        ),
        (
            {"exit_code": None, "signal": 9, "peak_memory_mb": 950.0},
            ("out_of_memory", "ran out of memory (limit 1000 MB)", None, 9),
        ),
        (
            {"exit_code": None, "signal": 9, "peak_memory_mb": 100.0},
            ("killed", "killed by signal 9 (SIGKILL)", None, 9),
        ),
        (
            {"exit_code": None, "signal": 9, "timed_out": True},
            ("timed_out", "timed out after 30 s", None, 9),
        ),
        (
            {"exit_code": None, "signal": 9, "output_capped": True, "printed_bytes": 12_345_678},
            (
                "output_cap",
                "stopped after printing more than 10,000,000 bytes (printed 12,345,678; "
                "1,000,000 bytes per stream are kept)",
                None,
                9,
            ),
        ),
        (
            {"exit_code": None, "start_error": "bwrap: execvp x: No such file or directory"},
            (
                "could_not_start",
                "could not start: bwrap: execvp x: No such file or directory",
                None,
                None,
            ),
        ),
        (
            {"exit_code": 0, "disk_capped": True},
            ("disk_limit", "wrote more than the job folder may hold (limit 2048 MB)", 0, None),
        ),
        (
            {"exit_code": None, "signal": 9, "timed_out": True, "disk_capped": True},
            ("timed_out", "timed out after 30 s", None, 9),
        ),
        (
            {
                "exit_code": 1,
                "stderr": "OSError: [Errno 28] No space left on device\n",
                "job_folder_full": True,
            },
            (
                "disk_limit",
                "ran out of disk space: the job folder is full (limit 2048 MB)",
                1,
                None,
            ),
        ),
        (
            {"exit_code": None, "signal": int(signal.SIGBUS), "job_folder_full": True},
            (
                "disk_limit",
                "ran out of disk space: the job folder is full (limit 2048 MB)",
                None,
                7,
            ),
        ),
        # A full job folder says nothing about a run that finished.
        ({"job_folder_full": True}, ("finished", "finished", 0, None)),
        # A run that printed "MemoryError" but exited 0 finished: the exit status comes first.
        ({"stderr": "MemoryError"}, ("finished", "finished", 0, None)),
    ],
)
def test_verdicts(
    overrides: dict[str, object], expected: tuple[str, str, int | None, int | None]
) -> None:
    assert _decide(**overrides) == expected


def test_capture_keeps_everything_up_to_the_limit() -> None:
    cap = Capture(10)
    cap.feed(b"hello")
    cap.feed(b"world")
    assert (cap.text(), cap.omitted, cap.total) == ("helloworld", 0, 10)


def test_capture_keeps_the_beginning_and_the_end() -> None:
    cap = Capture(10)
    for i in range(1000):
        cap.feed(str(i % 10).encode() * 7)
    assert cap.total == 7000
    assert cap.omitted == 6990
    assert cap.text() == "00000\n[… 6,990 bytes left out …]\n99999"
    assert len(cap.tail) <= 20  # memory stays bounded however much arrives


def test_capture_replaces_invalid_utf8() -> None:
    cap = Capture(100)
    cap.feed(b"caf\xc3\xa9 \xff!")
    assert cap.text() == "café \ufffd!"


def test_the_public_names_are_curated() -> None:
    import worktrial.sandbox as sandbox

    assert set(sandbox.__all__) == {
        "DEFAULT_LIMITS",
        "JOB_TARGET",
        "LOCAL_WARNING",
        "REASONS",
        "SANDBOX_GID",
        "SANDBOX_UID",
        "BwrapSandbox",
        "FakeCall",
        "FakeSandbox",
        "Limits",
        "LocalSandbox",
        "Mount",
        "Reason",
        "Sandbox",
        "SandboxError",
        "SandboxResult",
        "bwrap_problem",
        "fake_result",
        "get_sandbox",
    }
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None
