from __future__ import annotations

import json
import math
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import worktrial.tracking
from worktrial.errors import TrackingError
from worktrial.evidence._types import Pointer
from worktrial.evidence.comms import RepoCommsSource
from worktrial.evidence.experiments import collect_experiments
from worktrial.repo import Repo, Snapshot
from worktrial.testing import RepoBuilder
from worktrial.tracking import (
    EXPERIMENTS_FILE,
    FEEDBACK_FILE,
    current_commit,
    log_experiment,
    read_experiments,
    read_feedback,
    read_questions,
    read_updates,
    record_feedback_response,
    record_question,
    record_update,
)

AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def repo(tmp_path: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Start", {"README.md": "# Churn\n", "src/__init__.py": ""})
    return b


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_public_api() -> None:
    assert worktrial.tracking.__all__ == [
        "AUTO",
        "EXPERIMENTS_FILE",
        "FEEDBACK_FILE",
        "OUTCOMES",
        "QUESTIONS_FILE",
        "TRACKING_DIR",
        "UPDATES_FILE",
        "current_commit",
        "log_experiment",
        "read_experiments",
        "read_feedback",
        "read_questions",
        "read_updates",
        "record_feedback_response",
        "record_question",
        "record_update",
        "tracking_dir",
    ]


def test_log_experiment_appends_with_ids_and_commit(tmp_path: Path) -> None:
    b = repo(tmp_path)
    first = log_experiment(
        b.path,
        observation="0.4% positives",
        hypothesis="class weights raise recall",
        change="class_weight='balanced'",
        params={"C": 0.5, "model": "logreg"},
        metrics={"recall": 0.81, "precision": 1},
        result="recall up, precision down",
        learning="imbalance dominates",
        outcome="improved",
        at=AT.astimezone(timezone(timedelta(hours=2))),
    )
    second = log_experiment(b.path / "src", change="threshold 0.3", commit=None, at=AT)
    assert (first.id, second.id) == ("exp-001", "exp-002")
    assert first.commit == b.head
    assert second.commit is None
    assert first.at == AT
    assert first.pointer == Pointer("experiment", "exp-001", "class_weight='balanced'")
    assert lines(b.path / EXPERIMENTS_FILE) == [
        {
            "id": "exp-001",
            "at": "2026-03-03T14:00:00+00:00",
            "commit": b.head,
            "observation": "0.4% positives",
            "hypothesis": "class weights raise recall",
            "change": "class_weight='balanced'",
            "params": {"C": 0.5, "model": "logreg"},
            "metrics": {"recall": 0.81, "precision": 1.0},
            "result": "recall up, precision down",
            "learning": "imbalance dominates",
            "outcome": "improved",
        },
        {
            "id": "exp-002",
            "at": "2026-03-03T14:00:00+00:00",
            "commit": None,
            "observation": "",
            "hypothesis": "",
            "change": "threshold 0.3",
            "params": {},
            "metrics": {},
            "result": "",
            "learning": "",
            "outcome": None,
        },
    ]
    assert not (b.path / "src" / ".worktrial").exists()  # always at the work tree's root


def test_explicit_short_commit_is_expanded(tmp_path: Path) -> None:
    b = repo(tmp_path)
    exp = log_experiment(b.path, change="x", commit=b.head[:7], at=AT)
    assert exp.commit == b.head


def test_at_defaults_to_now_in_utc(tmp_path: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    exp = log_experiment(tmp_path, result="ran it")
    assert exp.at is not None
    assert exp.at.tzinfo is UTC
    assert before <= exp.at <= datetime.now(UTC)


def test_no_commit_outside_git_or_before_the_first_commit(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert log_experiment(plain, change="x").commit is None
    assert current_commit(plain) is None
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=fresh, check=True)
    assert log_experiment(fresh, change="x").commit is None
    assert (fresh / EXPERIMENTS_FILE).is_file()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {},
            "an experiment needs at least one of: observation, hypothesis, change, result, metrics",
        ),
        (
            {"learning": "only a learning"},
            "an experiment needs at least one of: observation, hypothesis, change, result, metrics",
        ),
        (
            {"change": "x", "outcome": "great"},
            ("outcome: expected one of improved, regressed, neutral, failed, found 'great'"),
        ),
        ({"metrics": {"recall": "high"}}, "metric 'recall': expected a number, found 'high'"),
        ({"metrics": {"recall": True}}, "metric 'recall': expected a number, found True"),
        (
            {"metrics": {"recall": math.nan}},
            "metric 'recall': expected a finite number, found nan",
        ),
        ({"metrics": {"": 0.5}}, "metric name: expected a non-empty name, found ''"),
        (
            {"change": "x", "params": {"model": object}},
            "param 'model': expected a JSON value (text, number, boolean, list or mapping), "
            "found <class 'object'>",
        ),
        (
            {"change": "x", "at": datetime(2026, 3, 3, 14)},  # noqa: DTZ001 - testing the refusal
            "at: expected a timezone-aware datetime, found a naive one (2026-03-03T14:00:00)",
        ),
        (
            {"change": "x", "commit": "not-a-sha"},
            "commit 'not-a-sha': expected a commit hash (4 to 64 hex digits)",
        ),
    ],
)
def test_log_experiment_validation(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TrackingError) as exc:
        log_experiment(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert exc.value.message == message
    assert exc.value.exit_code == 2
    assert not (tmp_path / EXPERIMENTS_FILE).exists()


def test_missing_folder_and_blocked_tracking_dir(tmp_path: Path) -> None:
    with pytest.raises(TrackingError) as exc:
        log_experiment(tmp_path / "nope", change="x")
    assert exc.value.message == (
        f"{tmp_path / 'nope'}: expected a folder (your project's repository), found nothing"
    )
    (tmp_path / ".worktrial").write_text("not a folder")
    with pytest.raises(TrackingError) as exc:
        log_experiment(tmp_path, change="x")
    assert exc.value.message == (
        f"{tmp_path / '.worktrial'}: expected a folder for the tracking files, found a file"
    )


def test_append_survives_damaged_log(tmp_path: Path) -> None:
    log = tmp_path / EXPERIMENTS_FILE
    log.parent.mkdir()
    log.write_text('{"id": "exp-007", "change": "by hand"}\n{broken\n{"id": "exp-003"}')
    exp = log_experiment(tmp_path, change="next", at=AT)
    assert exp.id == "exp-008"
    raw = log.read_text().splitlines()
    assert raw[2] == '{"id": "exp-003"}'  # the unterminated line was closed, not joined
    assert json.loads(raw[3])["id"] == "exp-008"
    read = read_experiments(tmp_path)
    assert [r.id for r in read.records] == ["exp-008", "exp-007", "exp-003"]
    assert read.log_path == EXPERIMENTS_FILE
    assert read.notes == [
        f"{EXPERIMENTS_FILE}:2: not valid JSON (Expecting property name enclosed in double "
        "quotes); line skipped"
    ]


def test_concurrent_writers_get_unique_ids(tmp_path: Path) -> None:
    def write(n: int) -> str:
        return log_experiment(tmp_path, change=f"run {n}", commit=None, at=AT).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(write, range(40)))
    assert sorted(ids) == [f"exp-{n:03d}" for n in range(1, 41)]
    assert len(lines(tmp_path / EXPERIMENTS_FILE)) == 40


