from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from worktrial.errors import GitCommandError, UsageError
from worktrial.evidence import (
    STEPS,
    Code,
    Comms,
    Evidence,
    Question,
    SkippedFile,
    collect_evidence,
)
from worktrial.evidence import collect as collect_module
from worktrial.evidence.collect import skipped_summary
from worktrial.repo import Repo
from worktrial.spec._model import TrialSpec
from worktrial.testing import RepoBuilder, Symlink

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def trial_spec(**overrides: Any) -> TrialSpec:
    data: dict[str, Any] = {
        "id": "churn-risk",
        "title": "Churn risk",
        "kind": "classification",
        "duration_days": 7,
        "compensation": {
            "amount": 1500,
            "currency": "EUR",
            "expected_hours": 20,
            "hourly_floor": 50,
        },
        "data": {"target": "churned", "files": [{"path": "data/train.csv", "role": "train"}]},
        "primary_metric": {"name": "recall", "priority": "missed churners are costly"},
        "interface": {"train": "make train", "predict": "python predict.py {input} {output}"},
    }
    return TrialSpec.model_validate({**data, **overrides})


def project(tmp_path: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "cand", start=START)
    b.commit("Starter kit", {"README.md": "# Churn trial\n\nPredict churn.\n"})
    b.commit(
        "Frame the problem",
        {"README.md": "# Churn\n\n## Objective\nCatch churners: recall first.\n"},
        at=timedelta(hours=2),
    )
    b.commit(
        "Baseline",
        {
            "src/churn/data.py": "import pandas as pd\n\ndef load(p):\n    return pd.read_csv(p)\n",
            "src/churn/train.py": "from churn.data import load\nSEED = 1\n",
            ".worktrial/updates.jsonl": (
                '{"id": "upd-001", "at": "2026-03-02T17:00:00+00:00", "done": "baseline",'
                ' "next": "features", "blockers": ""}\n'
            ),
        },
        at=timedelta(hours=5),
    )
    return b


def test_collects_every_kind_of_evidence(tmp_path: Path) -> None:
    b = project(tmp_path)
    steps: list[str] = []
    evidence = collect_evidence(b.path, progress=steps.append)
    assert isinstance(evidence, Evidence)
    assert evidence.repo_path == str(b.path.resolve())
    assert steps == list(STEPS)
    assert [c.subject for c in evidence.history.commits] == [
        "Starter kit",
        "Frame the problem",
        "Baseline",
    ]
    assert evidence.history.branch == "main"
    assert evidence.code.python_files == ["src/churn/data.py", "src/churn/train.py"]
    assert evidence.code.imports == {"churn.data": set(), "churn.train": {"churn.data"}}
    assert [u.id for u in evidence.comms.updates] == ["upd-001"]
    assert evidence.docs.readme_path == "README.md"
    assert evidence.experiments.records == []
    assert evidence.notes == []


def test_an_opened_repo_is_used_as_given(tmp_path: Path) -> None:
    b = project(tmp_path)
    first = b.commits[0]
    evidence = collect_evidence(Repo(b.path, rev=first))
    assert evidence.history.head == first
    assert [c.subject for c in evidence.history.commits] == ["Starter kit"]
    assert evidence.code.python_files == []


def test_doc_files_are_dated_by_their_first_commit(tmp_path: Path) -> None:
    b = project(tmp_path)
    evidence = collect_evidence(b.path)
    readme = next(f for f in evidence.docs.files if f.path == "README.md")
    assert readme.first_added_at == START


def test_spec_starter_commits_and_deadline(tmp_path: Path) -> None:
    b = project(tmp_path)
    late = b.commit("After hours", {"notes.md": "late\n"}, at=timedelta(days=9))
    spec = trial_spec(starter_commits=[b.commits[0]])
    evidence = collect_evidence(b.path, spec=spec, deadline=START + timedelta(days=7))
    assert [c.subject for c in evidence.history.commits if c.is_starter] == ["Starter kit"]
    assert [c.sha for c in evidence.history.late] == [late]


def test_naive_deadline_is_a_usage_error(tmp_path: Path) -> None:
    b = project(tmp_path)
    with pytest.raises(UsageError) as exc:
        collect_evidence(b.path, deadline=datetime(2026, 3, 9, 17))  # noqa: DTZ001
    assert exc.value.message == (
        "deadline=2026-03-09T17:00:00: expected a timezone-aware datetime, found a naive one"
    )


