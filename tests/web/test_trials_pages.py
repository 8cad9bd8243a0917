"""The hiring team's trial pages: list, new trial (template and bundle upload), dashboard,
candidate timeline, scorecard, questions, checkpoints, payments export — for every role, blind
for reviewers, invisible to other organizations, and in a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from worktrial.demo import build_persona
from worktrial.rubric import DIMENSIONS
from worktrial.spec import TEMPLATES
from worktrial.web import storage
from worktrial.web.accounts.models import Organization, User
from worktrial.web.audit.models import AuditEvent
from worktrial.web.jobs.actions import refresh_latest
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.reviews.actions import do_assign_reviewer
from worktrial.web.reviews.models import Review
from worktrial.web.submissions.actions import do_submit
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import actions, charts, dashboard
from worktrial.web.trials.actions import invitation_for
from worktrial.web.trials.models import Candidacy, Question, Trial

from .conftest import PASSWORD, Company, make_company

# The persona's git author: the candidacy carries the same name and address, so the blind
# checks below would catch the name leaking from the repository into any page.
NAME, EMAIL = "Amara Okafor", "amara.okafor@example.com"
WAITING_NAME, WAITING_EMAIL = "Bea Waiting", "bea@example.test"


@dataclass
class World:
    acme: Company
    globex: Company
    trial: Trial
    scored: Candidacy
    waiting: Candidacy
    evaluation: Evaluation
    bundle: Path
    open_question: Question


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One published trial with an evaluated candidate (questions, an update, feedback, an
    assigned reviewer) and an invited one; built once for the module through the actions."""
    tmp = tmp_path_factory.mktemp("trials-pages")
    with django_db_blocker.unblock():
        acme, globex = make_company("acme"), make_company("globex")
        trial = actions.do_create_trial_from_template(
            acme.org, "classification", actor=acme.manager
        )
        actions.do_publish_trial(trial, actor=acme.manager)
        scored, token = actions.do_invite_candidate(trial, EMAIL, actor=acme.manager, name=NAME)
        scored = actions.do_accept_invitation(token, password=PASSWORD)
        user = scored.user
        actions.do_ask_question(scored, "Does production look like dev or like train?", actor=user)
        open_question = actions.do_ask_question(
            scored, "May I use gradient boosting from a library?", actor=user
        )
        first = scored.questions.order_by("pk").first()
        assert first is not None
        actions.do_answer_question(first, "Production looks like dev.", actor=acme.manager)
        actions.do_post_update(scored, actor=user, done="Baseline logistic regression", next="Tune")
        actions.do_give_feedback(
            scored,
            "Good framing; say why recall comes first.",
            actor=acme.manager,
            checkpoint=trial.checkpoints.first(),
        )
        persona = build_persona(
            "iterative-engineer",
            tmp / "repo",
            starter=None,
            start=scored.starts_at - timedelta(days=1),
        )
        bundle = tmp / "work.bundle"
        subprocess.run(
            ["git", "-C", str(persona.path), "bundle", "create", str(bundle), "--all"],
            check=True,
            capture_output=True,
        )
        submission = do_submit(scored, bundle, name="work.bundle", actor=user, via="cli")
        evaluation = Evaluation.objects.get(submission=submission)
        assert evaluate(evaluation.pk) == "done"
        evaluation.refresh_from_db()
        scored.refresh_from_db()
        do_assign_reviewer(scored, acme.reviewer, actor=acme.manager)
        waiting, _ = actions.do_invite_candidate(
            trial, WAITING_EMAIL, actor=acme.manager, name=WAITING_NAME
        )
        try:
            yield World(acme, globex, trial, scored, waiting, evaluation, bundle, open_question)
        finally:
            AuditEvent.objects.all().delete()
            Organization.objects.all().delete()
            User.objects.all().delete()


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    """Each test's changes are rolled back; so are the module's objects in memory."""
    if "world" in request.fixturenames:
        w: World = request.getfixturevalue("world")
        for obj in (w.trial, w.scored, w.waiting, w.open_question, w.evaluation):
            obj.refresh_from_db()


def _text(response: Any) -> str:
    return response.content.decode()


def _page_urls(w: World) -> list[str]:
    ev = w.evaluation.pk
    return [
        "/trials/",
        f"/trials/{w.trial.pk}/",
        f"/trials/{w.trial.pk}/checkpoints/",
        f"/trials/candidacies/{w.scored.pk}/",
        f"/trials/candidacies/{w.scored.pk}/submissions/",
        f"/trials/evaluations/{ev}/scorecard/",
        f"/trials/evaluations/{ev}/scorecard.html",
        f"/trials/evaluations/{ev}/scorecard.md",
        f"/trials/evaluations/{ev}/scorecard.json",
    ]


def _manager_urls(w: World) -> list[str]:
    return [
        "/trials/new/",
        f"/trials/{w.trial.pk}/edit/",
        f"/trials/{w.trial.pk}/invite/",
        f"/trials/{w.trial.pk}/questions/",
        f"/trials/{w.trial.pk}/payments.csv",
    ]


