"""The code collector: how the candidate's code is built, read from one commit.

:func:`collect_code` looks at the committed files of a :class:`~worktrial.repo.Snapshot` and
fills a :class:`~worktrial.evidence.Code`: modules versus notebooks, tests, the project-internal
import graph (is data processing apart from modelling?), dependency pinning and lock files, seeds,
ruff findings, cyclomatic complexity, documented commands, committed data and large files, and
the lines that reach outside the job folder (data file names, ``/proc`` escapes, secret
environment variables, network calls, run-time installs) for the rubric's red flags.

Candidate repositories are hostile input: nothing here raises on bad content. A file that cannot
be read or parsed is skipped and the reason goes to ``Code.notes``. Nothing from the repository
is executed; ruff runs once, on copies written to a private temporary folder.
"""

from __future__ import annotations

import ast
import configparser
import gc
import importlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from worktrial.evidence._types import Code, CodeReach, Pointer, ReachKind
from worktrial.repo._snapshot import LARGE_FILE_BYTES, Snapshot

__all__ = [
    "COMPLEX_FUNCTION_THRESHOLD",
    "LINT_RULES",
    "collect_code",
    "cyclomatic_complexity",
    "module_name",
]

# ruff's default rule set (pyflakes and the pycodestyle error classes) plus bugbear, pylint's
# errors, invalid escape sequences and NumPy deprecations: findings that point at bugs and dead
# code, not at taste. Complexity is measured separately (see cyclomatic_complexity).
LINT_RULES: tuple[str, ...] = ("E4", "E7", "E9", "F", "B", "W6", "PLE", "NPY")
# Legacy ``np.random.seed`` is still a seed; the rubric should not count it against anyone.
LINT_IGNORED: tuple[str, ...] = ("NPY002",)
RUFF_TIMEOUT_S = 60.0
# Newest syntax ruff should accept, so modern code is not reported as a syntax error.
RUFF_TARGET_VERSION = "py313"
COMPLEX_FUNCTION_THRESHOLD = 10  # McCabe's own advice: split functions above 10
MAX_LINT_EXAMPLES = 10
MAX_POINTERS = 100  # per list (seeds, commands, complex functions); the notes say when cut
BIG_JSON_BYTES = 1024 * 1024  # a JSON file this large is data, not configuration
LFS_POINTER_MAX_BYTES = 1024
MAX_SEPARATE_NOTES = 3  # more files with the same problem share one note
# Python sources beyond these are data dumps or minified code, not analysed with ast.
MAX_AST_CHARS = 500_000
MAX_AST_LINE_CHARS = 10_000
# Python parsed per repository (about 250,000 lines); a committed copy of a library beyond it is
# left to ruff alone rather than slowing every evaluation down.
MAX_AST_TOTAL_CHARS = 10_000_000
MAX_REACH = 1000  # lines that reach outside the job folder, per repository; a note says when cut
MAX_REACH_LITERAL = 2000  # longer string literals are prose or data, not a path or a command


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Folders that hold other people's code or tool caches, never the candidate's work.
_VENDORED_DIRS = _words(
    ".venv venv site-packages node_modules __pycache__ .ipynb_checkpoints .tox .nox "
    ".mypy_cache .pytest_cache .ruff_cache .eggs"
)

_DATA_EXTENSIONS = _words(
    ".csv .tsv .parquet .feather .arrow .npy .npz .h5 .hdf5 .pkl .pickle .joblib .zip .gz "
    ".tar .xlsx .xls .sqlite .sqlite3"
)
_JSON_DATA_EXTENSIONS = frozenset({".json", ".jsonl", ".ndjson"})

_LOCK_NAMES = _words(
    "poetry.lock uv.lock Pipfile.lock pdm.lock pixi.lock conda-lock.yml conda-lock.yaml"
)
_MAKEFILE_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile"})


# --------------------------------------------------------------------------- public helpers


def module_name(path: str) -> str:
    """The dotted module name of a ``.py`` path, aware of the ``src/`` layout.

    ``src/pkg/data.py`` → ``pkg.data``; ``pkg/__init__.py`` → ``pkg``; ``scripts/train.py`` →
    ``scripts.train``.
    """
    parts = path[: -len(".py")].split("/") if path.endswith(".py") else path.split("/")
    if "src" in parts[:-1]:
        parts = parts[parts.index("src") + 1 :]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def cyclomatic_complexity(source: str) -> dict[str, int]:
    """McCabe complexity of every function in ``source``, keyed by qualified name.

    Raises:
        SyntaxError: ``source`` is not valid Python (callers that read candidate files catch it).
    """
    facts = _analyse(ast.parse(source))
    return {name: cx for name, _line, cx in facts.functions}


# --------------------------------------------------------------------------- the collector


def collect_code(snapshot: Snapshot) -> Code:
    """Collect code evidence from the committed files of ``snapshot``.

    Never raises on repository content: unreadable, binary, oversized or unparseable files are
    skipped and explained in ``Code.notes`` (size-capped files and symlinks in ``Code.skipped``).

    Args:
        snapshot: the files of the evaluated commit.

    Returns:
        A filled :class:`~worktrial.evidence.Code`.
    """
    code = Code(skipped=list(snapshot.skipped))
    paths, vendored = _split_vendored(snapshot.paths())
    if vendored:
        code.notes.append(
            f"ignored {len(vendored)} file{_s(len(vendored))} in virtual environments, caches "
            "and notebook checkpoints (not the candidate's code)"
        )

    py_paths = [p for p in paths if p.endswith(".py")]
    nb_paths = [p for p in paths if p.endswith(".ipynb")]
    dep_paths = [p for p in paths if _is_dependency_file(p)]
    make_paths = [p for p in paths if posixpath.basename(p) in _MAKEFILE_NAMES]
    md_paths = [p for p in paths if p.lower().endswith((".md", ".markdown"))]
    pyproject_paths = [p for p in paths if posixpath.basename(p) == "pyproject.toml"]
    small_data = [
        p
        for p in paths
        if _extension(p) in _DATA_EXTENSIONS | _JSON_DATA_EXTENSIONS
        and snapshot.size(p) <= LFS_POINTER_MAX_BYTES
    ]
    # One batched read for everything below; later text() calls hit the cache.
    snapshot.prefetch([*py_paths, *nb_paths, *dep_paths, *make_paths, *md_paths, *small_data])

    units = _python_units(snapshot, py_paths, code)
    units += _notebook_units(snapshot, nb_paths, code)
    lint = _LintJob(units)
    try:
        _analyse_units(units, code)
        _dependencies(snapshot, dep_paths, code)
        _documented_commands(snapshot, make_paths, pyproject_paths, md_paths, code)
        _data_and_large_files(snapshot, paths, small_data, code)
        lint.finish(code)
    finally:
        lint.close()
    return code


# --------------------------------------------------------------------------- files


def _split_vendored(paths: list[str]) -> tuple[list[str], list[str]]:
    venv_roots = tuple(
        posixpath.dirname(p) + "/" for p in paths if posixpath.basename(p) == "pyvenv.cfg"
    )
    keep: list[str] = []
    skip: list[str] = []
    for p in paths:
        parts = p.split("/")
        if any(d in _VENDORED_DIRS for d in parts[:-1]) or (
            venv_roots and p.startswith(venv_roots)
        ):
            skip.append(p)
        else:
            keep.append(p)
    return keep, skip


