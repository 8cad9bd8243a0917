"""The public API of worktrial.spec and worktrial.data, and what importing them costs."""

from __future__ import annotations

import subprocess
import sys
import types

import worktrial.data
import worktrial.spec


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in ("annotations", "TYPE_CHECKING", "Any")
    }


def test_spec_all_lists_exactly_the_public_names() -> None:
    assert set(worktrial.spec.__all__) == public_names(worktrial.spec)
    assert sorted(worktrial.spec.__all__) == sorted(set(worktrial.spec.__all__))
    for name in worktrial.spec.__all__:
        assert getattr(worktrial.spec, name) is not None


def test_data_all_resolves_every_name() -> None:
    for name in worktrial.data.__all__:
        assert callable(getattr(worktrial.data, name)), name


def test_loading_specs_does_not_import_pandas_or_scikit_learn() -> None:
    code = (
        "import sys, worktrial.spec, worktrial.data\n"
        "heavy = sorted(m for m in ('pandas', 'sklearn', 'numpy') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
