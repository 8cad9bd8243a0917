"""Shared fixtures: the classification trial, its starter repository, and one demo run."""

from __future__ import annotations

from pathlib import Path

import pytest

from worktrial.demo.run import DemoResult, run_demo
from worktrial.spec import TrialBundle, init_starter_repo, new_from_template


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> TrialBundle:
    return new_from_template("classification", tmp_path_factory.mktemp("trial") / "bundle")


@pytest.fixture(scope="session")
def starter(bundle: TrialBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("starter") / "repo"
    init_starter_repo(bundle, path)
    return path


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """One full demo run (trial, five personas, scorecards), shared by the score tests."""
    return run_demo(tmp_path_factory.mktemp("demo") / "out")
