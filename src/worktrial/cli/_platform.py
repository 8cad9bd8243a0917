"""``worktrial serve``, ``worker``, ``manage`` and ``admin``: running the platform.

- ``serve``: the embedded default on one machine. Applies the database migrations, then starts
  and supervises two child processes: gunicorn (the WSGI server; static files are served by
  whitenoise from the package) and one Celery worker. Ctrl-C or SIGTERM stops both; each child
  also gets SIGTERM from the kernel if ``serve`` itself dies, so none is left behind.
- ``worker``: one Celery worker for scale-out (PostgreSQL + Redis/RabbitMQ), any number of them.
- ``manage``: Django's management commands with the platform's settings.
- ``admin create-org``: an organization and its first admin, so a fresh install needs no shell.

Settings: ``worktrial.web.settings.embedded`` unless ``--settings`` or DJANGO_SETTINGS_MODULE
says otherwise. The operations guide (docs/operations.md) describes every environment variable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.console import Console

from worktrial.errors import PlatformError, UsageError

DEFAULT_SETTINGS = "worktrial.web.settings.embedded"  # the same as worktrial.web.runner's
PR_SET_PDEATHSIG = 1


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def redact(url: str) -> str:
    """``url`` without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def say_where(settings: Any, err: Console) -> None:
    """Print the data folder, database, broker and sandbox; warn about a per-machine secret."""
    err.print(f"data folder: {settings.HOME}")
    from worktrial.web.runner import describe_database

    err.print(f"database:    {describe_database(settings)}")
    err.print(f"broker:      {redact(settings.CELERY_BROKER_URL)}")
    err.print(f"sandbox:     {settings.WORKTRIAL_SANDBOX}")
    if os.environ.get("DATABASE_URL") and not os.environ.get("WORKTRIAL_SECRET_KEY", "").strip():
        err.print(
            "[bold yellow]warning:[/] DATABASE_URL is set but WORKTRIAL_SECRET_KEY is not: this "
            f"machine signs sessions and links with the key in {settings.HOME / 'secret_key'}; "
            "every machine of a deployment must share one key — set WORKTRIAL_SECRET_KEY"
        )


def _sandbox_warning(settings: Any, err: Console) -> None:
    name = str(settings.WORKTRIAL_SANDBOX).lower()
    if name == "none":
        err.print("sandbox is off (WORKTRIAL_SANDBOX=none): evaluations score evidence only")
        return
    if name == "local" and not settings.WORKTRIAL_ALLOW_LOCAL_SANDBOX:
        err.print(
            "[bold yellow]warning:[/] WORKTRIAL_SANDBOX=local runs candidate code without "
            "isolation and is refused unless WORKTRIAL_ALLOW_LOCAL_SANDBOX=1; evaluations "
            "will fail with that reason"
        )
        return
    if name in ("auto", "bwrap"):
        from worktrial.sandbox import bwrap_problem

        problem = bwrap_problem()
        if problem is not None and not (name == "auto" and settings.WORKTRIAL_ALLOW_LOCAL_SANDBOX):
            err.print(
                f"[bold yellow]warning:[/] {problem}; evaluations that run code will fail "
                "until it is fixed (or set WORKTRIAL_SANDBOX=none for evidence-only scoring)"
            )


def check_port_free(host: str, port: int) -> None:
    """Refuse early, in words, when ``host:port`` cannot be bound.

    Raises:
        PlatformError: the port is taken or the address is not on this machine.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise PlatformError(
                    f"port {port} on {host} is already in use (another worktrial serve or "
                    "another program); stop it or choose another port with --port",
                    host=host,
                    port=port,
                ) from err
            raise PlatformError(
                f"cannot listen on {host}:{port}: {err.strerror or err}; expected an address "
                "of this machine, e.g. --host 127.0.0.1 or --host 0.0.0.0",
                host=host,
                port=port,
            ) from err


def _die_with_parent() -> None:
    """In a child, before exec: get SIGTERM when the parent dies (Linux), so a killed
    ``serve`` leaves no server or worker behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class Child:
    """A supervised child process, in a process group of its own."""

    name: str
    process: subprocess.Popen[bytes]

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