def _extension(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _is_test_file(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(d in ("tests", "test") for d in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _code_lines(text: str) -> int:
    """Lines that are neither blank nor only a comment."""
    n = 0
    for line in text.splitlines():
        s = line.lstrip()
        if s and s[0] != "#":
            n += 1
    return n


@dataclass(slots=True)
class _Unit:
    """A piece of Python source: a whole ``.py`` file, or one notebook code cell."""

    path: str
    source: str  # exactly what the candidate wrote
    cell: int | None = None  # 1-based cell number for notebooks
    parse_source: str | None = None  # the source given to ast (magics neutralised), if different

    def pointer(self, line: int, note: str) -> Pointer:
        if self.cell is None:
            return Pointer("file", f"{self.path}:{line}", note)
        return Pointer("file", self.path, f"cell {self.cell}, line {line}: {note}")


def _python_units(snapshot: Snapshot, py_paths: list[str], code: Code) -> list[_Unit]:
    units: list[_Unit] = []
    for p in py_paths:
        code.python_files.append(p)
        if _is_test_file(p):
            code.test_files.append(p)
        if not snapshot.readable(p):
            continue  # already in snapshot.skipped with its reason
        text = snapshot.text(p)
        if text is None:
            code.notes.append(f"{p}: binary content (NUL bytes) in a .py file; not analysed")
            continue
        code.module_lines += _code_lines(text)
        units.append(_Unit(p, text))
    return units


# ``%matplotlib inline``, ``!pip install x``, ``files = !ls``, ``df.head?``
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!?]|\w+\s*=\s*[%!]|[\w.]+\?{1,2}\s*$)")
# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})


def _neutralise_magics(source: str) -> str | None:
    """Notebook cell source as plain Python (IPython magics and shell escapes become ``pass``).

    ``None`` when the whole cell is another language (``%%bash``, ``%%html``...).
    """
    lines = source.splitlines()
    changed = False
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return None
        lines[0] = "pass"
        changed = True
    for i, line in enumerate(lines):
        m = _MAGIC_LINE.match(line)
        if m is not None:
            lines[i] = m.group(1) + "pass"
            changed = True
    return "\n".join(lines) if changed else source


def _notebook_units(snapshot: Snapshot, nb_paths: list[str], code: Code) -> list[_Unit]:
    units: list[_Unit] = []
    broken: list[tuple[str, str]] = []
    for p in nb_paths:
        code.notebooks.append(p)
        if not snapshot.readable(p):
            continue  # already in snapshot.skipped with its reason
        text = snapshot.text(p)
        cells = _notebook_cells(text) if text is not None else "binary content, not JSON"
        if isinstance(cells, str):
            code.broken_notebooks.append(p)
            broken.append((p, cells))
            continue
        for number, kind, source in cells:
            if kind != "code" or not source.strip():
                continue
            code.notebook_lines += _code_lines(source)
            parse_source = _neutralise_magics(source)
            if parse_source is None:
                continue
            units.append(
                _Unit(
                    p,
                    source,
                    cell=number,
                    parse_source=parse_source if parse_source != source else None,
                )
            )
    code.notes += _grouped(broken, "broken notebook", "notebooks are broken", "not analysed")
    return units


def _notebook_cells(text: str) -> list[tuple[int, str, str]] | str:
    """``(cell number, cell type, source)`` for each cell, or why the file is not a notebook."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        return f"not valid JSON: {err.msg} at line {err.lineno}"
    except RecursionError:
        return "not valid JSON: nested too deeply"
    if not isinstance(nb, dict):
        return "not a notebook: the JSON is not an object"
    raw_cells = nb.get("cells")
    source_key = "source"
    if raw_cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        raw_cells = [
            c
            for ws in nb["worksheets"]
            if isinstance(ws, dict) and isinstance(ws.get("cells"), list)
            for c in ws["cells"]
        ]
        source_key = "input"
    if not isinstance(raw_cells, list):
        return 'not a notebook: no "cells" list'
    cells: list[tuple[int, str, str]] = []
    for number, cell in enumerate(raw_cells, 1):
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        src = cell.get(source_key, cell.get("source", ""))
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if isinstance(kind, str) and isinstance(src, str):
            cells.append((number, kind, src))
    return cells


# --------------------------------------------------------------------------- ast analysis

# Call names that load or clean data (the last attribute or name of the called expression).
_DATA_CALLS = _words(
    "read_csv read_parquet read_excel read_json read_feather read_sql read_sql_query "
    "read_table read_pickle read_hdf read_orc read_fwf loadtxt genfromtxt fillna dropna "
    "drop_duplicates interpolate get_dummies SimpleImputer KNNImputer IterativeImputer "
    "load_dataset fetch_openml"
)
_DATA_DEF = re.compile(
    r"^_*(load|read|clean|impute|preprocess|prepare|prep_|split|engineer|encode|transform|"
    r"make_dataset|build_dataset|get_data|fetch|ingest|validate_data)|feature|dataset",
    re.IGNORECASE,
)
# ``load_config`` or ``load_model`` is not data processing.
_NOT_DATA = re.compile(r"config|model|checkpoint|weights|state|settings|yaml|env|params", re.I)
_DATA_BASES = frozenset({"Dataset", "IterableDataset", "TransformerMixin", "LightningDataModule"})

_MODEL_CALLS = _words(
    "fit predict predict_proba predict_log_proba decision_function cross_val_score "
    "cross_validate cross_val_predict GridSearchCV RandomizedSearchCV Sequential Trainer "
    "SVC SVR LinearSVC LinearSVR KMeans"
)
_MODEL_CONSTRUCTOR = re.compile(
    r"(Classifier|Regressor|Regression|Booster)$|^(XGB|LGBM|CatBoost)", re.ASCII
)
_MODEL_TRAIN_RECEIVERS = frozenset({"xgb", "xgboost", "lgb", "lightgbm", "trainer", "catboost"})
_MODEL_IMPORTS = tuple(
    _words(
        "sklearn.ensemble sklearn.linear_model sklearn.tree sklearn.svm sklearn.neighbors "
        "sklearn.naive_bayes sklearn.neural_network sklearn.discriminant_analysis "
        "sklearn.gaussian_process xgboost lightgbm catboost torch.nn torch.optim tensorflow "
        "keras lightning pytorch_lightning statsmodels"
    )
)
_MODEL_DEF = re.compile(
    r"^_*(train|fit|evaluate|eval_|predict|tune|cross_val|score_model)|model", re.IGNORECASE
)
_MODEL_BASES = frozenset(
    {"Module", "LightningModule", "Model", "ClassifierMixin", "RegressorMixin"}
)
# ``imputer.fit(X)`` is data preparation, not modelling.
_PREPROCESSOR_NAME = re.compile(
    r"imput|scal|encod|vectori|transformer|preprocess|normali|pca|tokeni", re.IGNORECASE
)

_SEED_CALLS = frozenset(
    {"seed", "manual_seed", "manual_seed_all", "set_seed", "set_random_seed", "seed_everything"}
)
_SEED_RECEIVERS = frozenset({"", "random", "np", "numpy", "rng"})
_SEEDED_GENERATORS = frozenset({"default_rng", "RandomState", "PRNGKey", "Random"})
_SEED_KEYWORDS = frozenset({"random_state", "seed", "random_seed", "rng_seed"})
_SEED_NAME = re.compile(r"^(random_)?seed$|^random_state$|_seed$", re.IGNORECASE)

_DECISIONS: dict[type[ast.AST], int] = {
    ast.If: 1,
    ast.For: 1,
    ast.AsyncFor: 1,
    ast.While: 1,
    ast.ExceptHandler: 1,
    ast.IfExp: 1,
    ast.match_case: 1,
}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)

# Fields that never hold a node worth visiting: names, operators, load/store contexts, import
# aliases (read at the Import node). Skipping them walks about 4× faster than iter_child_nodes.
_LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "module", "level", "kind", "type_comment",
     "is_async", "conversion", "tag", "simple", "name", "names", "kwd_attrs", "rest"}
)  # fmt: skip
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(t: type[ast.AST]) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(t)
    if fields is None:
        leaf = t is ast.Constant or t is ast.MatchSingleton
        fields = () if leaf else tuple(f for f in t._fields if f not in _LEAF_FIELDS)
        _CHILD_FIELDS[t] = fields
    return fields


@dataclass(slots=True)
class _Facts:
    """What one parse of one unit showed."""

    imports: list[tuple[str | None, tuple[str, ...], int]] = field(default_factory=list)
    data: set[str] = field(default_factory=set)
    model: set[str] = field(default_factory=set)
    seeds: list[int] = field(default_factory=list)
    functions: list[tuple[str, int, int]] = field(default_factory=list)
    # kind, what, (line, column): sorted by place, since the walk visits a line's nodes backwards
    reach: list[tuple[ReachKind, str, tuple[int, int]]] = field(default_factory=list)


def _terminal(node: ast.expr) -> str:
    """``np.random.seed`` → ``seed``; ``fit`` → ``fit``; anything else → ``""``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _receiver(node: ast.expr) -> str:
    """The name just before the last attribute: ``np.random.seed`` → ``random``."""
    if isinstance(node, ast.Attribute):
        return _terminal(node.value) if not isinstance(node.value, ast.Call) else ""
    return ""


def _is_int(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def _seeded_value(node: ast.expr) -> bool:
    """An int literal, or a name that looks like a seed constant (``SEED``, ``RANDOM_STATE``)."""
    if _is_int(node):
        return True
    name = _terminal(node)
    return bool(name) and _SEED_NAME.search(name) is not None


def _visit_call(node: ast.Call, facts: _Facts) -> None:
    name = _terminal(node.func)
    if not name:
        return
    _visit_reach_call(node, name, facts)
    if name in _DATA_CALLS or (
        name.startswith(("load_", "fetch_", "read_")) and _NOT_DATA.search(name) is None
    ):
        facts.data.add(name)
    if name in _MODEL_CALLS or _MODEL_CONSTRUCTOR.search(name):
        if name == "fit" and _PREPROCESSOR_NAME.search(_receiver(node.func) or ""):
            facts.data.add("fit a preprocessor")
        else:
            facts.model.add(name)
    elif name == "train" and _receiver(node.func).lower() in _MODEL_TRAIN_RECEIVERS:
        facts.model.add("train")
    if name in _SEED_CALLS:
        # random.seed() without an argument seeds from the clock: not a seed.
        arg = node.args[0] if node.args else None
        seeded = arg is not None and not (isinstance(arg, ast.Constant) and arg.value is None)
        # ``seed`` is too common a method name to trust on any object.
        if seeded and (name != "seed" or _receiver(node.func) in _SEED_RECEIVERS):
            facts.seeds.append(node.lineno)
            return
    if name in _SEEDED_GENERATORS and node.args and _seeded_value(node.args[0]):
        facts.seeds.append(node.lineno)
        return
    for kw in node.keywords:
        if kw.arg in _SEED_KEYWORDS and _seeded_value(kw.value):
            facts.seeds.append(node.lineno)
            return


def _visit_assign(
    targets: Iterable[ast.expr], value: ast.expr | None, line: int, f: _Facts
) -> None:
    if value is None:
        return
    for t in targets:
        if isinstance(t, ast.Name) and _SEED_NAME.search(t.id) and _is_int(value):
            f.seeds.append(line)
            return
        if (
            isinstance(t, ast.Subscript)
            and isinstance(t.slice, ast.Constant)
            and t.slice.value == "PYTHONHASHSEED"
        ):
            f.seeds.append(line)
            return


def _visit_def(node: ast.FunctionDef | ast.AsyncFunctionDef, facts: _Facts) -> None:
    if node.name.startswith("test"):
        return
    if _MODEL_DEF.search(node.name):
        facts.model.add(f"def {node.name}")
    elif _DATA_DEF.search(node.name) and _NOT_DATA.search(node.name) is None:
        facts.data.add(f"def {node.name}")


def _visit_class(node: ast.ClassDef, facts: _Facts) -> None:
    for base in node.bases:
        name = _terminal(base)
        if name in _DATA_BASES:
            facts.data.add(f"class {node.name}({name})")
        elif name in _MODEL_BASES:
            facts.model.add(f"class {node.name}({name})")


def _visit_import(node: ast.Import | ast.ImportFrom, facts: _Facts) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            facts.imports.append((alias.name, (), 0))
            if alias.name.startswith(_MODEL_IMPORTS):
                facts.model.add(f"import {alias.name}")
        return
    facts.imports.append((node.module, tuple(a.name for a in node.names), node.level))
    if node.level == 0 and node.module:
        full = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        if any(m.startswith(_MODEL_IMPORTS) for m in full):
            facts.model.add(f"from {node.module} import")


# --------------------------------------------------------------------------- reach

# A data file's name inside a string literal: the rubric compares these with the trial's hidden
# files. Found by its extension first (one linear scan), then cut out of the literal at the
# nearest quote, space or bracket.
_DATA_SUFFIX = re.compile(
    r"\.(?:csv|tsv|parquet|feather|arrow|npy|npz|h5|hdf5|pkl|pickle|joblib|zip|gz|tar|xlsx|xls"
    r"|sqlite3?|json|jsonl|ndjson)(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
_TOKEN_BREAK = re.compile(r"[\s'\"`,;()<>\[\]=|]+")
# The machine around the process: another root, another working folder, the environment or
# the mount table (``/proc/self/status``, read to measure memory, is not among them).
_HOST_PATH = re.compile(r"/proc/[^/\s'\"]*/(?:root|cwd|environ|mountinfo|mounts)(?![\w])")
# Environment variables that hold secrets or the platform's own settings.
_SECRET_ENV = re.compile(
    r"HOLDOUT|HIDDEN|WORKTRIAL|SECRET|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL|BROKER_URL",
    re.IGNORECASE,
)
# Calls that reach the network whatever object they are called on...
_NETWORK_FUNCS = frozenset(
    {"create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
     "urlopen", "urlretrieve", "HTTPConnection", "HTTPSConnection"}
)  # fmt: skip
# ...and calls that do on an HTTP client module (``requests.get``, ``httpx.Client``).
_HTTP_MODULES = frozenset({"requests", "httpx", "urllib3", "aiohttp"})
_HTTP_CALLS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
     "Session", "Client", "AsyncClient", "PoolManager", "ClientSession"}
)  # fmt: skip
# ``sock.connect(("10.0.0.1", 5432))``: a socket call given a (host, port) address literally.
_SOCKET_CALLS = {"connect": 0, "connect_ex": 0, "sendto": 1}
_SHELL_CALLS = frozenset(
    {"system", "popen", "run", "call", "check_call", "check_output", "Popen", "getoutput",
     "getstatusoutput"}
)  # fmt: skip
_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba", "uv", "apt-get", "apt"})
_DOWNLOADERS = frozenset({"curl", "wget"})


def _visit_text(text: str, node: ast.expr, facts: _Facts) -> None:
    """Data file names and ``/proc`` escapes in one string literal (an f-string's values as
    ``{}``)."""
    if len(text) > MAX_REACH_LITERAL:
        return
    if "/proc/" in text:
        for m in _HOST_PATH.finditer(text):
            facts.reach.append(("host", m.group(0), (node.lineno, node.col_offset)))
    if "." in text and _DATA_SUFFIX.search(text) is not None:
        for token in _TOKEN_BREAK.split(text):
            token = token.rstrip(".,:;!?")  # the end of a sentence in prose
            if _DATA_SUFFIX.search(token) is not None:
                facts.reach.append(("path", token, (node.lineno, node.col_offset)))


def _dotted(node: ast.expr) -> str:
    """``urllib.request.urlopen`` for that call's function; the last name for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute) and len(parts) < 4:
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _string_args(node: ast.Call) -> list[str]:
    """The first argument's string constants: a command line, or the items of an argv list."""
    if not node.args:
        return []
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.split()
    if isinstance(first, ast.List | ast.Tuple):
        return [
            e.value for e in first.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _command_reach(words: list[str]) -> tuple[ReachKind, str] | None:
    """What a shell command does past the job folder: installs packages or downloads."""
    if not words:
        return None
    names = {posixpath.basename(w) for w in words}
    shown = " ".join(words)
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    if "install" in names and names & _INSTALLERS:
        return "install", shown
    if names & _DOWNLOADERS or ("git" in names and "clone" in names):
        return "network", shown
    return None


def _environment_name(node: ast.expr | None) -> str | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _SECRET_ENV.search(node.value) is not None
    ):
        return node.value
    return None


def _visit_reach_call(node: ast.Call, name: str, facts: _Facts) -> None:
    receiver = _receiver(node.func)
    at = (node.lineno, node.col_offset)
    if name in _NETWORK_FUNCS or (receiver in _HTTP_MODULES and name in _HTTP_CALLS):
        facts.reach.append(("network", _dotted(node.func), at))
    elif name in _SOCKET_CALLS:
        i = _SOCKET_CALLS[name]
        if len(node.args) > i and isinstance(node.args[i], ast.Tuple):
            facts.reach.append(("network", _dotted(node.func), at))
    elif name in _SHELL_CALLS or (name == "main" and receiver == "pip"):
        words = _string_args(node)
        if name == "main" and words:
            words = ["pip", *words]
        found = _command_reach(words)
        if found is not None:
            facts.reach.append((found[0], found[1], at))
    elif (name == "getenv" and receiver in ("os", "")) or (name == "get" and receiver == "environ"):
        env = _environment_name(node.args[0] if node.args else None)
        if env is not None:
            facts.reach.append(("environment", env, at))


def _visit_subscript(node: ast.Subscript, facts: _Facts) -> None:
    """``os.environ["DATABASE_URL"]``."""
    if _terminal(node.value) == "environ":
        env = _environment_name(node.slice)
        if env is not None:
            facts.reach.append(("environment", env, (node.lineno, node.col_offset)))


def _analyse(tree: ast.Module) -> _Facts:
    """One pass over a module: imports, data/model markers, seeds and function complexity.

    Each function's complexity counts only its own body; nested functions and classes are
    measured on their own, as McCabe does. Methods do not mark a module as data or modelling
    by their names (``fit``/``transform`` are the scikit-learn API); their class bases do.
    """
    facts = _Facts()
    names: list[str] = []
    lines: list[int] = []
    totals: list[int] = []
    # (nodes to visit, index of the enclosing function or -1, qualified-name prefix, class body?)
    scopes: list[tuple[list[ast.AST | None], int, str, bool]] = [(list(tree.body), -1, "", False)]
    decisions = _DECISIONS
    child_fields = _CHILD_FIELDS
    while scopes:
        stack, fn, prefix, in_class = scopes.pop()
        cx = 0
        while stack:
            node = stack.pop()
            if node is None:  # optional slots inside lists (dict ** keys, kw_defaults)
                continue
            t = type(node)
            if t is ast.Constant:  # the commonest node: a leaf, no decision
                value = node.value  # type: ignore[attr-defined]
                if type(value) is str:
                    _visit_text(value, node, facts)  # type: ignore[arg-type]
                continue
            if t is ast.JoinedStr:
                assert isinstance(node, ast.JoinedStr)
                parts = node.values
                _visit_text(
                    "".join(
                        p.value if type(p) is ast.Constant and type(p.value) is str else "{}"
                        for p in parts
                    ),
                    node,
                    facts,
                )
                # its constant pieces were read as one text above; the values are expressions
                stack.extend(p for p in parts if type(p) is not ast.Constant)
                continue
            if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
                assert isinstance(node, _FUNCTIONS)
                qual = prefix + node.name
                names.append(qual)
                lines.append(node.lineno)
                totals.append(1)
                if not in_class:
                    _visit_def(node, facts)
                scopes.append((list(node.body), len(totals) - 1, qual + ".", False))
                # Decorators and defaults run in the enclosing scope.
                stack.extend(node.decorator_list)
                stack.extend(node.args.defaults)
                stack.extend(d for d in node.args.kw_defaults if d is not None)
                continue
            if t is ast.ClassDef:
                assert isinstance(node, ast.ClassDef)
                _visit_class(node, facts)
                scopes.append((list(node.body), fn, f"{prefix}{node.name}.", True))
                stack.extend(node.decorator_list)
                stack.extend(node.bases)
                continue
            if t is ast.Call:
                assert isinstance(node, ast.Call)
                _visit_call(node, facts)
            elif t is ast.BoolOp:
                assert isinstance(node, ast.BoolOp)
                cx += len(node.values) - 1
            elif t is ast.comprehension:
                assert isinstance(node, ast.comprehension)
                cx += len(node.ifs)
            elif t is ast.Assign:
                assert isinstance(node, ast.Assign)
                _visit_assign(node.targets, node.value, node.lineno, facts)
            elif t is ast.AnnAssign:
                assert isinstance(node, ast.AnnAssign)
                _visit_assign((node.target,), node.value, node.lineno, facts)
            elif t is ast.Import or t is ast.ImportFrom:
                assert isinstance(node, ast.Import | ast.ImportFrom)
                _visit_import(node, facts)
            elif t is ast.Subscript:
                assert isinstance(node, ast.Subscript)
                _visit_subscript(node, facts)
            else:
                cx += decisions.get(t, 0)
            fields = child_fields.get(t)
            for name in _child_fields(t) if fields is None else fields:
                value = getattr(node, name)
                if type(value) is list:
                    stack.extend(value)
                elif value is not None:
                    stack.append(value)
        if fn >= 0:
            totals[fn] += cx
    facts.functions = list(zip(names, lines, totals, strict=True))
    return facts


def _looks_generated(source: str, where: str) -> str | None:
    """Why ``source`` is too big for ``ast`` (a data dump or minified code), or ``None``.

    Parsing is the one step whose cost grows with hostile input: a 2 MB list literal takes
    seconds. ruff still lints such files.
    """
    if len(source) > MAX_AST_CHARS:
        return f"{len(source):,} characters of Python in one {where}"
    longest = max(map(len, source.splitlines()), default=0)
    if longest > MAX_AST_LINE_CHARS:
        return f"a line of {longest:,} characters"
    return None


def _parse(unit: _Unit) -> ast.Module | str:
    """The unit's syntax tree, or why it cannot be parsed."""
    try:
        return ast.parse(unit.parse_source or unit.source)
    except SyntaxError as err:  # also NUL bytes on Python 3.12+ (3.11 raises ValueError)
        return f"line {err.lineno}: {err.msg}" if err.lineno else err.msg
    except ValueError as err:  # e.g. "source code string cannot contain null bytes"
        return str(err)
    except (RecursionError, MemoryError):
        return "nested too deeply to parse"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while syntax trees are built and walked.

    A tree is thousands of young objects that all survive until its walk ends, so the collector
    would scan them over and over (measured: parsing 2.5× slower). Trees hold no reference
    cycles, so reference counting still frees each one as soon as it is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _analyse_units(units: list[_Unit], code: Code) -> None:
    with _gc_paused():
        _analyse_all(units, code)


def _analyse_all(units: list[_Unit], code: Code) -> None:
    module_facts: dict[str, _Facts] = {}  # .py files only: notebooks are not importable
    bad_cells: Counter[str] = Counter()
    complexities: list[int] = []
    complex_fns: list[tuple[int, Pointer]] = []
    seeds: list[Pointer] = []
    reach: list[CodeReach] = []
    reach_seen: set[tuple[str, str, str]] = set()
    budget = MAX_AST_TOTAL_CHARS
    over_budget: list[str] = []
    unparsed: list[tuple[str, str]] = []
    for unit in units:
        budget -= len(unit.source)
        if budget < 0:
            if unit.path not in over_budget:
                over_budget.append(unit.path)
            continue
        generated = _looks_generated(unit.source, "file" if unit.cell is None else "cell")
        if generated:
            code.notes.append(
                f"{unit.path}{f' (cell {unit.cell})' if unit.cell else ''}: {generated}; looks "
                "generated, so imports, seeds and complexity were not measured for it"
            )
            continue
        tree = _parse(unit)
        if isinstance(tree, str):
            if unit.cell is None:
                unparsed.append((unit.path, tree))
            else:
                bad_cells[unit.path] += 1
            continue
        try:
            facts = _analyse(tree)
        except RecursionError:
            code.notes.append(
                f"{unit.path}: nested too deeply to analyse; imports, seeds and complexity not "
                "measured for it"
            )
            continue
        if unit.cell is None:
            module_facts[unit.path] = facts
        lines: list[str] | None = None
        for line in sorted(set(facts.seeds)):
            if lines is None:
                lines = unit.source.splitlines()
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            seeds.append(unit.pointer(line, text[:120]))
        for kind, what, (line, _column) in sorted(facts.reach, key=lambda r: r[2]):
            if lines is None:
                lines = unit.source.splitlines()
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            p = unit.pointer(line, text[:160])
            key = (kind, what, p.ref if unit.cell is None else f"{p.ref}#{p.note}")
            if key not in reach_seen:
                reach_seen.add(key)
                reach.append(CodeReach(kind, what, p))
        for qual, line, cx in facts.functions:
            complexities.append(cx)
            if cx > COMPLEX_FUNCTION_THRESHOLD:
                complex_fns.append((cx, unit.pointer(line, f"{qual}: complexity {cx}")))
    code.notes += _grouped(
        unparsed,
        "cannot be parsed as Python",
        "Python files cannot be parsed",
        "imports, seeds and complexity not measured",
    )
    for path, n in bad_cells.items():
        code.notes.append(f"{path}: {n} code cell{_s(n)} cannot be parsed as Python; not analysed")
    if over_budget:
        code.notes.append(
            f"more than {MAX_AST_TOTAL_CHARS:,} characters of Python: imports, seeds and "
            f"complexity were not measured for the last {len(over_budget)} file"
            f"{_s(len(over_budget))} (from {over_budget[0]})"
        )

    code.seeds = _capped(seeds, "seed", code)
    # data file names are common and the rest rare: cap each on its own, so that a repository
    # full of file names cannot push a network call out of the list
    counts = {True: 0, False: 0}  # data file names, the rest
    kept: list[CodeReach] = []
    for r in reach:
        name = r.kind == "path"
        counts[name] += 1
        if counts[name] <= MAX_REACH:
            kept.append(r)
    for name, what in (
        (True, "string literals naming data files"),
        (False, "lines that reach outside the job folder"),
    ):
        if counts[name] > MAX_REACH:
            code.notes.append(f"found {counts[name]} {what}; keeping the first {MAX_REACH}")
    code.reach = kept
    if complexities:
        code.max_complexity = max(complexities)
        code.mean_complexity = round(sum(complexities) / len(complexities), 2)
    complex_fns.sort(key=lambda item: (-item[0], item[1].ref))
    code.complex_functions = _capped([p for _cx, p in complex_fns], "complex function", code)

    code.imports = _import_graph(code.python_files, module_facts)
    # Tests load data and fit models to check them; that says nothing about the structure.
    product = {module_name(p): f for p, f in module_facts.items() if not _is_test_file(p)}
    code.data_modules = sorted(name for name, f in product.items() if f.data)
    code.model_modules = sorted(name for name, f in product.items() if f.model)


def _grouped(problems: list[tuple[str, str]], one: str, many: str, tail: str) -> list[str]:
    """One note per file (``"<path>: <one> (<why>); <tail>"``), or a single note starting
    ``"<count> <many>"`` with a few examples when many files share the problem."""
    if len(problems) <= MAX_SEPARATE_NOTES:
        return [f"{path}: {one} ({why}); {tail}" for path, why in problems]
    shown = ", ".join(f"{path} ({why})" for path, why in problems[:MAX_SEPARATE_NOTES])
    more = len(problems) - MAX_SEPARATE_NOTES
    return [f"{len(problems)} {many}, e.g. {shown} and {more} more; {tail}"]


def _capped(pointers: list[Pointer], what: str, code: Code) -> list[Pointer]:
    if len(pointers) > MAX_POINTERS:
        code.notes.append(f"found {len(pointers)} {what}s; listing the first {MAX_POINTERS}")
        return pointers[:MAX_POINTERS]
    return pointers


# --------------------------------------------------------------------------- import graph


class _ModuleIndex:
    """Resolves import names to the project's own modules."""

    def __init__(self, paths: list[str]) -> None:
        self.by_path: dict[str, str] = {}  # dotted file path (no src stripping) → module
        self.by_name: dict[str, str] = {}  # canonical dotted name → module
        suffixes: dict[str, set[str]] = {}
        for p in paths:
            canonical = module_name(p)
            full = p[: -len(".py")].split("/")
            if len(full) > 1 and full[-1] == "__init__":
                full = full[:-1]
            self.by_path[".".join(full)] = canonical
            self.by_name[canonical] = canonical
            for k in range(1, len(full)):
                suffixes.setdefault(".".join(full[k:]), set()).add(canonical)
        stdlib = sys.stdlib_module_names
        self.by_suffix = {
            s: next(iter(mods))
            for s, mods in suffixes.items()
            if len(mods) == 1 and s.split(".")[0] not in stdlib
        }

    def exact(self, name: str) -> str | None:
        return self.by_name.get(name) or self.by_path.get(name)

    def resolve(self, name: str, importer_dir: str) -> str | None:
        """The module ``import name`` loads, trying the importing script's folder first."""
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if importer_dir:
                found = self.by_path.get(f"{importer_dir}.{prefix}")
                if found:
                    return found
            found = self.exact(prefix) or self.by_suffix.get(prefix)
            if found:
                return found
        return None


def _import_graph(paths: list[str], facts: dict[str, _Facts]) -> dict[str, set[str]]:
    """Project-internal imports of every parsed module (unparsed ones can still be targets)."""
    index = _ModuleIndex(paths)
    graph: dict[str, set[str]] = {}
    for path in facts:
        me = module_name(path)
        importer_dir = posixpath.dirname(path).replace("/", ".")
        package = me.split(".") if path.endswith("__init__.py") else me.split(".")[:-1]
        targets: set[str] = set()
        for module, names, level in facts[path].imports:
            if level:
                if level - 1 > len(package):
                    continue
                base = package[: len(package) - (level - 1)]
                base_name = ".".join([*base, *(module.split(".") if module else [])])
                for alias in names or ("",):
                    full = f"{base_name}.{alias}" if alias and alias != "*" else base_name
                    found = index.exact(full) or (index.exact(base_name) if base_name else None)
                    if found:
                        targets.add(found)
                continue
            if module is None:
                continue
            if not names:
                found = index.resolve(module, importer_dir)
                if found:
                    targets.add(found)
                continue
            for alias in names:
                target = f"{module}.{alias}" if alias != "*" else module
                found = index.resolve(target, importer_dir)
                if found:
                    targets.add(found)
        targets.discard(me)
        graph[me] = targets
    return graph


# --------------------------------------------------------------------------- dependencies


def _is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path)
    parent = posixpath.basename(posixpath.dirname(path))
    if name in ("pyproject.toml", "setup.cfg", "Pipfile", "environment.yml", "environment.yaml"):
        return True
    if name in _LOCK_NAMES:
        return True
    if re.fullmatch(r"requirements.*\.(txt|in|lock)", name, re.IGNORECASE):
        return True
    return parent == "requirements" and name.endswith((".txt", ".in"))


