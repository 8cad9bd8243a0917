"""The demo's synthetic candidates for the ``classification`` trial, and a fixture factory.

Each persona is a builder ``build_<persona>(dest, *, starter, start) -> PersonaRepo`` that makes a
real git repository with a deterministic, backdated history: working code, experiment logs,
progress updates and write-ups (or the lack of them), the way that kind of candidate works. The
same builders serve the demo and the tests::

    from worktrial.demo import PERSONAS, build_persona

    repo = build_persona("notebook-dump", tmp_path / "dump")
    repo.head, repo.commits, repo.deadline

Building the same persona twice, with the same starter and start, gives the same commit hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from worktrial.demo import (
    _honest_failure,
    _iterative_engineer,
    _leaderboard_chaser,
    _notebook_dump,
    _over_engineer,
)
from worktrial.demo._kit import TRIAL, PersonaRepo, TrialFacts
from worktrial.errors import UsageError

__all__ = [
    "DEFAULT_START",
    "PERSONAS",
    "PERSONA_TITLES",
    "TRIAL",
    "PersonaBuilder",
    "PersonaRepo",
    "TrialFacts",
    "build_honest_failure",
    "build_iterative_engineer",
    "build_leaderboard_chaser",
    "build_notebook_dump",
    "build_over_engineer",
    "build_persona",
]

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The demo trial's start: a Monday, 09:00 UTC."""


class PersonaBuilder(Protocol):
    def __call__(self, dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo: ...


build_iterative_engineer = _iterative_engineer.build_iterative_engineer
build_leaderboard_chaser = _leaderboard_chaser.build_leaderboard_chaser
build_over_engineer = _over_engineer.build_over_engineer
build_notebook_dump = _notebook_dump.build_notebook_dump
build_honest_failure = _honest_failure.build_honest_failure

PERSONAS: dict[str, PersonaBuilder] = {
    _iterative_engineer.NAME: build_iterative_engineer,
    _honest_failure.NAME: build_honest_failure,
    _leaderboard_chaser.NAME: build_leaderboard_chaser,
    _over_engineer.NAME: build_over_engineer,
    _notebook_dump.NAME: build_notebook_dump,
}
"""Persona name -> builder, in the order the demo presents them."""

PERSONA_TITLES: dict[str, str] = {
    _iterative_engineer.NAME: _iterative_engineer.TITLE,
    _honest_failure.NAME: _honest_failure.TITLE,
    _leaderboard_chaser.NAME: _leaderboard_chaser.TITLE,
    _over_engineer.NAME: _over_engineer.TITLE,
    _notebook_dump.NAME: _notebook_dump.TITLE,
}
"""Persona name -> how that candidate works, in a few words."""


def build_persona(
    name: str,
    dest: str | Path,
    *,
    starter: Path | None = None,
    start: datetime = DEFAULT_START,
) -> PersonaRepo:
    """Build persona ``name``'s repository at ``dest`` (a test fixture or a demo candidate).

    Args:
        name: a key of :data:`PERSONAS`, e.g. ``"iterative-engineer"``.
        dest: a new or empty folder.
        starter: the starter kit's git repository the history starts from (``None``: none).
        start: the trial's start, timezone-aware.

    Raises:
        UsageError: an unknown persona, a non-empty ``dest`` or a naive ``start``.
        GitCommandError: git failed.
    """
    builder: Callable[..., PersonaRepo] | None = PERSONAS.get(name)
    if builder is None:
        raise UsageError(
            f"persona {name!r}: expected one of {', '.join(PERSONAS)}",
            persona=name,
            expected=list(PERSONAS),
        )
    return builder(Path(dest), starter=starter, start=start)
