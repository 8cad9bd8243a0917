"""The authorization walk: every page and API endpoint, as every role of the company that owns
the objects, as every role of another company, as the candidates and as nobody.

Each URL names who may reach the company's objects through it (``RULES``). Everyone else gets
a 404 (or 403 for a CSRF refusal, 401 from the API or a redirect to the login page when not
logged in), and a page that answers 200 to them anyway (a list, the home page) must not contain
any of the company's secrets. A URL missing from ``RULES`` fails the completeness test, so a new
page cannot skip the walk.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from worktrial.demo import build_persona
from worktrial.web.accounts.actions import do_create_api_token
from worktrial.web.accounts.models import Organization, User
from worktrial.web.audit.models import AuditEvent
from worktrial.web.jobs.models import Evaluation
from worktrial.web.jobs.tasks import evaluate
from worktrial.web.reviews.actions import do_assign_reviewer
from worktrial.web.submissions.actions import do_submit
from worktrial.web.trials import actions
from worktrial.web.trials.models import Trial

from .conftest import PASSWORD, make_company

NAME, EMAIL = "Amara Okafor", "amara.okafor@example.com"  # the persona's own git identity
OTHER_NAME, OTHER_EMAIL = "Bruno Second", "bruno.second@example.test"
TRIAL_TITLE = "Fraud triage for Acme-only eyes"
SECRETS = (NAME, EMAIL, OTHER_NAME, OTHER_EMAIL, TRIAL_TITLE)

MANAGERS = {"acme.admin", "acme.manager"}
STAFF = MANAGERS | {"acme.reviewer", "acme.reviewer2"}
ASSIGNED = MANAGERS | {"acme.reviewer"}  # acme.reviewer is assigned to the first candidacy
OWNER = {"candidate"}  # the first candidacy's candidate
ANY_MANAGER = MANAGERS | {"globex.admin", "globex.manager"}  # each for their own company
BLIND = {"acme.reviewer", "acme.reviewer2"}  # no review submitted: never a name or an address
ACTORS = (
    "anonymous",
    "acme.admin",
    "acme.manager",
    "acme.reviewer",
    "acme.reviewer2",
    "candidate",
    "candidate2",
    "globex.admin",
    "globex.manager",
    "globex.reviewer",
)
PUBLIC = set(ACTORS)
LOGGED_IN = PUBLIC - {"anonymous"}

# url name -> (methods to walk, who may reach acme's objects through it).
# "any" means the URL shows each person their own data only: everyone may call it, and the
# secrets check proves nobody else's data is in the answer.
RULES: dict[str, tuple[tuple[str, ...], set[str] | str]] = {
    "home": (("GET",), "any"),
    "accounts:login": (("GET",), "any"),
    "accounts:logout": (("POST",), "any"),
    "accounts:tokens": (("GET",), "any"),
    "accounts:login_link": ((), "token"),  # a token, not an object: tested in test_accounts
    "accounts:password": (("GET",), "any"),
    "accounts:members": (("GET", "POST"), {"acme.admin"}),
    "trials:list": (("GET",), "any"),
    "trials:new": (("GET",), ANY_MANAGER),
    "trials:dashboard": (("GET",), STAFF),
    "trials:edit": (("GET", "POST"), MANAGERS),
    "trials:publish": (("POST",), MANAGERS),
    "trials:close": (("POST",), MANAGERS),
    "trials:invite": (("GET", "POST"), MANAGERS),
    "trials:checkpoints": (("GET",), STAFF),
    "trials:questions": (("GET",), MANAGERS),
    "trials:payments_csv": (("GET",), MANAGERS),
    "trials:candidacy": (("GET",), ASSIGNED),
    "trials:candidacy_submissions": (("GET",), ASSIGNED),
    "trials:answer": (("POST",), MANAGERS),
    "trials:feedback": (("POST",), MANAGERS),
    "trials:payment": (("POST",), MANAGERS),
    "trials:scorecard": (("GET",), ASSIGNED),
    "trials:scorecard_html": (("GET",), ASSIGNED),
    "trials:scorecard_md": (("GET",), ASSIGNED),
    "trials:scorecard_json": (("GET",), ASSIGNED),
    "submissions:mine": (("GET", "POST"), OWNER),
    "submissions:status": (("GET",), OWNER),
    "submissions:scorecard": (("GET",), OWNER),
    "reviews:mine": (("GET",), "any"),
    "reviews:board": (("GET",), ANY_MANAGER),
    "reviews:review": (("GET", "POST"), ASSIGNED),
    "reviews:candidacy": (("GET",), MANAGERS),
    "reviews:evidence": (("GET",), ASSIGNED),
    "reviews:file": (("GET",), ASSIGNED),
    "reviews:assign": (("POST",), MANAGERS),
    "reviews:decide": (("POST",), MANAGERS),
    "audit:log": (("GET",), {"acme.admin"}),
    "audit:export": (("GET",), {"acme.admin"}),
    "portal:join": ((), "token"),  # tested in test_portal
    "portal:candidacy": (("GET",), OWNER),
    "portal:kit": (("GET",), OWNER),
    "portal:data_file": (("GET",), OWNER),
    "portal:questions": (("GET", "POST"), OWNER),
    "portal:updates": (("GET", "POST"), OWNER),
    "portal:feedback": (("GET",), OWNER),  # a response names its feedback: test_portal
    "portal:privacy": (("GET", "POST"), OWNER),
    "portal:export": (("GET",), OWNER),
    "api:api-root": ((), "any"),  # no page of its own: a JSON 404 like any unknown path
    "api:openapi-json": (("GET",), "any"),
    "api:openapi-view": (("GET",), "any"),
    "api:_no_such_endpoint": ((), "any"),
    "api:me": (("GET",), "any"),
    "api:revoke_current_token": ((), "any"),  # revokes the caller's own token: test_api
    "api:list_trials": (("GET",), "any"),
    "api:create_trial": (("POST",), "any"),
    "api:get_trial": (("GET",), STAFF),
    "api:publish_trial": (("POST",), MANAGERS),
    "api:invite": (("POST",), MANAGERS),
    "api:list_candidacies": (("GET",), STAFF),
    "api:get_candidacy": (("GET",), ASSIGNED),
    "api:my_candidacies": (("GET",), "any"),
    "api:post_update": (("POST",), OWNER),
    "api:ask_question": (("POST",), OWNER),
    "api:list_questions": (("GET",), OWNER),  # staff read them on the candidacy page
    "api:list_feedback": (("GET",), OWNER),
    "api:respond_to_feedback": (("POST",), OWNER),
    "api:submit": (("POST",), OWNER),
    "api:list_submissions": (("GET",), OWNER | ASSIGNED),
    "api:get_submission": (("GET",), OWNER | ASSIGNED),
    "api:get_evaluation": (("GET",), ASSIGNED),
    "api:list_my_reviews": (("GET",), "any"),
    "api:submit_review": (("POST",), {"acme.reviewer"}),
}


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{ns}:{p.name}" if ns else str(p.name)


ROUTES = {name: route for route, name in _walk(get_resolver().url_patterns)}


def test_every_url_has_a_rule() -> None:
    missing = sorted(set(ROUTES) - set(RULES))
    assert missing == [], f"add these URLs to RULES in {__file__}: {missing}"
    stale = sorted(set(RULES) - set(ROUTES))
    assert stale == [], f"these RULES name no URL any more: {stale}"


@dataclass
class World:
    trial: Trial
    ids: dict[str, int]
    users: dict[str, User]
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("authz")
    with django_db_blocker.unblock():
        acme, globex = make_company("acme"), make_company("globex")
        trial = actions.do_create_trial_from_template(
            acme.org, "classification", actor=acme.manager
        )
        actions.do_edit_trial(
            trial, actor=acme.manager, title=TRIAL_TITLE, share_scorecard_with_candidates=True
        )
        actions.do_publish_trial(trial, actor=acme.manager)
        actions.do_create_trial_from_template(globex.org, "classification", actor=globex.manager)
        first, token = actions.do_invite_candidate(trial, EMAIL, actor=acme.manager, name=NAME)
        first = actions.do_accept_invitation(token, password=PASSWORD)
        second, token = actions.do_invite_candidate(
            trial, OTHER_EMAIL, actor=acme.manager, name=OTHER_NAME
        )
        second = actions.do_accept_invitation(token, password=PASSWORD)
        question = actions.do_ask_question(first, "Recall or precision?", actor=first.user)
        feedback = actions.do_give_feedback(first, "Say why.", actor=acme.manager)
        persona = build_persona(
            "iterative-engineer", tmp / "repo", starter=None, start=first.starts_at - timedelta(1)
        )
        bundle = tmp / "work.bundle"
        subprocess.run(
            ["git", "-C", str(persona.path), "bundle", "create", str(bundle), "--all"],
            check=True,
            capture_output=True,
        )
        submission = do_submit(first, bundle, name="work.bundle", actor=first.user)
        evaluation = Evaluation.objects.get(submission=submission)
        assert evaluate(evaluation.pk) == "done"
        review = do_assign_reviewer(first, acme.reviewer, actor=acme.manager)
        actions.do_request_data(first, "export", actor=first.user)
        users = {
            "acme.admin": acme.admin,
            "acme.manager": acme.manager,
            "acme.reviewer": acme.reviewer,
            "acme.reviewer2": acme.reviewer2,
            "candidate": first.user,
            "candidate2": second.user,
            "globex.admin": globex.admin,
            "globex.manager": globex.manager,
            "globex.reviewer": globex.reviewer,
        }
        tokens = {actor: do_create_api_token(user, "walk")[1] for actor, user in users.items()}
        ids = {
            "org_id": acme.org.pk,
            "trial_id": trial.pk,
            "candidacy_id": first.pk,
            "question_id": question.pk,
            "feedback_id": feedback.pk,
            "evaluation_id": evaluation.pk,
            "submission_id": submission.pk,
            "review_id": review.pk,
            "number": submission.number,
            "index": 0,
        }
        try:
            yield World(trial, ids, users, tokens)
        finally:
            AuditEvent.objects.all().delete()
            Organization.objects.all().delete()
            User.objects.all().delete()


QUERY = {"reviews:file": "?path=README.md"}


def _url(route: str, ids: dict[str, int]) -> str:
    import re

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        return str(ids[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


DENIED = {401, 403, 404, 405}


def _request(w: World, actor: str, method: str, url: str) -> Any:
    """One request as ``actor``: pages with a fresh session (a walked logout must not log the
    next case out), the API by token alone; writes with an empty form or JSON object."""
    client = Client()
    headers: dict[str, str] = {}
    api = url.startswith("/api/")
    if api and actor != "anonymous":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {w.tokens[actor]}"
    elif actor != "anonymous":
        client.force_login(w.users[actor])
    if method == "GET":
        return client.get(url, **headers)
    if api:
        return client.post(url, data="{}", content_type="application/json", **headers)
    return client.post(url, data={}, **headers)


def _missing(ids: dict[str, int]) -> dict[str, int]:
    """The same ids shifted to objects that do not exist."""
    return {k: v + 10_000 for k, v in ids.items()}


CASES = [
    (name, method, actor)
    for name, (methods, _) in sorted(RULES.items())
    for method in methods
    for actor in ACTORS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor"), CASES)
def test_walk(world: World, name: str, method: str, actor: str) -> None:
    _, allowed = RULES[name]
    url = _url(ROUTES[name], world.ids) + QUERY.get(name, "")
    status_before = Trial.objects.values_list("status", flat=True).get(pk=world.trial.pk)
    response = _request(world, actor, method, url)
    code = response.status_code
    body = b"".join(response) if response.streaming else response.content
    response.close()
    if actor in BLIND:
        text = body.decode("utf-8", "replace")
        for secret in (NAME, EMAIL, OTHER_NAME, OTHER_EMAIL):
            assert secret not in text, (actor, method, url, "blind review broken", secret)
    if actor == "anonymous" and code == 302:
        assert "/accounts/login/" in response["Location"], (url, response["Location"])
        return
    if actor == "anonymous" and url.startswith("/api/") and code == 401:
        return
    if allowed == "any" or actor in allowed:
        # reachable: not refused as if the object did not exist
        assert code not in (401, 404), (actor, method, url, code, body[:300])
        return
    if code not in DENIED:
        # a refusal that is not a 404 (a body checked before access, say) must look exactly like
        # the answer about an object that does not exist: it tells the caller nothing
        missing = _request(world, actor, method, _url(ROUTES[name], _missing(world.ids)))
        assert code == missing.status_code, (actor, method, url, code, body[:300])
        missing.close()
    text = body.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in text, (actor, method, url, secret)
    # a refused write changed nothing
    assert Trial.objects.values_list("status", flat=True).get(pk=world.trial.pk) == status_before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [a for a in ACTORS if a not in ("acme.admin", "acme.manager")])
@pytest.mark.parametrize(
    "name", ["home", "trials:list", "reviews:mine", "reviews:board", "api:list_trials"]
)
def test_lists_show_only_what_the_actor_may_see(world: World, name: str, actor: str) -> None:
    response = _request(world, actor, "GET", _url(ROUTES[name], world.ids))
    text = response.content.decode("utf-8", "replace")
    hidden = SECRETS if not actor.startswith("acme.") else (NAME, EMAIL, OTHER_NAME, OTHER_EMAIL)
    if actor == "candidate":
        hidden = (OTHER_NAME, OTHER_EMAIL)
    elif actor == "candidate2":
        hidden = (NAME, EMAIL)
    for secret in hidden:
        assert secret not in text, (actor, name, secret)