_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXACT_PIN = re.compile(r"(?<![<>!~=])===?\s*([^\s,;]+)")
_NOT_LIBRARIES = frozenset({"python", "pip"})


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse_requirement(line: str) -> tuple[str, bool] | None:
    """``(normalised name, exactly pinned)`` for one PEP 508 requirement string."""
    s = line.split(" #", 1)[0].strip()
    if not s or s.startswith(("#", "-")):
        return None  # comments and pip options (-r, -c, -e, --index-url, --hash)
    if "://" in s or s.startswith("git+"):
        egg = re.search(r"#egg=([A-Za-z0-9._-]+)", s)
        m = egg or _REQ_NAME.match(s)
        if m is None:
            return None
        pinned = re.search(r"@[0-9a-f]{40}\b", s) is not None or s.split("#")[0].endswith(".whl")
        return _normalise(m.group(1)), pinned
    m = _REQ_NAME.match(s)
    if m is None:
        return None
    rest = s[m.end() :].split(";", 1)[0]
    pin = _EXACT_PIN.search(rest)
    return _normalise(m.group(1)), pin is not None and not pin.group(1).endswith("*")


def _poetry_pinned(spec: object) -> bool:
    if isinstance(spec, dict):
        if "rev" in spec:
            return True
        spec = spec.get("version", "")
    return (
        isinstance(spec, str) and re.fullmatch(r"(==|=)?\s*\d[\w.+!-]*", spec.strip()) is not None
    )


