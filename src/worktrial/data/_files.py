"""Cheap reads of data files: the header of a CSV, the hash of a file (no pandas needed)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

_CHUNK = 1 << 20


def read_csv_header(path: Path, *, max_bytes: int = 1 << 16) -> list[str]:
    """The column names on the first line of the CSV file at ``path``.

    Reads at most ``max_bytes`` (a header longer than that is cut there); bytes that are not
    UTF-8 are replaced, so a broken file still yields what can be read. An empty file has no
    columns.
    """
    with path.open("rb") as fh:
        head = fh.read(max_bytes)
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").rstrip("\r")
    if not first:
        return []
    return next(csv.reader(io.StringIO(first)))


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file at ``path``, hex, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
