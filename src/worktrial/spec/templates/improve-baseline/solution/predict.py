"""Predict digits with the reference baseline: writes one row per input id.

Run from the bundle folder:
    python solution/predict.py --model build/reference-model.pkl INPUT.csv OUTPUT.csv
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import pandas as pd

ID = "id"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="CSV with an id column and the 64 pixels")
    parser.add_argument("output", type=Path, help="CSV to write: id, prediction")
    parser.add_argument("--model", type=Path, default=Path("build/reference-model.pkl"))
    args = parser.parse_args(argv)

    with args.model.open("rb") as fh:
        saved = pickle.load(fh)
    rows = pd.read_csv(args.input)
    predicted = saved["model"].predict(rows[saved["features"]])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({ID: rows[ID], "prediction": predicted.astype(int)}).to_csv(
        args.output, index=False
    )


if __name__ == "__main__":
    main()
