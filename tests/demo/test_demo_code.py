"""The personas' code is real: it trains and predicts through the trial's interface, and the
metrics in each experiment log are what the logged commit's code prints on the trial's data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from worktrial.demo import PERSONAS, TRIAL, PersonaRepo, build_persona
from worktrial.spec import TrialBundle
from worktrial.tracking import read_experiments

pytestmark = pytest.mark.slow

TIMEOUT_S = 300


def checkout(repo: PersonaRepo, commit: str, dest: Path, bundle: TrialBundle) -> Path:
    """The tree of ``commit`` in ``dest``, with the trial's public data where the kit puts it."""
    subprocess.run(
        ["git", "-C", str(repo.path), "worktree", "add", "-q", "--detach", str(dest), commit],
        check=True,
        timeout=60,
    )
    shutil.copytree(bundle.root / "data", dest / "data")
    return dest


def run(cwd: Path, command: str, *args: str) -> str:
    argv = [sys.executable, *command.split()[1:], *args]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, f"{command} in {cwd.name} failed:\n{proc.stderr[-2000:]}"
    return proc.stdout


def printed_metrics(stdout: str) -> dict[str, float]:
    doc = json.loads(stdout[stdout.index("{") :])
    found = doc.get("dev", doc.get("metrics"))
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def repos(starter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PersonaRepo]:
    root = tmp_path_factory.mktemp("code")
    return {n: build_persona(n, root / n, starter=starter) for n in PERSONAS}


@pytest.mark.parametrize("name", list(PERSONAS))
def test_the_final_code_trains_and_predicts_through_the_interface(
    name: str, repos: dict[str, PersonaRepo], bundle: TrialBundle, tmp_path: Path
) -> None:
    repo = repos[name]
    tree = checkout(repo, repo.head, tmp_path / "tree", bundle)
    run(tree, TRIAL.train_command)
    cases = tree / "cases.csv"
    pd.read_csv(tree / "data" / "dev.csv").drop(columns=[TRIAL.target]).to_csv(cases, index=False)
    predict = TRIAL.predict_command.format(input="cases.csv", output="predictions.csv")
    run(tree, predict)
    predictions = pd.read_csv(tree / "predictions.csv")
    assert list(predictions.columns) == [TRIAL.id_column, TRIAL.predictions_column]
    assert predictions[TRIAL.id_column].tolist() == pd.read_csv(cases)[TRIAL.id_column].tolist()
    assert set(predictions[TRIAL.predictions_column]) <= {0, 1}


@pytest.mark.parametrize("name", ["iterative-engineer", "honest-failure", "over-engineer"])
def test_logged_metrics_are_what_the_logged_commit_prints(
    name: str, repos: dict[str, PersonaRepo], bundle: TrialBundle, tmp_path: Path
) -> None:
    repo = repos[name]
    records = read_experiments(repo.path).records
    trees = []
    for record in records:
        assert record.commit is not None
        trees.append(checkout(repo, record.commit, tmp_path / record.id, bundle))

    def train(i: int) -> str:
        config = records[i].params.get("config")
        return run(trees[i], TRIAL.train_command, *(["--config", str(config)] if config else []))

    # independent runs: two at a time
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(train, range(len(records))))
    checked = 0
    for record, stdout in zip(records, outputs, strict=True):
        printed = printed_metrics(stdout)
        for metric, value in record.metrics.items():
            if metric in printed:
                assert printed[metric] == value, (record.id, metric)
                checked += 1
    assert checked >= 2 * len(records)


def test_the_leaderboard_chasers_best_number_is_real(
    repos: dict[str, PersonaRepo], bundle: TrialBundle, tmp_path: Path
) -> None:
    repo = repos["leaderboard-chaser"]
    tree = checkout(repo, repo.head, tmp_path / "tree", bundle)
    stdout = run(tree, TRIAL.train_command)
    accuracy = float(stdout.split("dev acc", 1)[1].split()[0])
    assert round(accuracy, 3) == 0.965
