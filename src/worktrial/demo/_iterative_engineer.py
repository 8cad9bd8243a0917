"""Persona: the iterative engineer.

Frames the problem before touching the data and asks about the one thing the brief leaves open
(which class balance production has), ships a logistic-regression baseline on the first
afternoon, then improves it through deliberate, logged experiments: some help, three make things
worse and are reverted, and every one says what was learned. Acts on both checkpoints' feedback,
keeps data preparation apart from modelling, pins and tests everything, posts an update every
couple of days and ends with a write-up a colleague could continue from.

Every metric in the log is what the code of the logged commit prints on ``data/dev.csv``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from worktrial.demo._kit import TRIAL, PersonaRepo, Story, clock, code, md, notebook

NAME = "iterative-engineer"
TITLE = "frames first, ships a baseline in hours, iterates deliberately, writes it up"
AUTHOR = ("Amara Okafor", "amara.okafor@example.com")

# --------------------------------------------------------------------------- write-ups

FRAMING = """\
# Problem framing

Written before modelling, so that the choices below follow the clinic's problem rather than
whatever the data make easy.

## Objective

Order the radiologists' review queue: flag biopsy cases that are likely malignant so that they
are read first. The model does not diagnose; it decides what gets looked at sooner.

## Success metric and why

- **Primary: recall on malignant cases.** A malignant case the model misses waits in the normal
  queue, and that delay is the costly error.
- **Hard constraint: precision of at least 0.85.** Below it the queue fills with false alarms
  and people stop trusting the flag. A model under the floor is rejected, whatever its recall.
- ROC AUC, the number of missed cases and of false alarms on dev are tracked to understand the
  ranking and the operating point, not to choose between models.

## Constraints

- Prediction latency: p95 under 50 ms for a call on a single case.
- Memory 1 GB, model 50 MB, training 5 minutes (all in the sandbox).
- About 24 hours of work over 10 days; checkpoints on day 3 and day 7.
- The holdout is scored once, after submission. Dev (114 cases, second-read labels) is the
  only trustworthy yardstick I have, so I will not fit anything on it.

## Assumptions

- One row is one case; no patient appears twice (to verify).
- Training labels are single reads and a few are wrong (the brief says so); dev labels are
  clean. Expect a ceiling on how well the training labels can be fitted.
- Values are missing at random (to verify: if missingness predicts the label, it is signal).

## Out of scope

- Image models: only the 30 measurements are available.
- Fairness across patient groups: there are no demographic columns. Listed as a limitation.
- Deployment and monitoring: described as next steps, not built.

## Open questions

1. Is the precision floor a hard limit on the holdout, or a target to trade against recall?
"""

FRAMING_ANSWER_1 = """
**Answer (day 0):** a hard limit, measured on the holdout.
"""

FRAMING_DATA = """
## What the data say (first look, `notebooks/01_eda.ipynb`)

- Train: 243 cases, **22% malignant**. Dev: 114 cases, **37% malignant**. The brief does not say
  which one looks like production, and it matters: a model fitted to 22% under-flags at 37%, and
  precision itself depends on the prevalence. Asked the company (question 2).
- `worst_concave_points` is missing in 17% of training rows, every other measurement in about
  3%. Rows with a missing value are not much more often malignant (25% vs 16%): missingness
  looks random, so impute rather than model it.
- Scales differ by four orders of magnitude (areas in the hundreds, smoothness around 0.1):
  standardise for a linear model.
- No duplicate ids.

2. Which class balance does production have: train's 22% or dev's 37%?

**Answer (day 0):** production looks like dev, about 37% malignant. I will train for that
prior (weight malignant cases by the ratio of the odds) and judge everything on dev.
"""

README_FINAL = """\
# Malignancy triage classifier

Flags likely-malignant biopsy cases so that radiologists read them first. Tuned for **recall
with precision held at or above 0.85**; a few milliseconds per case; a regularised logistic
regression trained for the clinic's class balance.

## Summary

- On dev (114 cases with second-read labels, 42 malignant) the final model flags **40 of the 42
  malignant cases** (recall 0.952) with **2 false alarms** (precision 0.952). The company's
  baseline approach, a plain logistic regression, flags 37 of 42.
- In queue terms: per 1,000 reviewed cases (about 370 malignant), the plain baseline would leave
  about 44 malignant cases waiting in the normal queue; this model leaves about 18, for roughly
  18 false alarms, i.e. 18 extra reads per 1,000 cases.
- Prediction p95 latency: 2.5 ms per single-case call against the 50 ms budget (measured,
  `make bench`). Model file: 4 KB.

## Problem understanding

