"""Problems in a spec or bundle, one line each: file, key, what was expected, what was found.

Pydantic's errors are translated here into plain English. The expected part is derived from the
field's declaration (type and constraints), so a wrong type and an out-of-range value get the
same complete description: ``expected a number greater than 0, found 'fast' (a string)``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from worktrial.errors import SpecError
from worktrial.spec._model import EXPECTED_ERROR, TrialSpec

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

# Patterns are precise but unreadable; these keys get a description in words instead.
_WORDED: dict[str, str] = {
    "id": "a slug of 2 to 63 lowercase letters, digits or '-', starting with a letter or digit",
    "compensation.currency": "a three-letter ISO 4217 currency code in capitals, such as 'EUR'",
    "starter_commits[]": "a commit hash (40 or 64 lowercase hexadecimal characters)",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, at ``key`` (dotted, ``""`` for the whole file) of ``file``."""

    file: str
    key: str
    message: str

    @classmethod
    def mismatch(cls, file: str, key: str, expected: str, found: str) -> Problem:
        """A problem phrased as ``expected …, found …``."""
        return cls(file, key, f"expected {expected}, found {found}")

    def line(self) -> str:
        """The one-line form shown to users."""
        if self.key:
            return f"{self.file}: {self.key}: {self.message}"
        return f"{self.file}: {self.message}"


def spec_error(problems: Sequence[Problem]) -> SpecError:
    """A :class:`SpecError` whose message is one line per problem (``problems`` is non-empty)."""
    first = problems[0]
    return SpecError(
        "\n".join(p.line() for p in problems),
        path=first.file,
        key=first.key,
        problems=[{"file": p.file, "key": p.key, "message": p.message} for p in problems],
    )


def describe_value(value: object) -> str:
    """What was found, in words: ``'fast' (a string)``, ``12 (a whole number)``, ``a table``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return f"{value} (a whole number)"
    if isinstance(value, float):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"{shown!r} (a string)"
    if isinstance(value, dt.datetime):
        return f"{value.isoformat()} (a date and time)"
    if isinstance(value, dt.date):
        return f"{value.isoformat()} (a date)"
    if isinstance(value, dt.time):
        return f"{value.isoformat()} (a time of day)"
    if isinstance(value, list | tuple):
        n = len(value)
        return "an empty array" if n == 0 else f"an array of {n} item{'s' if n != 1 else ''}"
    if isinstance(value, dict):
        return "an empty table" if not value else f"a table with keys {', '.join(map(str, value))}"
    return type(value).__name__


def dotted(loc: Iterable[int | str]) -> str:
    """A pydantic location as a TOML key path: ``checkpoints[1].day``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            name = part if _BARE_KEY.match(part) else f'"{part}"'
            out += f".{name}" if out else name
    return out


def _generic(key: str) -> str:
    return re.sub(r"\[\d+\]", "[]", key)


# --- walking the model to find what a location expects ---------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    annotation: Any
    metadata: tuple[Any, ...]
    key: str


