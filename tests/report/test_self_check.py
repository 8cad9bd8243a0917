from __future__ import annotations

import io

from report_samples import START, make_evidence
from rich.console import Console

from worktrial.evidence._types import Pointer
from worktrial.report import Scorecard, build_scorecard
from worktrial.report.check import (
    QUESTIONS,
    answer_label,
    checklist_markdown,
    render_checklist,
    self_check,
)
from worktrial.rubric import REGISTRY
from worktrial.rubric._types import (
    DIMENSION_TITLES,
    DIMENSIONS,
    Context,
    DimensionScore,
    RubricResult,
    ScoredSignal,
    SignalResult,
)


def _card(subscore_of: dict[str, float | None]) -> Scorecard:
    """A scorecard whose registered signals have the given sub-scores (None: not observed)."""
    evidence = make_evidence()
    dims = []
    for dim in DIMENSIONS:
        scored = []
        for sig in REGISTRY.values():
            if sig.dimension != dim:
                continue
            sub = subscore_of.get(sig.id)
            result = SignalResult(
                value=sub,
                subscore=sub,
                rule="test rule",
                summary=f"{sig.title}: seen" if sub is not None else f"{sig.title}: nothing",
                evidence=(Pointer("file", f"README.md:{len(sig.id)}", sig.id),)
                if sub is not None
                else (),
                fix=f"fix {sig.id}",
            )
            scored.append(ScoredSignal(sig.id, sig.title, sig.weight, result))
        dims.append(DimensionScore(dim, DIMENSION_TITLES[dim], 2.0, None, 0.0, tuple(scored)))
    result = RubricResult(dimensions=tuple(dims), overall=None, red_flags=())
    ctx = Context(evidence=evidence, started_at=START)
    return build_scorecard(evidence, result, ctx, time_allocation={})


def test_every_mapped_signal_is_registered() -> None:
    registered = set(REGISTRY)
    for q in QUESTIONS:
        assert q.signals, q.key
        unknown = [s for s in q.signals if s not in registered]
        assert unknown == [], f"{q.key} maps to unregistered signals {unknown}"


def test_nine_questions_in_rubric_order() -> None:
    assert [q.key for q in QUESTIONS] == [
        "framing",
        "baseline",
        "iterations",
        "decisions",
        "tradeoffs",
        "reproducible",
        "constraints",
        "communication",
        "next_steps",
    ]


def test_strong_repository_answers_yes_with_evidence() -> None:
    card = _card(dict.fromkeys(REGISTRY, 0.9))
    items = self_check(card)
    assert len(items) == 9
    assert {i.answer for i in items} == {"yes"}
    for item in items:
        assert item.score == 0.9
        assert item.evidence, item.key
        assert item.findings, item.key
        assert item.fixes  # fixes are kept (sub-score < 1), shown only when not "yes"


def test_empty_repository_cannot_tell_and_says_how_to_show_it() -> None:
    card = _card({})
    items = self_check(card)
    assert {i.answer for i in items} == {"unknown"}
    framing = items[0]
    assert framing.evidence == ()
    assert framing.missing  # titles of the signals that were not observed
    assert "fix framing.elements" in framing.fixes


def test_thresholds_yes_partly_no() -> None:
    subs: dict[str, float | None] = dict.fromkeys(REGISTRY, 0.0)
    subs["iteration.time_to_baseline"] = 0.7
    subs["decisions.tradeoffs"] = 0.4
    items = {i.key: i for i in self_check(_card(subs))}
    assert items["baseline"].answer == "yes"
    assert items["tradeoffs"].answer == "partly"
    assert items["framing"].answer == "no"
    assert items["framing"].evidence  # observed (sub-score 0) signals still show evidence


def test_weighted_mean_over_observed_signals_only() -> None:
    subs: dict[str, float | None] = {"framing.elements": 1.0}  # the others not observed
    item = self_check(_card(subs))[0]
    assert item.score == 1.0 and item.answer == "yes"
    assert len(item.missing) == len(QUESTIONS[0].signals) - 1


def test_rich_checklist_output() -> None:
    card = _card({**dict.fromkeys(REGISTRY, 0.9), "decisions.tradeoffs": 0.1})
    items = self_check(card)
    buf = io.StringIO()
    render_checklist(items, card, Console(file=buf, width=160, color_system=None))
    out = buf.getvalue()
    assert "public checks the company runs too" in out
    assert "✔ 1. Is the problem framed" in out
    assert "✘ 5. Are the trade-offs written down" in out
    assert "fix: fix decisions.tradeoffs" in out
    assert "fix: fix framing.elements" not in out  # no fix shown for a "yes"
    assert "8 yes, 1 no" in out
    assert "secret" not in out.lower()


def test_cant_tell_is_labelled() -> None:
    card = _card({})
    buf = io.StringIO()
    render_checklist(self_check(card), card, Console(file=buf, width=160, color_system=None))
    out = buf.getvalue()
    assert "? 2. Did a simple baseline with a measured metric land early? can't tell" in out
    assert "not observed:" in out
    assert answer_label("unknown") == "can't tell"


def test_markdown_checklist() -> None:
    card = _card({**dict.fromkeys(REGISTRY, 0.9), "iteration.time_to_baseline": 0.5})
    text = checklist_markdown(self_check(card), card)
    assert text.startswith("# Self-check — cand-7\n")
    assert "- [x] **Is the problem framed" in text
    assert "- [ ] **Did a simple baseline with a measured metric land early?** — partly" in text
    assert "  - fix: fix iteration.time\\_to\\_baseline" in text
