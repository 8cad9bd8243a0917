"""Typed evidence: what the collectors find in a repository, each item with a pointer.

Every collector returns one of the dataclasses below. Anything a score is based on carries a
:class:`Pointer` that a reviewer can open: a commit, a file and line, an experiment record, a
progress update, a question, a feedback thread, or a measured run.

All datetimes are timezone-aware (UTC). Paths are POSIX paths relative to the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

PointerKind = Literal[
    "commit", "file", "experiment", "update", "question", "feedback", "run", "spec"
]


@dataclass(frozen=True, slots=True)
class Pointer:
    """A place a reviewer can open to check a claim.

    ``ref`` is a commit hash for ``commit``, ``"path"`` or ``"path:line"`` for ``file``, a record
    id for ``experiment``/``update``/``question``/``feedback``, a step name for ``run``.
    ``note`` is a short excerpt or description of what is there.
    """

    kind: PointerKind
    ref: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


# --------------------------------------------------------------------------- history


class CommitKind(StrEnum):
    """What a commit mostly did, decided from its files and message."""

    FRAMING = "framing"  # docs, README, reports, write-up
    DATA = "data"  # data loading, cleaning, features, data files
    MODELLING = "modelling"  # training, models, evaluation code
    TESTS = "tests"
    REFACTOR = "refactor"
    BULK_UPLOAD = "bulk_upload"  # "Add files via upload", many files at once
    NOTEBOOK_AUTOSAVE = "notebook_autosave"  # Colab/Jupyter auto-saves, checkpoints
    AUTOMATED = "automated"  # bots, CI, scheduled retraining scripts
    MERGE = "merge"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file touched by a commit. ``binary`` changes have ``added == deleted == 0``."""

    path: str
    added: int
    deleted: int
    binary: bool = False


@dataclass(slots=True)
class Commit:
    """One commit, as ``git log --numstat`` shows it."""

    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    committed_at: datetime
    subject: str
    body: str
    parents: tuple[str, ...]
    files: list[FileChange]
    kind: CommitKind = CommitKind.OTHER
    is_starter: bool = False  # part of the trial's starter kit: not the candidate's work
    after_deadline: bool = False  # authored after the candidate's deadline: scored separately

    @property
    def lines_changed(self) -> int:
        return sum(f.added + f.deleted for f in self.files)

    @property
    def pointer(self) -> Pointer:
        return Pointer("commit", self.sha, self.subject[:120])


@dataclass(slots=True)
class History:
    """The commit history reachable from HEAD, oldest first.

    ``commits`` holds every commit; :attr:`work` only the candidate's own commits before the
    deadline (no starter-kit commits, no merges), which is what the rubric scores.
    """

    commits: list[Commit]
    head: str | None
    branch: str | None  # None when HEAD is detached
    shallow: bool = False
    deadline: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def work(self) -> list[Commit]:
        return [
            c
            for c in self.commits
            if not c.is_starter and not c.after_deadline and c.kind is not CommitKind.MERGE
        ]

    @property
    def late(self) -> list[Commit]:
        return [c for c in self.commits if c.after_deadline and not c.is_starter]


# --------------------------------------------------------------------------- experiments

Outcome = Literal["improved", "regressed", "neutral", "failed"]


@dataclass(slots=True)
class Experiment:
    """One experiment record from the candidate's log or an MLflow run."""

    id: str
    at: datetime | None
    source: Literal["worktrial", "mlflow"]
    commit: str | None = None
    observation: str = ""
    hypothesis: str = ""
    change: str = ""
    params: dict[str, object] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    result: str = ""
    learning: str = ""
    outcome: Outcome | None = None
    pointer: Pointer = field(default_factory=lambda: Pointer("experiment", "?"))


@dataclass(slots=True)
class Experiments:
    records: list[Experiment] = field(default_factory=list)
    log_path: str | None = None  # the JSON Lines log, when present
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- docs

# The write-up elements the rubric looks for, in the order a good write-up tends to have them.
DOC_ELEMENTS: tuple[str, ...] = (
    "objective",
    "metric",
    "assumptions",
    "constraints",
    "scope",
    "approach",
    "iterations",
    "tradeoffs",
    "results",
    "limitations",
    "next_steps",
)


