"""Prepare the monitor: ``python -m src.train``.

Whatever the monitor needs to know about normal data (from data/reference.csv, the data the
deployed model was trained on, and from the labelled example batches) is computed here and
saved for src/monitor.py.
"""

from __future__ import annotations

from src.data import DATA, load_batches


def main() -> None:
    examples = dict(load_batches(DATA / "batches.csv"))
    raise NotImplementedError(
        f"learn what normal looks like from data/reference.csv and the {len(examples)} "
        "example batches, and save it for src/monitor.py"
    )


if __name__ == "__main__":
    main()
