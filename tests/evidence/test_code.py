from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from worktrial.evidence import Code, Pointer
from worktrial.evidence import code as code_module
from worktrial.evidence.code import collect_code, cyclomatic_complexity, module_name
from worktrial.repo import LARGE_FILE_BYTES, Repo, Snapshot
from worktrial.testing import RepoBuilder, Symlink

FileContent = str | bytes | Symlink | None


def code_of(tmp_path: Path, files: dict[str, FileContent]) -> Code:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("Add files", files)
    return collect_code(Snapshot(Repo(b.path)))


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def notebook(*cells: tuple[str, str | list[str]], nbformat: int = 4) -> str:
    """A notebook JSON with ``(cell_type, source)`` cells, as Jupyter writes it (indent 1)."""
    body: list[dict[str, object]] = [
        {"cell_type": kind, "metadata": {}, "source": src}
        | ({"outputs": [], "execution_count": None} if kind == "code" else {})
        for kind, src in cells
    ]
    return json.dumps({"cells": body, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5})


# --------------------------------------------------------------------------- files and lines


def test_python_test_and_notebook_files(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "src/churn/__init__.py": "",
            "src/churn/data.py": "x = 1\n",
            "tests/unit/helpers.py": "y = 2\n",
            "test_smoke.py": "def test_a():\n    pass\n",
            "src/churn/io_test.py": "z = 3\n",
            "conftest.py": "",
            "analysis.ipynb": notebook(("code", "a = 1\n")),
            "README.md": "# Churn\n",
        },
    )
    assert code.python_files == [
        "conftest.py",
        "src/churn/__init__.py",
        "src/churn/data.py",
        "src/churn/io_test.py",
        "test_smoke.py",
        "tests/unit/helpers.py",
    ]
    assert code.test_files == [
        "conftest.py",
        "src/churn/io_test.py",
        "test_smoke.py",
        "tests/unit/helpers.py",
    ]
    assert code.notebooks == ["analysis.ipynb"]
    assert code.broken_notebooks == []


def test_lines_count_code_not_blanks_or_comments(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "a.py": "# header\n\nimport os\n\n\ndef f():\n    # why\n    return os.sep\n",
            "nb.ipynb": notebook(
                ("markdown", "# Title\n\nlots of prose\n"),
                ("code", ["# setup\n", "import numpy as np\n", "\n", "x = np.ones(3)\n"]),
                ("code", "%matplotlib inline\nprint(x)\n"),
            ),
        },
    )
    assert code.module_lines == 3
    assert code.notebook_lines == 4


def test_vendored_folders_are_not_the_candidates_code(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "train.py": "x = 1\n",
            ".venv/lib/python3.11/site-packages/pkg/mod.py": "import os\n",
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/lib/thing.py": "import sys\n",
            "notebooks/.ipynb_checkpoints/eda-checkpoint.ipynb": notebook(("code", "a=1")),
            "src/__pycache__/x.py": "y = 2\n",
        },
    )
    assert code.python_files == ["train.py"]
    assert code.notebooks == []
    assert code.notes == [
        "ignored 5 files in virtual environments, caches and notebook checkpoints (not the "
        "candidate's code)"
    ]


# --------------------------------------------------------------------------- notebooks


def test_broken_notebooks_are_reported_never_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_module, "MAX_SEPARATE_NOTES", 10)
    code = code_of(
        tmp_path,
        {
            "good.ipynb": notebook(("code", "x = 1\n")),
            "truncated.ipynb": '{"cells": [{"cell_type": "code", "source": "x',
            "list.ipynb": "[1, 2, 3]",
            "nocells.ipynb": '{"metadata": {}}',
            "binary.ipynb": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
            "empty.ipynb": "",
        },
    )
    assert code.notebooks == [
        "binary.ipynb",
        "empty.ipynb",
        "good.ipynb",
        "list.ipynb",
        "nocells.ipynb",
        "truncated.ipynb",
    ]
    assert code.broken_notebooks == [
        "binary.ipynb",
        "empty.ipynb",
        "list.ipynb",
        "nocells.ipynb",
        "truncated.ipynb",
    ]
    assert code.notes == [
        "binary.ipynb: broken notebook (binary content, not JSON); not analysed",
        "empty.ipynb: broken notebook (not valid JSON: Expecting value at line 1); not analysed",
        "list.ipynb: broken notebook (not a notebook: the JSON is not an object); not analysed",
        'nocells.ipynb: broken notebook (not a notebook: no "cells" list); not analysed',
        "truncated.ipynb: broken notebook (not valid JSON: Unterminated string starting at at "
        "line 1); not analysed",
    ]
    assert code.notebook_lines == 1


