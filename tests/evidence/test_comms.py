from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from worktrial.evidence._types import Comms, Pointer, Update
from worktrial.evidence.comms import CommsSource, RepoCommsSource, parse_progress_log
from worktrial.repo import Repo, Snapshot
from worktrial.testing import RepoBuilder

UPDATES = ".worktrial/updates.jsonl"
QUESTIONS = ".worktrial/questions.jsonl"
FEEDBACK = ".worktrial/feedback.jsonl"


def snapshot(tmp_path: Path, files: dict[str, str | bytes | None]) -> Snapshot:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("Add files", files)
    return Snapshot(Repo(b.path))


def jsonl(*records: object) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_repository_source_is_a_comms_source(tmp_path: Path) -> None:
    source = RepoCommsSource(snapshot(tmp_path, {"a.txt": "x\n"}))
    assert isinstance(source, CommsSource)
    assert source.load() == Comms(source="repository")


def test_a_platform_source_fits_the_same_protocol() -> None:
    class Fixed:
        def load(self) -> Comms:
            return Comms(source="platform")

    source: CommsSource = Fixed()
    assert isinstance(source, CommsSource)
    assert source.load().source == "platform"


def test_jsonl_files_are_read_tolerantly(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        UPDATES: jsonl(
            {"id": "upd-002", "at": "2026-03-03T18:00:00+00:00", "done": "baseline", "next": "gbm"},
            {"id": "upd-001", "at": "2026-03-02T18:00:00+00:00", "done": "EDA", "blockers": "none"},
            {"id": "upd-003", "done": "no time"},
            {"id": "upd-004", "at": "2026-03-04T18:00:00+00:00"},
        )
        + "oops\n",
        QUESTIONS: jsonl(
            {"id": "q-001", "at": "2026-03-02T09:30:00+00:00", "text": "Is recall the priority?"},
            {"id": "q-001", "answer": "Yes, with a precision floor."},
            {"id": "q-002", "at": "2026-03-02T09:40:00+00:00", "text": ""},
        ),
        FEEDBACK: jsonl(
            {
                "id": "fb-001",
                "at": "2026-03-04T12:00:00+00:00",
                "checkpoint": "day 3",
                "text": "Your threshold is not tuned.",
            },
            {
                "id": "fb-001",
                "response": "Tuned it on the dev split.",
                "responded_at": "2026-03-04T16:00:00+00:00",
                "commits": ["ABCDEF1234", "nope"],
            },
        ),
    }
    comms = RepoCommsSource(snapshot(tmp_path, files)).load()
    assert [u.id for u in comms.updates] == ["upd-001", "upd-002"]
    assert comms.updates[0] == Update(
        id="upd-001",
        at=datetime(2026, 3, 2, 18, tzinfo=UTC),
        done="EDA",
        next="",
        blockers="none",
        pointer=Pointer("update", "upd-001", "EDA"),
    )
    [question] = comms.questions
    assert question.answer == "Yes, with a precision floor."
    assert question.pointer == Pointer("question", "q-001", "Is recall the priority?")
    [fb] = comms.feedback
    assert fb.checkpoint == "day 3"
    assert fb.response == "Tuned it on the dev split."
    assert fb.responded_at == datetime(2026, 3, 4, 16, tzinfo=UTC)
    assert fb.commits == ["abcdef1234"]
    assert comms.notes == [
        f"{UPDATES}:3: an update needs a time in 'at'; line skipped",
        f"{UPDATES}:4: update 'upd-004' has no done, next or blockers; line skipped",
        f"{UPDATES}:5: not valid JSON (Expecting value); line skipped",
        f"{QUESTIONS}:3: question 'q-002' needs its text in 'text'; skipped",
        f"{FEEDBACK}:2: 'nope' in 'commits' is not a commit hash; ignored",
    ]


