"""The persona builders: real, deterministic histories whose files mean what they say."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from worktrial.demo import DEFAULT_START, PERSONAS, TRIAL, PersonaRepo, build_persona
from worktrial.errors import UsageError
from worktrial.spec import TrialBundle
from worktrial.tracking import read_experiments, read_feedback, read_questions, read_updates

NAMES = list(PERSONAS)


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout


def author_times(repo: PersonaRepo) -> list[datetime]:
    lines = git(repo.path, "log", "--format=%aI", f"{repo.starter_commit}..HEAD").split()
    return [datetime.fromisoformat(x) for x in lines]


@pytest.fixture(scope="module")
def built(starter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PersonaRepo]:
    root = tmp_path_factory.mktemp("personas")
    return {n: build_persona(n, root / n, starter=starter) for n in NAMES}


def test_registry_lists_the_five_personas_in_demo_order() -> None:
    assert NAMES == [
        "iterative-engineer",
        "honest-failure",
        "leaderboard-chaser",
        "over-engineer",
        "notebook-dump",
    ]


def test_unknown_persona_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        build_persona("kaggle-grandmaster", tmp_path / "x")
    assert err.value.message == (
        "persona 'kaggle-grandmaster': expected one of iterative-engineer, honest-failure, "
        "leaderboard-chaser, over-engineer, notebook-dump"
    )


def test_a_folder_with_content_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="expected a new or empty folder for the repository"):
        build_persona("notebook-dump", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_naive_start_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="expected a timezone-aware datetime"):
        build_persona("notebook-dump", tmp_path / "x", start=datetime(2026, 3, 2, 9))  # noqa: DTZ001


def test_a_missing_starter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        build_persona("notebook-dump", tmp_path / "x", starter=tmp_path / "nope")
    assert err.value.message == (
        f"starter={tmp_path / 'nope'}: expected the starter kit's git repository, found nothing"
    )


@pytest.mark.slow
def test_builds_are_deterministic(
    built: dict[str, PersonaRepo], starter: Path, tmp_path: Path
) -> None:
    for name in NAMES:
        again = build_persona(name, tmp_path / name, starter=starter)
        assert again.commits == built[name].commits, name
        assert again.head == built[name].head


@pytest.mark.slow
def test_without_a_starter_the_history_starts_empty(tmp_path: Path) -> None:
    repo = build_persona("notebook-dump", tmp_path / "dump")
    assert repo.starter_commit is None
    assert git(repo.path, "rev-list", "--count", "HEAD").strip() == str(len(repo.commits))


def test_every_history_starts_at_the_trial_starter_commit(
    built: dict[str, PersonaRepo], bundle: TrialBundle
) -> None:
    for name, repo in built.items():
        assert repo.starter_commit in bundle.spec.starter_commits, name
        root = git(repo.path, "rev-list", "--max-parents=0", "HEAD").split()
        assert root == [repo.starter_commit], name
        listed = git(repo.path, "rev-list", "--reverse", f"{repo.starter_commit}..HEAD").split()
        assert tuple(listed) == repo.commits, name


def test_commits_fall_inside_the_trial_window(built: dict[str, PersonaRepo]) -> None:
    for name, repo in built.items():
        assert repo.start == DEFAULT_START
        assert repo.deadline == DEFAULT_START + timedelta(days=TRIAL.duration_days)
        times = author_times(repo)
        assert times == sorted(times, reverse=True), name  # told in order
        assert all(repo.start <= t < repo.deadline for t in times), name


def test_the_notebook_dump_arrives_in_the_last_hours(built: dict[str, PersonaRepo]) -> None:
    repo = built["notebook-dump"]
    assert all(repo.deadline - t < timedelta(hours=4) for t in author_times(repo))
    subjects = git(repo.path, "log", "--format=%s|%cn", f"{repo.starter_commit}..HEAD").split("\n")
    assert subjects[:3] == [
        "Update README.md|GitHub",
        "Add files via upload|GitHub",
        "Add files via upload|GitHub",
    ]
    files = git(repo.path, "ls-files").split()
    assert {"analysis.ipynb", "train.csv", "dev.csv"} <= set(files)
    assert not (repo.path / ".worktrial").exists()


def test_the_iterative_engineer_ships_a_baseline_within_the_first_15_percent(
    built: dict[str, PersonaRepo],
) -> None:
    repo = built["iterative-engineer"]
    first = read_experiments(repo.path).records[0]
    assert first.metrics["recall"] == 0.881
    assert first.at is not None
    assert (first.at - repo.start) / (repo.deadline - repo.start) < 0.15
    first_commit_subject = git(repo.path, "log", "--format=%s", "--reverse", "-n", "99")
    assert first_commit_subject.splitlines()[1] == "Write down the problem framing before modelling"


def test_the_over_engineer_logs_no_metric_before_the_last_days(
    built: dict[str, PersonaRepo],
) -> None:
    repo = built["over-engineer"]
    records = read_experiments(repo.path).records
    assert len(records) == 3
    assert all(r.at is not None and r.at - repo.start > timedelta(days=8) for r in records)


def test_the_leaderboard_chaser_logs_only_numbers(built: dict[str, PersonaRepo]) -> None:
    repo = built["leaderboard-chaser"]
    records = read_experiments(repo.path).records
    assert len(records) == 10
    for r in records:
        assert set(r.metrics) == {"accuracy"}
        assert not (r.observation or r.hypothesis or r.change or r.result or r.learning)
    assert max(r.metrics["accuracy"] for r in records) == 0.965
    readme = git(repo.path, "show", "HEAD:README.md")
    assert readme == git(repo.path, "show", f"{repo.starter_commit}:README.md")
    assert not (repo.path / ".worktrial" / "updates.jsonl").exists()


def test_tracking_files_are_clean_and_point_at_real_commits(
    built: dict[str, PersonaRepo],
) -> None:
    for name, repo in built.items():
        experiments = read_experiments(repo.path)
        updates, u_notes = read_updates(repo.path)
        questions, q_notes = read_questions(repo.path)
        feedback, f_notes = read_feedback(repo.path)
        assert experiments.notes == u_notes == q_notes == f_notes == [], name
        known = set(repo.commits)
        for e in experiments.records:
            assert e.commit in known, (name, e.id)
            assert e.at is not None and repo.start <= e.at < repo.deadline
        for fb in feedback:
            assert set(fb.commits) <= known, (name, fb.id)
            assert fb.response, (name, fb.id)
        for item in [*updates, *questions]:
            assert repo.start <= item.at < repo.deadline, (name, item.id)
        # what is in the work tree is what was committed
        for rel in (".worktrial/experiments.jsonl", ".worktrial/updates.jsonl"):
            if (repo.path / rel).exists():
                assert git(repo.path, "show", f"HEAD:{rel}") == (repo.path / rel).read_text()


def test_the_honest_failure_reports_its_failed_idea(built: dict[str, PersonaRepo]) -> None:
    repo = built["honest-failure"]
    records = read_experiments(repo.path).records
    assert [r.outcome for r in records].count("failed") == 2
    assert all(r.learning for r in records if r.outcome == "failed")
    readme = git(repo.path, "show", "HEAD:README.md")
    assert "**The main idea of this project did not work.**" in readme
    assert "## What did not work, and why" in readme


def test_every_notebook_is_valid_nbformat_4(built: dict[str, PersonaRepo]) -> None:
    seen = 0
    for repo in built.values():
        for rel in git(repo.path, "ls-files", "*.ipynb").split():
            nb = nbformat.reads(git(repo.path, "show", f"HEAD:{rel}"), as_version=4)
            nbformat.validate(nb)
            assert nb.nbformat == 4 and nb.cells
            seen += 1
    assert seen == 4  # EDA, imputation check, leaderboard notebook, the dump


def test_every_python_file_compiles(built: dict[str, PersonaRepo]) -> None:
    for name, repo in built.items():
        for rel in git(repo.path, "ls-files", "*.py").split():
            source = git(repo.path, "show", f"HEAD:{rel}")
            compile(source, f"{name}/{rel}", "exec")


def test_persona_facts_match_the_classification_template(bundle: TrialBundle) -> None:
    spec = bundle.spec
    assert spec.duration_days == TRIAL.duration_days
    assert tuple(c.day for c in spec.checkpoints) == TRIAL.checkpoint_days
    assert spec.data.target == TRIAL.target
    assert spec.data.id_column == TRIAL.id_column
    assert spec.primary_metric.name == TRIAL.primary_metric
    assert [(f.metric, f.min) for f in spec.primary_metric.floors] == [
        ("precision", TRIAL.precision_floor)
    ]
    assert spec.constraints.latency_p95_ms == TRIAL.latency_p95_ms
    assert spec.interface.train == TRIAL.train_command
    assert spec.interface.predict == TRIAL.predict_command
    assert spec.interface.predictions_column == TRIAL.predictions_column


def test_experiment_lines_are_what_the_tracking_tool_writes(
    built: dict[str, PersonaRepo],
) -> None:
    line = (built["leaderboard-chaser"].path / ".worktrial/experiments.jsonl").read_text()
    first = json.loads(line.splitlines()[0])
    assert list(first) == [
        "id",
        "at",
        "commit",
        "observation",
        "hypothesis",
        "change",
        "params",
        "metrics",
        "result",
        "learning",
        "outcome",
    ]
    assert first["at"] == "2026-03-02T10:46:00+00:00"
    assert datetime.fromisoformat(first["at"]).tzinfo == UTC


def test_the_demo_package_lists_its_public_names() -> None:
    import worktrial.demo

    assert sorted(worktrial.demo.__all__) == sorted(
        [
            "DEFAULT_START",
            "MARKER",
            "PERSONAS",
            "PERSONA_TITLES",
            "TRIAL",
            "DemoCandidate",
            "DemoResult",
            "PersonaBuilder",
            "PersonaRepo",
            "TrialFacts",
            "build_persona",
            "check_out_dir",
            "run_demo",
        ]
    )
    for name in worktrial.demo.__all__:
        assert getattr(worktrial.demo, name) is not None
    assert set(worktrial.demo.PERSONA_TITLES) == set(PERSONAS)