def test_many_files_with_one_problem_share_a_note(tmp_path: Path) -> None:
    files: dict[str, FileContent] = {f"nb{i}.ipynb": "[]" for i in range(5)}
    files.update({f"m{i}.py": "def f(:\n" for i in range(4)})
    code = code_of(tmp_path, files)
    assert code.notes == [
        "5 notebooks are broken, e.g. nb0.ipynb (not a notebook: the JSON is not an object), "
        "nb1.ipynb (not a notebook: the JSON is not an object), nb2.ipynb (not a notebook: the "
        "JSON is not an object) and 2 more; not analysed",
        "4 Python files cannot be parsed, e.g. m0.py (line 1: invalid syntax), m1.py (line 1: "
        "invalid syntax), m2.py (line 1: invalid syntax) and 1 more; imports, seeds and "
        "complexity not measured",
    ]


def test_nbformat3_notebook_is_read(tmp_path: Path) -> None:
    nb = {
        "nbformat": 3,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "markdown", "source": ["# EDA"]},
                    {"cell_type": "code", "input": ["import random\n", "random.seed(7)\n"]},
                ]
            }
        ],
    }
    code = code_of(tmp_path, {"old.ipynb": json.dumps(nb)})
    assert code.broken_notebooks == []
    assert code.notebook_lines == 2
    assert code.seeds == [Pointer("file", "old.ipynb", "cell 2, line 2: random.seed(7)")]


def test_magics_and_shell_cells_do_not_break_notebook_analysis(tmp_path: Path) -> None:
    nb = notebook(
        ("code", "%load_ext autoreload\n!pip install lightgbm\nfiles = !ls\ndf?\n"),
        ("code", "%%bash\necho hi $((1+2))\n"),
        ("code", "%%time\nimport numpy as np\nnp.random.seed(3)\n"),
        ("code", "def f(x):\n    %time y = x\n    if x:\n        return 1\n    return 2\n"),
    )
    code = code_of(tmp_path, {"nb.ipynb": nb})
    assert code.notes == []
    assert code.seeds == [Pointer("file", "nb.ipynb", "cell 3, line 3: np.random.seed(3)")]
    assert code.max_complexity == 2


def test_unparseable_notebook_cells_are_counted_in_one_note(tmp_path: Path) -> None:
    nb = notebook(("code", "def f(:\n"), ("code", "x = (\n"), ("code", "y = 1\n"))
    code = code_of(tmp_path, {"nb.ipynb": nb})
    assert code.notes == ["nb.ipynb: 2 code cells cannot be parsed as Python; not analysed"]
    assert code.broken_notebooks == []


# --------------------------------------------------------------------------- bad Python


def test_files_that_are_not_python_are_noted_and_skipped(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "syntax.py": "def f(:\n    return 1\n",
            "nul.py": b"x = 1\x00\x00\x01",
            "late_nul.py": b"x = 1\n" * 2000 + b"\x00\n",  # past the binary sniffing window
            "latin1.py": "# caf\xe9\nSEED = 1\n".encode("latin-1"),
            "ok.py": "import random\nrandom.seed(1)\n",
        },
    )
    assert "nul.py" in code.python_files
    assert code.notes == [
        "nul.py: binary content (NUL bytes) in a .py file; not analysed",
        "late_nul.py: cannot be parsed as Python (source code string cannot contain null "
        "bytes); imports, seeds and complexity not measured",
        "syntax.py: cannot be parsed as Python (line 1: invalid syntax); imports, seeds and "
        "complexity not measured",
    ]
    assert [p.ref for p in code.seeds] == ["latin1.py:2", "ok.py:2"]