Misses are the expensive error (a malignant case waits); false alarms are cheaper but not free
(a radiologist's time and trust in the flag). So the model is judged on recall, subject to a
hard precision floor of 0.85, which the company confirmed is measured on the holdout. Training
data under-represent malignant cases (22%) while production looks like dev (37%), as the company
confirmed when I asked. Full framing, assumptions and scope: [docs/framing.md](docs/framing.md).

## How to run

```
make setup       # pinned requirements
make test        # unit tests
make train       # trains on data/train.csv, prints dev metrics with bootstrap intervals
make bench       # p95 latency of single-case predictions
make reproduce   # all of the above from a clean state; prints the same numbers every time
python -m src.predict INPUT.csv OUTPUT.csv
```

Every random step uses the seed in `src/config.py`; two runs print identical numbers.

## Approach

- `src/data.py` reads the CSV files (from the starter kit); `src/features.py` decides the
  feature columns and holds the data checks and the label-noise screen; `src/model.py` builds the
  classifier; `src/evaluate.py` computes dev metrics and bootstrap intervals; `src/train.py` ties
  them together; `src/config.py` holds every setting of a run.
- The model never sees dev during fitting. Dev is the yardstick; the holdout is scored once.
- Every experiment is logged in `.worktrial/experiments.jsonl` as observation, hypothesis,
  change, result and learning.

## Iterations

Dev recall / precision (42 malignant cases: one case is 2.4 points of recall).

| Iteration | Change | Result (dev recall / precision) | Decision |
|---|---|---|---|
| exp-001 baseline | median imputation, scaling, logistic regression | 0.881 / 1.000 | the bar |
| exp-002 | balanced class weights | 0.976 / 0.837 | **reverted**: under the floor |
| exp-003 | weights for the production prior (37%) | 0.952 / 0.909 | kept |
| exp-004 | stronger regularisation (C=0.1) for noisy labels | 0.952 / 0.952 | kept |
| exp-005 | missing-value indicators | 0.929 / 0.907 | **reverted**: missingness is noise |
| exp-006 | bootstrap intervals on dev (checkpoint 1) | recall 0.889-1.000 | measurement |
| exp-007 | threshold 0.42 instead of 0.5 | 0.976 / 0.891 | not adopted: floor risk 16% |
| exp-008 | drop 9 labels the model disputes | 0.881 / 1.000 | **reverted**: made it cautious |
| exp-009 | gradient boosting instead | 0.810 / 0.944 | not kept |

## Trade-offs

- **Threshold 0.5 over 0.42.** 0.42 catches one more malignant case on dev (41 of 42) but adds
  three false alarms, and in 16% of bootstrap resamples its precision falls under the 0.85
  floor, against under 1% at 0.5. The floor is a hard limit, and one case in 42 is within the
  noise, so I chose 0.5. With more labelled data to pin the threshold down, 0.42 would be worth
  revisiting.
- **Logistic regression over gradient boosting.** Boosting was worse on dev (recall 0.810) and
  its probabilities less stable on 243 noisy rows; it would also cost more latency. The linear
  model's coefficients are easy to explain to a radiologist.
- **Prior weights over balanced weights.** Balanced weights assume a 50/50 world and
  over-flagged (precision 0.837); weighting for the confirmed 37% keeps precision above the floor.

## Results

Dev: recall 0.952 (40 of 42), precision 0.952, ROC AUC 0.992; bootstrap 90% intervals: recall
0.889-1.000, precision 0.892-1.000. Both missed cases have `worst_concave_points` missing, the
measurement that separates the classes best; the imputer fills in the training median, which is
a benign value, and their other measurements are close to the benign range.

## Limitations

- 42 malignant dev cases: every number above moves by a few points with the sample.
- 243 training cases with noisy labels; the label-noise screen (exp-008) could not tell wrong
  labels from hard cases.
- A missing `worst_concave_points` (17% of cases) is filled with the median: both remaining
  misses are such cases.
- No demographic data, so performance across patient groups is unknown.
- The prior weight assumes production stays at about 37% malignant.

## Next steps

1. Impute `worst_concave_points` from the measurements it correlates with (`worst_concavity`,
   `mean_concave_points`) instead of the median: both remaining misses are missing it.
2. Get a second read on the nine disputed training labels: if some are wrong, relabel them
   rather than drop them.
3. Monitor the weekly share of flagged cases and the missing-value rates; alert on drift in
   either, since both would move the operating point.
4. With more labelled cases, revisit the 0.42 threshold and a non-linear model.

## Checkpoint feedback

- Day 3: measure the latency instead of assuming it, and show how uncertain the dev numbers are
  before tuning anything on dev. Done: `make bench` (p95 2.5 ms) and bootstrap intervals in every
  training run; they are why the threshold stayed at 0.5.
- Day 7: one command to reproduce the dev numbers from a clean clone, and explain how the
  threshold was chosen. Done: `make reproduce`, and the trade-offs section above.
"""

# --------------------------------------------------------------------------- code

REQUIREMENTS = """\
numpy==2.4.6
pandas==3.1.1
scikit-learn==1.9.1
pytest==8.4.2
"""

PYTEST_INI = """\
[pytest]
pythonpath = .
testpaths = tests
"""

MAKEFILE_V1 = """\
PY ?= python

.PHONY: setup test train

setup:
\t$(PY) -m pip install -r requirements.txt

test:
\t$(PY) -m pytest -q

train:
\t$(PY) -m src.train
"""

MAKEFILE_V2 = (
    MAKEFILE_V1.replace(".PHONY: setup test train", ".PHONY: setup test train bench")
    + """
bench:
\t$(PY) scripts/bench_latency.py
"""
)

MAKEFILE_V3 = (
    MAKEFILE_V2.replace(
        ".PHONY: setup test train bench", ".PHONY: setup test train bench reproduce"
    )
    + """
# From a clean state: tests, training and the latency benchmark; prints the same numbers on
# every run (every random step is seeded in src/config.py).
reproduce:
\trm -rf models
\t$(PY) -m pytest -q
\t$(PY) -m src.train
\t$(PY) scripts/bench_latency.py
"""
)

FEATURES_V1 = '''\
"""Data preparation before modelling: which columns are features, and checks on them."""

from __future__ import annotations

import pandas as pd


def feature_columns(train: pd.DataFrame, dev: pd.DataFrame) -> list[str]:
    """The measurement columns, checked to be the same in train and dev."""
    if list(train.columns) != list(dev.columns):
        extra = sorted(set(train.columns) ^ set(dev.columns))
        raise ValueError(f"train and dev have different columns: {extra}")
    return list(train.columns)


def missing_rates(features: pd.DataFrame) -> dict[str, float]:
    """Share of missing values per column, largest first (printed by training)."""
    rates = features.isna().mean().sort_values(ascending=False)
    return {name: round(float(rate), 3) for name, rate in rates.items() if rate > 0}
'''

FEATURES_V2 = (
    FEATURES_V1
    + '''

def suspicious_labels(labels: pd.Series, scores: pd.Series, margin: float = 0.1) -> pd.Series:
    """Rows whose label the model confidently disputes (out-of-fold score on the other side).

    The brief says a few training labels are wrong; these are the candidates.
    """
    return ((labels == 1) & (scores < margin)) | ((labels == 0) & (scores > 1 - margin))
'''
)

CONFIG_BALANCED = '''\
"""Every setting of a training run in one place: a run is described by its config."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Config:
    C: float = 1.0
    class_weight: str = "balanced"  # "none" or "balanced"
    seed: int = 7

    def as_params(self) -> dict[str, object]:
        return asdict(self)
'''


def _config(
    *,
    C: float,
    class_weight: str,
    indicators: bool | None = None,
    threshold: float | None = None,
    drop_suspicious: bool | None = None,
    model: str | None = None,
) -> str:
    """``src/config.py`` at one point of the story (a field is absent until it is introduced)."""
    fields: list[str] = []
    if model is not None:
        fields.append(f'    model: str = "{model}"  # "logreg" or "boosting"')
    comment = "  # strong regularisation: the training labels are noisy" if C < 1 else ""
    fields.append(f"    C: float = {C}{comment}")
    fields.append(f'    class_weight: str = "{class_weight}"  # "none", "balanced" or "prior"')
    if indicators is not None:
        fields.append(f"    missing_indicators: bool = {indicators}")
    if drop_suspicious is not None:
        fields.append(f"    drop_suspicious_labels: bool = {drop_suspicious}")
    if threshold is not None:
        fields.append(f"    threshold: float = {threshold}")
    fields.append("    seed: int = 7")
    body = "\n".join(fields)
    return f'''\
"""Every setting of a training run in one place: a run is described by its config."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Train has 22% malignant cases; production looks like dev, about 37% (the company's answer to
# question 2). Weighting malignant cases by the ratio of the two odds trains the model for the
# production prior instead of the training one.
TRAIN_PREVALENCE = 0.22
PRODUCTION_PREVALENCE = 0.37


def prior_weight(
    train: float = TRAIN_PREVALENCE, production: float = PRODUCTION_PREVALENCE
) -> float:
    """The weight of a malignant case that turns the training prior into the production one."""
    return (production / (1 - production)) / (train / (1 - train))


@dataclass(frozen=True)
class Config:
{body}

    def as_params(self) -> dict[str, object]:
        return asdict(self)
'''


MODEL_V1 = '''\
"""The classifier: imputation, scaling and a logistic regression in one pipeline."""

from __future__ import annotations

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build(seed: int = 7) -> Pipeline:
    """A fresh, unfitted pipeline."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=2000, random_state=seed)),
        ]
    )
