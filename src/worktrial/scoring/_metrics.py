"""Metrics on the hidden holdout, computed on the host with NumPy.

Each metric gives the same value as :meth:`worktrial.spec.MetricInfo.compute` (scikit-learn,
the reference the tests compare against on random inputs) with the same conventions: ``1`` is
the positive class; on more than two classes precision, recall and f1 are macro averages over
the classes present in the labels or the predictions; a zero division counts as 0. The work is
vectorised and shared between metrics (one confusion count, one sort), so a million predictions
score in well under a second where scikit-learn's input checks alone take longer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from worktrial.errors import ScoringError
from worktrial.scoring._predictions import Predictions, prediction_format
from worktrial.spec import METRICS

if TYPE_CHECKING:
    from worktrial.spec import TrialSpec

Floats = npt.NDArray[np.float64]

# Integer labels below this are encoded with a counting pass instead of a sort.
_DENSE_LABELS = 1 << 16


def _ratio(num: Floats, den: Floats) -> Floats:
    """num / den with 0 where den is 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


class _Scorer:
    """Labels and predictions of one holdout, with the shared work done once."""

    def __init__(self, y_true: Floats, y_pred: Floats) -> None:
        self.y_true = y_true
        self.y_pred = y_pred
        self._cm: npt.NDArray[np.int64] | None = None
        self._true_classes: Floats | None = None

    # ---------------------------------------------------------------- label metrics

    def confusion(self) -> npt.NDArray[np.int64]:
        """The confusion matrix over the union of the classes (rows: truth)."""
        if self._cm is None:
            t, p, k = self._encode()
            self._cm = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
        return self._cm

    def _encode(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
        t, p = self.y_true, self.y_pred
        lo = min(float(t.min()), float(p.min()))
        hi = max(float(t.max()), float(p.max()))
        whole = bool((t == np.floor(t)).all() and (p == np.floor(p)).all())
        if whole and lo >= 0 and hi < _DENSE_LABELS:
            ti, pi = t.astype(np.int64), p.astype(np.int64)
            present = np.bincount(ti, minlength=int(hi) + 1) > 0
            present |= np.bincount(pi, minlength=int(hi) + 1) > 0
            code = np.cumsum(present) - 1
            return code[ti], code[pi], int(present.sum())
        classes, inverse = np.unique(np.concatenate([t, p]), return_inverse=True)
        inverse = inverse.astype(np.int64)
        return inverse[: t.size], inverse[t.size :], int(classes.size)

    def binary_counts(self) -> tuple[float, float, float]:
        """(true positives, false positives, false negatives) with 1 as the positive class."""
        t1 = self.y_true == 1
        p1 = self.y_pred == 1
        tp = float(np.count_nonzero(t1 & p1))
        return tp, float(np.count_nonzero(p1)) - tp, float(np.count_nonzero(t1)) - tp

    def multiclass(self) -> bool:
        return bool(self.confusion().shape[0] > 2)

    def per_class(self) -> tuple[Floats, Floats, Floats]:
        cm = self.confusion().astype(np.float64)
        tp = np.diag(cm)
        return tp, cm.sum(axis=0) - tp, cm.sum(axis=1) - tp

    def prf(self, which: str) -> float:
        if self.multiclass():
            tp, fp, fn = self.per_class()
        else:
            tp0, fp0, fn0 = self.binary_counts()
            tp, fp, fn = np.array([tp0]), np.array([fp0]), np.array([fn0])
        if which == "precision":
            per = _ratio(tp, tp + fp)
        elif which == "recall":
            per = _ratio(tp, tp + fn)
        else:
            per = _ratio(2 * tp, 2 * tp + fp + fn)
        return float(per.mean())

    def accuracy(self) -> float:
        return float(np.count_nonzero(self.y_true == self.y_pred) / self.y_true.size)

    def balanced_accuracy(self) -> float:
        cm = self.confusion().astype(np.float64)
        support = cm.sum(axis=1)
        seen = support > 0
        return float((np.diag(cm)[seen] / support[seen]).mean())

    # ---------------------------------------------------------------- score metrics

    def true_classes(self) -> Floats:
        if self._true_classes is None:
            t = self.y_true
            if ((t == 0) | (t == 1)).all():
                self._true_classes = np.array(
                    [c for c in (0.0, 1.0) if (t == c).any()], dtype=np.float64
                )
            else:
                self._true_classes = np.unique(t)
        return self._true_classes

    def _binary_truth(self, name: str) -> npt.NDArray[np.bool_]:
        classes = self.true_classes()
        if classes.size != 2:
            found = ", ".join(f"{c:g}" for c in classes)
            raise ScoringError(
                f"{name}: needs holdout labels of exactly two classes, found {found}",
                key=name,
                problem="labels",
            )
        # scikit-learn ranks against the greater of the two labels (1 for 0/1 labels)
        truth: npt.NDArray[np.bool_] = self.y_true == classes[1]
        return truth

    def _zero_one(self, name: str) -> npt.NDArray[np.bool_]:
        t = self.y_true
        if not ((t == 0) | (t == 1)).all():
            raise ScoringError(
                f"{name}: needs holdout labels 0 and 1, found other values "
                f"(e.g. {t[(t != 0) & (t != 1)][0]:g})",
                key=name,
                problem="labels",
            )
        truth: npt.NDArray[np.bool_] = t == 1
        return truth

    def roc_auc(self) -> float:
        """Mann-Whitney U with average ranks for ties (equal to the ROC curve's area)."""
        pos = self._binary_truth("roc_auc")
        order = np.argsort(self.y_pred, kind="stable")
        s = self.y_pred[order]
        starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
        ends = np.concatenate((starts[1:], [s.size]))
        avg_rank = (starts + ends + 1) / 2.0  # 1-based mean rank of each tie group
        pos_in_group = np.add.reduceat(pos[order].astype(np.float64), starts)
        n_pos = float(pos.sum())
        n_neg = float(pos.size) - n_pos
        u = float(pos_in_group @ avg_rank) - n_pos * (n_pos + 1) / 2.0
        return u / (n_pos * n_neg)

    def average_precision(self) -> float:
        """Step-wise area under the precision-recall curve, as scikit-learn sums it."""
        pos = self._binary_truth("average_precision")
        order = np.argsort(self.y_pred, kind="stable")[::-1]
        s = self.y_pred[order]
        last = np.concatenate((np.flatnonzero(s[1:] != s[:-1]), [s.size - 1]))
        tps = np.cumsum(pos[order], dtype=np.float64)[last]
        fps = (last + 1) - tps
        precision = tps / (tps + fps)
        recall = tps / tps[-1]
        return float(np.sum(np.diff(np.concatenate(([0.0], recall))) * precision))

    def log_loss(self) -> float:
        t = self._zero_one("log_loss")
        eps = np.finfo(np.float64).eps
        p1 = np.clip(self.y_pred, eps, 1 - eps)
        p0 = np.clip(1 - self.y_pred, eps, 1 - eps)
        return float(-np.mean(np.where(t, np.log(p1), np.log(p0))))

    def brier_score(self) -> float:
        t = self._zero_one("brier_score").astype(np.float64)
        return float(np.mean((t - self.y_pred) ** 2))

    # ---------------------------------------------------------------- regression

    def rmse(self) -> float:
        return float(np.sqrt(np.mean((self.y_true - self.y_pred) ** 2)))

    def mae(self) -> float:
        return float(np.mean(np.abs(self.y_true - self.y_pred)))

    def r2(self) -> float:
        if self.y_true.size < 2:
            raise ScoringError(
                "r2: needs at least two holdout rows, found 1", key="r2", problem="labels"
            )
        res = float(np.sum((self.y_true - self.y_pred) ** 2))
        tot = float(np.sum((self.y_true - self.y_true.mean()) ** 2))
        if tot == 0:
            return 1.0 if res == 0 else 0.0
        return 1.0 - res / tot


_FUNCS: dict[str, Callable[[_Scorer], float]] = {
    "accuracy": _Scorer.accuracy,
    "balanced_accuracy": _Scorer.balanced_accuracy,
    "precision": lambda s: s.prf("precision"),
    "recall": lambda s: s.prf("recall"),
    "f1": lambda s: s.prf("f1"),
    "roc_auc": _Scorer.roc_auc,
    "average_precision": _Scorer.average_precision,
    "log_loss": _Scorer.log_loss,
    "brier_score": _Scorer.brier_score,
    "rmse": _Scorer.rmse,
    "mae": _Scorer.mae,
    "r2": _Scorer.r2,
}


def _as_floats(values: Any, what: str) -> Floats:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ScoringError(
            f"{what}: expected numbers, found values that are not ({err})", problem="dtype"
        ) from err
    if arr.ndim != 1:
        raise ScoringError(
            f"{what}: expected one value per row, found an array of shape {arr.shape}",
            problem="shape",
        )
    if not np.isfinite(arr).all():
        count = int((~np.isfinite(arr)).sum())
        raise ScoringError(
            f"{what}: expected finite numbers, found {count} missing, NaN or infinite",
            problem="not_finite",
        )
    return arr


def _check_pair(y_true: Floats, y_pred: Floats) -> None:
    if y_true.size != y_pred.size or y_true.size == 0:
        raise ScoringError(
            f"expected the same non-empty number of labels and predictions, found "
            f"{y_true.size} labels and {y_pred.size} predictions",
            problem="row_count",
            expected=y_true.size,
            found=y_pred.size,
        )


def compute_metric(
    name: str, labels: Sequence[float] | npt.NDArray[Any], predictions: Any
) -> float:
    """One metric of ``predictions`` against ``labels`` (see the module docstring).

    Raises:
        ScoringError: an unknown metric, inputs of different lengths, values that are not
            finite numbers, or labels the metric cannot take (e.g. one class for roc_auc).
    """
    func = _FUNCS.get(name)
    if func is None:
        raise ScoringError(
            f"unknown metric {name!r}; expected one of: {', '.join(METRICS)}",
            key=name,
            problem="metric",
        )
    y_true = _as_floats(labels, "labels")
    y_pred = _as_floats(predictions, "predictions")
    _check_pair(y_true, y_pred)
    return func(_Scorer(y_true, y_pred))


def score_predictions(
    spec: TrialSpec,
    predictions: Predictions | Sequence[float] | npt.NDArray[Any],
    labels: Sequence[float] | npt.NDArray[Any],
) -> dict[str, float]:
    """The trial's primary, secondary and floor metrics of ``predictions`` against ``labels``.

    Params:
        spec: the trial (which metrics, and in what order: primary first).
        predictions: checked predictions (:func:`validate_predictions`) or an array aligned
            with ``labels``.
        labels: the hidden holdout labels, in the order of the predictions' ids.

    Returns:
        ``{metric name: value}``, each metric once, the primary first.

    Raises:
        ScoringError: see :func:`compute_metric`.
    """
    fmt = prediction_format(spec)
    values = predictions.values if isinstance(predictions, Predictions) else predictions
    y_true = _as_floats(labels, "labels")
    y_pred = _as_floats(values, "predictions")
    _check_pair(y_true, y_pred)
    scorer = _Scorer(y_true, y_pred)
    return {name: _FUNCS[name](scorer) for name in fmt.metrics}
