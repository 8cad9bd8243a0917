"""``worktrial evaluate``, ``check``, ``compare`` and ``scorecard`` through the CLI entry point."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
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


# --------------------------------------------------------------------------- evaluate --run

REFERENCE_TEST = (
    "import pandas as pd\n\n\ndef test_training_data_has_the_label():\n"
    "    assert 'malignant' in pd.read_csv('data/train.csv').columns\n"
)


@pytest.fixture(scope="module")
def cls_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from worktrial.spec import new_from_template

    return new_from_template("classification", tmp_path_factory.mktemp("run") / "trial").root


@pytest.fixture(scope="module")
def run_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = RepoBuilder(tmp_path_factory.mktemp("run-repo") / "cand", start=START)
    b.commit(
        "Add a model",
        {
            "src/__init__.py": "",
            "src/train.py": "print('train')\n",
            "src/predict.py": "def predict_frame(frame):\n    return [1] * len(frame)\n",
            "tests/test_one.py": "def test_one():\n    assert True\n",
        },
    )
    return b.path


class _Candidate:
    """Plays the candidate's commands in a FakeSandbox, as the real ones would."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, call: object) -> object:
        from worktrial.sandbox import FakeCall, fake_result

        assert isinstance(call, FakeCall)
        argv = list(call.argv)
        if "pytest" in argv:
            self.seen.append("tests")
            junit = call.job_dir / ".worktrial-run" / "junit.xml"
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_text(
                '<testsuites><testsuite name="pytest" tests="1" failures="0" errors="0" '
                'skipped="0"><testcase classname="tests.test_one" name="test_one"/>'
                "</testsuite></testsuites>"
            )
            return fake_result(exit_code=0, stdout="1 passed\n")
        if any(a.endswith("latency.py") for a in argv):
            self.seen.append("latency:" + argv[argv.index("--function") + 1])
            data = {"mode": "function", "times_ms": [2.0] * 19 + [3.0], "failures": []}
            return fake_result(exit_code=0, stdout="WORKTRIAL-LATENCY " + json.dumps(data) + "\n")
        if "src.train" in argv:
            self.seen.append("train")
            (call.job_dir / "models").mkdir(exist_ok=True)
            (call.job_dir / "models" / "model.pkl").write_bytes(bytes(2048))
            return fake_result(exit_code=0, wall_s=3.0)
        if "src.predict" in argv:
            self.seen.append("predict")
            i = argv.index("src.predict")
            source = next(m.source for m in call.mounts if m.target == "/input")
            rows = (source / "features.csv").read_text().splitlines()[1:]
            out = call.job_dir / argv[i + 2].removeprefix("/job/")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("id,prediction\n" + "".join(f"{r.split(',')[0]},1\n" for r in rows))
            return fake_result(exit_code=0, wall_s=0.5, peak_memory_mb=90.0)
        raise AssertionError(f"unexpected command {argv}")


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _Candidate:
    """``--run`` with a FakeSandbox playing the candidate and a described environment."""
    import worktrial.sandbox
    import worktrial.sandbox.environment
    from worktrial.sandbox import FakeSandbox
    from worktrial.sandbox.environment import RuntimeEnv

    cand = _Candidate()
    chosen: list[tuple[str, bool]] = []

    def get_sandbox(name: str = "auto", *, allow_local: bool = False) -> FakeSandbox:
        chosen.append((name, allow_local))
        return FakeSandbox(cand)  # type: ignore[arg-type]

    def build_environment(requirements: list[str], **kw: object) -> RuntimeEnv:
        assert "pytest" in requirements and "scikit-learn" in requirements
        return RuntimeEnv(
            path=tmp_path / "env",
            python=tmp_path / "env/bin/python",
            packages={"numpy": "2", "pandas": "3", "scikit-learn": "1", "pytest": "8"},
            key="k",
        )

    monkeypatch.setattr(worktrial.sandbox, "get_sandbox", get_sandbox)
    monkeypatch.setattr(worktrial.sandbox.environment, "build_environment", build_environment)
    cand.chosen = chosen  # type: ignore[attr-defined]
    return cand


def test_run_scores_the_holdout_into_the_scorecard(
    run_repo: Path, cls_bundle: Path, fake_run: _Candidate, tmp_path: Path
) -> None:
    out = tmp_path / "card.json"
    args = ["evaluate", str(run_repo), "--spec", str(cls_bundle), "--run", "-o", str(out)]
    assert main([*args, "--sandbox", "bwrap"]) == 0
    assert fake_run.chosen == [("bwrap", False)]  # type: ignore[attr-defined]
    assert fake_run.seen == [
        "tests",
        "train",
        "predict",
        "latency:src.predict:predict_frame",
        "train",
        "predict",
    ]
    card = load_scorecard(out)
    run = card.run
    assert run is not None and run.outcome == "scored" and run.split == "final"
    assert run.figures.metrics["recall"] == 1.0  # predicting 1 everywhere catches every case
    assert run.figures.latency_includes_startup is False
    assert {b.name: b.met for b in run.budgets}["latency_p95_ms"] is True
    assert run.figures.tests_passed == 1
    # the run folder lives under WORKTRIAL_HOME: runs/<trial id>/<sha12>-<UTC time>/
    home = Path(os.environ["WORKTRIAL_HOME"])
    (folder,) = (home / "runs" / "malignancy-screening").iterdir()
    assert re.fullmatch(rf"{card.repository.head[:12]}-\d{{8}}T\d{{6}}Z", folder.name)
    assert (folder / "logs" / "tests.log").is_file()
    # the measured output reaches the rubric
    output = card.dimension("output")
    assert any(s.observed and s.evidence and s.evidence[0].kind == "run" for s in output.signals)