'''

MODEL_BALANCED = '''\
"""The classifier: imputation, scaling and a logistic regression in one pipeline."""

from __future__ import annotations

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from src.config import Config


def build(cfg: Config) -> Pipeline:
    """A fresh, unfitted pipeline for ``cfg``."""
    weights = None if cfg.class_weight == "none" else cfg.class_weight
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            (
                "clf",
                LogisticRegression(
                    C=cfg.C, class_weight=weights, max_iter=2000, random_state=cfg.seed
                ),
            ),
        ]
    )
'''

_MODEL_HEAD = '''\
"""The classifier for a config, and the decision threshold saved with it."""

from __future__ import annotations

from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from src.config import Config, prior_weight
'''

_MODEL_WEIGHTS = '''

def class_weights(cfg: Config) -> dict[int, float] | str | None:
    """``None``, ``"balanced"`` or the production-prior weights, as the config says."""
    if cfg.class_weight == "prior":
        return {0: 1.0, 1: prior_weight()}
    return None if cfg.class_weight == "none" else cfg.class_weight
'''

_MODEL_LOGREG = """

def _logreg(cfg: Config) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median"{indicator})),
            ("scale", StandardScaler()),
            (
                "clf",
                LogisticRegression(
                    C=cfg.C,
                    class_weight=class_weights(cfg),
                    max_iter=2000,
                    random_state=cfg.seed,
                ),
            ),
        ]
    )
"""

_MODEL_THRESHOLD = '''

class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """A probabilistic model whose ``predict`` flags scores at or above ``threshold``.

    Saved in models/model.pkl, so the starter's predict command applies the chosen threshold.
    """

    def __init__(self, model=None, threshold: float = 0.5) -> None:
        self.model = model
        self.threshold = threshold

    def fit(self, X, y):
        self.model_ = clone(self.model).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= self.threshold).astype(int)
'''

_MODEL_BOOSTING = """

def _boosting(cfg: Config) -> HistGradientBoostingClassifier:
    # handles missing values itself: no imputer, no scaling
    return HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        class_weight=class_weights(cfg),
        random_state=cfg.seed,
    )
"""


def _model(*, indicators: bool, threshold: bool, boosting: bool) -> str:
    """``src/model.py`` at one point of the story."""
    text = _MODEL_HEAD
    if boosting:
        text = text.replace(
            "from sklearn.impute import SimpleImputer",
            "from sklearn.ensemble import HistGradientBoostingClassifier\n"
            "from sklearn.impute import SimpleImputer",
        )
    text += _MODEL_WEIGHTS
    flag = ", add_indicator=cfg.missing_indicators" if indicators else ""
    text += _MODEL_LOGREG.replace("{indicator}", flag)
    if boosting:
        text += _MODEL_BOOSTING
    if threshold:
        text = text.replace(
            "from sklearn.impute import SimpleImputer",
            "from sklearn.base import BaseEstimator, ClassifierMixin, clone\n"
            "from sklearn.impute import SimpleImputer",
            1,
        )
        text += _MODEL_THRESHOLD
        make = (
            '_boosting(cfg) if cfg.model == "boosting" else _logreg(cfg)'
            if boosting
            else ("_logreg(cfg)")
        )
        text += f'''

def build(cfg: Config) -> ThresholdClassifier:
    """A fresh, unfitted classifier for ``cfg`` with its decision threshold."""
    return ThresholdClassifier({make}, cfg.threshold)
'''
    else:
        text += '''

def build(cfg: Config) -> Pipeline:
    """A fresh, unfitted pipeline for ``cfg``."""
    return _logreg(cfg)
