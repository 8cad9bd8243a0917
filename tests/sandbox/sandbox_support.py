"""Helpers for the sandbox tests (imported by the test modules and by conftest.py)."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

from worktrial.sandbox import Sandbox

PYTHON = "/usr/bin/python3"

MEASURED = (
    "the job folder is not a file system of its own: its size was measured every 1 s, so the "
    "run could write past its 2048 MB limit between two measures"
)
"""The warning of a run (default limits) in a plain job folder, not one a backend made."""


# Job code that counts the processes it can see whose command line holds a word.
COUNT_PROCESSES = """
import os


def count_processes(word):
    n = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                n += word.encode() in open(f"/proc/{p}/cmdline", "rb").read()
            except OSError:
                pass
    return n
"""


def py(code: str, *prelude: str) -> list[str]:
    """The command that runs ``code`` (after ``prelude``) with the system Python, which every
    sandbox has."""
    return [PYTHON, "-c", "\n".join([*prelude, textwrap.dedent(code)])]


def marker() -> tuple[str, str]:
    """A unique word, in two halves: code can join them at run time, so that only the
    processes that were given the whole word carry it in their command line."""
    word = uuid.uuid4().hex
    return word[:16], word[16:]


def processes_with(word: str) -> list[int]:
    """Host processes whose command line contains ``word`` (this process excluded)."""
    found: list[int] = []
    needle = word.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def assert_next_run_works(sandbox: Sandbox, job_dir: Path) -> None:
    """The sandbox still runs an ordinary job after a hostile one."""
    res = sandbox.run(py("print('still fine')"), job_dir=job_dir)
    assert (res.reason, res.stdout) == ("finished", "still fine\n"), res
