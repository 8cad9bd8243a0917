"""The scorecard's ``run`` section: built from a run report, kept blind of host paths, and
rendered in HTML (readable without JavaScript), Markdown and the terminal."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from report_samples import make_evidence, make_result, make_spec

from worktrial.report import (
    Scorecard,
    build_scorecard,
    parse_scorecard,
    render_html,
    render_markdown,
    render_text,
)
from worktrial.report._scorecard import RUN_LOG_CAP
from worktrial.rubric import Context
from worktrial.scoring import RunReport, StepLog, TestCounts

WORK = Path("/srv/private/runs/trial-1/abc")
SHA = "a" * 40
AT = datetime(2026, 3, 10, 12, tzinfo=UTC)
LONG_LOG = "epoch line\n" * 2000  # 22,000 characters


def make_report(**changes: object) -> RunReport:
    steps = (
        StepLog("export", "Copy the submitted commit", "passed", "copied 12 files"),
        StepLog(
            "tests",
            "Run the candidate's tests",
            "passed",
            "public checks passed: 3 passed",
            command="python -m pytest -q",
            wall_s=1.5,
            cpu_s=1.2,
            peak_memory_mb=80.0,
            exit_code=0,
            log="<script>alert(1)</script> 3 passed\n",
            log_file=WORK / "logs" / "tests.log",
        ),
        StepLog(
            "train",
            "Train the model",
            "passed",
            f"trained in 12 s; wrote {WORK}/job/models/model.pkl",
            command="python -m src.train",
            wall_s=12.0,
            log=LONG_LOG,
            truncated=False,
            log_file=WORK / "logs" / "train.log",
        ),
        StepLog(
            "predict",
            "Predict on the hidden features",
            "failed",
            "the predict command crashed with exit code 1: ValueError: bad shape",
            command="python -m src.predict /input/features.csv /job/out.csv",
            exit_code=1,
            log="Traceback ...\nValueError: bad shape\n",
            log_file=WORK / "logs" / "predict.log",
        ),
    )
    fields: dict[str, object] = {
        "trial": "churn-trial",
        "commit": SHA,
        "split": "final",
        "split_description": "the final part of the hidden holdout",
        "rows": 400,
        "backend": "bwrap",
        "isolated": True,
        "started_at": AT,
        "finished_at": AT,
        "steps": steps,
        "primary_metric": "recall",
        "metrics": {"recall": 0.8123, "precision": 0.7},
        "tests": TestCounts(passed=3, failed=0, errors=0, skipped=0),
        "training_time_s": 12.0,
        "latency_p50_ms": 4.0,
        "latency_p95_ms": 7.5,
        "latency_mode": "function",
        "latency_batch_rows": 1,
        "peak_memory_mb": 300.0,
        "model_size_mb": 2.5,
        "rerun_metrics": {"recall": 0.81},
        "rerun_metric_delta": -0.0023,
        "budgets": {"latency_p95_ms": 50.0, "peak_memory_mb": 256.0, "training_time_s": 300.0},
        "tolerance": 0.01,
        "notes": ("the trial's environment lacks lightgbm",),
        "work_dir": WORK,
    }
    fields.update(changes)
    return RunReport(**fields)  # type: ignore[arg-type]


def card_with(report: RunReport | None) -> Scorecard:
    evidence = make_evidence()
    ctx = Context(evidence=evidence, spec=make_spec())
    return build_scorecard(
        evidence,
        make_result(evidence),
        ctx,
        candidate="cand-7",
        time_allocation={"framing": 0.2, "baseline": 0.2, "iteration": 0.4, "writeup": 0.2},
        generated_at=AT,
        run=report,
    )


def test_run_section_carries_figures_budgets_and_steps() -> None:
    run = card_with(make_report()).run
    assert run is not None
    assert run.outcome == "scored"
    assert run.split == "final" and run.rows == 400 and run.commit == SHA
    assert run.backend == "bwrap" and run.isolated
    f = run.figures
    assert f.metrics == {"recall": 0.8123, "precision": 0.7}
    assert (f.latency_p50_ms, f.latency_p95_ms, f.latency_includes_startup) == (4.0, 7.5, False)
    assert (f.tests_passed, f.tests_failed) == (3, 0)
    assert f.rerun_metric_delta == -0.0023 and not f.rerun_failed
    budgets = {b.name: (b.measured, b.budget, b.met) for b in run.budgets}
    assert budgets == {
        "latency_p95_ms": (7.5, 50.0, True),
        "peak_memory_mb": (300.0, 256.0, False),
        "training_time_s": (12.0, 300.0, True),
    }
    assert [s.name for s in run.steps] == ["export", "tests", "train", "predict"]
    tests = run.steps[1]
    assert (tests.command, tests.wall_s, tests.exit_code) == ("python -m pytest -q", 1.5, 0)
    assert tests.log_file == "tests.log"  # a file name, never the host path
    assert "public checks passed" in run.summary.lower()
    assert "all checks passed" not in run.summary.lower()
    assert run.notes == ["the trial's environment lacks lightgbm"]


def test_logs_are_capped_and_host_paths_never_reach_the_document() -> None:
    card = card_with(make_report())
    assert card.run is not None
    train = card.run.steps[2]
    assert len(train.log) <= RUN_LOG_CAP + 60  # the head, the tail and the cut marker
    assert train.log_truncated
    assert "characters left out" in train.log
    assert train.verdict == "trained in 12 s; wrote job/models/model.pkl"
    assert str(WORK) not in card.to_json()
    assert "/srv/private" not in card.to_json()


def test_command_latency_is_shown_but_not_judged() -> None:
    run = card_with(make_report(latency_mode="command", latency_p95_ms=480.0)).run
    assert run is not None
    latency = next(b for b in run.budgets if b.name == "latency_p95_ms")
    assert latency.measured == 480.0 and latency.met is None
    assert latency.note is not None and "interpreter start-up" in latency.note
    assert run.figures.latency_includes_startup is True


def test_a_failed_rerun_is_null_and_flagged_not_nan() -> None:
    run = card_with(make_report(rerun_metric_delta=float("nan"), rerun_metrics=None)).run
    assert run is not None
    assert run.figures.rerun_metric_delta is None and run.figures.rerun_failed


def test_json_round_trip_and_documents_without_a_run_still_read() -> None:
    card = card_with(make_report())
    again = parse_scorecard(card.to_json())
    assert again == card
    plain = json.loads(card_with(None).to_json())
    assert plain["run"] is None
    del plain["run"]  # a 1.0 document written before the run section existed
    assert parse_scorecard(json.dumps(plain)).run is None


def test_html_has_a_sandboxed_run_section_readable_without_javascript() -> None:
    html = render_html(card_with(make_report()))
    assert "<script" not in html.replace("&lt;script", "")
    section = html[html.index('id="run"') : html.index("Six dimensions")]
    assert "<h2>Sandboxed run</h2>" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 3 passed" in section
    assert section.count("<details") == 4  # one per step
    # the failed step is open from the start; the passed ones are closed
    assert re.search(r'<details id="run-step-predict" open>', section)
    assert '<details id="run-step-tests">' in section
    assert "ValueError: bad shape" in section
    assert "<td>peak memory of the predict command</td>" in section
    assert '<td class="missed">missed</td>' in section
    assert "public checks passed" in section
    assert "all checks passed" not in html.lower()
    assert "/srv/private" not in html


def test_markdown_and_terminal_show_the_run() -> None:
    card = card_with(make_report())
    md = render_markdown(card)
    assert "## Sandboxed run" in md
    assert "| peak memory of the predict command | 300 MB | ≤ 256 MB | missed |" in md
    assert "```text\nTraceback ...\nValueError: bad shape\n```" in md
    assert "all checks passed" not in md.lower()
    text = render_text(card, width=140)
    assert "Sandboxed run" in text
    assert "final split · bwrap sandbox (isolated) · commit aaaaaaa · scored" in text
    assert "missed" in text and "[predict.log]" in text
    assert "all checks passed" not in text.lower()


def test_views_without_a_run_have_no_run_section() -> None:
    card = card_with(None)
    assert "Sandboxed run" not in render_html(card)
    assert "Sandboxed run" not in render_markdown(card)
    assert "Sandboxed run" not in render_text(card)


def test_local_backend_run_says_it_is_not_isolated() -> None:
    run = card_with(make_report(backend="local", isolated=False)).run
    assert run is not None
    assert "does not isolate" in run.summary
    html = render_html(card_with(make_report(backend="local", isolated=False)))
    assert "local sandbox (NOT isolated)" in html