'''
    return text


EVALUATE_V1 = '''\
"""Dev metrics: recall first, with precision, ROC AUC and the counts behind them."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score


def dev_metrics(y_true, scores, y_pred) -> dict[str, float]:
    """Recall, precision, F1, ROC AUC, missed malignant cases and false alarms."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    return {
        "recall": round(float(recall_score(y_true, y_pred)), 3),
        "precision": round(float(precision_score(y_true, y_pred, zero_division=0)), 3),
        "f1": round(float(f1_score(y_true, y_pred)), 3),
        "roc_auc": round(float(roc_auc_score(y_true, scores)), 3),
        "missed": int(((y_pred == 0) & (y_true == 1)).sum()),
        "false_alarms": int(((y_pred == 1) & (y_true == 0)).sum()),
    }
'''

EVALUATE_V2 = (
    EVALUATE_V1
    + '''

def bootstrap(y_true, y_pred, *, floor: float = 0.85, n: int = 1000, seed: int = 7) -> dict:
    """90% bootstrap intervals of recall and precision on dev, and how often precision falls
    under ``floor`` (dev has 42 malignant cases, so single numbers move a lot)."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y_true), size=(n, len(y_true)))  # one resample per row
    t, p = y_true[idx], y_pred[idx]
    tp = ((t == 1) & (p == 1)).sum(axis=1)
    fn = ((t == 1) & (p == 0)).sum(axis=1)
    fp = ((t == 0) & (p == 1)).sum(axis=1)
    recalls = np.divide(tp, tp + fn, out=np.zeros(n), where=(tp + fn) > 0)
    precisions = np.divide(tp, tp + fp, out=np.zeros(n), where=(tp + fp) > 0)
    r_lo, r_hi = np.percentile(recalls, [5, 95])
    p_lo, p_hi = np.percentile(precisions, [5, 95])
    return {
        "recall_90": [round(float(r_lo), 3), round(float(r_hi), 3)],
        "precision_90": [round(float(p_lo), 3), round(float(p_hi), 3)],
        "precision_under_floor": round(float(np.mean(precisions < floor)), 3),
    }
'''
)

TRAIN_V1 = '''\
"""Train the model: ``python -m src.train``; prints dev metrics, saves models/model.pkl."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

from src import evaluate, features, model
from src.data import DATA, load


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Train and report dev metrics.")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=Path("models/model.pkl"))
    args = parser.parse_args(argv)

    _, X_train, y_train = load(args.data / "train.csv")
    _, X_dev, y_dev = load(args.data / "dev.csv")
    columns = features.feature_columns(X_train, X_dev)

    clf = model.build().fit(X_train[columns], y_train)
    scores = clf.predict_proba(X_dev[columns])[:, 1]
    report = {"dev": evaluate.dev_metrics(y_dev, scores, clf.predict(X_dev[columns]))}

    args.model.parent.mkdir(parents=True, exist_ok=True)
    with args.model.open("wb") as fh:
        pickle.dump({"features": columns, "model": clf}, fh)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
'''

TRAIN_V2 = '''\
"""Train the model: ``python -m src.train``; prints dev metrics, saves models/model.pkl."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

from src import evaluate, features, model
from src.config import Config
from src.data import DATA, load


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Train and report dev metrics.")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=Path("models/model.pkl"))
    args = parser.parse_args(argv)

    cfg = Config()
    _, X_train, y_train = load(args.data / "train.csv")
    _, X_dev, y_dev = load(args.data / "dev.csv")
    columns = features.feature_columns(X_train, X_dev)

    clf = model.build(cfg).fit(X_train[columns], y_train)
    scores = clf.predict_proba(X_dev[columns])[:, 1]
    y_pred = clf.predict(X_dev[columns])
    report = {"config": cfg.as_params(), "dev": evaluate.dev_metrics(y_dev, scores, y_pred)}
#BOOTSTRAP#
    args.model.parent.mkdir(parents=True, exist_ok=True)
    with args.model.open("wb") as fh:
        pickle.dump({"features": columns, "model": clf}, fh)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
'''

_BOOTSTRAP_LINE = '    report["dev_bootstrap"] = evaluate.bootstrap(y_dev, y_pred, seed=cfg.seed)\n'

_DROP_BLOCK = """
    if cfg.drop_suspicious_labels:
        # Out-of-fold scores, so no row judges its own label.
        oof = cross_val_predict(
            model.build(cfg),
            X_train[columns],
            y_train,
            cv=StratifiedKFold(5, shuffle=True, random_state=cfg.seed),
            method="predict_proba",
        )[:, 1]
        keep = ~features.suspicious_labels(y_train, pd.Series(oof, index=y_train.index))
        X_train, y_train = X_train[keep], y_train[keep]
"""


def _train(*, bootstrap: bool, drop: bool) -> str:
    text = TRAIN_V2.replace("#BOOTSTRAP#\n", _BOOTSTRAP_LINE if bootstrap else "")
    if drop:
        text = text.replace(
            "from src import evaluate, features, model\n",
            "import pandas as pd\nfrom sklearn.model_selection import StratifiedKFold, "
            "cross_val_predict\n\nfrom src import evaluate, features, model\n",
        )
        text = text.replace(
            "    columns = features.feature_columns(X_train, X_dev)\n",
            "    columns = features.feature_columns(X_train, X_dev)\n" + _DROP_BLOCK,
        )
    return text


BENCH = '''\
"""The latency budget, measured: p95 of single-case predictions with the saved model.

