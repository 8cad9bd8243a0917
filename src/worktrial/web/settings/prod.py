"""A team's deployment: PostgreSQL, a Redis or RabbitMQ broker, any number of workers.

A missing secret, database or broker is a loud error, never a silent fallback to the embedded
defaults.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from worktrial.web.settings.base import *  # noqa: F403

for _name in ("WORKTRIAL_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
    if not os.environ.get(_name, "").strip():
        raise ImproperlyConfigured(
            f"{_name} is not set; the production settings need it (see docs/operations.md)"
        )

SESSION_COOKIE_SECURE = os.environ.get("WORKTRIAL_HTTPS", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
