"""score(): dimension scores, confidence, weights, the output cap, the overall score."""

from __future__ import annotations

import pytest

from worktrial.rubric import (
    DEFAULT_WEIGHTS,
    DIMENSIONS,
    OUTPUT_CAP,
    REGISTRY,
    RubricResult,
    score,
    signals_of,
)

from ._build import ctx, empty, run, spec, strong, weak


def _expected(result: RubricResult, dimension: str) -> tuple[float | None, float]:
    d = result.dimension(dimension)
    seen = [(s.weight, s.result.subscore) for s in d.signals if s.result.subscore is not None]
    total = sum(s.weight for s in d.signals)
    w = sum(x for x, _ in seen)
    if not seen:
        return None, 0.0
    return 1 + 4 * sum(x * y for x, y in seen) / w, w / total


def test_dimensions_in_order_with_every_signal() -> None:
    result = score(ctx(strong(), trial=spec(), measured=run()))
    assert tuple(d.dimension for d in result.dimensions) == DIMENSIONS
    for d in result.dimensions:
        assert [s.signal_id for s in d.signals] == [s.id for s in signals_of(d.dimension)]
    assert sum(len(d.signals) for d in result.dimensions) == len(REGISTRY)


def test_dimension_score_and_confidence_follow_the_formula() -> None:
    for c in (ctx(strong(), trial=spec(), measured=run()), ctx(weak()), ctx(strong())):
        result = score(c)
        for d in result.dimensions:
            value, confidence = _expected(result, d.dimension)
            assert d.confidence == pytest.approx(confidence, abs=1e-4)
            if value is None:
                assert d.score is None
            else:
                assert d.score == pytest.approx(value, abs=1e-3)


def test_nothing_observed_means_no_score() -> None:
    result = score(ctx(empty()))
    assert result.overall is None
    assert result.red_flags == ()
    for d in result.dimensions:
        assert d.score is None
        assert d.confidence == 0.0
        assert len(d.missing) == len(d.signals)


def test_not_observed_lowers_confidence_not_score() -> None:
    result = score(ctx(strong()))
    output = result.dimension("output")
    assert output.score is None and output.confidence == 0.0
    discipline = result.dimension("discipline")
    # the rerun needs a sandbox run: 2 of the 14 weight units are missing
    assert discipline.confidence == pytest.approx(12 / 14, abs=1e-4)
    assert discipline.score == 5.0
    assert [s.signal_id for s in discipline.missing] == ["discipline.reproducibility"]


def test_strong_beats_weak_on_every_process_dimension() -> None:
    good = score(ctx(strong(), trial=spec(), measured=run()))
    bad = score(ctx(weak(), trial=spec(), measured=run()))
    for dim in ("framing", "iteration", "discipline", "communication", "decisions"):
        assert good.dimension(dim).score > bad.dimension(dim).score  # type: ignore[operator]
    assert good.overall is not None and bad.overall is not None
    assert good.overall > bad.overall
    assert {f.id for f in bad.red_flags} == {
        "no_iteration_narrative",
        "last_minute",
        "constraints_ignored",
    }


def test_weights_from_the_spec_and_defaults() -> None:
    result = score(ctx(strong(), measured=run()))
    assert {d.dimension: d.weight for d in result.dimensions} == DEFAULT_WEIGHTS
    trial = spec(weights={"output": 0.0, "framing": 5.0})
    result = score(ctx(strong(), trial=trial, measured=run()))
    weights = {d.dimension: d.weight for d in result.dimensions}
    assert weights["output"] == 0.0 and weights["framing"] == 5.0
    assert weights["iteration"] == DEFAULT_WEIGHTS["iteration"]
    seen = [(d.weight, d.score) for d in result.dimensions if d.score is not None and d.weight > 0]
    expected = sum(w * s for w, s in seen) / sum(w for w, _ in seen)
    assert result.overall == pytest.approx(expected, abs=1e-3)


def test_overall_ignores_unobserved_dimensions() -> None:
    result = score(ctx(strong()))
    seen = [(d.weight, d.score) for d in result.dimensions if d.score is not None]
    assert len(seen) == 5
    assert result.overall == pytest.approx(
        sum(w * s for w, s in seen) / sum(w for w, _ in seen), abs=1e-3
    )


def test_output_capped_when_a_budget_is_violated() -> None:
    fine = score(ctx(strong(), trial=spec(), measured=run()))
    assert fine.dimension("output").cap is None
    assert fine.dimension("output").score > OUTPUT_CAP  # type: ignore[operator]
    slow = score(ctx(strong(), trial=spec(), measured=run(latency_p95_ms=75.0)))
    output = slow.dimension("output")
    assert output.score == OUTPUT_CAP
    assert output.cap == OUTPUT_CAP
    assert output.cap_reason == (
        "Capped: the run violated prediction latency p95: 75ms against ≤ 50ms (VIOLATED)."
    )
    # the cap never raises a score that is already lower
    poor = score(
        ctx(strong(), trial=spec(), measured=run(latency_p95_ms=75.0, metrics={"recall": 0.5}))
    )
    assert poor.dimension("output").score < OUTPUT_CAP  # type: ignore[operator]


def test_score_is_deterministic() -> None:
    c = ctx(strong(), trial=spec(), measured=run())
    assert score(c) == score(c)
