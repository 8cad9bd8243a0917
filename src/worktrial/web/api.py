"""The REST API: one NinjaAPI, one router per app (each app's ``api.py``), token auth.

OpenAPI is served at ``/api/openapi.json`` and its browsable docs at ``/api/docs``.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="worktrial",
    version="1",
    description="Trials, candidacies, submissions, evaluations and reviews.",
    docs_url="/docs",
    urls_namespace="api",
)
