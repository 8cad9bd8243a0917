"""The files of one commit, listed once and read lazily in batches, with size caps."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from worktrial.evidence._types import SkippedFile
from worktrial.repo._git import Repo, TreeEntry, decode_text

MAX_TEXT_BYTES = 2 * 1024 * 1024  # a text file larger than this is not read, and said so
LARGE_FILE_BYTES = 5 * 1024 * 1024  # committed files above this are reported as large


class Snapshot:
    """The tree of ``repo.head``: paths, sizes, and text contents on demand.

    Symlinks are never followed: a symlink whose target leaves the repository is reported in
    :attr:`skipped`; submodules and files over ``max_bytes`` are listed but never read.
    """

    def __init__(self, repo: Repo, *, max_bytes: int = MAX_TEXT_BYTES) -> None:
        self.repo = repo
        self.max_bytes = max_bytes
        self.entries: dict[str, TreeEntry] = {e.path: e for e in repo.tree()}
        self.skipped: list[SkippedFile] = []
        self._texts: dict[str, str | None] = {}
        self._raw: dict[str, bytes] = {}
        links = [e for e in self.entries.values() if e.kind == "symlink"]
        targets = repo.read_link_targets(links) if links else {}
        for e in self.entries.values():
            if e.kind == "symlink":
                where = "inside" if is_inside(e.path, targets.get(e.path, "/")) else "outside"
                self.skipped.append(
                    SkippedFile(e.path, f"symlink pointing {where} the repository (never followed)")
                )
            elif e.kind == "submodule":
                self.skipped.append(SkippedFile(e.path, "git submodule (not part of this repo)"))
            elif e.size > max_bytes:
                mb = max_bytes / 1024 / 1024
                self.skipped.append(SkippedFile(e.path, f"over the {mb:.0f} MB size cap"))

    def paths(self) -> list[str]:
        """Every regular file path, sorted."""
        return sorted(p for p, e in self.entries.items() if e.kind == "file")

    def readable(self, path: str) -> bool:
        e = self.entries.get(path)
        return e is not None and e.kind == "file" and e.size <= self.max_bytes

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read many files in one git call (much faster than one call each)."""
        todo = [self.entries[p] for p in paths if p not in self._raw and self.readable(p)]
        if todo:
            self._raw.update(self.repo.read_blobs(todo, self.max_bytes))

    def raw(self, path: str) -> bytes | None:
        """The bytes of ``path``; ``None`` if absent, a symlink, a submodule or over the cap."""
        if not self.readable(path):
            return None
        if path not in self._raw:
            self.prefetch([path])
        return self._raw.get(path)

    def text(self, path: str) -> str | None:
        """The decoded text of ``path``; ``None`` when unreadable or binary (see :meth:`raw`)."""
        if path not in self._texts:
            data = self.raw(path)
            self._texts[path] = None if data is None else decode_text(data)
        return self._texts[path]

    def size(self, path: str) -> int:
        e = self.entries.get(path)
        return e.size if e else 0


def is_inside(path: str, target: str) -> bool:
    """Whether a symlink at ``path`` pointing to ``target`` stays inside the repository."""
    if posixpath.isabs(target):
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return not (joined == ".." or joined.startswith("../"))
