"""Write the candidate's tracking files: experiments, progress updates, questions, feedback.

Each call validates its input, then appends one JSON line to a file under ``.worktrial/`` at the
root of the git work tree that holds ``repo_dir`` (or in ``repo_dir`` itself outside git). The
file is locked while the next id is chosen and the line written, so two shells logging at once
cannot produce the same id or interleaved lines.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from worktrial.errors import GitCommandError, TrackingError
from worktrial.evidence._types import Experiment, Experiments, Feedback, Question, Update
from worktrial.repo._git import run_git
from worktrial.repo._snapshot import MAX_TEXT_BYTES
from worktrial.tracking._records import (
    EXPERIMENTS_FILE,
    FEEDBACK_FILE,
    ID_PREFIXES,
    OUTCOMES,
    QUESTIONS_FILE,
    TRACKING_DIR,
    UPDATES_FILE,
    format_at,
    parse_experiments,
    parse_feedback,
    parse_questions,
    parse_updates,
    sort_by_time,
)

if sys.platform != "win32":
    import fcntl


class _Auto:
    """The default of ``commit=``: capture ``git rev-parse HEAD`` of the work tree."""

    _instance: _Auto | None = None

    def __new__(cls) -> _Auto:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AUTO"


AUTO: Final = _Auto()

_HEX = re.compile(r"^[0-9a-fA-F]{4,64}$")
_GIT_TIMEOUT_S = 10.0


# --------------------------------------------------------------------------- where


def _repo_root(repo_dir: str | os.PathLike[str]) -> tuple[Path, bool]:
    """The folder whose ``.worktrial/`` holds the logs, and whether it is a git work tree."""
    base = Path(repo_dir).expanduser()
    if not base.is_dir():
        found = "a file" if base.exists() else "nothing"
        raise TrackingError(
            f"{base}: expected a folder (your project's repository), found {found}",
            path=str(base),
        )
    try:
        proc = run_git(base, "rev-parse", "--show-toplevel", timeout=_GIT_TIMEOUT_S, check=False)
    except GitCommandError:
        return base, False  # git missing or hanging: the log still works without a commit
    if proc.returncode != 0:
        return base, False
    top = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return (Path(top), True) if top else (base, False)


def current_commit(repo_dir: str | os.PathLike[str] = ".") -> str | None:
    """The commit ``HEAD`` points at in ``repo_dir``; ``None`` outside git or before a commit."""
    root, in_git = _repo_root(repo_dir)
    return _head(root) if in_git else None


def _head(root: Path) -> str | None:
    try:
        proc = run_git(
            root,
            "rev-parse",
            "--verify",
            "--quiet",
            "HEAD^{commit}",
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except GitCommandError:
        return None
    sha = proc.stdout.decode().strip()
    return sha if proc.returncode == 0 and sha else None


def _resolve_commits(root: Path, in_git: bool, commits: Sequence[str]) -> list[str]:
    """Full hashes for the given commits (abbreviations expanded when git knows them)."""
    out: list[str] = []
    for c in commits:
        c = c.strip()
        if not _HEX.match(c):
            raise TrackingError(
                f"commit {c!r}: expected a commit hash (4 to 64 hex digits)", commit=c
            )
        out.append(c.lower())
    if not (in_git and out):
        return out
    try:
        proc = run_git(
            root,
            "rev-parse",
            *(f"{c}^{{commit}}" for c in out),
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except GitCommandError:
        return out
    full = proc.stdout.decode().split()
    # Unknown commits (e.g. not fetched yet) are kept as written rather than refused.
    return full if proc.returncode == 0 and len(full) == len(out) else out


# --------------------------------------------------------------------------- writing


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC).replace(microsecond=0)
    if not isinstance(at, datetime):
        raise TrackingError(f"at: expected a datetime, found {at!r}", found=repr(at))
    if at.tzinfo is None or at.utcoffset() is None:
        raise TrackingError(
            f"at: expected a timezone-aware datetime, found a naive one ({at.isoformat()})",
            found=at.isoformat(),
        )
    return at.astimezone(UTC)


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """Open ``path`` for appending (creating it and its folder) and hold an exclusive lock."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise TrackingError(
            f"{folder}: expected a folder for the tracking files, found a file", path=str(folder)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as err:
        raise TrackingError(
            f"{path}: cannot write the tracking file ({err.strerror or err})", path=str(path)
        ) from err
    try:
        if sys.platform != "win32":
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _ids_in(fd: int) -> tuple[list[str], bool]:
    """The ids of the records in the open file and whether it ends without a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return [], False
    data = os.pread(fd, size, 0)
    ids: list[str] = []
    for line in data.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue  # a damaged line: the readers report it, the writer only needs the ids
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            ids.append(obj["id"])
    return ids, not data.endswith(b"\n")


def _next_id(prefix: str, ids: list[str]) -> str:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [int(m.group(1)) for i in ids if (m := pattern.match(i))]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


def _append(root: Path, rel: str, build: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
    """Append ``build(existing_ids)`` as one JSON line to ``root/rel`` under the file lock."""
    path = root / rel
    with _locked(path) as fd:
        ids, unterminated = _ids_in(fd)
        record = build(ids)
        line = json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"
        data = (b"\n" if unterminated else b"") + line.encode("utf-8")
        try:
            os.write(fd, data)  # one write of one line: O_APPEND keeps it whole
        except OSError as err:
            raise TrackingError(
                f"{path}: cannot write the tracking file ({err.strerror or err})", path=str(path)
            ) from err
    return record


# --------------------------------------------------------------------------- validation


def _check_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TrackingError(f"{name}: expected text, found {value!r}", key=name)
    return value.strip()


def metric_error(name: str, found: object) -> TrackingError:
    """The error for a metric value that is not a finite number (shared with the CLI)."""
    if isinstance(found, float) and not math.isfinite(found):
        return TrackingError(
            f"metric {name!r}: expected a finite number, found {found!r}", key=name
        )
    return TrackingError(f"metric {name!r}: expected a number, found {found!r}", key=name)


def _check_metrics(metrics: Mapping[str, float] | None) -> dict[str, float]:
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TrackingError(f"metrics: expected a mapping of name to number, found {metrics!r}")
    out: dict[str, float] = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or not name.strip():
            raise TrackingError(f"metric name: expected a non-empty name, found {name!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise metric_error(name, value)
        if not math.isfinite(value):
            raise metric_error(name, float(value))
        out[name.strip()] = float(value)
    return out


def _check_params(params: Mapping[str, object] | None) -> dict[str, object]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TrackingError(f"params: expected a mapping of name to value, found {params!r}")
    out: dict[str, object] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name.strip():
            raise TrackingError(f"param name: expected a non-empty name, found {name!r}")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise TrackingError(
                f"param {name!r}: expected a JSON value (text, number, boolean, list or "
                f"mapping), found {value!r}",
                key=name,
            ) from err
        out[name.strip()] = value
    return out


# --------------------------------------------------------------------------- public API


def log_experiment(
    repo_dir: str | os.PathLike[str] = ".",
    *,
    observation: str = "",
    hypothesis: str = "",
    change: str = "",
    params: Mapping[str, object] | None = None,
    metrics: Mapping[str, float] | None = None,
    result: str = "",
    learning: str = "",
    outcome: Literal["improved", "regressed", "neutral", "failed"] | None = None,
    at: datetime | None = None,
    commit: str | _Auto | None = AUTO,
) -> Experiment:
    """Append one experiment record to ``.worktrial/experiments.jsonl``.

    The record gets the next id (``exp-001``, ``exp-002``…) and, unless ``commit`` is given, the
    commit ``HEAD`` points at (``None`` outside git or before the first commit).

    Args:
        repo_dir: any folder inside the project; the log goes to the root of its git work tree.
        observation, hypothesis, change, result, learning: the steps of one deliberate
            experiment, in the candidate's words.
        params: settings of the run (JSON values).
        metrics: name -> number, e.g. ``{"recall": 0.81}``.
        outcome: ``"improved"``, ``"regressed"``, ``"neutral"`` or ``"failed"``.
        at: when it happened (timezone-aware); default now. Useful to backdate a record.
        commit: the commit the record belongs to; default the current ``HEAD``.

    Raises:
        TrackingError: an empty record, a bad outcome, a metric that is not a number, a naive
            ``at``, or a log that cannot be written.
    """
    texts = {
        "observation": _check_text("observation", observation),
        "hypothesis": _check_text("hypothesis", hypothesis),
        "change": _check_text("change", change),
        "result": _check_text("result", result),
        "learning": _check_text("learning", learning),
    }
    checked_metrics = _check_metrics(metrics)
    checked_params = _check_params(params)
    if outcome is not None and outcome not in OUTCOMES:
        raise TrackingError(
            f"outcome: expected one of {', '.join(OUTCOMES)}, found {outcome!r}", found=outcome
        )
    if not (
        any(texts[k] for k in ("observation", "hypothesis", "change", "result")) or checked_metrics
    ):
        raise TrackingError(
            "an experiment needs at least one of: observation, hypothesis, change, result, metrics"
        )
    when = _now(at)
    root, in_git = _repo_root(repo_dir)
    if isinstance(commit, _Auto):
        sha = _head(root) if in_git else None
    elif commit is None:
        sha = None
    else:
        sha = _resolve_commits(root, in_git, [commit])[0]

    def build(ids: list[str]) -> dict[str, Any]:
        return {
            "id": _next_id(ID_PREFIXES[EXPERIMENTS_FILE], ids),
            "at": format_at(when),
            "commit": sha,
            "observation": texts["observation"],
            "hypothesis": texts["hypothesis"],
            "change": texts["change"],
            "params": checked_params,
            "metrics": checked_metrics,
            "result": texts["result"],
            "learning": texts["learning"],
            "outcome": outcome,
        }

    record = _append(root, EXPERIMENTS_FILE, build)
    records, _ = parse_experiments(json.dumps(record, ensure_ascii=False), EXPERIMENTS_FILE)
    return records[0]


def record_update(
    repo_dir: str | os.PathLike[str] = ".",
    *,
    done: str,
    next: str = "",
    blockers: str = "",
    at: datetime | None = None,
) -> Update:
    """Append a progress update (done / next / blockers) to ``.worktrial/updates.jsonl``.

    Raises:
        TrackingError: all three texts are empty, ``at`` is naive, or the file cannot be written.
    """
    texts = {
        "done": _check_text("done", done),
        "next": _check_text("next", next),
        "blockers": _check_text("blockers", blockers),
    }
    if not any(texts.values()):
        raise TrackingError("an update needs at least one of: done, next, blockers")
    when = _now(at)
    root, _ = _repo_root(repo_dir)

    def build(ids: list[str]) -> dict[str, Any]:
        return {"id": _next_id(ID_PREFIXES[UPDATES_FILE], ids), "at": format_at(when), **texts}

    record = _append(root, UPDATES_FILE, build)
    updates, _ = parse_updates(json.dumps(record, ensure_ascii=False), UPDATES_FILE)
    return updates[0]


def record_question(
    repo_dir: str | os.PathLike[str] = ".",
    *,
    text: str,
    answer: str = "",
    at: datetime | None = None,
) -> Question:
    """Append a clarifying question (and its answer, if already known) to ``questions.jsonl``.

    Raises:
        TrackingError: an empty question, a naive ``at``, or a file that cannot be written.
    """
    body = _check_text("question", text)
    if not body:
        raise TrackingError("question: expected the question to ask, found an empty text")
    reply = _check_text("answer", answer)
    when = _now(at)
    root, _ = _repo_root(repo_dir)

    def build(ids: list[str]) -> dict[str, Any]:
        return {
            "id": _next_id(ID_PREFIXES[QUESTIONS_FILE], ids),
            "at": format_at(when),
            "text": body,
            "answer": reply,
        }

    record = _append(root, QUESTIONS_FILE, build)
    questions, _ = parse_questions(json.dumps(record, ensure_ascii=False), QUESTIONS_FILE)
    return questions[0]


def record_feedback_response(
    repo_dir: str | os.PathLike[str] = ".",
    *,
    response: str,
    feedback_id: str | None = None,
    checkpoint: str | None = None,
    text: str = "",
    commits: Sequence[str] = (),
    at: datetime | None = None,
    received_at: datetime | None = None,
) -> Feedback:
    """Record how the candidate responded to checkpoint feedback in ``feedback.jsonl``.

    Either answer an existing comment (``feedback_id``, e.g. ``"fb-001"``) or record a comment
    received at a checkpoint (``checkpoint`` and the comment in ``text``) with its response. The
    response line is appended; readers merge lines with the same id.

    Args:
        response: what was changed or decided because of the feedback.
        commits: commits that carry the change (abbreviations are expanded when git knows them).
        at: when the response was made (timezone-aware); default now.
        received_at: with ``checkpoint``, when the comment was received (default: ``at``).
            Work done between receiving and answering counts as acting on the feedback.

    Raises:
        TrackingError: neither or both of ``feedback_id`` and ``checkpoint``, an unknown
            ``feedback_id``, an empty response or comment, a bad commit hash, a naive ``at``,
            ``received_at`` without ``checkpoint`` or after the response.
    """
    reply = _check_text("response", response)
    if not reply:
        raise TrackingError(
            "response: expected what you changed or decided after the feedback, found an empty text"
        )
    if (feedback_id is None) == (checkpoint is None):
        raise TrackingError(
            "a feedback response needs exactly one of: feedback_id (a comment already in "
            f"{FEEDBACK_FILE}) or checkpoint (a comment received at a checkpoint)"
        )
    when = _now(at)
    received = when
    if received_at is not None:
        if checkpoint is None:
            raise TrackingError(
                "received_at: only a comment recorded with its checkpoint has a receipt time; "
                "feedback already in the log keeps its own"
            )
        received = _now(received_at)
        if received > when:
            raise TrackingError(
                f"received_at: expected a time at or before the response ({format_at(when)}), "
                f"found {format_at(received)}"
            )
    root, in_git = _repo_root(repo_dir)
    if feedback_id is not None and not (root / FEEDBACK_FILE).is_file():
        raise TrackingError(
            f"feedback_id {feedback_id!r}: no such feedback in {FEEDBACK_FILE} (known: none yet)",
            feedback_id=feedback_id,
        )
    shas = _resolve_commits(root, in_git, list(commits))
    comment = _check_text("text", text)
    if checkpoint is not None:
        checkpoint = _check_text("checkpoint", checkpoint)
        if not checkpoint:
            raise TrackingError("checkpoint: expected its name (e.g. 'day 3'), found an empty text")
        if not comment:
            raise TrackingError(
                f"text: expected the feedback received at checkpoint {checkpoint!r}, found an "
                "empty text"
            )

    def build(ids: list[str]) -> dict[str, Any]:
        if feedback_id is None:
            return {
                "id": _next_id(ID_PREFIXES[FEEDBACK_FILE], ids),
                "at": format_at(received),
                "checkpoint": checkpoint,
                "text": comment,
                "response": reply,
                "responded_at": format_at(when),
                "commits": shas,
            }
        if feedback_id not in ids:
            known = ", ".join(dict.fromkeys(ids)) or "none yet"
            raise TrackingError(
                f"feedback_id {feedback_id!r}: no such feedback in {FEEDBACK_FILE} "
                f"(known: {known})",
                feedback_id=feedback_id,
            )
        return {
            "id": feedback_id,
            "response": reply,
            "responded_at": format_at(when),
            "commits": shas,
        }

    record = _append(root, FEEDBACK_FILE, build)
    items, _ = parse_feedback(_read(root / FEEDBACK_FILE)[0], FEEDBACK_FILE)
    for item in items:
        if item.id == record["id"]:
            return item
    # The thread cannot be read back only if the file changed under us in between.
    raise TrackingError(f"{root / FEEDBACK_FILE}: feedback {record['id']!r} could not be read back")


# --------------------------------------------------------------------------- reading


def _read(path: Path) -> tuple[str, list[str]]:
    """The text of a tracking file ('' when absent) and notes on why it could not be read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "", []
    except OSError as err:
        return "", [f"{path}: cannot read ({err.strerror or err})"]
    if size > MAX_TEXT_BYTES:
        mb = MAX_TEXT_BYTES / 1024 / 1024
        return "", [f"{path}: over the {mb:.0f} MB size cap; not read"]
    try:
        data = path.read_bytes()
    except OSError as err:
        return "", [f"{path}: cannot read ({err.strerror or err})"]
    return data.decode("utf-8", "replace"), []


