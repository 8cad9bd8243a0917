"""Commands that talk to a worktrial server: ``login``, ``logout``, ``submit`` and ``status``,
and the client that ``update --remote`` and ``ask --remote`` post with.

The server and API token are kept in a TOML file readable by its owner only (mode 0600):
``$WORKTRIAL_CONFIG`` if set, else ``credentials.toml`` in ``$XDG_CONFIG_HOME/worktrial``
(``~/.config/worktrial``). The token is never printed.

Every failure is an :class:`~worktrial.errors.ApiClientError` carrying the server's own message
(the quota message, the bundle intake message...). Exit codes: 2 when the server refused the
request (bad input, invalid token, not found, over quota), 1 when it could not be reached or
failed itself, or when an awaited evaluation failed.
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import re
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from worktrial import __version__
from worktrial.errors import ApiClientError, UsageError

CONFIG_ENV = "WORKTRIAL_CONFIG"
USER_AGENT = f"worktrial-cli/{__version__}"  # the server records such uploads as via="cli"
TIMEOUT_S = 30.0  # per socket operation: an upload of any size may take longer in total
BUNDLE_TIMEOUT_S = 600.0
OPEN_STAGES = ("active", "submitted", "in_review")
TERMINAL = ("done", "failed")
SAME_AS_DONE = "evaluated"  # the reason a finished evaluation gives
REFUSED_EXIT = 2
FAILED_EXIT = 1


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True, slots=True)
class Credentials:
    """Where the server is and the token to show it."""

    server: str
    token: str


def credentials_path() -> Path:
    """The credentials file: ``$WORKTRIAL_CONFIG``, else ``credentials.toml`` in
    ``$XDG_CONFIG_HOME/worktrial`` (``~/.config/worktrial``)."""
    explicit = os.environ.get(CONFIG_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base).expanduser() / "worktrial" / "credentials.toml"


def load_credentials() -> Credentials | None:
    """The stored credentials, or None when not logged in.

    Raises:
        UsageError: the file exists but is not what ``worktrial login`` writes.
    """
    path = credentials_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(
            f"{path}: cannot read the credentials ({err}); run `worktrial login` again"
        ) from err
    server, token = data.get("server"), data.get("token")
    if not isinstance(server, str) or not isinstance(token, str) or not server or not token:
        raise UsageError(
            f"{path}: expected the keys server and token (as `worktrial login` writes them); "
            "run `worktrial login` again"
        )
    return Credentials(server, token)


def save_credentials(creds: Credentials) -> Path:
    """Write the credentials file, readable by its owner only, replacing any previous one."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # JSON string literals are valid TOML basic strings
    text = (
        "# worktrial server credentials (written by `worktrial login`); keep this file private\n"
        f"server = {json.dumps(creds.server)}\n"
        f"token = {json.dumps(creds.token)}\n"
    )
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tmp.chmod(0o600)  # whatever the umask
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def forget_credentials() -> Credentials | None:
    """Remove the credentials file; returns what it held (None if not logged in)."""
    try:
        creds = load_credentials()
    except UsageError:
        creds = None
    credentials_path().unlink(missing_ok=True)
    return creds


def require_credentials() -> Credentials:
    """The stored credentials.

    Raises:
        ApiClientError: not logged in.
    """
    creds = load_credentials()
    if creds is None:
        err = ApiClientError(
            "not logged in to a worktrial server: run `worktrial login --server URL` first"
        )
        err.exit_code = REFUSED_EXIT
        raise err
    return creds


def normalize_server(url: str) -> str:
    """``url`` without a trailing slash.

    Raises:
        UsageError: not an http(s) URL with a host.
    """
    url = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--server {url!r}: expected the server's address, e.g. https://trials.example.com"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"--server {url!r}: expected an address without ?query or #fragment")
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- HTTP client


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: it would carry the token to wherever the server points."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        err = ApiClientError(
            f"the server answered {req.full_url} with a redirect ({code}) to {newurl}; "
            "log in again with the address it redirects to",
            url=req.full_url,
            status=code,
        )
        err.exit_code = REFUSED_EXIT
        raise err


class _Body:
    """A multipart body read from memory and one file (never whole in memory), reporting the
    bytes of the file handed to the connection."""

    def __init__(
        self, head: bytes, file: BinaryIO, size: int, tail: bytes, sent: Callable[[int], None]
    ) -> None:
        self._parts: list[BinaryIO] = [io.BytesIO(head), file, io.BytesIO(tail)]
        self._file = file
        self._sent = sent
        self.length = len(head) + size + len(tail)

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            part = self._parts[0]
            chunk = part.read(size if size and size > 0 else 1 << 20)
            if chunk:
                if part is self._file:
                    self._sent(len(chunk))
                return chunk
            self._parts.pop(0)
        return b""


