"""Acceptance: collect_evidence gives a result for any repository, or a WorktrialError.

Hostile and unusual repositories (issue 2, point 9): never a traceback, nothing outside the
repository read, every skipped file said.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from worktrial.errors import EmptyRepoError, NotAGitRepoError
from worktrial.evidence import Evidence, collect_evidence
from worktrial.testing import RepoBuilder, Symlink, make_shallow_clone

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
SECRET = "s3cr3t-outside-the-repository"


def build(path: Path, *commits: dict[str, str | bytes | Symlink | None]) -> RepoBuilder:
    b = RepoBuilder(path, start=START)
    for i, files in enumerate(commits, 1):
        b.commit(f"Commit {i}", files)
    return b


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout


def assert_sound(evidence: Evidence) -> None:
    """No collector failed, and nothing from outside the repository was read."""
    failures = [n for n in evidence.notes if "collector failed" in n]
    assert failures == []
    dump = repr(evidence)
    assert "root:x:0:0" not in dump
    assert SECRET not in dump


def notebook(*sources: str) -> str:
    cells: list[dict[str, object]] = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in sources
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# --------------------------------------------------------------------------- not a repository


def test_a_plain_folder(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "train.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(NotAGitRepoError) as exc:
        collect_evidence(folder)
    assert exc.value.message == (
        f"{folder}: not a git repository (pass the folder that holds the .git directory)"
    )
    assert exc.value.exit_code == 2


def test_a_file_path(tmp_path: Path) -> None:
    file = tmp_path / "train.py"
    file.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(NotAGitRepoError) as exc:
        collect_evidence(file)
    assert exc.value.message == f"{file}: not a directory (expected a git repository)"


def test_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepoError) as exc:
        collect_evidence(tmp_path / "nope")
    assert exc.value.message == f"{tmp_path / 'nope'}: no such file or directory"


def test_an_empty_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(EmptyRepoError) as exc:
        collect_evidence(tmp_path)
    assert exc.value.message == (
        f"{tmp_path.resolve()}: the repository has no commits yet; commit your work first"
    )
    assert exc.value.code == "repo.empty"


# --------------------------------------------------------------------------- shapes of projects


def test_a_notebook_only_repository(tmp_path: Path) -> None:
    b = build(
        tmp_path / "nb",
        {
            "analysis.ipynb": notebook(
                "import pandas as pd\nimport numpy as np\nnp.random.seed(0)\n",
                "df = pd.read_csv('data.csv')\nmodel = RandomForestClassifier().fit(df, df.y)\n",
            ),
            "data.csv": "a,y\n1,0\n",
        },
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    code = evidence.code
    assert code.python_files == []
    assert code.notebooks == ["analysis.ipynb"]
    assert code.notebook_lines == 5
    assert code.imports == {}
    assert code.data_modules == [] and code.model_modules == []
    assert code.data_files == ["data.csv"]
    assert code.lint_findings == 1
    assert [p.note for p in code.lint_examples] == [
        "cell 2, line 2: F821 Undefined name `RandomForestClassifier`"
    ]
    assert [p.note for p in code.seeds] == ["cell 1, line 3: np.random.seed(0)"]
    assert evidence.notes == ["no README at the repository root"]


def test_a_scripts_repository_without_readme(tmp_path: Path) -> None:
    b = build(
        tmp_path / "scripts",
        {"prep.py": "import pandas as pd\ndf = pd.read_csv('x.csv').dropna()\n"},
        {"fit.py": "from prep import df\nfrom sklearn.svm import SVC\nSVC().fit(df, df.y)\n"},
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.docs.readme_path is None
    assert evidence.notes == ["no README at the repository root"]
    assert evidence.code.imports == {"prep": set(), "fit": {"prep"}}
    assert evidence.code.data_modules == ["prep"]
    assert evidence.code.model_modules == ["fit"]
    assert len(evidence.history.commits) == 2


def test_a_shallow_clone(tmp_path: Path) -> None:
    b = build(
        tmp_path / "full",
        {"README.md": "# A\n"},
        {"a.py": "x = 1\n"},
        {"b.py": "y = 2\n"},
        {"c.py": "z = 3\n"},
    )
    clone = make_shallow_clone(b.path, tmp_path / "shallow", depth=2)
    evidence = collect_evidence(clone)
    assert_sound(evidence)
    assert evidence.history.shallow is True
    assert [c.subject for c in evidence.history.commits] == ["Commit 3", "Commit 4"]
    assert evidence.notes == []  # said once, by the history collector
    assert evidence.history.notes[0] == (
        "history is shallow (2 commits available): older commits are missing, so early-work "
        "and timing signals may be incomplete; submit a full clone"
    )
    assert evidence.code.python_files == ["a.py", "b.py", "c.py"]


def test_a_detached_head(tmp_path: Path) -> None:
    b = build(tmp_path / "d", {"README.md": "# A\n", "a.py": "x = 1\n"}, {"b.py": "y = 2\n"})
    b.checkout_detached(b.commits[0])
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.history.branch is None
    assert evidence.history.head == b.commits[0]
    assert evidence.code.python_files == ["a.py"]
    assert evidence.notes == [
        f"HEAD is detached (no branch checked out); evaluated commit {b.commits[0][:12]}"
    ]


def test_a_bare_repository(tmp_path: Path) -> None:
    b = build(tmp_path / "src", {"README.md": "# A\n", "a.py": "import os\n"})
    git(tmp_path, "clone", "-q", "--bare", str(b.path), "bare.git")
    evidence = collect_evidence(tmp_path / "bare.git")
    assert_sound(evidence)
    assert evidence.code.python_files == ["a.py"]
    assert evidence.code.lint_findings == 1
    assert evidence.docs.readme_path == "README.md"


# --------------------------------------------------------------------------- hostile content


def test_a_large_binary_is_listed_never_read(tmp_path: Path) -> None:
    blob = bytes(range(256)) * (6 * 1024 * 4)  # 6 MB
    b = build(tmp_path / "big", {"README.md": "# A\n", "model.bin": blob, "a.py": "x = 1\n"})
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.large_files == [("model.bin", len(blob))]
    assert evidence.notes == ["skipped 1 file: 1 over the 2 MB size cap"]


def test_latin1_source_and_readme(tmp_path: Path) -> None:
    readme = "# Résumé\n\n## Objective\nPrédire le départ des clients (churn).\n"
    b = build(
        tmp_path / "latin",
        {
            "README.md": readme.encode("latin-1"),
            "train.py": "# coding: latin-1\n# café\nSEED = 42\n".encode("latin-1"),
        },
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.seeds[0].ref == "train.py:3"
    assert evidence.code.notes == []
    assert evidence.docs.readme_path == "README.md"
    headings = [s.heading for f in evidence.docs.files for s in f.sections]
    assert "Résumé" in headings


def test_a_broken_notebook(tmp_path: Path) -> None:
    b = build(
        tmp_path / "nb",
        {"README.md": "# A\n", "eda.ipynb": '{"cells": [', "ok.ipynb": notebook("x = 1\n")},
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.notebooks == ["eda.ipynb", "ok.ipynb"]
    assert evidence.code.broken_notebooks == ["eda.ipynb"]
    assert evidence.code.notes == [
        "eda.ipynb: broken notebook (not valid JSON: Expecting value at line 1); not analysed"
    ]


def test_symlinks_out_of_the_repository_are_never_followed(tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text(f"TOKEN = '{SECRET}'\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text(f"# {SECRET}\n", encoding="utf-8")
    b = build(
        tmp_path / "links",
        {
            "README.md": Symlink("../outside.md"),
            "passwd.py": Symlink("/etc/passwd"),
            "src/secret.py": Symlink("../../outside.py"),
            "data/raw": Symlink("../../"),
            "notes.ipynb": Symlink("/etc/passwd"),
            "real.py": "import os\n",
        },
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.python_files == ["real.py"]
    assert evidence.code.notebooks == []
    assert evidence.docs.readme_path is None
    assert evidence.notes == [
        "no README at the repository root",
        "skipped 5 files: 5 symlinks pointing outside the repository",
    ]


def test_python_files_that_are_not_python(tmp_path: Path) -> None:
    b = build(
        tmp_path / "bad",
        {
            "README.md": "# A\n",
            "nul.py": b"import os\x00\x00\xff\xfe",
            "syntax.py": "def f(:\n",
            "ok.py": "def f(x):\n    return 1 if x else 2\n",
        },
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.notes == [
        "nul.py: binary content (NUL bytes) in a .py file; not analysed",
        "syntax.py: cannot be parsed as Python (line 1: invalid syntax); imports, seeds and "
        "complexity not measured",
    ]
    assert evidence.code.max_complexity == 2
    assert evidence.code.lint_findings == 2  # the syntax error, reported by ruff as well


def test_huge_single_line_files(tmp_path: Path) -> None:
    one_line_py = "X = [" + ",".join(["12345"] * 300_000) + "]\n"  # 1.8 MB, under the cap
    b = build(
        tmp_path / "huge",
        {
            "README.md": "# A " + "word " * 350_000 + "\n",
            "blob.py": one_line_py,
            "data.csv": "a," * 900_000 + "\n",
            "minified.ipynb": notebook("y = [" + "1," * 400_000 + "1]\n"),
        },
    )
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.notes == [
        f"blob.py: {len(one_line_py):,} characters of Python in one file; looks generated, so "
        "imports, seeds and complexity were not measured for it",
        "minified.ipynb (cell 1): 800,008 characters of Python in one cell; looks generated, "
        "so imports, seeds and complexity were not measured for it",
    ]
    assert evidence.code.module_lines == 1
    assert evidence.code.data_files == ["data.csv"]


def test_strange_file_names_and_a_submodule(tmp_path: Path) -> None:
    b = build(
        tmp_path / "names",
        {
            "README.md": "# A\n",
            "src/naïve módulo.py": "import os\n",
            "line\nbreak.py": "SEED = 3\n",
            "-rf.py": "x = 1\n",
        },
    )
    sha = b.head
    git(b.path, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/lib")
    git(b.path, "commit", "-qm", "Add a submodule")
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.code.python_files == ["-rf.py", "line\nbreak.py", "src/naïve módulo.py"]
    assert evidence.code.lint_findings == 1
    assert [p.ref for p in evidence.code.seeds] == ["line\nbreak.py:1"]
    assert evidence.notes == ["skipped 1 file: 1 git submodule"]


def test_everything_at_once(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text(SECRET, encoding="utf-8")
    b = build(
        tmp_path / "all",
        {
            "README.md": "# Caf\xe9\n".encode("latin-1"),
            "big.bin": b"\x00" * (6 * 1024 * 1024),
            "broken.ipynb": "{",
            "nul.py": b"\x00",
            "syntax.py": "class\n",
            "link": Symlink("../outside.txt"),
            "etc": Symlink("/etc/passwd"),
            "empty.py": "",
            "pyproject.toml": "[[[",
            "requirements.txt": "\x00\x01",
            "Makefile": b"\xff\xfe\x00",
            "setup.cfg": "[options\ninstall_requires = x\n",
            "environment.yml": "dependencies:\n  - - - \n",
        },
    )
    b.checkout_detached()
    evidence = collect_evidence(b.path)
    assert_sound(evidence)
    assert evidence.notes == [
        f"HEAD is detached (no branch checked out); evaluated commit {b.head[:12]}",
        "skipped 3 files: 2 symlinks pointing outside the repository, 1 over the 2 MB size cap",
    ]
