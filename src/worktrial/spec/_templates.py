"""Built-in templates: complete, runnable bundles made from scikit-learn's bundled datasets.

The authored parts (``trial.toml``, ``brief.md``, ``DATA.md``, the reference solution and the
starter files) are package data under ``templates/<name>/``; the data are generated in Python
with fixed seeds (:mod:`worktrial.spec._generate`). ``brief.md`` and ``DATA.md`` are
:class:`string.Template` texts filled with the generated numbers (``$n_train`` …).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import string
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from worktrial.errors import TemplateError
from worktrial.spec._bundle import TrialBundle, load_bundle
from worktrial.spec._load import SPEC_FILE
from worktrial.spec._starter import commit_starter, require_empty_folder

# Files that cannot ship under their real name in a package (a dot file would be skipped by
# package-data globs, and a live .gitignore would act on this source tree).
_RENAMES = {"gitignore": ".gitignore"}
_FILLED = ("brief.md", "DATA.md")
_STARTER_LINE = re.compile(r"^starter_commits = \[\].*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Template:
    """A built-in trial template.

    Attributes:
        name: what ``worktrial trial new --template`` takes.
        description: one line for listings.
        dataset: the scikit-learn loader the data come from.
        generator: the function of :mod:`worktrial.spec._generate` that makes the data.
    """

    name: str
    description: str
    dataset: str
    generator: str

    def generate(self, root: Path) -> dict[str, object]:
        """Write the template's data files under ``root``; return the numbers the brief and
        DATA.md quote. (numpy, pandas and scikit-learn are imported here, not at start-up.)"""
        module = importlib.import_module("worktrial.spec._generate")
        values: dict[str, object] = getattr(module, self.generator)(root)
        return values

    def files(self) -> Traversable:
        """The authored files of the template (package data)."""
        return resources.files("worktrial.spec").joinpath("templates", self.name)


TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        t.name: t
        for t in (
            Template(
                "classification",
                "Breast-cancer screening classifier where misses are costly: recall first, "
                "a precision floor, a latency budget; missing values, label noise, imbalance.",
                "sklearn.datasets.load_breast_cancer",
                "generate_classification",
            ),
            Template(
                "improve-baseline",
                "Make a slow, heavy digit classifier (500-tree forest) meet latency, memory "
                "and size budgets without losing accuracy; noisy scans.",
                "sklearn.datasets.load_digits",
                "generate_improve_baseline",
            ),
            Template(
                "monitoring",
                "Monitor production batches for a deployed wine classifier and flag the bad "
                "ones (unit changes, drift, missing-value spikes, class-mix shifts).",
                "sklearn.datasets.load_wine",
                "generate_monitoring",
            ),
        )
    }
)
"""The built-in templates, by name."""


def _copy_tree(src: Traversable, dest: Path) -> None:
    for item in sorted(src.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__" or item.name.endswith(".pyc"):
            continue
        target = dest / _RENAMES.get(item.name, item.name)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            _copy_tree(item, target)
        else:
            target.write_bytes(item.read_bytes())


def _fill(path: Path, values: Mapping[str, object]) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        filled = string.Template(text).substitute(values)
    except (KeyError, ValueError) as err:
        raise TemplateError(
            f"{path.name}: the template text refers to ${err} which the generator does not provide",
            path=str(path),
        ) from err
    path.write_text(filled, encoding="utf-8")


def _set_starter_commit(spec_file: Path, sha: str) -> None:
    text = spec_file.read_text(encoding="utf-8")
    filled, count = _STARTER_LINE.subn(f'starter_commits = ["{sha}"]', text)
    if count != 1:
        raise TemplateError(
            f"{spec_file.name}: expected one line 'starter_commits = []' to fill in, found {count}",
            path=str(spec_file),
        )
    spec_file.write_text(filled, encoding="utf-8")


def new_from_template(name: str, dest: str | os.PathLike[str]) -> TrialBundle:
    """Create a complete bundle from the built-in template ``name`` in folder ``dest``.

    The data are generated with fixed seeds, the starter repository's commit hash is computed
    and written into ``starter_commits``, and the result is checked with :func:`load_bundle`.
    Nothing is downloaded.

    Params:
        name: a key of :data:`TEMPLATES`.
        dest: a folder that does not exist yet or is empty.

    Returns:
        The loaded bundle.

    Raises:
        TemplateError: ``name`` is not a template, or ``dest`` is not empty.
    """
    template = TEMPLATES.get(name)
    if template is None:
        raise TemplateError(
            f"unknown template {name!r}; expected one of: {', '.join(TEMPLATES)}",
            key="template",
            expected=list(TEMPLATES),
            found=name,
        )
    out = Path(dest)
    require_empty_folder(out, "the bundle", TemplateError)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the destination, then move, so a failure leaves no half-made bundle.
    work = Path(tempfile.mkdtemp(prefix=".worktrial-new-", dir=out.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        _copy_tree(template.files(), work)
        values = template.generate(work)
        for filled in _FILLED:
            _fill(work / filled, values)
        draft = load_bundle(work)
        with tempfile.TemporaryDirectory(prefix="worktrial-starter-") as scratch:
            sha = commit_starter(draft.starter_dir, Path(scratch) / "repo")
        _set_starter_commit(work / SPEC_FILE, sha)
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return load_bundle(out)
