"""Flag bad batches: ``python -m src.monitor INPUT.csv OUTPUT.csv``.

INPUT.csv holds rows of several batches (``id``, ``batch`` and the 13 measurements). OUTPUT.csv
gets one row per batch with the columns ``id`` (the batch id) and ``prediction`` (1 = bad,
0 = fine). This is the command the company runs on its held-back batches.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import pandas as pd

from src.data import load_batches
from src.model import DeployedModel


def is_bad(batch: pd.DataFrame, model: DeployedModel) -> bool:
    """Whether ``batch`` should be held back from the model."""
    raise NotImplementedError("decide here whether the batch is bad")


@functools.cache
def deployed_model() -> DeployedModel:
    """The deployed model, loaded once per process."""
    return DeployedModel.load()


def flag_rows(rows: pd.DataFrame) -> list[int]:
    """For every row (``id``, ``batch`` and the measurements): 1 when its batch is bad.

    The company times this function for the latency budget (``interface.predict_function``).
    """
    model = deployed_model()
    flagged = {
        batch_id: int(is_bad(batch.drop(columns=["id", "batch"]), model))
        for batch_id, batch in rows.groupby("batch", sort=True)
    }
    return [flagged[b] for b in rows["batch"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write id,prediction for every input batch.")
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)

    model = DeployedModel.load()
    flags = [
        {"id": batch_id, "prediction": int(is_bad(batch, model))}
        for batch_id, batch in load_batches(args.input)
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(flags, columns=["id", "prediction"]).to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
