"""The NumPy metrics give scikit-learn's values (METRICS' compute is the reference)."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from worktrial.errors import ScoringError
from worktrial.scoring import compute_metric, score_predictions
from worktrial.spec import METRICS, loads_spec

LABEL_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")
SCORE_METRICS = ("roc_auc", "average_precision", "log_loss", "brier_score")
REGRESSION = ("rmse", "mae", "r2")


def reference(name: str, y_true: list[float], y_pred: list[float]) -> float:
    with warnings.catch_warnings():
        # scikit-learn warns on classes present in only one of the two; the value stands
        warnings.simplefilter("ignore", UserWarning)
        return METRICS[name].compute(y_true, y_pred)


def test_every_known_metric_is_implemented() -> None:
    assert set(LABEL_METRICS + SCORE_METRICS + REGRESSION) == set(METRICS)


binary = st.lists(st.sampled_from([0, 1]), min_size=2, max_size=60).filter(
    lambda v: 0 < sum(v) < len(v)
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_binary_label_metrics_match(data: st.DataObject) -> None:
    y_true = data.draw(binary)
    y_pred = data.draw(
        st.lists(st.sampled_from([0, 1]), min_size=len(y_true), max_size=len(y_true))
    )
    for name in LABEL_METRICS:
        assert compute_metric(name, y_true, y_pred) == pytest.approx(
            reference(name, y_true, y_pred), abs=1e-12
        ), name


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_multiclass_label_metrics_match(data: st.DataObject) -> None:
    classes = st.sampled_from([0, 1, 2, 3, 7, 12])
    y_true = data.draw(st.lists(classes, min_size=1, max_size=60))
    y_pred = data.draw(st.lists(classes, min_size=len(y_true), max_size=len(y_true)))
    union = set(y_true) | set(y_pred)
    # two classes without a 1: scikit-learn refuses (no positive class), worktrial's
    # templates never have such labels
    assume(len(union) > 2 or 1 in union or len(union) == 1)
    for name in LABEL_METRICS:
        assert compute_metric(name, y_true, y_pred) == pytest.approx(
            reference(name, y_true, y_pred), abs=1e-12
        ), (name, y_true, y_pred)


def test_labels_outside_the_dense_range_take_the_sorting_path() -> None:
    y_true = [-5, 100_000, 3, 3, -5, 100_000]
    y_pred = [-5, 3, 3, 100_000, 100_000, 100_000]
    for name in LABEL_METRICS:
        assert compute_metric(name, y_true, y_pred) == pytest.approx(
            reference(name, y_true, y_pred), abs=1e-12
        ), name


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_score_metrics_match_with_ties(data: st.DataObject) -> None:
    y_true = data.draw(binary)
    # few distinct values so that ties are common
    y_score = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0]),
            min_size=len(y_true),
            max_size=len(y_true),
        )
    )
    for name in SCORE_METRICS:
        assert compute_metric(name, y_true, y_score) == pytest.approx(
            reference(name, y_true, y_score), rel=1e-9, abs=1e-12
        ), name


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_regression_metrics_match(data: st.DataObject) -> None:
    # Values with at most six decimals, like real targets: a variance of 1e-300 makes
    # scikit-learn's reference itself overflow (and warn) in r2.
    floats = st.floats(-1e3, 1e3, allow_nan=False).map(lambda x: round(x, 6))
    y_true = data.draw(st.lists(floats, min_size=2, max_size=50))
    y_pred = data.draw(st.lists(floats, min_size=len(y_true), max_size=len(y_true)))
    for name in REGRESSION:
        assert compute_metric(name, y_true, y_pred) == pytest.approx(
            reference(name, y_true, y_pred), rel=1e-9, abs=1e-9
        ), name


def test_r2_of_a_constant_target_follows_scikit_learn() -> None:
    assert compute_metric("r2", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]) == 1.0
    assert compute_metric("r2", [2.0, 2.0, 2.0], [2.0, 1.0, 2.0]) == 0.0


def test_large_random_inputs_match() -> None:
    rng = np.random.default_rng(0)
    y_true = (rng.random(20_000) < 0.3).astype(int)
    score = np.clip(0.3 * y_true + rng.random(20_000) * 0.7, 0, 1).round(3)
    labels = (score > 0.5).astype(int)
    for name in LABEL_METRICS:
        assert compute_metric(name, y_true, labels) == pytest.approx(
            reference(name, list(y_true), list(labels)), abs=1e-12
        )
    for name in SCORE_METRICS:
        assert compute_metric(name, y_true, score) == pytest.approx(
            reference(name, list(y_true), list(score)), rel=1e-9
        )


def test_one_class_labels_cannot_give_roc_auc() -> None:
    with pytest.raises(ScoringError) as info:
        compute_metric("roc_auc", [1, 1, 1], [0.2, 0.4, 0.9])
    assert info.value.message == "roc_auc: needs holdout labels of exactly two classes, found 1"


def test_log_loss_needs_zero_one_labels() -> None:
    with pytest.raises(ScoringError) as info:
        compute_metric("log_loss", [0, 2, 1], [0.2, 0.4, 0.9])
    assert (
        info.value.message == "log_loss: needs holdout labels 0 and 1, found other values (e.g. 2)"
    )


def test_unknown_metric_and_bad_inputs() -> None:
    with pytest.raises(ScoringError) as info:
        compute_metric("auc_pr", [0, 1], [0, 1])
    assert info.value.message.startswith("unknown metric 'auc_pr'; expected one of: accuracy, ")
    with pytest.raises(ScoringError) as info:
        compute_metric("recall", [0, 1, 1], [0, 1])
    assert info.value.message == (
        "expected the same non-empty number of labels and predictions, found 3 labels and "
        "2 predictions"
    )
    with pytest.raises(ScoringError) as info:
        compute_metric("recall", [], [])
    assert "found 0 labels and 0 predictions" in info.value.message
    with pytest.raises(ScoringError) as info:
        compute_metric("recall", [0, 1], [0, float("nan")])
    assert info.value.message == (
        "predictions: expected finite numbers, found 1 missing, NaN or infinite"
    )
    with pytest.raises(ScoringError) as info:
        compute_metric("recall", ["a", "b"], [0, 1])
    assert info.value.message.startswith("labels: expected numbers, found values that are not")
    with pytest.raises(ScoringError) as info:
        compute_metric("recall", [[0, 1]], [[0, 1]])
    assert info.value.message == (
        "labels: expected one value per row, found an array of shape (1, 2)"
    )


def _template_spec(name: str) -> str:
    return (
        resources.files("worktrial.spec")
        .joinpath("templates", name, "trial.toml")
        .read_text(encoding="utf-8")
    )


def test_score_predictions_computes_primary_secondary_and_floors_in_order() -> None:
    spec = loads_spec(_template_spec("classification"))
    y_true = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    got = score_predictions(spec, y_pred, y_true)
    assert list(got) == ["recall", "precision", "f1"]
    assert got == {"recall": 0.75, "precision": 0.75, "f1": 0.75}


def test_score_predictions_multiclass_template() -> None:
    spec = loads_spec(_template_spec("improve-baseline"))
    y_true = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    y_pred = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 8]
    got = score_predictions(spec, y_pred, y_true)
    assert list(got) == ["accuracy", "f1"]
    assert got["accuracy"] == pytest.approx(10 / 11)
    assert got["f1"] == pytest.approx(reference("f1", y_true, y_pred))
