"""The run plan of one submission, step by step, with a FakeSandbox playing the candidate."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scoring_samples import (
    ENV,
    Candidate,
    all_bytes_under,
    host_path,
    make_repo,
    predict_all,
    read_csv,
)

from worktrial.errors import QuotaExceededError, ScoringError, UsageError
from worktrial.repo import Repo
from worktrial.sandbox import FakeCall, FakeSandbox, Limits, SandboxError, fake_result
from worktrial.scoring import (
    QuotaLedger,
    RunReport,
    compute_metric,
    environment_requirements,
    holdout_part,
    run_submission,
)
from worktrial.scoring._holdout import in_dev_part
from worktrial.spec import TrialBundle
from worktrial.testing import Symlink


def run(
    repo: Repo,
    bundle: TrialBundle,
    tmp_path: Path,
    candidate: Candidate | None = None,
    *,
    split: str = "final",
    name: str = "work",
    **kw: object,
) -> tuple[RunReport, FakeSandbox, Candidate]:
    cand = candidate or Candidate()
    sb = FakeSandbox(cand)
    report = run_submission(
        repo,
        bundle,
        sandbox=sb,
        env=ENV,
        split=split,  # type: ignore[arg-type]
        work_dir=tmp_path / name,
        **kw,  # type: ignore[arg-type]
    )
    return report, sb, cand


def labels_of(bundle: TrialBundle) -> dict[str, float]:
    rows = read_csv(bundle.files_with_role("holdout_labels")[0])
    return {r["id"]: float(r[bundle.spec.data.target]) for r in rows}


def final_ids(bundle: TrialBundle) -> list[str]:
    ids = [r["id"] for r in read_csv(bundle.files_with_role("holdout_features")[0])]
    dev = in_dev_part(bundle.spec.id, ids)
    return [i for i, d in zip(ids, dev, strict=True) if not d]


def with_spec(bundle: TrialBundle, **update: object) -> TrialBundle:
    spec = bundle.spec
    parts = {}
    for key, value in update.items():
        section, _, field = key.partition("__")
        current = getattr(spec, section)
        parts[section] = current.model_copy(update={field: value}) if field else value
    return dataclasses.replace(bundle, spec=spec.model_copy(update=parts))


# --------------------------------------------------------------------------- the happy path


def test_a_good_submission_is_scored_and_measured(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    truth = labels_of(cls_bundle)
    cand = Candidate(predictor=lambda rows: [(r["id"], str(int(truth[r["id"]]))) for r in rows])
    steps_seen: list[str] = []
    report, sb, _ = run(repo, cls_bundle, tmp_path, cand, progress=steps_seen.append)

    assert [s.name for s in report.steps] == [
        "export",
        "environment",
        "tests",
        "train",
        "predict",
        "score",
        "latency",
        "rerun",
    ]
    assert [s.status for s in report.steps] == ["passed"] * 8
    assert report.outcome == "scored"
    assert report.metrics == {"recall": 1.0, "precision": 1.0, "f1": 1.0}
    assert report.rows == len(final_ids(cls_bundle))
    assert report.commit == repo.head
    assert report.training_time_s == 2.5
    assert report.model_size_mb == pytest.approx(4096 / 1024 / 1024)
    assert report.peak_memory_mb == 123.0
    assert report.latency_p95_ms == pytest.approx(float(np.percentile(range(10, 30), 95)))
    assert report.latency_p50_ms == pytest.approx(19.5)
    assert report.latency_mode == "command"
    assert report.tests is not None and report.tests.passed == 3
    assert report.rerun_metric_delta == 0.0
    assert steps_seen[0] == "Copy the submitted commit into a fresh job folder"

    # the commands, limits and mounts each step ran with
    kinds = [c.argv for c in sb.calls]
    assert kinds[0] == (
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--junitxml=/job/.worktrial-run/junit.xml",
    )
    assert kinds[1] == ("python", "-m", "src.train")
    assert kinds[2] == (
        "python",
        "-m",
        "src.predict",
        "/input/features.csv",
        "/job/.worktrial-run/output/predictions.csv",
    )
    assert sb.calls[1].limits.wall_s == 300  # the spec's training budget
    assert {m.target for m in sb.calls[1].mounts} == {"/env"}  # no hidden data while training
    assert {m.target for m in sb.calls[2].mounts} == {"/env", "/input"}
    assert all(not m.writable for c in sb.calls for m in c.mounts)
    assert sb.calls[2].env["PATH"].startswith("/env/bin:")

    train = report.step("train")
    assert train is not None
    assert train.verdict == "trained in 2.5 s (the budget is 300 s); it wrote 1 file(s), 0.00 MB"
    assert train.details["artifacts"] == [{"path": "models/model.pkl", "bytes": 4096}]
    assert report.step("latency").verdict.startswith(  # type: ignore[union-attr]
        "p95 28.1 ms, p50 19.5 ms per call (20 timed calls of the predict command, each a new "
        "process: interpreter start-up and imports are included); budget p95 ≤ 50 ms: met"
    )
    assert report.step("rerun").verdict == (  # type: ignore[union-attr]
        "retrained in a fresh copy: recall 1 against 1 (difference 0, within the tolerance 0.02)"
    )
    for s in report.steps:
        if s.name not in ("export", "environment", "score", "rerun"):
            assert s.log_file is not None and s.log_file.is_file()


def test_measurements_feed_the_rubric(repo: Repo, cls_bundle: TrialBundle, tmp_path: Path) -> None:
    report, _, _ = run(repo, cls_bundle, tmp_path)
    m = report.measurements()
    assert m.metrics == report.metrics
    assert m.training_time_s == 2.5
    assert m.latency_p95_ms == report.latency_p95_ms
    assert m.peak_memory_mb == 123.0
    assert m.model_size_mb == report.model_size_mb
    assert (m.tests_passed, m.tests_failed) == (3, 0)
    assert m.rerun_metric_delta == 0.0
    assert set(m.pointers) >= {"tests", "train", "predict", "score", "latency", "rerun"}
    assert m.pointers["memory"].ref == "predict"
    assert m.pointers["model_size"].ref == "train"
    assert m.pointers["score"].kind == "run"
    # a command timing includes interpreter start-up: the caller may keep it from the rubric
    assert report.latency_mode == "command"
    assert report.measurements(command_latency=False).latency_p95_ms is None


def test_summary_says_public_checks_never_all_checks(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    report, _, _ = run(repo, cls_bundle, tmp_path)
    text = report.summary()
    assert "all checks passed" not in text.lower()
    assert "Public checks passed: 3 passed, 0 failed, 0 errors, 0 skipped." in text
    assert text.startswith(f"Scored on the final part of the hidden holdout ({report.rows} rows)")
    assert "interpreter start-up included" in text
    assert "Passing public checks does not mean the hidden ones passed." in text
    data = report.to_dict()
    assert data["outcome"] == "scored"
    assert data["steps"][0]["name"] == "export"


# --------------------------------------------------------------------------- splits


def test_dev_and_final_splits_are_disjoint_and_cover_the_holdout(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    seen: dict[str, list[str]] = {}

    def record(split: str) -> Candidate:
        def predictor(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
            seen.setdefault(split, [r["id"] for r in rows])
            assert cls_bundle.spec.data.target not in rows[0]  # never a label column
            return [(r["id"], "1") for r in rows]

        return Candidate(predictor=predictor)

    dev, _, _ = run(repo, cls_bundle, tmp_path, record("dev"), split="dev", name="dev")
    final, _, _ = run(repo, cls_bundle, tmp_path, record("final"), split="final", name="final")
    all_ids = [r["id"] for r in read_csv(cls_bundle.files_with_role("holdout_features")[0])]
    assert not set(seen["dev"]) & set(seen["final"])
    assert sorted(seen["dev"] + seen["final"]) == sorted(all_ids)
    assert dev.rows == len(seen["dev"]) and final.rows == len(seen["final"])
    assert 0.15 < dev.rows / len(all_ids) < 0.45
    assert dev.split_description == "the dev part of the hidden holdout"
    assert "This is the dev split" in dev.summary()


def test_a_hidden_dev_file_is_the_dev_split(cls_bundle: TrialBundle, tmp_path: Path) -> None:
    from worktrial.spec._model import DataFile

    dev_file = DataFile(path="data/dev.csv", role="dev", hidden=True)
    files = [f if f.role != "dev" else dev_file for f in cls_bundle.spec.data.files]
    bundle = with_spec(cls_bundle, data__files=files)
    part = holdout_part(bundle, "dev")
    assert part.features == part.labels == bundle.root / "data/dev.csv"
    assert not part.by_hash
    final = holdout_part(bundle, "final")
    assert final.description == "the whole hidden holdout"
    with pytest.raises(ScoringError) as info:
        holdout_part(bundle, "test")  # type: ignore[arg-type]
    assert info.value.message == "unknown split 'test'; expected 'dev' or 'final'"


# --------------------------------------------------------------------------- failures


def test_training_timeout_says_the_budget(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    bundle = with_spec(cls_bundle, constraints__training_time_s=600.0)
    limits = Limits(wall_s=600)
    cand = Candidate(
        overrides={
            "train": fake_result(
                exit_code=None, signal=9, reason="timed_out", limits=limits, wall_s=600.2
            )
        }
    )
    report, sb, _ = run(repo, bundle, tmp_path, cand)
    train = report.step("train")
    assert train is not None
    assert train.status == "failed"
    assert train.verdict == "training timed out after 600 s (the budget is 600 s)"
    assert sb.calls[1].limits.wall_s == 600
    assert report.step("predict").status == "skipped"  # type: ignore[union-attr]
    assert report.step("predict").verdict == "not run: training did not finish"  # type: ignore[union-attr]
    assert report.outcome == "failed"
    assert report.training_time_s is None
    assert report.summary().startswith(
        "No score on the final part of the hidden holdout: training timed out after "
        "600 s (the budget is 600 s)."
    )
    assert report.counts_against_quota


def test_training_crash_names_the_exit_code_and_error(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    crash = fake_result(
        exit_code=3,
        stderr="Traceback (most recent call last):\n  File x\nValueError: could not fit\n",
    )
    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"train": crash}))
    assert report.step("train").verdict == (  # type: ignore[union-attr]
        "training crashed with exit code 3: ValueError: could not fit"
    )
    assert report.problem == "training crashed with exit code 3: ValueError: could not fit"


def test_missing_predictions(repo: Repo, cls_bundle: TrialBundle, tmp_path: Path) -> None:
    cand = Candidate(overrides={"predict": fake_result(exit_code=0)})
    report, _, _ = run(repo, cls_bundle, tmp_path, cand)
    score = report.step("score")
    assert score is not None and score.status == "failed"
    assert score.verdict == (
        "predictions.csv: the predict command wrote no file at "
        "/job/.worktrial-run/output/predictions.csv"
    )
    assert report.outcome == "failed"
    assert report.metrics == {}
    assert report.step("latency") is None


def test_committed_predictions_never_stand_in_for_the_run(
    cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    ids = final_ids(cls_bundle)
    planted = "id,prediction\n" + "".join(f"{i},1\n" for i in ids)
    repo = make_repo(
        tmp_path / "cand",
        {
            ".worktrial-run/output/predictions.csv": planted,
            ".worktrial-run/junit.xml": '<testsuite tests="99" failures="0"/>',
        },
    )
    cand = Candidate(junit=None, overrides={"predict": fake_result(exit_code=0)})
    report, _, _ = run(repo, cls_bundle, tmp_path, cand)
    assert report.step("score").verdict.endswith(
        "wrote no file at /job/.worktrial-run/output/predictions.csv"
    )  # type: ignore[union-attr]
    assert report.tests is None  # the committed report was removed before the tests ran
    assert report.step("tests").verdict == "the tests ran but left no readable report"  # type: ignore[union-attr]


def test_bad_predictions_are_refused_with_the_validator_message(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    def dup(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(r["id"], "1") for r in rows] + [(rows[0]["id"], "0")]

    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(predictor=dup))
    first = final_ids(cls_bundle)[0]
    assert report.step("score").verdict == (  # type: ignore[union-attr]
        "predictions.csv: 1 id appears more than once (each holdout id must appear exactly "
        f"once): {first}"
    )
    report, _, _ = run(
        repo, cls_bundle, tmp_path, Candidate(predictor=predict_all("nan")), name="nan"
    )
    n = report.rows
    assert report.step("score").verdict == (  # type: ignore[union-attr]
        f"predictions.csv: {n} predictions are missing, NaN or infinite; the first at row 1 "
        f"(id {first})"
    )


def test_out_of_memory_in_predict(repo: Repo, cls_bundle: TrialBundle, tmp_path: Path) -> None:
    oom = fake_result(exit_code=None, signal=9, peak_memory_mb=2040.0, stderr="MemoryError\n")
    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"predict": oom}))
    predict = report.step("predict")
    assert predict is not None and predict.status == "failed"
    assert predict.verdict == "the predict command ran out of memory (limit 2048 MB)"
    assert predict.peak_memory_mb == 2040.0
    assert report.step("score") is None


def test_predictions_written_as_a_link_to_the_labels_are_never_followed(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    labels = cls_bundle.files_with_role("holdout_labels")[0]

    def sneaky(call: FakeCall) -> object:
        out = host_path(call, call.argv[-1])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.symlink_to(labels)  # what a process that could see the host path would try
        return fake_result(exit_code=0)

    cand = Candidate(overrides={"predict": sneaky})  # type: ignore[dict-item]
    report, _, _ = run(repo, cls_bundle, tmp_path, cand)
    assert report.step("score").verdict == (  # type: ignore[union-attr]
        "predictions.csv: /job/.worktrial-run/output/predictions.csv is a symbolic link; the "
        "predict command must write a regular file"
    )


def test_hidden_labels_never_reach_the_work_folder(cls_bundle: TrialBundle, tmp_path: Path) -> None:
    """A candidate that writes to where the labels would be, and guesses paths: the labels are
    never in the job folder, the score uses the real ones, and no label bytes appear anywhere
    under the run's folder."""
    repo = make_repo(tmp_path / "cand", {"hidden/holdout_labels.csv": "id,malignant\n1,1\n"})
    labels_file = cls_bundle.files_with_role("holdout_labels")[0]
    truth = labels_of(cls_bundle)

    def nosy(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(r["id"], str(int(truth[r["id"]]))) for r in rows]

    def tamper(call: FakeCall) -> object:
        # overwrite the path a candidate would guess for the labels, inside its job folder
        guess = call.job_dir / "hidden" / "holdout_labels.csv"
        guess.write_text("id,malignant\n" + "".join(f"{i},0\n" for i in truth))
        return Candidate(predictor=nosy).predict(call)

    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"predict": tamper}))  # type: ignore[dict-item]
    assert report.metrics["recall"] == 1.0  # scored on the real labels, not the tampered copy
    secret = labels_file.read_bytes()
    body = secret.split(b"\n", 1)[1]  # the label rows without the (public) header
    for path, data in all_bytes_under(tmp_path / "work"):
        assert body not in data, path
        assert secret not in data, path
    # and no file in the job folders has the labels file's name with its content
    for path, _ in all_bytes_under(tmp_path / "work"):
        assert path.read_bytes() != secret