def _conda_requirement(item: str) -> tuple[str, bool] | None:
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", item.split("::")[-1].strip())
    if m is None:
        return None
    spec = m.group(2).strip()
    pinned = (
        spec.startswith("==") or re.fullmatch(r"=\d+(\.\d+){2,}[^*\s]*(=\S+)?", spec) is not None
    )
    return _normalise(m.group(1)), pinned


def _requirements_from(path: str, text: str) -> tuple[list[tuple[str, bool]], bool, str | None]:
    """``(requirements, is a lock file, problem)`` declared by one dependency file.

    A requirements file is also a lock file when pip-compile or uv generated it (a header saying
    so, or ``--hash`` options): every line is then an exact, verified pin.
    """
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _from_pyproject(text)
    if name == "Pipfile":
        return _from_pipfile(text)
    if name == "setup.cfg":
        return _from_setup_cfg(text)
    if name.startswith("environment."):
        return _from_environment_yml(text), False, None
    joined = re.sub(r"\\\r?\n", " ", text)
    reqs = [r for line in joined.splitlines() if (r := _parse_requirement(line)) is not None]
    compiled = "--hash=" in text or re.search(
        r"autogenerated by (pip-compile|uv)|generated by pip-compile", text, re.IGNORECASE
    )
    return reqs, bool(compiled), None


