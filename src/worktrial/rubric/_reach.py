"""Attempts to reach the hidden holdout or the network, found in the run and in the code.

The sandbox already makes both impossible (no network namespace; the hidden labels are never
mounted); this module finds the *attempts*, for the ``holdout_access`` and ``network_attempt``
red flags, each with a pointer a reviewer can open:

- **the run**: lines the candidate's code printed in a sandboxed step
  (:attr:`RunMeasurements.logs`) that show the sandbox refusing a connection or a name lookup,
  or refusing to open one of the trial's hidden files or a process's root, working folder or
  environment under ``/proc``. The pointer is the step (``run`` kind, the step's name) with
  the line as its note. A line must show a *refused attempt*, not a word: "connection" in a
  test name is nothing, ``[Errno 111] Connection refused`` is one; the source line pytest
  shows above a failure names a file, the ``FileNotFoundError`` below it is the attempt.
- **the code** at the submitted commit (:attr:`Code.reach`): a string literal naming a hidden
  file, a ``/proc`` escape, a secret environment variable read anywhere; a network call or a
  package install in a module the trial's train or predict command runs (a notebook that
  downloads the public data is not on that path). The pointer is the file and line.

The trial's starter kit is the company's code: files only its commits touched are left out.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from worktrial.evidence._types import Code, CodeReach, Pointer
from worktrial.evidence.code import module_name
from worktrial.rubric._facts import Facts
from worktrial.rubric._types import Context, RunMeasurements

EXCERPT_CHARS = 200
"""A log line longer than this is cut around what matched."""

# What Python, pip, urllib3, requests, curl and git print when a connection or a name lookup
# fails for lack of a network. Case matters: a test named test_connection_refused is not one.
REFUSED_NETWORK = re.compile(
    r"Network is unreachable|No route to host|Connection refused|ConnectionRefusedError"
    r"|Temporary failure in name resolution|Name or service not known"
    r"|No address associated with hostname|nodename nor servname provided|getaddrinfo failed"
    r"|Could not resolve host|unable to resolve host address|NameResolutionError"
    r"|Failed to establish a new connection|Max retries exceeded with url|<urlopen error"
    r"|Could not fetch URL|Cannot assign requested address|couldn't connect to 'https?://"
    # ENETUNREACH, ECONNREFUSED, EHOSTUNREACH, EADDRNOTAVAIL; EAI_NONAME, EAI_AGAIN, EAI_NODATA
    r"|\[Errno (?:101|111|113|99|-2|-3|-5)\]"
)
# What a refused open of a file looks like (the export step's words for a link out included).
REFUSED_OPEN = re.compile(
    r"No such file or directory|FileNotFoundError|Permission denied|PermissionError"
    r"|Read-only file system|Not a directory|ENOENT|EACCES|EPERM|EROFS"
    r"|\[Errno (?:2|13|20|30)\]|points outside the tree"
)
# Another root, working folder, environment or mount table: the machine around the process.
HOST_PATH = re.compile(r"/proc/[^/\s'\"]*/(?:root|cwd|environ|mountinfo|mounts)(?![\w])")

_DURING = {
    "export": "the copy of the commit",
    "tests": "the tests",
    "train": "training",
    "predict": "prediction",
    "latency": "the latency measurement",
    "rerun": "the rerun",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One attempt: where it was seen (a step name, or a file and line), what was seen, and
    the pointer a reviewer opens."""

    where: str
    what: str
    pointer: Pointer


@dataclass(frozen=True, slots=True)
class Attempts:
    """Every attempt the run and the code show, by kind."""

    run_network: tuple[Finding, ...] = ()
    run_holdout: tuple[Finding, ...] = ()
    code_names: tuple[Finding, ...] = ()  # a literal names a hidden file
    code_host: tuple[Finding, ...] = ()  # /proc escapes
    code_environment: tuple[Finding, ...] = ()  # secret environment variables
    code_network: tuple[Finding, ...] = ()  # network calls on the train or predict path
    code_install: tuple[Finding, ...] = ()  # package installs on that path


# --------------------------------------------------------------------------- hidden files


def hidden_file_pattern(ctx: Context) -> re.Pattern[str] | None:
    """A pattern for the trial's hidden files as a path names them, or ``None`` without any.

    A hidden file is named by its bundle path (``hidden/holdout_labels.csv``, also at the end
    of a longer path or a guess like ``../hidden/holdout_labels.csv``) or, when no public file
    has the same name and it is not the holdout's *features* (which the predict command is
    given, under another name), by its name alone (``holdout_labels.csv``).
    """
    if ctx.spec is None:
        return None
    files = ctx.spec.data.files
    public = {posixpath.basename(f.path) for f in files if not f.hidden}
    names: set[str] = set()
    for f in files:
        if not f.hidden:
            continue
        path = posixpath.normpath(f.path.replace("\\", "/")).lstrip("/")
        names.add(path)
        base = posixpath.basename(path)
        if f.role != "holdout_features" and base not in public:
            names.add(base)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.\-])(?:{alternatives})(?![\w.\-])")


# --------------------------------------------------------------------------- the run


def _excerpt(line: str, start: int) -> str:
    """``line`` stripped, or a window of it around ``start`` when it is long."""
    text = line.strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    at = max(0, start - (len(line) - len(line.lstrip())) - 60)
    piece = text[at : at + EXCERPT_CHARS - 2]
    return ("…" if at > 0 else "") + piece + ("…" if at + len(piece) < len(text) else "")


def during(step: str) -> str:
    """``training`` for the train step: when in the run an attempt was seen."""
    return _DURING.get(step, f"the {step} step")