def test_infrastructure_failure_is_an_error_that_does_not_count(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    cand = Candidate(overrides={"tests": fake_result(reason="could_not_start", exit_code=None)})
    report, _, _ = run(repo, cls_bundle, tmp_path, cand)
    tests = report.step("tests")
    assert tests is not None and tests.status == "error"
    assert tests.verdict == "the sandbox could not start: scripted"

    def refuse(call: FakeCall) -> object:
        raise SandboxError(f"mount source {call.job_dir} is not readable by the sandbox user")

    cand = Candidate(overrides={"train": refuse})  # type: ignore[dict-item]
    report, _, _ = run(repo, cls_bundle, tmp_path, cand, name="refused")
    train = report.step("train")
    assert train is not None and train.status == "error"
    assert train.verdict.startswith("the sandbox could not run this step: mount source ")
    assert report.outcome == "error"
    assert not report.counts_against_quota
    assert "does not count against the dev-split quota" in report.summary()


def test_failing_tests_are_public_checks_that_failed(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    junit = (
        '<testsuites><testsuite tests="3" failures="1" errors="0" skipped="0">'
        '<testcase classname="tests.test_basic" name="test_a"><failure message="x"/></testcase>'
        "</testsuite></testsuites>"
    )
    failing = fake_result(exit_code=1, stdout="1 failed, 2 passed\n")

    def tests(call: FakeCall) -> object:
        path = call.job_dir / ".worktrial-run" / "junit.xml"
        path.write_text(junit)
        return failing

    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"tests": tests}))  # type: ignore[dict-item]
    step = report.step("tests")
    assert step is not None and step.status == "failed"
    assert step.verdict == "1 of 3 tests failed (2 passed, 1 failed, 0 errors, 0 skipped)"
    assert step.details["failing"] == ("tests.test_basic::test_a",)
    assert report.outcome == "scored"  # failing tests do not stop the scoring
    assert "Public checks: 1 of 3 tests failed" in report.summary()
    assert report.measurements().tests_failed == 1


