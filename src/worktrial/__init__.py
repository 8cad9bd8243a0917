"""worktrial: evidence-based scoring of ML trial projects.

The public API, in the order of one submission's flow::

    from worktrial import load_bundle, evaluate_repo, render_html

    bundle = load_bundle("trials/fraud")                 # a validated trial bundle
    card = evaluate_repo("candidates/ada", bundle=bundle.root, candidate="candidate-7")
    Path("ada.html").write_text(render_html(card))

Names are loaded on first use so that ``import worktrial`` (and the CLI's start-up) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "WorktrialError": "worktrial.errors",
    # trial specs and bundles
    "TrialSpec": "worktrial.spec",
    "load_spec": "worktrial.spec",
    "load_bundle": "worktrial.spec",
    "new_from_template": "worktrial.spec",
    "export_candidate_kit": "worktrial.spec",
    "TEMPLATES": "worktrial.spec",
    # evaluation
    "evaluate_repo": "worktrial._pipeline",
    "collect_evidence": "worktrial.evidence",
    "score": "worktrial.rubric",
    "Context": "worktrial.rubric",
    "RunMeasurements": "worktrial.rubric",
    # scorecards
    "Scorecard": "worktrial.report",
    "load_scorecard": "worktrial.report",
    "render_html": "worktrial.report",
    "render_markdown": "worktrial.report",
    "self_check": "worktrial.report",
    "compare": "worktrial.report",
    # the candidate's side
    "log_experiment": "worktrial.tracking",
    "record_update": "worktrial.tracking",
    "record_question": "worktrial.tracking",
    "record_feedback_response": "worktrial.tracking",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'worktrial' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
