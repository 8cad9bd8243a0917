"""``worktrial evaluate``, ``check``, ``compare`` and ``scorecard`` through the CLI entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from worktrial.cli import main
from worktrial.report import load_scorecard
from worktrial.testing import RepoBuilder

START = datetime(2026, 3, 2, 9, tzinfo=UTC)

README = """# Churn

## Objective
Find customers who will churn so the retention team can call them.

## Success metric
Recall, because a missed churner costs more than a wasted call.

## Results
Recall 0.8 with logistic regression.

## Next steps
Next I would add usage trends.
"""

TRIAL_TOML = """\
id = "churn-recall"
title = "Catch churners before they leave"
kind = "classification"
duration_days = 7

[compensation]
amount = 1200
currency = "EUR"
expected_hours = 20
hourly_floor = 40

[data]
target = "churn"
files = [
  { path = "data/train.csv", role = "train" },
  { path = "data/holdout.csv", role = "holdout_features", hidden = true },
  { path = "data/holdout_labels.csv", role = "holdout_labels", hidden = true },
]

[primary_metric]
name = "recall"
priority = "a missed churner costs far more than a wasted offer"

[interface]
predict = "python predict.py {input} {output}"
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = RepoBuilder(
        tmp_path_factory.mktemp("cli") / "cand-repo",
        start=START,
        author=("Alan Turing", "alan@example.com"),
    )
    b.commit("Frame the problem and the metric", {"README.md": README}, at=timedelta(hours=1))
    b.commit(
        "Add a logistic regression baseline (recall 0.7)",
        {"src/model.py": "import random\n\nrandom.seed(1)\n\n\ndef fit():\n    return 1\n"},
        at=timedelta(hours=20),
    )
    b.commit(
        "Add <script>alert(1)</script> tests",
        {"tests/test_model.py": "def test_fit():\n    assert True\n"},
        at=timedelta(days=3),
    )
    return b.path


@pytest.fixture(scope="module")
def cards(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("cards")
    a, b = out / "a.json", out / "b.json"
    assert main(["evaluate", str(repo), "--out", str(a), "--candidate", "alpha"]) == 0
    assert main(["evaluate", str(repo), "--out", str(b), "--candidate", "beta"]) == 0
    return a, b


# --------------------------------------------------------------------------- evaluate


def test_evaluate_term_is_the_default(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(repo), "--candidate", "cand-9"]) == 0
    out = capsys.readouterr().out
    assert "Candidate cand-9" in out
    assert "Overall" in out
    assert "Problem framing" in out
    assert "Alan Turing" not in out