def test_updates_and_questions(tmp_path: Path) -> None:
    upd = record_update(tmp_path, done="EDA", next="baseline", at=AT)
    assert (upd.id, upd.done, upd.next, upd.blockers, upd.at) == (
        "upd-001",
        "EDA",
        "baseline",
        "",
        AT,
    )
    record_update(tmp_path, done="", blockers="no holdout yet", at=AT + timedelta(days=1))
    q = record_question(tmp_path, text="Is recall the priority?", at=AT)
    assert (q.id, q.text, q.answer) == ("q-001", "Is recall the priority?", "")
    updates, notes = read_updates(tmp_path)
    assert [u.id for u in updates] == ["upd-001", "upd-002"]
    assert notes == []
    questions, _ = read_questions(tmp_path)
    assert questions == [q]
    with pytest.raises(TrackingError) as exc:
        record_update(tmp_path, done="  ")
    assert exc.value.message == "an update needs at least one of: done, next, blockers"
    with pytest.raises(TrackingError) as exc:
        record_question(tmp_path, text="")
    assert exc.value.message == "question: expected the question to ask, found an empty text"


def test_feedback_responses(tmp_path: Path) -> None:
    b = repo(tmp_path)
    fb = record_feedback_response(
        b.path,
        checkpoint="day 3",
        text="The threshold is not tuned.",
        response="Tuned it on the dev split.",
        commits=[b.head[:8]],
        at=AT,
    )
    assert (fb.id, fb.checkpoint, fb.commits, fb.responded_at) == (
        "fb-001",
        "day 3",
        [b.head],
        AT,
    )
    later = AT + timedelta(hours=2)
    again = record_feedback_response(
        b.path, feedback_id="fb-001", response="Also recalibrated.", at=later
    )
    assert (again.text, again.response, again.responded_at) == (
        "The threshold is not tuned.",
        "Also recalibrated.",
        later,
    )
    items, notes = read_feedback(b.path)
    assert items == [again]
    assert notes == []


