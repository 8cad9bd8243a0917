"""Git history mining: every commit reachable from the evaluated commit, classified.

One ``git log`` call reads the whole history (hash, parents, author, dates, message and
per-file added/deleted lines), and Python parses its output while git is still writing it. No
per-commit subprocess: reading a history costs about as much as ``git log --numstat`` itself.

Each commit gets one :class:`~worktrial.evidence._types.CommitKind`. The first rule that
matches wins:

======================  ==========================================================================
kind                    rule
======================  ==========================================================================
``merge``               more than one parent
``automated``           author name or email of a bot (``[bot]``, dependabot, github-actions,
                        renovate, pre-commit-ci, a ``noreply`` address with a bot name), or a
                        message such as "Automated ...", "auto-retrain", "scheduled retrain",
                        "[skip ci] update model"
``notebook_autosave``   only notebooks (``.ipynb``, ``.ipynb_checkpoints/``) touched and a message
                        such as "Created using Colaboratory", "Created using Colab",
                        "Auto-saved", "autosave", "Checkpoint"
``bulk_upload``         "Add files via upload" / "Upload files", or at least 20 files and at
                        least 2,000 added lines in one commit
``tests``               mostly test files (``tests/``, ``test_*.py``, ``*_test.py``,
                        ``conftest.py``)
``framing``             mostly documents (README, ``*.md``, ``*.rst``, ``docs/``, report,
                        write-up)
``refactor``            message starts with refactor, cleanup, rename, restructure, reorganize,
                        format, lint, tidy or style
``data``                mostly data files (``data/``, ``*.csv``, ``*.parquet``...) or data code
                        (paths with data, clean, preprocess, feature, etl, load...); code without
                        such a path counts as data when the message is about data
``modelling``           mostly code (``.py``, ``.ipynb``...) or model artifacts, not data code
``other``               anything else (configuration, dependencies, mixed commits, empty
                        commits)
======================  ==========================================================================

"Mostly" means at least half of the commit's changed lines (added + deleted; a binary or empty
file counts as one line). The candidate's tracking files under ``.worktrial/`` are logs, not
work, and are left out of the count. ``refactor`` is checked before ``data`` and ``modelling``
because a refactoring touches code files too and the author's own word for it is the stronger
signal.

Commits listed as the trial's starter kit (full hash or a unique prefix of at least 7
characters) are marked ``is_starter``; commits authored after the deadline are marked
``after_deadline``. Both stay in :attr:`History.commits` and are left out of
:attr:`History.work`, which is what the rubric scores.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from worktrial.errors import GitCommandError, UsageError
from worktrial.evidence._types import Commit, CommitKind, FileChange, History
from worktrial.repo._git import _SAFE_CONFIG, DEFAULT_TIMEOUT_S, Repo, git_env
from worktrial.spec._starter import STARTER_AUTHOR

__all__ = ["MAX_BODY_CHARS", "MAX_COMMITS", "classify_commit", "collect_history", "first_added"]

MAX_COMMITS = 50_000  # newest commits read; older ones are left out and said so
MAX_BODY_CHARS = 10_000  # message bodies beyond this are cut (and marked)
MAX_SUBJECT_CHARS = 1_000
_BULK_FILES = 20
_BULK_ADDED_LINES = 2_000

# A record starts with this token. Fields inside a record are separated by NUL, which a commit
# message cannot contain, so the fields are read by position and no message can fake a record.
_MARK = b"\x1e\x1fworktrial-commit"
_FORMAT = "%x1e%x1fworktrial-commit%x00%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%s%x00%b"
_N_FIELDS = 8

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --------------------------------------------------------------------------- classification

_BOT_AUTHOR = re.compile(
    r"\[bot\]|dependabot|github-actions|renovate|pre-commit-ci|greenkeeper|snyk-bot"
    r"|mergify|imgbot|allcontributors",
    re.IGNORECASE,
)
_NOREPLY = re.compile(r"noreply", re.IGNORECASE)
_BOT_NAME = re.compile(r"\bbot\b|\bactions\b|automation|scheduler", re.IGNORECASE)
_AUTOMATED_MSG = re.compile(
    r"^\s*(automated\b|auto[- ]?retrain|auto[- ]?update\b|scheduled (re)?train|\[bot\]"
    r"|\[skip ci\] update model)|\bauto[- ]?retrain",
    re.IGNORECASE,
)
_AUTOSAVE_MSG = re.compile(
    r"created using colab(oratory)?|^\s*(auto[- ]?saved?\b|autosave|checkpoint\b)",
    re.IGNORECASE,
)
_UPLOAD_MSG = re.compile(
    r"^\s*(add(ed)? files via upload|upload(ed)? files?\b|files? uploaded\b)", re.IGNORECASE
)
_REFACTOR_WORDS = r"(refactor|clean[- ]?up|rename|restructur|reorgani[sz]|format|lint|tidy|style)"
_REFACTOR_MSG = re.compile(
    # the subject starts with one of the words, after an optional conventional-commit type
    # ("chore: rename ..."), or the words are the conventional-commit scope ("chore(lint): ...")
    rf"^\s*(\w+(\([^)]*\))?!?:\s*)?{_REFACTOR_WORDS}|^\s*\w+\({_REFACTOR_WORDS}\)!?:",
    re.IGNORECASE,
)
# Words match at the start of a word or after "_", "-", "/" or a digit: "my_features.py" and
# "Load the data" are about data, "upload.py" and "metadata" are not.
_DATA_WORDS = re.compile(
    r"(?<![a-z])(data|clean|preprocess|feature|etl|load|ingest|imput|wrangl|split|sampl"
    r"|eda(?![a-z]))",
    re.IGNORECASE,
)
_MODEL_WORDS = re.compile(
    r"(?<![a-z])(model|train|retrain|predict|infer|evaluat|metric|tun(e|ing)|classif|regress"
    r"|estimator|baseline|score|fit(?![a-z])|xgb|lgbm|sklearn|pipeline|hyperparam)",
    re.IGNORECASE,
)
_DOC_NAME = re.compile(r"^(readme|report|write[-_ ]?up|summary|findings|results)", re.IGNORECASE)

_DOC_EXT = frozenset({".md", ".markdown", ".rst", ".adoc", ".tex", ".pdf", ".docx"})
_DATA_EXT = frozenset(
    {".csv", ".tsv", ".parquet", ".feather", ".arrow", ".xls", ".xlsx", ".jsonl", ".npy",
     ".npz", ".h5", ".hdf5", ".avro", ".orc", ".sqlite", ".db", ".dta", ".sav"}
)  # fmt: skip
_MODEL_ARTIFACT_EXT = frozenset(
    {".pkl", ".pickle", ".joblib", ".onnx", ".pt", ".pth", ".ckpt", ".safetensors", ".cbm"}
)
_CODE_EXT = frozenset(
    {".py", ".ipynb", ".r", ".jl", ".scala", ".sql", ".java", ".js", ".ts", ".go", ".rs",
     ".cpp", ".c", ".m"}
)  # fmt: skip
_DATA_DIRS = frozenset({"data", "datasets", "dataset", "raw", "processed", "interim"})
_TEST_DIRS = frozenset({"tests", "test", "testing"})
_DOC_DIRS = frozenset({"docs", "doc", "reports", "report", "writeup"})

FileClass = Literal["tests", "docs", "data", "data_code", "model", "code", "log", "other"]


@lru_cache(maxsize=65_536)
def _file_class(path: str) -> FileClass:
    """What kind of file a path is, from its name alone (cached: paths repeat across commits)."""
    parts = path.split("/")
    name = parts[-1]
    dirs = [d.lower() for d in parts[:-1]]
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot > 0 else ""
    lower = name.lower()
    if dirs and dirs[0] == ".worktrial":
        return "log"
    if ".ipynb_checkpoints" in dirs:
        return "code"
    if (
        any(d in _TEST_DIRS for d in dirs)
        or (ext == ".py" and (lower.startswith("test_") or lower.endswith("_test.py")))
        or lower == "conftest.py"
    ):
        return "tests"
    if ext in _DATA_EXT:
        return "data"
    if (
        ext in _DOC_EXT
        or any(d in _DOC_DIRS for d in dirs)
        or (_DOC_NAME.match(lower) and (ext not in _CODE_EXT or ext == ".ipynb"))
    ):
        return "docs"
    if ext not in _CODE_EXT and any(d in _DATA_DIRS for d in dirs):
        return "data"
    if ext in _MODEL_ARTIFACT_EXT:
        return "model"
    if ext in _CODE_EXT:
        if _DATA_WORDS.search(path):
            return "data_code"
        if _MODEL_WORDS.search(path):
            return "model"
        return "code"
    return "other"


@lru_cache(maxsize=4096)
def _is_bot(name: str, email: str) -> bool:
    who = f"{name} {email}"
    if _BOT_AUTHOR.search(who):
        return True
    return bool(_NOREPLY.search(email) and _BOT_NAME.search(name))


def classify_commit(
    subject: str,
    body: str,
    files: Sequence[FileChange],
    *,
    parents: int = 1,
    author_name: str = "",
    author_email: str = "",
) -> CommitKind:
    """Decide what a commit mostly did (see the table in this module's docstring).

    Args:
        subject: first line of the message.
        body: the rest of the message.
        files: the files the commit touched, with line counts.
        parents: how many parents the commit has.
        author_name: the author's name, for bot detection.
        author_email: the author's email, for bot detection.
    """
    if parents > 1:
        return CommitKind.MERGE
    message = subject if not body else f"{subject}\n{body}"
    if _is_bot(author_name, author_email) or _AUTOMATED_MSG.search(subject):
        return CommitKind.AUTOMATED
    if (
        files
        and all(f.path.endswith(".ipynb") or "/.ipynb_checkpoints/" in f"/{f.path}" for f in files)
        and _AUTOSAVE_MSG.search(message)
    ):
        return CommitKind.NOTEBOOK_AUTOSAVE
    if _UPLOAD_MSG.search(subject) or (
        len(files) >= _BULK_FILES and sum(f.added for f in files) >= _BULK_ADDED_LINES
    ):
        return CommitKind.BULK_UPLOAD

    weights: dict[FileClass, int] = {}
    total = 0
    for f in files:
        cls = _file_class(f.path)
        if cls == "log":
            continue
        w = 1 if f.binary else max(1, f.added + f.deleted)
        weights[cls] = weights.get(cls, 0) + w
        total += w

    def mostly(lines: int) -> bool:
        return total > 0 and 2 * lines >= total

    if mostly(weights.get("tests", 0)):
        return CommitKind.TESTS
    if mostly(weights.get("docs", 0)):
        return CommitKind.FRAMING
    if _REFACTOR_MSG.match(subject):
        return CommitKind.REFACTOR
    generic = weights.get("code", 0)
    about_data = bool(_DATA_WORDS.search(subject)) and not _MODEL_WORDS.search(subject)
    data = weights.get("data", 0) + weights.get("data_code", 0) + (generic if about_data else 0)
    if mostly(data):
        return CommitKind.DATA
    if mostly(weights.get("model", 0) + (0 if about_data else generic)):
        return CommitKind.MODELLING
    return CommitKind.OTHER


# --------------------------------------------------------------------------- parsing


def _text(raw: bytes) -> tuple[str, bool]:
    """Decode message bytes; the flag says whether they were valid UTF-8."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), False


def _when(raw: bytes) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _numstat(token: bytes) -> FileChange | None:
    added, _, rest = token.partition(b"\t")
    deleted, _, path = rest.partition(b"\t")
    if not path:
        return None
    name = path.decode("utf-8", "surrogateescape")
    if added == b"-" or deleted == b"-":
        return FileChange(name, 0, 0, binary=True)
    try:
        return FileChange(name, int(added), int(deleted))
    except ValueError:
        return None


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [cut: the message is {len(text):,} characters long]"


def _log_args(rev: str, max_count: int) -> tuple[str, ...]:
    return (
        "log",
        "-z",
        "--no-renames",
        "--numstat",
        "--root",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-mailmap",
        "--diff-algorithm=myers",  # the default, named so that no configuration changes counts
        "--encoding=UTF-8",
        "--author-date-order",
        f"--max-count={max_count}",
        f"--format={_FORMAT}",
        rev,
        "--",
    )


class _LogParser:
    """Parses the ``git log`` output incrementally, while git is still writing it.

    The output is a stream of NUL-separated tokens: a record mark, the record's fields (by
    position), then one ``added\tdeleted\tpath`` token per file until the next mark.
    """

    def __init__(self) -> None:
        self.commits: list[Commit] = []  # newest first, as git prints them
        self.bad_text = 0  # commits whose message or author is not valid UTF-8
        self.bad_dates = 0  # commits with an unreadable date
        self._carry: list[bytes] = []  # an unfinished token, kept in parts (no quadratic joins)
        self._fields: list[bytes] | None = None  # None until the first mark
        self._files: list[FileChange] = []

    def feed(self, chunk: bytes) -> None:
        if b"\0" not in chunk:
            self._carry.append(chunk)
            return
        if self._carry:
            self._carry.append(chunk)
            chunk = b"".join(self._carry)
        tokens = chunk.split(b"\0")
        self._carry = [tokens.pop()]
        self._tokens(tokens)

    def close(self) -> None:
        rest = b"".join(self._carry)
        self._carry = []
        if rest:
            self._tokens([rest])
        if self._fields is not None and len(self._fields) == _N_FIELDS:
            self._emit(self._fields, self._files)
        self._fields, self._files = None, []

    def _tokens(self, tokens: list[bytes]) -> None:
        fields, files = self._fields, self._files
        for tok in tokens:
            if fields is None:
                if tok == _MARK:
                    fields = []
            elif len(fields) < _N_FIELDS:
                fields.append(tok)
            elif tok == _MARK:
                self._emit(fields, files)
                fields, files = [], []
            else:
                tok = tok.lstrip(b"\n")
                if tok:
                    change = _numstat(tok)
                    if change is not None:
                        files.append(change)
        self._fields, self._files = fields, files

    def _emit(self, fields: list[bytes], files: list[FileChange]) -> None:
        sha, parents, an, ae, at, ct, subject, body = fields
        subj, ok_s = _text(subject)
        text, ok_b = _text(body)
        name, ok_n = _text(an)
        email, ok_e = _text(ae)
        if not (ok_s and ok_b and ok_n and ok_e):
            self.bad_text += 1
        authored = _when(at)
        committed = _when(ct)
        if authored is None or committed is None:
            self.bad_dates += 1
        self.commits.append(
            Commit(
                sha=sha.decode("ascii", "replace"),
                author_name=name,
                author_email=email,
                authored_at=authored or committed or _EPOCH,
                committed_at=committed or authored or _EPOCH,
                subject=_cap(subj, MAX_SUBJECT_CHARS),
                body=_cap(text.strip("\n"), MAX_BODY_CHARS),
                parents=tuple(p.decode("ascii", "replace") for p in parents.split()),
                files=files,
            )
        )


def _run_log(repo: Repo, args: Sequence[str], parser: _LogParser, timeout: float) -> None:
    """Run ``git log`` and feed its output to ``parser`` as it arrives.

    Parsing overlaps with git computing the diffs of older commits, so on a machine with two
    cores the history costs little more than git itself.

    Raises:
        GitCommandError: git is missing, failed, or did not finish within ``timeout`` seconds.
    """
    cmd = ["git", *_SAFE_CONFIG, *args]
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=repo.root,
                env=git_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                bufsize=0,  # unbuffered: each read returns what git has written so far
            )
        except FileNotFoundError as exc:
            raise GitCommandError(
                "the git command is not installed; install git and try again", command="log"
            ) from exc
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, stop)
        timer.daemon = True
        timer.start()
        finished = False
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(1 << 20):
                parser.feed(chunk)
            finished = True
        finally:
            timer.cancel()
            if not finished:
                proc.kill()
            if proc.stdout is not None:
                proc.stdout.close()
            code = proc.wait()
        if timed_out.is_set():
            raise GitCommandError(
                f"git log did not finish within {timeout:.0f} s in {repo.root}",
                command="log",
                path=str(repo.root),
            )
        if code != 0:
            err.seek(0)
            lines = err.read(65_536).decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exit code {code}"
            raise GitCommandError(
                f"git log failed in {repo.root}: {detail}",
                command="log",
                path=str(repo.root),
                returncode=code,
            )
    parser.close()


