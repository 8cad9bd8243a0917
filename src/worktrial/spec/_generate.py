"""The data of the built-in templates, generated from scikit-learn's bundled datasets.

Nothing is downloaded: ``load_breast_cancer``, ``load_digits`` and ``load_wine`` read files that
ship inside scikit-learn. Every random step has its own fixed seed, listed in the bundle's
DATA.md, so a bundle generated twice is byte-identical.

Each generator writes the data files (and any generated starter file) under the bundle root and
returns the numbers DATA.md and the brief quote (row counts, how many values were blanked…).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from worktrial.data import (
    add_noise,
    downsample_class,
    flip_labels,
    inject_missing,
    stratified_split,
    write_csv,
)

Values = dict[str, Any]


def _snake(name: str) -> str:
    return "_".join(name.lower().replace("/", " ").replace("-", " ").split())


def _with_ids(frame: pd.DataFrame, *, seed: int, start: int) -> pd.DataFrame:
    """Give rows ids in a random order, so an id says nothing about a row's origin or split."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out.insert(0, "id", start + rng.permutation(len(out)))
    return out


def _write_split(
    root: Path,
    frame: pd.DataFrame,
    target: str,
    train: pd.DataFrame,
    dev: pd.DataFrame,
    holdout: pd.DataFrame,
) -> None:
    write_csv(train.sort_values("id"), root / "data" / "train.csv")
    write_csv(dev.sort_values("id"), root / "data" / "dev.csv")
    hold = holdout.sort_values("id")
    write_csv(hold.drop(columns=[target]), root / "hidden" / "holdout_features.csv")
    write_csv(hold[["id", target]], root / "hidden" / "holdout_labels.csv")


# --- classification: breast cancer screening -------------------------------------------------

CLS_SEEDS = {"ids": 1101, "split": 1102, "downsample": 1103, "label_noise": 1104, "missing": 1105}
CLS_TARGET = "malignant"
CLS_SPARSE_FEATURE = "worst_concave_points"


def generate_classification(root: Path) -> Values:
    """Breast cancer screening: malignant = 1; train under-represents it, has label noise and
    missing values; dev and holdout keep the clinic's prevalence."""
    from sklearn.datasets import load_breast_cancer

    ds = load_breast_cancer(as_frame=True)
    features = ds.data.rename(columns=_snake)
    # scikit-learn encodes malignant as 0; the costly class is the positive one here.
    frame = features.assign(**{CLS_TARGET: (ds.target == 0).astype(int)})
    frame = _with_ids(frame, seed=CLS_SEEDS["ids"], start=1001)
    cols = list(features.columns)
    train_i, dev_i, hold_i = stratified_split(
        frame[CLS_TARGET], [0.55, 0.20, 0.25], seed=CLS_SEEDS["split"]
    )
    train = frame.iloc[train_i]
    n_train_before = len(train)
    positives_before = int(train[CLS_TARGET].sum())
    train = downsample_class(train, CLS_TARGET, 1, 0.4, seed=CLS_SEEDS["downsample"])
    positives_kept = int(train[CLS_TARGET].sum())
    noisy, flipped = flip_labels(train[CLS_TARGET], 0.05, seed=CLS_SEEDS["label_noise"])
    train = train.assign(**{CLS_TARGET: noisy})

    # Missing values everywhere (the clinic's forms are incomplete in production too): 3% of
    # all measurement cells, and one key measurement missing in 15% of rows.
    parts = {"train": train, "dev": frame.iloc[dev_i], "holdout": frame.iloc[hold_i]}
    blanked = 0
    for offset, (name, part) in enumerate(parts.items()):
        part, n1 = inject_missing(part, cols, 0.03, seed=CLS_SEEDS["missing"] + 10 * offset)
        part, n2 = inject_missing(
            part, [CLS_SPARSE_FEATURE], 0.15, seed=CLS_SEEDS["missing"] + 10 * offset + 1
        )
        parts[name] = part
        blanked += n1 + n2
    _write_split(root, frame, CLS_TARGET, parts["train"], parts["dev"], parts["holdout"])
    train, dev, hold = parts["train"], parts["dev"], parts["holdout"]
    return {
        "n_rows": len(frame),
        "n_features": len(cols),
        "n_train_before": n_train_before,
        "n_train": len(train),
        "n_dev": len(dev),
        "n_holdout": len(hold),
        "train_positives_before": positives_before,
        "train_positives_kept": positives_kept,
        "train_positives": int((train[CLS_TARGET] == 1).sum()),
        "train_prevalence": f"{train[CLS_TARGET].mean():.0%}",
        "dev_prevalence": f"{dev[CLS_TARGET].mean():.0%}",
        "holdout_prevalence": f"{hold[CLS_TARGET].mean():.0%}",
        "n_flipped": len(flipped),
        "n_blanked": blanked,
        "sparse_feature": CLS_SPARSE_FEATURE,
        **{f"seed_{k}": v for k, v in CLS_SEEDS.items()},
    }


