"""Local development: debug pages on."""

from worktrial.web.settings.base import *  # noqa: F403

DEBUG = True
