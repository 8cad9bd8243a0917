"""Persona: the honest failure.

Frames the problem well, ships a baseline on the first day, then bets the middle of the trial on
one idea: recover the measurement that is missing in 17% of the training rows with a smarter
imputer. The imputers work (they predict the missing values far better than the median) but the
model does not get better, and she says so plainly in the log, the updates and the write-up,
with the reason she found. After the day-3 checkpoint she timeboxes the idea, falls back to the
tuned baseline and finishes with trade-offs, limitations and next steps.

Every metric in the log is what the code of the logged commit prints on ``data/dev.csv``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from worktrial.demo._kit import TRIAL, PersonaRepo, Story, clock, code, md, notebook

NAME = "honest-failure"
TITLE = "good discipline; the main idea failed, says so and why, falls back to the baseline"
AUTHOR = ("Mei Lin", "mei.lin@example.com")

README_FRAMING = """\
# Malignancy screening

## Problem

The clinic wants likely-malignant cases read first. A missed malignant case waits in the queue
(the expensive mistake); a false alarm costs a radiologist a few minutes and, in bulk, trust.

- **Objective:** rank cases so that malignant ones are flagged for early review.
- **Metric:** recall on malignant cases, because misses are what hurts patients; subject to
  **precision >= 0.85**, because a flag that is wrong too often gets ignored.
- **Constraints:** p95 latency under 50 ms per case, 1 GB memory, 50 MB model, 5 minutes of
  training; about 24 hours of work over 10 days.
- **Assumptions:** dev labels (second read) are the ground truth; the wrong training labels are
  random (asked, see below); the holdout looks like dev.
- **Out of scope:** image features, per-group fairness analysis (no demographic data), deployment.

## Plan

1. Baseline on day 0 (logistic regression), measured on dev.
2. Main idea: `worst_concave_points` is missing in 17% of training rows, and it is the
   measurement most related to malignancy in the literature. Replace median imputation with a
   model-based one and see whether recall improves.
3. Tune and write up.

## Questions

- Are the wrong training labels random, or concentrated in hard cases? *Answer: unknown; treat
  them as random.*
"""

README_FINAL = """\
# Malignancy screening

A regularised, class-weighted logistic regression that flags likely-malignant cases for early
review. On dev it flags **41 of 42 malignant cases** (recall 0.976) with **4 false alarms**
(precision 0.911, above the 0.85 floor).

**The main idea of this project did not work.** I spent days 1-3 on model-based imputation of the
missing measurements; it recovered the missing values accurately but did not improve the model.
What I tried, why I think it failed and what I would do instead are below.

## Problem

The clinic wants likely-malignant cases read first. A missed malignant case waits in the queue
(the expensive mistake); a false alarm costs a radiologist a few minutes and, in bulk, trust.

- **Objective:** rank cases so that malignant ones are flagged for early review.
- **Metric:** recall on malignant cases, because misses are what hurts patients; subject to
  **precision >= 0.85**, because a flag that is wrong too often gets ignored.
- **Constraints:** p95 latency under 50 ms per case, 1 GB memory, 50 MB model, 5 minutes of
  training; about 24 hours of work over 10 days.
- **Assumptions:** dev labels (second read) are the ground truth; the wrong training labels are
  random (the company does not know either); the holdout looks like dev.
- **Out of scope:** image features, per-group fairness analysis (no demographic data), deployment.

## How to run

```
pip install -r requirements.txt
python -m pytest                 # tests
python -m src.train              # trains on data/train.csv, prints dev metrics
python -m src.train --select-c   # re-runs the 5-fold choice of C on train (prints the table)
python -m src.predict INPUT.csv OUTPUT.csv
```

Seeds are fixed in `src/config.py`; two runs print the same numbers.

## Approach

- `src/data.py` (from the starter kit) reads the files; `src/preprocess.py` builds the imputer;
  `src/model.py` the classifier; `src/metrics.py` the dev report; `src/train.py` runs it all.
- Models are fitted on train only and compared on dev (42 malignant cases, so one case is 2.4
  points of recall). Every run is logged in `.worktrial/experiments.jsonl`.

## Iterations

