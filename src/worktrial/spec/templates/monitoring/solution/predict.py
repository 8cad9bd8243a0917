"""Flag production batches with the reference baseline monitor: one row per batch, 1 = bad.

Run from the bundle folder:
    python solution/predict.py --monitor build/reference-monitor.json INPUT.csv OUTPUT.csv
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train import batch_scores, flags

MONITOR = Path("build/reference-monitor.json")


@functools.cache
def load_monitor(path: Path = MONITOR) -> dict:
    """The monitor's statistics, read once per process."""
    return json.loads(path.read_text(encoding="utf-8"))


def flag_rows(rows: pd.DataFrame, path: Path = MONITOR) -> list[int]:
    """For every row (``id``, ``batch`` and the features): 1 when its batch is flagged.

    What ``interface.predict_function`` names when the reference solution is run as a
    submission (``solution.predict:flag_rows``): timed in-process for the latency budget.
    """
    monitor = load_monitor(path)
    scores = batch_scores(rows, monitor)
    flagged = dict(zip(scores["id"], flags(scores, monitor["z_threshold"]), strict=True))
    return [int(flagged[b]) for b in rows["batch"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="CSV of rows with id, batch and the features")
    parser.add_argument("output", type=Path, help="CSV to write: id (the batch), prediction")
    parser.add_argument("--monitor", type=Path, default=MONITOR)
    args = parser.parse_args(argv)

    monitor = load_monitor(args.monitor)
    scores = batch_scores(pd.read_csv(args.input), monitor)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": scores["id"], "prediction": flags(scores, monitor["z_threshold"])}).to_csv(
        args.output, index=False
    )


if __name__ == "__main__":
    main()
