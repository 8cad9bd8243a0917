"""Fixtures of the scoring tests (the samples live in scoring_samples.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from scoring_samples import make_repo

from worktrial.repo import Repo
from worktrial.spec import TrialBundle, new_from_template


@pytest.fixture(scope="session")
def cls_bundle(tmp_path_factory: pytest.TempPathFactory) -> TrialBundle:
    """The classification template's bundle, made once for the session, with latency timed
    through the predict command (the scripted fake runs answer command-mode timings; the
    in-process mode has its own tests)."""
    bundle = new_from_template("classification", tmp_path_factory.mktemp("bundle") / "trial")
    interface = bundle.spec.interface.model_copy(update={"predict_function": None})
    spec = bundle.spec.model_copy(update={"interface": interface})
    return dataclasses.replace(bundle, spec=spec)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "candidate")
