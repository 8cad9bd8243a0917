"""The metrics a trial spec may name, with their direction and how they are computed.

Binary metrics treat ``1`` as the positive class (the templates encode the costly class as 1).
On a multi-class target, precision, recall and f1 are macro averages, so every class counts the
same however rare it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from worktrial.errors import SpecError

Task = Literal["classification", "regression"]
_Scores = Literal["labels", "scores"]


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """One metric worktrial knows.

    Attributes:
        name: the name a spec uses (``primary_metric.name``).
        higher_is_better: direction; ``False`` for losses and errors.
        task: the kind of target the metric applies to.
        input: ``"labels"`` when predictions are class labels or values, ``"scores"`` when the
            metric needs a score or probability of the positive class.
        lower, upper: the range of possible values (``None`` = unbounded).
        description: one line for docs and listings.
    """

    name: str
    higher_is_better: bool
    task: Task
    input: _Scores
    lower: float | None
    upper: float | None
    description: str

    def in_range(self, value: float) -> bool:
        """Whether ``value`` is a value this metric can take."""
        if value != value:  # NaN is never a score
            return False
        if self.lower is not None and value < self.lower:
            return False
        return self.upper is None or value <= self.upper

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b`` for this metric."""
        return a > b if self.higher_is_better else a < b

    def compute(self, y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
        """The metric of predictions ``y_pred`` against labels ``y_true`` (scikit-learn).

        Raises:
            SpecError: the two sequences differ in length or are empty.
        """
        if len(y_true) != len(y_pred) or len(y_true) == 0:
            raise SpecError(
                f"{self.name}: expected two non-empty sequences of the same length, "
                f"found {len(y_true)} labels and {len(y_pred)} predictions",
                key=self.name,
            )
        # scikit-learn is imported here so that loading a spec stays fast.
        from sklearn import metrics as skm

        multiclass = len(set(y_true) | set(y_pred if self.input == "labels" else [])) > 2
        average = "macro" if multiclass else "binary"
        fn: dict[str, Any] = {
            "accuracy": lambda: skm.accuracy_score(y_true, y_pred),
            "balanced_accuracy": lambda: skm.balanced_accuracy_score(y_true, y_pred),
            "precision": lambda: skm.precision_score(
                y_true, y_pred, average=average, zero_division=0
            ),
            "recall": lambda: skm.recall_score(y_true, y_pred, average=average, zero_division=0),
            "f1": lambda: skm.f1_score(y_true, y_pred, average=average, zero_division=0),
            "roc_auc": lambda: skm.roc_auc_score(y_true, y_pred),
            "average_precision": lambda: skm.average_precision_score(y_true, y_pred),
            "log_loss": lambda: skm.log_loss(y_true, y_pred, labels=[0, 1]),
            "brier_score": lambda: skm.brier_score_loss(y_true, y_pred),
            "rmse": lambda: skm.root_mean_squared_error(y_true, y_pred),
            "mae": lambda: skm.mean_absolute_error(y_true, y_pred),
            "r2": lambda: skm.r2_score(y_true, y_pred),
        }
        return float(fn[self.name]())


def _m(
    name: str,
    higher: bool,
    task: Task,
    input: _Scores,
    lower: float | None,
    upper: float | None,
    description: str,
) -> MetricInfo:
    return MetricInfo(name, higher, task, input, lower, upper, description)


_ALL = (
    _m("accuracy", True, "classification", "labels", 0, 1, "share of rows predicted correctly"),
    _m(
        "balanced_accuracy",
        True,
        "classification",
        "labels",
        0,
        1,
        "mean recall over the classes; robust to imbalance",
    ),
    _m(
        "precision",
        True,
        "classification",
        "labels",
        0,
        1,
        "share of flagged rows that are truly positive (false alarms cost)",
    ),
    _m(
        "recall",
        True,
        "classification",
        "labels",
        0,
        1,
        "share of true positives that are flagged (misses cost)",
    ),
    _m("f1", True, "classification", "labels", 0, 1, "harmonic mean of precision and recall"),
    _m(
        "roc_auc",
        True,
        "classification",
        "scores",
        0,
        1,
        "ranking quality of positive-class scores over all thresholds",
    ),
    _m(
        "average_precision",
        True,
        "classification",
        "scores",
        0,
        1,
        "area under the precision-recall curve of positive-class scores",
    ),
    _m(
        "log_loss",
        False,
        "classification",
        "scores",
        0,
        None,
        "cross-entropy of predicted probabilities; punishes confident mistakes",
    ),
    _m(
        "brier_score",
        False,
        "classification",
        "scores",
        0,
        1,
        "mean squared error of predicted probabilities (calibration)",
    ),
    _m("rmse", False, "regression", "labels", 0, None, "root mean squared error"),
    _m("mae", False, "regression", "labels", 0, None, "mean absolute error"),
    _m("r2", True, "regression", "labels", None, 1, "share of the target's variance explained"),
)

METRICS: Mapping[str, MetricInfo] = MappingProxyType({m.name: m for m in _ALL})
"""Every metric a spec may name, by name."""
