"""Comms collector: progress updates, clarifying questions and checkpoint feedback.

Communication evidence comes through one interface, :class:`CommsSource`. For now the
repository is the source (:class:`RepoCommsSource`): the JSON Lines files ``worktrial update``,
``worktrial ask`` and ``worktrial respond`` write under ``.worktrial/``, and a hand-written
Markdown progress log. The platform will provide a database-backed source through the same
protocol.

A Markdown progress log is ``PROGRESS.md``, ``UPDATES.md`` (at the root), or
``docs/progress.md`` / ``docs/updates.md`` (any case). Each heading with a date in it
(``## 2026-03-03``, ``## Day 2 — 2026-03-03``, ``### 2026-03-03 17:30``) starts an update that
runs to the next heading of the same or a higher level. Its text is split by labels: lines like
``Done: …``, ``**Next:** …``, ``- Blockers: …`` or sub-headings ``### Done``; text before any
label counts as done. A date without a time is read as midnight UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from worktrial.evidence._types import Comms, Feedback, Pointer, Question, Update
from worktrial.evidence.docs import unread_reason
from worktrial.repo._snapshot import Snapshot
from worktrial.tracking._records import (
    FEEDBACK_FILE,
    QUESTIONS_FILE,
    UPDATES_FILE,
    excerpt,
    parse_feedback,
    parse_questions,
    parse_updates,
    sort_by_time,
)

__all__ = [
    "PROGRESS_LOGS",
    "CommsSource",
    "MergedCommsSource",
    "RepoCommsSource",
    "parse_progress_log",
    "same_record",
]

PROGRESS_LOGS = ("progress.md", "updates.md", "docs/progress.md", "docs/updates.md")

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DATE = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_LABELS = {
    "done": "done",
    "did": "done",
    "completed": "done",
    "progress": "done",
    "accomplished": "done",
    "what i did": "done",
    "next": "next",
    "next steps": "next",
    "next step": "next",
    "plan": "next",
    "plans": "next",
    "todo": "next",
    "to do": "next",
    "tomorrow": "next",
    "blockers": "blockers",
    "blocker": "blockers",
    "blocked": "blockers",
    "blocking": "blockers",
    "issues": "blockers",
    "problems": "blockers",
    "risks": "blockers",
}
_LABEL_WORDS = "|".join(sorted((re.escape(k) for k in _LABELS), key=len, reverse=True))
_LABEL_LINE = re.compile(
    rf"^\s*(?:[-*+]\s+)?(?:\*\*|__)?({_LABEL_WORDS})\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@runtime_checkable
class CommsSource(Protocol):
    """Where a submission's communication evidence comes from (repository or platform)."""

    def load(self) -> Comms:
        """Every update, question and feedback thread, oldest first, with notes."""
        ...


