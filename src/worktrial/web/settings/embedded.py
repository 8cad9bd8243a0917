"""The embedded default of ``worktrial serve``: one machine, SQLite, a SQLite broker."""

from worktrial.web.settings.base import *  # noqa: F403