def test_brief_marks_a_readme_that_is_still_the_prompt(tmp_path: Path) -> None:
    brief = (
        "# Churn trial\n\nBuild a classifier that flags customers likely to churn next month. "
        "Misses are costly, so recall matters most, with precision above 0.5. Predictions must "
        "take under 50 ms at p95. Use the data in data/train.csv and describe your approach.\n"
    )
    b = RepoBuilder(tmp_path / "cand", start=START)
    b.commit("Initial", {"README.md": brief, "train.py": "x = 1\n"})
    evidence = collect_evidence(b.path, brief=brief)
    assert evidence.docs.readme_is_prompt is True


def test_a_given_comms_source_replaces_the_repository_files(tmp_path: Path) -> None:
    b = project(tmp_path)

    class Platform:
        def load(self) -> Comms:
            q = Question(id="q-9", at=START, text="Is recall the priority?")
            return Comms(questions=[q], source="platform")

    evidence = collect_evidence(b.path, comms=Platform())
    assert evidence.comms.source == "platform"
    assert [q.id for q in evidence.comms.questions] == ["q-9"]
    assert evidence.comms.updates == []


def test_repository_facts_in_notes(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand", start=START)
    b.commit("One", {"train.py": "x = 1\n", "big.bin": b"\0" * (3 * 1024 * 1024)})
    b.commit(
        "Two",
        {"link": Symlink("/etc/passwd"), "link2": Symlink("../../x"), "inner": Symlink("train.py")},
    )
    b.checkout_detached()
    evidence = collect_evidence(b.path)
    assert evidence.notes == [
        f"HEAD is detached (no branch checked out); evaluated commit {b.head[:12]}",
        "no README at the repository root",
        "skipped 4 files: 2 symlinks pointing outside the repository, 1 over the 2 MB size cap, "
        "1 symlink pointing inside the repository",
    ]


def test_skipped_summary() -> None:
    assert skipped_summary([]) is None
    assert skipped_summary([SkippedFile("a", "over the 2 MB size cap")]) == (
        "skipped 1 file: 1 over the 2 MB size cap"
    )
    assert skipped_summary(
        [
            SkippedFile("m", "git submodule (not part of this repo)"),
            SkippedFile("n", "git submodule (not part of this repo)"),
            SkippedFile("l", "symlink pointing outside the repository (never followed)"),
        ]
    ) == ("skipped 3 files: 2 git submodules, 1 symlink pointing outside the repository")


def test_a_defect_in_one_collector_costs_only_its_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = project(tmp_path)

    def broken(snapshot: object) -> Code:
        raise RuntimeError("boom")

    monkeypatch.setattr(collect_module, "collect_code", broken)
    evidence = collect_evidence(b.path)
    assert evidence.code == Code()
    assert evidence.notes == [
        "the code collector failed (RuntimeError: boom); its evidence is missing from this "
        "evaluation (a defect in worktrial, please report it)"
    ]
    assert len(evidence.history.commits) == 3


def test_a_defect_in_history_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = project(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("sha")

    monkeypatch.setattr(collect_module, "collect_history", broken)
    evidence = collect_evidence(b.path)
    assert evidence.history.commits == []
    assert evidence.history.head == b.head
    assert evidence.code.python_files == ["src/churn/data.py", "src/churn/train.py"]
    assert evidence.notes == [
        "the history collector failed (KeyError: 'sha'); its evidence is missing from this "
        "evaluation (a defect in worktrial, please report it)"
    ]


def test_worktrial_errors_from_collectors_propagate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = project(tmp_path)

    def failing(snapshot: object) -> None:
        raise GitCommandError("git cat-file failed in /repo: bad object")

    monkeypatch.setattr(collect_module, "collect_experiments", failing)
    with pytest.raises(GitCommandError, match="git cat-file failed"):
        collect_evidence(b.path)


def test_public_names_resolve() -> None:
    import worktrial.evidence as evidence_package

    for name in evidence_package.__all__:
        assert getattr(evidence_package, name) is not None, name


def test_the_public_entry_point_matches_the_implementation() -> None:
    public = inspect.signature(collect_evidence)
    implementation = inspect.signature(collect_module.collect_evidence)
    assert public == implementation