def _manager_posts(w: World) -> list[tuple[str, dict[str, str]]]:
    c = w.scored.pk
    return [
        (f"/trials/{w.trial.pk}/edit/", {"title": "x", "brief": "y"}),
        (f"/trials/{w.trial.pk}/publish/", {}),
        (f"/trials/{w.trial.pk}/close/", {}),
        (f"/trials/{w.trial.pk}/invite/", {"email": "new@example.test"}),
        (f"/trials/candidacies/{c}/questions/{w.open_question.pk}/answer/", {"answer": "Yes."}),
        (f"/trials/candidacies/{c}/feedback/", {"text": "Keep going."}),
        (f"/trials/candidacies/{c}/payment/", {"payment_status": "paid"}),
    ]


# --------------------------------------------------------------------------- who sees what


def test_anonymous_is_sent_to_login(world: World, client: Client) -> None:
    for url in _page_urls(world) + _manager_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    for url, data in _manager_posts(world):
        assert client.post(url, data).status_code == 302, url
    world.open_question.refresh_from_db()
    assert world.open_question.answered_at is None


def test_another_organization_gets_404_everywhere(
    world: World, login: Callable[[User], Client]
) -> None:
    for person in (world.globex.admin, world.globex.manager, world.globex.reviewer):
        client = login(person)
        for url in _page_urls(world)[1:] + _manager_urls(world)[1:]:
            assert client.get(url).status_code == 404, (person.email, url)
        for url, data in _manager_posts(world):
            assert client.post(url, data).status_code == 404, (person.email, url)
        listing = _text(client.get("/trials/"))
        assert world.trial.title not in listing
    world.trial.refresh_from_db()
    assert world.trial.status == "published" and world.trial.title != "x"
    assert not Candidacy.objects.filter(email="new@example.test").exists()


def test_the_candidate_gets_404_on_staff_pages(
    world: World, login: Callable[[User], Client]
) -> None:
    assert world.scored.user is not None
    client = login(world.scored.user)
    for url in _page_urls(world)[1:] + _manager_urls(world):
        assert client.get(url).status_code == 404, url


def test_reviewer_cannot_reach_manager_pages_or_actions(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.acme.reviewer)
    for url in _manager_urls(world):
        assert client.get(url).status_code == 404, url
    for url, data in _manager_posts(world):
        assert client.post(url, data).status_code == 404, url
    world.open_question.refresh_from_db()
    assert world.open_question.answered_at is None


def test_reviewer_sees_only_assigned_candidacies(
    world: World, login: Callable[[User], Client]
) -> None:
    unassigned = login(world.acme.reviewer2)
    for url in _page_urls(world)[3:]:
        assert unassigned.get(url).status_code == 404, url
    page = _text(unassigned.get(f"/trials/{world.trial.pk}/"))
    assert world.scored.alias not in page and world.waiting.alias not in page
    assert "No candidates are assigned to you in this trial yet." in page
    assigned = login(world.acme.reviewer)
    assert assigned.get(f"/trials/candidacies/{world.waiting.pk}/").status_code == 404
    for url in _page_urls(world):
        assert assigned.get(url).status_code == 200, url


# --------------------------------------------------------------------------- list and new


def test_trial_list(world: World, login: Callable[[User], Client]) -> None:
    page = _text(login(world.acme.manager).get("/trials/"))
    assert world.trial.title in page and 'href="/trials/new/"' in page
    assert f'href="/trials/{world.trial.pk}/"' in page
    reviewer_page = _text(login(world.acme.reviewer).get("/trials/"))
    assert world.trial.title in reviewer_page and "/trials/new/" not in reviewer_page


def test_new_trial_page_lists_the_templates(world: World, login: Callable[[User], Client]) -> None:
    page = _text(login(world.acme.admin).get("/trials/new/"))
    for name, template in TEMPLATES.items():
        assert f'value="{name}"' in page
        assert template.description.split(";")[0] in page


