"""The public API is curated: every listed name resolves, and the engine never imports Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import worktrial

EXPECTED = {
    "__version__",
    "WorktrialError",
    "TrialSpec",
    "load_spec",
    "load_bundle",
    "new_from_template",
    "export_candidate_kit",
    "TEMPLATES",
    "evaluate_repo",
    "collect_evidence",
    "score",
    "Context",
    "RunMeasurements",
    "Scorecard",
    "load_scorecard",
    "render_html",
    "render_markdown",
    "self_check",
    "compare",
    "log_experiment",
    "record_update",
    "record_question",
    "record_feedback_response",
}

ENGINE = Path(worktrial.__file__).parent


def test_all_lists_exactly_the_public_names() -> None:
    assert set(worktrial.__all__) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(worktrial, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'worktrial' has no attribute 'nope'"):
        _ = worktrial.nope  # type: ignore[attr-defined]


def test_importing_worktrial_is_light() -> None:
    """`import worktrial` (and so the CLI's start-up) must not pull in the ML stack."""
    code = "import sys, worktrial; print(sorted({'pandas', 'sklearn'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_engine_never_imports_django() -> None:
    offenders = []
    for path in ENGINE.rglob("*.py"):
        if "web" in path.relative_to(ENGINE).parts:
            continue  # the platform layer may; the engine may not
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "django" or n.startswith("django.") for n in names):
                offenders.append(f"{path.relative_to(ENGINE)}:{node.lineno}")
    assert offenders == []