def _unwrap(annotation: Any, metadata: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """Strip ``Optional`` and ``Annotated``, collecting constraint metadata."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *extra = get_args(annotation)
            flat: list[Any] = []
            for item in extra:
                flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            annotation, metadata = base, (*metadata, *flat)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _slot(loc: Sequence[int | str]) -> _Slot | None:
    """The declaration at ``loc`` in :class:`TrialSpec`, or ``None`` if there is none."""
    annotation: Any = TrialSpec
    metadata: tuple[Any, ...] = ()
    walked: list[int | str] = []
    for part in loc:
        annotation, metadata = _unwrap(annotation, metadata)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation, metadata = field.annotation, tuple(field.metadata)
        elif origin is list and isinstance(part, int):
            annotation, metadata = get_args(annotation)[0], ()
        elif origin is dict:
            key_type, value_type = get_args(annotation)
            annotation = key_type if part == "[key]" else value_type
            metadata = ()
        else:
            return None
        walked.append(part)
    annotation, metadata = _unwrap(annotation, metadata)
    return _Slot(annotation, metadata, dotted(walked))


def _bounds(metadata: tuple[Any, ...]) -> str:
    low = high = ""
    for m in metadata:
        if isinstance(m, Gt):
            low = f"greater than {m.gt}"
        elif isinstance(m, Ge):
            low = f"{m.ge}"
        elif isinstance(m, Lt):
            high = f"less than {m.lt}"
        elif isinstance(m, Le):
            high = f"{m.le}"
    if low.isdigit() and high.isdigit():
        return f" from {low} to {high}"
    parts = []
    if low:
        parts.append(low if low.startswith("greater") else f"of at least {low}")
    if high:
        parts.append(high if high.startswith("less") else f"at most {high}")
    return (" " + " and ".join(parts)) if parts else ""


def _model_keys(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


def _expected(slot: _Slot) -> str:
    """What ``slot`` accepts, in words."""
    worded = _WORDED.get(_generic(slot.key))
    if worded:
        return worded
    ann, meta = slot.annotation, slot.metadata
    origin = get_origin(ann)
    if origin is Literal:
        options = get_args(ann)
        if len(options) == 1:
            return repr(options[0])
        return "one of " + ", ".join(repr(v) for v in options)
    if ann is bool:
        return "true or false"
    if ann is int:
        return "a whole number" + _bounds(meta)
    if ann is float:
        return "a number" + _bounds(meta)
    if ann is str:
        min_len = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
        max_len = next((m.max_length for m in meta if isinstance(m, MaxLen)), None)
        pattern = next((getattr(m, "pattern", None) for m in meta if hasattr(m, "pattern")), None)
        text = "a non-empty string" if min_len >= 1 else "a string"
        if max_len is not None:
            text += f" of at most {max_len} characters"
        if pattern:
            text += f" matching the pattern {pattern}"
        return text
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        name = slot.key.rsplit(".", 1)[-1]
        header = "a table" if name.endswith("]") or not name else f"a table [{slot.key}]"
        return f"{header} with keys {_model_keys(ann)}"
    if origin is list:
        item, _ = _unwrap(get_args(ann)[0], ())
        min_len = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
        least = f" (at least {min_len})" if min_len else ""
        if isinstance(item, type) and issubclass(item, BaseModel):
            return f"an array of tables [[{slot.key}]]{least} with keys {_model_keys(item)}"
        noun = {str: "strings", int: "whole numbers", float: "numbers"}.get(item, "values")
        return f"an array of {noun}{least}"
    if origin is dict:
        key_type, value_type = get_args(ann)
        keys = ", ".join(get_args(key_type)) if get_origin(key_type) is Literal else "names"
        value = _expected(_Slot(*_unwrap(value_type, ()), key=slot.key + "[]"))
        return f"a table whose keys are among {keys} and whose values are each {value}"
    return "a value of another type"


def _unknown_key(source: str, loc: tuple[int | str, ...], allowed: Sequence[str]) -> Problem:
    name = str(loc[-1] if loc[-1] != "[key]" else loc[-2])
    message = f"unknown key; expected one of: {', '.join(allowed)}"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {close[0]}?)"
    return Problem(source, dotted(loc), message)


def problems_from_validation(source: str, err: ValidationError) -> list[Problem]:
    """One :class:`Problem` per key that pydantic rejected, in the order it reported them."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in err.errors(include_url=False):
        loc = tuple(item["loc"])
        key = dotted(loc)
        if key in seen:
            continue
        seen.add(key)
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = _slot(loc[:-1])
            model = parent.annotation if parent else None
            allowed = (
                list(model.model_fields)
                if isinstance(model, type) and issubclass(model, BaseModel)
                else []
            )
            problems.append(_unknown_key(source, loc, allowed))
            continue
        if kind == "literal_error" and loc and loc[-1] == "[key]":
            expected = item.get("ctx", {}).get("expected", "")
            allowed = re.findall(r"'([^']*)'", expected)
            problems.append(_unknown_key(source, loc, allowed))
            continue
        if kind == EXPECTED_ERROR:
            expected = str(item.get("ctx", {}).get("expected", "a valid value"))
        else:
            slot = _slot(loc)
            expected = _expected(slot) if slot else "nothing here"
        if kind == "missing":
            found = "nothing (the key is required)"
        else:
            found = describe_value(item.get("input"))
        problems.append(Problem.mismatch(source, key, expected, found))
    return problems