def _from_pyproject(text: str) -> tuple[list[tuple[str, bool]], bool, str | None]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return [], False, f"not valid TOML ({err})"
    reqs: list[tuple[str, bool]] = []
    project = data.get("project")
    deps = project.get("dependencies") if isinstance(project, dict) else None
    if isinstance(deps, list):
        reqs += [r for d in deps if isinstance(d, str) and (r := _parse_requirement(d))]
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    pdeps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(pdeps, dict):
        reqs += [
            (_normalise(k), _poetry_pinned(v))
            for k, v in pdeps.items()
            if _normalise(k) not in _NOT_LIBRARIES
        ]
    return reqs, False, None


def _from_pipfile(text: str) -> tuple[list[tuple[str, bool]], bool, str | None]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return [], False, f"not valid TOML ({err})"
    packages = data.get("packages")
    if not isinstance(packages, dict):
        return [], False, None
    reqs: list[tuple[str, bool]] = []
    for k, v in packages.items():
        spec = v.get("version", "") if isinstance(v, dict) else v
        pinned = isinstance(spec, str) and spec.startswith("==") and not spec.endswith("*")
        reqs.append((_normalise(k), pinned))
    return reqs, False, None


def _from_setup_cfg(text: str) -> tuple[list[tuple[str, bool]], bool, str | None]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as err:
        return [], False, f"not a valid setup.cfg ({err.message.splitlines()[0]})"
    raw = parser.get("options", "install_requires", fallback="")
    reqs = [r for line in raw.splitlines() if (r := _parse_requirement(line)) is not None]
    return reqs, False, None


