"""Train the model: ``python -m src.train``; saves ``models/model.pkl``."""

from __future__ import annotations

import pickle
from pathlib import Path

from sklearn.metrics import accuracy_score

from src.data import DATA, PIXELS, load
from src.model import build_model

MODEL = Path("models/model.pkl")


def main() -> None:
    _, features, labels = load(DATA / "train.csv")
    _, dev_features, dev_labels = load(DATA / "dev.csv")
    model = build_model()
    model.fit(features, labels)
    print(f"dev accuracy {accuracy_score(dev_labels, model.predict(dev_features)):.4f}")
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    with MODEL.open("wb") as fh:
        pickle.dump({"features": PIXELS, "model": model}, fh)


if __name__ == "__main__":
    main()
