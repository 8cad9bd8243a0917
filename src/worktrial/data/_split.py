"""Seeded, stratified splits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd


def stratified_split(
    labels: Sequence[object] | npt.NDArray[np.generic] | pd.Series,
    fractions: Sequence[float],
    *,
    seed: int,
) -> list[npt.NDArray[np.intp]]:
    """Row positions of ``labels`` cut into parts of the given ``fractions``, class by class.

    Each class is shuffled with ``seed`` and cut at the cumulative fractions (rounded), so every
    part keeps the class mix of the whole. The parts are disjoint, cover every row, and each is
    sorted.

    Raises:
        ValueError: the fractions are not positive or do not sum to 1.
    """
    fr = np.asarray(fractions, dtype=float)
    if fr.size == 0 or (fr <= 0).any() or not np.isclose(fr.sum(), 1.0):
        raise ValueError(f"fractions must be positive and sum to 1, got {list(fractions)}")
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts: list[list[npt.NDArray[np.intp]]] = [[] for _ in fr]
    cuts = np.cumsum(fr)[:-1]
    for cls in sorted(set(y.tolist()), key=repr):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(idx.size)]
        bounds = np.rint(cuts * idx.size).astype(int)
        for i, chunk in enumerate(np.split(idx, bounds)):
            parts[i].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.intp) for p in parts]