def _scan_run(
    run: RunMeasurements, hidden: re.Pattern[str] | None
) -> tuple[list[Finding], list[Finding]]:
    network: list[Finding] = []
    holdout: list[Finding] = []
    for step, text in run.logs.items():
        if not text:
            continue
        wants_net = REFUSED_NETWORK.search(text) is not None
        wants_open = "/proc/" in text or (hidden is not None and hidden.search(text) is not None)
        if not (wants_net or wants_open):
            continue
        net_hit: Finding | None = None
        open_hit: Finding | None = None
        # the first line of each kind per step: the pointer opens the step's whole log
        for line in text.splitlines():
            if wants_net and net_hit is None:
                m = REFUSED_NETWORK.search(line)
                if m is not None:
                    net_hit = _run_finding(step, line, m.start())
            if wants_open and open_hit is None and REFUSED_OPEN.search(line) is not None:
                m = HOST_PATH.search(line)
                if m is None and hidden is not None:
                    m = hidden.search(line)
                if m is not None:
                    open_hit = _run_finding(step, line, m.start())
            if (net_hit or not wants_net) and (open_hit or not wants_open):
                break
        if net_hit is not None:
            network.append(net_hit)
        if open_hit is not None:
            holdout.append(open_hit)
    return network, holdout


def _run_finding(step: str, line: str, start: int) -> Finding:
    shown = _excerpt(line, start)
    return Finding(step, shown, Pointer("run", step, shown))


# --------------------------------------------------------------------------- the code


def _commands(ctx: Context) -> tuple[list[str], list[str]]:
    """The modules (``-m pkg.mod``, ``module:function``) and scripts (``path.py``) the trial's
    train and predict interface names."""
    if ctx.spec is None:
        return [], []
    interface = ctx.spec.interface
    modules: list[str] = []
    scripts: list[str] = []
    for command in (interface.train, interface.predict):
        if not command:
            continue
        try:
            words = shlex.split(command)
        except ValueError:
            continue
        for i, word in enumerate(words):
            if word == "-m" and i + 1 < len(words):
                modules.append(words[i + 1])
            elif word.endswith(".py"):
                scripts.append(posixpath.normpath(word))
    function = interface.predict_function
    if function:
        modules.append(function.split(":", 1)[0])
    return modules, scripts


def run_path(ctx: Context) -> set[str]:
    """The Python files the trial's train and predict commands run: the modules and scripts
    they name, their packages, and everything those import inside the repository. Empty
    without a spec, or when the commands name no Python module (``make train``)."""
    code: Code = ctx.evidence.code
    modules, scripts = _commands(ctx)
    if not modules and not scripts:
        return set()
    files = set(code.python_files)
    by_module: dict[str, list[str]] = {}
    for p in code.python_files:
        by_module.setdefault(module_name(p), []).append(p)
    start: set[str] = set()
    for m in modules:
        parts = m.split(".")
        for n in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            base = "/".join(parts[:n])
            for candidate in (f"{base}.py", f"{base}/__init__.py"):
                if candidate in files:
                    start.add(module_name(candidate))
    start.update(module_name(s) for s in scripts if s in files)
    seen: set[str] = set()
    todo = list(start)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo.extend(code.imports.get(m, ()))
    return {p for m in seen for p in by_module.get(m, ())}


def _file_of(p: Pointer) -> str:
    path, sep, line = p.ref.rpartition(":")
    return path if sep and line.isdigit() else p.ref


def where_in_code(p: Pointer) -> str:
    """``src/x.py:12``, or ``nb.ipynb (cell 3, line 2)`` for a notebook cell."""
    if p.ref == _file_of(p) and p.note.startswith("cell "):
        return f"{p.ref} ({p.note.split(':', 1)[0]})"
    return p.ref


def _scan_code(ctx: Context, f: Facts, hidden: re.Pattern[str] | None) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {
        "names": [],
        "host": [],
        "environment": [],
        "network": [],
        "install": [],
    }
    reach: list[CodeReach] = ctx.evidence.code.reach
    if not reach:
        return found
    path_files: set[str] | None = None
    for r in reach:
        file = _file_of(r.pointer)
        if file in f.starter_only:
            continue
        if r.kind == "path":
            if hidden is None or hidden.search(r.what) is None:
                continue
            key = "names"
        elif r.kind in ("host", "environment"):
            key = r.kind
        else:
            if path_files is None:
                path_files = run_path(ctx)
            if file not in path_files:
                continue
            key = r.kind
        found[key].append(Finding(where_in_code(r.pointer), r.what, r.pointer))
    return found


def attempts(ctx: Context, f: Facts) -> Attempts:
    """Every attempt to reach the hidden holdout or the network that the run and the code
    show (see the module docstring)."""
    hidden = hidden_file_pattern(ctx)
    run_net: list[Finding] = []
    run_open: list[Finding] = []
    if ctx.run is not None:
        run_net, run_open = _scan_run(ctx.run, hidden)
    code = _scan_code(ctx, f, hidden)
    return Attempts(
        run_network=tuple(run_net),
        run_holdout=tuple(run_open),
        code_names=tuple(code["names"]),
        code_host=tuple(code["host"]),
        code_environment=tuple(code["environment"]),
        code_network=tuple(code["network"]),
        code_install=tuple(code["install"]),
    )


def listed(findings: Iterable[Finding], limit: int = 3) -> str:
    """``a at src/x.py:1, b at src/y.py:2 (and 4 more)``."""
    items = list(findings)
    shown = ", ".join(f"{x.what} at {x.where}" for x in items[:limit])
    more = len(items) - limit
    return shown + (f" (and {more} more)" if more > 0 else "")
