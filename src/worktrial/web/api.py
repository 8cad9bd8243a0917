"""The REST API: one NinjaAPI, one router per app (each app's ``api.py``), token auth.

OpenAPI is served at ``/api/openapi.json`` and its browsable docs at ``/api/docs`` (Swagger UI
from django-ninja's own static files, no CDN).

Authentication, tried in this order:

1. ``Authorization: Bearer <token>`` with an API token (``worktrial login``, integrations). A
   header that is present but names no active token is refused at once (401), even if the
   browser also holds a session: a wrong credential is never silently replaced by another.
2. The Django session of a logged-in browser (for trying the API at ``/api/docs``); unsafe
   methods then need the CSRF token (``X-CSRFToken`` header), as a page's form would.

Errors have one shape, ``{"error": {"code", "message", "fields"}}``: domain errors through
:func:`worktrial.web.errors.error_body` with their ``http_status``; anything not visible to the
caller is ``not_found`` (404); a body or parameter of the wrong type is ``invalid`` (422) and
names the field.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from worktrial.errors import WorktrialError
from worktrial.web.accounts.api import router as accounts_router
from worktrial.web.errors import error_body
from worktrial.web.jobs.api import router as jobs_router
from worktrial.web.reviews.api import router as reviews_router
from worktrial.web.submissions.api import router as submissions_router
from worktrial.web.trials.api import router as trials_router

TOKENS_PAGE = "/accounts/tokens/"


def _tokens_page(request: HttpRequest) -> str:
    """The Tokens page as a full address: the CLI shows these messages far from the site."""
    return request.build_absolute_uri(reverse("accounts:tokens"))


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; an unknown, revoked or inactive user's token is a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from worktrial.web.accounts.actions import user_for_token

        user = user_for_token(token.strip())
        if user is None:
            raise AuthenticationError(
                message=(
                    "this API token is not valid: it is unknown, revoked, or its account is "
                    f"disabled; make a new one at {_tokens_page(request)} and run "
                    "`worktrial login` again"
                )
            )
        # the access helpers and actions read the user from here, as they do for pages
        request.user = user
        request.api_token = token.strip()  # for DELETE /api/tokens/current
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with the CSRF check for unsafe methods.

    Unlike django-ninja's own ``SessionAuth``, the CSRF check runs only for a logged-in session:
    a request with no credentials at all is a 401 that says how to authenticate, not a 403.
    """

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        return None  # the session middleware has already read the cookie into request.user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "csrf")
        return user


def _body(code: str, message: str, **fields: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields}}


api = NinjaAPI(
    title="worktrial",
    version="1",
    description=(
        "Trials, candidacies, submissions, evaluations and reviews. Authenticate with "
        f"`Authorization: Bearer <token>` (make a token at {TOKENS_PAGE}), or with a logged-in "
        "browser session plus the `X-CSRFToken` header for changes. Every error is "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    docs_url="/docs",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)


@api.exception_handler(WorktrialError)
def _worktrial_error(request: HttpRequest, exc: WorktrialError) -> HttpResponse:
    return api.create_response(request, error_body(exc), status=exc.http_status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # the same answer whether the object does not exist or the caller may not see it
    return api.create_response(
        request,
        _body("not_found", "not found: no such object, or it is not visible to you"),
        status=404,
    )


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    """The field's name as the client wrote it: ``["body", "payload", "email"]`` -> ``email``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
        # a body or form schema is one parameter; its own name is not part of the JSON
        if len(parts) > 1 and parts[0] in ("payload", "data", "body"):
            parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors
    ]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    body = _body("invalid", message or "the request is invalid", key=errors[0]["field"])
    body["error"]["errors"] = errors
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        message = exc.message
        if message == "Unauthorized":  # no credentials at all
            message = (
                "authentication required: send an API token as `Authorization: Bearer <token>` "
                f"(make one at {_tokens_page(request)}) or log in"
            )
        return api.create_response(request, _body("unauthorized", message), status=401)
    if exc.status_code == 403 and exc.message == "csrf":
        return api.create_response(
            request,
            _body(
                "csrf",
                "CSRF check failed: with a browser session, send the csrftoken cookie's value in "
                "the X-CSRFToken header (or authenticate with an API token instead)",
            ),
            status=403,
        )
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return api.create_response(
            request,
            _body("invalid", "the request body is not valid JSON", key="body"),
            status=400,
        )
    return api.create_response(
        request, _body(f"http_{exc.status_code}", exc.message), status=exc.status_code
    )


# Last: any other path under /api/ is a JSON 404 in the same shape, not the site's HTML page.
_unknown = Router()


@_unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def _no_such_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    return api.create_response(
        request,
        _body(
            "not_found",
            f"no such endpoint: {request.method} {request.path}; the endpoints are listed at "
            f"{request.build_absolute_uri('/api/docs')}",
        ),
        status=404,
    )


for _router, _tag in (
    (accounts_router, "accounts"),
    (trials_router, "trials"),
    (submissions_router, "submissions"),
    (jobs_router, "evaluations"),
    (reviews_router, "reviews"),
):
    api.add_router("", _router, tags=[_tag])
api.add_router("", _unknown)
