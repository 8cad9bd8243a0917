"""Settings shared by every run mode. Everything that differs between machines comes from the
environment, with a safe default for the embedded mode (one machine, SQLite, a SQLite broker).

Environment:
    WORKTRIAL_HOME: the data folder (default ``~/.local/share/worktrial``).
    WORKTRIAL_SECRET_KEY: the signing key; embedded mode generates one under the data folder.
    DATABASE_URL: e.g. ``postgres://user@host:5432/db``; default SQLite under the data folder.
    CELERY_BROKER_URL: e.g. ``redis://127.0.0.1:6379/0``; default a SQLite broker.
    WORKTRIAL_ALLOWED_HOSTS: comma-separated host names (default ``localhost,127.0.0.1``).
    WORKTRIAL_SANDBOX: ``bwrap`` (default where installed), ``local`` or ``none`` (evidence only).
    WORKTRIAL_ALLOW_LOCAL_SANDBOX: ``1`` lets an admin run candidate code without isolation.
    WORKTRIAL_LINK_SITE_PACKAGES: ``1`` shows the server's own site-packages, read-only, in the
        trials' runtime environments instead of installing from a package index (offline
        machines, demos, tests).
    WORKTRIAL_RUN_HOME: where runtime environments and run folders go (default: the data
        folder, or /var/lib/worktrial for root when other users cannot enter the data folder).
    WORKTRIAL_LEASE_SECONDS: how long a worker owns an evaluation without a heartbeat (120).
    WORKTRIAL_MAX_ATTEMPTS: attempts before an evaluation fails for good (3).
    WORKTRIAL_REAP_SECONDS: how often each worker looks for expired leases (lease / 4).
    WORKTRIAL_LOG_LEVEL: the log level (INFO).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from worktrial.sandbox.environment import default_home

# the same data folder the engine's CLI uses
HOME: Path = default_home()


def _secret_key() -> str:
    key = os.environ.get("WORKTRIAL_SECRET_KEY", "").strip()
    if key:
        return key
    path = HOME / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    HOME.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WORKTRIAL_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its bundled Swagger UI for /api/docs (no CDN)
    "worktrial.web.accounts",
    "worktrial.web.audit",
    "worktrial.web.trials",
    "worktrial.web.submissions",
    "worktrial.web.jobs",
    "worktrial.web.reviews",
    "worktrial.web.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "worktrial.web.errors.WorktrialErrorMiddleware",
]

ROOT_URLCONF = "worktrial.web.urls"
WSGI_APPLICATION = "worktrial.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent.parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "worktrial.web.accounts.context.membership",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{HOME / 'worktrial.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # several processes (web server, worker) share the file: wait for locks instead of failing
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [Path(__file__).resolve().parent.parent / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the package; collectstatic is optional
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# uploads: bundles are streamed to disk, never held in memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
WORKTRIAL_MAX_UPLOAD_BYTES = int(os.environ.get("WORKTRIAL_MAX_UPLOAD_MB", "200")) * 1024 * 1024

# jobs: Celery, acknowledged after the task ran; the evaluation rows carry the leases
CELERY_BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{HOME / 'broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
WORKTRIAL_LEASE_SECONDS = int(os.environ.get("WORKTRIAL_LEASE_SECONDS", "120"))
WORKTRIAL_MAX_ATTEMPTS = int(os.environ.get("WORKTRIAL_MAX_ATTEMPTS", "3"))
# how often every worker runs the reaper (any number may run it at once); never below 0.2 s
WORKTRIAL_REAP_SECONDS = max(
    float(os.environ.get("WORKTRIAL_REAP_SECONDS") or WORKTRIAL_LEASE_SECONDS / 4), 0.2
)
WORKTRIAL_SANDBOX = os.environ.get("WORKTRIAL_SANDBOX", "auto")
WORKTRIAL_ALLOW_LOCAL_SANDBOX = os.environ.get("WORKTRIAL_ALLOW_LOCAL_SANDBOX", "") == "1"
WORKTRIAL_LINK_SITE_PACKAGES = os.environ.get("WORKTRIAL_LINK_SITE_PACKAGES", "") == "1"
WORKTRIAL_RUN_HOME = os.environ.get("WORKTRIAL_RUN_HOME", "")
# Test-only: every evaluation sleeps this long in a step of its own ("test delay"), so the
# crash test can kill a worker in the middle of one. Zero (off) unless a test sets it.
WORKTRIAL_TEST_EVALUATION_DELAY = float(os.environ.get("WORKTRIAL_TEST_EVALUATION_DELAY", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WORKTRIAL_LOG_LEVEL", "INFO")},
}