def test_generated_python_is_not_parsed(tmp_path: Path) -> None:
    blob = "DATA = [" + ",".join("1" for _ in range(6000)) + "]\n"
    code = code_of(tmp_path, {"blob.py": blob, "ok.py": "def f():\n    return 1\n"})
    assert code.notes == [
        "blob.py: a line of 12,008 characters; looks generated, so imports, seeds and "
        "complexity were not measured for it"
    ]
    assert code.max_complexity == 1
    assert code.module_lines == 3


# --------------------------------------------------------------------------- imports


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("src/churn/data.py", "churn.data"),
        ("src/churn/__init__.py", "churn"),
        ("churn/models/__init__.py", "churn.models"),
        ("scripts/train.py", "scripts.train"),
        ("train.py", "train"),
        ("project/src/pkg/a.py", "pkg.a"),
        ("__init__.py", "__init__"),
    ],
)
def test_module_name(path: str, name: str) -> None:
    assert module_name(path) == name


def test_import_graph_resolves_project_modules(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "src/churn/__init__.py": "from .data import load\n",
            "src/churn/data.py": "import pandas as pd\nimport os, json\n",
            "src/churn/features/__init__.py": "",
            "src/churn/features/build.py": "from ..data import load\nfrom . import encode\n",
            "src/churn/features/encode.py": "from churn.data import *\n",
            "src/churn/models/train.py": (
                "import churn.features.build as b\n"
                "from churn import data\n"
                "from churn.features import encode, build\n"
                "from sklearn.linear_model import LogisticRegression\n"
                "from ...outside import nothing\n"
                "import churn.models.train\n"
            ),
            "scripts/run.py": "import helpers\nfrom src.churn.data import load\n",
            "scripts/helpers.py": "import logging\n",
            "tools/logging.py": "x = 1\n",
            "tests/test_data.py": "from churn.data import load\n",
        },
    )
    assert code.imports == {
        "churn": {"churn.data"},
        "churn.data": set(),
        "churn.features": set(),
        "churn.features.build": {"churn.data", "churn.features.encode"},
        "churn.features.encode": {"churn.data"},
        "churn.models.train": {"churn.features.build", "churn.data", "churn.features.encode"},
        "scripts.run": {"scripts.helpers", "churn.data"},
        # the standard library's logging, not tools/logging.py
        "scripts.helpers": set(),
        "tools.logging": set(),
        "tests.test_data": {"churn.data"},
    }


def test_data_and_model_modules(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "src/p/data.py": dedent(
                """
                import pandas as pd

                def load(path):
                    return pd.read_csv(path).dropna()
                """
            ),
            "src/p/features.py": dedent(
                """
                from sklearn.base import BaseEstimator, TransformerMixin
                from sklearn.preprocessing import StandardScaler

                class Ratio(BaseEstimator, TransformerMixin):
                    def fit(self, X, y=None):
                        return self
                    def transform(self, X):
                        return X

                def build_features(df):
                    scaler = StandardScaler()
                    scaler.fit(df)
                    return scaler.transform(df)
                """
            ),
            "src/p/train.py": dedent(
                """
                from sklearn.ensemble import GradientBoostingClassifier
                from p.data import load

                def train(df):
                    return GradientBoostingClassifier().fit(df, df.y)
                """
            ),
            "src/p/net.py": "import torch\n\nclass Net(torch.nn.Module):\n    pass\n",
            "src/p/notebook_dump.py": dedent(
                """
                import pandas as pd
                df = pd.read_csv("x.csv")
                model = LogisticRegression().fit(df, df.y)
                """
            ),
            "src/p/config.py": "def load_config(path):\n    return {}\n",
            "tests/test_train.py": "def test_x():\n    model.fit(1, 2)\n    load_data()\n",
        },
    )
    assert code.data_modules == ["p.data", "p.features", "p.notebook_dump"]
    assert code.model_modules == ["p.net", "p.notebook_dump", "p.train"]


