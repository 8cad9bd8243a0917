"""Predict: ``python -m src.predict INPUT.csv OUTPUT.csv``.

Reads INPUT.csv (an ``id`` column and the 64 pixels, no label) and writes OUTPUT.csv with the
columns ``id`` and ``prediction`` (the digit), one row per input row. This is the command the
company runs on its held-back scans.
"""

from __future__ import annotations

import argparse
import functools
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from src.data import ID, load

MODEL = Path("models/model.pkl")


@functools.cache
def load_model(path: Path = MODEL) -> dict[str, Any]:
    """The saved model and its feature columns, read once per process."""
    with path.open("rb") as fh:
        saved: dict[str, Any] = pickle.load(fh)
    return saved


def predict_frame(features: pd.DataFrame, model: Path = MODEL) -> Any:
    """One prediction per row of ``features`` (extra columns such as ``id`` are ignored).

    The company times this function for the latency budget (``interface.predict_function``),
    so keep it fast: the model is loaded once, on the first call.
    """
    saved = load_model(model)
    return saved["model"].predict(features[saved["features"]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write id,prediction for every input row.")
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)

    ids, features, _ = load(args.input)
    predicted = predict_frame(features, args.model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({ID: ids, "prediction": predicted}).to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