def _from_environment_yml(text: str) -> list[tuple[str, bool]]:
    """Conda ``dependencies:`` and their nested ``pip:`` list, read line by line (no YAML lib)."""
    reqs: list[tuple[str, bool]] = []
    in_deps = False
    pip_indent: int | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if indent == 0 and not stripped.startswith("-"):
            in_deps = stripped.startswith("dependencies:")
            pip_indent = None
            continue
        if not in_deps or not stripped.startswith("- "):
            continue
        item = stripped[2:].split(" #", 1)[0].strip().strip("'\"")
        if pip_indent is not None and indent <= pip_indent:
            pip_indent = None
        if item.rstrip(":") == "pip" and item.endswith(":"):
            pip_indent = indent
            continue
        parsed = _parse_requirement(item) if pip_indent is not None else _conda_requirement(item)
        if parsed is not None and parsed[0] not in _NOT_LIBRARIES:
            reqs.append(parsed)
    return reqs


def _dependencies(snapshot: Snapshot, dep_paths: list[str], code: Code) -> None:
    pinned: dict[str, bool] = {}
    locks: list[str] = []
    for path in dep_paths:
        name = posixpath.basename(path)
        if name in _LOCK_NAMES or name.lower().endswith(".lock"):
            locks.append(path)  # a lock file need not be read to count
            continue
        text = snapshot.text(path)
        if text is None:
            continue
        reqs, is_lock, problem = _requirements_from(path, text)
        if problem:
            code.notes.append(f"{path}: {problem}; its dependencies were not counted")
            continue
        if not reqs and not is_lock and name in ("pyproject.toml", "setup.cfg"):
            continue  # tool configuration only, no dependency list
        code.dependency_files.append(path)
        if is_lock:
            locks.append(path)
        for req, exact in reqs:
            pinned[req] = pinned.get(req, False) or exact
    if locks:
        code.lock_file = min(locks, key=lambda p: (p.count("/"), p))
    code.total_requirements = len(pinned)
    # A lock file pins every dependency, whatever the declaration says.
    code.pinned_requirements = len(pinned) if locks else sum(pinned.values())


