"""Fixtures for the sandbox tests: a bubblewrap sandbox, job folders, and process checks."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_support import PYTHON

from worktrial.sandbox import BwrapSandbox, bwrap_problem


@pytest.fixture(scope="session")
def bwrap() -> BwrapSandbox:
    """The bubblewrap sandbox. Skipped when bwrap cannot be used here, except under CI
    (``CI=true``), whose setup installs it: there a missing bwrap fails the tests."""
    if not Path(PYTHON).is_file():
        pytest.skip(f"these tests run {PYTHON}, which this machine lacks")
    problem = bwrap_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true requires bubblewrap")
        pytest.skip(problem)
    return BwrapSandbox()


@pytest.fixture
def job_dir() -> Iterator[Path]:
    """A fresh job folder under /tmp: the sandbox user must be able to reach it, and pytest's
    own temporary folders are private to their owner."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-sandbox-test-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def host_dir() -> Iterator[Path]:
    """A host folder outside any job folder, for files the sandbox must not reach."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-sandbox-host-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
