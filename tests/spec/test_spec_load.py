"""Loading a spec: every problem is one line naming the file, the key, expected and found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spec_samples import MINIMAL_TOML, minimal

from worktrial.errors import SpecError
from worktrial.spec import TrialSpec, load_spec, loads_spec, validate_spec


def lines(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        validate_spec(data)
    return info.value.message.splitlines()


def test_minimal_spec_loads_with_defaults() -> None:
    spec = loads_spec(MINIMAL_TOML)
    assert isinstance(spec, TrialSpec)
    assert spec.id == "tiny-trial"
    assert spec.compensation.basis == "fixed"
    assert spec.starter == "starter"
    assert spec.solution.dir == "solution"
    assert spec.weight("framing") == 2.0
    assert spec == validate_spec(minimal())


def test_load_spec_accepts_the_file_or_its_folder(tmp_path: Path) -> None:
    (tmp_path / "trial.toml").write_text(MINIMAL_TOML, encoding="utf-8")
    assert load_spec(tmp_path) == load_spec(tmp_path / "trial.toml")


def test_wrong_type_names_file_key_expected_and_found() -> None:
    data = minimal()
    data["constraints"] = {"latency_p95_ms": "fast"}
    assert lines(data) == [
        "trial.toml: constraints.latency_p95_ms: expected a number greater than 0, "
        "found 'fast' (a string)"
    ]


def test_every_problem_is_reported_once_in_key_order() -> None:
    data = minimal()
    data["duration_days"] = 100
    data["kind"] = "clasification"
    data["compensation"]["currency"] = "euro"
    data["compensation"].pop("hourly_floor")
    assert lines(data) == [
        "trial.toml: kind: expected one of 'classification', 'improve-baseline', 'monitoring', "
        "'regression', 'other', found 'clasification' (a string)",
        "trial.toml: duration_days: expected a whole number from 1 to 60, "
        "found 100 (a whole number)",
        "trial.toml: compensation.currency: expected a three-letter ISO 4217 currency code in "
        "capitals, such as 'EUR', found 'euro' (a string)",
        "trial.toml: compensation.hourly_floor: expected a number greater than 0, "
        "found nothing (the key is required)",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d.__setitem__("id", "Tiny Trial"),
            "id: expected a slug of 2 to 63 lowercase letters, digits or '-', starting with a "
            "letter or digit, found 'Tiny Trial' (a string)",
        ),
        (
            lambda d: d.__setitem__("duration_days", 7.5),
            "duration_days: expected a whole number from 1 to 60, found 7.5 (a number)",
        ),
        (
            lambda d: d.__setitem__("duration_days", True),
            "duration_days: expected a whole number from 1 to 60, found true (a boolean)",
        ),
        (
            lambda d: d["compensation"].__setitem__("amount", "500"),
            "compensation.amount: expected a number greater than 0, found '500' (a string)",
        ),
        (
            lambda d: d.__setitem__("compensation", 500),
            "compensation: expected a table [compensation] with keys amount, currency, basis, "
            "expected_hours, hourly_floor, found 500 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("checkpoints", "day 3"),
            "checkpoints: expected an array of tables [[checkpoints]] with keys day, purpose, "
            "found 'day 3' (a string)",
        ),
        (
            lambda d: d.__setitem__("checkpoints", [{"day": -1, "purpose": "x"}]),
            "checkpoints[0].day: expected a whole number of at least 0, found -1 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("checkpoints", [{"day": 1, "purpose": ""}]),
            "checkpoints[0].purpose: expected a non-empty string, found '' (a string)",
        ),
        (
            lambda d: d["data"].__setitem__("files", []),
            "data.files: expected an array of tables [[data.files]] (at least 1) with keys "
            "path, role, hidden, description, found an empty array",
        ),
        (
            lambda d: d["data"]["files"][0].__setitem__("role", "training"),
            "data.files[0].role: expected one of 'train', 'dev', 'holdout_features', "
            "'holdout_labels', 'batch', 'other', found 'training' (a string)",
        ),
        (
            lambda d: d["data"]["files"][0].__setitem__("hidden", "no"),
            "data.files[0].hidden: expected true or false, found 'no' (a string)",
        ),
        (
            lambda d: d["data"]["files"][0].__setitem__("path", "../outside.csv"),
            "data.files[0].path: expected a path inside the bundle folder (relative, without "
            "'..'), found '../outside.csv' (a string)",
        ),
        (
            lambda d: d.__setitem__("brief", "/etc/passwd"),
            "brief: expected a path inside the bundle folder (relative, without '..'), "
            "found '/etc/passwd' (a string)",
        ),
        (
            lambda d: d["interface"].__setitem__("predict", "python predict.py"),
            "interface.predict: expected a command containing the placeholders {input} and "
            "{output}, found 'python predict.py' (a string)",
        ),
        (
            lambda d: d.__setitem__("environment", ["numpy", 2]),
            "environment[1]: expected a string, found 2 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("starter_commits", ["abc123"]),
            "starter_commits[0]: expected a commit hash (40 or 64 lowercase hexadecimal "
            "characters), found 'abc123' (a string)",
        ),
        (
            lambda d: d.__setitem__("weights", {"framing": -1}),
            "weights.framing: expected a number of at least 0, found -1 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("weights", {"outputs": 1}),
            "weights.outputs: unknown key; expected one of: output, framing, iteration, "
            "discipline, communication, decisions (did you mean output?)",
        ),
        (
            lambda d: d.__setitem__("weights", 3),
            "weights: expected a table whose keys are among output, framing, iteration, "
            "discipline, communication, decisions and whose values are each a number of at "
            "least 0, found 3 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("spec_version", 2),
            "spec_version: expected 1, found 2 (a whole number)",
        ),
        (
            lambda d: d.__setitem__("owner", "me"),
            "owner: unknown key; expected one of: spec_version, id, title, kind, duration_days, "
            "brief, starter, checkpoints, compensation, data, primary_metric, secondary_metrics, "
            "constraints, interface, solution, weights, quotas, reproducibility, "
            "starter_commits, environment",
        ),
        (
            lambda d: d.__setitem__("constraints", {"latency_ms": 3}),
            "constraints.latency_ms: unknown key; expected one of: latency_p95_ms, "
            "latency_batch_rows, peak_memory_mb, model_size_mb, training_time_s "
            "(did you mean latency_p95_ms?)",
        ),
    ],
)
def test_type_problems(change: Any, expected: str) -> None:
    data = minimal()
    change(data)
    assert lines(data) == [f"trial.toml: {expected}"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["compensation"].__setitem__("amount", 300),
            "compensation.amount: expected an effective hourly rate of at least 40 EUR "
            "(compensation.hourly_floor), found 30 EUR an hour (300 EUR fixed / 10 "
            "expected_hours)",
        ),
        (
            lambda d: d["compensation"].update(basis="hourly", amount=35.5),
            "compensation.amount: expected an effective hourly rate of at least 40 EUR "
            "(compensation.hourly_floor), found 35.5 EUR an hour (35.5 EUR hourly)",
        ),
        (
            lambda d: d["compensation"].update(basis="daily", amount=240),
            "compensation.amount: expected an effective hourly rate of at least 40 EUR "
            "(compensation.hourly_floor), found 30 EUR an hour (240 EUR daily / 8 hours a day)",
        ),
        (
            lambda d: d.__setitem__("checkpoints", [{"day": 6, "purpose": "late"}]),
            "checkpoints[0].day: expected a day from 0 to 5 (duration_days), "
            "found 6 (a whole number)",
        ),
        (
            lambda d: d["primary_metric"].__setitem__("name", "recal"),
            "primary_metric.name: expected a metric worktrial knows (one of: accuracy, "
            "balanced_accuracy, precision, recall, f1, roc_auc, average_precision, log_loss, "
            "brier_score, rmse, mae, r2), found 'recal' (a string); did you mean recall?",
        ),
        (
            lambda d: d["primary_metric"].__setitem__("name", "rmse"),
            "primary_metric.name: expected a classification metric for kind 'classification' "
            "(one of: accuracy, balanced_accuracy, precision, recall, f1, roc_auc, "
            "average_precision, log_loss, brier_score), found 'rmse' (a regression metric)",
        ),
        (
            lambda d: d["primary_metric"].update(baseline=0.9, target=0.8),
            "primary_metric.target: expected a value better than the baseline 0.9 (higher is "
            "better for recall), found 0.8 (a number)",
        ),
        (
            lambda d: d["primary_metric"].update(target=1.2),
            "primary_metric.target: expected a value from 0 to 1 (the range of recall), "
            "found 1.2 (a number)",
        ),
        (
            lambda d: d["primary_metric"].__setitem__(
                "floors", [{"metric": "precison", "min": 0.5}]
            ),
            "primary_metric.floors[0].metric: expected a metric worktrial knows (one of: "
            "accuracy, balanced_accuracy, precision, recall, f1, roc_auc, average_precision, "
            "log_loss, brier_score, rmse, mae, r2), found 'precison' (a string); "
            "did you mean precision?",
        ),
        (
            lambda d: d["primary_metric"].__setitem__(
                "floors", [{"metric": "precision", "min": 2}]
            ),
            "primary_metric.floors[0].min: expected a value from 0 to 1 (the range of "
            "precision), found 2.0 (a number)",
        ),
        (
            lambda d: d.__setitem__(
                "secondary_metrics", [{"name": "log_loss", "baseline": 0.3, "target": 0.5}]
            ),
            "secondary_metrics[0].target: expected a value better than the baseline 0.3 (lower "
            "is better for log_loss), found 0.5 (a number)",
        ),
        (
            lambda d: d.__setitem__(
                "weights",
                dict.fromkeys(
                    ["output", "framing", "iteration", "discipline", "communication", "decisions"],
                    0,
                ),
            ),
            "weights: expected at least one rubric dimension with a weight above 0, "
            "found every weight at 0",
        ),
        (
            lambda d: d["data"]["files"][2].__setitem__("hidden", False),
            "data.files[2].hidden: expected true for role 'holdout_labels' (candidates must "
            "never receive the holdout labels), found false (a boolean)",
        ),
        (
            lambda d: d["data"]["files"][0].__setitem__("hidden", True),
            "data.files[0].hidden: expected false for role 'train' (candidates train on it), "
            "found true (a boolean)",
        ),
        (
            lambda d: d["data"]["files"].append({"path": "data/train.csv", "role": "dev"}),
            "data.files[3].path: expected a file not listed before (data.files[0] has it), "
            "found 'data/train.csv' (a string)",
        ),
        (
            lambda d: d["data"]["files"].pop(1),
            "data.files: expected exactly one file with role 'holdout_features' (scoring needs "
            "it), found none",
        ),
        (
            lambda d: d["data"]["files"].append(
                {"path": "hidden/more.csv", "role": "holdout_labels", "hidden": True}
            ),
            "data.files: expected exactly one file with role 'holdout_labels' (scoring needs "
            "it), found 2 (data.files[2], data.files[3])",
        ),
        (
            lambda d: d["data"].__setitem__("target", "id"),
            "data.target: expected a label column other than data.id_column 'id', "
            "found 'id' (a string)",
        ),
        (
            lambda d: d["interface"].__setitem__("predictions_column", "id"),
            "interface.predictions_column: expected a column other than data.id_column 'id', "
            "found 'id' (a string)",
        ),
    ],
)
def test_semantic_problems(change: Any, expected: str) -> None:
    data = minimal()
    change(data)
    assert lines(data) == [f"trial.toml: {expected}"]


def test_a_regression_trial_takes_regression_metrics() -> None:
    data = minimal()
    data["kind"] = "regression"
    data["primary_metric"] = {"name": "rmse", "priority": "p", "baseline": 12.0, "target": 8.0}
    assert validate_spec(data).primary_metric.name == "rmse"


def test_weights_may_be_partial_and_zero() -> None:
    data = minimal()
    data["weights"] = {"output": 0}
    spec = validate_spec(data)
    assert spec.weight("output") == 0
    assert spec.weight("iteration") == 2.0


def test_toml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(SpecError) as info:
        loads_spec('id = "x"\ntitle = \n', source="bundle/trial.toml")
    assert info.value.message == "bundle/trial.toml: line 2, column 9: invalid TOML: invalid value"


def test_toml_error_at_the_end_of_the_file() -> None:
    with pytest.raises(SpecError) as info:
        loads_spec('id = "x', source="trial.toml")
    assert info.value.message == "trial.toml: end of file: invalid TOML: unterminated string"


def test_missing_file_and_folder_without_spec(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "nope.toml")
    assert info.value.message == (
        f"{tmp_path / 'nope.toml'}: no such file (expected trial.toml or a bundle folder)"
    )
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    assert info.value.message == (
        f"{tmp_path}: expected a bundle folder containing trial.toml, found none in it"
    )


def test_non_utf8_and_oversized_specs(tmp_path: Path) -> None:
    bad = tmp_path / "trial.toml"
    bad.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(SpecError) as info:
        load_spec(bad)
    assert info.value.message == (
        f"{bad}: invalid TOML: expected UTF-8 text, found the byte 0xe9 at offset 12"
    )
    bad.write_bytes(b"# " + b"x" * (1 << 20) + b"\n")
    with pytest.raises(SpecError) as info:
        load_spec(bad)
    assert info.value.message == (
        f"{bad}: expected a spec of at most 1024 KB, found {(1 << 20) + 3} bytes"
    )


def test_error_fields_carry_the_problems(tmp_path: Path) -> None:
    data = minimal()
    data["constraints"] = {"latency_p95_ms": "fast"}
    with pytest.raises(SpecError) as info:
        validate_spec(data, source="x/trial.toml")
    err = info.value
    assert err.code == "spec.invalid"
    assert err.exit_code == 2
    assert err.fields["path"] == "x/trial.toml"
    assert err.fields["key"] == "constraints.latency_p95_ms"
    assert err.fields["problems"] == [
        {
            "file": "x/trial.toml",
            "key": "constraints.latency_p95_ms",
            "message": "expected a number greater than 0, found 'fast' (a string)",
        }
    ]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            MINIMAL_TOML.replace('title = "Tiny"', "title = 2026-03-02"),
            "t: title: expected a non-empty string, found 2026-03-02 (a date)",
        ),
        (
            MINIMAL_TOML.replace("[compensation]", '[compensation]\n"hourly rate" = 3'),
            't: compensation."hourly rate": unknown key; expected one of: amount, currency, '
            "basis, expected_hours, hourly_floor (did you mean hourly_floor?)",
        ),
    ],
)
def test_toml_values_are_described(toml: str, expected: str) -> None:
    with pytest.raises(SpecError) as info:
        loads_spec(toml, source="t")
    assert info.value.message == expected
