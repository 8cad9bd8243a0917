"""History mining benchmark: worktrial's collect_history against PyDriller and bare git.

On the generated 5,000-commit / 300-file repository (see ``bench/_generate.py``) it measures
the median wall time of:

(a) ``collect_history(Repo(path))``: opening the repository, one ``git log`` call, parsing,
    classifying every commit;
(b) PyDriller: ``Repository(path).traverse_commits()`` reading, for every commit, the hash,
    author, author and committer dates, message, and each modified file's added and deleted
    lines (the same information (a) extracts);
(c) bare ``git log --numstat`` of the same history written to /dev/null: the floor.

The contenders run in turn, round after round, so that load from other work on the machine
falls on all of them alike. It prints the medians (and minimums) and the ratios PyDriller /
ours (target: at least 20x) and ours / bare git, and checks that (a) and (b) agree on the
commits and line counts (exit status 1 when they do not). PyDriller takes about 40 s on this
repository, so it runs once by default (``--pydriller-runs``).

    python bench/history.py [--commits 5000] [--files 300] [--runs 7] [--pydriller-runs 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _generate import _ENV, generate

from worktrial.evidence.history import collect_history
from worktrial.repo import Repo

LineCounts = dict[str, tuple[int, int]]  # sha -> (added, deleted) summed over files


def ours(path: Path) -> LineCounts:
    history = collect_history(Repo(path))
    return {
        c.sha: (sum(f.added for f in c.files), sum(f.deleted for f in c.files))
        for c in history.commits
    }


class SelfTimed(NamedTuple):
    """A result together with the time its producer measured itself."""

    result: object
    seconds: float


def pydriller(path: Path) -> SelfTimed:
    """PyDriller in a child process: its large object graphs and git helper processes must not
    slow down the contenders that run after it in this process. The child times itself, so
    interpreter start-up is not counted against it."""
    proc = subprocess.run(
        [sys.executable, __file__, "--pydriller-child", str(path)],
        capture_output=True,
        check=True,
        timeout=3600,
    )
    report = json.loads(proc.stdout)
    counts: LineCounts = {sha: (a, d) for sha, (a, d) in report["counts"].items()}
    return SelfTimed(counts, float(report["seconds"]))


def pydriller_traverse(path: Path) -> LineCounts:
    from pydriller import Repository

    out: LineCounts = {}
    for commit in Repository(str(path)).traverse_commits():
        # Read what collect_history reads, so both do the same work.
        _ = (commit.author.name, commit.author.email, commit.author_date)
        _ = (commit.committer_date, commit.msg, commit.parents)
        added = deleted = 0
        for f in commit.modified_files:
            _ = f.new_path or f.old_path
            added += f.added_lines
            deleted += f.deleted_lines
        out[commit.hash] = (added, deleted)
    return out


def bare_git(path: Path) -> None:
    subprocess.run(
        ["git", "log", "--numstat", "HEAD"],
        cwd=path,
        env=_ENV,
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=600,
    )


def timed(
    contenders: dict[str, tuple[Callable[[Path], object], int]], path: Path
) -> dict[str, tuple[list[float], object]]:
    """Run the contenders in turn, round after round (each for its own number of runs), so
    that load from elsewhere on the machine falls on all of them alike. Returns each one's
    times (seconds) and its last result."""
    out: dict[str, tuple[list[float], object]] = {name: ([], None) for name in contenders}
    rounds = max(n for _, n in contenders.values())
    for i in range(rounds):
        for name, (fn, n) in contenders.items():
            if i >= n:
                continue
            t0 = time.perf_counter()
            result = fn(path)
            elapsed = time.perf_counter() - t0
            if isinstance(result, SelfTimed):
                elapsed = result.seconds
                result = result.result
            times, _ = out[name]
            times.append(elapsed)
            out[name] = (times, result)
            print(f"  {name} run {i + 1}/{n}: {elapsed * 1000:,.0f} ms", flush=True)
    return out


def line(label: str, times: list[float]) -> str:
    med, best = statistics.median(times), min(times)
    return (
        f"{label:<28} median of {len(times)}: {med * 1000:9,.0f} ms   (min {best * 1000:,.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7, help="runs of ours and of bare git")
    parser.add_argument("--pydriller-runs", type=int, default=1)
    parser.add_argument("--skip-pydriller", action="store_true")
    parser.add_argument("--pydriller-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pydriller_child:
        t0 = time.perf_counter()
        counts = pydriller_traverse(args.pydriller_child)
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds, "counts": counts}))
        return

    path = generate(args.commits, args.files, args.seed)
    print(f"history benchmark on {path.name} ({args.commits} commits, {args.files} files)")
    ours(path)  # warm the OS page cache once, for every contender alike
    contenders: dict[str, tuple[Callable[[Path], object], int]] = {
        "worktrial": (ours, args.runs),
        "bare git": (bare_git, args.runs),
    }
    if not args.skip_pydriller:
        contenders["pydriller"] = (pydriller, args.pydriller_runs)
    res = timed(contenders, path)
    (ours_times, r_ours), (git_times, _) = res["worktrial"], res["bare git"]
    t_ours, t_git = statistics.median(ours_times), statistics.median(git_times)
    print()
    print(line("worktrial collect_history", ours_times))
    print(line("bare git log --numstat", git_times))
    if not args.skip_pydriller:
        print(line("PyDriller traverse_commits", res["pydriller"][0]))
    print()
    print(
        f"ours / bare git: {t_ours / t_git:.2f}x "
        f"(medians; {min(ours_times) / min(git_times):.2f}x on minimums)"
    )
    if args.skip_pydriller:
        return
    pyd_times, r_pyd = res["pydriller"]
    t_pyd = statistics.median(pyd_times)
    print(
        f"PyDriller / ours: {t_pyd / t_ours:.1f}x (medians; "
        f"{min(pyd_times) / min(ours_times):.1f}x on minimums; target: at least 20x)"
    )
    assert isinstance(r_ours, dict) and isinstance(r_pyd, dict)
    differ = [sha for sha in r_ours if r_ours[sha] != r_pyd.get(sha)]
    same_set = set(r_ours) == set(r_pyd)
    lines = sum(a + d for a, d in r_ours.values())
    if same_set and not differ:
        print(f"check: both read the same {len(r_ours):,} commits and {lines:,} changed lines")
    else:
        print(
            f"check: MISMATCH: same commits={same_set}, {len(differ)} commits with other line "
            f"counts (first: {differ[:3]})"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
