"""Output signals: the holdout metric, secondary metrics, reported vs measured."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import Pointer
from worktrial.rubric.signals.output import place

from ._build import ctx, evidence, experiment, run, sig, spec, strong

NOT_MEASURED = "not measured: the submission was not run in the sandbox for this scorecard"


# ---------------------------------------------------------------- placement


@pytest.mark.parametrize(
    ("value", "name", "baseline", "target", "expected"),
    [
        (0.75, "recall", 0.6, 0.9, 0.5),
        (0.95, "recall", 0.6, 0.9, 1.0),
        (0.40, "recall", 0.6, 0.9, 0.0),
        (0.5, "recall", None, None, 0.5),
        (0.75, "roc_auc", None, None, 0.5),
        (12.0, "rmse", 20.0, 10.0, 0.8),
        (12.0, "rmse", None, 10.0, None),
        (0.9, "recall", 0.9, 0.9, 1.0),
        (0.8, "recall", 0.9, 0.9, 0.0),
    ],
)
def test_place(
    value: float, name: str, baseline: float | None, target: float | None, expected: float | None
) -> None:
    got = place(value, name, baseline, target)
    assert got == (pytest.approx(expected) if expected is not None else None)


# ---------------------------------------------------------------- output.primary_metric


def test_primary_metric_strong_and_weak() -> None:
    high = sig("output.primary_metric", ctx(strong(), trial=spec(), measured=run()))
    assert high.subscore == pytest.approx(0.8333, abs=1e-4)
    assert high.value == 0.85
    assert high.summary == "recall 0.85 on the hidden holdout (baseline 0.6, target 0.9)."
    assert high.evidence == (Pointer("run", "score", "recall 0.85"),)
    low = sig(
        "output.primary_metric",
        ctx(strong(), trial=spec(), measured=run(metrics={"recall": 0.55})),
    )
    assert low.subscore == 0.0
    assert low.fix is not None and "recall" in low.fix


def test_primary_metric_uses_the_runs_step_pointer() -> None:
    measured = run(pointers={"score": Pointer("run", "score-log", "")})
    res = sig("output.primary_metric", ctx(strong(), trial=spec(), measured=measured))
    assert res.evidence == (Pointer("run", "score-log", "recall 0.85"),)


def test_primary_metric_not_observed() -> None:
    no_run = sig("output.primary_metric", ctx(strong(), trial=spec()))
    assert no_run.subscore is None
    assert no_run.summary == NOT_MEASURED
    assert no_run.fix == (
        "Check that the trial's train and predict commands run from a clean clone: "
        "the company runs them in a sandbox on data you have not seen."
    )
    no_spec = sig("output.primary_metric", ctx(strong(), measured=run()))
    assert (
        no_spec.summary
        == "no trial spec: no baseline or target to place the holdout metric between"
    )
    missing = sig("output.primary_metric", ctx(strong(), trial=spec(), measured=run(metrics={})))
    assert missing.summary == "the sandbox run produced no recall on the holdout"
    rmse = spec(
        kind="regression",
        primary_metric={"name": "rmse", "priority": "big errors cost money"},
    )
    unplaced = sig(
        "output.primary_metric", ctx(strong(), trial=rmse, measured=run(metrics={"rmse": 3.0}))
    )
    assert unplaced.subscore is None
    assert unplaced.summary.startswith("rmse 3 on the holdout, but the spec declares no baseline")


# ---------------------------------------------------------------- output.secondary_metrics


def test_secondary_metrics() -> None:
    res = sig("output.secondary_metrics", ctx(strong(), trial=spec(), measured=run()))
    assert res.subscore == pytest.approx(0.9)
    assert res.summary == "Secondary metrics on the holdout: roc_auc 0.88."
    weak = sig(
        "output.secondary_metrics",
        ctx(strong(), trial=spec(), measured=run(metrics={"recall": 0.8, "roc_auc": 0.6})),
    )
    assert weak.subscore == 0.0


def test_secondary_metrics_not_observed() -> None:
    assert sig("output.secondary_metrics", ctx(strong(), trial=spec())).summary == NOT_MEASURED
    none_declared = sig(
        "output.secondary_metrics",
        ctx(strong(), trial=spec(secondary_metrics=[]), measured=run()),
    )
    assert none_declared.summary == "the trial declares no secondary metrics"
    not_run = sig(
        "output.secondary_metrics",
        ctx(strong(), trial=spec(), measured=run(metrics={"recall": 0.8})),
    )
    assert not_run.subscore is None
    assert not_run.summary == "the run produced none of the secondary metrics (roc_auc)"


# ---------------------------------------------------------------- output.reported_gap


def test_reported_gap_honest_claim() -> None:
    res = sig("output.reported_gap", ctx(strong(), trial=spec(), measured=run()))
    assert res.subscore == 1.0
    assert res.summary == "Reported recall 0.82; the holdout measured 0.85."
    assert res.evidence[0] == Pointer("file", "README.md:37", "recall 0.82")


def test_reported_gap_over_claim() -> None:
    ev = evidence(reported={"recall": (0.95, Pointer("file", "README.md:3"))})
    res = sig("output.reported_gap", ctx(ev, trial=spec(), measured=run(metrics={"recall": 0.80})))
    # (0.95 - 0.80) / 0.80 = 18.75% over-claim: near the 20% floor
    assert res.value == pytest.approx(0.1875)
    assert res.subscore == pytest.approx((0.20 - 0.1875) / 0.18, abs=1e-4)
    assert "over-claim" in res.summary


def test_reported_gap_falls_back_to_the_last_experiment_and_lower_is_better() -> None:
    ev = evidence(
        experiments=[
            experiment("exp-1", 10, metrics={"rmse": 9.0}),
            experiment("exp-2", 20, metrics={"rmse": 5.0}),
        ]
    )
    # without a spec: the metrics both sides share; rmse claimed 5.0, measured 7.0 → 40% over
    res = sig("output.reported_gap", ctx(ev, measured=run(metrics={"rmse": 7.0})))
    assert res.evidence[0] == Pointer("experiment", "exp-2")
    assert res.value == pytest.approx(2 / 7, abs=1e-4)
    assert res.subscore == 0.0


def test_reported_gap_not_observed() -> None:
    assert sig("output.reported_gap", ctx(strong(), trial=spec())).summary == NOT_MEASURED
    res = sig("output.reported_gap", ctx(evidence(), trial=spec(), measured=run()))
    assert res.subscore is None
    assert res.summary == (
        "no reported metric to compare with the measured one (write-up or experiment log)"
    )
