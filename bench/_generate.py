"""Deterministic generator of a large, ML-shaped git repository for the benchmarks.

The whole history is written as ONE ``git fast-import`` stream (a few seconds for 5,000
commits), repacked the way ``git gc`` would, then checked out. The result is cached under
``bench/out/`` keyed by the parameters and the generator version, so later runs reuse it.

What the repository looks like: a Python package (about 220 modules that all parse, each
kept to a few hundred lines, some 43,000 lines in all) with data, feature, model, training and
evaluation modules, tests, docs, notebooks, CSV data, YAML configs, a few binary model files,
and the candidate's ``.worktrial/`` logs. Commits touch one to six files each with realistic
messages, dates advance 20 minutes to 6 hours at a time, a few percent of the commits come
from a second author or a dependency bot, and every 150 commits a three-commit side branch is
merged back with a merge commit.

Run it directly to build (or find) the repository and print its path::

    python bench/_generate.py [--commits 5000] [--files 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 6
MAX_UNITS = 60  # statements/functions per file before the generator trims it
OUT_DIR = Path(__file__).resolve().parent / "out"
START_EPOCH = 1_735_722_000  # 2025-01-01 09:00 UTC
MAIN = ("Maya Chen", "maya.chen@example.com")
SECOND = ("Tom Okafor", "tom.okafor@example.com")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
MERGE_EVERY = 150
SIDE_COMMITS = 3

_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "LC_ALL": "C",
}

_WORDS = (
    "churn", "recall", "precision", "threshold", "feature", "income", "tenure", "contract",
    "region", "balance", "score", "split", "fold", "seed", "impute", "scale", "encode",
    "sample", "weight", "drift", "batch", "window", "lag", "mean", "median", "ratio", "target",
    "label", "holdout", "calibrate", "boost", "forest", "tree", "depth", "rate", "epoch",
    "loss", "metric",
)  # fmt: skip


def _git(cwd: Path, *args: str, input: bytes | None = None, timeout: float = 600) -> bytes:
    proc = subprocess.run(
        ["git", "-c", "gc.auto=0", *args],
        cwd=cwd,
        env=_ENV,
        input=input,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"git {args[0]} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


@dataclass(eq=False)
class _File:
    path: str
    kind: str  # data_code, model, train, eval, util, test, doc, notebook, csv, config, binary, log
    lines: list[str] = field(default_factory=list)
    blob: bytes = b""


def _plan_files(n: int, rng: random.Random) -> list[_File]:
    """``n`` paths in the proportions of a typical ML project."""
    shares = [
        ("data_code", 0.14),
        ("model", 0.16),
        ("train", 0.08),
        ("eval", 0.08),
        ("util", 0.14),
        ("test", 0.14),
        ("doc", 0.07),
        ("notebook", 0.05),
        ("csv", 0.04),
        ("config", 0.05),
        ("binary", 0.02),
    ]
    files: list[_File] = [
        _File("README.md", "doc"),
        _File(".worktrial/experiments.jsonl", "log"),
        _File(".worktrial/updates.jsonl", "log"),
        _File("requirements.txt", "config"),
    ]
    templates = {
        "data_code": "src/churn/data/{w}_loader_{i}.py",
        "model": "src/churn/models/{w}_model_{i}.py",
        "train": "src/churn/training/train_{w}_{i}.py",
        "eval": "src/churn/evaluation/evaluate_{w}_{i}.py",
        "util": "src/churn/utils/{w}_{i}.py",
        "test": "tests/test_{w}_{i}.py",
        "doc": "docs/{w}_{i}.md",
        "notebook": "notebooks/{i:02d}_{w}.ipynb",
        "csv": "data/processed/{w}_{i}.csv",
        "config": "configs/{w}_{i}.yaml",
        "binary": "models/{w}_{i}.pkl",
    }
    remaining = n - len(files)
    counts = [max(1, round(share * remaining)) for _, share in shares]
    counts[4] += remaining - sum(counts)  # utilities absorb the rounding
    for (kind, _), count in zip(shares, counts, strict=True):
        for i in range(count):
            w = rng.choice(_WORDS)
            files.append(_File(templates[kind].format(w=w, i=i), kind))
    return files


def _code_line(rng: random.Random, kind: str) -> str:
    """One unit of a file: for Python, a whole statement or function, so every file parses."""
    a, b = rng.choice(_WORDS), rng.choice(_WORDS)
    k = rng.randrange(1000)
    if kind == "test":
        return (
            f"def test_{a}_{b}_{k}() -> None:\n    x = {a}_{b}_{k % 7}({k})\n    assert x >= 0\n\n"
        )
    if kind in ("doc",):
        return f"The {a} {b} changed by {k / 10:.1f} points after the {rng.choice(_WORDS)} fix.\n"
    if kind == "notebook":
        return f"{a}_{k} = df[{b!r}].mean()\n"
    if kind == "csv":
        return f"{k},{rng.random():.4f},{rng.choice(_WORDS)},{rng.randrange(2)}\n"
    if kind == "config":
        return f"{a}_{b}: {k}\n"
    if kind == "log":
        return (
            f'{{"id": "exp-{k:03d}", "metrics": {{"recall": {rng.random():.3f}}}, '
            f'"change": "{a} {b}"}}\n'
        )
    return rng.choice(
        [
            (
                f"def {a}_{b}_{k}(df, {b}=None):\n"
                f"    {a} = df[{b!r}].fillna({k})\n"
                f"    if {b} is not None and {a}.mean() > {k / 1000:.3f}:\n"
                f"        model.fit(X_{a}, y_{b})  # {a} {b}\n"
                f"    return {a} * {k / 100:.2f}\n\n"
            ),
            f"import {a}_{b}\n",
            f"{a.upper()}_{k} = {rng.random():.5f}\n",
            "\n",
        ]
    )


def _edit(f: _File, rng: random.Random) -> None:
    """Change a file the way a person does: insert a block, rewrite a few lines, drop some."""
    if f.kind == "binary":
        f.blob = bytes(rng.randrange(256) for _ in range(rng.randrange(200, 2000)))
        return
    n = len(f.lines)
    if f.kind == "log":
        f.lines.extend(_code_line(rng, f.kind) for _ in range(rng.randint(1, 2)))
        return
    if n == 0:
        f.lines = [_code_line(rng, f.kind) for _ in range(rng.randint(20, 80))]
        return
    pos = rng.randrange(n + 1)
    f.lines[pos:pos] = [_code_line(rng, f.kind) for _ in range(rng.randint(1, 25))]
    for _ in range(rng.randint(0, 4)):
        f.lines[rng.randrange(len(f.lines))] = _code_line(rng, f.kind)
    # files stay the size of real modules (a few hundred lines at most): people split big ones
    if len(f.lines) > MAX_UNITS or rng.random() < 0.3:
        start = rng.randrange(len(f.lines))
        del f.lines[start : start + rng.randint(1, 30)]


def _content(f: _File) -> bytes:
    if f.kind == "binary":
        return f.blob
    if f.kind == "notebook":  # a valid nbformat 4 notebook, one line of JSON per source line
        cells = [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Exploration\n"]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": f.lines,
            },
        ]
        doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        return (json.dumps(doc, indent=1) + "\n").encode()
    return "".join(f.lines).encode()


_MESSAGES = {
    "data_code": [
        "Clean {w} column",
        "Load {w} data in chunks",
        "Impute missing {w}",
        "Add {w} feature",
        "Fix {w} preprocessing",
    ],
    "model": [
        "Try {w} model",
        "Tune {w} depth",
        "Add {w} classifier",
        "Calibrate {w} probabilities",
    ],
    "train": ["Train with {w} weighting", "Retrain on the full {w} split", "Add early stopping"],
    "eval": [
        "Evaluate {w} recall at the precision floor",
        "Add {w} metric",
        "Report {w} per segment",
    ],
    "util": ["Refactor {w} helpers", "Rename {w} utilities", "Add {w} helper"],
    "test": ["Add tests for {w}", "Test {w} edge cases", "Fix flaky {w} test"],
    "doc": ["Document {w} decision", "Update README with {w} results", "Write up {w} trade-off"],
    "notebook": ["Explore {w} in notebook", "Plot {w} distribution"],
    "csv": ["Regenerate processed {w} data", "Add {w} sample"],
    "config": ["Tune {w} in config", "Pin {w} settings"],
    "binary": ["Save {w} model", "Update {w} model artifact"],
    "log": ["Log experiment on {w}", "Progress update: {w}"],
}


def _message(f: _File, rng: random.Random) -> str:
    subject = rng.choice(_MESSAGES[f.kind]).format(w=rng.choice(_WORDS))
    if rng.random() < 0.35:
        body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 40)))
        return f"{subject}\n\n{body}\n"
    return subject + "\n"


class _Stream:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0

    def data(self, payload: bytes) -> None:
        self.parts.append(b"data %d\n" % len(payload))
        self.parts.append(payload)
        self.parts.append(b"\n")

    def commit(
        self,
        ref: str,
        who: tuple[str, str],
        when: int,
        message: str,
        ops: list[tuple[str, bytes | None]],
        *,
        parent: int | None,
        merge: int | None = None,
    ) -> int:
        self.mark += 1
        ident = f"{who[0]} <{who[1]}> {when} +0000"
        self.parts.append(
            f"commit {ref}\nmark :{self.mark}\nauthor {ident}\ncommitter {ident}\n".encode()
        )
        self.data(message.encode())
        if parent is not None:
            self.parts.append(f"from :{parent}\n".encode())
        if merge is not None:
            self.parts.append(f"merge :{merge}\n".encode())
        for path, payload in ops:
            if payload is None:
                self.parts.append(f"D {path}\n".encode())
            else:
                self.parts.append(f"M 100644 inline {path}\n".encode())
                self.data(payload)
        self.parts.append(b"\n")
        return self.mark


def _build_stream(commits: int, n_files: int, seed: int) -> bytes:
    rng = random.Random(seed)
    files = _plan_files(n_files, rng)
    by_kind: dict[str, list[_File]] = {}
    for f in files:
        by_kind.setdefault(f.kind, []).append(f)
    present: list[_File] = []
    absent = files[:]
    rng.shuffle(absent)
    # README and logs first, then the skeleton: the first commit adds a quarter of the files.
    absent.sort(key=lambda f: f.kind not in ("doc", "log", "config"))
    s = _Stream()
    when = START_EPOCH
    tip: int | None = None

    def touch(chosen: list[_File]) -> list[tuple[str, bytes | None]]:
        ops: list[tuple[str, bytes | None]] = []
        for f in chosen:
            _edit(f, rng)
            ops.append((f.path, _content(f)))
        return ops

    first = [absent.pop(0) for _ in range(max(1, n_files // 4))]
    present.extend(first)
    tip = s.commit(
        "refs/heads/main", MAIN, when, "Initial project layout\n", touch(first), parent=None
    )
    made = 1
    # The other files appear at an even pace over the first 40 % of the history.
    add_every = max(1, int(0.4 * commits) // max(1, len(absent)))
    deleted: list[_File] = []
    while made < commits:
        when += rng.randint(20 * 60, 6 * 3600)
        if made % MERGE_EVERY == 0 and commits - made > SIDE_COMMITS + 2:
            # A side branch that touches its own files, merged back after one main commit.
            side_files = rng.sample(present, 3)
            side_tip = tip
            for _ in range(SIDE_COMMITS):
                f = rng.choice(side_files)
                side_tip = s.commit(
                    "refs/heads/experiment",
                    MAIN,
                    when,
                    _message(f, rng),
                    touch([f]),
                    parent=side_tip,
                )
                when += rng.randint(600, 3600)
                made += 1
            others = [f for f in present if f not in side_files]
            f = rng.choice(others)
            tip = s.commit(
                "refs/heads/main", SECOND, when, _message(f, rng), touch([f]), parent=tip
            )
            when += 600
            merged: list[tuple[str, bytes | None]] = [(g.path, _content(g)) for g in side_files]
            tip = s.commit(
                "refs/heads/main",
                MAIN,
                when,
                "Merge branch 'experiment'\n",
                merged,
                parent=tip,
                merge=side_tip,
            )
            made += 2
            continue
        roll = rng.random()
        if roll < 0.02:
            req = by_kind["config"][0] if by_kind["config"][0] in present else present[0]
            tip = s.commit(
                "refs/heads/main",
                BOT,
                when,
                "Bump scikit-learn from 1.4.2 to 1.5.0\n",
                touch([req]),
                parent=tip,
            )
        elif roll < 0.03 and len(present) > 50:
            gone = rng.choice([f for f in present if f.kind not in ("log",)])
            present.remove(gone)
            deleted.append(gone)
            gone.lines = []
            tip = s.commit(
                "refs/heads/main",
                MAIN,
                when,
                f"Remove unused {gone.path}\n",
                [(gone.path, None)],
                parent=tip,
            )
        else:
            chosen: list[_File] = []
            if absent and made % add_every == 0:
                new = absent.pop()
                present.append(new)
                chosen.append(new)
            elif deleted and rng.random() < 0.01:
                back = deleted.pop()
                present.append(back)
                chosen.append(back)
            k = rng.choices([1, 2, 3, 4, 6], weights=[40, 25, 15, 12, 8])[0]
            chosen.extend(rng.sample(present, min(k, len(present))))
            chosen = list(dict.fromkeys(chosen, None))  # unique, in order
            if rng.random() < 0.05:
                chosen.append(by_kind["log"][0])
            who = SECOND if rng.random() < 0.08 else MAIN
            tip = s.commit(
                "refs/heads/main",
                who,
                when,
                _message(chosen[0], rng),
                touch(list(dict.fromkeys(chosen))),
                parent=tip,
            )
        made += 1
    s.parts.append(b"done\n")
    return b"".join(s.parts)


def repo_path(commits: int = 5000, files: int = 300, seed: int = 1) -> Path:
    """Where the repository for these parameters is cached."""
    return OUT_DIR / f"repo-c{commits}-f{files}-s{seed}-v{GENERATOR_VERSION}"


def generate(commits: int = 5000, files: int = 300, seed: int = 1, *, quiet: bool = False) -> Path:
    """Build (or reuse) the benchmark repository and return its path."""
    dest = repo_path(commits, files, seed)
    if (dest / ".git" / "worktrial-bench-complete").exists():
        return dest
    t0 = time.perf_counter()
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _git(tmp, "init", "-q", "--template=", "-b", "main")
    stream = _build_stream(commits, files, seed)
    _git(tmp, "fast-import", "--quiet", "--done", input=stream)
    # fast-import writes a quick, loosely deltified pack; a cloned or garbage-collected
    # repository has a properly deltified one (git gc's default window and depth), which is
    # what evaluations meet in practice.
    _git(tmp, "repack", "-a", "-d", "-f", "-q", "--window=10", "--depth=50")
    _git(tmp, "checkout", "-q", "-f", "main")
    (tmp / ".git" / "worktrial-bench-complete").write_text("ok\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    if not quiet:
        print(
            f"generated {dest.name}: {commits} commits, {files} files, "
            f"{len(stream) / 1e6:.0f} MB stream, {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.commits, args.files, args.seed))


if __name__ == "__main__":
    main()
