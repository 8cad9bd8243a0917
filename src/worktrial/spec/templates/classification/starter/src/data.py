"""Reading the trial's CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ID = "id"
TARGET = "malignant"
DATA = Path("data")


def load(path: Path) -> tuple[pd.Series, pd.DataFrame, pd.Series | None]:
    """The ids, the feature columns and (when the file has them) the labels of a CSV file."""
    frame = pd.read_csv(path)
    labels = frame[TARGET] if TARGET in frame.columns else None
    features = frame.drop(columns=[c for c in (ID, TARGET) if c in frame.columns])
    return frame[ID], features, labels
