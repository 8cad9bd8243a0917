"""Hostile jobs in the bubblewrap sandbox. Each case asserts its verdict, that the host is
unaffected (files untouched, nothing left running), and that the next run works.

The network cases send nothing off the machine: in an empty network namespace a connection
fails before any packet is sent.
"""

from __future__ import annotations

import json
import os
import re
import resource
import stat
from pathlib import Path

import pytest
from sandbox_support import (
    COUNT_PROCESSES,
    MEASURED,
    assert_next_run_works,
    marker,
    processes_with,
    py,
)

from worktrial.sandbox import BwrapSandbox, Limits

# Job code that tries an action per path and reports, per path, "ok" or the errno's name.
TRY = """
import errno, json, os


def attempt(action, paths):
    out = {}
    for path in paths:
        try:
            out[path] = action(path)
        except OSError as exc:
            out[path] = errno.errorcode.get(exc.errno, str(exc))
    print(json.dumps(out))
"""


def test_fork_bomb_is_stopped_by_the_process_limit(bwrap: BwrapSandbox, job_dir: Path) -> None:
    a, b = marker()
    res = bwrap.run(
        py(f"import os\nwhile True: os.fork()  # {a}{b}"),
        job_dir=job_dir,
        limits=Limits(processes=32, wall_s=30),
    )
    assert (res.reason, res.message) == ("failed", "crashed with exit code 1"), res
    assert "BlockingIOError: [Errno 11] Resource temporarily unavailable" in res.stderr
    assert processes_with(a + b) == []
    assert_next_run_works(bwrap, job_dir)


def test_a_fork_bomb_that_keeps_trying_is_killed_whole(bwrap: BwrapSandbox, job_dir: Path) -> None:
    a, b = marker()
    res = bwrap.run(
        py(
            f"""
            import time
            if os.fork() == 0:
                while True:
                    try:
                        os.fork()
                    except OSError:
                        time.sleep(0.01)
            time.sleep(1)
            print(count_processes("{a}" + "{b}"), flush=True)
            time.sleep(3600)  # {a}{b}
            """,
            COUNT_PROCESSES,
        ),
        job_dir=job_dir,
        limits=Limits(processes=16, wall_s=2),
    )
    assert (res.reason, res.message) == ("timed_out", "timed out after 2 s"), res
    seen = int(res.stdout)
    assert seen >= 2  # the bomb did run...
    if os.geteuid() == 0:
        # ...within the limit. The kernel checks it both in the sandbox's user namespace and
        # for the uid as a whole; bwrap's own processes count in one or both.
        assert seen <= 16 + 1
    assert processes_with(a + b) == []
    assert_next_run_works(bwrap, job_dir)


