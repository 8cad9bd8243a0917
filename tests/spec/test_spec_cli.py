"""The spec and trial commands, through worktrial.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spec_samples import MINIMAL_TOML, write_minimal_bundle

from worktrial.cli import main
from worktrial.spec import TrialBundle


def test_validate_ok_for_a_file_and_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_minimal_bundle(tmp_path / "b")
    monkeypatch.chdir(tmp_path)
    assert main(["spec", "validate", "b/trial.toml"]) == 0
    assert capsys.readouterr().out == "ok: b/trial.toml (tiny-trial, classification)\n"
    assert main(["spec", "validate", "b"]) == 0
    assert capsys.readouterr().out == "ok: b (tiny-trial, classification)\n"


def test_validate_a_wrong_key_type_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("trial.toml").write_text(MINIMAL_TOML + '\n[constraints]\nlatency_p95_ms = "fast"\n')
    assert main(["spec", "validate", "trial.toml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "trial.toml: constraints.latency_p95_ms: expected a number greater than 0, "
        "found 'fast' (a string)\n"
    )


def test_validate_prints_every_problem_of_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_minimal_bundle(tmp_path / "b")
    (tmp_path / "b/brief.md").unlink()
    (tmp_path / "b/data/train.csv").unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["spec", "validate", "b"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "b/trial.toml: brief: expected an existing file in the bundle, found 'brief.md' "
        "(no such file)",
        "b/trial.toml: data.files[0].path: expected an existing file in the bundle, found "
        "'data/train.csv' (no such file)",
    ]


def test_validate_a_missing_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["spec", "validate", "nope.toml"]) == 2
    assert capsys.readouterr().err == (
        "nope.toml: no such file (expected trial.toml or a bundle folder)\n"
    )


def test_schema_is_the_json_schema_of_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "TrialSpec"
    assert schema["additionalProperties"] is False
    assert {"id", "kind", "compensation", "primary_metric", "interface"} <= set(schema["required"])
    assert schema["properties"]["constraints"]["$ref"] == "#/$defs/Constraints"
    assert schema["$defs"]["Constraints"]["properties"]["latency_p95_ms"]["anyOf"][0] == {
        "exclusiveMinimum": 0,
        "type": "number",
    }


def test_templates_lists_each_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trial", "templates"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == ["classification", "improve-baseline", "monitoring"]
    assert out[0].startswith("classification    Breast-cancer screening classifier")


def test_new_creates_a_valid_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["trial", "new", "--template", "classification", "screening"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "created screening from template 'classification' (malignancy-screening, starter commit "
    )
    assert out[1:] == [
        "next: edit screening/trial.toml and screening/brief.md, then run",
        "  worktrial spec validate screening",
    ]
    assert main(["spec", "validate", "screening"]) == 0
    assert capsys.readouterr().out == "ok: screening (malignancy-screening, classification)\n"


def test_new_with_an_unknown_template_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trial", "new", "--template", "nope", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == (
        "error: unknown template 'nope'; expected one of: classification, improve-baseline, "
        "monitoring\n"
    )


def test_kit_writes_the_candidate_kit(
    bundles: dict[str, TrialBundle],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    bundle = bundles["monitoring"]
    assert main(["trial", "kit", str(bundle.root), "kit"]) == 0
    sha = bundle.spec.starter_commits[0][:12]
    assert capsys.readouterr().out == (
        f"wrote the candidate kit to kit: brief.md and repo/ (starter commit {sha}, "
        "3 public data files; no hidden files)\n"
    )
    assert (tmp_path / "kit/repo/data/batches.csv").is_file()
    assert not (tmp_path / "kit/repo/hidden").exists()
    assert main(["trial", "kit", str(bundle.root), "kit"]) == 2
    assert capsys.readouterr().err == (
        "error: kit: expected a new or empty folder for the candidate kit, found one that is "
        "not empty\n"
    )
