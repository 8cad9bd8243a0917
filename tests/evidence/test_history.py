from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from worktrial.errors import GitCommandError, UsageError
from worktrial.evidence._types import Commit, CommitKind, FileChange, History
from worktrial.evidence.history import (
    MAX_BODY_CHARS,
    _log_args,
    _LogParser,
    _match_starters,
    classify_commit,
    collect_history,
    first_added,
)
from worktrial.repo import Repo
from worktrial.testing import RepoBuilder, make_shallow_clone

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 9, 17, tzinfo=UTC)
ADA = ("Ada Lovelace", "ada@example.com")


def lines(n: int, word: str = "x") -> str:
    return "".join(f"{word} = {i}\n" for i in range(n))


def history_of(b: RepoBuilder, **kwargs: object) -> History:
    return collect_history(Repo(b.path), **kwargs)  # type: ignore[arg-type]


def by_subject(h: History) -> dict[str, Commit]:
    return {c.subject: c for c in h.commits}


# --------------------------------------------------------------------------- classification


def test_each_kind_on_a_realistic_history(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "cand", start=START, author=ADA)
    b.commit(
        "Add README with objective and metric",
        {"README.md": "# Churn\n\n## Objective\nRecall at 0.8 precision.\n" * 3},
    )
    b.commit(
        "Load and clean the raw churn data",
        {"src/churn/data.py": lines(40), "data/churn.csv": "a,b\n" * 30},
    )
    b.commit("Train logistic regression baseline", {"src/churn/train.py": lines(60)})
    b.commit("Add tests for the data loader", {"tests/test_data.py": lines(30)})
    b.commit(
        "Refactor training into a pipeline module",
        {"src/churn/train.py": lines(20), "src/churn/pipeline.py": lines(40)},
    )
    b.commit("Created using Colaboratory", {"notebooks/eda.ipynb": '{"cells": []}\n'})
    b.commit("Add files via upload", {"final.ipynb": '{"cells": [1]}\n'})
    b.commit(
        "Bump scikit-learn from 1.4 to 1.5",
        {"requirements.txt": "scikit-learn==1.5\n"},
        author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
    )
    b.commit("Pin versions", {"requirements.txt": "scikit-learn==1.5.0\n"})
    b.branch_off("feature")
    b.commit("Tune the decision threshold", {"src/churn/threshold.py": lines(25)})
    b.switch("main")
    b.merge("feature", "Merge branch 'feature'")
    h = history_of(b)
    kinds = {c.subject: c.kind for c in h.commits}
    assert kinds == {
        "Add README with objective and metric": CommitKind.FRAMING,
        "Load and clean the raw churn data": CommitKind.DATA,
        "Train logistic regression baseline": CommitKind.MODELLING,
        "Add tests for the data loader": CommitKind.TESTS,
        "Refactor training into a pipeline module": CommitKind.REFACTOR,
        "Created using Colaboratory": CommitKind.NOTEBOOK_AUTOSAVE,
        "Add files via upload": CommitKind.BULK_UPLOAD,
        "Bump scikit-learn from 1.4 to 1.5": CommitKind.AUTOMATED,
        "Pin versions": CommitKind.OTHER,
        "Tune the decision threshold": CommitKind.MODELLING,
        "Merge branch 'feature'": CommitKind.MERGE,
    }
    assert h.branch == "main" and h.head == b.head and not h.shallow
    assert h.notes == []


def fc(path: str, added: int = 10, deleted: int = 0, *, binary: bool = False) -> FileChange:
    return FileChange(path, added, deleted, binary)