def test_new_trial_from_a_template(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    before = Trial.objects.count()
    response = client.post(
        "/trials/new/",
        {"kind": "template", "template": "monitoring", "organization": world.acme.org.pk},
    )
    trial = Trial.objects.exclude(pk=world.trial.pk).get(template="monitoring")
    assert response.status_code == 302 and response["Location"] == f"/trials/{trial.pk}/"
    assert Trial.objects.count() == before + 1
    assert trial.organization == world.acme.org and trial.status == "draft"
    assert trial.created_by == world.acme.manager
    shutil.rmtree(storage.resolve(trial.bundle_dir), ignore_errors=True)


def test_new_trial_refuses_an_unknown_template_and_a_foreign_organization(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.acme.manager)
    response = client.post(
        "/trials/new/",
        {"kind": "template", "template": "nope", "organization": world.acme.org.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice. nope is not one of the available choices." in _text(response)
    response = client.post(
        "/trials/new/",
        {"kind": "template", "template": "monitoring", "organization": world.globex.org.pk},
    )
    assert response.status_code == 400
    assert Trial.objects.filter(organization=world.globex.org).count() == 0


def _zip_folder(folder: Path, dest: Path, *, top: str = "") -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".git" not in path.relative_to(folder).parts:
                zf.write(
                    path,
                    str(Path(top) / path.relative_to(folder))
                    if top
                    else str(path.relative_to(folder)),
                )
    return dest


def _upload(client: Client, path: Path, name: str, org: Organization) -> Any:
    with path.open("rb") as fh:
        upload = io.BytesIO(fh.read())
    upload.name = name
    return client.post(
        "/trials/new/", {"kind": "upload", "organization": org.pk, "archive": upload}
    )


def _bundles() -> set[Path]:
    root = storage.home() / "bundles"
    return set(root.iterdir()) if root.exists() else set()


def test_bundle_upload_shows_each_spec_problem_on_its_own_line(
    world: World, login: Callable[[User], Client], tmp_path: Path
) -> None:
    source = tmp_path / "bad"
    shutil.copytree(
        storage.resolve(world.trial.bundle_dir), source, ignore=shutil.ignore_patterns(".git")
    )
    toml = source / "trial.toml"
    text = toml.read_text().replace("duration_days = 10", 'duration_days = "ten"')
    text = text.replace('currency = "EUR"', "currency = 5")
    toml.write_text(text)
    archive = _zip_folder(source, tmp_path / "bundle.zip")
    before_trials, before_files = Trial.objects.count(), _bundles()
    response = _upload(login(world.acme.manager), archive, "bundle.zip", world.acme.org)
    assert response.status_code == 400
    page = _text(response)
    problems = re.findall(r"<li>(bundle\.zip/[^<]*)</li>", page)
    assert problems == [
        "bundle.zip/trial.toml: duration_days: expected a whole number from 1 to 60, found "
        "&#x27;ten&#x27; (a string)",
        "bundle.zip/trial.toml: compensation.currency: expected a three-letter ISO 4217 currency "
        "code in capitals, such as &#x27;EUR&#x27;, found 5 (a whole number)",
    ]
    assert str(storage.home()) not in page
    assert Trial.objects.count() == before_trials
    assert _bundles() == before_files, "a refused bundle left files behind"


def test_bundle_upload_in_a_top_folder_creates_a_trial(
    world: World, login: Callable[[User], Client], tmp_path: Path
) -> None:
    archive = _zip_folder(
        storage.resolve(world.trial.bundle_dir), tmp_path / "mine.zip", top="screening"
    )
    response = _upload(login(world.acme.manager), archive, "mine.zip", world.acme.org)
    trial = Trial.objects.exclude(pk=world.trial.pk).get(organization=world.acme.org)
    assert response.status_code == 302 and response["Location"] == f"/trials/{trial.pk}/"
    assert trial.template == "" and trial.bundle_dir.endswith("/screening")
    assert trial.trial_id == world.trial.trial_id
    shutil.rmtree(storage.resolve(trial.bundle_dir).parent, ignore_errors=True)


def test_bundle_upload_refuses_what_is_not_an_archive(
    world: World, login: Callable[[User], Client], tmp_path: Path
) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"this is not an archive\n")
    client = login(world.acme.manager)
    before_files = _bundles()
    response = _upload(client, junk, "bundle.zip", world.acme.org)
    assert response.status_code == 400
    assert "<li>bundle.zip: not a .zip, .tar or .tar.gz archive</li>" in _text(response)
    response = _upload(client, junk, "bundle.7z", world.acme.org)
    assert response.status_code == 400
    assert (
        "bundle.7z is not a bundle archive; expected a name ending in .zip, .tar.gz, .tgz, "
        ".tar, .tar.bz2, .tar.xz"
    ) in _text(response)
    assert Trial.objects.count() == 1 and _bundles() == before_files
    uploads = storage.home() / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir()), "an upload was left on disk"


# --------------------------------------------------------------------------- dashboard


def test_dashboard_for_a_manager(world: World, login: Callable[[User], Client]) -> None:
    response = login(world.acme.manager).get(f"/trials/{world.trial.pk}/")
    assert response.status_code == 200
    page = _text(response)
    ev = world.evaluation
    assert NAME in page and EMAIL in page and WAITING_EMAIL in page
    assert page.count("<svg") == 2 and "<script" not in page.split("</head>")[1]
    assert '<td class="num" data-stage="in_review">1</td>' in page
    assert '<td class="num" data-stage="invited">1</td>' in page
    assert f"<strong>{ev.overall:.1f}</strong>" in page
    for d in DIMENSIONS:
        score = ev.dimensions[d]
        assert score is None or f"{score:.1f}" in page
    assert f'href="/trials/evaluations/{ev.pk}/scorecard/"' in page
    assert "Not due yet" in page and ">Publish</button>" not in page
    assert ">Close the trial</button>" in page
    assert AuditEvent.objects.filter(action="trial.view", target=f"trial:{world.trial.pk}").exists()


def test_dashboard_for_a_reviewer_is_blind(world: World, login: Callable[[User], Client]) -> None:
    page = _text(login(world.acme.reviewer).get(f"/trials/{world.trial.pk}/"))
    assert world.scored.alias in page and world.waiting.alias not in page
    for secret in (NAME, EMAIL, "Okafor", WAITING_NAME, WAITING_EMAIL):
        assert secret not in page
    for manager_only in (">Payment</a>", "payments.csv", "Edit title", "Invite a candidate"):
        assert manager_only not in page
    assert '<td class="num" data-stage="invited">0</td>' in page
    # sorting by name would tell a blind reviewer who is who: it falls back to the default
    by_name = _text(login(world.acme.reviewer).get(f"/trials/{world.trial.pk}/?sort=name"))
    assert 'aria-sort="descending" title="Overall"' in by_name


def test_dashboard_sorts_by_a_query_parameter(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.acme.manager)

    def order(sort: str) -> list[str]:
        page = _text(client.get(f"/trials/{world.trial.pk}/?sort={sort}"))
        return re.findall(r'<tr id="candidacy-(\d+)">', page)

    scored, waiting = str(world.scored.pk), str(world.waiting.pk)
    assert order("-overall") == [scored, waiting]
    assert order("overall") == [scored, waiting]  # no score: last either way
    assert order("stage") == [waiting, scored]
    assert order("-stage") == [scored, waiting]
    assert order("name") == [scored, waiting]  # Amara before Bea
    assert order("-name") == [waiting, scored]
    assert order("bogus") == order("-overall")


def test_dashboard_table_alone_for_htmx(world: World, login: Callable[[User], Client]) -> None:
    response = login(world.acme.manager).get(
        f"/trials/{world.trial.pk}/?sort=alias", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidates"
    )
    page = _text(response)
    assert page.startswith('<div id="candidates"') and "<html" not in page
    assert 'aria-sort="ascending" title="Candidate"' in page


def test_dashboard_queries_do_not_grow_with_candidates(
    world: World, login: Callable[[User], Client]
) -> None:
    trial = actions.do_create_trial_from_template(
        world.acme.org, "classification", actor=world.acme.manager
    )
    client = login(world.acme.manager)
    scorecard = world.evaluation.scorecard

    def add(n: int) -> None:
        # rows made directly: the dashboard only reads them (the real path is the module's
        # scored candidacy, submitted and evaluated through the actions)
        now = timezone.now()
        for i in range(n):
            c, _ = actions.do_invite_candidate(
                trial, f"c{Candidacy.objects.count()}-{i}@example.test", actor=world.acme.manager
            )
            for number in (1, 2):
                s = Submission.objects.create(
                    candidacy=c,
                    number=number,
                    commit="a" * 40,
                    repo_dir="repos/none",
                    size_bytes=1,
                    uploaded_at=now,
                )
                Evaluation.objects.create(
                    submission=s,
                    spec_version=trial.spec_version,
                    status="done",
                    queued_at=now,
                    scorecard=scorecard,
                    overall=1 + (i % 5),
                    dimensions=world.evaluation.dimensions,
                    red_flags=i % 3,
                )
            refresh_latest(c.pk)
            actions.do_ask_question(c, f"question {i}", actor=None)
            do_assign_reviewer(c, world.acme.reviewer, actor=world.acme.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/trials/{trial.pk}/?sort=-red_flags")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(1)
    one = count()
    add(29)
    thirty = count()
    assert thirty == one
    assert one <= 12
    page = _text(client.get(f"/trials/{trial.pk}/"))
    assert page.count('<tr id="candidacy-') == 30


def _bulk_candidacies(
    trial: Trial, first: int, n: int, dimensions: dict[str, Any]
) -> dict[int, float | None]:
    """Candidacies number ``first`` to ``first + n - 1``: two in three with two evaluated
    submissions, the rest invited without any; every fourth asked a question still open.
    Returns each one's expected overall score (that of the latest submission). Rows made in
    bulk: the dashboard only reads them (the real path through the actions is the module's
    scored candidacy)."""
    now = timezone.now()
    numbers = range(first, first + n)
    made = Candidacy.objects.bulk_create(
        Candidacy(
            trial=trial,
            email=f"bulk{i}@example.test",
            name=f"Bulk {i:03d}",
            alias=f"candidate-{5000 + i}",
            stage="submitted" if i % 3 != 2 else "invited",
            starts_at=now,
            deadline=now + timedelta(days=7),
        )
        for i in numbers
    )
    expected = {
        c.pk: 1 + (i % 17) / 4 if i % 3 != 2 else None for i, c in zip(numbers, made, strict=True)
    }
    subs = Submission.objects.bulk_create(
        Submission(
            candidacy=c,
            number=number,
            commit="a" * 40,
            repo_dir="repos/none",
            size_bytes=1,
            uploaded_at=now,
        )
        for c in made
        if expected[c.pk] is not None
        for number in (1, 2)
    )
    Evaluation.objects.bulk_create(
        Evaluation(
            submission=s,
            spec_version=trial.spec_version,
            status="done",
            queued_at=now,
            # the first submission's score must never show: only the latest one counts
            overall=expected[s.candidacy.pk] if s.number == 2 else 9.0,
            dimensions=dimensions,
            red_flags=s.number,
        )
        for s in subs
    )
    for c in made:
        refresh_latest(c.pk)
    Question.objects.bulk_create(
        Question(candidacy=c, text=f"question {i}", asked_at=now)
        for i, c in zip(numbers, made, strict=True)
        if i % 4 == 0
    )
    return expected


def test_dashboard_pages_a_large_trial_in_as_many_queries(
    world: World, login: Callable[[User], Client]
) -> None:
    trial = actions.do_create_trial_from_template(
        world.acme.org, "classification", actor=world.acme.manager
    )
    client = login(world.acme.manager)
    url = f"/trials/{trial.pk}/"

    def get(query: str = "") -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url + query)
        assert response.status_code == 200
        return len(ctx.captured_queries), _text(response)

    expected = _bulk_candidacies(trial, 0, 3, world.evaluation.dimensions)
    small, page = get()
    assert page.count('<tr id="candidacy-') == 3 and 'rel="next"' not in page
    assert page.count('<circle class="dot"') == 2  # few scored: a dot for each
    expected.update(_bulk_candidacies(trial, 3, 150, world.evaluation.dimensions))
    large, page = get()
    # past STRIP_MAX scored candidates the chart is a histogram from a GROUP BY, and the
    # scored rows themselves are no longer read
    assert dashboard.STRIP_MAX < 102
    assert large <= small <= 12
    assert page.count('<tr id="candidacy-') == dashboard.PAGE_SIZE == 50
    assert 'class="chart strip histogram"' in page and '<circle class="dot"' not in page
    assert "102 of 153 candidates scored" in page
    assert '<td class="num" data-stage="submitted">102</td>' in page
    assert '<td class="num" data-stage="invited">51</td>' in page
    assert '<span class="badge open">39 open</span>' in page
    assert "candidates 1–50 of 153 · page 1 of 4" in page
    assert f'href="{url}?sort=-overall&amp;page=2"' in page and 'rel="prev"' not in page

    def order(sort: str) -> list[int]:
        ids: list[int] = []
        for number in (1, 2, 3, 4):
            _, text = get(f"?sort={sort}&page={number}")
            ids += [int(pk) for pk in re.findall(r'<tr id="candidacy-(\d+)">', text)]
        return ids

    alias = {c.pk: c.alias for c in Candidacy.objects.filter(trial=trial)}
    scored = [pk for pk, score in expected.items() if score is not None]
    unscored = sorted((pk for pk, score in expected.items() if score is None), key=alias.get)

    def by_score(descending: bool) -> list[int]:
        sign = -1 if descending else 1
        return sorted(scored, key=lambda pk: (sign * (expected[pk] or 0), alias[pk]))

    # across pages, every candidate once; without a score last either way; ties by alias
    assert order("-overall") == by_score(True) + unscored
    assert order("overall") == by_score(False) + unscored
    _, last = get("?page=4")
    assert last.count('<tr id="candidacy-') == 3 and "candidates 151–153 of 153" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
    # a page out of range or not a number: the nearest page there is
    assert "candidates 151–153 of 153 · page 4 of 4" in get("?page=99")[1]
    assert "candidates 1–50 of 153 · page 1 of 4" in get("?page=0")[1]
    assert "candidates 1–50 of 153 · page 1 of 4" in get("?page=x")[1]
    fragment = client.get(
        f"{url}?sort=alias&page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidates"
    )
    text = _text(fragment)
    assert text.startswith('<div id="candidates"') and "<html" not in text
    assert "candidates 51–100 of 153 · page 2 of 4" in text
    assert f'href="{url}?sort=alias&amp;page=3"' in text


def test_candidacy_page_queries_do_not_grow_with_events(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.acme.manager)
    url = f"/trials/candidacies/{world.scored.pk}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    assert world.scored.user is not None
    for i in range(10):
        question = actions.do_ask_question(world.scored, f"question {i}", actor=world.scored.user)
        actions.do_answer_question(question, f"answer {i}", actor=world.acme.admin)
        actions.do_post_update(world.scored, actor=world.scored.user, done=f"step {i}")
        actions.do_give_feedback(
            world.scored,
            f"feedback {i}",
            actor=world.acme.admin,
            checkpoint=world.trial.checkpoints.last(),
        )
    assert count() == before <= 16


def test_dashboard_query_limit(
    world: World, login: Callable[[User], Client], django_assert_max_num_queries: Any
) -> None:
    client = login(world.acme.reviewer)
    with django_assert_max_num_queries(12):
        assert client.get(f"/trials/{world.trial.pk}/").status_code == 200


# --------------------------------------------------------------------------- trial actions


def test_edit_trial(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    page = _text(client.get(f"/trials/{world.trial.pk}/edit/"))
    assert world.trial.title in page
    response = client.post(
        f"/trials/{world.trial.pk}/edit/",
        {"title": "", "brief": "New brief", "share_scorecard_with_candidates": "on"},
    )
    assert response.status_code == 400 and "This field is required." in _text(response)
    world.trial.refresh_from_db()
    assert world.trial.brief != "New brief" and not world.trial.share_scorecard_with_candidates
    response = client.post(
        f"/trials/{world.trial.pk}/edit/",
        {"title": "Screening v2", "brief": "New brief", "share_scorecard_with_candidates": "on"},
    )
    assert response.status_code == 302 and response["Location"] == f"/trials/{world.trial.pk}/"
    world.trial.refresh_from_db()
    assert world.trial.title == "Screening v2" and world.trial.brief == "New brief"
    assert world.trial.share_scorecard_with_candidates


def test_publish_twice_and_close(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    response = client.post(f"/trials/{world.trial.pk}/publish/")
    assert response.status_code == 409
    assert "the trial is published; only a draft can be published" in _text(response)
    assert client.get(f"/trials/{world.trial.pk}/publish/").status_code == 405
    response = client.post(f"/trials/{world.trial.pk}/close/")
    assert response.status_code == 302
    world.trial.refresh_from_db()
    assert world.trial.status == "closed"
    response = client.post(f"/trials/{world.trial.pk}/invite/", {"email": "late@example.test"})
    assert response.status_code == 400
    assert "the trial is closed; it takes no new candidates" in _text(response)


def test_invite_shows_the_link_once(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    response = client.post(
        f"/trials/{world.trial.pk}/invite/",
        {"email": "Cy@Example.test", "name": "Cy", "starts_at": "2030-01-02T09:00"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = re.search(r"http://testserver/portal/join/([A-Za-z0-9_-]+)/", _text(response))
    assert match is not None
    invitation = invitation_for(match.group(1))
    c = invitation.candidacy
    assert c.email == "cy@example.test" and c.name == "Cy"
    assert c.starts_at.isoformat() == "2030-01-02T09:00:00+00:00"
    assert c.deadline - c.starts_at == timedelta(days=10)
    assert match.group(1) not in _text(client.get(f"/trials/{world.trial.pk}/invite/"))
    assert match.group(1) not in _text(client.get(f"/trials/{world.trial.pk}/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": EMAIL}, f"{EMAIL} is already invited to this trial"),
        (
            {"email": "dd@example.test", "starts_at": "2030-01-02T09:00", "deadline": "2030-01-01"},
            "the deadline 2030-01-01 00:00 is not after the start 2030-01-02 09:00",
        ),
        ({"email": "ee@example.test", "starts_at": "soon"}, "Enter a valid date/time."),
    ],
)
def test_invite_failures(
    world: World, login: Callable[[User], Client], data: dict[str, str], message: str
) -> None:
    before = Candidacy.objects.count()
    response = login(world.acme.manager).post(f"/trials/{world.trial.pk}/invite/", data)
    assert response.status_code == 400
    assert message in _text(response)
    assert "/portal/join/" not in _text(response)
    assert Candidacy.objects.count() == before


def test_checkpoints_page(world: World, login: Callable[[User], Client]) -> None:
    page = _text(login(world.acme.manager).get(f"/trials/{world.trial.pk}/checkpoints/"))
    first, second = list(world.trial.checkpoints.all())
    assert first.name in page and second.name in page
    assert page.count('class="cp-given"') == 1  # the feedback given at the first checkpoint
    assert page.count('class="cp-upcoming"') == 3
    assert world.waiting.alias in page and WAITING_NAME not in page


def test_payments_csv(world: World, login: Callable[[User], Client]) -> None:
    actions.do_set_payment_status(world.scored, "paid", actor=world.acme.manager)
    world.scored.refresh_from_db()
    assert world.scored.paid_at is not None
    response = login(world.acme.manager).get(f"/trials/{world.trial.pk}/payments.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="payments-malignancy-screening.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    expected = sorted(
        [
            [
                world.scored.alias,
                NAME,
                EMAIL,
                "in_review",
                "1200.00",
                "EUR",
                "paid",
                world.scored.paid_at.isoformat(),
            ],
            [
                world.waiting.alias,
                WAITING_NAME,
                WAITING_EMAIL,
                "invited",
                "1200.00",
                "EUR",
                "not_due",
                "",
            ],
        ]
    )
    assert rows == [
        ["alias", "name", "email", "stage", "amount", "currency", "payment_status", "paid_at"],
        *expected,
    ]
    event = AuditEvent.objects.get(action="trial.payments_export")
    assert event.actor == world.acme.manager and event.details == {"rows": 2}


def test_payments_csv_defuses_formulas(world: World, login: Callable[[User], Client]) -> None:
    actions.do_invite_candidate(
        world.trial, "f@example.test", actor=world.acme.manager, name="=HYPERLINK(1)"
    )
    body = login(world.acme.manager).get(f"/trials/{world.trial.pk}/payments.csv").content
    assert b",'=HYPERLINK(1),f@example.test," in body


# --------------------------------------------------------------------------- candidacy page


def test_candidacy_timeline_for_a_manager(world: World, login: Callable[[User], Client]) -> None:
    response = login(world.acme.manager).get(f"/trials/candidacies/{world.scored.pk}/")
    assert response.status_code == 200
    page = _text(response)
    assert NAME in page and EMAIL in page
    card = world.evaluation.scorecard
    work = [p for p in card["charts"]["timeline"] if not p["starter"]]
    assert work, "the persona has commits"
    assert page.count('class="event commit') == len(work)
    for point in work[:5]:
        assert f'id="commit-{point["sha"][:12]}"' in page
        assert f'href="#commit-{point["sha"][:12]}"' in page  # the chart links to the entry
    dated = [p for p in card["charts"]["trajectory"]["points"] if p["at"]]
    assert page.count('class="event experiment') == len(dated)
    assert page.count('class="event question') == 2
    # the update posted on the platform, and those the persona kept in the repository
    in_repo = page.count("kept in the repository")
    assert in_repo >= 1 and page.count('class="event update') == 1 + in_repo
    assert page.count('class="event feedback') == 1
    assert page.count('class="event submission') == 1
    assert "Baseline logistic regression" in page and "Production looks like dev." in page
    assert '<svg class="chart timeline"' in page
    assert f'action="/trials/candidacies/{world.scored.pk}/feedback/"' in page
    assert f'action="/trials/candidacies/{world.scored.pk}/payment/"' in page
    assert f'href="/trials/evaluations/{world.evaluation.pk}/scorecard/"' in page
    event = AuditEvent.objects.get(action="candidacy.view", target=f"candidacy:{world.scored.pk}")
    assert event.actor == world.acme.manager and event.details["page"] == "timeline"


def test_candidacy_timeline_is_blind_until_the_review_is_submitted(
    world: World, login: Callable[[User], Client]
) -> None:
    from worktrial.web.reviews.actions import do_submit_review

    client = login(world.acme.reviewer)
    page = _text(client.get(f"/trials/candidacies/{world.scored.pk}/"))
    assert world.scored.alias in page
    for secret in (NAME, EMAIL, "Okafor"):
        assert secret not in page
    assert "Blind review" in page and "/feedback/" not in page and "/payment/" not in page
    review = Review.objects.get(candidacy=world.scored, reviewer=world.acme.reviewer)
    do_submit_review(
        review,
        actor=world.acme.reviewer,
        ratings=dict.fromkeys(DIMENSIONS, 4),
        comments=dict.fromkeys(DIMENSIONS, "Clear evidence in the history."),
        recommendation="yes",
    )
    page = _text(client.get(f"/trials/candidacies/{world.scored.pk}/"))
    assert NAME in page and EMAIL in page and "Blind review" not in page
    assert "/feedback/" not in page  # still a reviewer: no manager forms


def test_answer_a_question(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    url = f"/trials/candidacies/{world.scored.pk}/questions/{world.open_question.pk}/answer/"
    response = client.post(url, {"answer": "   "})
    assert response.status_code == 400
    page = _text(response)
    assert "This field is required." in page and '<svg class="chart timeline"' in page
    world.open_question.refresh_from_db()
    assert world.open_question.answered_at is None
    response = client.post(url, {"answer": "Yes, any library in the environment."})
    assert response.status_code == 302
    assert response["Location"] == (
        f"/trials/candidacies/{world.scored.pk}/#question-{world.open_question.pk}"
    )
    world.open_question.refresh_from_db()
    assert world.open_question.answer == "Yes, any library in the environment."
    assert world.open_question.answered_by == world.acme.manager


def test_questions_inbox(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    inbox = f"/trials/{world.trial.pk}/questions/"
    page = _text(client.get(inbox))
    assert "May I use gradient boosting from a library?" in page
    assert "Does production look like dev" not in page  # answered already
    assert "1 question answered so far" in page
    url = f"/trials/candidacies/{world.scored.pk}/questions/{world.open_question.pk}/answer/"
    response = client.post(url, {"answer": "", "next": inbox})
    assert response.status_code == 400
    assert "This field is required." in _text(response) and "Unanswered questions" in _text(
        response
    )
    response = client.post(url, {"answer": "Yes.", "next": inbox})
    assert response.status_code == 302 and response["Location"] == inbox
    assert "No open questions." in _text(client.get(inbox))
    # a next pointing elsewhere is ignored
    response = client.post(url, {"answer": "Yes!", "next": "https://evil.example/"})
    assert response["Location"].startswith(f"/trials/candidacies/{world.scored.pk}/")


def test_answer_a_question_of_another_candidacy_is_404(
    world: World, login: Callable[[User], Client]
) -> None:
    url = f"/trials/candidacies/{world.waiting.pk}/questions/{world.open_question.pk}/answer/"
    assert login(world.acme.manager).post(url, {"answer": "x"}).status_code == 404


def test_give_checkpoint_feedback(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    url = f"/trials/candidacies/{world.scored.pk}/feedback/"
    checkpoint = world.trial.checkpoints.last()
    assert checkpoint is not None
    response = client.post(url, {"checkpoint": checkpoint.pk, "text": ""})
    assert response.status_code == 400 and "This field is required." in _text(response)
    response = client.post(url, {"checkpoint": 999999, "text": "Good."})
    assert response.status_code == 400
    assert "Select a valid choice. That choice is not one of the available choices." in _text(
        response
    )
    assert world.scored.feedback.count() == 1
    response = client.post(url, {"checkpoint": checkpoint.pk, "text": "Ship the write-up."})
    assert response.status_code == 302
    latest = world.scored.feedback.order_by("-pk").first()
    assert latest is not None and latest.checkpoint == checkpoint
    assert latest.text == "Ship the write-up." and latest.given_by == world.acme.manager


def test_set_payment_status(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    url = f"/trials/candidacies/{world.scored.pk}/payment/"
    response = client.post(url, {"payment_status": "bogus"})
    assert response.status_code == 400
    assert "Select a valid choice. bogus is not one of the available choices." in _text(response)
    response = client.post(url, {"payment_status": "due"})
    assert response.status_code == 302
    world.scored.refresh_from_db()
    assert world.scored.payment_status == "due" and world.scored.paid_at is None


# --------------------------------------------------------------------------- scorecard


def test_scorecard_page_and_downloads(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    ev = world.evaluation.pk
    page = _text(client.get(f"/trials/evaluations/{ev}/scorecard/"))
    assert f'src="/trials/evaluations/{ev}/scorecard.html"' in page and 'sandbox=""' in page
    assert NAME in page  # a manager sees who it is, around the frame
    html = client.get(f"/trials/evaluations/{ev}/scorecard.html")
    assert html.status_code == 200 and html["X-Frame-Options"] == "SAMEORIGIN"
    assert html["Content-Security-Policy"].startswith("default-src 'none'; ")
    assert "frame-ancestors 'self'" in html["Content-Security-Policy"]
    assert world.scored.alias in _text(html) and "<script" not in _text(html)
    md = client.get(f"/trials/evaluations/{ev}/scorecard.md")
    name = f"scorecard-{world.scored.alias}-submission-1"
    assert md["Content-Disposition"] == f'attachment; filename="{name}.md"'
    assert world.scored.alias in md.content.decode()
    js = client.get(f"/trials/evaluations/{ev}/scorecard.json")
    assert js["Content-Disposition"] == f'attachment; filename="{name}.json"'
    assert js.json()["candidate"] == world.scored.alias
    pages = [
        e.details["page"]
        for e in AuditEvent.objects.filter(
            action="candidacy.view", target=f"candidacy:{world.scored.pk}"
        ).order_by("pk")
    ]
    assert pages == ["scorecard", "scorecard.html", "scorecard.md", "scorecard.json"]


def test_scorecard_is_blind_for_a_reviewer(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.reviewer)
    ev = world.evaluation.pk
    for suffix in ("scorecard/", "scorecard.html", "scorecard.md", "scorecard.json"):
        response = client.get(f"/trials/evaluations/{ev}/{suffix}")
        assert response.status_code == 200, suffix
        body = response.content.decode()
        for secret in (NAME, EMAIL, "Amara", "Okafor", "amara.okafor"):
            assert secret not in body, (suffix, secret)


def test_scorecard_of_a_queued_evaluation(world: World, login: Callable[[User], Client]) -> None:
    assert world.scored.user is not None
    submission = do_submit(world.scored, world.bundle, name="again.bundle", actor=world.scored.user)
    ev = Evaluation.objects.get(submission=submission)
    client = login(world.acme.manager)
    page = _text(client.get(f"/trials/evaluations/{ev.pk}/scorecard/"))
    assert "There is no scorecard yet: waiting for a worker." in page and "<iframe" not in page
    assert client.get(f"/trials/evaluations/{ev.pk}/scorecard.html").status_code == 404
    assert client.get(f"/trials/evaluations/{ev.pk}/scorecard.md").status_code == 404
    # the submissions table polls while the evaluation waits, and stops once it is done
    fragment = _text(client.get(f"/trials/candidacies/{world.scored.pk}/submissions/"))
    assert 'hx-trigger="every 5s"' in fragment and "waiting for a worker" in fragment
    Evaluation.objects.filter(pk=ev.pk).update(status="failed", reason="it crashed")
    refresh_latest(world.scored.pk)
    fragment = _text(client.get(f"/trials/candidacies/{world.scored.pk}/submissions/"))
    assert "hx-trigger" not in fragment and "it crashed" in fragment


def test_unknown_ids_are_404(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.acme.manager)
    for url in (
        "/trials/999999/",
        "/trials/candidacies/999999/",
        "/trials/evaluations/999999/scorecard/",
    ):
        assert client.get(url).status_code == 404, url


# --------------------------------------------------------------------------- charts


def test_charts_escape_what_they_draw() -> None:
    now = timezone.now()
    strip = charts.score_strip([charts.Dot("<b>x</b>", 3.2, "/a?b=1&c=2")])
    assert "<b>" not in strip and "&lt;b&gt;x&lt;/b&gt;: 3.2" in strip
    assert 'href="/a?b=1&amp;c=2"' in strip
    line = charts.timeline(
        ["Commits"],
        [charts.Mark("Commits", now, '"quoted" <subject>', "commit-1")],
        [charts.Rule(now, "start")],
        now - timedelta(days=1),
        now + timedelta(days=1),
    )
    assert "<subject>" not in line and "&quot;quoted&quot; &lt;subject&gt;" in line


def test_strip_plot_keeps_every_candidate_visible() -> None:
    dots = [charts.Dot(f"c{i}", 3.0, "") for i in range(5)]
    svg = charts.score_strip(dots)
    ys = re.findall(r'<circle class="dot" cx="[\d.]+" cy="([\d.]+)"', svg)
    assert len(set(ys)) == 5  # equal scores are stacked, not drawn on top of each other


def test_histogram_bins_cover_the_scale() -> None:
    bins = dashboard.histogram([(1.0, 2), (2.3, 1), (4.99, 1), (5.0, 3)])
    assert len(bins) == 16 and (bins[0].low, bins[-1].high) == (1.0, 5.0)
    assert [b.count for b in bins if b.count] == [2, 1, 4]  # 5.0 falls in the last bin
    assert (bins[5].low, bins[5].high, bins[5].count) == (2.25, 2.5, 1)
    svg = charts.score_histogram(bins, title="<i>scores</i>")
    assert "<i>" not in svg and "&lt;i&gt;scores&lt;/i&gt;" in svg
    assert svg.count("<rect ") == 3 and "<title>4.75–5: 4</title>" in svg


def test_the_timeline_shows_the_updates_kept_in_the_repository(world: World, login: Any) -> None:
    page = _text(login(world.acme.manager).get(f"/trials/candidacies/{world.scored.pk}/"))
    # the persona logs its progress with `worktrial update` in the repository
    assert "kept in the repository" in page
    # the update posted on the platform is there once
    assert page.count("Done: Baseline logistic regression") == 1


def test_a_blind_reviewer_reads_candidate_text_without_the_name(world: World, login: Any) -> None:
    update = actions.do_post_update(
        world.scored,
        actor=world.scored.user,
        done=f"Signed: {NAME} ({EMAIL}) — tuned the threshold",
    )
    try:
        reviewer_page = _text(
            login(world.acme.reviewer).get(f"/trials/candidacies/{world.scored.pk}/")
        )
        assert "tuned the threshold" in reviewer_page
        assert "Amara" not in reviewer_page and "amara" not in reviewer_page
        assert world.scored.alias in reviewer_page
        manager_page = _text(
            login(world.acme.manager).get(f"/trials/candidacies/{world.scored.pk}/")
        )
        assert f"Signed: {NAME}" in manager_page
    finally:
        update.delete()