# --------------------------------------------------------------------------- dependencies


def test_requirements_pins_and_totals(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "requirements.txt": dedent(
                """
                # runtime
                numpy==1.26.4
                pandas>=2.2,<3
                scikit-learn == 1.5.1 ; python_version >= "3.10"
                Requests[socks]===2.32.3
                lightgbm==4.*
                -r requirements-dev.txt
                --index-url https://example.com/simple
                -e .
                torch @ https://example.com/torch-2.3.0-cp311-none-linux_x86_64.whl
                mylib @ git+https://github.com/x/mylib@0123456789abcdef0123456789abcdef01234567
                matplotlib \\
                    ==3.9.0
                """
            ),
            "requirements-dev.txt": "pytest\nnumpy==1.26.4\n",
        },
    )
    assert code.dependency_files == ["requirements-dev.txt", "requirements.txt"]
    assert code.total_requirements == 9  # numpy is declared twice
    # numpy, scikit-learn, requests, torch (a wheel), mylib (a commit), matplotlib
    assert code.pinned_requirements == 6
    assert code.lock_file is None


def test_pyproject_setup_cfg_pipfile_and_conda(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "pyproject.toml": dedent(
                """
                [project]
                name = "churn"
                dependencies = ["numpy==1.26.4", "pandas>=2"]

                [tool.poetry.dependencies]
                python = "^3.11"
                xgboost = "2.0.3"
                shap = "^0.45"
                catboost = {version = "==1.2.5", extras = ["gpu"]}
                """
            ),
            "setup.cfg": dedent(
                """
                [metadata]
                name = churn

                [options]
                install_requires =
                    scipy==1.13.1
                    joblib
                """
            ),
            "Pipfile": (
                '[packages]\nflask = "==3.0.3"\nrich = "*"\n\n[dev-packages]\npytest = "*"\n'
            ),
            "environment.yml": dedent(
                """
                name: churn
                channels:
                  - conda-forge
                dependencies:
                  - python=3.11
                  - polars=1.2.1
                  - duckdb=1.0
                  - conda-forge::pyarrow==16.1.0
                  - pip
                  - pip:
                    - optuna==3.6.1
                    - mlflow
                """
            ),
            "tools/pyproject.toml": "[tool.ruff]\nline-length = 100\n",
        },
    )
    assert code.dependency_files == ["Pipfile", "environment.yml", "pyproject.toml", "setup.cfg"]
    pinned = {
        "numpy", "xgboost", "catboost", "scipy", "flask", "polars", "pyarrow", "optuna"
    }  # fmt: skip
    unpinned = {"pandas", "shap", "joblib", "rich", "duckdb", "mlflow"}
    assert code.total_requirements == len(pinned | unpinned)
    assert code.pinned_requirements == len(pinned)


@pytest.mark.parametrize(
    "files",
    [
        {"poetry.lock": "# lock\n"},
        {"uv.lock": "version = 1\n"},
        {"requirements.lock": "numpy==1.26.4\n"},
        {
            "requirements.txt": dedent(
                """
                #
                # This file is autogenerated by pip-compile with Python 3.11
                #
                numpy==1.26.4 \\
                    --hash=sha256:0123
                """
            )
        },
    ],
)
def test_a_lock_file_pins_everything(tmp_path: Path, files: dict[str, FileContent]) -> None:
    code = code_of(tmp_path, {"requirements.in": "numpy\npandas\n", **files})
    assert code.lock_file == next(iter(files))
    assert code.total_requirements == 2
    assert code.pinned_requirements == 2