@dataclass(slots=True)
class DocSection:
    """A heading and the text under it (up to the next heading of the same or higher level)."""

    path: str
    line: int  # 1-based line of the heading (or of the first line for a heading-less file)
    heading: str
    level: int
    text: str
    elements: frozenset[str] = frozenset()  # members of DOC_ELEMENTS

    @property
    def pointer(self) -> Pointer:
        ref = f"{self.path}:{self.line}" if self.line > 0 else self.path
        return Pointer("file", ref, self.heading[:120])


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence of the write-up that shows a behaviour (a trade-off, a failure, next steps...)."""

    kind: Literal["tradeoff", "failure", "next_step", "impact", "assumption", "feedback_ack"]
    text: str
    pointer: Pointer


@dataclass(slots=True)
class DocFile:
    path: str
    kind: Literal["readme", "docs", "report", "notebook"]
    words: int
    sections: list[DocSection]
    first_added_at: datetime | None = None  # when the file first appeared in history


@dataclass(slots=True)
class Docs:
    files: list[DocFile] = field(default_factory=list)
    readme_path: str | None = None
    readme_is_prompt: bool = False  # the README is still (mostly) the assignment brief
    iteration_table: Pointer | None = None  # a table with iteration/change/result columns
    iteration_table_rows: int = 0  # its body rows (header and separator not counted)
    statements: list[Statement] = field(default_factory=list)
    # metrics the write-up claims, e.g. {"recall": 0.91}, each with where it was claimed
    reported_metrics: dict[str, tuple[float, Pointer]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def elements(self) -> dict[str, list[Pointer]]:
        """Each DOC_ELEMENTS member found, with pointers to the sections that show it."""
        found: dict[str, list[Pointer]] = {}
        for f in self.files:
            for s in f.sections:
                for e in s.elements:
                    found.setdefault(e, []).append(s.pointer)
        return found


# --------------------------------------------------------------------------- code


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str  # "over the 2 MB size cap", "binary", "symlink pointing outside the repository"...


ReachKind = Literal["path", "host", "environment", "network", "install"]


@dataclass(frozen=True, slots=True)
class CodeReach:
    """A line of code that names a data file or reaches past the job folder.

    ``kind`` is ``path`` (a string literal that names a data file, e.g. ``"data/train.csv"``),
    ``host`` (a look at the machine around the process: ``/proc/1/root``, ``/proc/self/environ``,
    ``/proc/self/mountinfo``), ``environment`` (an environment variable whose name points at
    secrets or the platform: ``os.environ["DATABASE_URL"]``), ``network`` (a socket, HTTP or
    URL call, or a command that downloads) or ``install`` (a package install at run time).
    ``what`` is the literal, the variable or the call as written (an f-string's values become
    ``{}``). The collector records them all; the rubric decides what matters (a hidden file of
    the trial, a network call on the train or predict path).
    """

    kind: ReachKind
    what: str
    pointer: Pointer  # the file and line (notebooks: the cell in the note), the line as note


@dataclass(slots=True)
class Code:
    python_files: list[str] = field(default_factory=list)  # .py modules (tests included)
    test_files: list[str] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)
    broken_notebooks: list[str] = field(default_factory=list)
    module_lines: int = 0  # non-blank lines in .py files
    notebook_lines: int = 0  # non-blank lines in notebook code cells
    # module -> modules it imports (project-internal only, dotted names)
    imports: dict[str, set[str]] = field(default_factory=dict)
    data_modules: list[str] = field(default_factory=list)  # load/clean/feature code
    model_modules: list[str] = field(default_factory=list)  # train/fit/predict code
    dependency_files: list[str] = field(default_factory=list)
    pinned_requirements: int = 0
    total_requirements: int = 0
    lock_file: str | None = None
    seeds: list[Pointer] = field(default_factory=list)
    lint_findings: int | None = None  # None when ruff could not run
    lint_examples: list[Pointer] = field(default_factory=list)
    max_complexity: int = 0
    mean_complexity: float = 0.0
    complex_functions: list[Pointer] = field(default_factory=list)  # cyclomatic complexity > 10
    documented_commands: list[Pointer] = field(default_factory=list)  # Makefile targets, README
    data_files: list[str] = field(default_factory=list)  # committed datasets
    large_files: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes) > 5 MB
    reach: list[CodeReach] = field(default_factory=list)  # see CodeReach
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- comms


@dataclass(slots=True)
class Update:
    id: str
    at: datetime
    done: str
    next: str = ""
    blockers: str = ""
    pointer: Pointer = field(default_factory=lambda: Pointer("update", "?"))


@dataclass(slots=True)
class Question:
    id: str
    at: datetime
    text: str
    answer: str = ""
    pointer: Pointer = field(default_factory=lambda: Pointer("question", "?"))


@dataclass(slots=True)
class Feedback:
    """A checkpoint comment from the company and the candidate's response to it."""

    id: str
    at: datetime
    checkpoint: str
    text: str
    response: str = ""
    responded_at: datetime | None = None
    commits: list[str] = field(default_factory=list)  # commits the response points to
    pointer: Pointer = field(default_factory=lambda: Pointer("feedback", "?"))


@dataclass(slots=True)
class Comms:
    updates: list[Update] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    source: str = "repository"  # "repository" or "platform"
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- everything


@dataclass(slots=True)
class Evidence:
    """All evidence collected from one repository at one commit."""

    repo_path: str
    history: History
    experiments: Experiments
    docs: Docs
    code: Code
    comms: Comms
    notes: list[str] = field(default_factory=list)
