"""Reading the trial's CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ID = "id"
TARGET = "digit"
DATA = Path("data")
PIXELS = [f"px_{row}_{col}" for row in range(8) for col in range(8)]


def load(path: Path) -> tuple[pd.Series, pd.DataFrame, pd.Series | None]:
    """The ids, the 64 pixel columns and (when the file has them) the labels of a CSV file."""
    frame = pd.read_csv(path)
    labels = frame[TARGET] if TARGET in frame.columns else None
    return frame[ID], frame[PIXELS], labels
