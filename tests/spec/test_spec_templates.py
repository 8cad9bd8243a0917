"""Built-in templates: complete, deterministic, runnable bundles that keep their secrets."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from worktrial.errors import TemplateError
from worktrial.spec import METRICS, TEMPLATES, TrialBundle, load_bundle, new_from_template


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_unknown_template_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as info:
        new_from_template("regresion", tmp_path / "x")
    assert info.value.message == (
        "unknown template 'regresion'; expected one of: classification, improve-baseline, "
        "monitoring"
    )
    assert info.value.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_a_non_empty_destination_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(TemplateError) as info:
        new_from_template("classification", tmp_path / "x")
    assert info.value.message == (
        f"{tmp_path / 'x'}: expected a new or empty folder for the bundle, found one that is "
        "not empty"
    )
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["keep.txt"]


def test_an_empty_destination_is_used(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    bundle = new_from_template("monitoring", tmp_path / "x")
    assert bundle.root == (tmp_path / "x").resolve()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".worktrial-new-")]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_generation_is_byte_identical(
    name: str, bundles: dict[str, TrialBundle], tmp_path: Path
) -> None:
    again = new_from_template(name, tmp_path / "again")
    assert all_files(again.root) == all_files(bundles[name].root)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_bundle_layout(name: str, bundles: dict[str, TrialBundle]) -> None:
    bundle = bundles[name]
    root = bundle.root
    assert bundle.spec.kind == name
    assert load_bundle(root) == bundle
    for rel in ("trial.toml", "brief.md", "DATA.md", "solution/train.py", "solution/predict.py"):
        assert (root / rel).is_file(), rel
    for rel in ("README.md", "requirements.txt", ".gitignore", "src/__init__.py"):
        assert (bundle.starter_dir / rel).is_file(), rel
    assert "data/" in (bundle.starter_dir / ".gitignore").read_text().split()
    assert [p.relative_to(root).parts[0] for p in bundle.public_files] == ["data"] * len(
        bundle.public_files
    )
    assert [p.relative_to(root).as_posix() for p in bundle.hidden_files] == [
        "hidden/holdout_features.csv",
        "hidden/holdout_labels.csv",
    ]
    for csv in [*bundle.public_files, *bundle.hidden_files]:
        assert pd.read_csv(csv, nrows=1).columns[0] == "id", csv
    assert not list(root.rglob("__pycache__"))


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_texts_are_filled_and_keep_the_secret(name: str, bundles: dict[str, TrialBundle]) -> None:
    bundle = bundles[name]
    brief = bundle.brief
    data_md = (bundle.root / "DATA.md").read_text()
    for text in (brief, data_md):
        assert not re.search(r"\$[a-z_{]", text), "an unfilled $placeholder"
    # the brief is for candidates: no hidden file names, no answer to the open question
    for hidden in bundle.hidden_files:
        assert hidden.name not in brief
    assert "note for the company" not in brief
    assert "ambiguity" not in brief.lower()
    # ... and covers what a candidate needs
    for heading in ("objective", "data", "deliver", "timeline", "pay", "how we will look"):
        assert re.search(rf"^## .*{heading}", brief, re.IGNORECASE | re.MULTILINE), heading
    assert bundle.spec.interface.predict.split(" {input}")[0] in brief.replace(
        "INPUT.csv OUTPUT.csv", "{input} {output}"
    )
    toml = (bundle.root / "trial.toml").read_text()
    assert "# note for the company:" in toml
    assert "## The deliberate ambiguity" in data_md
    for seed in re.findall(r"\| (\d{4}) \|", data_md):
        assert 1000 < int(seed) < 2000
    assert bundle.spec.starter_commits[0] in toml


def test_data_facts_the_briefs_promise(bundles: dict[str, TrialBundle]) -> None:
    cls = bundles["classification"].root
    train, dev = pd.read_csv(cls / "data/train.csv"), pd.read_csv(cls / "data/dev.csv")
    assert train.drop(columns=["id", "malignant"]).isna().any().any()
    assert dev.drop(columns=["id", "malignant"]).isna().any().any()
    assert train.malignant.mean() < 0.3 < dev.malignant.mean()
    assert set(train.id).isdisjoint(dev.id)
    holdout = pd.read_csv(cls / "hidden/holdout_features.csv")
    assert "malignant" not in holdout.columns
    assert set(holdout.id).isdisjoint(set(train.id) | set(dev.id))

    digits = bundles["improve-baseline"].root
    scans = pd.read_csv(digits / "data/train.csv")
    assert scans.shape[1] == 66
    assert scans.drop(columns=["id", "digit"]).stack().between(0, 16).all()

    mon = bundles["monitoring"].root
    labels = pd.read_csv(mon / "data/batch_labels.csv")
    hidden = pd.read_csv(mon / "hidden/holdout_labels.csv")
    assert "class_mix" not in set(labels.issue)
    assert "class_mix" in set(hidden.issue)
    batches = pd.read_csv(mon / "data/batches.csv")
    assert sorted(batches.batch.unique()) == sorted(labels.id)
    features = pd.read_csv(mon / "hidden/holdout_features.csv")
    assert sorted(features.batch.unique()) == sorted(hidden.id)
    model = json.loads((mon / "starter/model/model.json").read_text())
    assert model["features"] == [c for c in batches.columns if c not in ("id", "batch")]


def test_every_template_is_listed_with_a_description() -> None:
    assert list(TEMPLATES) == ["classification", "improve-baseline", "monitoring"]
    for name, template in TEMPLATES.items():
        assert template.name == name
        assert template.dataset.startswith("sklearn.datasets.load_")
        assert template.description
        assert tomllib.loads(template.files().joinpath("trial.toml").read_text())["kind"] == name


def _run(command: str, cwd: Path, timeout: float) -> None:
    args = shlex.split(command)
    if args[0] == "python":
        args[0] = sys.executable
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{command} failed:\n{proc.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_reference_solution_scores_the_spec_baseline(
    name: str, bundles: dict[str, TrialBundle], tmp_path: Path
) -> None:
    work = tmp_path / "bundle"
    shutil.copytree(bundles[name].root, work)
    spec = load_bundle(work).spec
    assert spec.solution.train is not None
    assert spec.solution.predict is not None
    _run(spec.solution.train, work, timeout=300)
    out = tmp_path / "predictions.csv"
    features = work / "hidden/holdout_features.csv"
    command = spec.solution.predict.format(input=shlex.quote(str(features)), output=out)
    _run(command, work, timeout=300)

    predictions = pd.read_csv(out)
    labels = pd.read_csv(work / "hidden/holdout_labels.csv")
    assert list(predictions.columns) == [spec.data.id_column, spec.interface.predictions_column]
    assert len(predictions) == len(labels)
    assert sorted(predictions.id) == sorted(labels.id)
    merged = labels.merge(predictions, on="id")
    metric = METRICS[spec.primary_metric.name]
    score = metric.compute(
        merged[spec.data.target].tolist(), merged[spec.interface.predictions_column].tolist()
    )
    assert spec.primary_metric.baseline is not None
    assert score == pytest.approx(spec.primary_metric.baseline, abs=0.02)
    assert spec.primary_metric.target is not None
    assert metric.better(spec.primary_metric.target, score)
    for floor in spec.primary_metric.floors:
        floor_score = METRICS[floor.metric].compute(
            merged[spec.data.target].tolist(), merged["prediction"].tolist()
        )
        assert floor_score >= floor.min, f"the baseline misses the {floor.metric} floor"


def test_a_file_as_destination_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("a file")
    with pytest.raises(TemplateError) as info:
        new_from_template("classification", tmp_path / "x")
    assert info.value.message == (
        f"{tmp_path / 'x'}: expected a new or empty folder for the bundle, found a file"
    )