# --------------------------------------------------------------------------- starter, deadline


def _check_starters(starter_commits: Sequence[str]) -> list[str]:
    """The starter references, lower-cased; raise for anything that is not a hash prefix."""
    wanted: list[str] = []
    for ref in starter_commits:
        key = ref.strip().lower()
        if len(key) < 7 or len(key) > 64 or any(c not in "0123456789abcdef" for c in key):
            raise UsageError(
                f"starter commit {ref!r}: expected a full commit hash or a prefix of at least "
                "7 hex characters",
                found=ref,
            )
        wanted.append(key)
    return wanted


def _match_starters(
    commits: Sequence[Commit], starter_commits: Sequence[str]
) -> tuple[set[str], list[str]]:
    """Full hashes of the listed starter commits found in ``commits``, and notes for the rest."""
    wanted = _check_starters(starter_commits)
    if not wanted:
        return set(), []
    shas = [c.sha for c in commits]
    exact = set(shas)
    found: set[str] = set()
    missing: list[str] = []
    ambiguous: list[str] = []
    for key in wanted:
        if key in exact:
            found.add(key)
            continue
        hits = [s for s in shas if s.startswith(key)]
        if len(hits) == 1:
            found.add(hits[0])
        elif hits:
            ambiguous.append(key)
        else:
            missing.append(key)
    notes: list[str] = []
    if found:
        n = len(found)
        notes.append(
            f"{n} starter-kit commit{'s' if n != 1 else ''} excluded from scoring "
            "(the company's code, not the candidate's)"
        )
    if missing:
        notes.append(
            f"starter commit{'s' if len(missing) != 1 else ''} {', '.join(missing)} "
            f"{'are' if len(missing) != 1 else 'is'} not in this history (rebased or squashed?); "
            "the starter kit may be counted as the candidate's work"
        )
    if ambiguous:
        notes.append(
            f"starter commit prefix{'es' if len(ambiguous) != 1 else ''} "
            f"{', '.join(ambiguous)} match{'' if len(ambiguous) != 1 else 'es'} more than one "
            f"commit and {'were' if len(ambiguous) != 1 else 'was'} ignored; list full hashes "
            "in the trial spec"
        )
    return found, notes


