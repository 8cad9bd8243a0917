"""Samples for the scoring tests: candidate repositories, a runtime environment description
and a scripted fake sandbox that plays the candidate (fixtures are in conftest.py)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from worktrial.repo import Repo
from worktrial.sandbox import FakeCall, SandboxResult, fake_result
from worktrial.sandbox.environment import RuntimeEnv
from worktrial.testing import RepoBuilder

START = datetime(2026, 3, 2, 9, tzinfo=UTC)

PREDICT_SRC = '''"""Predict: python -m src.predict INPUT OUTPUT."""
import sys
'''
TEST_SRC = "def test_one():\n    assert 1 + 1 == 2\n"


def make_repo(path: Path, files: Mapping[str, str | bytes | None] | None = None) -> Repo:
    """A candidate repository with a predict module, a test and the given extra files."""
    b = RepoBuilder(path, start=START, author=("Ada Lovelace", "ada@example.com"))
    content: dict[str, str | bytes | None] = {
        "src/__init__.py": "",
        "src/predict.py": PREDICT_SRC,
        "src/train.py": "print('train')\n",
        "tests/test_basic.py": TEST_SRC,
        "requirements.txt": "numpy\npandas\nscikit-learn\n",
    }
    content.update(files or {})
    b.commit("Add the model", {k: v for k, v in content.items() if v is not None})
    return Repo(path)


ENV = RuntimeEnv(
    path=Path("/srv/worktrial/envs/abc"),
    python=Path("/srv/worktrial/envs/abc/bin/python"),
    packages={"numpy": "2.4.6", "pandas": "3.0.1", "scikit-learn": "1.9.1", "pytest": "8.4.0"},
    requirements=("numpy", "pandas", "pytest", "scikit-learn"),
    key="abc",
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def mount_source(call: FakeCall, target: str) -> Path:
    for m in call.mounts:
        if m.target == target:
            return m.source
    raise AssertionError(f"no mount at {target}: {call.mounts}")


def host_path(call: FakeCall, inside: str) -> Path:
    """The host path of a path the command was given inside the sandbox."""
    if inside.startswith("/job/"):
        return call.job_dir / inside[len("/job/") :]
    for m in call.mounts:
        if inside.startswith(m.target + "/"):
            return m.source / inside[len(m.target) + 1 :]
    raise AssertionError(f"{inside} is not under /job or a mount")


Predictor = Callable[[list[dict[str, str]]], list[tuple[str, str]]]


def predict_all(value: str = "1") -> Predictor:
    return lambda rows: [(r["id"], value) for r in rows]


@dataclass
class Candidate:
    """Plays the candidate's commands in a FakeSandbox: writes what the real ones would."""

    predictor: Predictor = field(default_factory=lambda: predict_all("1"))
    junit: str | None = (
        '<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="3" failures="0" '
        'errors="0" skipped="0"><testcase classname="tests.test_basic" name="test_one"/>'
        "</testsuite></testsuites>"
    )
    model_bytes: int = 4096
    train_wall_s: float = 2.5
    predict_memory_mb: float = 123.0
    latency_ms: tuple[float, ...] = tuple(float(x) for x in range(10, 30))
    overrides: dict[str, Callable[[FakeCall], SandboxResult] | SandboxResult] = field(
        default_factory=dict
    )
    trains: int = 0
    seen: list[str] = field(default_factory=list)

    def kind(self, call: FakeCall) -> str:
        argv = call.argv
        if "pytest" in argv:
            return "tests"
        if any(a.endswith("latency.py") for a in argv):
            return "latency"
        if "src.train" in argv:
            return "train"
        if "src.predict" in argv:
            return "predict"
        raise AssertionError(f"unexpected command {argv}")

    def __call__(self, call: FakeCall) -> SandboxResult:
        kind = self.kind(call)
        self.seen.append(kind)
        override = self.overrides.get(f"{kind}#{self.seen.count(kind)}") or self.overrides.get(kind)
        if override is not None:
            return override(call) if callable(override) else override
        return getattr(self, kind)(call)

    def tests(self, call: FakeCall) -> SandboxResult:
        if self.junit is not None:
            path = call.job_dir / ".worktrial-run" / "junit.xml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.junit)
        return fake_result(exit_code=0, stdout="3 passed in 0.01s\n")

    def train(self, call: FakeCall) -> SandboxResult:
        self.trains += 1
        models = call.job_dir / "models"
        models.mkdir(exist_ok=True)
        (models / "model.pkl").write_bytes(bytes(self.model_bytes))
        return fake_result(exit_code=0, wall_s=self.train_wall_s, stdout="dev recall 0.9\n")

    def predict(self, call: FakeCall) -> SandboxResult:
        i = call.argv.index("src.predict")
        src, out = host_path(call, call.argv[i + 1]), host_path(call, call.argv[i + 2])
        rows = read_csv(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            fh.write("id,prediction\n")
            for ident, value in self.predictor(rows):
                fh.write(f"{ident},{value}\n")
        return fake_result(exit_code=0, wall_s=0.8, peak_memory_mb=self.predict_memory_mb)

    def latency(self, call: FakeCall) -> SandboxResult:
        data = {"mode": "command", "times_ms": list(self.latency_ms), "failures": []}
        return fake_result(exit_code=0, stdout="WORKTRIAL-LATENCY " + json.dumps(data) + "\n")


def all_bytes_under(folder: Path) -> list[tuple[Path, bytes]]:
    out = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                out.append((p, p.read_bytes()))
    return out
