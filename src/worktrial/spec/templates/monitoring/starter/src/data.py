"""Reading the trial's CSV files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

ID = "id"
BATCH = "batch"
DATA = Path("data")


def load_batches(path: Path) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each batch of a batches CSV (``id``, ``batch`` and the measurements), by batch id."""
    rows = pd.read_csv(path)
    for batch_id, batch in rows.groupby(BATCH, sort=True):
        yield str(batch_id), batch.drop(columns=[ID, BATCH])