def test_invalid_pyproject_is_noted(tmp_path: Path) -> None:
    code = code_of(tmp_path, {"pyproject.toml": "[project\nname = 1\n"})
    assert code.dependency_files == []
    assert code.notes == [
        "pyproject.toml: not valid TOML (Expected ']' at the end of a table declaration "
        "(at line 1, column 9)); its dependencies were not counted",
        "no Python code to lint",
    ]


# --------------------------------------------------------------------------- seeds


def test_seeds_are_found_with_file_and_line(tmp_path: Path) -> None:
    src = dedent(
        """
        import os, random
        import numpy as np
        import torch
        SEED = 42
        RANDOM_STATE: int = 7
        random.seed(SEED)
        np.random.seed(0)
        rng = np.random.default_rng(1)
        torch.manual_seed(3)
        tf.random.set_seed(4)
        seed_everything(5)
        os.environ["PYTHONHASHSEED"] = "0"
        model = Forest(n_estimators=10, random_state=RANDOM_STATE)
        split = train_test_split(X, y, random_state=13)
        # not seeds:
        random.seed()
        np.random.default_rng()
        sampler.seed(4)
        model2 = Forest(random_state=None)
        seed = "abc"
        """
    )
    code = code_of(tmp_path, {"train.py": src})
    assert [p.ref for p in code.seeds] == [f"train.py:{n}" for n in range(4, 15)]
    assert code.seeds[0] == Pointer("file", "train.py:4", "SEED = 42")


# --------------------------------------------------------------------------- complexity


def test_cyclomatic_complexity_counts_mccabe_decisions() -> None:
    source = dedent(
        """
        def simple():
            return 1

        def branchy(x, y):
            if x and y or x:          # if +1, two boolean operators +2
                for i in x:           # +1
                    pass
            elif y:                   # +1
                while y:              # +1
                    y -= 1
            try:
                pass
            except ValueError:        # +1
                pass
            except KeyError:          # +1
                pass
            with open(x) as fh:       # with: no decision
                pass
            z = [i for i in x if i if i > 1]   # two comprehension conditions +2
            w = 1 if x else 2         # +1
            match x:
                case 1:               # +1
                    pass
                case _:               # +1
                    pass
            def inner(a):             # measured on its own
                if a:
                    return a
            return z, w

        class Model:
            def fit(self, X):
                return [x for x in X] if X else None
        """
    )
    assert cyclomatic_complexity(source) == {
        "simple": 1,
        "branchy": 14,
        "branchy.inner": 2,
        "Model.fit": 2,
    }


def test_complexity_summary_and_complex_functions(tmp_path: Path) -> None:
    twelve = "def big(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(11))
    code = code_of(
        tmp_path,
        {
            "a.py": "def small():\n    return 1\n\n" + twelve.replace("big", "huge"),
            "b.py": "\n" + twelve,
        },
    )
    assert code.max_complexity == 12
    assert code.mean_complexity == round((1 + 12 + 12) / 3, 2)
    assert code.complex_functions == [
        Pointer("file", "a.py:4", "huge: complexity 12"),
        Pointer("file", "b.py:2", "big: complexity 12"),
    ]


# --------------------------------------------------------------------------- lint


def test_ruff_findings_with_pointers(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "a.py": "import os\n\n\ndef f(x=[]):\n    return x == None\n",
            "b.py": "import sys\n",
            "nb.ipynb": notebook(
                ("markdown", "# EDA"), ("code", "%matplotlib inline\nimport json\n")
            ),
        },
    )
    assert code.lint_findings == 5
    assert code.lint_examples == [
        Pointer("file", "a.py:1", "F401 `os` imported but unused"),
        Pointer("file", "a.py:4", "B006 Do not use mutable data structures for argument defaults"),
        Pointer("file", "a.py:5", "E711 Comparison to `None` should be `cond is None`"),
        Pointer("file", "b.py:1", "F401 `sys` imported but unused"),
        Pointer("file", "nb.ipynb", "cell 2, line 2: F401 `json` imported but unused"),
    ]


