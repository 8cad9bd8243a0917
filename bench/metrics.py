"""Metric computation benchmark: scoring 1,000,000 binary predictions on the host.

Measures the median wall time of:

(a) ``score_predictions(spec, predictions, labels)`` for a spec whose metrics are recall
    (primary), precision, f1, roc_auc and accuracy, on 1,000,000 binary labels and label
    predictions — what the scorer does after every sandboxed run;
(b) a bare NumPy baseline on the same arrays: ``np.mean(labels == predictions)``, one pass over
    both arrays, the floor any implementation pays;
(c) the same five metrics through scikit-learn (``METRICS[name].compute``), the reference the
    tests compare against, for scale (fewer runs: it is slow);
(d) roc_auc alone on continuous scores (a million distinct values: the sort is the cost).

The contenders run in turn, round after round, so that load from elsewhere on the machine falls
on all of them alike. Prints the medians (and minimums), whether (a) meets the 1 s target, and
the ratios (a) / (b) and (c) / (a).

    python bench/metrics.py [--rows 1000000] [--runs 9] [--sklearn-runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from worktrial.scoring import compute_metric, score_predictions
from worktrial.spec import METRICS, TrialSpec
from worktrial.spec._model import Metric, PrimaryMetric

TARGET_S = 1.0
NAMES = ("recall", "precision", "f1", "roc_auc", "accuracy")


def bench_spec() -> TrialSpec:
    """A binary-classification spec scoring the five metrics of this benchmark."""
    from importlib import resources

    from worktrial.spec import loads_spec

    text = (
        resources.files("worktrial.spec")
        .joinpath("templates", "classification", "trial.toml")
        .read_text(encoding="utf-8")
    )
    spec = loads_spec(text)
    primary = PrimaryMetric(name="recall", priority=spec.primary_metric.priority)
    return spec.model_copy(
        update={
            "primary_metric": primary,
            "secondary_metrics": [Metric(name=n) for n in NAMES[1:]],
        }
    )


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sklearn-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    labels = (rng.random(args.rows) < 0.37).astype(np.int64)
    # a decent classifier: right 90% of the time
    flip = rng.random(args.rows) < 0.1
    predictions = np.where(flip, 1 - labels, labels).astype(np.float64)
    scores = np.clip(0.35 * labels + rng.random(args.rows) * 0.65, 0.0, 1.0)
    spec = bench_spec()

    ours_result = score_predictions(spec, predictions, labels)
    print(f"metrics benchmark: {args.rows:,} binary predictions, metrics {', '.join(NAMES)}")
    print("  " + ", ".join(f"{k} {v:.4f}" for k, v in ours_result.items()))

    ours: list[float] = []
    bare: list[float] = []
    auc: list[float] = []
    ref: list[float] = []
    for i in range(args.runs):
        ours.append(timed(lambda: score_predictions(spec, predictions, labels)))
        bare.append(timed(lambda: np.mean(labels == predictions)))
        auc.append(timed(lambda: compute_metric("roc_auc", labels, scores)))
        if i < args.sklearn_runs:
            ref.append(timed(lambda: [METRICS[n].compute(labels, predictions) for n in NAMES]))
        print(
            f"  run {i + 1}/{args.runs}: score_predictions {ours[-1] * 1000:.0f} ms, "
            f"np.mean {bare[-1] * 1000:.1f} ms, roc_auc on scores {auc[-1] * 1000:.0f} ms"
            + (f", scikit-learn {ref[-1] * 1000:.0f} ms" if i < args.sklearn_runs else "")
        )

    sk_values = {n: METRICS[n].compute(labels, predictions) for n in NAMES}
    worst = max(abs(sk_values[n] - ours_result[n]) for n in NAMES)
    t_ours, t_bare = statistics.median(ours), statistics.median(bare)
    t_ref = statistics.median(ref) if ref else float("nan")
    print()

    def line(label: str, times: list[float]) -> None:
        median, low = statistics.median(times) * 1000, min(times) * 1000
        print(f"{label:<34} median {median:7.1f} ms  (min {low:.1f} ms)")

    line("score_predictions (5 metrics)", ours)
    line("bare np.mean(labels == preds)", bare)
    line("roc_auc on 1M distinct scores", auc)
    if ref:
        line("scikit-learn, same 5 metrics", ref)
    verdict = "meets" if t_ours < TARGET_S else "MISSES"
    print(f"score_predictions median {t_ours:.3f} s {verdict} the {TARGET_S:.0f} s target")
    print(f"score_predictions / bare np.mean: {t_ours / t_bare:.1f}x")
    if ref:
        print(f"scikit-learn / score_predictions: {t_ref / t_ours:.1f}x")
    print(f"largest difference from scikit-learn's values: {worst:.2e}")
    if worst > 1e-9:
        print("MISMATCH with scikit-learn", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