# --- improve-baseline: digit recognition under a latency and memory budget ------------------

IB_SEEDS = {"ids": 1201, "split": 1202, "noise": 1203, "label_noise": 1204}
IB_TARGET = "digit"
IB_NOISE = 2.0


def generate_improve_baseline(root: Path) -> Values:
    """Handwritten digits (8x8 scans) with scanner noise on every split and a little label
    noise in train."""
    from sklearn.datasets import load_digits

    ds = load_digits(as_frame=True)
    pixels = [f"px_{r}_{c}" for r in range(8) for c in range(8)]
    frame = pd.DataFrame(ds.data.to_numpy(dtype=int), columns=pixels)
    frame[IB_TARGET] = ds.target.to_numpy()
    frame = _with_ids(frame, seed=IB_SEEDS["ids"], start=10001)
    frame = add_noise(
        frame, pixels, IB_NOISE, seed=IB_SEEDS["noise"], clip=(0.0, 16.0), integer=True
    )
    train_i, dev_i, hold_i = stratified_split(
        frame[IB_TARGET], [0.60, 0.15, 0.25], seed=IB_SEEDS["split"]
    )
    train = frame.iloc[train_i]
    noisy, flipped = flip_labels(train[IB_TARGET], 0.02, seed=IB_SEEDS["label_noise"])
    train = train.assign(**{IB_TARGET: noisy})
    dev, hold = frame.iloc[dev_i], frame.iloc[hold_i]
    _write_split(root, frame, IB_TARGET, train, dev, hold)
    return {
        "n_rows": len(frame),
        "n_train": len(train),
        "n_dev": len(dev),
        "n_holdout": len(hold),
        "noise_sd": IB_NOISE,
        "n_flipped": len(flipped),
        **{f"seed_{k}": v for k, v in IB_SEEDS.items()},
    }


# --- monitoring: flag bad production batches for a deployed wine classifier -----------------

MON_SEEDS = {"split": 1301, "model": 1302, "public_batches": 1303, "hidden_batches": 1304}
MON_BATCH_ROWS = 60
MON_JITTER = 0.1
MON_BASE_MISSING = 0.01
# Issues of the public example batches and of the hidden ones. No public example shows a class
# mix shift: whether that counts as "bad" is the question the brief leaves open.
MON_PUBLIC = ["none"] * 10 + ["mean_shift"] * 2 + ["scale"] * 2 + ["missing_spike"] * 2
MON_HIDDEN = ["none"] * 30 + ["mean_shift"] * 5 + ["scale"] * 4 + ["missing_spike"] * 4
MON_HIDDEN += ["class_mix"] * 5


def _batch(
    pool: pd.DataFrame,
    features: list[str],
    target: str,
    issue: str,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, str]:
    """One production batch drawn from ``pool`` with ``issue`` applied; returns it and a
    one-line description of what was done."""
    stds = pool[features].std().to_numpy()
    if issue == "class_mix":
        dominant = int(rng.integers(3))
        weights = np.where(pool[target].to_numpy() == dominant, 8.0, 1.0)
        pick = rng.choice(len(pool), size=MON_BATCH_ROWS, p=weights / weights.sum())
        detail = f"class {dominant} over-represented"
    else:
        pick = rng.choice(len(pool), size=MON_BATCH_ROWS)
        detail = ""
    batch = pool.iloc[pick].reset_index(drop=True)
    values = batch[features].to_numpy(dtype=float)
    values = values + rng.normal(0.0, MON_JITTER, size=values.shape) * stds
    values = np.maximum(values, 0.0)  # chemical measurements are never negative
    column = int(rng.integers(len(features)))
    name = features[column]
    if issue == "mean_shift":
        size = float(rng.uniform(0.6, 2.0)) * float(rng.choice([-1.0, 1.0]))
        values[:, column] = np.maximum(values[:, column] + size * stds[column], 0.0)
        detail = f"{name} shifted by {size:+.2f} standard deviations"
    elif issue == "scale":
        factor = float(rng.choice([0.01, 0.1, 1.5, 10.0, 100.0]))
        values[:, column] = values[:, column] * factor
        detail = f"{name} multiplied by {factor:g} (a unit or calibration change)"
    missing = rng.random(values.shape) < MON_BASE_MISSING
    if issue == "missing_spike":
        share = float(rng.uniform(0.2, 0.6))
        missing[:, column] |= rng.random(len(values)) < share
        detail = f"{name} missing in about {share:.0%} of rows"
    values[missing] = np.nan
    batch[features] = values
    return batch, detail