def test_memory_hog_runs_out_of_memory(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(
        py("chunks = []\nwhile True: chunks.append(bytearray(8 * 1024 * 1024))"),
        job_dir=job_dir,
        limits=Limits(memory_mb=256),
    )
    assert (res.reason, res.message, res.exit_code) == (
        "out_of_memory",
        "ran out of memory (limit 256 MB)",
        1,
    )
    assert res.peak_memory_mb is not None and 150 < res.peak_memory_mb <= 256
    res = bwrap.run(
        py("x = bytearray(64 * 1024**3)"), job_dir=job_dir, limits=Limits(memory_mb=256)
    )
    assert (res.reason, res.message) == ("out_of_memory", "ran out of memory (limit 256 MB)")
    assert_next_run_works(bwrap, job_dir)


def test_filling_the_disk_in_the_job_folder_hits_the_file_size_limit(
    bwrap: BwrapSandbox, job_dir: Path
) -> None:
    res = bwrap.run(
        py("f = open('/job/fill', 'wb')\nwhile True: f.write(b'x' * 1024 * 1024)"),
        job_dir=job_dir,
        limits=Limits(file_size_mb=8),
    )
    assert (res.reason, res.message) == (
        "file_size_limit",
        "wrote a file larger than the limit (8 MB)",
    )
    assert (job_dir / "fill").stat().st_size == 8 * 1024 * 1024
    assert_next_run_works(bwrap, job_dir)


@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
def test_filling_tmp_stops_at_its_size(bwrap: BwrapSandbox, job_dir: Path, folder: str) -> None:
    res = bwrap.run(
        py(
            f"""
            written = 0
            try:
                for i in range(1000):
                    with open(f"{folder}/fill-{{i}}", "wb") as f:
                        f.write(b"x" * 1024 * 1024)
                    written += 1024 * 1024
            finally:
                print(written)
            """
        ),
        job_dir=job_dir,
        limits=Limits(tmp_mb=16),
    )
    assert (res.reason, res.message) == (
        "failed",
        "crashed with exit code 1; it ran out of disk space (No space left on device)",
    )
    assert 8 * 1024 * 1024 <= int(res.stdout) <= 16 * 1024 * 1024
    assert_next_run_works(bwrap, job_dir)


def test_cpu_spin_hits_the_cpu_limit(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(py("while True: pass"), job_dir=job_dir, limits=Limits(cpu_s=1, wall_s=30))
    assert (res.reason, res.message, res.signal) == (
        "cpu_limit",
        "used up its CPU time (limit 1 s per process)",
        24,  # SIGXCPU
    )
    assert res.cpu_s >= 0.9
    assert_next_run_works(bwrap, job_dir)


def test_sleeping_forever_times_out_and_nothing_survives(
    bwrap: BwrapSandbox, job_dir: Path
) -> None:
    a, b = marker()
    res = bwrap.run(
        py(f"import time\ntime.sleep(3600)  # {a}{b}"), job_dir=job_dir, limits=Limits(wall_s=1)
    )
    assert (res.reason, res.message, res.exit_code) == ("timed_out", "timed out after 1 s", None)
    assert res.wall_s < 11  # killed at the deadline, not when the sleep would have ended
    assert processes_with(a + b) == []
    assert_next_run_works(bwrap, job_dir)


def test_a_daemon_does_not_outlive_the_run(bwrap: BwrapSandbox, job_dir: Path) -> None:
    a, b = marker()
    res = bwrap.run(
        py(
            f"""
            import sys, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.closerange(0, 3)
                    os.execv("/bin/sleep", ["{a}" + "{b}", "3600"])
                os._exit(0)
            os.wait()
            for _ in range(100):
                if count_processes("{a}" + "{b}"):
                    break
                time.sleep(0.05)
            print(count_processes("{a}" + "{b}"))
            """,
            COUNT_PROCESSES,
        ),
        job_dir=job_dir,
    )
    assert (res.reason, res.stdout) == ("finished", "1\n"), res  # the daemon was running
    assert processes_with(a + b) == []  # and is gone now that run() has returned
    assert res.warnings == (MEASURED,)  # nothing said to linger
    assert_next_run_works(bwrap, job_dir)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_gigabytes_of_output_are_cut_off(bwrap: BwrapSandbox, job_dir: Path, stream: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = bwrap.run(
        py(f"import sys\nwhile True: sys.{stream}.buffer.write(b'y' * (1 << 20))"),
        job_dir=job_dir,
        limits=Limits(output_bytes=10_000),
    )
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert res.reason == "output_cap", res
    assert re.fullmatch(
        r"stopped after printing more than 10,000,000 bytes \(printed [\d,]+; 10,000 bytes per "
        r"stream are kept\)",
        res.message,
    )
    assert res.truncated
    kept = getattr(res, stream)
    assert kept.startswith("y" * 5000) and kept.endswith("y" * 5000)
    assert len(kept) < 10_100
    assert grown_kib < 64 * 1024  # the host read it in bounded memory
    assert_next_run_works(bwrap, job_dir)


def test_writing_outside_the_job_folder_fails(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path
) -> None:
    labels = host_dir / "labels.csv"
    labels.write_text("id,label\n1,0\n")
    name = f"worktrial-escape-{host_dir.name}"
    res = bwrap.run(
        py(
            f"""
            def write(path):
                with open(path, "w") as f:
                    f.write("pwned")
                return "ok"

            attempt(write, [
                "/usr/{name}", "/bin/{name}", "/{name}", "/job/../{name}", "/etc/passwd",
                "/etc/{name}", "/dev/{name}", "/proc/{name}", "{labels}", "/tmp/{name}",
            ])
            """,
            TRY,
        ),
        job_dir=job_dir,
    )
    assert res.reason == "finished", res
    assert json.loads(res.stdout) == {
        f"/usr/{name}": "EROFS",
        f"/bin/{name}": "EROFS",
        f"/{name}": "EROFS",
        f"/job/../{name}": "EROFS",
        "/etc/passwd": "EROFS",
        f"/etc/{name}": "EROFS",
        f"/dev/{name}": "EROFS",
        f"/proc/{name}": "ENOENT",
        str(labels): "ENOENT",  # the host's folder is not there at all
        f"/tmp/{name}": "ok",  # the sandbox's own /tmp, gone with it
    }
    assert labels.read_text() == "id,label\n1,0\n"
    for host_path in (Path("/tmp") / name, Path("/") / name, Path("/usr") / name):
        assert not host_path.exists()
    assert_next_run_works(bwrap, job_dir)


def test_host_secrets_are_out_of_reach(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"s3cret-{host_dir.name}"
    monkeypatch.setenv("WORKTRIAL_SECRET", secret)
    labels = host_dir / "labels.csv"
    labels.write_text(f"id,label\n1,{secret}\n")
    res = bwrap.run(
        py(
            f"""
            def read(path):
                if os.path.isdir(path):
                    return sorted(os.listdir(path))
                return open(path, "rb").read().decode(errors="replace")

            attempt(read, [
                "/root", "/home", "/etc/shadow", "/sys/class", "{labels}", "{__file__}",
                "/proc/1/environ", "/proc/self/environ",
            ])
            leaks = []
            for pid in os.listdir("/proc"):
                for part in ("environ", "cmdline"):
                    try:
                        if b"{secret[:6]}" + b"{secret[6:]}" in open(
                                f"/proc/{{pid}}/{{part}}", "rb").read():
                            leaks.append((pid, part))
                    except OSError:
                        pass
            print(json.dumps({{"env": "WORKTRIAL_SECRET" in os.environ, "leaks": leaks}}))
            """,
            TRY,
        ),
        job_dir=job_dir,
    )
    assert res.reason == "finished", res
    reads, found = (json.loads(line) for line in res.stdout.splitlines())
    assert reads == {
        "/root": "ENOENT",
        "/home": "ENOENT",
        "/etc/shadow": "ENOENT",
        "/sys/class": "ENOENT",
        str(labels): "ENOENT",
        __file__: "ENOENT",
        "/proc/1/environ": "",  # bwrap itself starts with an empty environment
        "/proc/self/environ": reads["/proc/self/environ"],
    }
    assert "WORKTRIAL_SECRET" not in reads["/proc/self/environ"]
    assert found == {"env": False, "leaks": []}
    assert_next_run_works(bwrap, job_dir)


def test_there_is_no_network(bwrap: BwrapSandbox, job_dir: Path) -> None:
    res = bwrap.run(
        py(
            """
            import socket

            def connect(address):
                host, port = address.rsplit(":", 1)
                socket.create_connection((host, int(port)), timeout=5).close()
                return "ok"

            attempt(connect, [
                "127.0.0.1:5432", "127.0.0.1:6379", "127.0.0.1:5672", "1.1.1.1:53",
                "::1:5432",
            ])
            try:
                socket.getaddrinfo("example.com", 443)
                print("resolved")
            except socket.gaierror as exc:
                print(type(exc).__name__)
            print(json.dumps([name for _, name in socket.if_nameindex()]))
            """,
            TRY,
        ),
        job_dir=job_dir,
    )
    assert res.reason == "finished", res
    connects, dns, interfaces = res.stdout.splitlines()
    got = json.loads(connects)
    # The sandbox's own loopback: IPv6 may be switched off on the machine.
    assert got.pop("::1:5432") in {"ECONNREFUSED", "EADDRNOTAVAIL", "EAFNOSUPPORT"}
    assert got == {
        "127.0.0.1:5432": "ECONNREFUSED",  # PostgreSQL on the host: not this loopback
        "127.0.0.1:6379": "ECONNREFUSED",  # Redis
        "127.0.0.1:5672": "ECONNREFUSED",  # RabbitMQ
        "1.1.1.1:53": "ENETUNREACH",
    }
    assert dns == "gaierror"
    assert json.loads(interfaces) == ["lo"]
    assert_next_run_works(bwrap, job_dir)


def test_symlinks_out_of_the_job_folder_lead_nowhere(
    bwrap: BwrapSandbox, job_dir: Path, host_dir: Path
) -> None:
    labels = host_dir / "labels.csv"
    labels.write_text("id,label\n1,0\n")
    before = labels.stat()
    (job_dir / "labels.csv").symlink_to(labels)
    (job_dir / "hostname").symlink_to("/etc/hostname")
    (job_dir / "up").symlink_to("..")
    (job_dir / "relative.csv").symlink_to(os.path.relpath(labels, job_dir))
    res = bwrap.run(
        py(
            """
            def read(path):
                if os.path.isdir(path):
                    return sorted(os.listdir(path))
                return open(path).read()

            attempt(read, ["labels.csv", "hostname", "relative.csv", "up"])
            """,
            TRY,
        ),
        job_dir=job_dir,
    )
    assert res.reason == "finished", res
    got = json.loads(res.stdout)
    assert {k: v for k, v in got.items() if k != "up"} == {
        "labels.csv": "ENOENT",
        "hostname": "ENOENT",
        "relative.csv": "ENOENT",
    }
    assert "job" in got["up"] and host_dir.name not in got["up"]  # the sandbox's own root
    after = labels.stat()
    assert (after.st_uid, stat.S_IMODE(after.st_mode), labels.read_text()) == (
        before.st_uid,
        stat.S_IMODE(before.st_mode),
        "id,label\n1,0\n",
    )
    assert_next_run_works(bwrap, job_dir)
