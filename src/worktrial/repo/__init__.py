"""Repositories: safe intake of submissions, safe read access at one commit, job folders."""

from worktrial.repo._export import ExportReport, SkippedPath, export_commit
from worktrial.repo._git import Repo, TreeEntry, decode_text, run_git
from worktrial.repo._intake import (
    ExtractReport,
    Intake,
    extract_archive,
    intake_archive,
    intake_bundle,
)
from worktrial.repo._snapshot import LARGE_FILE_BYTES, MAX_TEXT_BYTES, Snapshot

__all__ = [
    "LARGE_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "ExportReport",
    "ExtractReport",
    "Intake",
    "Repo",
    "SkippedPath",
    "Snapshot",
    "TreeEntry",
    "decode_text",
    "export_commit",
    "extract_archive",
    "intake_archive",
    "intake_bundle",
    "run_git",
]