class ApiClient:
    """A small JSON client for a worktrial server's API, authenticated with a bearer token."""

    def __init__(self, server: str, token: str, *, timeout: float = TIMEOUT_S) -> None:
        self.server = server.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def url(self, path: str) -> str:
        return f"{self.server}/api/{path.lstrip('/')}"

    def get(self, path: str) -> Any:
        """GET ``/api/<path>`` and return the decoded JSON."""
        return self._send(urllib.request.Request(self.url(path), method="GET"))

    def delete(self, path: str) -> Any:
        """DELETE ``/api/<path>``; returns the decoded JSON answer (None when empty)."""
        return self._send(urllib.request.Request(self.url(path), method="DELETE"))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body to ``/api/<path>`` and return the decoded JSON answer."""
        request = urllib.request.Request(
            self.url(path), data=json.dumps(body).encode("utf-8"), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        return self._send(request)

    def upload(
        self,
        path: str,
        field: str,
        file: Path,
        *,
        filename: str,
        sent: Callable[[int], None] = lambda _n: None,
    ) -> Any:
        """POST ``file`` as the multipart field ``field``, streamed from disk."""
        boundary = f"worktrial-{uuid.uuid4().hex}"
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "upload"
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{safe_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode("ascii")
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        with file.open("rb") as fh:
            body = _Body(head, fh, file.stat().st_size, tail, sent)
            request = urllib.request.Request(self.url(path), data=body, method="POST")
            request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
            request.add_header("Content-Length", str(body.length))
            return self._send(request)

    def _send(self, request: urllib.request.Request) -> Any:
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        url = request.full_url
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise _refused(url, err.code, err.read()) from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise self._timeout(url) from None
            raise ApiClientError(
                f"cannot reach the worktrial server at {self.server}: {reason}", url=url
            ) from None
        except TimeoutError:
            raise self._timeout(url) from None
        except OSError as err:
            raise ApiClientError(
                f"the connection to the worktrial server at {self.server} failed: {err}", url=url
            ) from None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise ApiClientError(
                f"{url}: the server's answer is not JSON; is {self.server} a worktrial server?",
                url=url,
            ) from None

    def _timeout(self, url: str) -> ApiClientError:
        return ApiClientError(
            f"the worktrial server at {self.server} did not answer within {self.timeout:g} s",
            url=url,
        )


def _refused(url: str, status: int, raw: bytes) -> ApiClientError:
    """The error for an HTTP error answer, with the server's own message when it sent one."""
    message = ""
    try:
        body = json.loads(raw)
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                message = error["message"]
            elif isinstance(body.get("detail"), str):
                message = body["detail"]
    except ValueError:
        pass
    if not message:
        message = f"the server answered {url} with HTTP {status}"
        if status == 404:
            message += " (not found: is this a worktrial server, and do you have access?)"
    err = ApiClientError(message, url=url, status=status)
    err.exit_code = REFUSED_EXIT if 400 <= status < 500 else FAILED_EXIT
    return err


def client() -> ApiClient:
    """A client for the server ``worktrial login`` stored.

    Raises:
        ApiClientError: not logged in.
    """
    creds = require_credentials()
    return ApiClient(creds.server, creds.token)


def pick_candidacy(api: ApiClient, candidacy: int | None) -> int:
    """``candidacy`` if given, else the caller's only open candidacy.

    Raises:
        ApiClientError: no open candidacy.
        UsageError: several open candidacies and none chosen.
    """
    if candidacy is not None:
        return candidacy
    rows = api.get("my/candidacies") or []
    open_rows = [
        r for r in rows if r["stage"] in OPEN_STAGES and r["trial"]["status"] == "published"
    ]
    if len(open_rows) == 1:
        return int(open_rows[0]["id"])
    if not open_rows:
        err = ApiClientError(
            f"you have no open candidacy on {api.server}: accept your invitation link first, "
            "or pass --candidacy ID"
        )
        err.exit_code = REFUSED_EXIT
        raise err
    choices = "; ".join(
        f"{r['id']} ({r['trial']['title']}, {r['trial']['organization']})" for r in open_rows
    )
    raise UsageError(
        f"you have {len(open_rows)} open candidacies; choose one with --candidacy ID: {choices}"
    )


def post_update(*, done: str, next: str, blockers: str, candidacy: int | None) -> tuple[str, int]:
    """Post a progress update; returns (server, candidacy id)."""
    api = client()
    cid = pick_candidacy(api, candidacy)
    api.post(f"candidacies/{cid}/updates", {"done": done, "next": next, "blockers": blockers})
    return api.server, cid