# --------------------------------------------------------------------------- lint


def _ruff_binary() -> str | None:
    try:
        find: Callable[[], str] = importlib.import_module("ruff").find_ruff_bin
        return os.fsdecode(find())
    except (ImportError, AttributeError, FileNotFoundError):
        return shutil.which("ruff")


class _LintJob:
    """ruff running in the background over copies of the readable modules and notebooks.

    ruff is started before the ``ast`` work and collected after it, so the two overlap. The
    copies are named by number in a private temporary folder: no repository path is ever joined
    onto the filesystem.
    """

    def __init__(self, units: list[_Unit]) -> None:
        self.problem: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.originals: dict[str, str] = {}  # copy's file stem → repository path
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        modules = [(u.path, u.source) for u in units if u.cell is None]
        notebooks: dict[str, list[tuple[int, str]]] = {}
        for u in units:
            if u.cell is not None:
                notebooks.setdefault(u.path, []).append((u.cell, u.source))
        if not modules and not notebooks:
            self.problem = "no Python code to lint"
            return
        ruff = _ruff_binary()
        if ruff is None:
            self.problem = "ruff is not installed; lint findings not measured"
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="worktrial-lint-")
        self.base = Path(self._tmp.name).resolve()
        copies = [(p, src, ".py") for p, src in modules]
        copies += [(p, _as_notebook(cells), ".ipynb") for p, cells in notebooks.items()]
        try:
            for i, (path, source, ext) in enumerate(copies):
                (self.base / f"{i}{ext}").write_bytes(source.encode("utf-8", "surrogateescape"))
                self.originals[str(i)] = path
            self.proc = subprocess.Popen(
                _ruff_command(ruff),
                cwd=self.base,
                env={"PATH": os.environ.get("PATH", os.defpath)},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as err:
            self.problem = (
                f"ruff could not be started ({err.strerror or err}); lint findings not measured"
            )
            self.close()

    def finish(self, code: Code) -> None:
        """Wait for ruff and store its findings in ``code`` (or say why there are none)."""
        if self.proc is None:
            code.notes.append(self.problem or "ruff did not run; lint findings not measured")
            return
        try:
            stdout, stderr = self.proc.communicate(timeout=RUFF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            code.notes.append(
                f"ruff did not finish within {RUFF_TIMEOUT_S:.0f} s; lint findings not measured"
            )
            return
        finally:
            self.close()
        if self.proc.returncode != 0:
            lines = stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exit code {self.proc.returncode}"
            code.notes.append(f"ruff failed ({detail}); lint findings not measured")
            return
        findings = _parse_ruff(stdout, self.originals)
        if isinstance(findings, str):
            code.notes.append(findings)
            return
        code.lint_findings = len(findings)
        code.lint_examples = _examples(findings)

    def close(self) -> None:
        """Stop ruff if it still runs and delete the copies (safe to call twice)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _as_notebook(cells: list[tuple[int, str]]) -> str:
    """A minimal notebook whose cell numbers match the original (other cells left empty)."""
    by_number = dict(cells)
    empty: dict[str, object] = {"cell_type": "markdown", "source": "", "metadata": {}}
    out: list[dict[str, object]] = [
        {"cell_type": "code", "source": by_number[n], "metadata": {}, "outputs": [],
         "execution_count": None}
        if n in by_number
        else empty
        for n in range(1, max(by_number) + 1)
    ]  # fmt: skip
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _ruff_command(ruff: str) -> list[str]:
    return [
        ruff,
        "check",
        "--isolated",  # the candidate's ruff configuration must not change what is measured
        "--no-cache",
        "--exit-zero",
        "--output-format",
        "concise",  # one line per finding: far cheaper to parse than JSON with fix edits
        "--target-version",
        RUFF_TARGET_VERSION,
        "--select",
        ",".join(LINT_RULES),
        "--ignore",
        ",".join(LINT_IGNORED),
        ".",
    ]


# (path, cell number or 0 for a module, line, rule, message): plain tuples, because a large
# repository can have ten thousand findings and they are sorted once.
_Finding = tuple[str, int, int, str, str]


def _finding_pointer(finding: _Finding) -> Pointer:
    path, cell, line, rule, message = finding
    note = f"{rule} {message}"[:200]
    if not cell:
        return Pointer("file", f"{path}:{line}", note)
    return Pointer("file", path, f"cell {cell}, line {line}: {note}")


# "file:row:col: CODE [*] message" or, in notebooks, "file:cell N:row:col: CODE message";
# syntax errors read "file:row:col: invalid-syntax: message". The copies' names have no colons.
_RUFF_LINE = re.compile(
    rb"^(?P<file>[^:\n]+):(?:cell (?P<cell>\d+):)?(?P<row>\d+):\d+: "
    rb"(?P<code>[A-Za-z0-9-]+):? (?:\[\*\] )?(?P<msg>.*)$",
    re.MULTILINE,
)


def _parse_ruff(stdout: bytes, originals: dict[str, str]) -> list[_Finding] | str:
    """ruff's concise findings mapped back to repository paths, in file and line order."""
    paths: dict[bytes, str | None] = {}  # ruff's file name → repository path
    findings: list[_Finding] = []
    for m in _RUFF_LINE.finditer(stdout):
        filename = m["file"]
        if filename not in paths:
            name = filename.decode("utf-8", "replace")
            stem = posixpath.splitext(posixpath.basename(name))[0]
            paths[filename] = originals.get(stem)
        path = paths[filename]
        if path is None:
            continue
        findings.append(
            (
                path,
                int(m["cell"]) if m["cell"] else 0,
                int(m["row"]),
                m["code"].decode("ascii", "replace"),
                m["msg"].decode("utf-8", "replace").strip(),
            )
        )
    if (
        not findings
        and stdout.strip()
        and b"All checks passed" not in stdout
        and not re.search(rb"^Found \d+ error", stdout, re.MULTILINE)
    ):
        return "ruff printed something unexpected; lint findings not measured"
    findings.sort()
    return findings


def _examples(findings: list[_Finding]) -> list[Pointer]:
    """Up to ten findings, one per rule first (most frequent rules first), then the rest."""
    first: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for i, f in enumerate(findings):
        counts[f[3]] += 1
        first.setdefault(f[3], i)
    chosen = [first[rule] for rule, _n in counts.most_common(MAX_LINT_EXAMPLES)]
    taken = set(chosen)
    for i in range(len(findings)):
        if len(chosen) >= MAX_LINT_EXAMPLES:
            break
        if i not in taken:
            chosen.append(i)
    return [_finding_pointer(findings[i]) for i in chosen]


# --------------------------------------------------------------------------- commands

_MAKE_TARGET = re.compile(
    r"^([A-Za-z0-9_][A-Za-z0-9_.\-/]*(?:[ \t]+[A-Za-z0-9_][\w.\-/]*)*)[ \t]*:(?![=:])"
)
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+.-]*)")
_SHELL_LANGS = frozenset(
    {"", "sh", "bash", "shell", "console", "zsh", "shell-session", "terminal", "text", "cmd"}
)
_PROMPT = re.compile(r"^(?:\([\w.-]+\)\s*)?[$%>]\s+")
_COMMAND = re.compile(
    r"^(?:(?:python3?|py)(?:\s|$)|make(?:\s|$)|pip3?\s+install|uv\s+(?:run|sync|pip)\b|"
    r"poetry\s+(?:run|install)\b|pipenv\s+(?:run|install)\b|conda\s+(?:env|create|install)\b|"
    r"mamba\s+(?:env|create|install)\b|worktrial(?:\s|$)|pytest(?:\s|$)|dvc\s+(?:repro|pull)\b|"
    r"docker\s+(?:build|run|compose)\b|docker-compose\s|jupyter\s+(?:nbconvert|execute)\b|"
    r"papermill\s|mlflow\s+run\b|(?:ba)?sh\s+\S+\.sh|\./\S+)"
)


