"""The whole product in a real browser: Playwright drives Debian's Chromium against a real
``worktrial serve`` (SQLite, the SQLite broker and the worker ``serve`` starts itself).

The admin of a new organization (``worktrial admin create-org``) adds a hiring manager and a
reviewer on the Members page; the manager sets a password from the single-use link, logs in with
it, creates a trial from the classification template, publishes it and invites a candidate. The
candidate joins from the link, asks a question, downloads the starter kit, makes an API token and
submits with the command line (``worktrial login``, ``worktrial submit --wait``); the worker
evaluates; the portal shows the result. The manager assigns the reviewer, who logs in with their
link and rates the six dimensions blind (the candidate's name and e-mail, and the name on their
commits, appear nowhere on the reviewer's pages until the review is submitted); the manager
records the decision and the dashboard shows the stage "Decided".

The sandbox is off (``WORKTRIAL_SANDBOX=none``: evidence-only scoring) to keep the test fast; the
sandboxed run of candidate code is covered by test_serve.py and the sandbox tests.

Every page visited is saved as a full-page PNG in ``$WORKTRIAL_SCREENSHOTS`` (default: a
``screenshots`` folder in the test's temporary folder). Chromium is the system's (never a
downloaded one); without it or the Playwright driver the test is skipped, except under
``CI=true`` or ``WORKTRIAL_REQUIRE_SERVICES=1``, where that fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ._processes import (
    PASSWORD,
    Proc,
    create_org,
    free_port,
    open_home,
    platform_env,
    run_cli,
    running,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Debian's Chromium, headless, with nothing that reaches the network on its own
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
TIMEOUT_MS = 30_000
DIMENSIONS = ("output", "framing", "iteration", "discipline", "communication", "decisions")

MANAGER = "manager@acme.test"
REVIEWER = "reviewer@acme.test"
CANDIDATE_NAME = "Grace Hopper"
CANDIDATE_EMAIL = "grace.hopper@example.test"
QUESTION = "Is a missed fraud case worse than a false alarm for the team reviewing the flags?"


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail where the setup must have installed the browser."""
    if os.environ.get("CI") == "true" or os.environ.get("WORKTRIAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; CI=true or WORKTRIAL_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


def _chromium() -> str:
    """The system Chromium's path, and a check that the Playwright package and driver exist."""
    path = shutil.which("chromium")
    if path is None:
        _unavailable("Chromium is not installed (scripts/setup-system.sh installs Debian's)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        _unavailable(f"the Python package playwright is not installed ({err})")
    # the driver (node and its package) ships inside the wheel; a broken install lacks it
    from playwright._impl._driver import compute_driver_executable

    missing = [str(p) for p in compute_driver_executable() if not Path(p).exists()]
    if missing:
        _unavailable(f"the Playwright driver is missing ({', '.join(missing)})")
    return path


@dataclass
class Screens:
    """Full-page screenshots of every page visited, numbered in the order of the visit."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Any, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


@pytest.fixture
def screens(tmp_path: Path) -> Screens:
    folder = Path(os.environ.get("WORKTRIAL_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return Screens(folder)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # launch() gives every run a fresh, throw-away user data folder
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _context(browser: Any) -> Any:
    """A fresh browser context: its own cookies, as a separate person's browser would have."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base)


def _nav(page: Any, name: str) -> None:
    """Follow a link of the site's top navigation."""
    page.locator("header.top").get_by_role("link", name=name, exact=True).click()


def _heading(page: Any) -> str:
    return " ".join(str(page.locator("h1").first.inner_text()).split())


def _start_serve(env: dict[str, str], port: int, log: Path) -> Proc:
    proc = Proc("worktrial serve", ["serve", "--port", str(port), "--web-workers", "1"], env, log)
    wait_for(
        "worktrial serve to say it is running",
        lambda: f"worktrial is running at http://127.0.0.1:{port}/" in proc.output(),
        timeout=90,
        log=proc.output,
    )
    return proc


def _organization_id(home: Path, slug: str) -> int:
    """The id of organization ``slug`` in the platform's database (read only)."""
    with contextlib.closing(sqlite3.connect(home / "worktrial.sqlite3", timeout=30)) as db:
        row = db.execute("SELECT id FROM accounts_organization WHERE slug = ?", (slug,)).fetchone()
    assert row is not None, slug
    return int(row[0])


def _use_login_link(page: Any, base: str, link: str, shot: Screens, name: str) -> None:
    page.goto(link)
    assert _heading(page) == "Log in with this link"
    shot(page, name)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base)


def _cli_env(config: Path) -> dict[str, str]:
    """The candidate's command line: their own credentials file, none of the server's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "WORKTRIAL_HOME", "DATABASE_URL")
    }
    env["WORKTRIAL_CONFIG"] = str(config)
    return env


def test_manager_candidate_reviewer_and_decision_in_chromium(
    browser: Any, screens: Screens, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with open_home() as home:
        env = platform_env(home, WORKTRIAL_SANDBOX="none")
        procs: list[Proc] = []
        with running(procs):
            serve = _start_serve(env, port, tmp_path / "serve.log")
            procs.append(serve)
            admin_password = create_org(env)
            members = f"{base}accounts/orgs/{_organization_id(home, 'acme')}/members/"
            try:
                _flow(browser, screens, base, tmp_path, admin_password, members)
            except BaseException:
                print(f"--- worktrial serve ---\n{serve.output()[-6000:]}")
                raise


def _flow(
    browser: Any, shot: Screens, base: str, tmp_path: Path, admin_password: str, members: str
) -> None:
    from playwright.sync_api import expect

    # --- 0. the admin adds a hiring manager and a reviewer; each gets a single-use link
    admin = _context(browser).new_page()
    _log_in(admin, base, "admin@acme.test", admin_password)
    admin.goto(members)
    assert _heading(admin) == "Members of Acme"
    links = {}
    for email, name, role in (
        (MANAGER, "Maya Manager", "manager"),
        (REVIEWER, "Ravi Reviewer", "reviewer"),
    ):
        admin.get_by_label("E-mail").fill(email)
        admin.get_by_label("Name").fill(name)
        admin.locator("form.card select[name=role]").select_option(role)
        admin.get_by_role("button", name="Add").click()
        expect(admin.locator(".messages")).to_have_text(
            f"{email} is now {'hiring manager' if role == 'manager' else role}."
        )
        links[role] = str(admin.locator("#member-link").inner_text()).strip()
        assert re.fullmatch(rf"{re.escape(base)}accounts/link/[^/]+/", links[role])
    expect(admin.locator("tbody tr")).to_have_count(3)
    shot(admin, "members")

    # --- 1. the hiring manager sets a password, logs in with it, makes and publishes a trial
    manager = _context(browser).new_page()
    _use_login_link(manager, base, links["manager"], shot, "manager-link")
    _nav(manager, "Password")
    assert _heading(manager) == "Set your password"
    shot(manager, "set-password")
    manager.get_by_label("New password", exact=True).fill(PASSWORD)
    manager.get_by_label("New password confirmation").fill(PASSWORD)
    manager.get_by_role("button", name="Save").click()
    expect(manager.locator(".messages")).to_have_text("Your password is saved.")
    manager.locator("header.top").get_by_role("button", name="Log out").click()
    _log_in(manager, base, MANAGER, PASSWORD)
    shot(manager, "manager-home")
    _nav(manager, "Trials")
    assert _heading(manager) == "Trials"
    expect(manager.locator("table.trials-list")).to_contain_text("No trials yet.")
    shot(manager, "trials-empty")
    manager.get_by_role("link", name="New trial").click()
    assert _heading(manager) == "New trial"
    shot(manager, "trial-new")
    form = manager.locator("#from-template")
    form.locator("input[name=template][value=classification]").check()
    form.get_by_role("button", name="Create from the template").click()
    manager.wait_for_url(re.compile(r"/trials/\d+/$"))
    trial_url = manager.url
    expect(manager.locator("h1 .badge")).to_have_text("Draft")
    title = _heading(manager).removesuffix(" Draft")
    expect(manager.locator(".messages")).to_have_text(f"Created the draft trial “{title}”.")
    shot(manager, "dashboard-draft")
    manager.get_by_role("button", name="Publish").click()
    expect(manager.locator("h1 .badge")).to_have_text("Published")
    shot(manager, "dashboard-published")

    manager.get_by_role("link", name="Invite a candidate").click()
    assert _heading(manager) == "Invite a candidate"
    manager.get_by_label("E-mail").fill(CANDIDATE_EMAIL)
    manager.get_by_label("Name").fill(CANDIDATE_NAME)
    manager.get_by_role("button", name="Invite").click()
    invited = str(manager.locator(".invitation h2").inner_text())
    match = re.fullmatch(rf"Invited {re.escape(CANDIDATE_EMAIL)} as (candidate-\d{{4}})", invited)
    assert match, invited
    alias = match.group(1)
    link = str(manager.locator("#invitation-link").inner_text()).strip()
    assert re.fullmatch(rf"{re.escape(base)}portal/join/[^/]+/", link), link
    candidacy_href = manager.get_by_role("link", name="Open the candidate").get_attribute("href")
    found = re.fullmatch(r"/trials/candidacies/(\d+)/", candidacy_href or "")
    assert found, candidacy_href
    candidacy_id = int(found[1])
    shot(manager, "invited")

    # --- 2. the candidate: joins, asks, downloads the kit, makes a token, submits by CLI
    candidate = _context(browser).new_page()
    candidate.goto(link)
    assert _heading(candidate) == title
    expect(candidate.locator(".card")).to_contain_text(f"This invitation is for {CANDIDATE_EMAIL}.")
    shot(candidate, "join")
    assert candidate.get_by_label("Your name").input_value() == CANDIDATE_NAME
    candidate.get_by_label("Password", exact=True).fill(PASSWORD)
    candidate.get_by_label("Password again").fill(PASSWORD)
    candidate.get_by_role("button", name="Create my account and join").click()
    candidate.wait_for_url(f"{base}portal/{candidacy_id}/")
    assert _heading(candidate) == title
    expect(candidate.locator(".messages")).to_have_text(f"You joined “{title}”. Welcome!")
    expect(candidate.locator(".portal-head .muted")).to_have_text("Acme · Working")
    shot(candidate, "portal")

    candidate.get_by_role("link", name="Questions").click()
    candidate.get_by_label("Your question").fill(QUESTION)
    candidate.get_by_role("button", name="Ask").click()
    asked = candidate.locator(".qa")
    expect(asked).to_have_count(1)
    expect(asked.locator(".pre")).to_have_text(QUESTION)
    expect(asked).to_contain_text("Not answered yet.")
    shot(candidate, "portal-questions")

    candidate.get_by_role("link", name="Overview").click()
    with candidate.expect_download() as download:
        candidate.get_by_role("link", name="Starter kit (zip)").click()
    kit_zip = tmp_path / "kit.zip"
    download.value.save_as(kit_zip)
    with zipfile.ZipFile(kit_zip) as kit:
        kit.extractall(tmp_path / "kit")
    starter = next(p.parent for p in (tmp_path / "kit").rglob(".git") if p.is_dir())

    _nav(candidate, "API tokens")
    assert _heading(candidate) == "API tokens"
    candidate.get_by_role("button", name="Create a token").click()
    token = str(candidate.locator("#new-token").inner_text()).strip()
    assert token.startswith("wt_"), token
    # the token is shown once: the page opened again lists it by its prefix only
    candidate.goto(f"{base}accounts/tokens/")
    expect(candidate.locator("#new-token")).to_have_count(0)
    expect(candidate.locator("tbody tr")).to_have_count(1)
    expect(candidate.locator("tbody tr code")).to_have_text(f"{token[:10]}…")
    shot(candidate, "tokens")

    from worktrial.demo import build_persona

    repo = build_persona(
        "iterative-engineer",
        tmp_path / "work",
        starter=starter,
        start=datetime.now(UTC) - timedelta(days=2),
    )
    cli = _cli_env(tmp_path / "config" / "credentials.toml")
    logged = run_cli(["login", "--server", base, "--token", token], cli)
    assert logged.stdout.splitlines()[0] == (
        f"logged in to {base.rstrip('/')} as {CANDIDATE_EMAIL} (candidate at Acme)"
    )
    submitted = run_cli(["submit", str(repo.path), "--wait", "--timeout", "120"], cli)
    lines = submitted.stdout.splitlines()
    assert re.fullmatch(
        rf"submission 1 \(id \d+\) of candidacy {candidacy_id}, commit [0-9a-f]{{7}}", lines[0]
    ), lines
    assert lines[1] == "evaluation: done", lines
    assert lines[2] == "dev score: not measured (the submission was not run)", lines

    candidate.goto(f"{base}submissions/mine/{candidacy_id}/")
    status = candidate.locator("#submission-status")
    expect(status.locator("tbody tr")).to_have_count(1)
    expect(status.locator(".badge")).to_have_text("Evaluated")
    expect(status.locator(".live-note")).to_have_count(0)  # nothing left to poll
    expect(candidate.locator(".portal-head .muted")).to_have_text("Acme · In review")
    shot(candidate, "portal-submissions")

    # --- 3. the manager sees the evaluation and assigns the reviewer
    manager.goto(trial_url)
    row = manager.locator(f"#candidacy-{candidacy_id}")
    expect(row.locator("td").first).to_have_text(alias)
    expect(row).to_contain_text(CANDIDATE_NAME)
    expect(row.locator("td .badge.done")).to_have_text("Evaluated")
    shot(manager, "dashboard-evaluated")
    row.get_by_role("link", name="open").click()
    manager.wait_for_url(re.compile(r"/trials/evaluations/\d+/scorecard/$"))
    shot(manager, "scorecard")
    manager.goto(f"{base}trials/candidacies/{candidacy_id}/")
    assert _heading(manager).startswith(f"{alias} · {CANDIDATE_NAME} · {CANDIDATE_EMAIL}")
    expect(manager.locator("#questions blockquote")).to_have_text(QUESTION)
    shot(manager, "candidate-timeline")

    manager.goto(f"{base}reviews/board/")
    assert _heading(manager) == "Review board"
    manager.get_by_role("link", name=alias, exact=True).click()
    manager.wait_for_url(f"{base}reviews/candidacy/{candidacy_id}/")
    manager.get_by_label("Assign a reviewer").select_option(label=REVIEWER)
    manager.get_by_role("button", name="Assign", exact=True).click()
    expect(manager.locator(".messages")).to_have_text(f"{REVIEWER} is assigned to review {alias}.")
    expect(manager.locator("#reviewers tbody tr")).to_contain_text(REVIEWER)
    shot(manager, "reviewers-assigned")

    # --- 4. the reviewer rates blind, then sees who it was
    reviewer = _context(browser).new_page()
    _use_login_link(reviewer, base, links["reviewer"], shot, "reviewer-link")
    reviewer.goto(trial_url)
    expect(reviewer.locator(f"#candidacy-{candidacy_id} td").first).to_have_text(alias)
    blind_pages = [reviewer.content()]
    shot(reviewer, "reviewer-dashboard")
    reviewer.get_by_role("link", name=alias, exact=True).click()
    assert _heading(reviewer) == f"{alias} In review"
    expect(reviewer.locator("p.notice")).to_have_text(
        "Blind review: the candidate's name and e-mail stay hidden until you have submitted "
        "your review."
    )
    blind_pages.append(reviewer.content())
    shot(reviewer, "reviewer-candidate")
    _nav(reviewer, "My reviews")
    blind_pages.append(reviewer.content())
    shot(reviewer, "reviewer-queue")
    reviewer.get_by_role("link", name=alias).first.click()
    reviewer.wait_for_url(re.compile(r"/reviews/\d+/$"))
    assert _heading(reviewer) == f"Review of {alias}"
    expect(reviewer.locator(".blind-note")).to_have_text(
        "Blind review: the candidate's identity and the other reviewers' ratings appear once "
        "you submit."
    )
    blind_pages.append(reviewer.content())
    shot(reviewer, "review-blind")
    # neither the invited name and e-mail nor the name on the repository's commits
    hidden = [CANDIDATE_NAME, CANDIDATE_EMAIL, *CANDIDATE_NAME.split(), repo.candidate, repo.email]
    for page_html in blind_pages:
        assert alias in page_html
        leaked = [word for word in hidden if word.lower() in page_html.lower()]
        assert not leaked, f"{leaked} on a page of the blind review"

    review = reviewer.locator("#review-form")
    for dimension in DIMENSIONS:
        review.locator(f"input[name=rating_{dimension}][value='4']").check()
        review.locator(f"textarea[name=comment_{dimension}]").fill(
            f"Evidence for {dimension}: the commit history and the README."
        )
    review.locator("input[name=recommendation][value=yes]").check()
    review.get_by_label("Summary").fill("Framed the problem first, then iterated in small steps.")
    review.get_by_role("button", name="Submit review").click()
    expect(reviewer.locator(".messages")).to_have_text(
        "Review submitted. The candidate and the other ratings are shown."
    )
    expect(reviewer.locator(".identity")).to_contain_text(f"Candidate: {CANDIDATE_NAME}")
    expect(reviewer.locator(".identity")).to_contain_text(CANDIDATE_EMAIL)
    expect(reviewer.locator("#your-review tbody tr")).to_have_count(len(DIMENSIONS))
    expect(reviewer.locator("#review-form")).to_have_count(0)
    shot(reviewer, "review-submitted")

    # --- 5. the manager decides; the dashboard shows the stage
    manager.reload()
    expect(manager.locator("#reviewers tbody tr")).to_contain_text("submitted")
    manager.locator("input[name=outcome][value=offer]").check()
    manager.get_by_label("Rationale").fill(
        "The review and the scorecard agree: clear framing and steady iteration."
    )
    manager.get_by_role("button", name="Record the decision").click()
    expect(manager.locator(".messages")).to_have_text("Decision recorded: offer.")
    expect(manager.locator(".decisions li").first).to_contain_text("Offer")
    shot(manager, "decision")
    manager.goto(trial_url)
    row = manager.locator(f"#candidacy-{candidacy_id}")
    expect(row.locator(".badge.stage-decided")).to_have_text("Decided")
    expect(manager.locator("td[data-stage=decided]")).to_have_text("1")
    shot(manager, "dashboard-decided")
