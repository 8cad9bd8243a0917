"""The candidate portal and web submissions: joining from an invitation link, the candidate's
own pages (and nobody else's), downloads without hidden files, uploads refused with clear
messages, the live status fragment and the shared scorecard."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from worktrial.errors import SpecError
from worktrial.web import storage
from worktrial.web.accounts.actions import do_create_user
from worktrial.web.accounts.models import Membership, User
from worktrial.web.audit.models import AuditEvent
from worktrial.web.jobs.models import Evaluation
from worktrial.web.portal.kit import bundle_of, check_no_hidden
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import actions
from worktrial.web.trials.models import Candidacy, Feedback, Invitation, Trial

from .conftest import PASSWORD, Company, make_company

pytestmark = pytest.mark.django_db

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.test",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass
class World:
    company: Company
    trial: Trial
    ada: Candidacy  # the candidate most tests act as
    bo: Candidacy  # another candidate of the same trial
    repo: Path  # a small git repository
    bundle: Path  # a valid git bundle of it


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
        timeout=30,
    )


@pytest.fixture(scope="module")
def module_world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One trial with two candidates for the whole module (tests change things only inside
    their own rolled-back transaction); removed again at the end."""
    repo = tmp_path_factory.mktemp("portal") / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "README.md").write_text("# Screening model\n\nBaseline first.\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "Start with a README")
    bundle = repo.parent / "work.bundle"
    _git(repo, "bundle", "create", str(bundle), "--all")
    with django_db_blocker.unblock():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        company = make_company("portalco")
        trial = actions.do_create_trial_from_template(
            company.org, "classification", actor=company.manager
        )
        actions.do_publish_trial(trial, actor=company.manager)
        joined = []
        for email in ("ada@example.test", "bo@example.test"):
            _, token = actions.do_invite_candidate(trial, email, actor=company.manager)
            joined.append(actions.do_accept_invitation(token, password=PASSWORD))
        try:
            yield World(company, trial, joined[0], joined[1], repo, bundle)
        finally:
            users = [
                company.admin,
                company.manager,
                company.reviewer,
                company.reviewer2,
                *(c.user for c in joined),
            ]
            company.org.delete()
            User.objects.filter(pk__in=[u.pk for u in users if u is not None]).delete()
            AuditEvent.objects.filter(pk__gt=first_event).delete()


@pytest.fixture
def world(module_world: World, db: Any) -> World:
    """The module's world read afresh: a test's changes (rolled back) never leak through the
    objects held in memory."""
    w = module_world
    return World(
        w.company,
        Trial.objects.get(pk=w.trial.pk),
        Candidacy.objects.select_related("trial", "user").get(pk=w.ada.pk),
        Candidacy.objects.select_related("trial", "user").get(pk=w.bo.pk),
        w.repo,
        w.bundle,
    )


@pytest.fixture
def ada(world: World, login: Callable[[User], Client]) -> Client:
    assert world.ada.user is not None
    return login(world.ada.user)


def _url(candidacy: Candidacy, page: str = "") -> str:
    return f"/portal/{candidacy.pk}/{page}"


def _subs(candidacy: Candidacy, page: str = "") -> str:
    return f"/submissions/mine/{candidacy.pk}/{page}"


def _text(response: Any) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- joining


def _snapshot(invitation_candidacy: Candidacy) -> tuple[Any, ...]:
    c = Candidacy.objects.get(pk=invitation_candidacy.pk)
    return (
        User.objects.count(),
        Membership.objects.count(),
        c.stage,
        c.user_id,
        list(c.invitations.values_list("accepted_at", flat=True)),
    )


def test_join_creates_an_account_and_logs_in(world: World) -> None:
    candidacy, token = actions.do_invite_candidate(
        world.trial, "cy@example.test", actor=world.company.manager, name="Cy"
    )
    client = Client()
    page = client.get(f"/portal/join/{token}/")
    assert page.status_code == 200
    assert world.trial.title in _text(page) and "Portalco" in _text(page)
    assert "cy@example.test" in _text(page)

    before = _snapshot(candidacy)
    differ = client.post(
        f"/portal/join/{token}/", {"name": "Cy", "password": PASSWORD, "password2": "other"}
    )
    assert differ.status_code == 400
    assert "the two passwords differ; type the same one twice" in _text(differ)
    weak = client.post(
        f"/portal/join/{token}/", {"name": "Cy", "password": "abc", "password2": "abc"}
    )
    assert weak.status_code == 400
    assert "This password is too short. It must contain at least 8 characters." in _text(weak)
    assert _snapshot(candidacy) == before

    done = client.post(
        f"/portal/join/{token}/", {"name": "Cy", "password": PASSWORD, "password2": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == _url(candidacy)
    candidacy.refresh_from_db()
    assert candidacy.stage == "active" and candidacy.user is not None
    assert candidacy.user.email == "cy@example.test"
    home = client.get(done["Location"])  # logged in by the join
    assert home.status_code == 200 and "You joined" in _text(home)


def test_join_in_one_click_as_the_invited_user(
    world: World, login: Callable[[User], Client]
) -> None:
    dee = do_create_user("dee@example.test", PASSWORD)
    candidacy, token = actions.do_invite_candidate(
        world.trial, "Dee@Example.test", actor=world.company.manager
    )
    before = _snapshot(candidacy)

    # not logged in: the account exists, so the page asks to log in and a POST changes nothing
    anonymous = Client()
    page = anonymous.get(f"/portal/join/{token}/")
    assert "You already have an account with dee@example.test" in _text(page)
    assert f"/accounts/login/?next=/portal/join/{token}/" in _text(page)
    assert anonymous.post(f"/portal/join/{token}/", {}).status_code == 409
    # logged in as somebody else
    assert world.ada.user is not None
    other = login(world.ada.user).post(f"/portal/join/{token}/", {})
    assert other.status_code == 409
    assert "You are logged in as ada@example.test, not as dee@example.test" in _text(other)
    assert _snapshot(candidacy) == before

    client = login(dee)
    assert "Join the trial" in _text(client.get(f"/portal/join/{token}/"))
    done = client.post(f"/portal/join/{token}/", {})
    assert done.status_code == 302 and done["Location"] == _url(candidacy)
    candidacy.refresh_from_db()
    assert candidacy.user == dee and candidacy.stage == "active"


@pytest.mark.parametrize("case", ["unknown", "used", "expired"])
def test_join_refuses_bad_links_and_changes_nothing(world: World, case: str) -> None:
    candidacy, token = actions.do_invite_candidate(
        world.trial, f"{case}@example.test", actor=world.company.manager
    )
    if case == "unknown":
        token = "not-a-token"
        message = "this invitation link is not valid; ask the company for a new one"
    elif case == "used":
        actions.do_accept_invitation(token, password=PASSWORD)
        message = "this invitation link was already used; log in instead"
    else:
        expired = timezone.now() - timedelta(days=1)
        Invitation.objects.filter(candidacy=candidacy).update(expires_at=expired)
        message = (
            f"this invitation link expired on {expired:%Y-%m-%d}; ask the company for a new one"
        )
    before = _snapshot(candidacy)
    client = Client()
    for response in (
        client.get(f"/portal/join/{token}/"),
        client.post(
            f"/portal/join/{token}/", {"name": "X", "password": PASSWORD, "password2": PASSWORD}
        ),
    ):
        assert response.status_code == 410
        assert message in _text(response)
    assert _snapshot(candidacy) == before


# --------------------------------------------------------------------------- who may see


def _candidate_urls(c: Candidacy) -> list[str]:
    return [
        _url(c),
        _url(c, "kit.zip"),
        _url(c, "files/0/"),
        _url(c, "questions/"),
        _url(c, "updates/"),
        _url(c, "feedback/"),
        _url(c, "your-data/"),
        _url(c, "your-data/export.zip"),
        _subs(c),
        _subs(c, "status/"),
        _subs(c, "1/scorecard/"),
    ]


def test_only_the_candidate_sees_their_candidacy(
    world: World, login: Callable[[User], Client]
) -> None:
    world.ada.export_requested_at = timezone.now()
    world.ada.save(update_fields=["export_requested_at"])
    assert world.bo.user is not None
    company = world.company
    outsiders = [world.bo.user, company.admin, company.manager, company.reviewer]
    for user in outsiders:
        client = login(user)
        for url in _candidate_urls(world.ada):
            assert client.get(url).status_code == 404, (user.email, url)
        for url, data in (
            (_url(world.ada, "questions/"), {"text": "leak?"}),
            (_url(world.ada, "updates/"), {"done": "leak"}),
            (_url(world.ada, "your-data/"), {"kind": "erase"}),
            (_subs(world.ada), {}),
        ):
            assert client.post(url, data).status_code == 404, (user.email, url)
    anonymous = Client().get(_url(world.ada))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert not world.ada.questions.exists() and not world.ada.updates.exists()
    assert Candidacy.objects.get(pk=world.ada.pk).erasure_requested_at is None


# --------------------------------------------------------------------------- overview, downloads


def test_overview_shows_the_brief_escaped_and_what_to_do(world: World, ada: Client) -> None:
    Trial.objects.filter(pk=world.trial.pk).update(
        brief="# Screening\n\n**Recall first.** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    page = ada.get(_url(world.ada))
    text = _text(page)
    assert page.status_code == 200
    assert "<h1>Screening</h1>" in text and "<strong>Recall first.</strong>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert 'href="javascript:' not in text
    assert "1,200.00 EUR" in text and "Not due yet" in text
    assert "Day 3 checkpoint" in text and "Day 7 checkpoint" in text
    assert "data/train.csv" in text and "data/dev.csv" in text and "hidden/" not in text
    assert "worktrial login --server http://testserver --token TOKEN" in text
    for command in ("worktrial update", "worktrial check", "worktrial submit"):
        assert command in text
    assert AuditEvent.objects.filter(
        action="candidacy.view", target=f"candidacy:{world.ada.pk}", details__page="overview"
    ).exists()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_kit_zip_holds_no_hidden_file(world: World, ada: Client) -> None:
    response = ada.get(_url(world.ada, "kit.zip"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="malignancy-screening-kit.zip"'
    )
    kit = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = kit.namelist()
    top = "malignancy-screening-kit/"
    assert {f"{top}brief.md", f"{top}repo/data/train.csv", f"{top}repo/.git/HEAD"} <= set(names)
    assert all(n.startswith(top) for n in names)
    bundle = bundle_of(world.trial)
    hidden = {
        h.relative_to(bundle.root).as_posix(): _sha(h.read_bytes()) for h in bundle.hidden_files
    }
    assert len(hidden) == 2
    member_hashes = {_sha(kit.read(n)) for n in names if not n.endswith("/")}
    for rel, digest in hidden.items():
        assert not any(n.endswith((rel, rel.rsplit("/", 1)[-1])) for n in names)
        assert digest not in member_hashes, f"the bytes of {rel} are in the kit"
    assert not any("/solution/" in n or "/hooks/" in n for n in names)

    # built once per trial version: the same file again, a new one (and only it) for a new brief
    kits = storage.home() / "kits"
    first = sorted(kits.glob(f"trial-{world.trial.pk}-*.zip"))
    assert len(first) == 1
    ada.get(_url(world.ada, "kit.zip")).close()
    assert sorted(kits.glob(f"trial-{world.trial.pk}-*.zip")) == first
    actions.do_edit_trial(world.trial, actor=world.company.manager, brief="# New brief\n")
    edited = ada.get(_url(world.ada, "kit.zip"))
    rebuilt = zipfile.ZipFile(io.BytesIO(b"".join(edited.streaming_content)))
    assert rebuilt.read(f"{top}brief.md") == b"# New brief\n"
    now = sorted(kits.glob(f"trial-{world.trial.pk}-*.zip"))
    assert len(now) == 1 and now != first


def test_a_kit_with_hidden_bytes_is_refused(world: World, tmp_path: Path) -> None:
    bundle = bundle_of(world.trial)
    labels = bundle.hidden_files[-1]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("kit/repo/data/train.csv", b"id,malignant\n1,0\n")
        zf.writestr("kit/repo/notes/answers.csv", labels.read_bytes())
    with pytest.raises(SpecError) as err:
        check_no_hidden(bad, bundle)
    assert err.value.message == (
        "the candidate kit would give away hidden data: kit/repo/notes/answers.csv has the "
        "same bytes as the hidden file hidden/holdout_labels.csv. Fix the trial bundle; "
        "nothing was sent"
    )


def test_public_data_files_download_and_hidden_ones_do_not(world: World, ada: Client) -> None:
    bundle = bundle_of(world.trial)
    response = ada.get(_url(world.ada, "files/0/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bundle.public_files[0].read_bytes()
    assert 'filename="train.csv"' in response["Content-Disposition"]
    # only the two public files are indexed: the hidden ones have no address
    assert ada.get(_url(world.ada, "files/2/")).status_code == 404
    assert ada.get(_url(world.ada, "files/3/")).status_code == 404


# --------------------------------------------------------------------------- comms


def test_questions_updates_and_feedback(world: World, ada: Client) -> None:
    empty = ada.post(_url(world.ada, "questions/"), {"text": "  "})
    assert empty.status_code == 400 and "This field is required." in _text(empty)
    asked = ada.post(_url(world.ada, "questions/"), {"text": "Is recall the priority?"})
    assert asked.status_code == 302
    question = world.ada.questions.get()
    actions.do_answer_question(
        question, "Yes, within the precision floor.", actor=world.company.manager
    )
    listing = _text(ada.get(_url(world.ada, "questions/")))
    assert "Is recall the priority?" in listing and "Yes, within the precision floor." in listing

    posted = ada.post(
        _url(world.ada, "updates/"), {"done": "Baseline", "next": "Class weights", "blockers": ""}
    )
    assert posted.status_code == 302
    assert list(world.ada.updates.values_list("done", "next")) == [("Baseline", "Class weights")]
    assert "Class weights" in _text(ada.get(_url(world.ada, "updates/")))

    checkpoint = world.trial.checkpoints.first()
    given = actions.do_give_feedback(
        world.ada,
        "Good framing; show the dev numbers.",
        actor=world.company.manager,
        checkpoint=checkpoint,
    )
    assert given.received_at is None
    page = ada.get(_url(world.ada, "feedback/"))
    assert "Good framing; show the dev numbers." in _text(page)
    given.refresh_from_db()
    assert given.received_at is not None  # opening the page marks it received
    answered = ada.post(
        _url(world.ada, "feedback/"),
        {"feedback": given.pk, f"fb{given.pk}-response": "Added a dev table to the README."},
    )
    assert answered.status_code == 302
    given.refresh_from_db()
    assert given.response == "Added a dev table to the README."
    # feedback of another candidacy is not answerable from here
    theirs = actions.do_give_feedback(world.bo, "Theirs", actor=world.company.manager)
    refused = ada.post(
        _url(world.ada, "feedback/"), {"feedback": theirs.pk, f"fb{theirs.pk}-response": "x"}
    )
    assert refused.status_code == 404
    assert Feedback.objects.get(pk=theirs.pk).response == ""

    actions.do_set_stage(world.ada, "decided", actor=world.company.manager)
    closed = ada.post(_url(world.ada, "questions/"), {"text": "One more?"})
    assert closed.status_code == 409
    assert "this candidacy is decided; it takes no more input" in _text(closed)
    assert world.ada.questions.count() == 1


# --------------------------------------------------------------------------- uploads


def _upload(client: Client, candidacy: Candidacy, data: bytes, name: str = "work.bundle") -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post(_subs(candidacy), {"bundle": file})


def _nothing_stored(candidacy: Candidacy) -> None:
    assert not Submission.objects.filter(candidacy=candidacy).exists()
    assert not Evaluation.objects.filter(submission__candidacy=candidacy).exists()


def test_upload_of_a_bundle_queues_its_evaluation(world: World, ada: Client) -> None:
    response = _upload(ada, world.ada, world.bundle.read_bytes())
    assert response.status_code == 302 and response["Location"] == _subs(world.ada)
    submission = Submission.objects.get(candidacy=world.ada)
    assert submission.via == "web" and submission.number == 1
    assert Evaluation.objects.get(submission=submission).status == "queued"
    page = _text(ada.get(_subs(world.ada)))
    assert "Submission 1 was received" in page
    assert "waiting for a worker" in page and 'hx-trigger="every 3s"' in page
    assert "<strong>4</strong> of 5 today" in page and "<strong>29</strong> of 30" in page


def test_upload_of_junk_is_refused_with_its_reason(world: World, ada: Client) -> None:
    response = _upload(ada, world.ada, b"this is not a bundle\n", name="junk.bundle")
    assert response.status_code == 400
    text = _text(response)
    assert "junk.bundle: not a git bundle (expected the output of `git bundle create`)" in text
    _nothing_stored(world.ada)


def test_upload_past_the_quota_is_refused(world: World, ada: Client) -> None:
    world.trial.spec["quotas"] = {"dev_per_day": 5, "total": 1}
    world.trial.save(update_fields=["spec"])
    Submission.objects.create(
        candidacy=world.ada,
        number=1,
        commit="0" * 40,
        repo_dir="repos/none.git",
        size_bytes=1,
        uploaded_at=timezone.now(),
    )
    response = _upload(ada, world.ada, world.bundle.read_bytes())
    assert response.status_code == 429
    assert "you have used all 1 submissions of this trial" in _text(response)
    assert Submission.objects.filter(candidacy=world.ada).count() == 1


@override_settings(WORKTRIAL_MAX_UPLOAD_BYTES=1024)
def test_oversize_uploads_are_refused_early(world: World, ada: Client) -> None:
    advice = (
        "nothing was stored. Keep data files, model weights and build output out of git "
        "(list them in .gitignore), then upload again"
    )
    # the declared length alone refuses it: the tiny body is never parsed
    declared = ada.post(
        _subs(world.ada), b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(5 << 30)
    )
    assert declared.status_code == 413
    assert f"the upload is 5.0 GB, over the 1.0 KB limit; {advice}" in _text(declared)
    big = _upload(ada, world.ada, b"x" * (200 * 1024))
    assert big.status_code == 413
    assert "over the 1.0 KB limit" in _text(big)
    # under the declared-length slack but over the cap: the upload handler stops it
    streamed = _upload(ada, world.ada, b"x" * 5000)
    assert streamed.status_code == 413
    assert f"work.bundle: the file is over the 1.0 KB limit; {advice}" in _text(streamed)
    _nothing_stored(world.ada)


@override_settings(WORKTRIAL_MAX_UPLOAD_BYTES=1024)
def test_upload_checks_csrf_after_the_size_checks(world: World) -> None:
    assert world.ada.user is not None
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ada.user)
    client.get(_subs(world.ada))
    token = client.cookies["csrftoken"].value
    file = io.BytesIO(world.bundle.read_bytes())
    file.name = "work.bundle"
    assert client.post(_subs(world.ada), {"bundle": file}).status_code == 403
    file = io.BytesIO(b"x" * 5000)
    file.name = "work.bundle"
    streamed = client.post(_subs(world.ada), {"csrfmiddlewaretoken": token, "bundle": file})
    assert streamed.status_code == 413
    assert "work.bundle: the file is over the 1.0 KB limit" in _text(streamed)
    _nothing_stored(world.ada)


# --------------------------------------------------------------------------- live status


def _evaluated(candidacy: Candidacy, number: int, **fields: Any) -> Evaluation:
    submission = Submission.objects.create(
        candidacy=candidacy,
        number=number,
        commit=f"{number:040d}",
        repo_dir=f"repos/{number}.git",
        size_bytes=10,
        uploaded_at=timezone.now(),
    )
    return Evaluation.objects.create(
        submission=submission,
        spec_version=candidacy.trial.spec_version,
        queued_at=timezone.now(),
        **fields,
    )


def test_status_fragment_shows_the_reason_and_polls_only_while_live(
    world: World, ada: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(1, 5):
        _evaluated(world.ada, n, status="done", reason="evaluated", dev_score=0.9)
    running = _evaluated(
        world.ada,
        5,
        status="running",
        reason="attempt 2 of 3: the first worker stopped responding",
        step="training the model",
    )
    with django_assert_max_num_queries(10):  # two queries for the list, however long
        fragment = ada.get(_subs(world.ada, "status/"), HTTP_HX_REQUEST="true")
    text = _text(fragment)
    assert fragment.status_code == 200 and "<html" not in text
    assert "attempt 2 of 3: the first worker stopped responding" in text
    assert "training the model" in text and ">Running<" in text
    assert 'hx-trigger="every 3s"' in text and "0.900" in text

    full = ada.get(_subs(world.ada, "status/"))  # no HX-Request: the whole page
    assert full.status_code == 200 and "<html" in _text(full)
    assert "attempt 2 of 3: the first worker stopped responding" in _text(full)
    assert "Upload a git bundle" in _text(full)

    Evaluation.objects.filter(pk=running.pk).update(
        status="done", reason="evaluated in 41 s", dev_score=0.934
    )
    settled = _text(ada.get(_subs(world.ada, "status/"), HTTP_HX_REQUEST="true"))
    assert "hx-trigger" not in settled and "0.934" in settled and ">Evaluated<" in settled


def _real_scorecard(world: World) -> dict[str, Any]:
    from worktrial._pipeline import evaluate_repo

    card = evaluate_repo(world.repo, bundle=bundle_of(world.trial).root, candidate=world.ada.alias)
    return card.model_dump(mode="json")


def test_scorecard_page_only_when_shared(world: World, ada: Client) -> None:
    _evaluated(world.ada, 1, status="done", scorecard=_real_scorecard(world), overall=1.5)
    url = _subs(world.ada, "1/scorecard/")
    assert ada.get(url).status_code == 404
    assert "Scorecard</a>" not in _text(ada.get(_subs(world.ada)))

    actions.do_edit_trial(
        world.trial, actor=world.company.manager, share_scorecard_with_candidates=True
    )
    page = ada.get(url)
    assert page.status_code == 200
    assert world.ada.alias in _text(page) and "Six dimensions" in _text(page)
    assert "Scorecard</a>" in _text(ada.get(_subs(world.ada)))
    assert ada.get(_subs(world.ada, "2/scorecard/")).status_code == 404
    queued = _evaluated(world.ada, 2, status="queued")
    assert queued.scorecard is None
    assert ada.get(_subs(world.ada, "2/scorecard/")).status_code == 404


# --------------------------------------------------------------------------- data requests


def test_export_and_erase_requests(world: World, ada: Client) -> None:
    assert ada.get(_url(world.ada, "your-data/export.zip")).status_code == 404
    assert ada.post(_url(world.ada, "your-data/"), {"kind": "sell"}).status_code == 400
    actions.do_ask_question(world.ada, "Which metric?", actor=world.ada.user)
    _evaluated(world.ada, 1, status="done", scorecard=_real_scorecard(world), dev_score=0.91)

    assert ada.post(_url(world.ada, "your-data/"), {"kind": "export"}).status_code == 302
    world.ada.refresh_from_db()
    assert world.ada.export_requested_at is not None
    page = _text(ada.get(_url(world.ada, "your-data/")))
    assert f"Requested on {world.ada.export_requested_at:%Y-%m-%d %H:%M} UTC" in page

    def export() -> zipfile.ZipFile:
        response = ada.get(_url(world.ada, "your-data/export.zip"))
        assert response.status_code == 200
        return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    private = export()
    assert json.loads(private.read("questions.json"))[0]["question"] == "Which metric?"
    assert json.loads(private.read("submissions.json"))[0]["evaluation"]["dev_score"] == 0.91
    assert not any(n.startswith("scorecards/") for n in private.namelist())
    actions.do_edit_trial(
        world.trial, actor=world.company.manager, share_scorecard_with_candidates=True
    )
    world.ada.trial.refresh_from_db()
    shared = export()
    assert {"scorecards/submission-1.json", "scorecards/submission-1.html"} <= set(
        shared.namelist()
    )

    assert ada.post(_url(world.ada, "your-data/"), {"kind": "erase"}).status_code == 302
    world.ada.refresh_from_db()
    assert world.ada.erasure_requested_at is not None
    page = _text(ada.get(_url(world.ada, "your-data/")))
    assert f"Requested on {world.ada.erasure_requested_at:%Y-%m-%d %H:%M} UTC" in page
    assert "Erase my data</button>" not in page