class RepoCommsSource:
    """Communication evidence from the committed files of a repository.

    Args:
        snapshot: the committed files of the evaluated commit.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def load(self) -> Comms:
        """Read ``.worktrial/{updates,questions,feedback}.jsonl`` and a Markdown progress log.

        Never raises on repository content: unreadable files and bad lines become notes.
        """
        snap = self.snapshot
        logs = _progress_logs(snap)
        snap.prefetch([UPDATES_FILE, QUESTIONS_FILE, FEEDBACK_FILE, *logs])
        comms = Comms(source="repository")

        text = self._text(UPDATES_FILE, comms.notes)
        if text is not None:
            updates, notes = parse_updates(text, UPDATES_FILE)
            comms.updates.extend(updates)
            comms.notes.extend(notes)
        for path in logs:
            text = self._text(path, comms.notes)
            if text is not None:
                updates, notes = parse_progress_log(text, path)
                comms.updates.extend(updates)
                comms.notes.extend(notes)
        text = self._text(QUESTIONS_FILE, comms.notes)
        if text is not None:
            questions, notes = parse_questions(text, QUESTIONS_FILE)
            comms.questions.extend(questions)
            comms.notes.extend(notes)
        text = self._text(FEEDBACK_FILE, comms.notes)
        if text is not None:
            feedback, notes = parse_feedback(text, FEEDBACK_FILE)
            comms.feedback.extend(feedback)
            comms.notes.extend(notes)

        comms.updates = sort_by_time(comms.updates)
        comms.questions = sort_by_time(comms.questions)
        comms.feedback = sort_by_time(comms.feedback)
        return comms

    def _text(self, path: str, notes: list[str]) -> str | None:
        if path not in self.snapshot.entries:
            return None
        text = self.snapshot.text(path)
        if text is None:
            notes.append(f"{path}: {unread_reason(self.snapshot, path)}")
        return text


# the same record seen twice (``worktrial update --remote`` writes it to the repository and the
# platform) is counted once: same kind, same words, recorded within this much time
_SAME_RECORD = timedelta(minutes=10)


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def same_record(at_a: datetime, text_a: str, at_b: datetime, text_b: str) -> bool:
    """Whether two records are one sent twice: the same words (spacing and case aside),
    recorded within ten minutes of each other."""
    return abs(at_a - at_b) <= _SAME_RECORD and _words(text_a) == _words(text_b)


class MergedCommsSource:
    """Communication evidence from several sources, each record counted once.

    The platform merges the repository's files with its own database: a candidate who keeps a
    progress log in the repository and one who posts updates on the web get the same credit, and
    an update sent to both counts once (the first source's copy is kept).

    Args:
        sources: read in order; earlier sources win duplicates.
    """

    def __init__(self, *sources: CommsSource) -> None:
        self.sources = sources

    def load(self) -> Comms:
        """Every source's records, duplicates dropped, oldest first."""
        loaded = [s.load() for s in self.sources]
        merged = Comms(source="+".join(dict.fromkeys(c.source for c in loaded)) or "none")
        for comms in loaded:
            merged.notes.extend(comms.notes)
            for update in comms.updates:
                if not _seen(merged.updates, update.at, update.done):
                    merged.updates.append(update)
            for question in comms.questions:
                if not _seen(merged.questions, question.at, question.text):
                    merged.questions.append(question)
            for item in comms.feedback:
                if not _seen(merged.feedback, item.at, item.text):
                    merged.feedback.append(item)
        merged.updates = sort_by_time(merged.updates)
        merged.questions = sort_by_time(merged.questions)
        merged.feedback = sort_by_time(merged.feedback)
        return merged


def _seen(items: list[Update] | list[Question] | list[Feedback], at: datetime, text: str) -> bool:
    return any(
        same_record(item.at, item.done if isinstance(item, Update) else item.text, at, text)
        for item in items
    )


def _progress_logs(snapshot: Snapshot) -> list[str]:
    return sorted(p for p in snapshot.entries if p.lower() in PROGRESS_LOGS)


def _heading_date(heading: str) -> tuple[datetime | None, str | None]:
    """The date (and time) in a heading; an error text when it looks like a date but is not."""
    m = _DATE.search(heading)
    if m is None:
        return None, None
    year, month, day, hour, minute, second, zone = m.groups()
    tz = UTC
    if zone and zone not in ("Z", "UTC"):
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        tz = timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
    try:
        when = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        ).astimezone(UTC)
    except ValueError as err:
        return None, f"{m.group(0)!r} is not a valid date ({err})"
    return when, None


def parse_progress_log(text: str, path: str) -> tuple[list[Update], list[str]]:
    """Updates from a Markdown progress log with dated headings (see the module docstring).

    Returns:
        the updates in file order, with ids and pointers ``path:line`` of their headings, and
        notes on dated headings that could not be used.
    """
    notes: list[str] = []
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (index, level, text)
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = _HEADING.match(line)
        if m:
            headings.append((index, len(m.group(1)), m.group(2).strip()))
    updates: list[Update] = []
    for pos, (index, level, heading) in enumerate(headings):
        when, problem = _heading_date(heading)
        if problem is not None:
            notes.append(f"{path}:{index + 1}: {problem}; update skipped")
            continue
        if when is None:
            continue
        end = next((i for i, lv, _ in headings[pos + 1 :] if lv <= level), len(lines))
        body = lines[index + 1 : end]
        parts = _split_labels(body)
        if not any(parts.values()):
            notes.append(f"{path}:{index + 1}: dated heading with no text under it; not counted")
            continue
        upd_id = f"{path}:{index + 1}"
        updates.append(
            Update(
                id=upd_id,
                at=when,
                done=parts["done"],
                next=parts["next"],
                blockers=parts["blockers"],
                pointer=Pointer("file", upd_id, excerpt(heading)),
            )
        )
    return updates, notes


def _split_labels(body: list[str]) -> dict[str, str]:
    parts: dict[str, list[str]] = {"done": [], "next": [], "blockers": []}
    current = "done"
    in_fence = False
    for line in body:
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence:
            heading = _HEADING.match(line)
            if heading:
                label = _LABELS.get(heading.group(2).strip().strip("*_:").strip().lower())
                if label:
                    current = label
                continue
            m = _LABEL_LINE.match(line)
            if m:
                current = _LABELS[m.group(1).lower()]
                rest = m.group(2).strip()
                if rest:
                    parts[current].append(rest)
                continue
        stripped = _BULLET.sub("", line).strip()
        if stripped:
            parts[current].append(stripped)
    return {k: "\n".join(v) for k, v in parts.items()}
