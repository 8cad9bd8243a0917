"""The classification template's reference solution, run for real through the bwrap sandbox.

The runtime environment: a venv on the system's /usr/bin/python3 (the sandbox user cannot run
an interpreter under a private home folder), whose packages come from the interpreter running
these tests: its site-packages folder is linked read-only into the environment (a ``.pth`` file
pointing at ``/env-linked/0``). Nothing is downloaded, so this works offline; the real ``pip``
install path is tested in tests/sandbox/test_environment.py.

Skipped when bubblewrap is missing or cannot make a sandbox — except in CI (``CI=true``), where
the project's setup installs it and the test fails instead.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from worktrial.repo import Repo
from worktrial.sandbox import bwrap_problem, get_sandbox
from worktrial.sandbox.environment import blocked_for_others, build_environment
from worktrial.scoring import environment_requirements, run_submission
from worktrial.spec import TrialBundle, new_from_template
from worktrial.testing import RepoBuilder

pytestmark = pytest.mark.slow

SMOKE_TEST = '''"""Public checks of the reference solution: the data load and have the label."""

import pandas as pd


def test_training_data_has_the_label():
    frame = pd.read_csv("data/train.csv")
    assert "malignant" in frame.columns
    assert set(frame["malignant"].unique()) <= {0, 1}
'''


def _require_bwrap() -> None:
    problem = bwrap_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the bwrap sandbox is unusable: {problem}")
    pytest.skip(problem)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder the sandbox user may enter (pytest's temporary folders are private)."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-run-bwrap-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _reference_repo(bundle: TrialBundle, dest: Path) -> Repo:
    """A repository holding the starter kit and the reference solution, with one test."""
    files: dict[str, str | bytes] = {}
    for folder, prefix in ((bundle.starter_dir, ""), (bundle.solution_dir, "solution/")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    files["tests/test_smoke.py"] = SMOKE_TEST
    b = RepoBuilder(dest, start=datetime(2026, 3, 2, 9, tzinfo=UTC))
    b.commit("Add the reference baseline", files)
    return Repo(dest)


def test_reference_solution_scores_its_baseline_in_bwrap(open_dir: Path) -> None:
    _require_bwrap()
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    blocked = blocked_for_others(site)
    if blocked is not None:
        pytest.skip(
            f"this interpreter's site-packages ({site}) cannot be read by the sandbox user: "
            f"{blocked[0]} is mode {blocked[1]:04o}"
        )
    if not Path("/usr/bin/python3").is_file():
        pytest.skip("needs a system-wide /usr/bin/python3 for the sandbox's environment")

    bundle = new_from_template("classification", open_dir / "bundle")
    spec = bundle.spec
    # the reference solution's own commands, run from the repository root
    assert spec.solution.train is not None and spec.solution.predict is not None
    interface = spec.interface.model_copy(
        update={
            "train": spec.solution.train,
            "predict": spec.solution.predict,
            "predict_function": "solution.predict:predict_frame",
        }
    )
    bundle = dataclasses.replace(bundle, spec=spec.model_copy(update={"interface": interface}))
    repo = _reference_repo(bundle, open_dir / "candidate")

    env = build_environment(
        environment_requirements(spec),
        home=open_dir / "home",
        base_python="/usr/bin/python3",
        link_site_packages=[site],
    )
    minor = ".".join(env.python_version.split(".")[:2])
    if minor != f"{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(
            f"/usr/bin/python3 is Python {minor}; the linked packages are built for "
            f"{sys.version_info.major}.{sys.version_info.minor}"
        )

    steps: list[str] = []
    report = run_submission(
        repo,
        bundle,
        sandbox=get_sandbox("bwrap"),
        env=env,
        split="final",
        work_dir=open_dir / "work",
        progress=steps.append,
    )
    statuses = {s.name: (s.status, s.verdict) for s in report.steps}
    assert report.outcome == "scored", (report.summary(), statuses)
    assert report.backend == "bwrap" and report.isolated
    for name in ("export", "environment", "tests", "train", "predict", "score", "latency", "rerun"):
        assert statuses[name][0] == "passed", (name, statuses[name])

    baseline = spec.primary_metric.baseline
    assert baseline is not None
    assert abs(report.metrics["recall"] - baseline) <= 0.02, report.metrics
    assert report.metrics["precision"] >= 0.85  # the template's precision floor holds
    assert report.tests is not None and report.tests.passed == 1 and report.tests.failed == 0
    assert report.training_time_s is not None and 0 < report.training_time_s < 300
    assert report.model_size_mb is not None and report.model_size_mb > 0
    assert report.peak_memory_mb is not None and report.peak_memory_mb > 10
    assert report.latency_p95_ms is not None and report.latency_p95_ms > 0
    assert report.latency_mode == "function"  # timed in-process: start-up not included
    assert report.rerun_metric_delta == 0.0
    train = report.step("train")
    assert train is not None and "build/reference-model.pkl" in str(train.details["artifacts"])

    # the hidden labels never left the host side
    secret = bundle.files_with_role("holdout_labels")[0].read_bytes().split(b"\n", 1)[1]
    for root, _dirs, files in os.walk(open_dir / "work"):
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                assert secret not in path.read_bytes(), path

    m = report.measurements()
    assert m.metrics == report.metrics
    assert m.tests_passed == 1
    assert "public checks passed" in report.summary().lower()
    assert "all checks passed" not in report.summary().lower()
