"""The REST API: authentication, every endpoint's happy path, and the failure paths with their
exact status codes and messages.

One world per module (two companies, a published trial, candidates, an evaluated submission,
reviews) is built once outside the per-test transactions; each test runs in a transaction that
is rolled back, and the module flushes the database when it is done.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from worktrial.demo import build_persona
from worktrial.web.accounts.actions import (
    do_create_api_token,
    do_revoke_api_token,
)
from worktrial.web.accounts.models import User
from worktrial.web.audit.models import AuditEvent
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.reviews.actions import do_assign_reviewer, do_submit_review
from worktrial.web.reviews.models import Review
from worktrial.web.submissions.actions import do_submit
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import actions
from worktrial.web.trials.models import Candidacy, Feedback, Trial

from .conftest import PASSWORD, Company, make_company

pytestmark = pytest.mark.django_db

DIMENSIONS = ("output", "framing", "iteration", "discipline", "communication", "decisions")
NOT_FOUND = {
    "error": {
        "code": "not_found",
        "message": "not found: no such object, or it is not visible to you",
        "fields": {},
    }
}
BAD_TOKEN = (
    "this API token is not valid: it is unknown, revoked, or its account is disabled; make a new "
    "one at http://testserver/accounts/tokens/ and run `worktrial login` again"
)
NO_AUTH = (
    "authentication required: send an API token as `Authorization: Bearer <token>` (make one "
    "at http://testserver/accounts/tokens/) or log in"
)


@dataclass
class World:
    acme: Company
    globex: Company
    trial: Trial
    ada: User
    ada_cand: Candidacy
    bo_cand: Candidacy  # invited, not yet joined; assigned to nobody
    cy: User  # a candidate of globex
    cy_cand: Candidacy
    submission: Submission
    evaluation: Evaluation
    feedback: Feedback
    review: Review  # reviewer's, not submitted
    bundle: Path  # a good git bundle of a persona's repository
    tokens: dict[str, str]
    revoked: str


def _bundle(repo: Path, dest: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(repo), "bundle", "create", str(dest), "--all"],
        check=True,
        capture_output=True,
    )
    return dest


def _complete_review() -> dict[str, Any]:
    return {
        "ratings": dict.fromkeys(DIMENSIONS, 4),
        "comments": {d: f"the evidence for {d}" for d in DIMENSIONS},
        "recommendation": "yes",
    }


def _build(tmp: Path) -> World:
    acme, globex = make_company("acme"), make_company("globex")
    trial = actions.do_create_trial_from_template(acme.org, "classification", actor=acme.manager)
    actions.do_publish_trial(trial, actor=acme.manager)
    ada_cand, raw = actions.do_invite_candidate(
        trial, "ada@example.test", actor=acme.manager, name="Ada Lovelace"
    )
    ada_cand = actions.do_accept_invitation(raw, password=PASSWORD, name="Ada Lovelace")
    assert ada_cand.user is not None
    bo_cand, _ = actions.do_invite_candidate(
        trial, "bo@example.test", actor=acme.manager, name="Bo"
    )
    g_trial = actions.do_create_trial_from_template(
        globex.org, "classification", actor=globex.manager
    )
    actions.do_publish_trial(g_trial, actor=globex.manager)
    cy_cand, raw = actions.do_invite_candidate(g_trial, "cy@example.test", actor=globex.manager)
    cy_cand = actions.do_accept_invitation(raw, password=PASSWORD)
    assert cy_cand.user is not None

    persona = build_persona(
        "iterative-engineer", tmp / "repo", start=ada_cand.starts_at - timedelta(days=1)
    )
    bundle = _bundle(persona.path, tmp / "work.bundle")
    submission = do_submit(ada_cand, bundle, name="work.bundle", actor=ada_cand.user, via="cli")
    evaluation = Evaluation.objects.get(submission=submission)
    assert evaluate(evaluation.pk) == "done"
    evaluation.refresh_from_db()

    feedback = actions.do_give_feedback(ada_cand, "Look at the class balance.", actor=acme.manager)
    review = do_assign_reviewer(ada_cand, acme.reviewer, actor=acme.manager)
    done = do_assign_reviewer(ada_cand, acme.reviewer2, actor=acme.manager)
    do_submit_review(done, actor=acme.reviewer2, **_complete_review())

    people = {
        "admin": acme.admin,
        "manager": acme.manager,
        "reviewer": acme.reviewer,
        "reviewer2": acme.reviewer2,
        "ada": ada_cand.user,
        "cy": cy_cand.user,
        "globex": globex.manager,
    }
    tokens = {name: do_create_api_token(user, "test")[1] for name, user in people.items()}
    token, revoked = do_create_api_token(acme.manager, "old")
    do_revoke_api_token(token, actor=acme.manager)
    return World(
        acme=acme,
        globex=globex,
        trial=trial,
        ada=ada_cand.user,
        ada_cand=ada_cand,
        bo_cand=bo_cand,
        cy=cy_cand.user,
        cy_cand=cy_cand,
        submission=submission,
        evaluation=evaluation,
        feedback=feedback,
        review=review,
        bundle=bundle,
        tokens=tokens,
        revoked=revoked,
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with django_db_blocker.unblock():
        built = _build(tmp_path_factory.mktemp("api"))
    yield built
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def call(
    world: World,
    who: str | None,
    method: str,
    path: str,
    body: Any = None,
    **extra: Any,
) -> Any:
    """One request as ``who`` (a name in ``world.tokens``, or None for no credentials)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[who]}"} if who else {}
    headers.update(extra)
    client = Client()
    fn = getattr(client, method.lower())
    if body is None:
        return fn(path, **headers)
    return fn(path, data=json.dumps(body), content_type="application/json", **headers)


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


