from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from worktrial.evidence._types import Pointer
from worktrial.evidence.experiments import collect_experiments
from worktrial.repo import Repo, Snapshot
from worktrial.testing import RepoBuilder

LOG = ".worktrial/experiments.jsonl"


def snapshot(tmp_path: Path, files: dict[str, str | bytes | None]) -> Snapshot:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("Add files", files)
    return Snapshot(Repo(b.path))


def line(**fields: object) -> str:
    return json.dumps(fields)


def test_no_log_no_runs(tmp_path: Path) -> None:
    exps = collect_experiments(snapshot(tmp_path, {"train.py": "x = 1\n"}))
    assert exps.records == []
    assert exps.log_path is None
    assert exps.notes == []


def test_log_is_read_tolerantly(tmp_path: Path) -> None:
    log = "\n".join(
        [
            line(
                id="exp-002",
                at="2026-03-03T10:00:00+01:00",
                commit="ABCDEF1",
                hypothesis="class weights help recall",
                change="class_weight=balanced",
                params={"C": 1.0},
                metrics={"recall": 0.81, "precision": "0.6", "f1": "high", "ok": True},
                result="recall up",
                learning="imbalance matters",
                outcome="improved",
            ),
            line(
                id="exp-001", at="2026-03-02T12:00:00Z", change="baseline", metrics={"recall": 0.7}
            ),
            "",
            "{not json",
            "[1, 2]",
            line(id="exp-001", at="2026-03-04T09:00:00", change="smote", outcome="great"),
            line(change="no id, no time", commit="not-a-sha", metrics=[1]),
            line(id="exp-009", at="yesterday", change="threshold", params="lr=0.1"),
        ]
    )
    exps = collect_experiments(snapshot(tmp_path, {LOG: log + "\n"}))
    assert exps.log_path == LOG
    assert exps.notes == [
        f"{LOG}:1: metric 'f1' is not a number ('high'); dropped",
        f"{LOG}:1: metric 'ok' is not a number ('true'); dropped",
        f"{LOG}:4: not valid JSON (Expecting property name enclosed in double quotes); "
        "line skipped",
        f"{LOG}:5: expected a JSON object, found an array; line skipped",
        f"{LOG}:6: id 'exp-001' repeats line 2; kept as 'exp-001-2'",
        f"{LOG}:6: 'at' has no UTC offset ('2026-03-04T09:00:00'); read as UTC",
        f"{LOG}:6: 'outcome' 'great' is not one of improved, regressed, neutral, failed; ignored",
        f"{LOG}:7: no 'id'; called 'exp-line7'",
        f"{LOG}:7: 'commit' is not a commit hash ('not-a-sha'); ignored",
        f"{LOG}:7: 'metrics' is an array, not an object; ignored",
        f"{LOG}:8: 'params' is a string, not an object; ignored",
        f"{LOG}:8: 'at' is not an ISO 8601 time ('yesterday'); ignored",
    ]
    ids = [r.id for r in exps.records]
    # Oldest first; records without a time keep file order at the end.
    assert ids == ["exp-001", "exp-002", "exp-001-2", "exp-line7", "exp-009"]
    first, second = exps.records[0], exps.records[1]
    assert first.at == datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert second.at == datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert second.commit == "abcdef1"
    assert second.metrics == {"recall": 0.81, "precision": 0.6}
    assert second.params == {"C": 1.0}
    assert second.outcome == "improved"
    assert second.source == "worktrial"
    assert second.pointer == Pointer("experiment", "exp-002", "class_weight=balanced")
    assert exps.records[2].outcome is None


def test_log_over_the_cap_is_noted(tmp_path: Path) -> None:
    big = (line(id="exp-001", change="x" * 1000) + "\n") * 3000
    exps = collect_experiments(snapshot(tmp_path, {LOG: big}))
    assert exps.records == []
    assert exps.log_path == LOG
    assert exps.notes == [f"{LOG}: over the 2 MB size cap; not read"]


def _run(prefix: str, run: str, *, start: int, name: str, stage: str = "active") -> dict[str, str]:
    base = f"{prefix}/{run}"
    return {
        f"{base}/meta.yaml": (
            f"artifact_uri: file:///tmp/mlruns/1/{run}/artifacts\nend_time: {start + 5000}\n"
            f"experiment_id: '1'\nlifecycle_stage: {stage}\nrun_id: {run}\n"
            f"run_name: {name}\nrun_uuid: {run}\nstart_time: {start}\nstatus: 3\ntags: []\n"
        ),
        f"{base}/metrics/recall": f"{start} 0.70 0\n{start + 10} 0.74 1\n",
        f"{base}/metrics/val/loss": f"{start} 0.5 0\n",
        f"{base}/params/max_depth": "6",
        f"{base}/tags/mlflow.note.content": f"{name} run notes",
        f"{base}/tags/mlflow.source.git.commit": "0123456789abcdef0123456789abcdef01234567",
    }


def test_mlflow_file_store_runs(tmp_path: Path) -> None:
    run_a = "a" * 32
    run_b = "b" * 32
    run_c = "c" * 32
    files: dict[str, str | bytes | None] = {
        "experiments/mlruns/1/meta.yaml": "name: fraud\nexperiment_id: '1'\n",
        **_run("experiments/mlruns/1", run_a, start=1772445600000, name="baseline"),
        **_run("experiments/mlruns/1", run_b, start=1772449200000, name="gbm"),
        **_run("experiments/mlruns/1", run_c, start=1772449200000, name="gone", stage="deleted"),
        **_run("mlruns/.trash", "d" * 32, start=1772449200000, name="trashed"),
        f"experiments/mlruns/1/{run_b}/metrics/broken": "1772449200000 nan 0\n",
        LOG: line(id="exp-001", at="2026-03-02T10:30:00+00:00", change="log entry") + "\n",
    }
    exps = collect_experiments(snapshot(tmp_path, files))
    assert [(r.id, r.source) for r in exps.records] == [
        (f"mlflow-{'a' * 12}", "mlflow"),
        ("exp-001", "worktrial"),
        (f"mlflow-{'b' * 12}", "mlflow"),
    ]
    run = exps.records[0]
    assert run.at == datetime.fromtimestamp(1772445600, tz=UTC)
    assert run.change == "baseline"
    assert run.metrics == {"recall": 0.74, "val/loss": 0.5}
    assert run.params == {"max_depth": "6"}
    assert run.result == "baseline run notes"
    assert run.commit == "0123456789abcdef0123456789abcdef01234567"
    assert run.pointer == Pointer("file", f"experiments/mlruns/1/{run_a}/meta.yaml", "baseline")
    assert exps.notes == [
        f"experiments/mlruns/1/{run_b}/metrics/broken: no numeric value on its last line; "
        "metric dropped",
        f"experiments/mlruns/1/{run_c}/meta.yaml: MLflow run deleted in MLflow; not counted",
    ]
