"""Flag production batches with the reference baseline monitor: one row per batch, 1 = bad.

Run from the bundle folder:
    python solution/predict.py --monitor build/reference-monitor.json INPUT.csv OUTPUT.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train import batch_scores, flags


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="CSV of rows with id, batch and the features")
    parser.add_argument("output", type=Path, help="CSV to write: id (the batch), prediction")
    parser.add_argument("--monitor", type=Path, default=Path("build/reference-monitor.json"))
    args = parser.parse_args(argv)

    monitor = json.loads(args.monitor.read_text(encoding="utf-8"))
    scores = batch_scores(pd.read_csv(args.input), monitor)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": scores["id"], "prediction": flags(scores, monitor["z_threshold"])}).to_csv(
        args.output, index=False
    )


if __name__ == "__main__":
    main()
