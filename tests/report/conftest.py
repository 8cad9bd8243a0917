"""Fixtures of the report tests (the sample builders live in report_samples.py)."""

from __future__ import annotations

import pytest
from report_samples import make_scorecard

from worktrial.report import Scorecard


@pytest.fixture
def card() -> Scorecard:
    return make_scorecard()
