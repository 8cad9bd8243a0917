"""Predict with the reference baseline: writes one row per input id, with 1 = malignant.

Run from the bundle folder:
    python solution/predict.py --model build/reference-model.pkl INPUT.csv OUTPUT.csv
"""

from __future__ import annotations

import argparse
import functools
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

ID = "id"
MODEL = Path("build/reference-model.pkl")


@functools.cache
def load_model(path: Path = MODEL) -> dict[str, Any]:
    """The saved model and its feature columns, read once per process."""
    with path.open("rb") as fh:
        saved: dict[str, Any] = pickle.load(fh)
    return saved


def predict_frame(features: pd.DataFrame, model: Path = MODEL) -> Any:
    """One prediction (an int) per row of ``features``; the ``id`` column is ignored.

    What ``interface.predict_function`` names when the reference solution is run as a
    submission (``solution.predict:predict_frame``): timed in-process for the latency budget.
    """
    saved = load_model(model)
    return saved["model"].predict(features[saved["features"]]).astype(int)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="CSV with an id column and the features")
    parser.add_argument("output", type=Path, help="CSV to write: id, prediction")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)

    rows = pd.read_csv(args.input)
    predicted = predict_frame(rows, args.model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({ID: rows[ID], "prediction": predicted}).to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
