"""Trial spec and bundle commands: ``spec validate``, ``spec schema``, ``trial new``,
``trial templates`` and ``trial kit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from worktrial.errors import SpecError
from worktrial.spec import (
    TEMPLATES,
    export_candidate_kit,
    load_bundle,
    load_spec,
    new_from_template,
    spec_json_schema,
)

spec_app = typer.Typer(
    name="spec",
    help="Check a trial spec, or print its JSON Schema.",
    no_args_is_help=True,
)
trial_app = typer.Typer(
    name="trial",
    help="Create trial bundles from templates and export candidate kits.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``spec`` and ``trial`` command groups to ``app``."""
    app.add_typer(spec_app)
    app.add_typer(trial_app)


@spec_app.command("validate")
def validate_command(
    path: Annotated[
        Path,
        typer.Argument(help="A trial.toml, or a bundle folder (then the whole bundle is checked)."),
    ],
) -> None:
    """Check a spec: prints ``ok: PATH (id, kind)``, or one line per problem and exits 2."""
    try:
        if path.is_dir():
            spec = load_bundle(path).spec
        else:
            spec = load_spec(path)
    except SpecError as err:
        for line in err.message.splitlines():
            typer.echo(line, err=True)
        raise typer.Exit(err.exit_code) from err
    typer.echo(f"ok: {path} ({spec.id}, {spec.kind})")


@spec_app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of trial.toml (as JSON) to standard output."""
    typer.echo(json.dumps(spec_json_schema(), indent=2))


@trial_app.command("new")
def new_command(
    dest: Annotated[Path, typer.Argument(help="A new or empty folder for the bundle.")],
    template: Annotated[
        str,
        typer.Option(
            "--template", "-t", help="A built-in template (see `worktrial trial templates`)."
        ),
    ],
) -> None:
    """Create a complete trial bundle from a built-in template."""
    bundle = new_from_template(template, dest)
    sha = bundle.spec.starter_commits[0][:12] if bundle.spec.starter_commits else "none"
    typer.echo(
        f"created {dest} from template {template!r} ({bundle.spec.id}, starter commit {sha})"
    )
    typer.echo(f"next: edit {dest / 'trial.toml'} and {dest / bundle.spec.brief}, then run")
    typer.echo(f"  worktrial spec validate {dest}")


@trial_app.command("templates")
def templates_command() -> None:
    """List the built-in templates."""
    width = max(len(name) for name in TEMPLATES)
    for name, template in TEMPLATES.items():
        typer.echo(f"{name:<{width}}  {template.description}")


@trial_app.command("kit")
def kit_command(
    bundle: Annotated[Path, typer.Argument(help="The trial bundle folder.")],
    dest: Annotated[Path, typer.Argument(help="A new or empty folder for the candidate kit.")],
) -> None:
    """Write what a candidate receives: the brief and the starter repository with the public
    data (never a hidden file)."""
    loaded = load_bundle(bundle)
    kit = export_candidate_kit(loaded, dest)
    data = len(loaded.public_files)
    typer.echo(
        f"wrote the candidate kit to {dest}: brief.md and {kit.repo.name}/ "
        f"(starter commit {kit.starter_commit[:12]}, {data} public data file"
        f"{'s' if data != 1 else ''}; no hidden files)"
    )