@dataclass
class Supervisor:
    """Starts children, stops them all (SIGTERM, then SIGKILL after ``grace`` seconds)."""

    grace: float
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str]) -> Child:
        parent = os.getpid()

        def prepare() -> None:
            _die_with_parent()
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

        process = subprocess.Popen(list(argv), start_new_session=True, preexec_fn=prepare)
        child = Child(name, process)
        self.children.append(child)
        return child

    def exited(self) -> Child | None:
        for child in self.children:
            if child.process.poll() is not None:
                return child
        return None

    def stop(self, say: Callable[[str], None]) -> None:
        running = [c for c in self.children if c.process.poll() is None]
        for child in running:
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in running:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                say(f"the {child.name} did not stop within {self.grace:g} s; killing it")
        for child in self.children:
            # the whole group: gunicorn's workers, anything a child left behind
            child.signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=10)


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{_bind(shown, port)}/"


def _wait_listening(host: str, port: int, child: Child, timeout: float) -> bool:
    target = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class _Stop:
    """SIGINT/SIGTERM handler: the first asks for a clean stop; a second one kills at once."""

    def __init__(self) -> None:
        self.requested = 0

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.requested += 1


HostOpt = Annotated[
    str, typer.Option("--host", help="The address to listen on (0.0.0.0 for every interface).")
]
PortOpt = Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)]
SettingsOpt = Annotated[
    str | None,
    typer.Option(
        "--settings",
        help=f"Django settings module (default: DJANGO_SETTINGS_MODULE, else {DEFAULT_SETTINGS}).",
    ),
]


def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    settings_module: SettingsOpt = None,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Start no worker (workers run elsewhere)."),
    ] = False,
    web_workers: Annotated[
        int, typer.Option("--web-workers", help="Web server processes.", min=1)
    ] = 2,
    web_threads: Annotated[
        int, typer.Option("--web-threads", help="Threads per web server process.", min=1)
    ] = 4,
    grace: Annotated[
        float,
        typer.Option(
            "--grace",
            help="Seconds to let the server and worker stop on Ctrl-C before killing them; "
            "an evaluation cut short is retried once its lease expires.",
            min=0,
        ),
    ] = 10.0,
) -> None:
    """Run the platform on this machine: database migrations, the web server and a worker."""
    err = _err()
    check_port_free(host, port)
    from worktrial.web import runner

    module = runner.use_settings(settings_module)
    settings = runner.setup(module)
    say_where(settings, err)
    _sandbox_warning(settings, err)
    pending = runner.pending_migrations()
    if pending:
        err.print(f"applying {pending} database migration(s)…")
        runner.migrate()

    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    supervisor = Supervisor(grace=grace)
    code = 0
    try:
        web = supervisor.start(
            "web server",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "worktrial.web.wsgi:application",
                "--bind",
                _bind(host, port),
                "--workers",
                str(web_workers),
                "--threads",
                str(web_threads),
                "--worker-class",
                "gthread",
                "--timeout",
                "120",
                "--graceful-timeout",
                str(max(int(grace), 1)),
                "--access-logfile",
                "-",
                # no control socket under the user's home: two servers on one machine would
                # fight over it
                "--no-control-socket",
            ],
        )
        if not no_worker:
            supervisor.start(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "worktrial",
                    "worker",
                    "--concurrency",
                    "1",
                    "--allow-sqlite-broker",
                    "--settings",
                    module,
                ],
            )
        if _wait_listening(host, port, web, timeout=60.0):
            err.print(
                f"[bold]worktrial is running at {_url(host, port)}[/]"
                + (" (no worker: --no-worker)" if no_worker else " with one worker")
                + "; Ctrl-C stops it"
            )
        while not stop.requested:
            gone = supervisor.exited()
            if gone is not None:
                err.print(
                    f"[bold red]error:[/] the {gone.name} stopped (exit code "
                    f"{gone.process.returncode}); stopping worktrial serve"
                )
                code = 1
                break
            time.sleep(0.2)
    finally:
        if stop.requested:
            err.print("stopping the web server and the worker…")
        supervisor.grace = 0 if stop.requested > 1 else grace
        supervisor.stop(lambda text: err.print(text))
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code == 0:
        err.print("stopped")
    raise typer.Exit(code)


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-c",
            help="Evaluations this worker runs at once (threads; run more workers to use more "
            "cores or machines).",
            min=1,
        ),
    ] = 1,
    settings_module: SettingsOpt = None,
    allow_sqlite_broker: Annotated[
        bool,
        typer.Option(
            "--allow-sqlite-broker",
            help="Accept the embedded SQLite broker (only processes on this machine sharing "
            "WORKTRIAL_HOME see it).",
        ),
    ] = False,
    loglevel: Annotated[
        str, typer.Option("--loglevel", help="debug, info, warning or error.")
    ] = "info",
) -> None:
    """Run a Celery worker that evaluates submissions (scale-out: any number of them)."""
    err = _err()
    from worktrial.web import runner

    settings = runner.setup(settings_module)
    broker = str(settings.CELERY_BROKER_URL)
    if runner.is_sqlite_broker(broker) and not allow_sqlite_broker:
        raise UsageError(
            f"the broker is the embedded SQLite file ({broker}), which only processes on this "
            "machine sharing the same WORKTRIAL_HOME can see; set CELERY_BROKER_URL (e.g. "
            "redis://host:6379/0) for workers on several machines, or pass "
            "--allow-sqlite-broker to run a worker beside `worktrial serve --no-worker`",
            option="--allow-sqlite-broker",
            found=broker,
        )
    say_where(settings, err)
    _sandbox_warning(settings, err)
    try:
        runner.run_worker(concurrency, loglevel)
    except SystemExit as exc:
        raise typer.Exit(exc.code if isinstance(exc.code, int) else 1) from None


