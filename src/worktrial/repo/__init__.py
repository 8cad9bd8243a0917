"""Repositories: safe read access at one commit, and history mining."""

from worktrial.repo._git import Repo, TreeEntry, decode_text, run_git

__all__ = ["Repo", "TreeEntry", "decode_text", "run_git"]
