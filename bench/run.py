"""Run every benchmark in this folder, one after the other: ``python bench/run.py [NAME...]``.

A benchmark is any ``bench/*.py`` whose name does not start with ``_`` (helpers such as the
repository generator) and is not this file. Each runs in its own Python process with the
default parameters, so one benchmark's caches never flatter another. Names given on the
command line (``history``, ``evaluate``...) select a subset. A benchmark that needs a service
this machine lacks (``dashboard`` needs PostgreSQL) says so and exits 0: it is skipped, not
failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[Path]:
    """The benchmark scripts, in name order."""
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")


def main(argv: list[str]) -> int:
    scripts = discover()
    if argv:
        known = {p.stem: p for p in scripts}
        unknown = [name for name in argv if name not in known]
        if unknown:
            print(
                f"unknown benchmark {', '.join(unknown)}; expected one of: "
                f"{', '.join(sorted(known))}",
                file=sys.stderr,
            )
            return 2
        scripts = [known[name] for name in argv]
    failed: list[str] = []
    for script in scripts:
        print(f"=== {script.stem}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(
            f"=== {script.stem}: exit {code} after {time.perf_counter() - t0:.0f} s\n", flush=True
        )
        if code != 0:
            failed.append(script.stem)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