def manage(ctx: typer.Context) -> None:
    """Run a Django management command with the platform's settings (`manage help` lists them).

    For example ``worktrial manage migrate``, ``createsuperuser`` or ``shell -c CODE``.
    """
    from worktrial.web import runner

    try:
        runner.manage(ctx.args)
    except SystemExit as exc:
        raise typer.Exit(exc.code if isinstance(exc.code, int) else 1) from None


def create_org(
    name: Annotated[str, typer.Argument(help="The organization's name.")],
    admin_email: Annotated[
        str, typer.Option("--admin-email", help="Its first admin's e-mail address (login).")
    ],
    slug: Annotated[
        str | None, typer.Option("--slug", help="Short name in URLs (default: from the name).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the admin's password from the first line of standard input (default: "
            "generate one and print it).",
        ),
    ] = False,
    settings_module: SettingsOpt = None,
) -> None:
    """Create an organization and its first admin (an existing user becomes its admin)."""
    from worktrial.web import runner

    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 8:
            raise UsageError(
                "--password-stdin: expected a password of at least 8 characters on the first "
                f"line of standard input; found {len(password)} characters",
                option="--password-stdin",
            )
    runner.setup(settings_module)
    made = runner.create_organization(name, admin_email, slug=slug, password=password)
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"organization {made.name} ({made.slug}) created; admin: {made.admin_email}")
    if made.password is not None:
        out.print(f"password: {made.password}")


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``worker``, ``manage`` and ``admin`` to ``app``."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command(
        "manage",
        context_settings={
            "allow_extra_args": True,
            "ignore_unknown_options": True,
            "help_option_names": [],
        },
        add_help_option=False,
    )(manage)
    group = typer.Typer(help="Administration of a platform install.", no_args_is_help=True)
    group.command("create-org")(create_org)
    app.add_typer(group, name="admin")
