"""Writing a spec back to TOML (the standard library only reads TOML).

Enough of TOML for a spec: strings, numbers, booleans, arrays of scalars, tables, arrays of
tables. Scalars come before sub-tables in every table, as TOML requires.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from worktrial.spec._model import TrialSpec

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def spec_to_toml(spec: TrialSpec, *, defaults: bool = False) -> str:
    """The spec as ``trial.toml`` text that :func:`loads_spec` reads back to an equal spec.

    Params:
        spec: the spec to write.
        defaults: also write keys whose value is the default (off: a shorter file).
    """
    data = spec.model_dump(mode="python", exclude_none=True, exclude_defaults=not defaults)
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).strip("\n") + "\n"


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _string(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(data: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    for name, value in data.items():
        if not _is_table(value) and not _is_table_array(value):
            lines.append(f"{_key(name)} = {_scalar(value)}")
    for name, value in data.items():
        sub = [*path, _key(name)]
        if _is_table(value):
            lines += ["", f"[{'.'.join(sub)}]"]
            _table(value, sub, lines)
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{'.'.join(sub)}]]"]
                _table(item, sub, lines)
