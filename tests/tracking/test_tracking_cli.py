from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from worktrial.cli import main
from worktrial.testing import RepoBuilder
from worktrial.tracking import (
    EXPERIMENTS_FILE,
    FEEDBACK_FILE,
    QUESTIONS_FILE,
    UPDATES_FILE,
    read_feedback,
)


def repo(tmp_path: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "cand")
    b.commit("Start", {"README.md": "# Churn\n"})
    return b


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_log_records_an_experiment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = repo(tmp_path)
    argv = [
        "log",
        "--repo",
        str(b.path),
        "-o",
        "0.4% positives",
        "-H",
        "class weights raise recall",
        "-c",
        "class_weight=balanced",
        "--param",
        "C=0.5",
        "-p",
        "model=logreg",
        "-p",
        "layers=[64, 32]",
        "--metric",
        "recall=0.81",
        "-m",
        "precision=0.6",
        "--result",
        "recall up",
        "--learning",
        "imbalance dominates",
        "--outcome",
        "improved",
        "--at",
        "2026-03-03T14:00:00+01:00",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"logged exp-001 at {b.head[:7]}\n"
    [rec] = records(b.path / EXPERIMENTS_FILE)
    assert rec == {
        "id": "exp-001",
        "at": "2026-03-03T13:00:00+00:00",
        "commit": b.head,
        "observation": "0.4% positives",
        "hypothesis": "class weights raise recall",
        "change": "class_weight=balanced",
        "params": {"C": 0.5, "model": "logreg", "layers": [64, 32]},
        "metrics": {"recall": 0.81, "precision": 0.6},
        "result": "recall up",
        "learning": "imbalance dominates",
        "outcome": "improved",
    }


def test_log_outside_git_says_there_is_no_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "--repo", str(tmp_path), "-c", "baseline"]) == 0
    assert capsys.readouterr().out == (
        "logged exp-001 (no commit yet: not in git or nothing committed)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--metric", "recall"],
            "--metric 'recall': expected NAME=NUMBER, e.g. --metric recall=0.81",
        ),
        (["--metric", "=0.8"], "--metric '=0.8': expected NAME=NUMBER, e.g. --metric recall=0.81"),
        (["--metric", "recall=high"], "metric 'recall': expected a number, found 'high'"),
        (["--metric", "recall=nan"], "metric 'recall': expected a finite number, found nan"),
        (
            ["-m", "recall=0.8", "-m", "recall=0.9"],
            "--metric 'recall': given twice; give each metric once",
        ),
        (
            ["-c", "x", "--param", "lr"],
            "--param 'lr': expected NAME=VALUE, e.g. --param max_depth=6",
        ),
        (
            ["-c", "x", "--outcome", "great"],
            "outcome: expected one of improved, regressed, neutral, failed, found 'great'",
        ),
        (
            [],
            "an experiment needs at least one of: observation, hypothesis, change, result, metrics",
        ),
        (
            ["-c", "x", "--at", "2026-03-03T14:00"],
            "--at '2026-03-03T14:00': expected a UTC offset in the time, "
            "e.g. --at 2026-03-03T14:00+00:00",
        ),
        (
            ["-c", "x", "--at", "tomorrow"],
            "--at 'tomorrow': expected an ISO 8601 time with a UTC offset, "
            "e.g. --at 2026-03-03T14:00+00:00",
        ),
        (["--list", "-c", "x"], "--list shows the log; it cannot be combined with --change"),
    ],
)
def test_log_errors_are_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["log", "--repo", str(tmp_path), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {message}\n"
    assert not (tmp_path / EXPERIMENTS_FILE).exists()


def test_log_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "--list", "--repo", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "no experiments logged yet (.worktrial/experiments.jsonl)\n"
    main(
        [
            "log",
            "--repo",
            str(tmp_path),
            "-c",
            "baseline",
            "-m",
            "recall=0.7",
            "--at",
            "2026-03-02T10:00:00+00:00",
        ]
    )
    main(
        [
            "log",
            "--repo",
            str(tmp_path),
            "-c",
            "weights",
            "-m",
            "recall=0.81",
            "--outcome",
            "improved",
            "--at",
            "2026-03-03T10:00:00+00:00",
        ]
    )
    with (tmp_path / EXPERIMENTS_FILE).open("a") as fh:
        fh.write("{oops\n")
    capsys.readouterr()
    assert main(["log", "--list", "--repo", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "2 experiments (.worktrial/experiments.jsonl)" in out
    for text in (
        "exp-001",
        "2026-03-02 10:00",
        "baseline",
        "recall=0.7",
        "exp-002",
        "weights",
        "recall=0.81",
        "improved",
    ):
        assert text in out, text
    assert out.index("exp-001") < out.index("exp-002")
    assert "warning: .worktrial/experiments.jsonl:3: not valid JSON" in captured.err


def test_update_ask_and_respond(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = repo(tmp_path)
    base = ["--repo", str(b.path), "--at", "2026-03-03T18:00:00+00:00"]
    assert main(["update", "--done", "EDA", "--next", "baseline", "-b", "none", *base]) == 0
    assert main(["ask", "Is recall the priority?", *base]) == 0
    assert (
        main(
            [
                "respond",
                "--checkpoint",
                "day 3",
                "--comment",
                "Tune the threshold.",
                "-r",
                "Tuned on dev.",
                "--commit",
                b.head[:7],
                "--received",
                "2026-03-03T09:30:00+00:00",
                *base,
            ]
        )
        == 0
    )
    assert main(["respond", "-f", "fb-001", "-r", "Also calibrated.", *base]) == 0
    assert capsys.readouterr().out == (
        "recorded upd-001\nrecorded q-001\nrecorded the response to fb-001\n"
        "recorded the response to fb-001\n"
    )
    assert records(b.path / UPDATES_FILE) == [
        {
            "id": "upd-001",
            "at": "2026-03-03T18:00:00+00:00",
            "done": "EDA",
            "next": "baseline",
            "blockers": "none",
        }
    ]
    assert records(b.path / QUESTIONS_FILE) == [
        {
            "id": "q-001",
            "at": "2026-03-03T18:00:00+00:00",
            "text": "Is recall the priority?",
            "answer": "",
        }
    ]
    assert len(records(b.path / FEEDBACK_FILE)) == 2
    [fb], _ = read_feedback(b.path)
    assert (fb.text, fb.response, fb.commits) == (
        "Tune the threshold.",
        "Also calibrated.",
        [b.head],
    )
    assert fb.at == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["update"], "an update needs at least one of: done, next, blockers"),
        (["ask", " "], "question: expected the question to ask, found an empty text"),
        (
            ["respond", "-r", "x"],
            "give exactly one of --feedback ID (a comment already recorded) or --checkpoint "
            "NAME (with the comment in --comment)",
        ),
        (
            ["respond", "-r", "x", "-f", "fb-002"],
            "feedback_id 'fb-002': no such feedback in .worktrial/feedback.jsonl (known: none yet)",
        ),
        (
            ["respond", "-r", "x", "--checkpoint", "day 3", "--comment", "y", "--received", "noon"],
            "--received 'noon': expected an ISO 8601 time with a UTC offset, e.g. --received "
            "2026-03-03T14:00+00:00",
        ),
    ],
)
def test_other_command_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([*argv, "--repo", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
