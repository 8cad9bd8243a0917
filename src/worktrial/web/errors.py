"""The one place where the platform turns a :class:`~worktrial.errors.WorktrialError` into an
HTTP response (the API has its own renderer in ``worktrial.web.api``, built on the same
:func:`error_body`).

Pages get the error page with the message; requests that want JSON get
``{"error": {"code", "message", "fields"}}``. Either way the status is the error's
``http_status`` and nothing was changed: actions run in a transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from worktrial.errors import WorktrialError

log = logging.getLogger(__name__)

SAFE_FIELDS = ("key", "expected", "found", "reason", "problem", "state", "limit", "member")


def error_body(err: WorktrialError) -> dict[str, Any]:
    """The JSON body for an error: its code, its message and the fields safe to show.

    Paths on the server are never included (an uploaded file is named as the user named it in
    the message itself).
    """
    fields = {k: v for k, v in err.fields.items() if k in SAFE_FIELDS and _plain(v)}
    return {"error": {"code": err.code, "message": err.message, "fields": fields}}


def _plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


class WorktrialErrorMiddleware:
    """Render a domain error raised by a view; let every other exception through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            # the API answers in one shape, a wrong method included
            allowed = response.get("Allow", "")
            return JsonResponse(
                {
                    "error": {
                        "code": "method_not_allowed",
                        "message": f"{request.method} is not allowed on {request.path}; "
                        f"allowed: {allowed or 'none'}",
                        "fields": {"expected": allowed, "found": request.method},
                    }
                },
                status=405,
                headers={"Allow": allowed} if allowed else None,
            )
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, WorktrialError):
            return None
        log.info("refused %s %s: %s (%s)", request.method, request.path, exc.message, exc.code)
        if wants_json(request):
            return JsonResponse(error_body(exc), status=exc.http_status)
        return render(
            request,
            "error.html",
            {"title": "That did not work", "message": exc.message, "code": exc.code},
            status=exc.http_status,
        )