def test_no_tests_and_no_pytest(cls_bundle: TrialBundle, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "cand", {"tests/test_basic.py": None})
    report, sb, _ = run(repo, cls_bundle, tmp_path)
    assert report.step("tests").verdict == (  # type: ignore[union-attr]
        "no tests found (files named test_*.py or *_test.py)"
    )
    assert "Public checks: no tests found" in report.summary()
    assert all("pytest" not in c.argv for c in sb.calls)

    repo = make_repo(tmp_path / "cand2")
    bare = dataclasses.replace(ENV, packages={"numpy": "2.4.6"})
    report = run_submission(
        repo,
        cls_bundle,
        sandbox=FakeSandbox(Candidate()),
        env=bare,
        split="final",
        work_dir=tmp_path / "w2",
    )
    assert report.step("tests").verdict.startswith(  # type: ignore[union-attr]
        "the trial's environment has no pytest"
    )


def test_a_package_the_environment_lacks_is_named(cls_bundle: TrialBundle, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "cand", {"requirements.txt": "numpy\nlightgbm>=4\n"})
    report, _, _ = run(repo, cls_bundle, tmp_path)
    env = report.step("environment")
    assert env is not None and env.status == "warning"
    assert env.verdict == (
        "requirements.txt asks for lightgbm, which this trial's environment does not provide "
        "(it has: numpy 2.4.6, pandas 3.0.1, pytest 8.4.0, scikit-learn 1.9.1); ask the "
        "company to add it or remove it"
    )
    assert env.details["missing"] == ["lightgbm"]