def test_run_on_the_dev_split_counts_against_the_quota(
    run_repo: Path, cls_bundle: Path, fake_run: _Candidate, tmp_path: Path
) -> None:
    out = tmp_path / "card.json"
    args = ["evaluate", str(run_repo), "--spec", str(cls_bundle), "--run", "--split", "dev"]
    assert main([*args, "--candidate", "cand-3", "-o", str(out)]) == 0
    run = load_scorecard(out).run
    assert run is not None and run.split == "dev"
    assert run.split_description == "the dev part of the hidden holdout"
    quotas = Path(os.environ["WORKTRIAL_HOME"]) / "quotas"
    (ledger,) = quotas.glob("*/cand-3-*.json")
    runs = json.loads(ledger.read_text())["runs"]
    assert len(runs) == 1 and runs[0]["counted"] is True


def test_run_needs_a_bundle_folder(
    run_repo: Path, cls_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = cls_bundle / "trial.toml"
    assert main(["evaluate", str(run_repo), "--spec", str(toml), "--run"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "error: --run needs the trial's bundle folder (with its hidden holdout), not a trial.toml"
        in err
    )
    assert main(["evaluate", str(run_repo), "--run"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "error: --run needs --spec with the trial's bundle folder (with its hidden holdout)" in err
    )


def test_run_options_without_run_are_refused(
    run_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(run_repo), "--sandbox", "bwrap", "--split", "dev"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "error: --sandbox, --split only apply with --run" in err


def test_local_sandbox_needs_allow_local(
    run_repo: Path, cls_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evaluate", str(run_repo), "--spec", str(cls_bundle), "--run", "--sandbox", "local"]
    assert main(args) == 1  # a sandbox that cannot be used, not a usage error
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "error: the local sandbox does not isolate: candidate code can read files and use the "
        "network; it runs only when an administrator allows it (allow_local=True)" in err
    )


def test_root_uses_a_shared_home_when_its_own_is_closed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from worktrial.cli import _evaluate

    # a folder every user may enter down to it (pytest's own temporary folders are private)
    top = Path(tempfile.mkdtemp(prefix="worktrial-home-", dir="/tmp"))
    top.chmod(0o755)
    closed = top / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    monkeypatch.delenv("WORKTRIAL_HOME")
    monkeypatch.setenv("HOME", str(closed))
    monkeypatch.setattr(_evaluate.os, "geteuid", lambda: 0)
    assert _evaluate.run_home() == Path("/var/lib/worktrial")
    closed.chmod(0o755)
    assert _evaluate.run_home() == closed / ".local/share/worktrial"
    monkeypatch.setenv("WORKTRIAL_HOME", str(tmp_path / "mine"))
    assert _evaluate.run_home() == tmp_path / "mine"
    shutil.rmtree(top)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder the sandbox user may enter (pytest's temporary folders are private)."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-cli-run-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_reference_solution_runs_in_bwrap_end_to_end(
    open_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The classification template's reference solution, checked into a repository with the
    starter kit, run by ``worktrial evaluate --run`` in the real bwrap sandbox."""
    from worktrial.sandbox import bwrap_problem
    from worktrial.sandbox.environment import blocked_for_others
    from worktrial.spec import new_from_template

    problem = bwrap_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the bwrap sandbox is unusable: {problem}")
        pytest.skip(problem)
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    blocked = blocked_for_others(site)
    if blocked is not None:
        pytest.skip(f"the sandbox user cannot read {site}: {blocked[0]} is mode {blocked[1]:04o}")

    bundle = new_from_template("classification", open_dir / "bundle")
    solution = bundle.spec.solution
    # the trial's interface becomes the reference solution's own commands and function
    toml = (bundle.root / "trial.toml").read_text(encoding="utf-8")
    for old, new in (
        ('train = "python -m src.train"', f'train = "{solution.train}"'),
        ('predict = "python -m src.predict {input} {output}"', f'predict = "{solution.predict}"'),
        ('"src.predict:predict_frame"', '"solution.predict:predict_frame"'),
    ):
        assert old in toml
        toml = toml.replace(old, new, 1)
    (bundle.root / "trial.toml").write_text(toml, encoding="utf-8")
    files: dict[str, str | bytes] = {"tests/test_smoke.py": REFERENCE_TEST}
    for folder, prefix in ((bundle.starter_dir, ""), (bundle.solution_dir, "solution/")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    b = RepoBuilder(open_dir / "candidate", start=START)
    b.commit("Add the reference baseline", files)

    home = open_dir / "home"
    monkeypatch.setenv("WORKTRIAL_HOME", str(home))
    out = open_dir / "card.html"
    args = ["evaluate", str(b.path), "--spec", str(bundle.root), "--run", "--sandbox", "bwrap"]
    assert main([*args, "--link-site-packages", str(site), "-o", str(out)]) == 0

    html = out.read_text(encoding="utf-8")
    section = html[html.index('id="run"') : html.index("Six dimensions")]
    assert "<h2>Sandboxed run</h2>" in section
    assert "bwrap sandbox (isolated)" in section and "· scored" in section
    recall = re.search(
        r"<td>recall \(primary metric\)</td><td class=\"num\">([0-9.]+)</td>", section
    )
    assert recall is not None, section[:2000]
    assert abs(float(recall.group(1)) - 0.925) <= 0.02  # the brief's reference baseline
    latency = re.search(
        r"<td>predict latency p95 per batch of 1 row</td><td class=\"num\">([0-9.]+) ms</td>"
        r"<td class=\"num\">≤ 50 ms</td><td>met</td>",
        section,
    )
    assert latency is not None, section[:3000]
    assert section.count("<details") == 8
    assert "public checks passed" in section and "all checks passed" not in html.lower()
    assert str(home) not in html