@pytest.mark.parametrize(
    ("subject", "files", "author", "expected"),
    [
        # bots and automation, by author or by message
        (
            "Update model",
            [fc("model.pkl", binary=True)],
            ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
            CommitKind.AUTOMATED,
        ),
        (
            "chore(deps): update pandas",
            [fc("requirements.txt")],
            ("renovate[bot]", "bot@renovateapp.com"),
            CommitKind.AUTOMATED,
        ),
        (
            "[pre-commit.ci] auto fixes",
            [fc("src/a.py")],
            ("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"),
            CommitKind.AUTOMATED,
        ),
        (
            "Nightly run",
            [fc("metrics.json")],
            ("Retrain Bot", "retrain-bot@users.noreply.github.com"),
            CommitKind.AUTOMATED,
        ),
        (
            "Automated retrain 2026-03-04",
            [fc("models/model.pkl", binary=True)],
            ADA,
            CommitKind.AUTOMATED,
        ),
        ("auto-retrain: weekly", [fc("src/train.py")], ADA, CommitKind.AUTOMATED),
        ("Scheduled retrain of the churn model", [fc("src/train.py")], ADA, CommitKind.AUTOMATED),
        ("[skip ci] update model", [fc("model.joblib", binary=True)], ADA, CommitKind.AUTOMATED),
        # a human on a noreply address is not a bot
        (
            "Train the model",
            [fc("src/train.py")],
            ("Ci Chen", "cichen@users.noreply.github.com"),
            CommitKind.MODELLING,
        ),
        # notebook autosaves need both: notebooks only and an autosave message
        (
            "Created using Colab",
            [fc("Untitled0.ipynb", 400, 380)],
            ADA,
            CommitKind.NOTEBOOK_AUTOSAVE,
        ),
        (
            "Auto-saved",
            [fc("nb/analysis.ipynb"), fc("nb/.ipynb_checkpoints/analysis-checkpoint.ipynb")],
            ADA,
            CommitKind.NOTEBOOK_AUTOSAVE,
        ),
        ("Checkpoint", [fc("analysis.ipynb")], ADA, CommitKind.NOTEBOOK_AUTOSAVE),
        (
            "Created using Colab",
            [fc("analysis.ipynb"), fc("src/train.py")],
            ADA,
            CommitKind.MODELLING,
        ),
        (
            "Try gradient boosting in the notebook",
            [fc("analysis.ipynb")],
            ADA,
            CommitKind.MODELLING,
        ),
        # bulk uploads, by message or by size
        ("Upload files", [fc("a.py")], ADA, CommitKind.BULK_UPLOAD),
        (
            "Final version",
            [fc(f"src/m{i}.py", 100) for i in range(20)],
            ADA,
            CommitKind.BULK_UPLOAD,
        ),
        ("Final version", [fc(f"src/m{i}.py", 99) for i in range(20)], ADA, CommitKind.MODELLING),
        ("Final version", [fc(f"src/m{i}.py", 200) for i in range(19)], ADA, CommitKind.MODELLING),
        # tests, framing
        (
            "Add tests",
            [fc("src/pkg/data_test.py", 30), fc("src/pkg/data.py", 10)],
            ADA,
            CommitKind.TESTS,
        ),
        ("Cover edge cases", [fc("conftest.py", 5), fc("test_model.py", 5)], ADA, CommitKind.TESTS),
        (
            "Write up results",
            [fc("docs/results.rst", 50), fc("src/train.py", 10)],
            ADA,
            CommitKind.FRAMING,
        ),
        ("Add report", [fc("report.ipynb", 80)], ADA, CommitKind.FRAMING),
        ("Update README", [fc("README", 3)], ADA, CommitKind.FRAMING),
        # .worktrial/ logs never decide the kind
        (
            "Log experiment 3",
            [fc(".worktrial/experiments.jsonl", 1), fc("src/train.py", 2)],
            ADA,
            CommitKind.MODELLING,
        ),
        ("Progress update", [fc(".worktrial/updates.jsonl", 5)], ADA, CommitKind.OTHER),
        (
            "Notes",
            [fc(".worktrial/updates.jsonl", 500), fc("README.md", 2)],
            ADA,
            CommitKind.FRAMING,
        ),
        # refactor beats data and modelling, but not tests or framing
        ("refactor: split train.py", [fc("src/train.py", 80, 80)], ADA, CommitKind.REFACTOR),
        (
            "Format with ruff",
            [fc("src/a.py", 30, 30), fc("src/b.py", 5, 5)],
            ADA,
            CommitKind.REFACTOR,
        ),
        ("chore(lint): fix warnings", [fc("src/features.py")], ADA, CommitKind.REFACTOR),
        ("style: apply black", [fc("src/features.py")], ADA, CommitKind.REFACTOR),
        ("Fix style transfer model", [fc("src/model.py")], ADA, CommitKind.MODELLING),
        ("Rename tests", [fc("tests/test_a.py")], ADA, CommitKind.TESTS),
        # data: data files, data code, or generic code with a data message
        ("Add the raw data", [fc("data/raw/churn.parquet", binary=True)], ADA, CommitKind.DATA),
        ("Impute missing ages", [fc("src/build_features.py", 40)], ADA, CommitKind.DATA),
        ("Clean the data", [fc("analysis.ipynb", 40)], ADA, CommitKind.DATA),
        ("Load data and train a baseline model", [fc("main.py", 40)], ADA, CommitKind.MODELLING),
        ("Upload notebook", [fc("upload.py", 40)], ADA, CommitKind.MODELLING),
        # modelling: model code and artifacts
        ("Save the model", [fc("models/clf.joblib", binary=True)], ADA, CommitKind.MODELLING),
        (
            "Evaluate on holdout",
            [fc("src/evaluate.py", 30), fc("requirements.txt", 2)],
            ADA,
            CommitKind.MODELLING,
        ),
        # other: config, mixed commits, empty commits
        ("Add Makefile", [fc("Makefile", 20), fc("pyproject.toml", 30)], ADA, CommitKind.OTHER),
        (
            "WIP",
            [
                fc("src/train.py", 30),
                fc("README.md", 30),
                fc("tests/test_a.py", 30),
                fc("Makefile", 30),
            ],
            ADA,
            CommitKind.OTHER,
        ),
        ("Empty commit to trigger CI", [], ADA, CommitKind.OTHER),
    ],
)
def test_classify_commit(
    subject: str, files: list[FileChange], author: tuple[str, str], expected: CommitKind
) -> None:
    kind = classify_commit(subject, "", files, author_name=author[0], author_email=author[1])
    assert kind is expected