def test_lint_examples_show_each_rule_first(tmp_path: Path) -> None:
    many = "".join(f"import m{i}\n" for i in range(15)) + "def f(x=[]):\n    return x\n"
    code = code_of(tmp_path, {"a.py": many})
    assert code.lint_findings == 16
    assert len(code.lint_examples) == 10
    assert [p.note.split()[0] for p in code.lint_examples[:2]] == ["F401", "B006"]


def test_no_python_code_means_lint_not_measured(tmp_path: Path) -> None:
    code = code_of(tmp_path, {"README.md": "# Notes\n"})
    assert code.lint_findings is None
    assert code.notes == ["no Python code to lint"]


def test_missing_ruff_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_module, "_ruff_binary", lambda: None)
    code = code_of(tmp_path, {"a.py": "import os\n"})
    assert code.lint_findings is None
    assert code.lint_examples == []
    assert code.notes == ["ruff is not installed; lint findings not measured"]


NOT_MEASURED = "lint findings not measured"


@pytest.mark.parametrize(
    ("command", "note"),
    [
        (["false"], f"ruff failed (exit code 1); {NOT_MEASURED}"),
        (["echo", "not a finding"], f"ruff printed something unexpected; {NOT_MEASURED}"),
        (["echo", '{"a": 1}'], f"ruff printed something unexpected; {NOT_MEASURED}"),
        (
            ["/nonexistent/ruff"],
            f"ruff could not be started (No such file or directory); {NOT_MEASURED}",
        ),
    ],
)
def test_ruff_failures_are_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], note: str
) -> None:
    monkeypatch.setattr(code_module, "_ruff_command", lambda ruff: command)
    code = code_of(tmp_path, {"a.py": "import os\n"})
    assert code.lint_findings is None
    assert code.notes == [note]


def test_ruff_timeout_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_module, "_ruff_command", lambda ruff: ["sleep", "30"])
    monkeypatch.setattr(code_module, "RUFF_TIMEOUT_S", 0.2)
    code = code_of(tmp_path, {"a.py": "import os\n"})
    assert code.lint_findings is None
    assert code.notes == ["ruff did not finish within 0 s; lint findings not measured"]


def test_ruff_never_sees_the_candidates_configuration(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {"a.py": "import os\n", "ruff.toml": "[lint]\nignore = ['F401']\n", "pyproject.toml": ""},
    )
    assert code.lint_findings == 1


# --------------------------------------------------------------------------- commands


def test_documented_commands(tmp_path: Path) -> None:
    code = code_of(
        tmp_path,
        {
            "Makefile": dedent(
                """
                .PHONY: train test
                PY ?= python
                VENV := .venv
                train: data
                \t$(PY) -m churn.train
                test lint:
                \tpytest
                %.o: %.c
                \tcc $<
                """
            ),
            "docker/Makefile": "build:\n\tdocker build .\n",
            "pyproject.toml": dedent(
                """
                [project]
                name = "churn"

                [project.scripts]
                churn-train = "churn.train:main"
                "churn-eval" = "churn.eval:main"
                """
            ),
            "README.md": dedent(
                """
                # Churn

                ```bash
                $ pip install -r requirements.txt
                (venv) $ python -m churn.train --config cfg.yaml
                echo "not a command we list"
                ```

                ```python
                python = 3  # a Python block, not a shell
                ```

                ```
                make test
                ```
                """
            ),
            "docs/usage.md": "~~~console\n> dvc repro\n> worktrial check\n~~~\n",
        },
    )
    assert code.documented_commands == [
        Pointer("file", "Makefile:4", "make train"),
        Pointer("file", "Makefile:6", "make test"),
        Pointer("file", "Makefile:6", "make lint"),
        Pointer("file", "docker/Makefile:1", "make -C docker build"),
        Pointer("file", "pyproject.toml:5", "churn-train = churn.train:main"),
        Pointer("file", "pyproject.toml:6", "churn-eval = churn.eval:main"),
        Pointer("file", "README.md:4", "pip install -r requirements.txt"),
        Pointer("file", "README.md:5", "python -m churn.train --config cfg.yaml"),
        Pointer("file", "README.md:14", "make test"),
        Pointer("file", "docs/usage.md:2", "dvc repro"),
        Pointer("file", "docs/usage.md:3", "worktrial check"),
    ]


