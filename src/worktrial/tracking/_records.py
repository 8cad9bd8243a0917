"""The candidate's tracking files: their JSON Lines schema, read tolerantly.

One place defines what a line of ``.worktrial/experiments.jsonl``, ``updates.jsonl``,
``questions.jsonl`` and ``feedback.jsonl`` means, so the writer (:mod:`worktrial.tracking`) and
the evidence collectors read them the same way.

Reading never fails: a line that is not JSON, not an object, or has a field of the wrong type is
skipped or repaired, and a note says which file, which line and what was done. Experiments and
updates are events (a repeated id is kept under a new id and noted); questions and feedback are
threads (a later line with the same id fills in the answer or the response).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args

from worktrial.evidence._types import (
    Experiment,
    Feedback,
    Outcome,
    Pointer,
    Question,
    Update,
)

TRACKING_DIR = ".worktrial"
EXPERIMENTS_FILE = f"{TRACKING_DIR}/experiments.jsonl"
UPDATES_FILE = f"{TRACKING_DIR}/updates.jsonl"
QUESTIONS_FILE = f"{TRACKING_DIR}/questions.jsonl"
FEEDBACK_FILE = f"{TRACKING_DIR}/feedback.jsonl"

OUTCOMES: tuple[str, ...] = get_args(Outcome)

# Record ids by file: "exp-001", "upd-001", "q-001", "fb-001".
ID_PREFIXES = {
    EXPERIMENTS_FILE: "exp",
    UPDATES_FILE: "upd",
    QUESTIONS_FILE: "q",
    FEEDBACK_FILE: "fb",
}

_COMMIT_RE = re.compile(r"^[0-9a-fA-F]{4,64}$")
_NOTE_CHARS = 120


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One JSON object read from a JSON Lines file, with its 1-based line number."""

    lineno: int
    obj: dict[str, Any]


