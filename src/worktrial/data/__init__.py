"""Dataset helpers: deterministic CSV files, seeded splits and degradations, file hashes.

Everything here is deterministic for a given seed, so a bundle generated twice is byte-identical
and the degradations a brief promises (missing values, label noise, imbalance, drift) can be
documented with the seed that made them.

The helpers that need pandas are imported on first use, so reading a header or hashing a file
(what loading a bundle needs) does not pay for importing pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from worktrial.data._files import read_csv_header, sha256_file

if TYPE_CHECKING:
    from worktrial.data._csv import write_csv
    from worktrial.data._degrade import add_noise, downsample_class, flip_labels, inject_missing
    from worktrial.data._split import stratified_split

_LAZY = {
    "write_csv": "worktrial.data._csv",
    "add_noise": "worktrial.data._degrade",
    "downsample_class": "worktrial.data._degrade",
    "flip_labels": "worktrial.data._degrade",
    "inject_missing": "worktrial.data._degrade",
    "stratified_split": "worktrial.data._split",
}

__all__ = [
    "add_noise",
    "downsample_class",
    "flip_labels",
    "inject_missing",
    "read_csv_header",
    "sha256_file",
    "stratified_split",
    "write_csv",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'worktrial.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
