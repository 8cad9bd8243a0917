"""Fixtures for the spec tests: the built-in bundles, generated once per session."""

from __future__ import annotations

import pytest

from worktrial.spec import TEMPLATES, TrialBundle, new_from_template


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TrialBundle]:
    """Every built-in template, generated once for the session (read-only: copy to modify)."""
    root = tmp_path_factory.mktemp("templates")
    return {name: new_from_template(name, root / name) for name in TEMPLATES}