Usage: python scripts/bench_latency.py [--calls 500]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from src.data import DATA, load  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="p95 latency of single-case predictions")
    parser.add_argument("--model", type=Path, default=Path("models/model.pkl"))
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args(argv)

    with args.model.open("rb") as fh:
        saved = pickle.load(fh)
    _, X_dev, _ = load(DATA / "dev.csv")
    rows = X_dev[saved["features"]]
    rng = np.random.default_rng(7)
    timings = []
    for i in rng.integers(0, len(rows), size=args.calls):
        row = rows.iloc[[int(i)]]
        start = time.perf_counter()
        saved["model"].predict(row)
        timings.append((time.perf_counter() - start) * 1000)
    p50, p95 = np.percentile(timings, [50, 95])
    size_kb = args.model.stat().st_size / 1024
    print(f"single-case predict: p50 {p50:.1f} ms, p95 {p95:.1f} ms; model {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
'''

TEST_FEATURES = """\
import pandas as pd
import pytest

from src import features


def test_feature_columns_must_match():
    a = pd.DataFrame({"x": [1.0], "y": [2.0]})
    assert features.feature_columns(a, a.copy()) == ["x", "y"]
    with pytest.raises(ValueError, match="different columns"):
        features.feature_columns(a, a.drop(columns=["y"]))


def test_missing_rates_lists_only_columns_with_gaps():
    frame = pd.DataFrame({"x": [1.0, None, 3.0, 4.0], "y": [1.0, 2.0, 3.0, 4.0]})
    assert features.missing_rates(frame) == {"x": 0.25}
"""

TEST_SUSPICIOUS = """

def test_suspicious_labels_are_confident_disagreements():
    labels = pd.Series([1, 1, 0, 0])
    scores = pd.Series([0.05, 0.6, 0.95, 0.2])
    assert features.suspicious_labels(labels, scores).tolist() == [True, False, True, False]
"""

TEST_EVALUATE = """\
from src import evaluate


def test_dev_metrics_count_misses_and_false_alarms():
    m = evaluate.dev_metrics([1, 1, 0, 0], [0.9, 0.2, 0.7, 0.1], [1, 0, 1, 0])
    assert m["recall"] == 0.5
    assert m["precision"] == 0.5
    assert (m["missed"], m["false_alarms"]) == (1, 1)
"""

TEST_BOOTSTRAP = """

def test_bootstrap_is_seeded_and_bounded():
    y = [1] * 10 + [0] * 10
    pred = [1] * 9 + [0] + [0] * 9 + [1]
    a = evaluate.bootstrap(y, pred, n=200, seed=1)
    assert a == evaluate.bootstrap(y, pred, n=200, seed=1)
    lo, hi = a["recall_90"]
    assert 0 <= lo <= 0.9 <= hi <= 1
"""

TEST_PIPELINE = f'''\
import numpy as np
import pandas as pd

from src import predict, train


def write_data(folder, n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    frame = pd.DataFrame(
        {{
            "{TRIAL.id_column}": range(1, n + 1),
            "mean_radius": rng.normal(12, 2, n) + 4 * y,
            "mean_texture": rng.normal(19, 4, n),
            "{TRIAL.target}": y,
        }}
    )
    frame.loc[::9, "mean_texture"] = np.nan
    folder.mkdir()
    frame.to_csv(folder / "train.csv", index=False)
    frame.to_csv(folder / "dev.csv", index=False)
    frame.drop(columns=["{TRIAL.target}"]).to_csv(folder / "cases.csv", index=False)


def test_train_then_predict_round_trip(tmp_path):
    write_data(tmp_path / "data")
    saved = tmp_path / "model.pkl"
    train.main(["--data", str(tmp_path / "data"), "--model", str(saved)])
    out = tmp_path / "pred.csv"
    predict.main([str(tmp_path / "data" / "cases.csv"), str(out), "--model", str(saved)])
    pred = pd.read_csv(out)
    assert pred["{TRIAL.id_column}"].tolist() == list(range(1, 121))
    assert set(pred["{TRIAL.predictions_column}"]) <= {{0, 1}}


def test_training_is_reproducible(tmp_path):
    write_data(tmp_path / "data", seed=1)
    args = ["--data", str(tmp_path / "data"), "--model", str(tmp_path / "m.pkl")]
    assert train.main(args) == train.main(args)
'''

EDA = notebook(
    [
        md(
            "# First look at the data\n\n"
            "Questions: class balance in train and dev, missing values, scales, duplicates. "
            "Decisions go to `docs/framing.md`."
        ),
        code(
            "import pandas as pd\n\n"
            "train = pd.read_csv('../data/train.csv')\n"
            "dev = pd.read_csv('../data/dev.csv')\n"
            "train.shape, dev.shape",
            "((243, 32), (114, 32))",
        ),
        code(
            f"train['{TRIAL.target}'].mean().round(3), dev['{TRIAL.target}'].mean().round(3)",
            "(0.218, 0.368)",
        ),
        md(
            "**Train has 22% malignant, dev 37%.** Which one looks like production? It changes "
            "the operating point and the precision we can expect. Asking the company."
        ),
        code(
            "missing = train.isna().mean().sort_values(ascending=False)\nmissing.head(4).round(3)",
            "worst_concave_points       0.173\nmean_concavity             0.062\n"
            "fractal_dimension_error    0.058\nsmoothness_error           0.049\n"
            "dtype: float64",
        ),
        code(
            f"train.assign(gap=train.isna().any(axis=1)).groupby('gap')['{TRIAL.target}']"
            ".mean().round(3)",
            f"gap\nFalse    0.162\nTrue     0.245\nName: {TRIAL.target}, dtype: float64",
        ),
        md(
            "Rows with a gap are a little more often malignant, but 163 of 243 rows have a gap: "
            "mostly random. Impute; test indicators later rather than assume."
        ),
        code(
            "train[['mean_area', 'mean_smoothness']].describe().loc[['mean', 'min', 'max']]"
            ".round(3)",
            "      mean_area  mean_smoothness\nmean    550.605            0.094\n"
            "min     143.500            0.053\nmax    1686.000            0.142",
        ),
        code(
            f"train['{TRIAL.id_column}'].is_unique and dev['{TRIAL.id_column}'].is_unique", "True"
        ),
    ]
)


# --------------------------------------------------------------------------- the story


def build_iterative_engineer(dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo:
    """Build the iterative engineer's repository at ``dest`` (see the module docstring).

    Args:
        dest: a new or empty folder.
        starter: the starter kit's git repository to start from, or ``None``.
        start: the trial's start (timezone-aware).

    Raises:
        UsageError: ``dest`` is not empty or ``start`` is naive.
        GitCommandError: git failed.
    """
    s = Story(dest, starter=starter, start=start, author=AUTHOR)
    cfg = _config  # the config file at each step of the story

    # ---- day 0: framing, a first look, the baseline
    s.commit(
        "Write down the problem framing before modelling\n\n"
        "Objective, why recall is the metric, the precision floor, the budgets, assumptions,\n"
        "what is out of scope and the open question about the floor.",
        {"docs/framing.md": FRAMING},
        at=clock(0, "09:40"),
    )
    s.question(
        at=clock(0, "09:45"),
        text="Is the 0.85 precision floor a hard limit on the holdout (reject below it), or a "
        "target to trade against recall? It decides whether I keep a safety margin.",
        answer="A hard limit: below 0.85 on the holdout we could not deploy the model.",
    )
    s.commit(
        "Pin requirements, add make targets and a pytest config",
        {
            "requirements.txt": REQUIREMENTS,
            "Makefile": MAKEFILE_V1,
            "pytest.ini": PYTEST_INI,
            "docs/framing.md": FRAMING + FRAMING_ANSWER_1,
        },
        at=clock(0, "10:30"),
    )
    s.question(
        at=clock(0, "11:50"),
        text="Train has 22% malignant cases and dev 37%. Which one looks like the cases you "
        "review in production? It changes how I weight the classes and where the threshold "
        "should sit.",
        answer="Production looks like dev: about 37% of the cases we review are malignant.",
    )
    s.commit(
        "Explore class balance, missing values and scales; record what the data say",
        {
            "notebooks/01_eda.ipynb": EDA,
            "docs/framing.md": FRAMING + FRAMING_ANSWER_1 + FRAMING_DATA,
        },
        at=clock(0, "12:20"),
    )
    baseline = s.commit(
        "Add a logistic regression baseline that reports dev recall and precision",
        {
            "src/features.py": FEATURES_V1,
            "src/model.py": MODEL_V1,
            "src/evaluate.py": EVALUATE_V1,
            "src/train.py": TRAIN_V1,
        },
        at=clock(0, "14:10"),
    )
    s.experiment(
        at=clock(0, "14:25"),
        commit=baseline,
        observation="No model yet: I need a bar that every later change is compared with.",
        hypothesis="A scaled logistic regression on the 30 measurements is a strong, cheap "
        "baseline for 243 rows.",
        change="Median imputation, standardisation, logistic regression (C=1), threshold 0.5; "
        "fitted on train, measured on dev.",
        params={"model": "logreg", "C": 1.0, "class_weight": "none"},
        metrics={"recall": 0.881, "precision": 1.0, "roc_auc": 0.992},
        result="Dev recall 0.881 at precision 1.000: 5 of 42 malignant cases missed, no false "
        "alarm.",
        learning="The model is too cautious, not too noisy: every miss has a score under 0.5 "
        "but the ranking is good (AUC 0.99). Fitted at train's 22% prior, it under-flags at "
        "the clinic's 37%.",
    )
    s.commit(
        "Test the data checks and dev metrics",
        {"tests/test_features.py": TEST_FEATURES, "tests/test_evaluate.py": TEST_EVALUATE},
        at=clock(0, "15:30"),
    )
    s.update(
        at=clock(0, "17:30"),
        done="Framing (docs/framing.md); two questions answered (hard floor; production looks "
        "like dev, 37% malignant); logistic regression baseline: dev recall 0.88 at "
        "precision 1.00.",
        next="Correct for the prior gap (class weights), then regularisation for the noisy labels.",
        blockers="None.",
    )

    # ---- day 1: class weights and regularisation
    balanced = s.commit(
        "Weight classes in the loss; move run settings into a config",
        {
            "src/config.py": CONFIG_BALANCED,
            "src/model.py": MODEL_BALANCED,
            "src/train.py": _train(bootstrap=False, drop=False),
        },
        at=clock(1, "10:05"),
    )
    s.experiment(
        at=clock(1, "10:30"),
        commit=balanced,
        observation="Baseline misses have scores just under 0.5; train under-represents "
        "malignant cases.",
        hypothesis="Balanced class weights move the operating point towards recall.",
        change="class_weight='balanced' in the logistic regression.",
        params={"model": "logreg", "C": 1.0, "class_weight": "balanced"},
        metrics={"recall": 0.976, "precision": 0.837, "roc_auc": 0.986},
        result="Recall 0.976 (1 miss) but precision 0.837: under the 0.85 floor, 8 false alarms.",
        learning="Balanced weights pretend the world is 50/50 and over-correct. The weight "
        "should bring the 22% training prior to production's 37%, no further.",
        outcome="regressed",
    )
    prior = s.commit(
        "Weight malignant cases for the production prior (37%) instead of 50/50",
        {
            "src/config.py": cfg(C=1.0, class_weight="prior"),
            "src/model.py": _model(indicators=False, threshold=False, boosting=False),
        },
        at=clock(1, "11:40"),
    )
    s.experiment(
        at=clock(1, "12:00"),
        commit=prior,
        observation="exp-002 broke the precision floor by over-weighting malignant cases.",
        hypothesis="Weighting by the ratio of production odds (37%) to training odds (22%), "
        "about 2.1, keeps the recall gain and the floor.",
        change="class weight {0: 1, 1: 2.08} from the confirmed prevalences.",
        params={"model": "logreg", "C": 1.0, "class_weight": "prior", "positive_weight": 2.08},
        metrics={"recall": 0.952, "precision": 0.909, "roc_auc": 0.989},
        result="Recall 0.952 (2 misses), precision 0.909 (4 false alarms).",
        learning="Matching the prior gets most of the recall back while staying above the "
        "floor; the last missed case is not worth 4 more false alarms at this point.",
        outcome="improved",
    )
    regularised = s.commit(
        "Regularise harder (C=0.1): the training labels are noisy",
        {"src/config.py": cfg(C=0.1, class_weight="prior")},
        at=clock(1, "15:10"),
    )
    s.experiment(
        at=clock(1, "15:30"),
        commit=regularised,
        observation="The brief says some training labels are wrong; with 243 rows, C=1 fits them.",
        hypothesis="A stronger L2 penalty stops the model chasing mislabelled rows and sharpens "
        "the ranking on clean dev labels.",
        change="C from 1.0 to 0.1 (tried 0.03, 0.1, 0.3 on dev; 0.1 in the middle of the "
        "flat region).",
        params={"model": "logreg", "C": 0.1, "class_weight": "prior"},
        metrics={"recall": 0.952, "precision": 0.952, "roc_auc": 0.992},
        result="Same recall, precision 0.909 -> 0.952 (2 false alarms instead of 4).",
        learning="Regularisation pays for itself on noisy labels; precision headroom above the "
        "floor is now 10 points, which a later threshold change can spend.",
        outcome="improved",
    )

    # ---- day 2: missing-value indicators (a regression, reverted)
    indicators = s.commit(
        "Try missing-value indicators in the imputer",
        {
            "src/config.py": cfg(C=0.1, class_weight="prior", indicators=True),
            "src/model.py": _model(indicators=True, threshold=False, boosting=False),
        },
        at=clock(2, "10:15"),
    )
    s.experiment(
        at=clock(2, "10:40"),
        commit=indicators,
        observation="worst_concave_points is missing in 17% of rows and rows with a gap are a "
        "little more often malignant (25% vs 16%).",
        hypothesis="Indicator columns let the model use the fact that a value was missing.",
        change="SimpleImputer(add_indicator=True): one 0/1 column per feature with gaps.",
        params={"model": "logreg", "C": 0.1, "class_weight": "prior", "missing_indicators": True},
        metrics={"recall": 0.929, "precision": 0.907, "roc_auc": 0.981},
        result="Worse on every number: recall 0.929, precision 0.907, AUC 0.981.",
        learning="Missingness is noise here (gaps are spread over 163 of 243 rows); 15 "
        "indicator columns only add variance. Reverted.",
        outcome="regressed",
    )
    s.commit(
        "Revert missing-value indicators: worse on dev (exp-005)",
        {"src/config.py": cfg(C=0.1, class_weight="prior", indicators=False)},
        at=clock(2, "11:05"),
    )
    s.update(
        at=clock(2, "17:00"),
        done="Prior-matched class weights and C=0.1: dev recall 0.952 at precision 0.952. "
        "Balanced weights (exp-002) and missing-value indicators (exp-005) made things worse; "
        "both reverted and logged.",
        next="Checkpoint tomorrow. Then: is 0.5 the right threshold, and can the label noise "
        "be handled directly?",
        blockers="None.",
    )

    # ---- day 3: checkpoint 1 feedback, acted on
    bench = s.commit(
        "Measure p95 latency of single-case predictions (checkpoint feedback)",
        {"scripts/bench_latency.py": BENCH, "Makefile": MAKEFILE_V2},
        at=clock(3, "11:20"),
    )
    boot = s.commit(
        "Report bootstrap intervals for dev metrics (checkpoint feedback)\n\n"
        "Dev has 42 malignant cases: one case is 2.4 points of recall. Every training run now\n"
        "prints 90% intervals and how often precision falls under the floor.",
        {
            "src/evaluate.py": EVALUATE_V2,
            "src/train.py": _train(bootstrap=True, drop=False),
            "tests/test_evaluate.py": TEST_EVALUATE + TEST_BOOTSTRAP,
            "tests/test_pipeline.py": TEST_PIPELINE,
        },
        at=clock(3, "14:20"),
    )
    s.experiment(
        at=clock(3, "14:45"),
        commit=boot,
        observation="Checkpoint feedback: dev is small, so how much of the progress is real?",
        hypothesis="Bootstrap intervals will show which differences between experiments are "
        "larger than the noise.",
        change="1,000 bootstrap resamples of dev; 90% intervals for recall and precision; share "
        "of resamples with precision under 0.85.",
        params={"model": "logreg", "C": 0.1, "class_weight": "prior", "bootstrap": 1000},
        metrics={
            "recall": 0.952,
            "precision": 0.952,
            "recall_low": 0.889,
            "precision_low": 0.892,
        },
        result="Recall 0.952 [0.889, 1.000], precision 0.952 [0.892, 1.000]; precision under the "
        "floor in 0.2% of resamples.",
        learning="Baseline to now (0.881 -> 0.952) is outside the noise; a one-case difference "
        "between two models is not. Threshold decisions must look at the floor risk, not only "
        "the point estimate.",
        outcome="neutral",
    )
    s.feedback(
        at=clock(3, "15:30"),
        received=clock(3, "09:30"),
        checkpoint="day 3",
        text="Clear framing, and asking about the prevalence was the right call. Two things: "
        "dev has only 42 malignant cases, so show how uncertain your dev numbers are before "
        "tuning anything on them; and measure the latency budget instead of assuming it.",
        response="Done both. Every training run now prints bootstrap intervals (recall 0.952 "
        "[0.889, 1.000], precision 0.952 [0.892, 1.000]); I will use the floor risk to decide "
        "the threshold. Latency is measured by `make bench`: p95 2.5 ms per single-case call "
        "against the 50 ms budget.",
        commits=[bench, boot],
    )
    s.commit("Record the day-3 checkpoint feedback and my response", at=clock(3, "15:35"))

    # ---- day 4: threshold (not adopted), label-noise screen (reverted)
    thr = s.commit(
        "Try a lower decision threshold (0.42) with the threshold saved in the model",
        {
            "src/config.py": cfg(C=0.1, class_weight="prior", indicators=False, threshold=0.42),
            "src/model.py": _model(indicators=True, threshold=True, boosting=False),
        },
        at=clock(4, "10:10"),
    )
    s.experiment(
        at=clock(4, "10:40"),
        commit=thr,
        observation="Precision is 10 points above the floor; recall could use some of it.",
        hypothesis="A threshold of 0.42 catches one more malignant case and keeps precision "
        "above 0.85.",
        change="Threshold 0.5 -> 0.42, applied by a wrapper saved in models/model.pkl so the "
        "predict command uses it.",
        params={"model": "logreg", "C": 0.1, "class_weight": "prior", "threshold": 0.42},
        metrics={"recall": 0.976, "precision": 0.891, "precision_under_floor": 0.165},
        result="Recall 0.976 (1 miss), precision 0.891 (5 false alarms); precision under the "
        "floor in 16% of bootstrap resamples.",
        learning="One more case caught is within the noise, a 16% chance of an undeployable "
        "model is not. Keeping 0.5; the wrapper stays so the threshold is explicit.",
        outcome="neutral",
    )
    s.commit(
        "Keep the threshold at 0.5: 0.42 risks the precision floor (exp-007)",
        {"src/config.py": cfg(C=0.1, class_weight="prior", indicators=False, threshold=0.5)},
        at=clock(4, "11:00"),
    )
    drop_cfg = cfg(
        C=0.1, class_weight="prior", indicators=False, drop_suspicious=True, threshold=0.5
    )
    screen = s.commit(
        "Try dropping training labels the model confidently disputes",
        {
            "src/features.py": FEATURES_V2,
            "src/config.py": drop_cfg,
            "src/train.py": _train(bootstrap=True, drop=True),
            "tests/test_features.py": TEST_FEATURES + TEST_SUSPICIOUS,
        },
        at=clock(4, "14:30"),
    )
    s.experiment(
        at=clock(4, "15:00"),
        commit=screen,
        observation="The brief says some training labels are wrong; the model still misses 2 "
        "malignant cases.",
        hypothesis="Rows whose out-of-fold score confidently contradicts their label are "
        "mislabelled; dropping them gives a cleaner decision boundary.",
        change="5-fold out-of-fold scores; drop rows with label 1 and score < 0.1 or label 0 "
        "and score > 0.9 (9 rows).",
        params={"model": "logreg", "C": 0.1, "class_weight": "prior", "drop_suspicious": True},
        metrics={"recall": 0.881, "precision": 1.0, "roc_auc": 0.999},
        result="Recall fell back to 0.881 (5 misses); AUC 0.999 but the scores shrank below "
        "the threshold.",
        learning="All nine dropped rows were labelled malignant (9 of 53): the screen cannot "
        "tell a wrong label from a hard malignant case, and with fewer positives the model got "
        "more cautious. Reverted; a second read of those 9 rows would settle it.",
        outcome="regressed",
    )
    s.commit(
        "Revert the label screen: it dropped real malignant cases (exp-008)",
        {
            "src/config.py": cfg(
                C=0.1, class_weight="prior", indicators=False, drop_suspicious=False, threshold=0.5
            )
        },
        at=clock(4, "15:30"),
    )
    s.update(
        at=clock(4, "17:10"),
        done="Bootstrap intervals and latency benchmark (checkpoint feedback). Threshold 0.42 "
        "not adopted (16% floor risk); label screen reverted (it dropped real cases).",
        next="Monday: a non-linear challenger, then the write-up.",
        blockers="None.",
    )

    # ---- day 7: checkpoint 2; a challenger; reproducibility
    final_cfg = cfg(
        C=0.1,
        class_weight="prior",
        indicators=False,
        drop_suspicious=False,
        threshold=0.5,
        model="logreg",
    )
    boosting_cfg = final_cfg.replace('model: str = "logreg"', 'model: str = "boosting"')
    challenger = s.commit(
        "Try gradient boosting as a challenger at the same settings",
        {
            "src/config.py": boosting_cfg,
            "src/model.py": _model(indicators=True, threshold=True, boosting=True),
        },
        at=clock(7, "10:30"),
    )
    s.experiment(
        at=clock(7, "11:10"),
        commit=challenger,
        observation="The linear model's two misses may need interactions it cannot express.",
        hypothesis="Gradient boosting with the same prior weights beats the logistic "
        "regression on dev.",
        change="HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05), prior "
        "weights, threshold 0.5.",
        params={"model": "boosting", "max_iter": 200, "learning_rate": 0.05},
        metrics={"recall": 0.81, "precision": 0.944, "roc_auc": 0.965},
        result="Recall 0.810 (8 misses), AUC 0.965: clearly worse.",
        learning="243 noisy rows are too few for trees to beat a regularised linear model. "
        "Not kept; the code stays behind the config switch.",
        outcome="regressed",
    )
    s.commit(
        "Back to the logistic regression: boosting was worse (exp-009)",
        {"src/config.py": final_cfg},
        at=clock(7, "11:30"),
    )
    reproduce = s.commit(
        "Add make reproduce: tests, training and benchmark from a clean state",
        {"Makefile": MAKEFILE_V3},
        at=clock(7, "15:00"),
    )
    s.update(
        at=clock(7, "17:20"),
        done="Boosting challenger worse (exp-009), not kept. `make reproduce` rebuilds "
        "everything and prints identical numbers twice in a row.",
        next="Write-up: results in queue terms, the iteration table, trade-offs, next steps.",
        blockers="None.",
    )

    # ---- day 8-9: write-up
    writeup = s.commit(
        "Write up the problem, approach, iterations, trade-offs and next steps",
        {"README.md": README_FINAL},
        at=clock(8, "11:40"),
    )
    s.feedback(
        at=clock(8, "12:00"),
        received=clock(7, "09:30"),
        checkpoint="day 7",
        text="Solid progress and an honest log. Before the end: one command that reproduces "
        "your dev numbers from a clean clone, and say in the README how the threshold was "
        "chosen.",
        response="`make reproduce` runs tests, training and the benchmark from a clean state. "
        "The README's trade-offs section explains the threshold: 0.42 catches one more case "
        "but breaks the floor in 16% of bootstrap resamples, so I kept 0.5.",
        commits=[reproduce, writeup],
    )
    s.update(
        at=clock(9, "10:30"),
        done="Write-up in README.md; both checkpoints' feedback answered. Final: dev recall "
        "0.952 at precision 0.952, p95 latency 2.5 ms.",
        next="Submit. If continued: second read of the 9 disputed labels; drift monitoring.",
        blockers="None.",
    )
    s.commit("Record the day-7 feedback response and the final update", at=clock(9, "10:35"))
    return s.finish(name=NAME, title=TITLE, duration_days=TRIAL.duration_days)
