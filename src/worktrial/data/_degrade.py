"""Seeded degradations that make clean teaching data look like data from work.

Each function returns a new object (inputs are never modified) and the positions it touched,
so a bundle's DATA.md can state exactly what was done and with which seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd


def inject_missing(
    frame: pd.DataFrame, columns: Sequence[str], rate: float, *, seed: int
) -> tuple[pd.DataFrame, int]:
    """Blank out a share ``rate`` of the cells in ``columns``, completely at random.

    Returns the new frame and the number of cells blanked (``round(rate * cells)``).

    Raises:
        ValueError: ``rate`` is outside [0, 1] or a column does not exist.
    """
    _check_rate(rate)
    _check_columns(frame, columns)
    out = frame.copy()
    cols = list(columns)
    n_cells = len(out) * len(cols)
    count = round(rate * n_cells)
    if count == 0:
        return out, 0
    rng = np.random.default_rng(seed)
    flat = rng.choice(n_cells, size=count, replace=False)
    rows, col_idx = np.divmod(flat, len(cols))
    for j, name in enumerate(cols):
        hit = rows[col_idx == j]
        if hit.size:
            values = out[name].to_numpy(dtype=float, copy=True)
            values[hit] = np.nan
            out[name] = values
    return out, count


def flip_labels(
    labels: pd.Series, rate: float, *, seed: int
) -> tuple[pd.Series, npt.NDArray[np.intp]]:
    """Replace the label of a share ``rate`` of rows with another class, chosen at random.

    Returns the new labels and the sorted positions that were changed.

    Raises:
        ValueError: ``rate`` is outside [0, 1] or there are fewer than two classes.
    """
    _check_rate(rate)
    classes = sorted(pd.unique(labels).tolist())
    if len(classes) < 2:
        raise ValueError(f"flipping labels needs at least two classes, found {classes}")
    rng = np.random.default_rng(seed)
    count = round(rate * len(labels))
    where = np.sort(rng.choice(len(labels), size=count, replace=False)).astype(np.intp)
    values = labels.to_numpy().copy()
    for pos in where:
        others = [c for c in classes if c != values[pos]]
        values[pos] = others[int(rng.integers(len(others)))]
    return pd.Series(values, index=labels.index, name=labels.name), where


def downsample_class(
    frame: pd.DataFrame, target: str, cls: object, keep: float, *, seed: int
) -> pd.DataFrame:
    """Keep only a share ``keep`` of the rows whose ``target`` is ``cls`` (others all stay).

    Row order is preserved.

    Raises:
        ValueError: ``keep`` is outside [0, 1] or ``target`` is not a column.
    """
    _check_rate(keep)
    _check_columns(frame, [target])
    idx = np.flatnonzero(frame[target].to_numpy() == cls)
    rng = np.random.default_rng(seed)
    kept = rng.choice(idx, size=round(keep * idx.size), replace=False)
    drop = np.setdiff1d(idx, kept)
    mask = np.ones(len(frame), dtype=bool)
    mask[drop] = False
    return frame.iloc[mask].copy()


def add_noise(
    frame: pd.DataFrame,
    columns: Sequence[str],
    scale: float,
    *,
    seed: int,
    clip: tuple[float, float] | None = None,
    integer: bool = False,
) -> pd.DataFrame:
    """Add Gaussian noise with standard deviation ``scale`` to ``columns``.

    Optionally clip to ``clip`` and round to whole numbers (``integer``), e.g. for pixels.

    Raises:
        ValueError: ``scale`` is negative or a column does not exist.
    """
    if scale < 0:
        raise ValueError(f"scale must be at least 0, got {scale}")
    _check_columns(frame, columns)
    out = frame.copy()
    cols = list(columns)
    rng = np.random.default_rng(seed)
    values = out[cols].to_numpy(dtype=float) + rng.normal(0.0, scale, size=(len(out), len(cols)))
    if clip is not None:
        values = np.clip(values, clip[0], clip[1])
    if integer:
        values = np.rint(values)
        out[cols] = values.astype(int)
    else:
        out[cols] = values
    return out


def _check_rate(rate: float) -> None:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a share must be between 0 and 1, got {rate}")


def _check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"no such column: {', '.join(map(str, missing))}")
