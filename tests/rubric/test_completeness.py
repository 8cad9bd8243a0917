"""Completeness of the registry (scikit-learn's test_common pattern): every signal is
documented in its docstring and in docs/rubric.md, and has a unit test that names it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import worktrial.rubric as rubric
from worktrial.rubric import DIMENSIONS, FLAG_TITLES, REGISTRY, Signal, signals_of

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rubric.md"
TESTS = Path(__file__).resolve().parent
GENERIC = {"test_completeness.py", "test_properties.py"}

# RUBRIC.md's minimum set, one signal (at least) per behaviour it lists
MINIMUM = {
    "output.primary_metric", "output.secondary_metrics", "output.reported_gap",
    "framing.elements", "framing.metric_alignment", "framing.before_modelling",
    "framing.questions_assumptions",
    "iteration.time_to_baseline", "iteration.deliberate_iterations",
    "iteration.record_completeness", "iteration.trajectory", "iteration.cadence",
    "iteration.iteration_table",
    "discipline.modules", "discipline.separation", "discipline.dependencies",
    "discipline.seeds", "discipline.commands", "discipline.tests",
    "discipline.reproducibility", "discipline.lint", "discipline.no_data_committed",
    "discipline.commit_messages",
    "communication.writeup", "communication.updates", "communication.feedback_loop",
    "communication.impact", "communication.commit_why",
    "decisions.constraints_met", "decisions.constraints_addressed", "decisions.tradeoffs",
    "decisions.time_allocation", "decisions.failures_recorded", "decisions.next_steps",
}  # fmt: skip

SIGNALS = list(REGISTRY.values())
IDS = [s.id for s in SIGNALS]


def _doc_sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^#{2,4} `([a-z]+\.[a-z0-9_]+)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].split("\n#", 1)[0] for i in range(1, len(parts), 2)}


def _test_sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted(TESTS.glob("test_*.py"))
        if p.name not in GENERIC
    )


def test_minimum_set_is_registered() -> None:
    assert set(REGISTRY) >= MINIMUM


def test_every_dimension_has_signals() -> None:
    for d in DIMENSIONS:
        assert signals_of(d), d


@pytest.mark.parametrize("sig", SIGNALS, ids=IDS)
def test_docstring_documents_the_signal(sig: Signal) -> None:
    doc = sig.doc
    for part in ("Measures", "Rule", "Evidence:", "Not observed:"):
        assert part in doc, f"{sig.id}: the docstring has no '{part}' paragraph"


@pytest.mark.parametrize("sig", SIGNALS, ids=IDS)
def test_documented_in_docs_under_its_id(sig: Signal) -> None:
    sections = _doc_sections()
    assert sig.id in sections, f"docs/rubric.md has no heading for `{sig.id}`"
    body = sections[sig.id]
    assert f"**{sig.title}** · weight {sig.weight:g}" in body, (
        f"docs/rubric.md: `{sig.id}` should say '**{sig.title}** · weight {sig.weight:g}'"
    )
    for part in ("**Rule", "**Evidence:**", "**Not observed:**"):
        assert part in body, f"docs/rubric.md: `{sig.id}` has no {part} line"


def test_docs_embed_the_reference_generated_from_the_docstrings() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert rubric.signal_reference() in text, (
        "docs/rubric.md is out of date with the signals' docstrings; regenerate the reference "
        "with worktrial.rubric.signal_reference()"
    )


def test_docs_document_no_unknown_signal() -> None:
    assert set(_doc_sections()) == set(REGISTRY)


def test_docs_list_every_red_flag_and_the_principles() -> None:
    text = DOC.read_text(encoding="utf-8")
    for flag_id in FLAG_TITLES:
        assert f"| `{flag_id}` |" in text, flag_id
    assert "never reject" in text
    assert "1 + 4 × (weighted mean of the observed subscores)" in text
    assert "capped at **2.0**" in text
    assert f"capped at **{rubric.OUTPUT_CAP:g}.0**" in text


@pytest.mark.parametrize("sig", SIGNALS, ids=IDS)
def test_has_a_unit_test(sig: Signal) -> None:
    assert f'"{sig.id}"' in _test_sources(), f"no test in tests/rubric/ names {sig.id!r}"


def test_public_api_is_listed() -> None:
    for name in rubric.__all__:
        assert hasattr(rubric, name), name
    public = {n for n in vars(rubric) if not n.startswith("_")} - {"annotations", "signals"}
    assert public == set(rubric.__all__)
