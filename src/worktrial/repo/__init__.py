"""Repositories: safe read access at one commit, and history mining."""

from worktrial.repo._git import Repo, TreeEntry, decode_text, run_git
from worktrial.repo._snapshot import LARGE_FILE_BYTES, MAX_TEXT_BYTES, Snapshot

__all__ = [
    "LARGE_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "Repo",
    "Snapshot",
    "TreeEntry",
    "decode_text",
    "run_git",
]
