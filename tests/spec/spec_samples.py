"""Sample specs and bundles for the spec tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

MINIMAL: dict[str, Any] = {
    "id": "tiny-trial",
    "title": "Tiny",
    "kind": "classification",
    "duration_days": 5,
    "compensation": {
        "amount": 500,
        "currency": "EUR",
        "expected_hours": 10,
        "hourly_floor": 40,
    },
    "data": {
        "target": "y",
        "files": [
            {"path": "data/train.csv", "role": "train"},
            {"path": "hidden/features.csv", "role": "holdout_features", "hidden": True},
            {"path": "hidden/labels.csv", "role": "holdout_labels", "hidden": True},
        ],
    },
    "primary_metric": {"name": "recall", "priority": "misses are costly"},
    "interface": {"predict": "python -m src.predict {input} {output}"},
}

MINIMAL_TOML = """\
id = "tiny-trial"
title = "Tiny"
kind = "classification"
duration_days = 5

[compensation]
amount = 500
currency = "EUR"
expected_hours = 10
hourly_floor = 40

[data]
target = "y"

[[data.files]]
path = "data/train.csv"
role = "train"

[[data.files]]
path = "hidden/features.csv"
role = "holdout_features"
hidden = true

[[data.files]]
path = "hidden/labels.csv"
role = "holdout_labels"
hidden = true

[primary_metric]
name = "recall"
priority = "misses are costly"

[interface]
predict = "python -m src.predict {input} {output}"
"""


def minimal() -> dict[str, Any]:
    """A fresh copy of the smallest valid spec."""
    return copy.deepcopy(MINIMAL)


def write_minimal_bundle(root: Path, toml: str = MINIMAL_TOML) -> Path:
    """A small valid bundle for ``MINIMAL_TOML`` under ``root``; returns ``root``."""
    files = {
        "trial.toml": toml,
        "brief.md": "# Tiny\n\nPredict y.\n",
        "data/train.csv": "id,a,y\n1,0.5,1\n2,0.1,0\n",
        "hidden/features.csv": "id,a\n3,0.7\n4,0.2\n",
        "hidden/labels.csv": "id,y\n3,1\n4,0\n",
        "starter/README.md": "# Tiny\n",
        "starter/src/__init__.py": "",
        "solution/train.py": "",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
