"""Reference baseline: the model the team runs today, a 500-tree random forest on raw pixels.

Accurate enough, but too slow and too large for the new device: it is the bar to beat on
accuracy while meeting the latency, memory and size budgets.

Run from the bundle folder:
    python solution/train.py --data data --model build/reference-model.pkl
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score

ID = "id"
TARGET = "digit"
SEED = 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="folder of the CSVs")
    parser.add_argument("--model", type=Path, default=Path("build/reference-model.pkl"))
    args = parser.parse_args(argv)

    train = pd.read_csv(args.data / "train.csv")
    dev = pd.read_csv(args.data / "dev.csv")
    features = [c for c in train.columns if c not in (ID, TARGET)]

    model = RandomForestClassifier(n_estimators=500, random_state=SEED, n_jobs=1)
    model.fit(train[features], train[TARGET])
    accuracy = accuracy_score(dev[TARGET], model.predict(dev[features]))
    print(f"dev accuracy {accuracy:.4f} ({len(dev)} rows)")

    args.model.parent.mkdir(parents=True, exist_ok=True)
    with args.model.open("wb") as fh:
        pickle.dump({"features": features, "model": model}, fh)


if __name__ == "__main__":
    main()