def test_links_out_of_the_repository_are_not_copied(
    cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "cand", {"data/labels.csv": Symlink("/etc/passwd")})
    report, _, _ = run(repo, cls_bundle, tmp_path)
    export = report.step("export")
    assert export is not None and export.status == "warning"
    assert "data/labels.csv: symbolic link to /etc/passwd points outside the tree" in (
        export.verdict
    )
    assert not (tmp_path / "work" / "job" / "data" / "labels.csv").exists()


def test_rerun_outside_tolerance_and_failed_rerun(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    truth = labels_of(cls_bundle)
    calls = {"n": 0}

    def drifting(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        calls["n"] += 1
        if calls["n"] == 1:
            return [(r["id"], str(int(truth[r["id"]]))) for r in rows]
        return [(r["id"], "0") for r in rows]  # the retrained model finds nothing

    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(predictor=drifting))
    rerun = report.step("rerun")
    assert rerun is not None and rerun.status == "failed"
    assert rerun.verdict == (
        "retrained in a fresh copy: recall 0 against 1 (difference 1, outside the tolerance 0.02)"
    )
    assert report.rerun_metric_delta == -1.0
    assert report.outcome == "scored"

    crash = fake_result(exit_code=1, stderr="RuntimeError: no seed\n")
    cand = Candidate(overrides={"train#2": crash})
    report, _, _ = run(repo, cls_bundle, tmp_path, cand, name="crash")
    rerun = report.step("rerun")
    assert rerun is not None and rerun.status == "failed"
    assert rerun.verdict == (
        "the rerun did not produce a recall: training crashed with exit code 1: "
        "RuntimeError: no seed"
    )
    assert report.rerun_metric_delta is not None and math.isnan(report.rerun_metric_delta)


def test_no_rerun_when_the_trial_does_not_ask(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    bundle = with_spec(cls_bundle, reproducibility__rerun=False)
    report, _, cand = run(repo, bundle, tmp_path)
    assert report.step("rerun") is None
    assert cand.trains == 1
    assert report.measurements().rerun_metric_delta is None


def test_latency_failures_and_harness_errors(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    failing = fake_result(
        exit_code=0,
        stdout='WORKTRIAL-LATENCY {"times_ms": [], "failures": ["call 1: exit code 1"]}\n',
    )
    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"latency": failing}))
    lat = report.step("latency")
    assert lat is not None and lat.status == "failed"
    assert lat.verdict == "the predict interface could not be timed: call 1: exit code 1"
    assert report.latency_p95_ms is None
    assert report.outcome == "scored"

    silent = fake_result(exit_code=0, stdout="nothing\n")
    report, _, _ = run(
        repo, cls_bundle, tmp_path, Candidate(overrides={"latency": silent}), name="silent"
    )
    assert report.step("latency").status == "error"  # type: ignore[union-attr]
    assert report.step("latency").verdict == "the latency harness printed no result"  # type: ignore[union-attr]