def post_question(*, text: str, candidacy: int | None) -> tuple[str, int]:
    """Ask a clarifying question; returns (server, candidacy id)."""
    api = client()
    cid = pick_candidacy(api, candidacy)
    api.post(f"candidacies/{cid}/questions", {"text": text})
    return api.server, cid


# --------------------------------------------------------------------------- output


def describe(sub: dict[str, Any]) -> list[str]:
    """Lines that tell a submission's state, for people."""
    ev = sub.get("evaluation") or {}
    status = ev.get("status", "not queued")
    reason = ev.get("reason") or ""
    # "done — evaluated" says nothing twice; any other reason is news
    said = f" — {reason}" if reason and reason.lower() not in (status, SAME_AS_DONE) else ""
    lines = [
        f"submission {sub['number']} (id {sub['id']}) of candidacy {sub['candidacy_id']}, "
        f"commit {sub['commit'][:7]}",
        f"evaluation: {status}{said}",
    ]
    if status == "running" and ev.get("step"):
        lines.append(f"step: {ev['step']}")
    if status == "done":
        dev = sub.get("dev_score")
        lines.append(
            "dev score: "
            + ("not measured (the submission was not run)" if dev is None else f"{dev:.4f}")
        )
    quota = sub.get("quota_left") or {}
    if quota:
        lines.append(f"submissions left: {quota['today']} today, {quota['total']} in total")
    return lines


@contextmanager
def _upload_bar(err: Console, total: int, label: str) -> Iterator[Callable[[int], None]]:
    if not err.is_terminal:
        yield lambda _n: None
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        done = 0

        def sent(n: int) -> None:
            nonlocal done
            done += n
            bar.advance(task, n)
            if done >= total:  # the server verifies and unpacks it before it answers
                bar.update(task, description="the server is verifying the bundle")

        yield sent


def _make_bundle(repo: Path, dest: Path) -> str:
    """Bundle every ref of the repository at ``repo`` into ``dest``; returns the repo's name.

    Raises:
        NotAGitRepoError, EmptyRepoError: not a repository, or no commits.
        UsageError: a shallow clone (its bundle would lack history).
    """
    from worktrial.repo import Repo, run_git

    opened = Repo(repo)
    if opened.shallow:
        raise UsageError(
            f"{opened.root}: a shallow clone cannot be submitted whole; "
            "run `git fetch --unshallow` first"
        )
    run_git(opened.root, "bundle", "create", str(dest), "--all", timeout=BUNDLE_TIMEOUT_S)
    return opened.root.name


