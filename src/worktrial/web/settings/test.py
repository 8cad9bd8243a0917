"""Tests: a throw-away data folder per test process, fast password hashing (argon2 has its
own test), no sandbox (tests of the run plan use the engine's own fixtures)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("WORKTRIAL_SECRET_KEY", "test-only-not-secret")

from worktrial.web.settings.base import *  # noqa: F403

HOME = Path(os.environ.get("WORKTRIAL_TEST_HOME") or tempfile.mkdtemp(prefix="worktrial-web-"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(HOME / "worktrial.sqlite3"),
        "OPTIONS": {"timeout": 30},
    }
}
if os.environ.get("WORKTRIAL_TEST_DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["WORKTRIAL_TEST_DATABASE_URL"])}
CELERY_BROKER_URL = "memory://localhost/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WORKTRIAL_SANDBOX = "none"
