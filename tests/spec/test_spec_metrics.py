"""The metric registry: directions, ranges and computation."""

from __future__ import annotations

import pytest
from sklearn import metrics as skm

from worktrial.errors import SpecError
from worktrial.spec import METRICS


def test_registry_names_and_directions() -> None:
    higher = {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc"}
    higher |= {"average_precision", "r2"}
    lower = {"log_loss", "brier_score", "rmse", "mae"}
    assert set(METRICS) == higher | lower
    assert {n for n, m in METRICS.items() if m.higher_is_better} == higher
    assert {m.name for m in METRICS.values() if m.task == "regression"} == {"rmse", "mae", "r2"}
    assert all(m.name == n and m.description for n, m in METRICS.items())


def test_better_and_range() -> None:
    assert METRICS["recall"].better(0.9, 0.8)
    assert not METRICS["recall"].better(0.8, 0.8)
    assert METRICS["rmse"].better(1.0, 2.0)
    assert METRICS["recall"].in_range(1.0)
    assert not METRICS["recall"].in_range(1.01)
    assert not METRICS["log_loss"].in_range(-0.1)
    assert METRICS["log_loss"].in_range(1e9)
    assert METRICS["r2"].in_range(-5.0)
    assert not METRICS["f1"].in_range(float("nan"))


Y = [0, 1, 1, 0, 1, 0, 0, 1]
P = [0, 1, 0, 0, 1, 1, 0, 1]
S = [0.1, 0.9, 0.4, 0.2, 0.8, 0.6, 0.3, 0.7]


@pytest.mark.parametrize(
    ("name", "pred", "expected"),
    [
        ("accuracy", P, skm.accuracy_score(Y, P)),
        ("balanced_accuracy", P, skm.balanced_accuracy_score(Y, P)),
        ("precision", P, skm.precision_score(Y, P)),
        ("recall", P, skm.recall_score(Y, P)),
        ("f1", P, skm.f1_score(Y, P)),
        ("roc_auc", S, skm.roc_auc_score(Y, S)),
        ("average_precision", S, skm.average_precision_score(Y, S)),
        ("log_loss", S, skm.log_loss(Y, S)),
        ("brier_score", S, skm.brier_score_loss(Y, S)),
        ("rmse", S, skm.root_mean_squared_error(Y, S)),
        ("mae", S, skm.mean_absolute_error(Y, S)),
        ("r2", S, skm.r2_score(Y, S)),
    ],
)
def test_compute_matches_scikit_learn(name: str, pred: list[float], expected: float) -> None:
    assert METRICS[name].compute(Y, pred) == pytest.approx(expected)


def test_multiclass_label_metrics_are_macro_averages() -> None:
    y, p = [0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1]
    assert METRICS["recall"].compute(y, p) == pytest.approx(skm.recall_score(y, p, average="macro"))
    assert METRICS["f1"].compute(y, p) == pytest.approx(skm.f1_score(y, p, average="macro"))


def test_compute_rejects_mismatched_lengths() -> None:
    with pytest.raises(SpecError) as info:
        METRICS["recall"].compute([0, 1], [1])
    assert info.value.message == (
        "recall: expected two non-empty sequences of the same length, "
        "found 2 labels and 1 predictions"
    )