def _batches(
    pool: pd.DataFrame,
    features: list[str],
    target: str,
    issues: list[str],
    *,
    seed: int,
    prefix: str,
    first_row: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    order = [issues[i] for i in rng.permutation(len(issues))]
    rows, labels = [], []
    for n, issue in enumerate(order, start=1):
        batch_id = f"{prefix}-{n:03d}"
        batch, detail = _batch(pool, features, target, issue, rng)
        batch.insert(0, "batch", batch_id)
        rows.append(batch)
        labels.append(
            {"id": batch_id, "bad": int(issue != "none"), "issue": issue, "detail": detail}
        )
    data = pd.concat(rows, ignore_index=True).drop(columns=[target])
    data.insert(0, "id", np.arange(first_row, first_row + len(data)))
    return data, pd.DataFrame(labels)


def _deployed_model(reference: pd.DataFrame, features: list[str], target: str) -> dict[str, Any]:
    """The model in production: standardise, then multinomial logistic regression. Stored as
    plain numbers so it loads with numpy alone, whatever scikit-learn version is installed."""
    from sklearn.linear_model import LogisticRegression

    X = reference[features].to_numpy(dtype=float)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    clf = LogisticRegression(C=0.5, max_iter=2000, random_state=MON_SEEDS["model"])
    clf.fit((X - mean) / scale, reference[target].to_numpy())

    def r(values: Any) -> Any:
        return np.round(np.asarray(values, dtype=float), 6).tolist()

    return {
        "name": "cultivar-classifier",
        "version": "2025.11",
        "trained_on": "data/reference.csv",
        "features": features,
        "classes": [int(c) for c in clf.classes_],
        "missing_values": "replaced by the training mean before scaling",
        "mean": r(mean),
        "scale": r(scale),
        "coef": r(clf.coef_),
        "intercept": r(clf.intercept_),
    }


def generate_monitoring(root: Path) -> Values:
    """A deployed wine cultivar classifier, its training data, and production batches: public
    labelled examples and hidden batches to flag."""
    from sklearn.datasets import load_wine

    ds = load_wine(as_frame=True)
    features = [_snake(c) for c in ds.data.columns]
    target = "cultivar"
    frame = ds.data.set_axis(features, axis=1).assign(**{target: ds.target.to_numpy()})
    ref_i, pool_i = stratified_split(frame[target], [0.6, 0.4], seed=MON_SEEDS["split"])
    reference = frame.iloc[ref_i].reset_index(drop=True)
    pool = frame.iloc[pool_i].reset_index(drop=True)
    reference.insert(0, "id", np.arange(1, len(reference) + 1))
    write_csv(reference, root / "data" / "reference.csv")
    model = _deployed_model(reference, features, target)
    model_path = root / "starter" / "model" / "model.json"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")

    public, public_labels = _batches(
        pool,
        features,
        target,
        MON_PUBLIC,
        seed=MON_SEEDS["public_batches"],
        prefix="example",
        first_row=100001,
    )
    hidden, hidden_labels = _batches(
        pool,
        features,
        target,
        MON_HIDDEN,
        seed=MON_SEEDS["hidden_batches"],
        prefix="batch",
        first_row=500001,
    )
    write_csv(public, root / "data" / "batches.csv")
    write_csv(public_labels, root / "data" / "batch_labels.csv")
    write_csv(hidden, root / "hidden" / "holdout_features.csv")
    write_csv(hidden_labels, root / "hidden" / "holdout_labels.csv")
    counts = pd.Series(MON_HIDDEN).value_counts()
    return {
        "n_reference": len(reference),
        "n_pool": len(pool),
        "n_features": len(features),
        "batch_rows": MON_BATCH_ROWS,
        "jitter": MON_JITTER,
        "base_missing": f"{MON_BASE_MISSING:.0%}",
        "n_public": len(MON_PUBLIC),
        "n_public_bad": sum(i != "none" for i in MON_PUBLIC),
        "n_hidden": len(MON_HIDDEN),
        "n_hidden_bad": sum(i != "none" for i in MON_HIDDEN),
        "hidden_counts": ", ".join(f"{k}: {v}" for k, v in counts.items()),
        **{f"seed_{k}": v for k, v in MON_SEEDS.items()},
    }
