"""The deployed model, loaded from ``model/model.json`` with numpy alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MODEL = Path("model/model.json")


@dataclass(frozen=True)
class DeployedModel:
    """Standardisation followed by a multinomial logistic regression."""

    features: list[str]
    classes: list[int]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def load(cls, path: Path = MODEL) -> DeployedModel:
        spec = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            features=spec["features"],
            classes=spec["classes"],
            mean=np.asarray(spec["mean"]),
            scale=np.asarray(spec["scale"]),
            coef=np.asarray(spec["coef"]),
            intercept=np.asarray(spec["intercept"]),
        )

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        """Class probabilities, one row per input row; missing values get the training mean."""
        x = rows[self.features].to_numpy(dtype=float)
        x = np.where(np.isnan(x), self.mean, x)
        logits = ((x - self.mean) / self.scale) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        """The most likely class of each row."""
        return np.asarray(self.classes)[self.predict_proba(rows).argmax(axis=1)]