def test_feedback_received_before_the_response(tmp_path: Path) -> None:
    b = repo(tmp_path)
    fb = record_feedback_response(
        b.path,
        checkpoint="day 3",
        text="Measure the latency budget.",
        response="Added a latency benchmark.",
        at=AT,
        received_at=AT - timedelta(hours=5),
    )
    assert (fb.at, fb.responded_at) == (AT - timedelta(hours=5), AT)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"response": "x"},
            "a feedback response needs exactly one of: feedback_id (a comment already in "
            ".worktrial/feedback.jsonl) or checkpoint (a comment received at a checkpoint)",
        ),
        (
            {"response": "x", "feedback_id": "fb-001", "checkpoint": "day 3"},
            "a feedback response needs exactly one of: feedback_id (a comment already in "
            ".worktrial/feedback.jsonl) or checkpoint (a comment received at a checkpoint)",
        ),
        (
            {"response": ""},
            "response: expected what you changed or decided after the feedback, found an "
            "empty text",
        ),
        (
            {"response": "x", "checkpoint": "day 3"},
            "text: expected the feedback received at checkpoint 'day 3', found an empty text",
        ),
        (
            {"response": "x", "feedback_id": "fb-004"},
            "feedback_id 'fb-004': no such feedback in .worktrial/feedback.jsonl (known: none yet)",
        ),
        (
            {"response": "x", "feedback_id": "fb-001", "received_at": AT},
            "received_at: only a comment recorded with its checkpoint has a receipt time; "
            "feedback already in the log keeps its own",
        ),
        (
            {
                "response": "x",
                "checkpoint": "day 3",
                "text": "Measure latency.",
                "at": AT,
                "received_at": AT + timedelta(minutes=1),
            },
            "received_at: expected a time at or before the response (2026-03-03T14:00:00+00:00), "
            "found 2026-03-03T14:01:00+00:00",
        ),
    ],
)
def test_feedback_validation(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TrackingError) as exc:
        record_feedback_response(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert exc.value.message == message
    assert not (tmp_path / FEEDBACK_FILE).exists()


def test_unknown_feedback_id_lists_the_known_ones(tmp_path: Path) -> None:
    record_feedback_response(tmp_path, checkpoint="day 3", text="t", response="r", at=AT)
    with pytest.raises(TrackingError) as exc:
        record_feedback_response(tmp_path, feedback_id="fb-009", response="r")
    assert exc.value.message == (
        "feedback_id 'fb-009': no such feedback in .worktrial/feedback.jsonl (known: fb-001)"
    )


def test_committed_records_are_what_the_collectors_read(tmp_path: Path) -> None:
    b = repo(tmp_path)
    log_experiment(b.path, change="baseline", metrics={"recall": 0.7}, at=AT)
    record_update(b.path, done="baseline", at=AT)
    record_question(b.path, text="Which split is the holdout?", at=AT)
    b.commit("Log the baseline")
    snap = Snapshot(Repo(b.path))
    exps = collect_experiments(snap)
    assert [(r.id, r.metrics) for r in exps.records] == [("exp-001", {"recall": 0.7})]
    comms = RepoCommsSource(snap).load()
    assert [u.id for u in comms.updates] == ["upd-001"]
    assert [q.id for q in comms.questions] == ["q-001"]