def test_over_the_latency_budget_is_said(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    cand = Candidate(latency_ms=tuple([700.0] * 20))
    report, _, _ = run(repo, cls_bundle, tmp_path, cand)
    assert report.step("latency").verdict.endswith("budget p95 ≤ 50 ms: over")  # type: ignore[union-attr]
    assert (
        "predict latency p95 per batch of 1 row 700 ms (OVER the 50 ms budget), interpreter "
        "start-up included"
    ) in report.summary()


def test_work_dir_must_be_new(repo: Repo, cls_bundle: TrialBundle, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("")
    with pytest.raises(UsageError) as info:
        run(repo, cls_bundle, tmp_path, name="used")
    assert info.value.message == f"{tmp_path / 'used'}: expected a new or empty folder for the run"


def test_a_spec_command_that_is_not_a_command_line(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    bundle = with_spec(cls_bundle, interface__train="python -m 'src.train")
    with pytest.raises(ScoringError) as info:
        run(repo, bundle, tmp_path)
    assert info.value.message == (
        'interface.train = "python -m \'src.train": not a command line (No closing quotation)'
    )


def test_environment_requirements_add_pytest(cls_bundle: TrialBundle) -> None:
    assert environment_requirements(cls_bundle.spec) == [
        "numpy",
        "pandas",
        "scikit-learn",
        "pytest",
    ]
    bundle = with_spec(cls_bundle, environment=["numpy", "PyTest>=8"])
    assert environment_requirements(bundle.spec) == ["numpy", "PyTest>=8"]


# --------------------------------------------------------------------------- quotas


def test_dev_quota_is_reserved_and_infrastructure_failures_are_given_back(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    quotas = cls_bundle.spec.quotas.model_copy(update={"dev_per_day": 2})
    ledger = QuotaLedger.open(
        trial=cls_bundle.spec.id, candidate="ada", quotas=quotas, home=tmp_path / "home"
    )
    broken = Candidate(overrides={"train": fake_result(reason="could_not_start", exit_code=None)})
    run(repo, cls_bundle, tmp_path, broken, split="dev", name="r0", quota=ledger)
    assert ledger.usage().today == 0  # an infrastructure failure is given back
    run(repo, cls_bundle, tmp_path, split="dev", name="r1", quota=ledger)
    crash = Candidate(overrides={"train": fake_result(exit_code=1)})
    run(repo, cls_bundle, tmp_path, crash, split="dev", name="r2", quota=ledger)
    assert ledger.usage().today == 2  # the candidate's crash counts
    with pytest.raises(QuotaExceededError) as info:
        run(repo, cls_bundle, tmp_path, split="dev", name="r3", quota=ledger)
    assert info.value.message == (
        "dev-split quota used: 2 of 2 runs today (resets at 00:00 UTC); 2 of 30 in total"
    )
    assert not (tmp_path / "r3").exists()
    # the final split is the company's: no quota
    report, _, _ = run(repo, cls_bundle, tmp_path, split="final", name="r4", quota=ledger)
    assert report.outcome == "scored"


def test_quota_is_given_back_when_the_run_raises(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    ledger = QuotaLedger.open(
        trial=cls_bundle.spec.id,
        candidate="ada",
        quotas=cls_bundle.spec.quotas,
        home=tmp_path / "home",
    )
    sb = FakeSandbox([])  # no reply left: the fake raises on the first call

    report = run_submission(
        repo, cls_bundle, sandbox=sb, env=ENV, split="dev", work_dir=tmp_path / "w", quota=ledger
    )
    assert report.outcome == "error"
    assert ledger.usage().total == 0


def test_fixed_day_boundary_in_the_ledger(tmp_path: Path, cls_bundle: TrialBundle) -> None:
    quotas = cls_bundle.spec.quotas.model_copy(update={"dev_per_day": 1, "total": 2})
    ledger = QuotaLedger.open(trial="t", candidate="c", quotas=quotas, home=tmp_path)
    day = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    ledger.reserve(day)
    with pytest.raises(QuotaExceededError):
        ledger.reserve(day + timedelta(minutes=20))
    ledger.reserve(day + timedelta(minutes=31))  # 00:01 the next day
    with pytest.raises(QuotaExceededError) as info:
        ledger.reserve(day + timedelta(days=2))
    assert info.value.message == (
        "dev-split quota used: 0 of 1 runs today (resets at 00:00 UTC); 2 of 2 in total"
    )
    assert info.value.code == "scoring.quota"


def test_metrics_of_a_run_match_the_reference(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    truth = labels_of(cls_bundle)
    rng = np.random.default_rng(3)

    def noisy(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(r["id"], str(int(rng.random() < 0.5))) for r in rows]

    written: dict[str, str] = {}

    def keep(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        out = noisy(rows)
        written.update(out)
        return out

    report, _, _ = run(
        repo, with_spec(cls_bundle, reproducibility__rerun=False), tmp_path, Candidate(keep)
    )
    ids = list(written)
    y = [truth[i] for i in ids]
    p = [float(written[i]) for i in ids]
    assert report.metrics["recall"] == pytest.approx(compute_metric("recall", y, p))


def test_public_data_is_placed_where_the_candidate_has_it(
    cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    """A repository need not commit the trial's data: the run places the public files at their
    bundle paths; what the commit has there (here a link to another folder) is replaced,
    never written through."""
    repo = make_repo(tmp_path / "cand", {"data": Symlink("src")})
    report, _, _ = run(repo, cls_bundle, tmp_path)
    job = tmp_path / "work" / "job"
    assert not (job / "data").is_symlink()
    assert not (job / "src" / "train.csv").exists()
    for src in cls_bundle.public_files:
        rel = src.relative_to(cls_bundle.root)
        assert (job / rel).read_bytes() == src.read_bytes()
    hidden_names = {p.name for p in cls_bundle.hidden_files}
    assert not any(p.name in hidden_names for p in job.rglob("*"))
    assert report.step("export").details["public_data"] == [  # type: ignore[union-attr]
        "data/train.csv",
        "data/dev.csv",
    ]


def test_reports_are_json(repo: Repo, cls_bundle: TrialBundle, tmp_path: Path) -> None:
    import json

    crash = fake_result(exit_code=1, stderr="RuntimeError: no seed\n")
    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"train#2": crash}))
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["rerun_metric_delta"] is None
    assert data["rerun_failed"] is True
    assert data["steps"][3]["log_file"].endswith("logs/train.log")


def test_a_run_folder_replaced_by_a_link_is_never_written_through(
    repo: Repo, cls_bundle: TrialBundle, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()

    def relink(call: FakeCall) -> object:
        result = Candidate().train(call)
        run_dir = call.job_dir / ".worktrial-run"
        import shutil

        shutil.rmtree(run_dir)
        run_dir.symlink_to(outside)  # what a training script could do in the sandbox
        return result

    report, _, _ = run(repo, cls_bundle, tmp_path, Candidate(overrides={"train#1": relink}))  # type: ignore[dict-item]
    assert list(outside.iterdir()) == []
    assert report.outcome == "scored"
    assert not (tmp_path / "work" / "job" / ".worktrial-run").is_symlink()
