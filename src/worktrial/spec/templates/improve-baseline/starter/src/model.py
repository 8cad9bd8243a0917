"""The model in production today."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier

SEED = 0


def build_model() -> RandomForestClassifier:
    """A 500-tree random forest on the raw pixels."""
    return RandomForestClassifier(n_estimators=500, random_state=SEED, n_jobs=1)
