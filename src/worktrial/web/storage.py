"""Files the platform keeps under its data folder: trial bundles, candidate repositories,
uploads in flight. Rows store paths relative to the data folder, so the folder can move."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings


def home() -> Path:
    return Path(settings.HOME)


def resolve(relative: str) -> Path:
    """The absolute path of a stored relative path (never outside the data folder)."""
    root = home().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"stored path {relative!r} leaves the data folder")
    return path


def new_location(kind: str, suffix: str = "") -> tuple[str, Path]:
    """A fresh, not yet existing location ``<kind>/<uuid><suffix>``: (relative, absolute)."""
    relative = f"{kind}/{uuid.uuid4().hex}{suffix}"
    path = home() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return relative, path
