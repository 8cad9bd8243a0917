"""What a candidate downloads: the public data files of their trial and the candidate kit.

The kit is the engine's :func:`worktrial.spec.export_candidate_kit` (the brief and the starter
repository with the public data in its work tree), zipped and cached under the data folder per
trial version: the spec version and the brief as candidates read it now (staff may edit the
brief after the bundle was made). Nothing here decides what is public: the engine does, and the
zip is checked once more, by name and by bytes, against every hidden file before it is served.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.http import Http404

from worktrial.errors import SpecError
from worktrial.spec import TrialBundle, export_candidate_kit, load_bundle
from worktrial.web import storage
from worktrial.web.trials.models import Trial

KITS = "kits"
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class PublicFile:
    """One public data file as the portal lists it."""

    index: int
    path: str  # relative to the bundle, as the spec names it
    role: str
    description: str
    size: int | None  # None: missing on disk


def bundle_of(trial: Trial) -> TrialBundle:
    """The trial's bundle, loaded and checked by the engine."""
    return load_bundle(storage.resolve(trial.bundle_dir))


def public_files(trial: Trial) -> list[PublicFile]:
    """The public data files in spec order, from the stored spec (no bundle check: listing
    reveals nothing that downloading would not)."""
    root = storage.resolve(trial.bundle_dir)
    files = [f for f in trial.spec.get("data", {}).get("files", []) if not f.get("hidden")]
    listed = []
    for i, f in enumerate(files):
        try:
            size: int | None = (root / f["path"]).stat().st_size
        except OSError:
            size = None
        listed.append(PublicFile(i, f["path"], f.get("role", ""), f.get("description", ""), size))
    return listed


def public_file(trial: Trial, index: int) -> tuple[Path, str]:
    """The ``index``-th public data file: its path on disk and its name in the bundle.

    Raises:
        Http404: there is no such public file.
    """
    bundle = bundle_of(trial)
    if not 0 <= index < len(bundle.public_files):
        raise Http404("not found")
    path = bundle.public_files[index]
    return path, path.relative_to(bundle.root).as_posix()


def kit_version(trial: Trial) -> str:
    """What the cached kit depends on: the spec version and the brief's text."""
    digest = hashlib.sha256(trial.spec_version.encode())
    digest.update(b"\0" + trial.brief.encode("utf-8"))
    return digest.hexdigest()[:24]


def kit_name(trial: Trial) -> str:
    """The download's file name, e.g. ``malignancy-screening-kit.zip``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in trial.trial_id) or "trial"
    return f"{safe}-kit.zip"


def kit_zip(trial: Trial) -> Path:
    """The candidate kit of ``trial`` as a zip, built once per trial version.

    Raises:
        SpecError: the bundle no longer passes the engine's checks, or the kit would hold a
            hidden file (by name or by bytes).
    """
    folder = storage.home() / KITS
    path = folder / f"trial-{trial.pk}-{kit_version(trial)}.zip"
    if path.is_file():
        return path
    bundle = bundle_of(trial)
    folder.mkdir(parents=True, exist_ok=True)
    # built beside the cache and moved in whole: a request never serves a half-written zip
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=folder))
    try:
        kit = export_candidate_kit(bundle, work / "kit")
        if trial.brief.strip():
            (kit.root / "brief.md").write_text(trial.brief.rstrip() + "\n", encoding="utf-8")
        built = work / "kit.zip"
        _write_zip(kit.root, built, top=kit_name(trial).removesuffix(".zip"))
        check_no_hidden(built, bundle)
        built.replace(path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in folder.glob(f"trial-{trial.pk}-*.zip"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def _write_zip(root: Path, dest: Path, *, top: str) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            # git's sample hooks are noise in a download; the kit never holds links
            if path.is_symlink() or rel.parts[:3] == ("repo", ".git", "hooks"):
                continue
            zf.write(path, f"{top}/{rel.as_posix()}")


def _sha256(fh: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def check_no_hidden(kit: Path, bundle: TrialBundle) -> None:
    """Refuse a kit zip that holds a hidden file of ``bundle``: a member named like one (at the
    repository root, where public data goes) or with the same bytes.

    Raises:
        SpecError: naming the member and the hidden file.
    """
    hidden_names = {h.relative_to(bundle.root).as_posix() for h in bundle.hidden_files}
    hidden_by_size: dict[int, list[Path]] = {}
    for h in bundle.hidden_files:
        hidden_by_size.setdefault(h.stat().st_size, []).append(h)
    digests: dict[Path, str] = {}
    problems: list[str] = []
    with zipfile.ZipFile(kit) as zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts[1:]  # below the top folder
            if info.is_dir() or ".git" in parts[:2]:
                continue
            inner = "/".join(parts[1:]) if parts[:1] == ("repo",) else "/".join(parts)
            if inner in hidden_names:
                problems.append(f"{info.filename} is the hidden file {inner}")
                continue
            for h in hidden_by_size.get(info.file_size, []):
                if h not in digests:
                    with h.open("rb") as fh:
                        digests[h] = _sha256(fh)
                with zf.open(info) as fh:
                    same = _sha256(fh) == digests[h]
                if same:
                    problems.append(
                        f"{info.filename} has the same bytes as the hidden file "
                        f"{h.relative_to(bundle.root).as_posix()}"
                    )
                    break
    if problems:
        raise SpecError(
            "the candidate kit would give away hidden data: "
            + "; ".join(problems)
            + ". Fix the trial bundle; nothing was sent",
            problems=problems,
        )