def read_experiments(repo_dir: str | os.PathLike[str] = ".") -> Experiments:
    """The experiment log of the work tree, oldest first, with notes on skipped lines.

    Raises:
        TrackingError: ``repo_dir`` is not a folder.
    """
    root, _ = _repo_root(repo_dir)
    text, notes = _read(root / EXPERIMENTS_FILE)
    records, more = parse_experiments(text, EXPERIMENTS_FILE)
    present = (root / EXPERIMENTS_FILE).is_file()
    return Experiments(
        records=sort_by_time(records),
        log_path=EXPERIMENTS_FILE if present else None,
        notes=notes + more,
    )


def read_updates(repo_dir: str | os.PathLike[str] = ".") -> tuple[list[Update], list[str]]:
    """Progress updates of the work tree, oldest first, and notes on skipped lines."""
    root, _ = _repo_root(repo_dir)
    text, notes = _read(root / UPDATES_FILE)
    updates, more = parse_updates(text, UPDATES_FILE)
    return sort_by_time(updates), notes + more


def read_questions(repo_dir: str | os.PathLike[str] = ".") -> tuple[list[Question], list[str]]:
    """Clarifying questions of the work tree, oldest first, and notes on skipped lines."""
    root, _ = _repo_root(repo_dir)
    text, notes = _read(root / QUESTIONS_FILE)
    questions, more = parse_questions(text, QUESTIONS_FILE)
    return sort_by_time(questions), notes + more


def read_feedback(repo_dir: str | os.PathLike[str] = ".") -> tuple[list[Feedback], list[str]]:
    """Checkpoint feedback threads of the work tree, oldest first, and notes on skipped lines."""
    root, _ = _repo_root(repo_dir)
    text, notes = _read(root / FEEDBACK_FILE)
    items, more = parse_feedback(text, FEEDBACK_FILE)
    return sort_by_time(items), notes + more


def tracking_dir(repo_dir: str | os.PathLike[str] = ".") -> Path:
    """The ``.worktrial`` folder the logs of ``repo_dir`` are written to."""
    root, _ = _repo_root(repo_dir)
    return root / TRACKING_DIR


__all__ = [
    "AUTO",
    "current_commit",
    "log_experiment",
    "metric_error",
    "read_experiments",
    "read_feedback",
    "read_questions",
    "read_updates",
    "record_feedback_response",
    "record_question",
    "record_update",
    "tracking_dir",
]
