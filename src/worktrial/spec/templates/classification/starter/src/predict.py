"""Predict: ``python -m src.predict INPUT.csv OUTPUT.csv``.

Reads the features of INPUT.csv (an ``id`` column and the measurements, no label) and writes
OUTPUT.csv with the columns ``id`` and ``prediction`` (1 = malignant, 0 = benign), one row per
input row. This is the command the company runs on its held-back data.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pandas as pd

from src.data import ID, load

MODEL = Path("models/model.pkl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write id,prediction for every input row.")
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)

    with args.model.open("rb") as fh:
        saved = pickle.load(fh)
    ids, features, _ = load(args.input)
    predicted = saved["model"].predict(features[saved["features"]])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({ID: ids, "prediction": predicted}).to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
