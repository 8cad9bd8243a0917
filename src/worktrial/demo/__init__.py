"""The demo: a ``classification`` trial with five synthetic candidates, scored side by side.

- :data:`PERSONAS` maps each persona's name to a builder that makes its git repository, and
  :func:`build_persona` builds one by name (the test fixture factory)::

      repo = build_persona("notebook-dump", tmp_path / "dump")

- :func:`run_demo` creates the trial bundle, builds and evaluates every persona and writes their
  scorecards and a comparison (what ``worktrial demo`` runs).
"""

from worktrial.demo.personas import (
    DEFAULT_START,
    PERSONA_TITLES,
    PERSONAS,
    TRIAL,
    PersonaBuilder,
    PersonaRepo,
    TrialFacts,
    build_persona,
)
from worktrial.demo.run import MARKER, DemoCandidate, DemoResult, check_out_dir, run_demo

__all__ = [
    "DEFAULT_START",
    "MARKER",
    "PERSONAS",
    "PERSONA_TITLES",
    "TRIAL",
    "DemoCandidate",
    "DemoResult",
    "PersonaBuilder",
    "PersonaRepo",
    "TrialFacts",
    "build_persona",
    "check_out_dir",
    "run_demo",
]
