"""The ``worktrial`` command: one entry point for candidates and companies.

Each group of commands lives in its own module with a ``register(app)`` function. This module is
the one place that turns a :class:`~worktrial.errors.WorktrialError` into a message and an exit
code: no traceback for errors the user can fix.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from worktrial import __version__
from worktrial.cli import _demo, _evaluate, _platform, _remote, _spec, _tracking
from worktrial.errors import WorktrialError

app = typer.Typer(
    name="worktrial",
    help="Run ML trial projects and score how candidates work, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (_spec, _tracking, _evaluate, _demo, _platform, _remote):
    _module.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"worktrial {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Run ML trial projects and score how candidates work, with evidence."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising."""
    err = Console(stderr=True)
    try:
        # Outside standalone mode Click returns the code of a ``typer.Exit`` instead of raising.
        result = app(args=argv, standalone_mode=False)
    except WorktrialError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except typer.TyperException as exc:  # usage errors: unknown command, bad option value
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc}")
        return int(getattr(exc, "exit_code", 2))
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