def _documented_commands(
    snapshot: Snapshot,
    make_paths: list[str],
    pyproject_paths: list[str],
    md_paths: list[str],
    code: Code,
) -> None:
    found: list[Pointer] = []
    for path in make_paths:
        text = snapshot.text(path)
        if text is None:
            continue
        folder = posixpath.dirname(path)
        make = f"make -C {folder}" if folder else "make"
        for i, line in enumerate(text.splitlines(), 1):
            m = _MAKE_TARGET.match(line)
            if m is None or "=" in line[: m.end()]:
                continue
            for target in m.group(1).split():
                found.append(Pointer("file", f"{path}:{i}", f"{make} {target}"))
    for path in pyproject_paths:
        found += _pyproject_scripts(snapshot, path)
    for path in md_paths:
        text = snapshot.text(path)
        if text is not None:
            found += _fenced_commands(path, text)
    code.documented_commands = _capped(found, "documented command", code)


def _pyproject_scripts(snapshot: Snapshot, path: str) -> list[Pointer]:
    text = snapshot.text(path)
    if text is None:
        return []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []  # the dependency reader already said so
    project = data.get("project")
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    tables = [
        ("project.scripts", project.get("scripts") if isinstance(project, dict) else None),
        ("tool.poetry.scripts", poetry.get("scripts") if isinstance(poetry, dict) else None),
    ]
    lines = text.splitlines()
    found: list[Pointer] = []
    for header, table in tables:
        if not isinstance(table, dict):
            continue
        start = next((i for i, ln in enumerate(lines) if ln.strip() == f"[{header}]"), 0)
        for name, target in table.items():
            key = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=")
            line = next((i + 1 for i in range(start, len(lines)) if key.match(lines[i])), start + 1)
            found.append(Pointer("file", f"{path}:{line}", f"{name} = {target}"))
    return found


def _fenced_commands(path: str, text: str) -> list[Pointer]:
    """Shell commands inside fenced code blocks (a line scan: cheaper than a full parse)."""
    found: list[Pointer] = []
    fence: str | None = None
    lang = ""
    for i, line in enumerate(text.splitlines(), 1):
        if fence is None:
            m = _FENCE.match(line)
            if m is not None:
                fence, lang = m.group(2), m.group(3).lower()
            continue
        stripped = line.strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            fence = None
            continue
        if lang not in _SHELL_LANGS:
            continue
        command = _PROMPT.sub("", stripped)
        if _COMMAND.match(command):
            found.append(Pointer("file", f"{path}:{i}", command[:200]))
    return found


# --------------------------------------------------------------------------- data files


def _data_and_large_files(
    snapshot: Snapshot, paths: list[str], small_data: list[str], code: Code
) -> None:
    lfs = 0
    small = set(small_data)
    for path in paths:
        ext = _extension(path)
        if ext in _JSON_DATA_EXTENSIONS:
            if snapshot.size(path) < BIG_JSON_BYTES:
                continue
        elif ext not in _DATA_EXTENSIONS:
            continue
        if path in small:
            raw = snapshot.raw(path)
            if raw is not None and raw.startswith(b"version https://git-lfs.github.com/spec/"):
                lfs += 1
                continue
        code.data_files.append(path)
    if lfs:
        code.notes.append(
            f"{lfs} data file{_s(lfs)} stored with Git LFS (pointers only, not counted as "
            "committed data)"
        )
    large = [
        (e.path, e.size)
        for e in snapshot.entries.values()
        if e.kind == "file" and e.size >= LARGE_FILE_BYTES
    ]
    code.large_files = sorted(large, key=lambda item: (-item[1], item[0]))