# --------------------------------------------------------------------------- authentication


def test_no_credentials_is_401(world: World) -> None:
    response = call(world, None, "GET", "/api/me")
    assert response.status_code == 401
    assert error(response) == {"code": "unauthorized", "message": NO_AUTH, "fields": {}}


def test_no_credentials_on_a_write_is_401_not_a_csrf_403(world: World) -> None:
    response = call(world, None, "POST", "/api/trials", {"organization": "acme", "template": "x"})
    assert response.status_code == 401
    assert error(response)["message"] == NO_AUTH


@pytest.mark.parametrize(
    "header",
    ["Bearer wt_not-a-real-token", "Bearer nonsense", "Bearer "],
)
def test_bad_token_is_401(world: World, header: str) -> None:
    response = Client().get("/api/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error(response) == {"code": "unauthorized", "message": BAD_TOKEN, "fields": {}}


def test_revoked_token_is_401(world: World) -> None:
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {world.revoked}")
    assert response.status_code == 401
    assert error(response)["message"] == BAD_TOKEN


def test_token_of_a_disabled_account_is_401(world: World) -> None:
    User.objects.filter(pk=world.acme.reviewer.pk).update(is_active=False)
    response = call(world, "reviewer", "GET", "/api/me")
    assert response.status_code == 401
    assert error(response)["message"] == BAD_TOKEN


def test_a_bad_token_is_not_replaced_by_the_session(world: World) -> None:
    client = Client()
    client.force_login(world.acme.manager)
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer wt_wrong")
    assert response.status_code == 401
    assert error(response)["message"] == BAD_TOKEN


def test_session_reads_and_writes_with_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ada)
    assert client.get("/api/me").json()["email"] == "ada@example.test"
    path = f"/api/candidacies/{world.ada_cand.pk}/questions"
    body = json.dumps({"text": "Is recall the priority?"})
    refused = client.post(path, data=body, content_type="application/json")
    assert refused.status_code == 403
    assert error(refused) == {
        "code": "csrf",
        "message": "CSRF check failed: with a browser session, send the csrftoken cookie's "
        "value in the X-CSRFToken header (or authenticate with an API token instead)",
        "fields": {},
    }
    client.get("/accounts/tokens/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(path, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


def test_me_lists_memberships_and_roles(world: World) -> None:
    body = call(world, "manager", "GET", "/api/me").json()
    assert body["email"] == "manager@acme.test"
    assert body["memberships"] == [
        {
            "organization": {"id": world.acme.org.pk, "slug": "acme", "name": "Acme"},
            "role": "manager",
        }
    ]
    ada = call(world, "ada", "GET", "/api/me").json()
    assert [m["role"] for m in ada["memberships"]] == ["candidate"]


# --------------------------------------------------------------------------- trials (staff)


def test_trials_are_listed_per_organization(world: World) -> None:
    acme = call(world, "reviewer", "GET", "/api/trials").json()
    assert [t["id"] for t in acme] == [world.trial.pk]
    assert acme[0]["organization"] == "acme" and acme[0]["status"] == "published"
    globex = call(world, "globex", "GET", "/api/trials").json()
    assert world.trial.pk not in [t["id"] for t in globex] and len(globex) == 1
    assert call(world, "ada", "GET", "/api/trials").json() == []


def test_get_trial(world: World) -> None:
    body = call(world, "reviewer", "GET", f"/api/trials/{world.trial.pk}").json()
    assert body["title"] == world.trial.title and body["checkpoints"]
    assert body["brief"] == world.trial.brief
    assert isinstance(body["compensation_amount"], str)  # a decimal, exact


@pytest.mark.parametrize("who", ["globex", "ada", "cy"])
def test_trial_of_another_organization_is_404(world: World, who: str) -> None:
    response = call(world, who, "GET", f"/api/trials/{world.trial.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_missing_trial_is_404(world: World) -> None:
    response = call(world, "manager", "GET", "/api/trials/999999")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_path_parameter_of_the_wrong_type_is_422(world: World) -> None:
    response = call(world, "manager", "GET", "/api/trials/abc")
    assert response.status_code == 422
    assert error(response)["fields"] == {"key": "trial_id"}
    assert error(response)["message"].startswith("trial_id: ")


def test_create_and_publish_a_trial(world: World) -> None:
    created = call(
        world,
        "manager",
        "POST",
        "/api/trials",
        {"organization": "acme", "template": "classification"},
    )
    assert created.status_code == 201, created.content
    trial = created.json()
    assert trial["status"] == "draft" and trial["organization"] == "acme"
    published = call(world, "manager", "POST", f"/api/trials/{trial['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = call(world, "manager", "POST", f"/api/trials/{trial['id']}/publish")
    assert again.status_code == 409
    assert error(again) == {
        "code": "platform.state",
        "message": "the trial is published; only a draft can be published",
        "fields": {"state": "published", "expected": "draft"},
    }


def test_create_trial_refusals(world: World) -> None:
    body = {"organization": "acme", "template": "classification"}
    # a reviewer cannot manage; another company's manager does not see acme at all
    for who in ("reviewer", "globex", "ada"):
        response = call(world, who, "POST", "/api/trials", body)
        assert response.status_code == 404 and response.json() == NOT_FOUND, who
    unknown_org = call(world, "manager", "POST", "/api/trials", {**body, "organization": "nope"})
    assert unknown_org.status_code == 404
    missing = call(world, "manager", "POST", "/api/trials", {"organization": "acme"})
    assert missing.status_code == 422
    assert error(missing)["message"] == "template: Field required"
    assert error(missing)["fields"] == {"key": "template"}
    assert error(missing)["errors"] == [{"field": "template", "message": "Field required"}]
    unknown = call(world, "manager", "POST", "/api/trials", {**body, "template": "nope"})
    assert unknown.status_code == 400
    assert error(unknown)["code"] == "spec.template"
    assert "nope" in error(unknown)["message"]
    assert Trial.objects.filter(organization=world.acme.org).count() == 1


def test_publish_needs_a_manager(world: World) -> None:
    response = call(world, "reviewer", "POST", f"/api/trials/{world.trial.pk}/publish")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_invalid_json_body_is_400(world: World) -> None:
    response = Client().post(
        "/api/trials",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.tokens['manager']}",
    )
    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid",
        "message": "the request body is not valid JSON",
        "fields": {"key": "body"},
    }


def test_invite_returns_the_link_once(world: World) -> None:
    response = call(
        world,
        "manager",
        "POST",
        f"/api/trials/{world.trial.pk}/invitations",
        {"email": "Dee@Example.test", "name": "Dee"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["candidacy"]["email"] == "dee@example.test"
    assert body["candidacy"]["stage"] == "invited" and body["candidacy"]["identity_visible"]
    match = re.fullmatch(r"http://testserver/portal/join/([^/]+)/", body["link"])
    assert match, body["link"]
    joined = actions.do_accept_invitation(match.group(1), password=PASSWORD)
    assert joined.pk == body["candidacy"]["id"]


def test_invite_refusals(world: World) -> None:
    path = f"/api/trials/{world.trial.pk}/invitations"
    again = call(world, "manager", "POST", path, {"email": "ada@example.test"})
    assert again.status_code == 409
    assert error(again)["message"] == "ada@example.test is already invited to this trial"
    bad = call(world, "manager", "POST", path, {"email": "not-an-address"})
    assert bad.status_code == 400
    assert error(bad)["message"] == "'not-an-address' is not an e-mail address"
    naive = call(
        world, "manager", "POST", path, {"email": "e@example.test", "starts_at": "2026-03-01T10:00"}
    )
    assert naive.status_code == 422
    assert error(naive)["fields"] == {"key": "starts_at"}
    days = call(world, "manager", "POST", path, {"email": "e@example.test", "valid_days": 0})
    assert days.status_code == 422
    assert error(days)["message"] == "valid_days: Input should be greater than or equal to 1"
    assert call(world, "reviewer", "POST", path, {"email": "e@example.test"}).status_code == 404
    assert call(world, "globex", "POST", path, {"email": "e@example.test"}).status_code == 404
    assert not Candidacy.objects.filter(email="e@example.test").exists()


def test_managers_list_every_candidacy_with_identity(
    world: World, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        response = call(world, "manager", "GET", f"/api/trials/{world.trial.pk}/candidacies")
    rows = {r["alias"]: r for r in response.json()}
    assert set(rows) == {world.ada_cand.alias, world.bo_cand.alias}
    ada = rows[world.ada_cand.alias]
    assert ada["name"] == "Ada Lovelace" and ada["email"] == "ada@example.test"
    assert ada["submissions"] == 1 and ada["identity_visible"] is True
    assert AuditEvent.objects.filter(action="candidacy.list", actor=world.acme.manager).exists()


def test_reviewers_list_only_assigned_candidacies_blind(world: World) -> None:
    path = f"/api/trials/{world.trial.pk}/candidacies"
    blind = call(world, "reviewer", "GET", path).json()
    assert [r["alias"] for r in blind] == [world.ada_cand.alias]
    assert blind[0]["name"] is None and blind[0]["email"] is None
    assert blind[0]["identity_visible"] is False
    # reviewer2 submitted their review: the name is shown from then on
    named = call(world, "reviewer2", "GET", path).json()
    assert named[0]["name"] == "Ada Lovelace" and named[0]["identity_visible"] is True
    assert call(world, "globex", "GET", path).status_code == 404
    assert call(world, "ada", "GET", path).status_code == 404


def test_get_candidacy_as_manager(world: World) -> None:
    before = AuditEvent.objects.filter(action="candidacy.view").count()
    body = call(world, "manager", "GET", f"/api/candidacies/{world.ada_cand.pk}").json()
    assert body["name"] == "Ada Lovelace" and body["email"] == "ada@example.test"
    assert [f["text"] for f in body["feedback"]] == ["Look at the class balance."]
    assert body["submission_list"] == [
        {
            "id": world.submission.pk,
            "number": 1,
            "commit": world.submission.commit,
            "uploaded_at": body["submission_list"][0]["uploaded_at"],
            "evaluation_id": world.evaluation.pk,
            "status": "done",
        }
    ]
    assert AuditEvent.objects.filter(action="candidacy.view").count() == before + 1


def test_get_candidacy_is_blind_for_a_reviewer(world: World) -> None:
    body = call(world, "reviewer", "GET", f"/api/candidacies/{world.ada_cand.pk}").json()
    assert body["alias"] == world.ada_cand.alias
    assert body["name"] is None and body["email"] is None
    assert "Ada" not in json.dumps(body)


@pytest.mark.parametrize(
    ("who", "which"),
    [("reviewer", "bo_cand"), ("globex", "ada_cand"), ("ada", "ada_cand"), ("manager", "cy_cand")],
)
def test_candidacy_not_visible_is_404(world: World, who: str, which: str) -> None:
    candidacy = getattr(world, which)
    response = call(world, who, "GET", f"/api/candidacies/{candidacy.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


# --------------------------------------------------------------------------- candidates


def test_my_candidacies(world: World) -> None:
    rows = call(world, "ada", "GET", "/api/my/candidacies").json()
    assert [r["id"] for r in rows] == [world.ada_cand.pk]
    assert rows[0]["trial"]["organization"] == "Acme" and rows[0]["stage"] == "in_review"
    assert call(world, "manager", "GET", "/api/my/candidacies").json() == []


def test_post_an_update(world: World) -> None:
    path = f"/api/candidacies/{world.ada_cand.pk}/updates"
    response = call(world, "ada", "POST", path, {"done": "Baseline", "next": "Tune"})
    assert response.status_code == 201
    assert response.json()["done"] == "Baseline" and response.json()["next"] == "Tune"
    assert world.ada_cand.updates.count() == 1


def test_update_refusals(world: World) -> None:
    path = f"/api/candidacies/{world.ada_cand.pk}/updates"
    empty = call(world, "ada", "POST", path, {"done": "  "})
    assert empty.status_code == 400
    assert error(empty) == {
        "code": "platform.refused",
        "message": "done is empty; write a few words",
        "fields": {"key": "done"},
    }
    wrong_type = call(world, "ada", "POST", path, {"done": ["a list"]})
    assert wrong_type.status_code == 422
    assert error(wrong_type)["message"] == "done: Input should be a valid string"
    missing = call(world, "ada", "POST", path, {"next": "x"})
    assert missing.status_code == 422 and error(missing)["fields"] == {"key": "done"}
    for who in ("cy", "manager"):
        assert call(world, who, "POST", path, {"done": "x"}).status_code == 404, who
    bo = f"/api/candidacies/{world.bo_cand.pk}/updates"
    assert call(world, "ada", "POST", bo, {"done": "x"}).status_code == 404
    assert world.ada_cand.updates.count() == 0


def test_decided_candidacy_takes_no_update(world: World) -> None:
    actions.do_set_stage(world.ada_cand, "decided", actor=world.acme.manager)
    path = f"/api/candidacies/{world.ada_cand.pk}/updates"
    response = call(world, "ada", "POST", path, {"done": "more"})
    assert response.status_code == 409
    assert error(response)["message"] == "this candidacy is decided; it takes no more input"


def test_ask_and_list_questions(world: World) -> None:
    path = f"/api/candidacies/{world.ada_cand.pk}/questions"
    asked = call(world, "ada", "POST", path, {"text": "Is recall the priority?"})
    assert asked.status_code == 201 and asked.json()["answer"] == ""
    question = world.ada_cand.questions.get()
    actions.do_answer_question(question, "Recall.", actor=world.acme.manager)
    listed = call(world, "ada", "GET", path).json()
    assert [(q["text"], q["answer"]) for q in listed] == [("Is recall the priority?", "Recall.")]
    assert call(world, "cy", "GET", path).status_code == 404
    assert call(world, "reviewer", "POST", path, {"text": "x"}).status_code == 404


def test_feedback_read_marks_received_and_takes_a_response(world: World) -> None:
    path = f"/api/candidacies/{world.ada_cand.pk}/feedback"
    rows = call(world, "ada", "GET", path).json()
    assert [r["text"] for r in rows] == ["Look at the class balance."]
    world.feedback.refresh_from_db()
    assert world.feedback.received_at is not None
    response = call(
        world, "ada", "POST", f"{path}/{world.feedback.pk}/response", {"response": "Reweighted."}
    )
    assert response.status_code == 200 and response.json()["response"] == "Reweighted."
    assert call(world, "cy", "GET", path).status_code == 404
    other = f"/api/candidacies/{world.cy_cand.pk}/feedback/{world.feedback.pk}/response"
    assert call(world, "cy", "POST", other, {"response": "x"}).status_code == 404
    missing = call(world, "ada", "POST", f"{path}/999999/response", {"response": "x"})
    assert missing.status_code == 404 and missing.json() == NOT_FOUND


# --------------------------------------------------------------------------- submissions


def _upload(world: World, who: str, candidacy: Candidacy, data: bytes, **extra: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Client().post(
        f"/api/candidacies/{candidacy.pk}/submissions",
        {"bundle": SimpleUploadedFile("work.bundle", data)},
        HTTP_AUTHORIZATION=f"Bearer {world.tokens[who]}",
        **extra,
    )


def test_submit_a_bundle(world: World) -> None:
    response = _upload(world, "ada", world.ada_cand, world.bundle.read_bytes())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2 and body["via"] == "api"
    assert body["commit"] == world.submission.commit
    assert body["evaluation"]["status"] == "queued"
    assert body["evaluation"]["reason"] == "waiting for a worker"
    assert body["dev_score"] is None
    assert body["quota_left"]["total"] == body["quota_left"]["limit"] - 2


def test_the_cli_is_recorded_as_the_channel(world: World) -> None:
    response = _upload(
        world,
        "ada",
        world.ada_cand,
        world.bundle.read_bytes(),
        HTTP_USER_AGENT="worktrial-cli/0.1.0",
    )
    assert response.status_code == 201 and response.json()["via"] == "cli"


def test_a_bad_bundle_is_400_with_the_intake_message(world: World) -> None:
    response = _upload(world, "ada", world.ada_cand, b"this is not a bundle\n")
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "repo.intake"
    assert err["message"].startswith("work.bundle: ")
    assert err["fields"]["reason"] == "not_a_bundle"
    assert "/" not in err["message"].removeprefix("work.bundle: "), "a server path leaked"
    assert world.ada_cand.submissions.count() == 1


def test_a_missing_file_is_422(world: World) -> None:
    response = Client().post(
        f"/api/candidacies/{world.ada_cand.pk}/submissions",
        {"other": "x"},
        HTTP_AUTHORIZATION=f"Bearer {world.tokens['ada']}",
    )
    assert response.status_code == 422
    assert error(response)["message"] == (
        "bundle: a git bundle file is required (multipart/form-data field 'bundle')"
    )
    assert error(response)["fields"] == {"key": "bundle"}


def test_an_oversized_upload_is_refused_before_it_is_read(world: World, settings: Any) -> None:
    settings.WORKTRIAL_MAX_UPLOAD_BYTES = 1024
    response = _upload(world, "ada", world.ada_cand, b"x" * (200 * 1024))
    assert response.status_code == 413
    assert error(response) == {
        "code": "repo.intake",
        "message": "the upload is 0.2 MB, over the 0.0 MB limit for a submission",
        "fields": {"reason": "too_large", "limit": 1024},
    }


def test_over_quota_is_429(world: World) -> None:
    spec = dict(world.trial.spec)
    spec["quotas"] = {**spec.get("quotas", {}), "dev_per_day": 1}
    Trial.objects.filter(pk=world.trial.pk).update(spec=spec)
    response = _upload(world, "ada", world.ada_cand, world.bundle.read_bytes())
    assert response.status_code == 429
    assert error(response) == {
        "code": "scoring.quota",
        "message": "you have used today's 1 submissions; try again tomorrow",
        "fields": {"limit": 1},
    }
    assert world.ada_cand.submissions.count() == 1


@pytest.mark.parametrize("who", ["cy", "manager", "reviewer"])
def test_only_the_candidate_submits(world: World, who: str) -> None:
    response = _upload(world, who, world.ada_cand, world.bundle.read_bytes())
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_submission_status_for_the_candidate_and_staff(world: World) -> None:
    path = f"/api/submissions/{world.submission.pk}"
    mine = call(world, "ada", "GET", path).json()
    assert mine["evaluation"]["status"] == "done" and mine["evaluation"]["attempts"] == 1
    assert mine["via"] == "cli" and mine["number"] == 1
    assert mine["dev_score"] == world.evaluation.dev_score
    assert mine["quota_left"] == {"today": 4, "total": 29, "per_day": 5, "limit": 30}
    for who in ("manager", "reviewer"):
        assert call(world, who, "GET", path).json()["id"] == world.submission.pk
    assert AuditEvent.objects.filter(action="submission.view", actor=world.acme.reviewer).exists()


@pytest.mark.parametrize("who", ["cy", "globex"])
def test_submission_not_visible_is_404(world: World, who: str) -> None:
    response = call(world, who, "GET", f"/api/submissions/{world.submission.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_list_submissions(world: World) -> None:
    path = f"/api/candidacies/{world.ada_cand.pk}/submissions"
    rows = call(world, "ada", "GET", path).json()
    assert [r["number"] for r in rows] == [1]
    assert call(world, "manager", "GET", path).json()[0]["id"] == world.submission.pk
    assert call(world, "cy", "GET", path).status_code == 404


def test_a_reviewer_not_assigned_sees_no_submission(world: World) -> None:
    Review.objects.filter(candidacy=world.ada_cand, reviewer=world.acme.reviewer).delete()
    response = call(world, "reviewer", "GET", f"/api/submissions/{world.submission.pk}")
    assert response.status_code == 404


# --------------------------------------------------------------------------- evaluations


def test_evaluation_with_its_scorecard(world: World) -> None:
    body = call(world, "manager", "GET", f"/api/evaluations/{world.evaluation.pk}").json()
    assert body["status"] == "done" and body["submission_id"] == world.submission.pk
    assert body["scorecard"]["candidate"] == world.ada_cand.alias
    assert set(body["dimensions"]) == set(DIMENSIONS)
    assert body["overall"] == world.evaluation.overall
    blind = call(world, "reviewer", "GET", f"/api/evaluations/{world.evaluation.pk}").json()
    assert "Ada" not in json.dumps(blind), "a blind reviewer saw the candidate's name"


@pytest.mark.parametrize("who", ["ada", "globex", "cy"])
def test_evaluation_not_visible_is_404(world: World, who: str) -> None:
    response = call(world, who, "GET", f"/api/evaluations/{world.evaluation.pk}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


# --------------------------------------------------------------------------- reviews


def test_my_reviews_and_submitting_one(world: World) -> None:
    rows = call(world, "reviewer", "GET", "/api/reviews").json()
    assert [(r["id"], r["alias"], r["submitted_at"]) for r in rows] == [
        (world.review.pk, world.ada_cand.alias, None)
    ]
    assert "Ada" not in json.dumps(rows)
    path = f"/api/reviews/{world.review.pk}/submit"
    done = call(world, "reviewer", "POST", path, _complete_review())
    assert done.status_code == 200 and done.json()["submitted_at"] is not None
    again = call(world, "reviewer", "POST", path, _complete_review())
    assert again.status_code == 409
    assert error(again)["message"].endswith("a submitted review cannot be changed")


def test_review_refusals(world: World) -> None:
    path = f"/api/reviews/{world.review.pk}/submit"
    out_of_range = {**_complete_review(), "ratings": {**dict.fromkeys(DIMENSIONS, 4), "output": 7}}
    response = call(world, "reviewer", "POST", path, out_of_range)
    assert response.status_code == 422
    assert error(response)["message"] == "ratings.output: Input should be less than or equal to 5"
    partial = {**_complete_review(), "ratings": {"output": 4}}
    incomplete = call(world, "reviewer", "POST", path, partial)
    assert incomplete.status_code == 400
    assert error(incomplete)["message"] == (
        "the review is not complete; missing ratings: Problem framing, Iteration, "
        "Engineering discipline, Communication, Decisions under constraints"
    )
    # another reviewer's review is invisible; a manager sees it but cannot write it
    assert call(world, "reviewer2", "POST", path, _complete_review()).status_code == 404
    manager = call(world, "manager", "POST", path, _complete_review())
    assert manager.status_code == 400
    assert error(manager)["message"] == "only the assigned reviewer can write this review"
    assert call(world, "ada", "GET", "/api/reviews").json() == []
    world.review.refresh_from_db()
    assert world.review.submitted_at is None


# --------------------------------------------------------------------------- schema and docs


EXPECTED_ROUTES = {
    ("get", "/api/me"),
    ("get", "/api/trials"),
    ("post", "/api/trials"),
    ("get", "/api/trials/{trial_id}"),
    ("post", "/api/trials/{trial_id}/publish"),
    ("post", "/api/trials/{trial_id}/invitations"),
    ("get", "/api/trials/{trial_id}/candidacies"),
    ("get", "/api/candidacies/{candidacy_id}"),
    ("get", "/api/my/candidacies"),
    ("post", "/api/candidacies/{candidacy_id}/updates"),
    ("post", "/api/candidacies/{candidacy_id}/questions"),
    ("get", "/api/candidacies/{candidacy_id}/questions"),
    ("get", "/api/candidacies/{candidacy_id}/feedback"),
    ("post", "/api/candidacies/{candidacy_id}/feedback/{feedback_id}/response"),
    ("post", "/api/candidacies/{candidacy_id}/submissions"),
    ("get", "/api/candidacies/{candidacy_id}/submissions"),
    ("get", "/api/submissions/{submission_id}"),
    ("get", "/api/evaluations/{evaluation_id}"),
    ("get", "/api/reviews"),
    ("post", "/api/reviews/{review_id}/submit"),
    ("delete", "/api/tokens/current"),
}


def test_openapi_lists_every_route_and_needs_auth(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    routes = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert routes == EXPECTED_ROUTES
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("security") == [{"TokenAuth": []}, {"SessionAuth": []}], (method, path)
    upload = schema["paths"]["/api/candidacies/{candidacy_id}/submissions"]["post"]
    assert "bundle" in upload["requestBody"]["content"]["multipart/form-data"]["schema"]["required"]


def test_every_route_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [
        f"{m.upper()} {p}" for m, p in sorted(EXPECTED_ROUTES) if f"{m.upper()} {p}" not in doc
    ]
    assert not missing, f"docs/api.md does not describe: {missing}"


def test_docs_page_uses_the_bundled_swagger_ui(db: Any) -> None:
    client = Client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower(), (
        "the API docs load Swagger UI from a CDN: django-ninja serves its bundled copy only when "
        '"ninja" is in INSTALLED_APPS'
    )
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts
    for src in scripts:
        response = client.get(src)
        response.close()  # a streamed static file keeps its file open until closed
        assert response.status_code == 200, src


def test_an_unknown_endpoint_is_a_json_404(db: Any) -> None:
    response = Client().post("/api/nope/1")
    assert response.status_code == 404
    assert error(response) == {
        "code": "not_found",
        "message": "no such endpoint: POST /api/nope/1; the endpoints are listed at "
        "http://testserver/api/docs",
        "fields": {},
    }


def test_a_token_revokes_itself_and_a_session_cannot(db: Any) -> None:
    from worktrial.web.accounts.actions import do_create_api_token, do_create_user

    user = do_create_user("tok@example.test", "a long enough passphrase")
    _, raw = do_create_api_token(user, "laptop")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.delete("/api/tokens/current", **auth).status_code == 204
    again = client.get("/api/me", **auth)
    assert again.status_code == 401
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(user)
    refused = browser.delete("/api/tokens/current")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith(
        "this request carries no API token to revoke (it uses a browser session)"
    )


def test_a_wrong_method_gets_the_json_error_shape(db: Any) -> None:
    response = Client().put("/api/me")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert error(response) == {
        "code": "method_not_allowed",
        "message": "PUT is not allowed on /api/me; allowed: GET",
        "fields": {"expected": "GET", "found": "PUT"},
    }
