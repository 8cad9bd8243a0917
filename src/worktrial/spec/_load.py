"""Reading ``trial.toml``: TOML syntax, key types, then the semantic rules, all reported at once."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from worktrial.spec._checks import semantic_problems
from worktrial.spec._model import TrialSpec
from worktrial.spec._problems import Problem, problems_from_validation, spec_error

SPEC_FILE = "trial.toml"
# A spec is a page of settings; anything larger is not one.
MAX_SPEC_BYTES = 1 << 20

_TOML_POSITION = re.compile(
    r"^(?P<msg>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def spec_path(path: str | os.PathLike[str]) -> Path:
    """The ``trial.toml`` that ``path`` means: the file itself, or the one in a bundle folder."""
    p = Path(path)
    return p / SPEC_FILE if p.is_dir() else p


def load_spec(path: str | os.PathLike[str]) -> TrialSpec:
    """Load and validate a trial spec from ``trial.toml`` or a bundle folder containing it.

    Params:
        path: the ``trial.toml`` file, or the bundle folder that holds it.

    Raises:
        SpecError: the file is missing, too large, not UTF-8, not TOML, or not a valid spec.
            The message has one line per problem: ``<file>: <key>: expected …, found …``.
    """
    file = spec_path(path)
    source = str(file)
    if not file.exists():
        where = Path(path)
        if where.is_dir():
            raise spec_error(
                [
                    Problem(
                        str(where),
                        "",
                        f"expected a bundle folder containing {SPEC_FILE}, found none in it",
                    )
                ]
            )
        raise spec_error(
            [Problem(source, "", f"no such file (expected {SPEC_FILE} or a bundle folder)")]
        )
    if not file.is_file():
        raise spec_error([Problem(source, "", "not a regular file (expected a TOML file)")])
    size = file.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise spec_error(
            [
                Problem(
                    source,
                    "",
                    f"expected a spec of at most {MAX_SPEC_BYTES // 1024} KB, found {size} bytes",
                )
            ]
        )
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise spec_error(
            [
                Problem(
                    source,
                    "",
                    f"invalid TOML: expected UTF-8 text, found the byte 0x{raw[err.start]:02x} "
                    f"at offset {err.start}",
                )
            ]
        ) from err
    return loads_spec(text, source=source)


def loads_spec(text: str, *, source: str = SPEC_FILE) -> TrialSpec:
    """Parse and validate the TOML ``text`` of a spec; ``source`` names it in messages.

    Raises:
        SpecError: the text is not TOML or not a valid spec (one line per problem).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise spec_error([_toml_problem(source, str(err))]) from err
    return validate_spec(data, source=source)


def validate_spec(data: Mapping[str, Any], *, source: str = SPEC_FILE) -> TrialSpec:
    """Validate already-parsed spec ``data`` (key types first, then the semantic rules).

    Types are strict, as TOML has real types: ``"12"`` is not a number and ``1`` is not a
    boolean.

    Raises:
        SpecError: one line per problem, naming ``source``, the key, what was expected and
            what was found.
    """
    try:
        spec = TrialSpec.model_validate(dict(data), strict=True)
    except ValidationError as err:
        raise spec_error(problems_from_validation(source, err)) from err
    problems = semantic_problems(source, spec)
    if problems:
        raise spec_error(problems)
    return spec


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`TrialSpec` (what ``worktrial spec schema`` prints)."""
    schema = TrialSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _toml_problem(source: str, message: str) -> Problem:
    match = _TOML_POSITION.match(message)
    if match is None:
        return Problem(source, "", f"invalid TOML: {message}")
    msg = match["msg"]
    msg = msg[:1].lower() + msg[1:]
    if match["line"] is None:
        return Problem(source, "", f"end of file: invalid TOML: {msg}")
    return Problem(source, "", f"line {match['line']}, column {match['col']}: invalid TOML: {msg}")
