"""CSV files written the same way every time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` as UTF-8 CSV with ``\\n`` line ends, no index, and floats
    with six significant digits (so the bytes do not depend on the platform); missing values
    are empty cells. Creates the parent folders. Returns ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.6g", lineterminator="\n", na_rep="")
    return path
