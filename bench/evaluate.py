"""End-to-end evaluation benchmark: `worktrial evaluate` (no sandbox) against bare `git log`.

On the generated 5,000-commit / 300-file repository (see ``bench/_generate.py``) it measures the
median wall time of:

(a) the whole ``worktrial evaluate REPO --format json --out FILE`` command in a fresh process
    (interpreter start-up, imports, every collector, the rubric, the scorecard written to disk)
    — what a user waits for;
(b) bare ``git log --numstat HEAD`` of the same history written to /dev/null: the floor any
    history-mining tool pays.

The two run in turn, round after round, so that load from elsewhere on the machine falls on
both alike. It prints the medians (and minimums), whether (a) meets the 3 s target, and the
ratio (a) / (b) (aim: at most 3x).

    python bench/evaluate.py [--commits 5000] [--files 300] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _generate import generate
from history import bare_git

TARGET_S = 3.0
WORKTRIAL = [sys.executable, "-m", "worktrial"]


def evaluate(path: Path, out: Path) -> None:
    subprocess.run(
        [*WORKTRIAL, "evaluate", str(path), "--format", "json", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=600,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    path = generate(args.commits, args.files, args.seed)
    print(f"evaluate benchmark on {path.name} ({args.commits} commits, {args.files} files)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scorecard.json"
        evaluate(path, out)  # warm the page cache and byte-code once, for both alike
        ours: list[float] = []
        git: list[float] = []
        for i in range(args.runs):
            t0 = time.perf_counter()
            evaluate(path, out)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            bare_git(path)
            git.append(time.perf_counter() - t0)
            print(f"  run {i + 1}/{args.runs}: evaluate {ours[-1]:.2f} s, git log {git[-1]:.2f} s")
        size = out.stat().st_size

    t_ours, t_git = statistics.median(ours), statistics.median(git)
    print()
    print(f"worktrial evaluate (whole command)  median {t_ours:.2f} s  (min {min(ours):.2f} s)")
    print(f"bare git log --numstat              median {t_git:.2f} s  (min {min(git):.2f} s)")
    print(f"scorecard written: {size / 1024:,.0f} KB")
    verdict = "meets" if t_ours < TARGET_S else "MISSES"
    print(f"evaluate median {t_ours:.2f} s {verdict} the {TARGET_S:.0f} s target")
    print(
        f"evaluate / bare git: {t_ours / t_git:.2f}x "
        f"(medians; {min(ours) / min(git):.2f}x on minimums; aim: at most 3x)"
    )


if __name__ == "__main__":
    main()
