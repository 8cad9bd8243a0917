"""Where the platform keeps its data: ``WORKTRIAL_HOME`` or ``~/.local/share/worktrial``.

The same folder the engine's CLI uses (:func:`worktrial.sandbox.environment.default_home`).
"""

from __future__ import annotations

from pathlib import Path

from worktrial.sandbox.environment import default_home


def data_home() -> Path:
    """The platform's data folder (database, broker, bundles, repositories)."""
    return default_home()