def test_evaluate_json_to_stdout(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(repo), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == "1.0"
    assert doc["repository"]["name"] == "cand-repo"
    assert doc["candidate"] == "candidate"
    assert "alan@example.com" not in json.dumps(doc)


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("card.json", '"schema_version": "1.0"'),
        ("card.html", "<!DOCTYPE html>"),
        ("card.md", "# cand-repo — scorecard"),
        ("card.txt", "Overall"),
    ],
)
def test_evaluate_out_infers_the_format(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, marker: str
) -> None:
    out = tmp_path / "sub" / name
    assert main(["evaluate", str(repo), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert marker in text
    err = capsys.readouterr().err
    assert f"wrote {out} (" in err


def test_evaluate_html_escapes_commit_subjects(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.html"
    assert main(["evaluate", str(repo), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_explicit_format_wins_over_extension(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.txt"
    assert main(["evaluate", str(repo), "--out", str(out), "--format", "json"]) == 0
    assert load_scorecard(out).repository.name == "cand-repo"


def test_evaluate_with_spec_and_window(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "trial.toml"
    spec.write_text(TRIAL_TOML, encoding="utf-8")
    out = tmp_path / "card.json"
    args = ["evaluate", str(repo), "--spec", str(spec), "--out", str(out)]
    assert main([*args, "--start", "2026-03-02", "--deadline", "2026-03-04T12:00:00+01:00"]) == 0
    card = load_scorecard(out)
    assert card.trial is not None and card.trial.id == "churn-recall"
    assert card.window.source == "explicit"
    assert card.window.started_at == START - timedelta(hours=9)
    assert card.window.deadline == datetime(2026, 3, 4, 11, tzinfo=UTC)
    assert card.counts.late_commits == 1  # the tests commit on day 3


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"error: {tmp_path}: not a git repository (pass the folder that holds the .git directory)\n"
    )
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope'}: no such file or directory\n"


def test_bad_format_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(repo), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "'pdf' is not one of 'json', 'html', 'md', 'term'" in err
    assert "Traceback" not in err


def test_unknown_extension(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "card.pdf"
    assert main(["evaluate", str(repo), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"error: --out {out}: cannot tell the format from the extension '.pdf' (expected one "
        "of .json, .html, .htm, .md, .markdown, .txt, or pass --format json|html|md|term)\n"
    )
    assert not out.exists()


def test_bad_dates(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(repo), "--deadline", "next friday"]) == 2
    assert capsys.readouterr().err == (
        "error: --deadline 'next friday': expected an ISO 8601 date or time such as "
        "2026-03-09 or 2026-03-09T17:00:00+01:00\n"
    )
    assert main(["evaluate", str(repo), "--start", "2026-03-09", "--deadline", "2026-03-02"]) == 2
    assert capsys.readouterr().err == (
        "error: --deadline 2026-03-02 is not after --start 2026-03-09\n"
    )


def test_bad_spec_is_reported(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "trial.toml"
    spec.write_text(TRIAL_TOML.replace("duration_days = 7", 'duration_days = "a week"'))
    assert main(["evaluate", str(repo), "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(spec) in err and "duration_days" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- check


def test_check_prints_the_public_checklist(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "public checks the company runs too" in out
    assert "1. Is the problem framed" in out
    assert "9. Did you say what failed and what you would do next?" in out
    assert "fix:" in out
    assert "secret" not in out.lower()


def test_check_defaults_to_the_current_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert main(["check", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Self-check — cand-repo\n")
    assert "- [" in out


def test_check_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}: not a git repository")


# --------------------------------------------------------------------------- compare


def test_compare_side_by_side(cards: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *map(str, cards)]) == 0
    out = capsys.readouterr().out
    assert "Candidates side by side" in out
    assert "alpha" in out and "beta" in out
    assert "Problem framing" in out and "Red flags" in out


def test_compare_markdown_and_html(
    cards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *map(str, cards), "--format", "md"]) == 0
    assert "| dimension | alpha | beta |" in capsys.readouterr().out
    out = tmp_path / "cmp.html"
    assert main(["compare", *map(str, cards), "--format", "html", "--out", str(out)]) == 0
    assert '<th class="num">alpha</th>' in out.read_text(encoding="utf-8")


def test_compare_refuses_a_newer_scorecard(
    cards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(cards[0].read_text(encoding="utf-8"))
    doc["schema_version"] = "2.0"
    newer = tmp_path / "x.json"
    newer.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["compare", str(cards[1]), str(newer)]) == 2
    assert capsys.readouterr().err == (
        f"error: {newer}: scorecard version 2.0 is newer than this worktrial understands (1.0)\n"
    )


def test_compare_refuses_other_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}', encoding="utf-8")
    assert main(["compare", str(other)]) == 2
    assert capsys.readouterr().err == (
        f"error: {other}: not a worktrial scorecard (missing schema_version)\n"
    )


def test_compare_needs_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare"]) == 2
    assert "Missing argument 'SCORECARD'" in capsys.readouterr().err


# --------------------------------------------------------------------------- scorecard


def test_scorecard_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scorecard", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "worktrial scorecard"
    assert "dimensions" in schema["properties"]


def test_scorecard_render(
    cards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "again.html"
    assert main(["scorecard", "render", str(cards[0]), "--out", str(out)]) == 0
    assert "alpha" in out.read_text(encoding="utf-8")
    assert main(["scorecard", "render", str(cards[0]), "--format", "md"]) == 0
    assert "- **Candidate:** alpha" in capsys.readouterr().out