# --------------------------------------------------------------------------- data and size


def test_data_files_large_files_and_lfs(tmp_path: Path) -> None:
    lfs = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n"
    )
    big = b"x" * LARGE_FILE_BYTES
    code = code_of(
        tmp_path,
        {
            "data/train.csv": "a,b\n1,2\n",
            "data/raw.parquet": b"PAR1\x00\x00PAR1",
            "data/schema.json": '{"a": "int"}',
            "data/dump.json": "[" + "1," * 600_000 + "1]",
            "data/big.csv": lfs,
            "models/model.pkl": b"\x80\x04K\x01.",
            "weights.bin": big,
            "archive.tar.gz": b"\x1f\x8b\x08\x00",
            "src/app.py": "x = 1\n",
        },
    )
    assert code.data_files == [
        "archive.tar.gz",
        "data/dump.json",
        "data/raw.parquet",
        "data/train.csv",
        "models/model.pkl",
    ]
    assert code.large_files == [("weights.bin", LARGE_FILE_BYTES)]
    assert code.notes == [
        "1 data file stored with Git LFS (pointers only, not counted as committed data)"
    ]
    assert [s.path for s in code.skipped] == ["weights.bin"]


def test_symlinks_are_skipped_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.py"
    outside.write_text("TOKEN = 'do-not-read-me'\n", encoding="utf-8")
    code = code_of(
        tmp_path,
        {
            "evil.py": Symlink("/etc/passwd"),
            "leak.py": Symlink("../secret.py"),
            "ok.py": "import os\n",
        },
    )
    assert code.python_files == ["ok.py"]
    assert sorted(s.path for s in code.skipped) == ["evil.py", "leak.py"]
    assert "do-not-read-me" not in repr(code)
    assert "root:" not in repr(code)


def test_python_beyond_the_parsing_budget_is_left_to_ruff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_module, "MAX_AST_TOTAL_CHARS", 30)
    code = code_of(
        tmp_path,
        {"a.py": "import os\nSEED = 1\n", "b.py": "import sys\nSEED = 2\n", "c.py": "SEED = 3\n"},
    )
    assert [p.ref for p in code.seeds] == ["a.py:2"]
    assert code.lint_findings == 2
    assert code.notes == [
        "more than 30 characters of Python: imports, seeds and complexity were not measured for "
        "the last 2 files (from b.py)"
    ]


# --------------------------------------------------------------------------- reach


def reach_of(code: Code) -> list[tuple[str, str, str]]:
    """``(kind, what, ref)`` of every line that reaches past the job folder, in order."""
    return [(r.kind, r.what, r.pointer.ref) for r in code.reach]


HOSTILE_TRAIN = dedent(
    '''
    """Train. Reads data/train.csv."""
    import os
    import socket
    import subprocess
    import urllib.request

    import requests

    pid = 1
    frame = pd.read_csv("data/train.csv")
    for up in ("..", "../.."):
        open(f"{up}/hidden/holdout_labels.csv")
    open(f"/proc/{pid}/root/srv")
    sock = socket.socket()
    sock.connect(("127.0.0.1", 5432))
    socket.getaddrinfo("pypi.org", 443)
    urllib.request.urlopen("https://example.com/extra.csv")
    requests.get("https://example.com")
    subprocess.run(["python", "-m", "pip", "install", "xgboost"], check=True)
    os.system("curl -sO https://example.com/more.csv")
    url = os.environ["DATABASE_URL"]
    labels = os.getenv("WORKTRIAL_HIDDEN_LABELS")
    '''
)


