"""Review: blind until submitted, others' ratings after, one submission, the disagreement flag,
the decision, and an audit row for every view and change.

One evaluated candidacy is built per module (a real persona repository, bundled, taken in and
evaluated in-process) and committed; each test runs in a transaction rolled back after it, and
the module flushes the database when it is done.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from worktrial.demo import build_persona
from worktrial.errors import PlatformError, StateError
from worktrial.repo import run_git
from worktrial.web.accounts.actions import do_add_member, do_create_user
from worktrial.web.accounts.models import User
from worktrial.web.audit.models import AuditEvent
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.reviews import actions
from worktrial.web.reviews.agreement import compare_reviews, disagreement
from worktrial.web.reviews.evidence import SEEING, Blinder, read_file
from worktrial.web.reviews.models import Decision, Review
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions as trial_actions
from worktrial.web.trials.models import Candidacy, Trial

from .conftest import PASSWORD, Company, make_company

pytestmark = pytest.mark.django_db

NAME = "Amara Okafor"  # the persona's git author too
EMAIL = "amara.okafor@example.com"
SECRET_WORDS = (b"amara", b"okafor")
DIMS = ("output", "framing", "iteration", "discipline", "communication", "decisions")


@dataclass
class World:
    acme: Company
    outsider: User  # a reviewer of another organization
    lurker: User  # a reviewer of the same organization, not assigned
    third: User  # a reviewer of the same organization, for the third review
    trial: Trial
    candidacy_id: int

    def candidacy(self) -> Candidacy:
        return Candidacy.objects.select_related("trial__organization").get(pk=self.candidacy_id)


def _commit_authors_file(repo: Path) -> None:
    """A file that names the candidate, as real repositories do (LICENSE, AUTHORS, README)."""
    (repo / "AUTHORS.md").write_text(f"# Authors\n\nWritten by {NAME} <{EMAIL}>.\n")
    (repo / "notes").mkdir()
    (repo / "notes" / "amara-okafor.md").write_text("Notes to self.\n")
    identity = {
        "GIT_AUTHOR_NAME": NAME,
        "GIT_AUTHOR_EMAIL": EMAIL,
        "GIT_COMMITTER_NAME": NAME,
        "GIT_COMMITTER_EMAIL": EMAIL,
    }
    run_git(repo, "add", "AUTHORS.md", "notes")
    run_git(repo, "commit", "-q", "-m", "Add the authors file", env=identity)


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("reviews")
    with django_db_blocker.unblock():
        acme = make_company("revco")
        other = make_company("rivalco")
        extra = {}
        for name in ("lurker", "third"):
            extra[name] = do_create_user(f"{name}@revco.test", PASSWORD)
            do_add_member(acme.org, extra[name], "reviewer", actor=acme.admin)
        trial = trial_actions.do_create_trial_from_template(
            acme.org, "classification", actor=acme.manager
        )
        trial_actions.do_publish_trial(trial, actor=acme.manager)
        candidacy, token = trial_actions.do_invite_candidate(
            trial, EMAIL, actor=acme.manager, name=NAME
        )
        candidacy = trial_actions.do_accept_invitation(token, password=PASSWORD, name=NAME)
        trial_actions.do_post_update(
            candidacy,
            actor=candidacy.user,
            done=f"{NAME} here: the baseline is done; mail me at {EMAIL}",
        )
        trial_actions.do_ask_question(
            candidacy, "Okafor asks: is recall the priority?", actor=candidacy.user
        )
        persona = build_persona(
            "iterative-engineer",
            tmp / "repo",
            starter=None,
            start=candidacy.starts_at - timedelta(days=1),
        )
        _commit_authors_file(persona.path)
        bundle = tmp / "work.bundle"
        subprocess.run(
            ["git", "-C", str(persona.path), "bundle", "create", str(bundle), "--all"],
            check=True,
            capture_output=True,
        )
        submission = do_submit(candidacy, bundle, name="work.bundle", actor=candidacy.user)
        assert evaluate(Evaluation.objects.get(submission=submission).pk) == "done"
        w = World(acme, other.reviewer, extra["lurker"], extra["third"], trial, candidacy.pk)
    yield w
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assign(w: World, reviewer: User) -> Review:
    return actions.do_assign_reviewer(w.candidacy(), reviewer, actor=w.acme.manager)


def _complete(**over: Any) -> dict[str, Any]:
    ratings = dict.fromkeys(DIMS, 3)
    ratings.update(over.pop("ratings", {}))
    return {
        "ratings": ratings,
        "comments": {d: f"seen in the history ({d})" for d in DIMS},
        "recommendation": over.pop("recommendation", "yes"),
        "summary": over.pop("summary", "solid, iterative work"),
    }


def _form(content: dict[str, Any], op: str) -> dict[str, str]:
    data = {"op": op, "recommendation": content["recommendation"], "summary": content["summary"]}
    for d, v in content["ratings"].items():
        data[f"rating_{d}"] = str(v)
    for d, text in content["comments"].items():
        data[f"comment_{d}"] = text
    return data


def _blind_urls(w: World, review: Review) -> list[str]:
    cid = w.candidacy_id
    return [
        "/reviews/",
        f"/reviews/{review.pk}/",
        f"/reviews/candidacy/{cid}/evidence/",
        f"/reviews/candidacy/{cid}/file/?path=AUTHORS.md",
        f"/reviews/candidacy/{cid}/file/?path=README.md",
    ]


# --------------------------------------------------------------------------- blindness


def test_blind_before_submit_and_identity_after(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    alias = world.candidacy().alias
    # the evidence does name the candidate: the pages must hide it
    raw = read_file(world.candidacy().submissions.get(), "AUTHORS.md", SEEING)
    assert raw is not None and NAME in (raw.text or "")

    client = _client(world.acme.reviewer)
    for url in _blind_urls(world, review):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.lower()
        for word in SECRET_WORDS:
            assert word not in body, f"{word!r} leaks on {url}"
    # a path that names the candidate is listed blinded, and opens by that name
    notes = f"notes/{alias}-{alias}.md"
    evidence = client.get(f"/reviews/candidacy/{world.candidacy_id}/evidence/").content.decode()
    assert f'?path={notes}">{notes}</a>' in evidence
    opened = client.get(f"/reviews/candidacy/{world.candidacy_id}/file/?path={notes}")
    assert opened.status_code == 200 and b"Notes to self." in opened.content
    assert not any(word in opened.content.lower() for word in SECRET_WORDS)
    authors = client.get(f"/reviews/candidacy/{world.candidacy_id}/file/?path=AUTHORS.md")
    assert f"Written by {alias} &lt;{alias}&gt;.".encode() in authors.content
    page = client.get(f"/reviews/{review.pk}/").content
    assert alias.encode() in page
    assert b"baseline is done" in page  # the update is shown, blinded
    assert b"Commit timeline" in page and b"Files at the submitted commit" in page

    actions.do_submit_review(review, actor=world.acme.reviewer, **_complete())
    after = client.get(f"/reviews/{review.pk}/").content
    assert NAME.encode() in after and EMAIL.encode() in after
    file_after = client.get(f"/reviews/candidacy/{world.candidacy_id}/file/?path=AUTHORS.md")
    assert f"Written by {NAME}".encode() in file_after.content


def test_blinder_rules() -> None:
    blind = Blinder("candidate-1234", [NAME, EMAIL])
    assert blind(f"by {NAME} <{EMAIL}>") == "by candidate-1234 <candidate-1234>"
    assert blind("OKAFOR wrote amara.okafor@other.org") == (
        "candidate-1234 wrote candidate-1234@other.org"
    )
    # whole words only: identifiers and other words stay
    assert blind("okafor_model and Amarante") == "okafor_model and Amarante"
    assert blind("notes/amara-okafor.md") == "notes/candidate-1234-candidate-1234.md"
    assert Blinder("x", ["Li"])("list of Li") == "list of Li"  # too short to scrub alone
    assert blind.deep({"a": [f"{NAME}!", 3]}) == {"a": ["candidate-1234!", 3]}


def test_others_ratings_hidden_until_submit(world: World) -> None:
    mine = _assign(world, world.acme.reviewer)
    theirs = _assign(world, world.acme.reviewer2)
    actions.do_submit_review(
        theirs,
        actor=world.acme.reviewer2,
        **_complete(summary="zebra-summary of the other reviewer"),
    )
    client = _client(world.acme.reviewer)
    before = client.get(f"/reviews/{mine.pk}/").content
    assert b"zebra-summary" not in before
    assert world.acme.reviewer2.email.encode() not in before
    assert b"Ratings side by side" not in before

    client.post(f"/reviews/{mine.pk}/", _form(_complete(), "submit"))
    after = client.get(f"/reviews/{mine.pk}/").content
    assert b"Ratings side by side" in after
    assert b"zebra-summary" in after and world.acme.reviewer2.email.encode() in after


# --------------------------------------------------------------------------- submitting


def test_submit_twice_is_409_with_the_exact_message(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    client = _client(world.acme.reviewer)
    data = _form(_complete(), "submit")
    first = client.post(f"/reviews/{review.pk}/", data)
    assert first.status_code == 302 and first["Location"] == f"/reviews/{review.pk}/"
    review.refresh_from_db()
    assert review.submitted_at is not None and review.ratings == dict.fromkeys(DIMS, 3)
    message = (
        f"this review was submitted on {review.submitted_at:%Y-%m-%d %H:%M} UTC; "
        "a submitted review cannot be changed"
    )
    again = client.post(f"/reviews/{review.pk}/", data)
    assert again.status_code == 409
    assert message.encode() in again.content
    as_json = client.post(f"/reviews/{review.pk}/", data, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 409
    assert as_json.json()["error"] == {
        "code": StateError.code,
        "message": message,
        "fields": {"state": "submitted"},
    }
    # a draft save after submission is refused the same way, and nothing changed
    save = client.post(f"/reviews/{review.pk}/", _form(_complete(ratings={"output": 1}), "save"))
    assert save.status_code == 409
    review.refresh_from_db()
    assert review.ratings["output"] == 3
    assert (
        AuditEvent.objects.filter(action="review.submit", target=f"review:{review.pk}").count() == 1
    )


def test_incomplete_submission_names_the_missing_dimensions(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    client = _client(world.acme.reviewer)
    content = _complete()
    content["ratings"] = {"output": 4, "framing": 2}
    content["comments"] = {"output": "good holdout score", "iteration": "many experiments"}
    content["recommendation"] = ""
    response = client.post(f"/reviews/{review.pk}/", _form(content, "submit"))
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "the review is not complete; missing ratings: Iteration, Engineering discipline, "
        "Communication, Decisions under constraints; missing comments: Problem framing, "
        "Engineering discipline, Communication, Decisions under constraints; "
        "missing recommendation"
    ) in text
    assert "rate Iteration from 1 to 5" in text  # next to the field
    assert "say why you rated Problem framing this way" in text
    assert "choose a recommendation" in text
    assert "good holdout score" in text  # what was typed is kept in the form
    review.refresh_from_db()
    assert review.submitted_at is None and review.ratings == {}


def test_invalid_values_are_refused_by_the_actions(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    with pytest.raises(PlatformError) as err:
        actions.do_save_review(
            review, actor=world.acme.reviewer, ratings={"iteration": 7}, comments={}
        )
    assert err.value.message == "Iteration: a rating is a whole number from 1 to 5; found 7"
    with pytest.raises(PlatformError) as err:
        actions.do_save_review(review, actor=world.acme.reviewer, ratings={"charm": 3}, comments={})
    assert err.value.message == (
        "unknown dimension 'charm'; expected one of output, framing, iteration, discipline, "
        "communication, decisions"
    )
    with pytest.raises(PlatformError) as err:
        actions.do_save_review(review, actor=world.acme.reviewer2, ratings={}, comments={})
    assert err.value.message == "only the assigned reviewer can write this review"
    review.refresh_from_db()
    assert review.ratings == {}


def test_htmx_saves_a_draft_without_reload(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    client = _client(world.acme.reviewer)
    content = _complete()
    content["ratings"] = {"output": 4}
    response = client.post(f"/reviews/{review.pk}/", _form(content, "save"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<form") and "Draft saved" in body and "<html" not in body
    review.refresh_from_db()
    assert review.ratings == {"output": 4} and review.submitted_at is None
    assert AuditEvent.objects.filter(action="review.save", target=f"review:{review.pk}").exists()
    # without JavaScript: a redirect back to the page, which shows the draft
    plain = client.post(f"/reviews/{review.pk}/", _form(content, "save"))
    assert plain.status_code == 302
    assert (
        b'value="4" id="id_rating_output_3" checked' in client.get(f"/reviews/{review.pk}/").content
    )


def test_a_manager_reads_but_cannot_write_someone_elses_review(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    client = _client(world.acme.manager)
    assert client.get(f"/reviews/{review.pk}/").status_code == 200
    response = client.post(f"/reviews/{review.pk}/", _form(_complete(), "submit"))
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.submitted_at is None


# --------------------------------------------------------------------------- who sees what


def _every_url(w: World, review: Review) -> list[str]:
    cid = w.candidacy_id
    return [
        f"/reviews/{review.pk}/",
        f"/reviews/candidacy/{cid}/",
        f"/reviews/candidacy/{cid}/evidence/",
        f"/reviews/candidacy/{cid}/file/?path=README.md",
    ]


@pytest.mark.parametrize("who", ["outsider", "lurker"])
def test_reviewers_not_assigned_get_404(world: World, who: str) -> None:
    review = _assign(world, world.acme.reviewer)
    client = _client(getattr(world, who))
    for url in _every_url(world, review):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/reviews/candidacy/{world.candidacy_id}/assign/",
        f"/reviews/candidacy/{world.candidacy_id}/decide/",
    ):
        assert client.post(url, {"outcome": "reject", "rationale": "x"}).status_code == 404
    assert client.get("/reviews/board/").status_code == 404
    assert Decision.objects.count() == 0


def test_other_organizations_manager_gets_404(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    rival = User.objects.get(email="manager@rivalco.test")
    client = _client(rival)
    for url in _every_url(world, review):
        assert client.get(url).status_code == 404, url
    assert b"revco" not in client.get("/reviews/board/").content.lower()


def test_an_assigned_reviewer_sees_neither_manager_page_nor_board(world: World) -> None:
    _assign(world, world.acme.reviewer)
    client = _client(world.acme.reviewer)
    assert client.get(f"/reviews/candidacy/{world.candidacy_id}/").status_code == 404
    assert client.get("/reviews/board/").status_code == 404
    response = client.get(f"/reviews/candidacy/{world.candidacy_id}/file/?path=no/such/file")
    assert response.status_code == 404


# --------------------------------------------------------------------------- assigning


def test_assigning_twice_and_outsiders_are_refused(world: World) -> None:
    _assign(world, world.acme.reviewer)
    alias = world.candidacy().alias
    with pytest.raises(StateError) as err:
        _assign(world, world.acme.reviewer)
    assert err.value.message == f"reviewer@revco.test is already assigned to review {alias}"
    with pytest.raises(PlatformError) as err:
        _assign(world, world.outsider)
    assert err.value.message == (
        "reviewer@rivalco.test is not on the staff of Revco; only its admins, hiring managers "
        "and reviewers can review"
    )
    with pytest.raises(PlatformError) as err:
        actions.do_assign_reviewer(world.candidacy(), world.third, actor=world.acme.reviewer)
    assert err.value.message == "only an admin or hiring manager of Revco can assign reviewers"

    client = _client(world.acme.manager)
    url = f"/reviews/candidacy/{world.candidacy_id}/assign/"
    twice = client.post(url, {"reviewer": world.acme.reviewer.pk})
    assert twice.status_code == 400  # not offered any more: a form error, nothing created
    assert b"choose a staff member of this organization who is not yet assigned" in twice.content
    foreign = client.post(url, {"reviewer": world.outsider.pk})
    assert foreign.status_code == 400
    assert Review.objects.filter(candidacy_id=world.candidacy_id).count() == 1
    ok = client.post(url, {"reviewer": world.third.pk})
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(action="review.assign").count() == 2


# --------------------------------------------------------------------------- disagreement


def _review(ratings: dict[str, int], recommendation: str, submitted: bool = True) -> Review:
    return Review(
        ratings=ratings,
        recommendation=recommendation,
        submitted_at=timezone.now() if submitted else None,
    )


def test_disagreement_rules() -> None:
    three = dict.fromkeys(DIMS, 3)
    # opposite sides of "no decision"
    assert compare_reviews(_review(three, "no"), _review(three, "yes")) == (
        "recommendations on opposite sides: No and Yes",
    )
    assert compare_reviews(_review(three, "strong_no"), _review(three, "strong_yes"))
    # "no decision" takes no side; same side is agreement
    assert compare_reviews(_review(three, "no_decision"), _review(three, "strong_yes")) == ()
    assert compare_reviews(_review(three, "yes"), _review(three, "strong_yes")) == ()
    # a dimension two points apart
    assert compare_reviews(
        _review({**three, "iteration": 2}, "yes"), _review({**three, "iteration": 4}, "yes")
    ) == ("Iteration rated 2 and 4",)
    assert compare_reviews(_review({**three, "iteration": 2}, "yes"), _review(three, "yes")) == ()
    # drafts never count; a third assigned reviewer clears the request
    a, b = _review(three, "no"), _review(three, "yes")
    assert disagreement([a, _review(three, "yes", submitted=False)], assigned=2) is None
    split = disagreement([a, b], assigned=2)
    assert split is not None and split.needs_reviewer
    assert len(split.gaps) == 1
    third_assigned = disagreement([a, b], assigned=3)
    assert third_assigned is not None and not third_assigned.needs_reviewer


def test_disagreement_is_flagged_and_a_third_reviewer_assigned_in_one_click(world: World) -> None:
    first = _assign(world, world.acme.reviewer)
    second = _assign(world, world.acme.reviewer2)
    actions.do_submit_review(
        first, actor=world.acme.reviewer, **_complete(ratings={"framing": 1}, recommendation="no")
    )
    manager = _client(world.acme.manager)
    page = manager.get(f"/reviews/candidacy/{world.candidacy_id}/").content.decode()
    assert "The reviewers disagree" not in page  # one submitted review cannot disagree

    actions.do_submit_review(
        second, actor=world.acme.reviewer2, **_complete(ratings={"framing": 4})
    )
    page = manager.get(f"/reviews/candidacy/{world.candidacy_id}/").content.decode()
    assert "The reviewers disagree: assign a third reviewer" in page
    assert "recommendations on opposite sides: No and Yes; Problem framing rated 1 and 4" in page
    board = manager.get("/reviews/board/?needs=third").content.decode()
    assert world.candidacy().alias in board and "needs a third reviewer" in board

    suggested = User.objects.get(email="lurker@revco.test")  # the first free reviewer
    assert f"Assign {suggested.email} as the third reviewer" in page
    response = manager.post(
        f"/reviews/candidacy/{world.candidacy_id}/assign/", {"reviewer": suggested.pk}
    )
    assert response.status_code == 302
    page = manager.get(f"/reviews/candidacy/{world.candidacy_id}/").content.decode()
    assert "The reviewers disagree" in page and "assign a third reviewer" not in page
    assert (
        world.candidacy().alias not in manager.get("/reviews/board/?needs=third").content.decode()
    )


# --------------------------------------------------------------------------- deciding


def test_decision_needs_a_rationale_moves_the_stage_and_is_audited(world: World) -> None:
    client = _client(world.acme.manager)
    url = f"/reviews/candidacy/{world.candidacy_id}/decide/"
    empty = client.post(url, {"outcome": "offer", "rationale": "  "})
    assert empty.status_code == 400
    assert b"write the reasons for this decision, citing the evidence" in empty.content
    assert world.candidacy().stage == "in_review" and Decision.objects.count() == 0
    with pytest.raises(PlatformError) as err:
        actions.do_decide(
            world.candidacy(), actor=world.acme.manager, outcome="hire", rationale="x"
        )
    assert err.value.message == "outcome must be one of advance, offer, reject; found 'hire'"

    response = client.post(url, {"outcome": "offer", "rationale": "Strong iteration evidence."})
    assert response.status_code == 302
    candidacy = world.candidacy()
    assert candidacy.stage == "decided"
    decision = Decision.objects.get(candidacy=candidacy)
    assert (decision.outcome, decision.rationale, decision.decided_by) == (
        "offer",
        "Strong iteration evidence.",
        world.acme.manager,
    )
    events = AuditEvent.objects.filter(organization=world.acme.org, actor=world.acme.manager)
    assert events.filter(action="decision.record", target=f"decision:{decision.pk}").exists()
    assert events.filter(action="candidacy.stage", details__stage="decided").exists()
    page = client.get(f"/reviews/candidacy/{world.candidacy_id}/").content.decode()
    assert "Strong iteration evidence." in page and "current" in page


# --------------------------------------------------------------------------- audit


def test_every_view_of_candidate_data_writes_an_audit_row(world: World) -> None:
    review = _assign(world, world.acme.reviewer)
    target = f"candidacy:{world.candidacy_id}"
    reviewer, manager = _client(world.acme.reviewer), _client(world.acme.manager)
    pages = [
        (reviewer, f"/reviews/{review.pk}/", "candidacy.view", "review"),
        (
            reviewer,
            f"/reviews/candidacy/{world.candidacy_id}/evidence/",
            "candidacy.view",
            "evidence",
        ),
        (
            reviewer,
            f"/reviews/candidacy/{world.candidacy_id}/file/?path=README.md",
            "candidacy.view",
            "file",
        ),
        (manager, f"/reviews/candidacy/{world.candidacy_id}/", "candidacy.view", "reviews"),
        (reviewer, "/reviews/", "review.list", None),
        (manager, "/reviews/board/", "candidacy.list", None),
    ]
    for client, url, action, page in pages:
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 200, url
        event = AuditEvent.objects.order_by("-id").first()
        assert AuditEvent.objects.count() == before + 1, url
        assert event is not None and event.action == action, url
        assert event.organization_id == world.acme.org.pk and event.actor is not None
        if page is not None:
            assert (event.target, event.details["page"]) == (target, page), url
            assert event.ip == "127.0.0.1"


def test_list_pages_do_not_query_per_row(world: World, django_assert_max_num_queries: Any) -> None:
    manager = world.acme.manager
    for i in range(6):
        candidacy, _ = trial_actions.do_invite_candidate(
            world.trial, f"c{i}@example.test", actor=manager
        )
        trial_actions.do_set_stage(candidacy, "in_review", actor=manager)
        for reviewer in (world.acme.reviewer, world.acme.reviewer2):
            review = actions.do_assign_reviewer(candidacy, reviewer, actor=manager)
            actions.do_submit_review(review, actor=reviewer, **_complete())
        actions.do_decide(candidacy, actor=manager, outcome="reject", rationale="not a fit")
    reviewer, boss = _client(world.acme.reviewer), _client(manager)
    # session, user, memberships, reviews with their trials, audit rows: the same for 1 or 100
    with django_assert_max_num_queries(8):
        assert reviewer.get("/reviews/").status_code == 200
    with django_assert_max_num_queries(10):
        page = boss.get("/reviews/board/")
    text = page.content.decode()
    assert text.count("c5@example.test") == 1
    assert text.count('<td class="num">2 of 2</td>') == 6  # counts per row, from one query


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_reads_the_scorecard_of_a_history_that_starts_from_the_starter_kit(
    tmp_path: Path,
) -> None:
    """The starter commit's author is the tool itself: blinding it would rewrite the scorecard's
    own fields and the reviewer would get no scorecard at all."""
    from worktrial.spec import init_starter_repo, load_bundle
    from worktrial.web import storage

    acme = make_company("starterco")
    trial = trial_actions.do_create_trial_from_template(
        acme.org, "classification", actor=acme.manager
    )
    trial_actions.do_publish_trial(trial, actor=acme.manager)
    candidacy, token = trial_actions.do_invite_candidate(
        trial, "amara@example.test", actor=acme.manager, name="Amara Okafor"
    )
    candidacy = trial_actions.do_accept_invitation(token, password=PASSWORD)
    starter = tmp_path / "starter"
    init_starter_repo(load_bundle(storage.resolve(trial.bundle_dir)), starter)
    persona = build_persona(
        "iterative-engineer", tmp_path / "repo", starter=starter, start=candidacy.starts_at
    )
    bundle = tmp_path / "w.bundle"
    run_git(persona.path, "bundle", "create", str(bundle), "--all")
    submission = do_submit(candidacy, bundle, name="w.bundle", actor=candidacy.user)
    assert evaluate(Evaluation.objects.get(submission=submission).pk) == "done"
    review = actions.do_assign_reviewer(candidacy, acme.reviewer, actor=acme.manager)
    client = Client()
    client.force_login(acme.reviewer)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "No scorecard yet" not in page
    assert "cannot be read" not in page
    assert "Amara" not in page and "amara" not in page