def iter_json_lines(text: str, path: str, notes: list[str]) -> Iterator[JsonLine]:
    """Yield each JSON object of ``text``; note and skip blank-free lines that are not objects."""
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            notes.append(f"{path}:{lineno}: not valid JSON ({err.msg}); line skipped")
            continue
        except RecursionError:
            notes.append(f"{path}:{lineno}: JSON nested too deeply; line skipped")
            continue
        if not isinstance(obj, dict):
            notes.append(
                f"{path}:{lineno}: expected a JSON object, found {_json_type(obj)}; line skipped"
            )
            continue
        yield JsonLine(lineno, obj)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def excerpt(text: str, limit: int = _NOTE_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def format_at(when: datetime) -> str:
    """ISO 8601 with the UTC offset, to the second, as every tracking file stores times."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def parse_at(value: object, where: str, notes: list[str], *, key: str = "at") -> datetime | None:
    """Read an ISO 8601 time as aware UTC; ``None`` (with a note) when absent or unreadable.

    A time without an offset is read as UTC, and said so.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        notes.append(f"{where}: {key!r} is {_json_type(value)}, not an ISO 8601 time; ignored")
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        notes.append(f"{where}: {key!r} is not an ISO 8601 time ({excerpt(value, 40)!r}); ignored")
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        notes.append(f"{where}: {key!r} has no UTC offset ({value!r}); read as UTC")
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _commit(obj: dict[str, Any], where: str, notes: list[str]) -> str | None:
    value = obj.get("commit")
    if value is None or value == "":
        return None
    if isinstance(value, str) and _COMMIT_RE.match(value.strip()):
        return value.strip().lower()
    notes.append(f"{where}: 'commit' is not a commit hash ({excerpt(str(value), 40)!r}); ignored")
    return None


def metric_value(value: object) -> float | None:
    """``value`` as a finite float, or ``None``: numbers and numeric strings count, not booleans."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _metrics(obj: dict[str, Any], where: str, notes: list[str]) -> dict[str, float]:
    raw = obj.get("metrics")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        notes.append(f"{where}: 'metrics' is {_json_type(raw)}, not an object; ignored")
        return {}
    metrics: dict[str, float] = {}
    for name, value in raw.items():
        number = metric_value(value)
        if number is None:
            shown = value if isinstance(value, str) else json.dumps(value)
            notes.append(
                f"{where}: metric {name!r} is not a number ({excerpt(str(shown), 40)!r}); dropped"
            )
            continue
        metrics[str(name)] = number
    return metrics


def _outcome(obj: dict[str, Any], where: str, notes: list[str]) -> Outcome | None:
    value = obj.get("outcome")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in OUTCOMES:
        out: Outcome = value.strip().lower()  # type: ignore[assignment]
        return out
    notes.append(
        f"{where}: 'outcome' {excerpt(str(value), 40)!r} is not one of {', '.join(OUTCOMES)}; "
        "ignored"
    )
    return None


def _id(obj: dict[str, Any], lineno: int) -> str | None:
    value = obj.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


class _Ids:
    """Keeps record ids unique within one file: a repeat gets a suffix and a note."""

    def __init__(self, path: str, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.seen: dict[str, int] = {}

    def assign(self, obj: dict[str, Any], lineno: int, notes: list[str]) -> str:
        given = _id(obj, lineno)
        where = f"{self.path}:{lineno}"
        if given is None:
            given = f"{self.prefix}-line{lineno}"
            notes.append(f"{where}: no 'id'; called {given!r}")
        if given not in self.seen:
            self.seen[given] = lineno
            return given
        n = 2
        while f"{given}-{n}" in self.seen:
            n += 1
        unique = f"{given}-{n}"
        notes.append(f"{where}: id {given!r} repeats line {self.seen[given]}; kept as {unique!r}")
        self.seen[unique] = lineno
        return unique


def experiment_note(exp: Experiment) -> str:
    """A short description of an experiment for its pointer: what changed, or what happened."""
    for text in (exp.change, exp.hypothesis, exp.result, exp.observation, exp.learning):
        if text.strip():
            return excerpt(text)
    if exp.metrics:
        return excerpt(", ".join(f"{k}={v:g}" for k, v in exp.metrics.items()))
    return ""


def experiment_from_json(
    obj: dict[str, Any], exp_id: str, where: str, notes: list[str]
) -> Experiment:
    """Build an :class:`Experiment` from one log line (already known to be an object)."""
    params = obj.get("params")
    if params is not None and not isinstance(params, dict):
        notes.append(f"{where}: 'params' is {_json_type(params)}, not an object; ignored")
        params = None
    exp = Experiment(
        id=exp_id,
        at=parse_at(obj.get("at"), where, notes),
        source="worktrial",
        commit=_commit(obj, where, notes),
        observation=_text(obj, "observation"),
        hypothesis=_text(obj, "hypothesis"),
        change=_text(obj, "change"),
        params={str(k): v for k, v in (params or {}).items()},
        metrics=_metrics(obj, where, notes),
        result=_text(obj, "result"),
        learning=_text(obj, "learning"),
        outcome=_outcome(obj, where, notes),
    )
    exp.pointer = Pointer("experiment", exp_id, experiment_note(exp))
    return exp


def parse_experiments(
    text: str, path: str = EXPERIMENTS_FILE
) -> tuple[list[Experiment], list[str]]:
    """Every experiment record of a JSON Lines log, in file order, and notes on what was skipped."""
    notes: list[str] = []
    ids = _Ids(path, "exp")
    records: list[Experiment] = []
    for line in iter_json_lines(text, path, notes):
        exp_id = ids.assign(line.obj, line.lineno, notes)
        records.append(experiment_from_json(line.obj, exp_id, f"{path}:{line.lineno}", notes))
    return records, notes


def parse_updates(text: str, path: str = UPDATES_FILE) -> tuple[list[Update], list[str]]:
    """Every progress update of ``updates.jsonl``; a line without a readable time is skipped."""
    notes: list[str] = []
    ids = _Ids(path, "upd")
    updates: list[Update] = []
    for line in iter_json_lines(text, path, notes):
        where = f"{path}:{line.lineno}"
        at = parse_at(line.obj.get("at"), where, notes)
        if at is None:
            notes.append(f"{where}: an update needs a time in 'at'; line skipped")
            continue
        upd_id = ids.assign(line.obj, line.lineno, notes)
        done, nxt, blockers = (_text(line.obj, k) for k in ("done", "next", "blockers"))
        if not (done.strip() or nxt.strip() or blockers.strip()):
            notes.append(f"{where}: update {upd_id!r} has no done, next or blockers; line skipped")
            continue
        updates.append(
            Update(
                id=upd_id,
                at=at,
                done=done,
                next=nxt,
                blockers=blockers,
                pointer=Pointer("update", upd_id, excerpt(done or nxt or blockers)),
            )
        )
    return updates, notes


@dataclass(slots=True)
class _Thread:
    id: str
    where: str  # "path:line" of the line that opened the thread
    obj: dict[str, Any]
    origin: dict[str, str]  # key -> "path:line" its value came from

    def at(self, key: str) -> str:
        return self.origin.get(key, self.where)


def _threads(text: str, path: str, prefix: str, notes: list[str]) -> list[_Thread]:
    """One merged object per id: later lines with the same id fill in or replace fields."""
    merged: dict[str, _Thread] = {}
    for line in iter_json_lines(text, path, notes):
        where = f"{path}:{line.lineno}"
        given = _id(line.obj, line.lineno)
        if given is None:
            given = f"{prefix}-line{line.lineno}"
            notes.append(f"{where}: no 'id'; called {given!r}")
        thread = merged.get(given)
        if thread is None:
            merged[given] = _Thread(given, where, dict(line.obj), dict.fromkeys(line.obj, where))
            continue
        for key, value in line.obj.items():
            if value not in (None, "", []):
                thread.obj[key] = value
                thread.origin[key] = where
    return list(merged.values())


def parse_questions(text: str, path: str = QUESTIONS_FILE) -> tuple[list[Question], list[str]]:
    """Every clarifying question of ``questions.jsonl`` (with its answer when one was added)."""
    notes: list[str] = []
    questions: list[Question] = []
    for t in _threads(text, path, "q", notes):
        q_id, where, obj = t.id, t.where, t.obj
        at = parse_at(obj.get("at"), t.at("at"), notes)
        body = _text(obj, "text")
        if at is None or not body.strip():
            missing = "a time in 'at'" if at is None else "its text in 'text'"
            notes.append(f"{where}: question {q_id!r} needs {missing}; skipped")
            continue
        questions.append(
            Question(
                id=q_id,
                at=at,
                text=body,
                answer=_text(obj, "answer"),
                pointer=Pointer("question", q_id, excerpt(body)),
            )
        )
    return questions, notes


def parse_feedback(text: str, path: str = FEEDBACK_FILE) -> tuple[list[Feedback], list[str]]:
    """Every checkpoint comment of ``feedback.jsonl`` merged with the candidate's response."""
    notes: list[str] = []
    items: list[Feedback] = []
    for t in _threads(text, path, "fb", notes):
        fb_id, where, obj = t.id, t.where, t.obj
        at = parse_at(obj.get("at"), t.at("at"), notes)
        if at is None:
            notes.append(f"{where}: feedback {fb_id!r} needs a time in 'at'; skipped")
            continue
        raw_commits = obj.get("commits") or []
        commits: list[str] = []
        if isinstance(raw_commits, list):
            for c in raw_commits:
                if isinstance(c, str) and _COMMIT_RE.match(c.strip()):
                    commits.append(c.strip().lower())
                else:
                    notes.append(
                        f"{t.at('commits')}: {excerpt(str(c), 40)!r} in 'commits' is not a "
                        "commit hash; ignored"
                    )
        else:
            notes.append(
                f"{t.at('commits')}: 'commits' is {_json_type(raw_commits)}, not a list; ignored"
            )
        body = _text(obj, "text")
        items.append(
            Feedback(
                id=fb_id,
                at=at,
                checkpoint=_text(obj, "checkpoint"),
                text=body,
                response=_text(obj, "response"),
                responded_at=parse_at(
                    obj.get("responded_at"), t.at("responded_at"), notes, key="responded_at"
                ),
                commits=commits,
                pointer=Pointer("feedback", fb_id, excerpt(body)),
            )
        )
    return items, notes


_R = TypeVar("_R", Experiment, Update, Question, Feedback)


def sort_by_time(items: list[_R]) -> list[_R]:
    """Oldest first; records without a time keep their order after the timed ones."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(items, key=lambda r: (r.at is None, r.at or floor))