def _format_deadline(deadline: datetime) -> str:
    return deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------- public


def collect_history(
    repo: Repo,
    *,
    starter_commits: Sequence[str] = (),
    deadline: datetime | None = None,
    max_commits: int = MAX_COMMITS,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> History:
    """Read and classify every commit reachable from ``repo.head``, oldest first.

    The order is git's ``--author-date-order`` reversed: parents always come before their
    children, and otherwise commits follow their author time.

    Args:
        repo: the repository, opened at the commit to evaluate.
        starter_commits: the trial's starter-kit commits (full hashes or unique prefixes of at
            least 7 characters); only these commits are marked as starter, not their ancestors.
        deadline: commits authored after it are marked ``after_deadline`` (timezone-aware).
        max_commits: read at most this many of the newest commits.
        timeout: seconds ``git log`` may take before it is stopped.

    Raises:
        UsageError: ``deadline`` is naive, a starter commit is not a hash or a 7+ character
            prefix, or ``max_commits`` is below 1.
        GitCommandError: ``git log`` failed or timed out.
    """
    if deadline is not None and (deadline.tzinfo is None or deadline.utcoffset() is None):
        raise UsageError(
            f"deadline={deadline.isoformat()}: expected a timezone-aware datetime, "
            "found a naive one",
            deadline=deadline.isoformat(),
        )
    if max_commits < 1:
        raise UsageError(f"max_commits={max_commits}: expected at least 1", found=max_commits)
    _check_starters(starter_commits)  # fail before the expensive part
    args = _log_args(repo.head, max_commits + 1)
    parser = _LogParser()
    _run_log(repo, args, parser, timeout)
    commits, bad_text, bad_dates = parser.commits, parser.bad_text, parser.bad_dates
    notes: list[str] = []
    if len(commits) > max_commits:
        commits = commits[:max_commits]
        notes.append(
            f"only the newest {max_commits:,} commits were read; older history is not scored"
        )
    commits.reverse()

    boundary = _shallow_boundary(repo) if repo.shallow else set()
    if repo.shallow:
        notes.append(
            f"history is shallow ({len(commits)} commit{'s' if len(commits) != 1 else ''} "
            "available): older commits are missing, so early-work and timing signals may be "
            "incomplete; submit a full clone"
        )
    cut = 0
    for c in commits:
        if c.sha in boundary and c.files:
            # Without its parent, a boundary commit's diff is the whole tree, not its own work.
            c.files = []
            cut += 1
        c.kind = classify_commit(
            c.subject,
            c.body,
            c.files,
            parents=len(c.parents),
            author_name=c.author_name,
            author_email=c.author_email,
        )
    if cut:
        notes.append(
            f"the file changes of the oldest available commit{'s' if cut != 1 else ''} "
            "are unknown (their parents are not in the shallow clone)"
        )

    found, starter_notes = _match_starters(commits, starter_commits)
    if not starter_commits:
        # No spec: a root commit made by `worktrial trial kit` is still the company's starter.
        # Only root commits qualify, so the identity cannot hide a candidate's later work.
        found = {c.sha for c in commits if not c.parents and c.author_email == STARTER_AUTHOR[1]}
        if found:
            starter_notes = [
                "the starter-kit commit (made by worktrial) is excluded from scoring "
                "(the company's code, not the candidate's)"
            ]
    for c in commits:
        c.is_starter = c.sha in found
    notes.extend(starter_notes)

    if deadline is not None:
        for c in commits:
            c.after_deadline = c.authored_at > deadline
        late = sum(1 for c in commits if c.after_deadline and not c.is_starter)
        if late:
            notes.append(
                f"{late} commit{'s' if late != 1 else ''} after the deadline "
                f"({_format_deadline(deadline)}) "
                f"{'are' if late != 1 else 'is'} shown separately and not scored"
            )
    if bad_text:
        notes.append(
            f"{bad_text} commit{'s' if bad_text != 1 else ''} had a message or author that is "
            "not valid UTF-8 (shown with replacement characters)"
        )
    if bad_dates:
        notes.append(
            f"{bad_dates} commit{'s' if bad_dates != 1 else ''} had an unreadable date "
            "(the other of author or committer date is used)"
        )
    return History(
        commits=commits,
        head=repo.head,
        branch=repo.branch,
        shallow=repo.shallow,
        deadline=deadline.astimezone(UTC) if deadline is not None else None,
        notes=notes,
    )


def _shallow_boundary(repo: Repo) -> set[str]:
    try:
        text = (repo.git_dir / "shallow").read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def first_added(history: History) -> dict[str, datetime]:
    """When each path first appeared in the history: the earliest author time touching it.

    Paths are as ``git log --numstat`` reports them (renames are a deletion plus an addition,
    so a renamed file first appears at its rename). Merge commits carry no file changes and
    do not count.
    """
    seen: dict[str, datetime] = {}
    for c in history.commits:
        when = c.authored_at
        for f in c.files:
            prev = seen.get(f.path)
            if prev is None or when < prev:
                seen[f.path] = when
    return seen
