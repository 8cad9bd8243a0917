"""CSV cells that a spreadsheet opens as text: candidates type names and texts that end up in
exports, and a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would
be run as a formula (CSV injection)."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """``value`` as CSV cell text, with a leading apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text
