"""A trial bundle on disk, checked as a whole, and the kit a candidate receives from it.

The one promise this module keeps above all: nothing marked hidden ever reaches a candidate.
A bundle is refused when a hidden file sits in the starter folder or when a file candidates
receive has the same bytes as a hidden one, and the kit export copies only what is listed as
public, checking every file again on the way out.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from worktrial.data import read_csv_header, sha256_file
from worktrial.errors import UsageError
from worktrial.spec._load import SPEC_FILE, load_spec, spec_path
from worktrial.spec._model import TrialSpec
from worktrial.spec._problems import Problem, spec_error
from worktrial.spec._starter import commit_starter, require_empty_folder, starter_files

MAX_BRIEF_BYTES = 1 << 20
KIT_REPO = "repo"


@dataclass(frozen=True, slots=True)
class TrialBundle:
    """A loaded, checked bundle. Every path is absolute.

    Attributes:
        root: the bundle folder.
        spec: its validated ``trial.toml``.
        brief: the text of the brief.
        public_files: data files candidates receive, in spec order.
        hidden_files: data files that never leave the company side, in spec order.
        starter_dir: the folder that becomes the first commit of each candidate's repository.
        solution_dir: the company's reference baseline solution.
    """

    root: Path
    spec: TrialSpec
    brief: str
    public_files: tuple[Path, ...]
    hidden_files: tuple[Path, ...]
    starter_dir: Path
    solution_dir: Path

    @property
    def brief_path(self) -> Path:
        """The brief file."""
        return self.root / self.spec.brief

    def files_with_role(self, role: str) -> tuple[Path, ...]:
        """The data files with ``role`` (e.g. ``"holdout_labels"``), in spec order."""
        return tuple(self.root / f.path for f in self.spec.data.files if f.role == role)


@dataclass(frozen=True, slots=True)
class CandidateKit:
    """What :func:`export_candidate_kit` wrote.

    Attributes:
        root: the kit folder.
        repo: the starter repository inside it (public data files are placed in its work tree,
            untracked, at their bundle paths).
        starter_commit: the hash of the repository's first commit.
        files: every file written outside ``repo/.git``, relative to ``root``, sorted.
    """

    root: Path
    repo: Path
    starter_commit: str
    files: tuple[str, ...]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_file(path: Path, rel: str, source: str, key: str, problems: list[Problem]) -> bool:
    if not path.exists():
        problems.append(
            Problem.mismatch(
                source, key, "an existing file in the bundle", f"{rel!r} (no such file)"
            )
        )
        return False
    if not path.is_file():
        problems.append(Problem.mismatch(source, key, "a regular file", f"{rel!r} (not a file)"))
        return False
    return True


def _check_columns(spec: TrialSpec, root: Path, display: Path, problems: list[Problem]) -> None:
    ident, target = spec.data.id_column, spec.data.target
    for f in spec.data.files:
        path = root / f.path
        if path.suffix.lower() != ".csv" or not path.is_file():
            continue
        header = read_csv_header(path)
        need = [ident]
        if f.role in ("train", "dev", "holdout_labels"):
            need.append(target)
        missing = [c for c in need if c not in header]
        shown = ", ".join(header[:8]) + (f", … ({len(header)} columns)" if len(header) > 8 else "")
        if missing:
            wanted = " and ".join(
                f"{c!r} (data.{'id_column' if c == ident else 'target'})" for c in need
            )
            problems.append(
                Problem.mismatch(
                    str(display / f.path),
                    "header",
                    f"the columns {wanted} for role {f.role!r}",
                    f"the columns {shown}" if header else "an empty file",
                )
            )
        if f.role == "holdout_features" and target in header:
            problems.append(
                Problem.mismatch(
                    str(display / f.path),
                    "header",
                    f"no label column {target!r} in the holdout features (it would reveal "
                    "the answers to the predict command)",
                    f"the columns {shown}",
                )
            )


def _leaks(
    hidden: Iterable[Path], shared: Iterable[Path], root: Path, display: Path
) -> list[Problem]:
    """Files candidates receive that have the same bytes as a hidden file.

    Only files of equal size are hashed, so a large holdout costs nothing unless a file of
    exactly its size is about to be shared.
    """
    by_size: dict[int, list[Path]] = {}
    for h in hidden:
        by_size.setdefault(h.stat().st_size, []).append(h)
    digests: dict[Path, str] = {}

    def digest(path: Path) -> str:
        if path not in digests:
            digests[path] = sha256_file(path)
        return digests[path]

    problems = []
    for p in shared:
        for h in by_size.get(p.stat().st_size, []):
            if digest(p) == digest(h):
                problems.append(
                    Problem.mismatch(
                        str(display / p.relative_to(root)),
                        "content",
                        "no copy of a hidden file in anything candidates receive",
                        f"the same bytes as the hidden file {h.relative_to(root)}",
                    )
                )
                break
    return problems


def load_bundle(path: str | os.PathLike[str]) -> TrialBundle:
    """Load a bundle folder (or its ``trial.toml``) and check it as a whole.

    Beyond :func:`load_spec`: the brief, the starter and solution folders and every data file
    exist inside the bundle; CSV files carry the id and label columns their role needs (and the
    holdout features do not carry the label); no hidden file is in the starter folder; no file
    candidates receive has the same bytes as a hidden file.

    Params:
        path: the bundle folder, or its ``trial.toml``.

    Raises:
        SpecError: one line per problem, each naming the file, the key, what was expected and
            what was found.
    """
    file = spec_path(path)
    display = file.parent
    spec = load_spec(file)
    root = display.resolve()
    source = str(file)
    problems: list[Problem] = []

    def in_bundle(rel: str, key: str) -> Path | None:
        full = (root / rel).resolve()
        if not _inside(full, root):
            problems.append(
                Problem.mismatch(
                    source, key, "a path inside the bundle folder", f"{rel!r} (it leads outside)"
                )
            )
            return None
        return root / rel

    brief_text = ""
    brief = in_bundle(spec.brief, "brief")
    if brief is not None and _is_file(brief, spec.brief, source, "brief", problems):
        size = brief.stat().st_size
        if size > MAX_BRIEF_BYTES:
            problems.append(
                Problem.mismatch(
                    source, "brief", "a brief of at most 1 MB", f"{size} bytes in {spec.brief!r}"
                )
            )
        else:
            try:
                brief_text = brief.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                problems.append(
                    Problem.mismatch(
                        source, "brief", "a UTF-8 text file", f"{spec.brief!r} (not UTF-8)"
                    )
                )

    folders: dict[str, Path] = {}
    for key, rel in (("starter", spec.starter), ("solution.dir", spec.solution.dir)):
        folder = in_bundle(rel, key)
        if folder is None:
            continue
        if not folder.is_dir():
            problems.append(
                Problem.mismatch(source, key, "a folder in the bundle", f"{rel!r} (no such folder)")
            )
        folders[key] = folder

    public: list[Path] = []
    hidden: list[Path] = []
    for i, f in enumerate(spec.data.files):
        key = f"data.files[{i}].path"
        full = in_bundle(f.path, key)
        if full is None or not _is_file(full, f.path, source, key, problems):
            continue
        (hidden if f.hidden else public).append(full)
        starter = folders.get("starter")
        if f.hidden and starter is not None and _inside(full.resolve(), starter.resolve()):
            problems.append(
                Problem.mismatch(
                    source,
                    key,
                    f"a hidden file outside the starter folder {spec.starter!r} "
                    "(everything in it is given to candidates)",
                    repr(f.path),
                )
            )
        if f.hidden and brief is not None and full.resolve() == brief.resolve():
            problems.append(
                Problem.mismatch(source, key, "a hidden file other than the brief", repr(f.path))
            )

    if not problems:
        _check_columns(spec, root, display, problems)
        starter = folders["starter"]
        shared = [*public, brief] if brief is not None else list(public)
        shared += [starter / rel for rel in starter_files(starter)]
        problems += _leaks(hidden, shared, root, display)

    if problems:
        raise spec_error(problems)
    return TrialBundle(
        root=root,
        spec=spec,
        brief=brief_text,
        public_files=tuple(public),
        hidden_files=tuple(hidden),
        starter_dir=folders["starter"],
        solution_dir=folders["solution.dir"],
    )


def export_candidate_kit(bundle: TrialBundle, dest: str | os.PathLike[str]) -> CandidateKit:
    """Write what a candidate receives into ``dest``: the brief and the starter repository,
    with the public data files in its work tree at their bundle paths (untracked).

    Hidden files are never copied: only files the spec lists as public are, and each is
    checked again, by path and by content, against every hidden file.

    Params:
        bundle: a bundle from :func:`load_bundle`.
        dest: a folder that does not exist yet or is empty.

    Returns:
        What was written.

    Raises:
        UsageError: ``dest`` is not empty.
        SpecError: a file to export is, or has the same bytes as, a hidden file.
    """
    out = Path(dest)
    require_empty_folder(out, "the candidate kit", UsageError)
    out.parent.mkdir(parents=True, exist_ok=True)
    hidden = {p.resolve() for p in bundle.hidden_files}
    # Build beside the destination, then move, so a failure leaves no half-written kit.
    work = Path(tempfile.mkdtemp(prefix=".worktrial-kit-", dir=out.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        repo = work / KIT_REPO
        sha = commit_starter(bundle.starter_dir, repo)
        copies = [(bundle.brief_path, work / "brief.md")]
        copies += [(p, repo / p.relative_to(bundle.root)) for p in bundle.public_files]
        leaks = [
            Problem(str(src), "", "expected a public file, found a hidden one")
            for src, _ in copies
            if src.resolve() in hidden
        ]
        shared = [src for src, _ in copies]
        shared += [bundle.starter_dir / rel for rel in starter_files(bundle.starter_dir)]
        leaks += _leaks(bundle.hidden_files, shared, bundle.root, bundle.root)
        leaks += [
            Problem(
                str(src),
                "",
                f"expected a data file that is not part of the starter kit, found "
                f"{target.relative_to(repo)} already committed there",
            )
            for src, target in copies[1:]
            if target.exists()
        ]
        if leaks:
            raise spec_error(leaks)
        for src, target in copies:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        files = sorted(
            str(p.relative_to(work))
            for p in work.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(work).parts
        )
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return CandidateKit(root=out, repo=out / KIT_REPO, starter_commit=sha, files=tuple(files))


__all__ = [
    "SPEC_FILE",
    "CandidateKit",
    "TrialBundle",
    "export_candidate_kit",
    "load_bundle",
]
