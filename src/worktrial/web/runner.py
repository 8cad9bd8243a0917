"""Starting the platform from the command line: settings, migrations, the Celery worker, Django's
management commands and the first organization. The ``worktrial serve``, ``worker``, ``manage``
and ``admin`` commands (``worktrial.cli._platform``) call these; they are the only place outside
``worktrial.web`` that reaches Django, and only through this module.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from worktrial.errors import PlatformError, UsageError

DEFAULT_SETTINGS = "worktrial.web.settings.embedded"
SQLITE_BROKER_PREFIX = "sqla+sqlite"


def use_settings(module: str | None) -> str:
    """Choose the Django settings module (``module``, else DJANGO_SETTINGS_MODULE, else the
    embedded default) for this process and the processes it starts."""
    chosen = module or os.environ.get("DJANGO_SETTINGS_MODULE") or DEFAULT_SETTINGS
    os.environ["DJANGO_SETTINGS_MODULE"] = chosen
    return chosen


def setup(module: str | None) -> Any:
    """Load the platform's settings and apps; returns ``django.conf.settings``.

    Raises:
        UsageError: the settings module cannot be imported or refuses its configuration (e.g.
            the production settings without WORKTRIAL_SECRET_KEY).
    """
    chosen = use_settings(module)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as err:
        raise UsageError(f"settings {chosen}: {err}", settings=chosen) from err
    except ModuleNotFoundError as err:
        raise UsageError(
            f"settings {chosen}: cannot import the module ({err}); expected a dotted module "
            f"path such as {DEFAULT_SETTINGS}",
            settings=chosen,
        ) from err
    from django.conf import settings

    return settings


def is_sqlite_broker(url: str) -> bool:
    """Whether ``url`` is the embedded SQLite broker (seen only on this machine)."""
    return url.startswith(SQLITE_BROKER_PREFIX)


def describe_database(settings: Any) -> str:
    """Where the database is, in one phrase (never the password)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    host = db.get("HOST") or "local socket"
    port = db.get("PORT") or "default port"
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {host}:{port}/{db['NAME']}"


def pending_migrations() -> int:
    """How many database migrations are not applied yet."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate() -> int:
    """Apply the pending database migrations; returns how many there were. Closes the
    connections afterwards (the processes started next open their own)."""
    from django.core.management import call_command
    from django.db import connections

    pending = pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    connections.close_all()
    return pending


def run_worker(concurrency: int, loglevel: str) -> None:
    """Run a Celery worker in this process until it is stopped (SIGTERM: warm shutdown).

    Threads, not forked processes: evaluations spend their time in subprocesses (git, the
    sandbox), a SIGKILL leaves no orphaned pool process, and nothing is forked after the reaper
    thread and database connections exist. Workers do not gossip: the rows carry the state.

    Raises:
        SystemExit: from Celery, when it stops.
    """
    from worktrial.web.celery import app

    app.worker_main(
        [
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            loglevel.upper(),
            "--hostname",
            f"worktrial-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def manage(argv: Sequence[str]) -> None:
    """Run Django's management command line (``argv`` without the program name).

    Raises:
        SystemExit: from Django, with the command's exit code.
    """
    use_settings(None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["worktrial manage", *argv])


@dataclass(frozen=True)
class NewOrganization:
    """What :func:`create_organization` made; ``password`` only when it generated one."""

    name: str
    slug: str
    admin_email: str
    password: str | None


def create_organization(
    name: str, admin_email: str, *, slug: str | None, password: str | None
) -> NewOrganization:
    """An organization with ``admin_email`` as its first admin, creating that user (with
    ``password``, or a generated one) unless they exist.

    Raises:
        PlatformError: the database is not migrated, the name is empty or taken.
        UsageError: a password was given for a user who exists already.
    """
    if pending_migrations():
        raise PlatformError(
            "the database is not migrated yet; start `worktrial serve` once or run "
            "`worktrial manage migrate` first"
        )
    from django.db import transaction

    from worktrial.web.accounts.actions import do_create_organization, do_create_user
    from worktrial.web.accounts.models import User

    user = User.objects.filter(email__iexact=admin_email.strip()).first()
    if user is not None and password is not None:
        raise UsageError(
            f"--password-stdin: {user.email} already has an account; its password is not "
            "changed here (use `worktrial manage changepassword`)",
            option="--password-stdin",
        )
    generated = secrets.token_urlsafe(12) if user is None and password is None else None
    with transaction.atomic():
        if user is None:
            user = do_create_user(admin_email, password or generated)
        org = do_create_organization(name, admin=user, slug=slug)
    return NewOrganization(org.name, org.slug, user.email, generated)
