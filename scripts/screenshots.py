"""Screenshots of the main pages for the README, taken in Chromium on the demo platform.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--no-run]

Seeds a throw-away demo platform (``worktrial demo --no-serve`` in a temporary folder: the
company, the classification trial, five persona candidates submitted and evaluated, reviews and
a decision), serves it with ``worktrial serve``, logs in as the hiring manager, a reviewer and a
candidate through the demo's single-use login links, and writes one PNG per page:

    dashboard.png            the trial dashboard (manager)
    candidate-timeline.png   one candidate's timeline (manager)
    scorecard.png            that candidate's scorecard page (manager)
    review.png               the blind review page (reviewer)
    portal.png               the candidate portal (candidate)
    submissions.png          the candidate's submissions and their evaluation status

Each is a full-page PNG at a 1280x800 viewport, cut to the top of the page when the whole page
would be larger than about 400 KB. Chromium is the system's (Debian's ``chromium``); nothing is
downloaded. ``--no-run`` seeds the demo without running the candidates' code (evidence-only
scores, faster); by default the code runs in the bubblewrap sandbox where it is installed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
MAX_BYTES = 400_000
CUTS = (1600, 1200, 800)  # page heights tried, in order, for a page too large in full
PERSONA = "iterative-engineer"  # whose pages are shown: the demo's candidate login is theirs
# the platform's processes get settings of their own, never the caller's
DROP = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "WORKTRIAL_SECRET_KEY")


def say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(home: Path, port: int, *, run_code: bool) -> tuple[dict[str, str], str]:
    """``worktrial demo --no-serve``; returns the login link of each role and the dashboard."""
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    argv = [sys.executable, "-m", "worktrial", "demo", "--no-serve", "--home", str(home)]
    argv += ["--port", str(port)] + ([] if run_code else ["--no-run"])
    say(f"seeding the demo in {home} (this takes a minute or two)…")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"worktrial demo failed ({done.returncode}):\n{done.stderr}")
    links = dict(re.findall(r"^\s+(\w+)\s+(http://\S+/accounts/link/\S+/)$", done.stderr, re.M))
    dashboard = re.search(r"^The trial's dashboard: (\S+)$", done.stderr, re.M)
    if not {"manager", "reviewer", "candidate"} <= links.keys() or dashboard is None:
        sys.exit(f"could not read the login links from worktrial demo:\n{done.stderr}")
    return links, dashboard.group(1)


@contextmanager
def serving(home: Path, port: int, log: Path) -> Iterator[None]:
    """``worktrial serve`` on the seeded data until the block ends."""
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    # nothing is evaluated while the screenshots are taken: the worker needs no sandbox
    env.update(WORKTRIAL_HOME=str(home), WORKTRIAL_SANDBOX="none", PYTHONUNBUFFERED="1")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "worktrial", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while f"running at http://127.0.0.1:{port}/" not in log.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"worktrial serve did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.3)
            yield
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def shoot(page: Any, path: Path) -> None:
    """A full-page PNG, cut to the top of the page when the whole would be too large."""
    page.screenshot(path=str(path), full_page=True)
    for height in CUTS:
        if path.stat().st_size <= MAX_BYTES:
            break
        page.screenshot(
            path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height}
        )
    say(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def log_in(browser: Any, link: str) -> Any:
    """A new browser context logged in with a single-use link; returns its page."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(link)
    page.locator("#use-link").click()
    page.wait_for_load_state()
    return page


def take(links: dict[str, str], dashboard: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is not installed (scripts/setup-system.sh installs Debian's)")
    base = dashboard.split("/trials/")[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            candidate = log_in(browser, links["candidate"])
            candidate.locator("main ul.list a").first.click()
            found = re.search(r"/portal/(\d+)/$", candidate.url)
            if found is None:
                sys.exit(f"expected the candidate's portal, found {candidate.url}")
            candidacy = int(found[1])

            manager = log_in(browser, links["manager"])
            manager.goto(dashboard)
            shoot(manager, out / "dashboard.png")
            manager.goto(f"{base}/trials/candidacies/{candidacy}/")
            alias = manager.locator("h1").first.inner_text().split()[0]
            shoot(manager, out / "candidate-timeline.png")
            manager.locator("a", has_text="scorecard").first.click()
            manager.wait_for_url(re.compile(r"/scorecard/$"))
            shoot(manager, out / "scorecard.png")

            reviewer = log_in(browser, links["reviewer"])
            reviewer.goto(f"{base}/reviews/")
            reviewer.get_by_role("link", name=alias, exact=True).first.click()
            reviewer.wait_for_url(re.compile(r"/reviews/\d+/$"))
            shoot(reviewer, out / "review.png")

            candidate.goto(f"{base}/portal/{candidacy}/")
            shoot(candidate, out / "portal.png")
            candidate.goto(f"{base}/submissions/mine/{candidacy}/")
            shoot(candidate, out / "submissions.png")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--no-run", action="store_true", help="do not run the candidates' code (evidence only)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="worktrial-screenshots-"))
    work.chmod(0o755)  # the sandbox user passes through it to the trial's environment
    try:
        port = free_port()
        links, dashboard = seed(work / "demo", port, run_code=not args.no_run)
        with serving(work / "demo", port, work / "serve.log"):
            say(f"writing the screenshots of {PERSONA}'s pages into {args.out}:")
            take(links, dashboard, args.out.resolve())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