PROGRESS = """\
# Progress log

## Day 1 — 2026-03-02
Done: explored the data, found 0.4% positives.
Next: a logistic regression baseline.
Blockers: none

## 2026-03-03 17:30 +01:00

### Done
- baseline with recall 0.72
- wrote the framing section

### Next steps
- gradient boosting

```
## 2026-03-09 not a heading inside code
```

## 2026-02-30
Impossible date.

## 2026-03-04

## 2026-03-05
Free text without labels counts as done.
**Blockers:** waiting for the holdout definition
"""


def test_markdown_progress_log() -> None:
    updates, notes = parse_progress_log(PROGRESS, "PROGRESS.md")
    assert [(u.id, u.at) for u in updates] == [
        ("PROGRESS.md:3", datetime(2026, 3, 2, tzinfo=UTC)),
        ("PROGRESS.md:8", datetime(2026, 3, 3, 16, 30, tzinfo=UTC)),
        ("PROGRESS.md:26", datetime(2026, 3, 5, tzinfo=UTC)),
    ]
    day1, day2, day4 = updates
    assert (day1.done, day1.next, day1.blockers) == (
        "explored the data, found 0.4% positives.",
        "a logistic regression baseline.",
        "none",
    )
    assert day1.pointer == Pointer("file", "PROGRESS.md:3", "Day 1 — 2026-03-02")
    assert day2.done == "baseline with recall 0.72\nwrote the framing section"
    assert day2.next == "gradient boosting\n```\n## 2026-03-09 not a heading inside code\n```"
    assert day4.done == "Free text without labels counts as done."
    assert day4.blockers == "waiting for the holdout definition"
    assert notes == [
        "PROGRESS.md:21: '2026-02-30' is not a valid date (day is out of range for month); "
        "update skipped",
        "PROGRESS.md:24: dated heading with no text under it; not counted",
    ]


def test_progress_log_and_jsonl_together_sorted(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "docs/Progress.md": "## 2026-03-03\nDone: gbm\n",
        UPDATES: jsonl({"id": "upd-001", "at": "2026-03-04T09:00:00+00:00", "done": "tuning"}),
    }
    comms = RepoCommsSource(snapshot(tmp_path, files)).load()
    assert [u.id for u in comms.updates] == ["docs/Progress.md:1", "upd-001"]
    assert comms.notes == []


def test_unreadable_tracking_file_is_noted(tmp_path: Path) -> None:
    comms = RepoCommsSource(snapshot(tmp_path, {QUESTIONS: b"\x00\x00binary"})).load()
    assert comms.questions == []
    assert comms.notes == [f"{QUESTIONS}: binary content; not read"]


def test_merged_sources_count_a_record_sent_to_both_once() -> None:
    from datetime import UTC, datetime, timedelta

    from worktrial.evidence._types import Comms, Question, Update
    from worktrial.evidence.comms import MergedCommsSource

    at = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

    class Source:
        def __init__(self, comms: Comms) -> None:
            self.comms = comms

        def load(self) -> Comms:
            return self.comms

    platform = Comms(
        source="platform",
        updates=[
            Update("u1", at, "Shipped  the baseline"),
            Update("u2", at + timedelta(days=1), "Tuned"),
        ],
        questions=[Question("q1", at, "Recall or precision?")],
    )
    repo = Comms(
        source="repository",
        updates=[
            Update("r1", at + timedelta(minutes=3), "shipped the baseline"),  # the same update
            Update("r2", at + timedelta(hours=5), "shipped the baseline"),  # said again later
            Update("r3", at - timedelta(days=1), "Read the brief"),
        ],
        notes=["PROGRESS.md: a heading without a date"],
    )
    merged = MergedCommsSource(Source(platform), Source(repo)).load()
    assert merged.source == "platform+repository"
    assert [u.id for u in merged.updates] == ["r3", "u1", "r2", "u2"]
    assert [q.id for q in merged.questions] == ["q1"]
    assert merged.notes == ["PROGRESS.md: a heading without a date"]
