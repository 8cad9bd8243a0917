"""Metric names: spellings, direction, mentions in commit messages and prose."""

from __future__ import annotations

import pytest

from worktrial.rubric._facts import (
    canonical_metric,
    find_metric,
    lower_is_better,
    metric_mention_pattern,
    metric_regex,
)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("ROC-AUC", "roc_auc"),
        ("auc", "roc_auc"),
        ("val_roc_auc", "roc_auc"),
        ("f1_score", "f1"),
        ("dev_recall", "recall"),
        ("recall_test", "recall"),
        ("sensitivity", "recall"),
        ("train_recall", "train_recall"),
        ("val", "val"),
    ],
)
def test_canonical_metric(name: str, canonical: str) -> None:
    assert canonical_metric(name) == canonical


@pytest.mark.parametrize(
    ("name", "low"),
    [("rmse", True), ("val_loss", True), ("mean_absolute_error", True), ("MAE", True),
     ("recall", False), ("roc_auc", False), ("r2", False)],
)  # fmt: skip
def test_lower_is_better(name: str, low: bool) -> None:
    assert lower_is_better(name) is low


def test_find_metric_prefers_the_exact_key_and_skips_non_finite() -> None:
    assert find_metric({"val_recall": 0.7, "recall": 0.8}, "recall") == ("recall", 0.8)
    assert find_metric({"val_recall": 0.7}, "recall") == ("val_recall", 0.7)
    assert find_metric({"recall": float("nan")}, "recall") is None
    assert find_metric({"precision": 0.7}, "recall") is None


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Baseline logistic regression: recall 0.71", True),
        ("auc=0.9 with more trees", True),
        ("F1: 64%", True),
        ("val_loss 0.32 after warm-up", True),
        ("Add the recall metric", False),
        ("Bump version to 2", False),
        ("Fix loss of 2 rows in the join", False),
        ("Handle error 404 from the API", False),
        ("map 3 columns to categories", False),
    ],
)
def test_metric_mention_pattern(text: str, hit: bool) -> None:
    assert bool(metric_mention_pattern().search(text)) is hit


def test_metric_mention_pattern_knows_the_trials_metric() -> None:
    assert metric_mention_pattern(("gini",)).search("gini 0.42")
    assert not metric_mention_pattern().search("gini 0.42")


def test_metric_regex_in_prose() -> None:
    assert metric_regex("roc_auc").search("We report the ROC AUC on dev.")
    assert metric_regex("recall").search("Sensitivity matters most.")
    assert not metric_regex("recall").search("We recalled the data.")
