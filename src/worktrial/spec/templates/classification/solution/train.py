"""Reference baseline: median imputation, scaling and a logistic regression.

Deliberately plain: no class weights, no threshold tuning, no handling of the label noise. It is
the bar a candidate's work is compared with, not a good model.

Run from the bundle folder:
    python solution/train.py --data data --model build/reference-model.pkl
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ID = "id"
TARGET = "malignant"
SEED = 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="folder of the CSVs")
    parser.add_argument("--model", type=Path, default=Path("build/reference-model.pkl"))
    args = parser.parse_args(argv)

    train = pd.read_csv(args.data / "train.csv")
    dev = pd.read_csv(args.data / "dev.csv")
    features = [c for c in train.columns if c not in (ID, TARGET)]

    model = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(max_iter=1000, random_state=SEED),
    )
    model.fit(train[features], train[TARGET])

    predicted = model.predict(dev[features])
    recall = recall_score(dev[TARGET], predicted)
    precision = precision_score(dev[TARGET], predicted, zero_division=0)
    print(f"dev recall {recall:.3f}, precision {precision:.3f} ({len(dev)} rows)")

    args.model.parent.mkdir(parents=True, exist_ok=True)
    with args.model.open("wb") as fh:
        pickle.dump({"features": features, "model": model}, fh)


if __name__ == "__main__":
    main()