| Iteration | Change | Result (dev recall / precision) | Outcome |
|---|---|---|---|
| exp-001 | baseline: median imputation, logistic regression | 0.881 / 1.000 | baseline |
| exp-002 | balanced class weights | 0.976 / 0.837 | recall up, precision under floor |
| exp-003 | KNN imputation (main idea, 1) | 0.976 / 0.804 | **failed** |
| exp-004 | iterative (regression) imputation (main idea, 2) | 0.952 / 0.851 | **failed** |
| exp-005 | fallback: C chosen by 5-fold CV on train (0.01) | 0.976 / 0.911 | improved |
| exp-006 | threshold 0.45 / 0.55 instead of 0.5 | no better trade | kept 0.5 |

## What did not work, and why

The idea: `worst_concave_points` is missing in 17% of training rows; fill it from the other
measurements instead of the median, so those rows stop looking average.

- **The imputers did their job.** Hiding 40 known values and imputing them
  (`notebooks/imputation_check.ipynb`): median RMSE 0.068 (as large as the column's spread),
  KNN 0.044, iterative 0.014.
- **The model did not improve.** KNN imputation lowered precision to 0.804 (2 more false
  alarms); iterative imputation lost a malignant case and sat at the floor (0.851).
- **Why:** `worst_concave_points` correlates 0.91 with `mean_concave_points`, which is rarely
  missing. The model already had the information; filling in a redundant column more accurately
  adds nothing, and the imputers' own errors add a little noise. I should have checked the
  correlations on day 1, before building the imputers: a one-line check would have saved two
  days.

## Trade-offs

- **Median imputation over model-based imputation:** simpler, faster (no neighbour search at
  prediction time) and, on dev, better.
- **Strong regularisation (C=0.01) over the default:** chosen by cross-validation on train,
  because the training labels are noisy; it gives up nothing in recall and gains 7 points of
  precision on dev.
- **Threshold 0.5:** 0.45 adds false alarms without catching the last case; 0.55 loses a
  malignant case. I would rather keep the default than tune a threshold on 42 cases.

## Results

Dev: recall 0.976 (41 of 42), precision 0.911 (4 false alarms), ROC AUC 0.994. For the clinic:
of every 100 malignant cases, about 98 would be flagged for early review, and about 9 in 100
flags would turn out benign. Prediction p95 latency: 3 ms per case (`scripts/latency.py`).

## Limitations

- Dev is small: 42 malignant cases. The difference between my final model and exp-002 is four
  false alarms, which is real but not large.
- I did not find the label noise; I only regularised against it.
- Train has 22% malignant cases, dev 37%. I used balanced weights and did not ask which one
  production matches; if production differs from dev, precision will move.

## Next steps

1. Ask which class balance production has, and set the class weights for it.
2. Look at the training labels the model disagrees with most; ask for a second read.
3. If imputation is revisited: impute only when the correlated measurement is also missing.
4. Monitor the missing-value rate of `worst_concave_points` in production.

## Feedback

- Day 3: *timebox the imputation work and make sure a model above the floor exists.* I stopped
  the imputation that day and moved to the fallback (exp-005), which is the final model.
- Day 7: *document the failed work properly.* This README's "What did not work" section, and
  the notebook with the imputation check.
"""

REQUIREMENTS = """\
numpy==2.4.6
pandas==3.1.1
scikit-learn==1.9.1
pytest==8.4.2
"""

CONFTEST = """\
import sys
from pathlib import Path

# make "src" importable when pytest is run from anywhere in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
"""


def _config(*, imputer: str, class_weight: str | None, C: float) -> str:
    weight = "None" if class_weight is None else f'"{class_weight}"'
    return f'''\
"""Settings of the current model. Change them here; every run prints them."""

IMPUTER = "{imputer}"  # "median", "knn" or "iterative" (see src/preprocess.py)
CLASS_WEIGHT = {weight}
C = {C}
THRESHOLD = 0.5
SEED = 0
'''


PREPROCESS_V1 = '''\
"""Preparing the measurements for the model: filling in missing values."""

from __future__ import annotations

from sklearn.impute import SimpleImputer


def make_imputer(kind: str = "median"):
    """An unfitted imputer of the given kind."""
    if kind == "median":
        return SimpleImputer(strategy="median")
    raise ValueError(f"unknown imputer {kind!r}")
'''

PREPROCESS_V2 = '''\
"""Preparing the measurements for the model: filling in missing values.

``median`` is the baseline. ``knn`` and ``iterative`` fill a missing value from the other
measurements of the same case (the plan's main idea; see the README for how it went).
"""

from __future__ import annotations

from sklearn.impute import KNNImputer, SimpleImputer

#ITERATIVE_IMPORT#

def make_imputer(kind: str = "median", seed: int = 0):
    """An unfitted imputer of the given kind."""
    if kind == "median":
        return SimpleImputer(strategy="median")
    if kind == "knn":
        return KNNImputer(n_neighbors=5)
#ITERATIVE#    raise ValueError(f"unknown imputer {kind!r}")
'''

_ITERATIVE_IMPORT = (
    "from sklearn.experimental import enable_iterative_imputer  # noqa: F401\n"
    "from sklearn.impute import IterativeImputer  # noqa: E402\n"
)
_ITERATIVE = """\
    if kind == "iterative":
        return IterativeImputer(max_iter=10, random_state=seed)
"""


def _preprocess(*, iterative: bool) -> str:
    text = PREPROCESS_V2
    text = text.replace("#ITERATIVE_IMPORT#\n", _ITERATIVE_IMPORT if iterative else "")
    return text.replace("#ITERATIVE#", _ITERATIVE if iterative else "")


MODEL = '''\
"""The classifier: imputation, scaling, logistic regression."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from src import config
from src.preprocess import make_imputer


def build(C: float | None = None) -> Pipeline:
    """An unfitted pipeline with the settings of src/config.py (``C`` overrides the config)."""
    return Pipeline(
        [
            ("impute", make_imputer(config.IMPUTER, seed=config.SEED)),
            ("scale", StandardScaler()),
            (
                "model",
                LogisticRegression(
                    C=config.C if C is None else C,
                    class_weight=config.CLASS_WEIGHT,
                    max_iter=5000,
                    random_state=config.SEED,
                ),
            ),
        ]
    )
'''

MODEL_V1 = MODEL.replace(
    "make_imputer(config.IMPUTER, seed=config.SEED)", "make_imputer(config.IMPUTER)"
)

METRICS = '''\
"""The dev report: recall first, then what it costs."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_score, recall_score, roc_auc_score


def report(y_true, scores, threshold: float = 0.5) -> dict:
    y_true = np.asarray(y_true)
    y_pred = (np.asarray(scores) >= threshold).astype(int)
    return {
        "recall": round(float(recall_score(y_true, y_pred)), 3),
        "precision": round(float(precision_score(y_true, y_pred, zero_division=0)), 3),
        "roc_auc": round(float(roc_auc_score(y_true, scores)), 3),
        "missed": int(((y_pred == 0) & (y_true == 1)).sum()),
        "false_alarms": int(((y_pred == 1) & (y_true == 0)).sum()),
    }
'''

TRAIN = '''\
"""Train: ``python -m src.train`` (fits on train, reports on dev, saves models/model.pkl)."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

from src import config, metrics, model
from src.data import DATA, load

MODEL = Path("models/model.pkl")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Train and report on dev.")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=MODEL)
#SELECT_ARG#    args = parser.parse_args(argv)

    _, X_train, y_train = load(args.data / "train.csv")
    _, X_dev, y_dev = load(args.data / "dev.csv")
    columns = list(X_train.columns)
#SELECT_RUN#
    pipe = model.build().fit(X_train[columns], y_train)
    scores = pipe.predict_proba(X_dev[columns])[:, 1]
    result = {
        "settings": {"imputer": config.IMPUTER, "class_weight": config.CLASS_WEIGHT, "C": config.C},
        "dev": metrics.report(y_dev, scores, config.THRESHOLD),
    }
    args.model.parent.mkdir(parents=True, exist_ok=True)
    with args.model.open("wb") as fh:
        pickle.dump({"features": columns, "model": pipe}, fh)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
'''

_SELECT_ARG = (
    '    parser.add_argument("--select-c", action="store_true", '
    'help="choose C by 5-fold CV on train")\n'
)
_SELECT_RUN = """
    if args.select_c:
        # Chosen on train only, by average precision (the ranking), so dev stays a yardstick.
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=config.SEED)
        for c in (0.01, 0.03, 0.1, 0.3, 1.0):
            scores = cross_val_predict(
                model.build(C=c), X_train[columns], y_train, cv=folds, method="predict_proba"
            )[:, 1]
            print(f"C={c}: CV average precision {average_precision_score(y_train, scores):.3f}")
"""


def _train(*, select: bool) -> str:
    text = TRAIN.replace("#SELECT_ARG#", _SELECT_ARG if select else "")
    text = text.replace("#SELECT_RUN#\n", _SELECT_RUN if select else "")
    if select:
        text = text.replace(
            "from src import config, metrics, model\n",
            "from sklearn.metrics import average_precision_score\n"
            "from sklearn.model_selection import StratifiedKFold, cross_val_predict\n\n"
            "from src import config, metrics, model\n",
        )
    return text


LATENCY = '''\
"""p95 latency of single-case predictions with models/model.pkl (the brief's 50 ms budget)."""

import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from src.data import DATA, load  # noqa: E402

with open("models/model.pkl", "rb") as fh:
    saved = pickle.load(fh)
_, X, _ = load(DATA / "dev.csv")
X = X[saved["features"]]
times = []
for i in range(300):
    row = X.iloc[[i % len(X)]]
    t = time.perf_counter()
    saved["model"].predict(row)
    times.append((time.perf_counter() - t) * 1000)
print(f"p95 {np.percentile(times, 95):.1f} ms over {len(times)} single-case calls")
'''

TEST_PREPROCESS = """\
import numpy as np
import pytest

from src.preprocess import make_imputer


@pytest.mark.parametrize("kind", ["median", "knn", "iterative"])
def test_imputers_fill_every_gap(kind):
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, np.nan], [3.0, 5.0], [4.0, 6.0], [5.0, 7.0]])
    filled = make_imputer(kind).fit_transform(X)
    assert not np.isnan(filled).any()


def test_unknown_imputer_is_refused():
    with pytest.raises(ValueError, match="unknown imputer 'mean'"):
        make_imputer("mean")
"""

TEST_TRAIN = f'''\
import numpy as np
import pandas as pd

from src import predict, train


def test_train_and_predict_end_to_end(tmp_path):
    rng = np.random.default_rng(3)
    n = 100
    y = (rng.random(n) < 0.35).astype(int)
    frame = pd.DataFrame(
        {{"{TRIAL.id_column}": range(n), "a": rng.normal(0, 1, n) + 2 * y,
         "b": rng.normal(0, 1, n), "{TRIAL.target}": y}}
    )
    data = tmp_path / "data"
    data.mkdir()
    frame.to_csv(data / "train.csv", index=False)
    frame.to_csv(data / "dev.csv", index=False)
    frame.drop(columns="{TRIAL.target}").to_csv(data / "cases.csv", index=False)
    result = train.main(["--data", str(data), "--model", str(tmp_path / "m.pkl")])
    assert result["dev"]["recall"] > 0.5
    saved = str(tmp_path / "m.pkl")
    predict.main([str(data / "cases.csv"), str(tmp_path / "p.csv"), "--model", saved])
    out = pd.read_csv(tmp_path / "p.csv")
    assert len(out) == n and set(out["{TRIAL.predictions_column}"]) <= {{0, 1}}
'''

IMPUTATION_CHECK = notebook(
    [
        md(
            "# Does better imputation help?\n\n"
            "exp-003 and exp-004 did not improve dev. Two possible reasons: the imputers are "
            "bad, or the model does not need the values. Test the first by hiding known values."
        ),
        code(
            "import sys\n\nimport numpy as np\nimport pandas as pd\n\n"
            "sys.path.insert(0, '..')\n"
            "from src.preprocess import make_imputer\n\n"
            "train = pd.read_csv('../data/train.csv')\n"
            f"X = train.drop(columns=['{TRIAL.id_column}', '{TRIAL.target}'])\n"
            "col = 'worst_concave_points'\n"
            "known = X.index[X[col].notna()]\n"
            "hidden = known[np.random.default_rng(0).permutation(len(known))[:40]]\n"
            "masked = X.copy(); masked.loc[hidden, col] = np.nan\n"
            "len(hidden), X[col].loc[hidden].std().round(4)",
            "(40, 0.0665)",
        ),
        code(
            "for kind in ['median', 'knn', 'iterative']:\n"
            "    filled = make_imputer(kind).fit_transform(masked)\n"
            "    filled = pd.DataFrame(filled, columns=X.columns)\n"
            "    err = filled.loc[hidden, col] - X.loc[hidden, col]\n"
            "    print(kind, 'RMSE', round(float(np.sqrt((err ** 2).mean())), 4))",
            "median RMSE 0.0675\nknn RMSE 0.0436\niterative RMSE 0.0144",
        ),
        md(
            "The imputers are good: iterative imputation is almost five times closer than the "
            "median. So the model does not need the values. Why?"
        ),
        code(
            "X.corr()[col].sort_values(ascending=False).head(4).round(3)",
            "worst_concave_points    1.000\nmean_concave_points     0.911\n"
            "worst_concavity         0.840\nmean_concavity          0.827\n"
            "Name: worst_concave_points, dtype: float64",
        ),
        md(
            "`mean_concave_points` (rarely missing) carries nearly the same information. "
            "Imputing a redundant column more accurately adds nothing the model does not have. "
            "**Conclusion: stop the imputation work; fall back to the tuned baseline.**"
        ),
    ]
)


def build_honest_failure(dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo:
    """Build the honest failure's repository at ``dest`` (see the module docstring).

    Args:
        dest: a new or empty folder.
        starter: the starter kit's git repository to start from, or ``None``.
        start: the trial's start (timezone-aware).

    Raises:
        UsageError: ``dest`` is not empty or ``start`` is naive.
        GitCommandError: git failed.
    """
    s = Story(dest, starter=starter, start=start, author=AUTHOR)

    # ---- day 0: framing, question, baseline
    s.question(
        at=clock(0, "09:20"),
        text="The brief says a few training labels are wrong. Are they random, or concentrated "
        "in hard, borderline cases?",
        answer="We do not know; treat them as random.",
    )
    s.commit(
        "Describe the problem, metric, constraints and plan in the README",
        {"README.md": README_FRAMING},
        at=clock(0, "10:10"),
    )
    s.commit(
        "Pin requirements and add a conftest so tests can import src",
        {"requirements.txt": REQUIREMENTS, "tests/conftest.py": CONFTEST},
        at=clock(0, "11:00"),
    )
    baseline = s.commit(
        "Baseline: median imputation and logistic regression, measured on dev",
        {
            "src/config.py": _config(imputer="median", class_weight=None, C=1.0),
            "src/preprocess.py": PREPROCESS_V1,
            "src/model.py": MODEL_V1,
            "src/metrics.py": METRICS,
            "src/train.py": _train(select=False),
        },
        at=clock(0, "14:40"),
    )
    s.experiment(
        at=clock(0, "15:00"),
        commit=baseline,
        observation="Starting point: nothing measured yet.",
        hypothesis="A plain logistic regression is a reasonable first bar.",
        change="Median imputation, scaling, logistic regression, threshold 0.5.",
        params={"imputer": "median", "class_weight": None, "C": 1.0},
        metrics={"recall": 0.881, "precision": 1.0, "roc_auc": 0.992},
        result="Dev recall 0.881 (5 of 42 malignant missed), precision 1.000.",
        learning="Precision has lots of room; recall is the problem.",
        outcome="neutral",
    )
    s.update(
        at=clock(0, "17:20"),
        done="Problem framing in the README, question on label noise answered, baseline: dev "
        "recall 0.88, precision 1.00.",
        next="Class weights for recall; then the main idea: better imputation of "
        "worst_concave_points (missing in 17% of training rows).",
        blockers="None.",
    )

    # ---- day 1-2: class weights, then the main idea (fails twice)
    weights = s.commit(
        "Balance class weights for recall",
        {"src/config.py": _config(imputer="median", class_weight="balanced", C=1.0)},
        at=clock(1, "10:20"),
    )
    s.experiment(
        at=clock(1, "10:40"),
        commit=weights,
        observation="The baseline misses 5 malignant cases; train has only 22% malignant.",
        hypothesis="Balanced class weights push the model towards recall.",
        change="class_weight='balanced'.",
        params={"imputer": "median", "class_weight": "balanced", "C": 1.0},
        metrics={"recall": 0.976, "precision": 0.837, "roc_auc": 0.986},
        result="Recall 0.976 (1 miss) but precision 0.837, under the 0.85 floor.",
        learning="Weights work for recall; precision needs attention before this is usable.",
        outcome="neutral",
    )
    knn = s.commit(
        "Main idea, step 1: impute missing measurements with KNN",
        {
            "src/preprocess.py": _preprocess(iterative=False),
            "src/model.py": MODEL,
            "src/config.py": _config(imputer="knn", class_weight="balanced", C=1.0),
        },
        at=clock(1, "14:30"),
    )
    s.experiment(
        at=clock(1, "15:10"),
        commit=knn,
        observation="worst_concave_points is missing in 17% of training rows; the median makes "
        "those cases look average.",
        hypothesis="Filling it from the 5 most similar cases recovers the value and helps the "
        "model separate malignant cases.",
        change="KNNImputer(n_neighbors=5) on standardised measurements instead of the median.",
        params={"imputer": "knn", "class_weight": "balanced", "C": 1.0},
        metrics={"recall": 0.976, "precision": 0.804, "roc_auc": 0.987},
        result="Recall unchanged, precision down to 0.804 (10 false alarms instead of 8).",
        learning="KNN imputation did not help and cost precision. Not yet clear whether the "
        "imputed values are poor or simply not useful.",
        outcome="failed",
    )
    iterative = s.commit(
        "Main idea, step 2: iterative (regression) imputation",
        {
            "src/preprocess.py": _preprocess(iterative=True),
            "src/config.py": _config(imputer="iterative", class_weight="balanced", C=1.0),
            "tests/test_preprocess.py": TEST_PREPROCESS,
        },
        at=clock(2, "10:30"),
    )
    s.experiment(
        at=clock(2, "11:00"),
        commit=iterative,
        observation="KNN may be too crude with 30 features and 243 rows.",
        hypothesis="Regressing each measurement on the others (IterativeImputer) gives better "
        "values and a better model.",
        change="IterativeImputer(max_iter=10) instead of KNN.",
        params={"imputer": "iterative", "class_weight": "balanced", "C": 1.0},
        metrics={"recall": 0.952, "precision": 0.851, "roc_auc": 0.987},
        result="Recall down to 0.952 (one more miss), precision 0.851, right at the floor.",
        learning="Second failure of the same idea. Before trying a third imputer, check whether "
        "the imputed values are the problem at all.",
        outcome="failed",
    )
    s.commit(
        "Check imputation quality on hidden known values: the imputers are accurate",
        {"notebooks/imputation_check.ipynb": IMPUTATION_CHECK},
        at=clock(2, "15:40"),
    )
    s.update(
        at=clock(2, "17:30"),
        done="Main idea tested twice: KNN (exp-003) and iterative imputation (exp-004) both "
        "made dev worse. The imputers are accurate (RMSE 0.014 vs 0.068 for the median); the "
        "model just does not need the values: worst_concave_points correlates 0.91 with "
        "mean_concave_points.",
        next="Checkpoint tomorrow. Likely: stop the imputation work and tune the baseline so "
        "precision clears the floor.",
        blockers="My main idea is not working; I would like the checkpoint's view before "
        "spending more time on it.",
    )

    # ---- day 3: checkpoint, fallback
    fallback = s.commit(
        "Stop the imputation work: back to median imputation (exp-003, exp-004 failed)",
        {"src/config.py": _config(imputer="median", class_weight="balanced", C=1.0)},
        at=clock(3, "11:10"),
    )
    tuned = s.commit(
        "Fallback: choose C by 5-fold cross-validation on train",
        {
            "src/train.py": _train(select=True),
            "src/config.py": _config(imputer="median", class_weight="balanced", C=0.01),
        },
        at=clock(3, "14:00"),
    )
    s.experiment(
        at=clock(3, "14:30"),
        commit=tuned,
        observation="Balanced weights give the recall we need but precision is under the "
        "floor; the training labels are noisy.",
        hypothesis="Stronger regularisation, chosen on train only, stops the model fitting "
        "the wrong labels and recovers precision.",
        change="C chosen from 0.01-1.0 by 5-fold CV average precision on train: C=0.01.",
        params={"imputer": "median", "class_weight": "balanced", "C": 0.01},
        metrics={"recall": 0.976, "precision": 0.911, "roc_auc": 0.994},
        result="Recall 0.976 (1 miss), precision 0.911 (4 false alarms): above the floor.",
        learning="The simple fix beat two days of imputation work. Regularisation is the right "
        "lever for noisy labels.",
        outcome="improved",
    )
    s.feedback(
        at=clock(3, "15:00"),
        received=clock(3, "09:30"),
        checkpoint="day 3",
        text="The imputation work is careful and well logged, but dev has not moved and your "
        "weighted model is under the precision floor. Timebox the imputation and make sure you "
        "have a model above the floor.",
        response="Agreed. I stopped the imputation work today (both attempts logged as failed, "
        "with the reason in the notebook) and fell back to the tuned baseline: C chosen by "
        "cross-validation on train gives recall 0.976 at precision 0.911 (exp-005).",
        commits=[fallback, tuned],
    )
    s.commit("Record the day-3 feedback and my response", at=clock(3, "15:05"))

    # ---- day 4: tests, latency
    s.commit(
        "Add an end-to-end test and a latency measurement",
        {"tests/test_train.py": TEST_TRAIN, "scripts/latency.py": LATENCY},
        at=clock(4, "11:00"),
    )
    s.update(
        at=clock(4, "16:50"),
        done="Fallback model: recall 0.976, precision 0.911 on dev (exp-005). End-to-end test; "
        "p95 latency 3 ms per case.",
        next="Check the threshold; write up, including what failed.",
        blockers="None.",
    )

    # ---- day 7: threshold check, checkpoint 2
    s.experiment(
        at=clock(7, "10:40"),
        commit=tuned,
        observation="One malignant case is still missed at threshold 0.5.",
        hypothesis="A nearby threshold might catch it without breaking the floor.",
        change="Dev report at thresholds 0.45 and 0.55 (no code change).",
        params={"C": 0.01, "class_weight": "balanced", "thresholds": "0.45,0.55"},
        metrics={"recall": 0.976, "precision": 0.911},
        result="0.45: same recall, 2 more false alarms. 0.55: loses a malignant case. 0.5 stays.",
        learning="The remaining miss is far below any reasonable threshold; a threshold will "
        "not fix it, better information might.",
        outcome="neutral",
    )
    s.update(
        at=clock(7, "17:00"),
        done="Threshold check (exp-006): 0.5 stays. Started the write-up.",
        next="Finish the README with what failed, trade-offs and next steps.",
        blockers="None.",
    )

    # ---- day 8: write-up; respond to checkpoint 2
    writeup = s.commit(
        "Write up the results, the failed imputation idea and why, trade-offs and next steps",
        {"README.md": README_FINAL},
        at=clock(8, "12:30"),
    )
    s.feedback(
        at=clock(8, "13:00"),
        received=clock(7, "09:30"),
        checkpoint="day 7",
        text="Good recovery after the checkpoint. Make sure the write-up explains the failed "
        "imputation work properly, and say what you would do next.",
        response="The README now has a 'What did not work, and why' section (with the "
        "imputation-quality check) and next steps, starting with the question about "
        "production's class balance that I should have asked on day 0.",
        commits=[writeup],
    )
    s.update(
        at=clock(8, "13:05"),
        done="Write-up finished, including the failed main idea and its cause.",
        next="Submit.",
        blockers="None.",
    )
    s.commit("Record the day-7 feedback response and the final update", at=clock(8, "13:10"))
    return s.finish(name=NAME, title=TITLE, duration_days=TRIAL.duration_days)
