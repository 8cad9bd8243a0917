"""The benchmark repository generator (bench/_generate.py) builds what the benchmarks assume."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from worktrial.evidence._types import CommitKind
from worktrial.evidence.history import collect_history
from worktrial.repo import Repo

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_bench_generate", BENCH / "_generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_generator_is_deterministic_and_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = load_generator()
    monkeypatch.setattr(gen, "OUT_DIR", tmp_path / "a")
    first = gen.generate(commits=320, files=60, seed=3, quiet=True)
    monkeypatch.setattr(gen, "OUT_DIR", tmp_path / "b")
    second = gen.generate(commits=320, files=60, seed=3, quiet=True)
    assert first.name == f"repo-c320-f60-s3-v{gen.GENERATOR_VERSION}"
    h1 = collect_history(Repo(first))
    h2 = collect_history(Repo(second))
    assert h1.head == h2.head
    assert len(h1.commits) == 320
    kinds = Counter(c.kind for c in h1.commits)
    assert kinds[CommitKind.MERGE] == 2  # one side branch merged every 150 commits
    assert kinds[CommitKind.MODELLING] > 0 and kinds[CommitKind.DATA] > 0
    assert kinds[CommitKind.TESTS] > 0 and kinds[CommitKind.FRAMING] > 0
    assert len({f.path for c in h1.commits for f in c.files}) == 60
    # A second call reuses the cached repository instead of building it again.
    marker = first / ".git" / "worktrial-bench-complete"
    before = marker.stat().st_mtime_ns
    monkeypatch.setattr(gen, "OUT_DIR", tmp_path / "a")
    assert gen.generate(commits=320, files=60, seed=3, quiet=True) == first
    assert marker.stat().st_mtime_ns == before