def test_reach_records_names_escapes_secrets_and_network_calls(tmp_path: Path) -> None:
    code = code_of(tmp_path, {"src/train.py": HOSTILE_TRAIN})
    assert reach_of(code) == [
        # a docstring's sentence ends with a full stop that is not part of the name
        ("path", "data/train.csv", "src/train.py:1"),
        ("path", "data/train.csv", "src/train.py:10"),
        # an f-string is read whole, its values as {}
        ("path", "{}/hidden/holdout_labels.csv", "src/train.py:12"),
        ("host", "/proc/{}/root", "src/train.py:13"),
        ("network", "sock.connect", "src/train.py:15"),
        ("network", "socket.getaddrinfo", "src/train.py:16"),
        ("network", "urllib.request.urlopen", "src/train.py:17"),
        ("path", "https://example.com/extra.csv", "src/train.py:17"),
        ("network", "requests.get", "src/train.py:18"),
        ("install", "python -m pip install xgboost", "src/train.py:19"),
        ("network", "curl -sO https://example.com/more.csv", "src/train.py:20"),
        ("path", "https://example.com/more.csv", "src/train.py:20"),
        ("environment", "DATABASE_URL", "src/train.py:21"),
        ("environment", "WORKTRIAL_HIDDEN_LABELS", "src/train.py:22"),
    ]
    # the note is the line, for the reviewer
    assert code.reach[2].pointer.note == 'open(f"{up}/hidden/holdout_labels.csv")'


def test_reach_leaves_ordinary_code_alone(tmp_path: Path) -> None:
    ordinary = dedent(
        '''
        """Check the connection between features: network depth, socket count, /proc usage."""
        import os
        import sqlite3

        seed = int(os.environ.get("SEED", "0"))
        jobs = os.getenv("N_JOBS")
        os.environ["PYTHONHASHSEED"] = "0"
        with open("/proc/self/status") as fh:
            rss = fh.read()
        db = sqlite3.connect("cache/features")
        session.get(url)
        client.connect(address)
        subprocess.run(["python", "-m", "src.train"], check=True)
        os.system("make report")
        '''
    )
    code = code_of(tmp_path, {"src/util.py": ordinary})
    assert reach_of(code) == []


def test_reach_in_notebooks_and_commands_by_string(tmp_path: Path) -> None:
    nb = notebook(
        ("markdown", "We never open ../hidden/holdout_labels.csv."),
        ("code", "!pip install lightgbm\nimport urllib.request\n"),
        ("code", 'urllib.request.urlretrieve(URL, "data/extra.csv")\n'),
    )
    code = code_of(
        tmp_path,
        {
            "explore.ipynb": nb,
            "src/setup_env.py": 'import os\nos.system("pip install -r requirements.txt")\n',
            "src/pipit.py": 'import pip\npip.main(["install", "catboost"])\n',
        },
    )
    # the markdown cell and the shell escape (IPython's, not Python) are not code
    assert reach_of(code) == [
        ("install", "pip install catboost", "src/pipit.py:2"),
        ("install", "pip install -r requirements.txt", "src/setup_env.py:2"),
        ("network", "urllib.request.urlretrieve", "explore.ipynb"),
        ("path", "data/extra.csv", "explore.ipynb"),
    ]
    assert code.reach[2].pointer.note == (
        'cell 3, line 1: urllib.request.urlretrieve(URL, "data/extra.csv")'
    )


def test_reach_is_capped_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_module, "MAX_REACH", 2)
    names = "".join(f'f{i} = "data/part-{i}.csv"\n' for i in range(4))
    code = code_of(tmp_path, {"a.py": names + "import socket\nsocket.getaddrinfo('x', 1)\n"})
    # file names cannot push the rarer kinds out of the list
    assert reach_of(code) == [
        ("path", "data/part-0.csv", "a.py:1"),
        ("path", "data/part-1.csv", "a.py:2"),
        ("network", "socket.getaddrinfo", "a.py:6"),
    ]
    assert code.notes == ["found 4 string literals naming data files; keeping the first 2"]
