"""Fixtures of the scoring tests (the samples live in scoring_samples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scoring_samples import make_repo

from worktrial.repo import Repo
from worktrial.spec import TrialBundle, new_from_template


@pytest.fixture(scope="session")
def cls_bundle(tmp_path_factory: pytest.TempPathFactory) -> TrialBundle:
    """The classification template's bundle, made once for the session."""
    return new_from_template("classification", tmp_path_factory.mktemp("bundle") / "trial")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "candidate")
