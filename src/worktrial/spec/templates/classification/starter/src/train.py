"""Train the model: ``python -m src.train``.

predict.py expects ``models/model.pkl``: a pickled dict ``{"features": [...], "model": m}``
where ``m.predict(features)`` returns 0 or 1 for each row.
"""

from __future__ import annotations

from src.data import DATA, load


def main() -> None:
    _ids, features, _labels = load(DATA / "train.csv")
    raise NotImplementedError(
        f"train a model on {len(features)} rows here, check it on data/dev.csv, "
        "and save it to models/model.pkl"
    )


if __name__ == "__main__":
    main()