def test_merge_wins_over_everything() -> None:
    files = [fc("tests/test_a.py")]
    assert classify_commit("Add files via upload", "", files, parents=2) is CommitKind.MERGE


def test_binary_files_count_as_one_line() -> None:
    # 3 binary model files (3 "lines") against 4 lines of docs: mostly docs.
    files = [fc(f"m{i}.pkl", 0, 0, binary=True) for i in range(3)] + [fc("README.md", 4)]
    assert classify_commit("Save models", "", files) is CommitKind.FRAMING
    files = [fc(f"m{i}.pkl", 0, 0, binary=True) for i in range(5)] + [fc("README.md", 4)]
    assert classify_commit("Save models", "", files) is CommitKind.MODELLING


# --------------------------------------------------------------------------- git edge cases


def test_binary_unicode_paths_and_empty_commit(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit(
        "Add data and a plot",
        {
            "data/données brutes.csv": "a,b\n1,2\n3,4\n",
            "figures/roc curve.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
            "notes/日本語 メモ.md": "一\n二\n",
        },
    )
    b.commit("Nothing to see")
    h = history_of(b)
    first, empty = h.commits
    assert sorted(first.files, key=lambda f: f.path) == [
        FileChange("data/données brutes.csv", 3, 0),
        FileChange("figures/roc curve.png", 0, 0, binary=True),
        FileChange("notes/日本語 メモ.md", 2, 0),
    ]
    assert empty.files == [] and empty.kind is CommitKind.OTHER
    assert empty.lines_changed == 0 and first.lines_changed == 5


def test_merge_commit_has_no_files_and_is_not_work(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("Add README", {"README.md": "# x\n"})
    b.branch_off("exp")
    b.commit("Try XGBoost", {"src/train.py": lines(10)})
    b.switch("main")
    b.commit("Document the metric", {"README.md": "# x\nrecall\n"})
    merge = b.merge("exp", "Merge the XGBoost experiment")
    h = history_of(b)
    m = by_subject(h)["Merge the XGBoost experiment"]
    assert m.sha == merge and m.kind is CommitKind.MERGE and m.files == []
    assert len(m.parents) == 2
    assert [c.subject for c in h.work] == ["Add README", "Try XGBoost", "Document the metric"]
    assert h.commits[-1].sha == merge


def test_non_utf8_messages(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit(b"Caf\xe9 features \xff\n\nd\xe9tails", {"a.py": "a = 1\n"})
    b.commit("Caf\xe9 encoded".encode("latin-1"), {"a.py": "a = 2\n"}, encoding="ISO-8859-1")
    h = history_of(b)
    raw, declared = h.commits
    assert raw.subject == "Caf\ufffd features \ufffd"
    assert raw.body == "d\ufffdtails"
    # A commit that declares its encoding is converted to UTF-8 by git itself.
    assert declared.subject == "Café encoded"
    assert h.notes == [
        "1 commit had a message or author that is not valid UTF-8 "
        "(shown with replacement characters)"
    ]


def test_huge_message_body_is_cut(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    body = "word " * 10_000
    b.commit(f"Long message\n\n{body}", {"a.py": "a = 1\n"})
    c = history_of(b).commits[0]
    assert c.subject == "Long message"
    assert len(c.body) < MAX_BODY_CHARS + 100
    assert c.body.endswith("\n… [cut: the message is 49,999 characters long]")


def test_detached_head(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    one = b.commit("one", {"a.py": "1\n"})
    b.commit("two", {"a.py": "2\n"})
    b.checkout_detached(one)
    h = history_of(b)
    assert h.branch is None and h.head == one
    assert [c.subject for c in h.commits] == ["one"]
    assert h.notes == []  # the evidence collector reports the detached HEAD once, repo-wide


def test_shallow_clone(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "src", start=START)
    for i in range(5):
        b.commit(f"Step {i}", {f"src/m{i}.py": lines(5), "README.md": f"# v{i}\n"})
    clone = make_shallow_clone(b.path, tmp_path / "clone", depth=2)
    h = collect_history(Repo(clone))
    assert h.shallow
    assert [c.subject for c in h.commits] == ["Step 3", "Step 4"]
    boundary, newest = h.commits
    assert boundary.files == [] and boundary.parents == ()
    assert {f.path for f in newest.files} == {"src/m4.py", "README.md"}
    assert h.notes == [
        "history is shallow (2 commits available): older commits are missing, so early-work "
        "and timing signals may be incomplete; submit a full clone",
        "the file changes of the oldest available commit are unknown "
        "(their parents are not in the shallow clone)",
    ]


def test_chronological_order_and_utc(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    ny = timezone(timedelta(hours=-5))
    b.commit("first", {"a.py": "1\n"}, at=timedelta(hours=1))
    b.commit("second", {"a.py": "2\n"}, at=datetime(2026, 3, 2, 7, 30, tzinfo=ny))
    b.commit("third", {"a.py": "3\n"}, at=timedelta(days=2), committed_at=timedelta(days=3))
    h = history_of(b)
    assert [c.subject for c in h.commits] == ["first", "second", "third"]
    second = h.commits[1]
    assert second.authored_at == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    assert h.commits[2].committed_at == START + timedelta(days=3)
    for c in h.commits:
        assert c.authored_at.tzinfo is UTC and c.committed_at.tzinfo is UTC
    assert [c.authored_at for c in h.commits] == sorted(c.authored_at for c in h.commits)


# --------------------------------------------------------------------------- starter, deadline


def starter_repo(path: Path) -> tuple[RepoBuilder, list[str]]:
    b = RepoBuilder(path, start=START)
    kit = [
        b.commit(
            "Starter kit",
            {"README.md": "# Brief\n", "src/train.py": lines(10)},
            author=("Acme Hiring", "hiring@acme.example"),
        ),
        b.commit("Starter: add data", {"data/train.csv": "a\n1\n"}),
    ]
    b.commit("Baseline", {"src/train.py": lines(30)}, at=timedelta(days=1))
    return b, kit


def test_starter_commits_by_full_hash_and_prefix(tmp_path: Path) -> None:
    b, kit = starter_repo(tmp_path / "r")
    h = history_of(b, starter_commits=[kit[0], kit[1][:7].upper()])
    assert [c.is_starter for c in h.commits] == [True, True, False]
    assert [c.subject for c in h.work] == ["Baseline"]
    assert h.notes == [
        "2 starter-kit commits excluded from scoring (the company's code, not the candidate's)"
    ]


def test_only_listed_commits_are_starter_and_missing_ones_are_noted(tmp_path: Path) -> None:
    b, kit = starter_repo(tmp_path / "r")
    h = history_of(b, starter_commits=[kit[1], "deadbeefcafe"])
    assert [c.is_starter for c in h.commits] == [False, True, False]
    assert h.notes == [
        "1 starter-kit commit excluded from scoring (the company's code, not the candidate's)",
        "starter commit deadbeefcafe is not in this history (rebased or squashed?); "
        "the starter kit may be counted as the candidate's work",
    ]


@pytest.mark.parametrize("bad", ["abc12", "not-a-hash", ""])
def test_bad_starter_reference(tmp_path: Path, bad: str) -> None:
    b, _ = starter_repo(tmp_path / "r")
    with pytest.raises(UsageError) as exc:
        history_of(b, starter_commits=[bad])
    assert exc.value.message == (
        f"starter commit {bad!r}: expected a full commit hash or a prefix of at least "
        "7 hex characters"
    )


def test_ambiguous_starter_prefix() -> None:
    def commit(sha: str) -> Commit:
        return Commit(sha, "a", "a@x", START, START, "s", "", (), [])

    commits = [commit("abcdef1" + "0" * 33), commit("abcdef1" + "1" * 33)]
    found, notes = _match_starters(commits, ["abcdef1", "abcdef10"])
    assert found == {"abcdef1" + "0" * 33}
    assert notes == [
        "1 starter-kit commit excluded from scoring (the company's code, not the candidate's)",
        "starter commit prefix abcdef1 matches more than one commit and was ignored; "
        "list full hashes in the trial spec",
    ]


def test_deadline_split(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("Baseline", {"src/train.py": lines(10)})
    b.commit("Write-up", {"README.md": "# Results\n"}, at=DEADLINE)  # on time: not after
    for i in range(3):
        b.commit(
            f"Late fix {i}", {"src/train.py": lines(11 + i)}, at=DEADLINE + timedelta(hours=i + 1)
        )
    paris = timezone(timedelta(hours=1))
    h = history_of(b, deadline=DEADLINE.astimezone(paris))
    assert [c.after_deadline for c in h.commits] == [False, False, True, True, True]
    assert [c.subject for c in h.late] == ["Late fix 0", "Late fix 1", "Late fix 2"]
    assert [c.subject for c in h.work] == ["Baseline", "Write-up"]
    assert h.deadline == DEADLINE and h.deadline.tzinfo is UTC
    assert h.notes == [
        "3 commits after the deadline (2026-03-09 17:00 UTC) are shown separately and not scored"
    ]
    one = history_of(b, deadline=DEADLINE + timedelta(hours=2, minutes=30))
    assert one.notes == [
        "1 commit after the deadline (2026-03-09 19:30 UTC) is shown separately and not scored"
    ]


def test_naive_deadline_and_bad_max_commits(tmp_path: Path) -> None:
    b, _ = starter_repo(tmp_path / "r")
    with pytest.raises(UsageError) as exc:
        history_of(b, deadline=datetime(2026, 3, 9, 17))  # noqa: DTZ001
    assert exc.value.message == (
        "deadline=2026-03-09T17:00:00: expected a timezone-aware datetime, found a naive one"
    )
    with pytest.raises(UsageError) as exc:
        history_of(b, max_commits=0)
    assert exc.value.message == "max_commits=0: expected at least 1"


def test_max_commits_keeps_the_newest(tmp_path: Path) -> None:
    b, _ = starter_repo(tmp_path / "r")
    h = history_of(b, max_commits=2)
    assert [c.subject for c in h.commits] == ["Starter: add data", "Baseline"]
    assert h.notes == ["only the newest 2 commits were read; older history is not scored"]


# --------------------------------------------------------------------------- first_added


def test_first_added(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("Add README", {"README.md": "# a\n"})
    b.commit("Add report", {"report.md": "# r\n"}, at=timedelta(days=2))
    b.commit("Edit both", {"README.md": "# b\n", "report.md": "# s\n"}, at=timedelta(days=3))
    b.commit("Drop report", {"report.md": None}, at=timedelta(days=4))
    b.commit("Add report again", {"report.md": "# t\n"}, at=timedelta(days=5))
    assert first_added(history_of(b)) == {
        "README.md": START,
        "report.md": START + timedelta(days=2),
    }


def test_messages_and_paths_cannot_break_the_record_format(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    sneaky = "Sneaky\n\n\x1e\x1fworktrial-commit\nffff\n1\t2\tfake.py"
    b.commit(sneaky, {"odd\tname\nwith newline.py": "a = 1\n", "\n.py": "b = 2\n"})
    b.commit("After", {"a.py": "c = 3\n"})
    h = history_of(b)
    assert [c.subject for c in h.commits] == ["Sneaky", "After"]
    first = h.commits[0]
    assert first.body == "\x1e\x1fworktrial-commit\nffff\n1\t2\tfake.py"
    assert sorted(f.path for f in first.files) == ["\n.py", "odd\tname\nwith newline.py"]


# --------------------------------------------------------------------------- streaming, failures


def test_parser_gives_the_same_result_whatever_the_chunk_boundaries(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("One\n\nA body\nwith lines", {"a b/é.py": lines(3), "bin.dat": b"\x00\x01"})
    b.commit(b"Caf\xe9", {"a b/é.py": lines(5)})
    b.commit("Empty")
    b.commit("\x1e\x1fworktrial-commit", {"c.py": "c\n"})  # a subject that looks like a mark
    repo = Repo(b.path)
    out = repo.git(*_log_args(repo.head, 100))

    def parse(chunk_size: int) -> list[tuple[object, ...]]:
        parser = _LogParser()
        for start in range(0, len(out), chunk_size):
            parser.feed(out[start : start + chunk_size])
        parser.close()
        assert parser.bad_text == 1 and parser.bad_dates == 0
        return [(c.sha, c.subject, c.body, c.parents, c.files) for c in parser.commits]

    whole = parse(len(out))
    assert [subject for _, subject, *_ in whole] == [
        "\x1e\x1fworktrial-commit",
        "Empty",
        "Caf\ufffd",
        "One",
    ]
    for size in (1, 2, 3, 7, 64, 1000):
        assert parse(size) == whole


@dataclass
class FakeGit:
    repo: Repo  # opened with the real git
    bindir: Path  # the only folder on PATH from now on

    def script(self, body: str) -> None:
        git = self.bindir / "git"
        git.write_text(f"#!/bin/sh\n{body}\n")
        git.chmod(0o755)


@pytest.fixture
def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGit:
    b = RepoBuilder(tmp_path / "r", start=START)
    b.commit("one", {"a.py": "1\n"})
    repo = Repo(b.path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    return FakeGit(repo, bindir)


def test_git_log_timeout(fake_git: FakeGit) -> None:
    sleep = shutil.which("sleep", path=os.defpath)
    fake_git.script(f"exec {sleep} 30")
    with pytest.raises(GitCommandError) as exc:
        collect_history(fake_git.repo, timeout=1.0)
    assert exc.value.message == f"git log did not finish within 1 s in {fake_git.repo.root}"
    assert exc.value.code == "repo.git_failed"


def test_git_log_failure_names_the_error(fake_git: FakeGit) -> None:
    fake_git.script("echo 'warning: x' >&2; echo 'fatal: bad object HEAD' >&2; exit 128")
    with pytest.raises(GitCommandError) as exc:
        collect_history(fake_git.repo)
    assert exc.value.message == f"git log failed in {fake_git.repo.root}: fatal: bad object HEAD"
    assert exc.value.fields["returncode"] == 128


def test_git_missing(fake_git: FakeGit) -> None:
    with pytest.raises(GitCommandError) as exc:
        collect_history(fake_git.repo)
    assert exc.value.message == "the git command is not installed; install git and try again"


def test_without_a_spec_the_kits_root_starter_commit_is_still_excluded(tmp_path: Path) -> None:
    from worktrial.spec import init_starter_repo, new_from_template

    bundle = new_from_template("classification", tmp_path / "trial")
    repo_dir = tmp_path / "cand"
    init_starter_repo(bundle, repo_dir)

    def commit(message: str, name: str, email: str) -> None:
        (repo_dir / "model.py").write_text(message, encoding="utf-8")
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        for args in (["add", "-A"], ["commit", "-qm", message]):
            subprocess.run(
                ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", *args],
                cwd=repo_dir,
                env=env,
                check=True,
                timeout=30,
            )

    commit("Add a logistic regression baseline", "Ada", "ada@example.com")
    # the same identity on a later commit is the candidate's own work, never hidden
    commit("Tune the threshold", "worktrial", "starter@worktrial.invalid")
    history = collect_history(Repo(repo_dir))
    assert [c.is_starter for c in history.commits] == [True, False, False]
    assert (
        "the starter-kit commit (made by worktrial) is excluded from scoring "
        "(the company's code, not the candidate's)"
    ) in history.notes