def _uncommitted(repo: Path) -> bool:
    from worktrial.repo import run_git

    proc = run_git(repo, "status", "--porcelain", "--untracked-files=no", check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def _wait(api: ApiClient, sub: dict[str, Any], timeout: float, err: Console) -> dict[str, Any]:
    """Poll a submission until its evaluation ends or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    delay = 0.5
    spinner = (
        Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                 console=err, transient=True)
        if err.is_terminal
        else None
    )  # fmt: skip
    task = spinner.add_task("waiting for the evaluation") if spinner else None
    if spinner:
        spinner.start()
    try:
        while (sub.get("evaluation") or {}).get("status") not in TERMINAL:
            if time.monotonic() >= deadline:
                ev = sub.get("evaluation") or {}
                raise ApiClientError(
                    f"submission {sub['number']} is still {ev.get('status', 'not queued')} "
                    f"after {timeout:g} s ({ev.get('reason') or 'no reason given'}); "
                    f"look again later with `worktrial status {sub['id']}`",
                    status=None,
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 10.0)
            sub = api.get(f"submissions/{sub['id']}")
            if spinner and task is not None:
                ev = sub.get("evaluation") or {}
                text = ev.get("step") or ev.get("reason") or ev.get("status", "")
                spinner.update(task, description=f"{ev.get('status', '')}: {text}")
    finally:
        if spinner:
            spinner.stop()
    return sub


def _finish(sub: dict[str, Any]) -> None:
    for line in describe(sub):
        typer.echo(line)
    if (sub.get("evaluation") or {}).get("status") == "failed":
        raise typer.Exit(FAILED_EXIT)


# --------------------------------------------------------------------------- commands


def login_command(
    server: Annotated[
        str, typer.Option("--server", help="The worktrial server, e.g. https://trials.example.com.")
    ],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="An API token from the server's Tokens page. Prefer leaving it out: it is then "
            "read from standard input or asked for without echo (a command line is visible to "
            "other users and kept in shell history).",
        ),
    ] = None,
) -> None:
    """Log in to a worktrial server with an API token and remember it for later commands."""
    server = normalize_server(server)
    err = Console(stderr=True)
    if token is None:
        if sys.stdin.isatty():
            token = typer.prompt(
                f"API token (make one at {server}/accounts/tokens/)", hide_input=True
            )
        else:
            token = sys.stdin.readline()
    token = (token or "").strip()
    if not token:
        raise UsageError("no API token given: pass it on standard input, at the prompt or --token")
    host = urllib.parse.urlsplit(server).hostname or ""
    if server.startswith("http://") and not _is_loopback(host):
        err.print(
            f"[yellow]warning:[/] {server} is plain HTTP: the token travels unencrypted",
            highlight=False,
        )
    me = ApiClient(server, token).get("me")
    path = save_credentials(Credentials(server, token))
    roles = ", ".join(f"{m['role']} at {m['organization']['name']}" for m in me["memberships"])
    typer.echo(f"logged in to {server} as {me['email']}" + (f" ({roles})" if roles else ""))
    typer.echo(f"credentials saved to {path}")


def logout_command() -> None:
    """Revoke the stored token on the server and forget it here."""
    creds = forget_credentials()
    if creds is None:
        typer.echo("not logged in")
        return
    try:
        ApiClient(creds.server, creds.token).delete("tokens/current")
    except ApiClientError as err:
        # forgotten here whatever the server says: the person asked to log out
        typer.echo(
            f"logged out of {creds.server}, but the token could not be revoked there ({err}); "
            f"revoke it at {creds.server}/accounts/tokens/"
        )
        return
    typer.echo(f"logged out of {creds.server}; the token is revoked")


def submit_command(
    repo: Annotated[
        Path,
        typer.Argument(
            help="The project repository (default: the current folder).", file_okay=False
        ),
    ] = Path(),
    candidacy: Annotated[
        int | None,
        typer.Option(
            "--candidacy",
            help="The candidacy to submit to (default: your only open one).",
            metavar="ID",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the evaluation and print its result.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="With --wait: give up after this many seconds.", min=1),
    ] = 1800.0,
) -> None:
    """Submit your repository: every branch and commit, as a git bundle, to the server."""
    err = Console(stderr=True)
    api = client()
    cid = pick_candidacy(api, candidacy)
    with tempfile.TemporaryDirectory(prefix="worktrial-submit-") as tmp:
        bundle = Path(tmp) / "work.bundle"
        if err.is_terminal:
            with err.status("bundling the repository"):
                name = _make_bundle(repo, bundle)
        else:
            name = _make_bundle(repo, bundle)
        if _uncommitted(repo):
            err.print(
                "[yellow]warning:[/] you have uncommitted changes; only commits are submitted",
                highlight=False,
            )
        size = bundle.stat().st_size
        with _upload_bar(err, size, f"uploading {name}.bundle") as sent:
            sub = api.upload(
                f"candidacies/{cid}/submissions",
                "bundle",
                bundle,
                filename=f"{name}.bundle",
                sent=sent,
            )
    if wait:
        sub = _wait(api, sub, timeout, err)
    _finish(sub)


def status_command(
    submission: Annotated[
        int | None,
        typer.Argument(help="A submission's id (default: list your candidacy's submissions)."),
    ] = None,
    candidacy: Annotated[
        int | None,
        typer.Option(
            "--candidacy",
            help="Whose submissions to list (default: your only open one).",
            metavar="ID",
        ),
    ] = None,
) -> None:
    """Show a submission's evaluation status, dev score and submissions left."""
    api = client()
    if submission is not None:
        if candidacy is not None:
            raise UsageError("give a submission id or --candidacy, not both")
        _finish(api.get(f"submissions/{submission}"))
        return
    cid = pick_candidacy(api, candidacy)
    rows = api.get(f"candidacies/{cid}/submissions") or []
    out = Console()
    if not rows:
        out.print(f"no submissions yet in candidacy {cid} (submit with `worktrial submit`)")
        return
    table = Table(title=f"submissions of candidacy {cid} on {api.server}")
    for column in ("#", "id", "commit", "uploaded (UTC)", "status", "dev score", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        ev = row.get("evaluation") or {}
        table.add_row(
            str(row["number"]),
            str(row["id"]),
            row["commit"][:7],
            row["uploaded_at"][:16].replace("T", " "),
            ev.get("status", ""),
            "" if row.get("dev_score") is None else f"{row['dev_score']:.4f}",
            ev.get("reason", ""),
        )
    out.print(table)
    quota = rows[-1]["quota_left"]
    out.print(
        f"submissions left: {quota['today']} today, {quota['total']} in total", highlight=False
    )


def register(app: typer.Typer) -> None:
    """Add ``login``, ``logout``, ``submit`` and ``status`` to ``app``."""
    app.command("login")(login_command)
    app.command("logout")(logout_command)
    app.command("submit")(submit_command)
    app.command("status")(status_command)
