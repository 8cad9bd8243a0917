"""What a reviewer reads beside the rating form: the latest evaluation's scorecard, the files of
the submitted commit, the candidate's updates and questions. Reads only, no actions.

Blindness: until a reviewer has submitted, every text shown here passes through a
:class:`Blinder` that replaces the candidate's name and e-mail address (from the candidacy, the
account and the commit authors of the submission) with the candidacy's alias. The scorecard is
already blind by design; candidate-written files, updates and questions are not, so they are
scrubbed too. The commit authors' names never reach a page in the first place.

Files are read from the bare repository at the submission's pinned commit through the engine's
:class:`worktrial.repo.Repo` and :class:`worktrial.repo.Snapshot` (committed objects only, hooks
and filters off, symlinks never followed), with a cap on how many files are listed and how many
bytes of one file are shown.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from worktrial.errors import WorktrialError
from worktrial.report import Scorecard, parse_scorecard
from worktrial.web import storage
from worktrial.web.jobs.models import Evaluation, EvaluationStatus
from worktrial.web.submissions.models import Submission
from worktrial.web.trials.models import Candidacy

log = logging.getLogger(__name__)

MAX_LISTED_FILES = 2_000  # a tree with more lists the first ones and says how many are left out
MAX_VIEW_BYTES = 512 * 1024  # a file larger than this is listed, not shown
MAX_AUTHORS = 5_000  # commits read for the authors' identities (blindness)
MIN_WORD = 4  # shorter name parts are not scrubbed alone: "Li" must not blank "list"


class Blinder:
    """Replaces a candidate's identity in free text with their alias.

    Full names and e-mail addresses are replaced wherever they stand as whole words, case
    insensitively; so are name parts and e-mail local parts of at least :data:`MIN_WORD`
    characters (a surname alone is still the candidate's name).
    """

    def __init__(self, alias: str, identities: Iterable[str] = ()) -> None:
        self.alias = alias
        words: set[str] = set()
        for identity in identities:
            identity = identity.strip()
            if len(identity) < MIN_WORD:
                continue
            words.add(identity)
            local = identity.split("@", 1)[0] if "@" in identity else ""
            if len(local) >= MIN_WORD:
                words.add(local)
            if not local:
                words.update(p for p in re.split(r"[\s,]+", identity) if len(p) >= MIN_WORD)
        ordered = sorted(words, key=len, reverse=True)  # the full name before its parts
        self._pattern = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)",
                re.IGNORECASE,
            )
            if ordered
            else None
        )

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(self.alias, text)

    def deep(self, value: Any) -> Any:
        """Every string inside JSON-like ``value`` (dict keys kept), blinded."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value


SEEING = Blinder("")  # for people who may see the identity: changes nothing


def _not_the_candidate() -> frozenset[str]:
    from worktrial.spec._starter import STARTER_AUTHOR

    # the starter kit's commit and the usual bots: blinding them would rewrite the tool's own
    # name in the scorecard (and every ".worktrial/" path), not hide a person
    return frozenset(
        n.casefold()
        for n in (
            *STARTER_AUTHOR,
            "GitHub",
            "noreply@github.com",
            "github-actions[bot]",
            "dependabot[bot]",
        )
    )


NOT_THE_CANDIDATE = _not_the_candidate()


def _git_identities(submission: Submission) -> list[str]:
    from worktrial.repo import Repo

    try:
        repo = Repo(storage.resolve(submission.repo_dir), rev=submission.commit)
        out = repo.git(
            "log", "--format=%an%x00%ae%x00%cn%x00%ce", "-n", str(MAX_AUTHORS), repo.head
        )
    except (WorktrialError, ValueError) as err:
        log.warning("cannot read the authors of submission %s: %s", submission.pk, err)
        return []
    names = {p for line in out.decode("utf-8", "replace").splitlines() for p in line.split("\0")}
    return sorted(n for n in names if n and n.casefold() not in NOT_THE_CANDIDATE)


def blinder_for(
    candidacy: Candidacy, *, identity_visible: bool, submission: Submission | None
) -> Blinder:
    """The blinder for a viewer of ``candidacy``: none when they may see the identity."""
    if identity_visible:
        return SEEING
    identities = [candidacy.name, candidacy.email]
    user = candidacy.user
    if user is not None:
        identities += [user.email, user.display_name, user.first_name, user.last_name]
    if submission is not None:
        identities += _git_identities(submission)
    return Blinder(candidacy.alias, [i for i in identities if i])


@dataclass(frozen=True, slots=True)
class Evidence:
    """The evaluation a reviewer reads (blinded), and the latest one when that is not finished."""

    evaluation: Evaluation | None  # the latest finished evaluation
    latest: Evaluation | None  # the latest evaluation of any status
    scorecard: Scorecard | None
    blinder: Blinder
    problem: str = ""  # why there is no scorecard, in words

    @property
    def submission(self) -> Submission | None:
        return self.evaluation.submission if self.evaluation is not None else None

    @property
    def pending(self) -> bool:
        """A newer submission is still being evaluated (or failed)."""
        return self.latest is not None and self.latest is not self.evaluation

    @property
    def latest_reason(self) -> str:
        """Why the latest evaluation is in its status, blinded."""
        return self.blinder(self.latest.reason) if self.latest is not None else ""

    def automated(self) -> dict[str, float | None]:
        """Dimension -> the evaluation's 1-5 score (empty without one)."""
        if self.scorecard is None:
            return {}
        return {d.id: d.score for d in self.scorecard.dimensions}


MAX_EVALUATIONS = 60


def evidence_for(candidacy: Candidacy, *, identity_visible: bool) -> Evidence:
    """The scorecard of the candidacy's latest finished evaluation (newest submission first),
    with every text blinded unless ``identity_visible``."""
    rows = list(
        Evaluation.objects.filter(submission__candidacy=candidacy)
        .select_related("submission")
        .order_by("-submission__number", "-queued_at", "-id")[:MAX_EVALUATIONS]
    )
    latest = rows[0] if rows else None
    done = next((e for e in rows if e.status == EvaluationStatus.DONE and e.scorecard), None)
    blinder = blinder_for(
        candidacy,
        identity_visible=identity_visible,
        submission=done.submission if done is not None else None,
    )
    if done is None:
        if latest is None:
            problem = "nothing has been submitted yet"
        else:
            problem = (
                f"submission {latest.submission.number} is {latest.get_status_display().lower()}"
                + (f": {blinder(latest.reason)}" if latest.reason else "")
            )
        return Evidence(None, latest, None, blinder, problem)
    try:
        card = parse_scorecard(
            json.dumps(blinder.deep(done.scorecard)), source=f"evaluation {done.pk}"
        )
    except WorktrialError as err:
        log.warning("scorecard of evaluation %s cannot be read: %s", done.pk, err.message)
        problem = "the scorecard of this evaluation cannot be read"
        return Evidence(done, latest, None, blinder, problem)
    return Evidence(done, latest, card, blinder)


@dataclass(frozen=True, slots=True)
class FileRow:
    path: str  # as shown (blinded) and as linked
    size: int
    kind: str  # file, symlink or submodule
    readable: bool


@dataclass(frozen=True, slots=True)
class FileListing:
    rows: list[FileRow] = field(default_factory=list)
    total: int = 0
    problem: str = ""

    @property
    def left_out(self) -> int:
        return self.total - len(self.rows)


UNREADABLE = "the submitted repository cannot be read right now; try again later"


def list_files(submission: Submission, blinder: Blinder = SEEING) -> FileListing:
    """The paths of the submission's pinned commit (at most :data:`MAX_LISTED_FILES`)."""
    from worktrial.repo import Repo

    try:
        entries = Repo(storage.resolve(submission.repo_dir), rev=submission.commit).tree()
    except (WorktrialError, ValueError) as err:
        log.warning("cannot list submission %s: %s", submission.pk, err)
        return FileListing(problem=UNREADABLE)
    entries.sort(key=lambda e: e.path)
    rows = [
        FileRow(blinder(e.path), e.size, e.kind, e.kind == "file" and e.size <= MAX_VIEW_BYTES)
        for e in entries[:MAX_LISTED_FILES]
    ]
    return FileListing(rows, len(entries))


@dataclass(frozen=True, slots=True)
class FileText:
    path: str
    size: int
    text: str | None
    problem: str = ""  # why the text is not shown

    @property
    def lines(self) -> list[str]:
        return (self.text or "").splitlines()


def read_file(submission: Submission, path: str, blinder: Blinder = SEEING) -> FileText | None:
    """The text of ``path`` at the submission's pinned commit, blinded; None when the commit
    has no such path. ``path`` may be the blinded form a listing showed."""
    from worktrial.repo import Repo, Snapshot

    try:
        snapshot = Snapshot(
            Repo(storage.resolve(submission.repo_dir), rev=submission.commit),
            max_bytes=MAX_VIEW_BYTES,
        )
    except (WorktrialError, ValueError) as err:
        log.warning("cannot read submission %s: %s", submission.pk, err)
        return FileText(path, 0, None, UNREADABLE)
    real = path if path in snapshot.entries else None
    if real is None and blinder.active:
        real = next((p for p in sorted(snapshot.entries) if blinder(p) == path), None)
    if real is None:
        return None
    entry = snapshot.entries[real]
    shown = blinder(real)
    if entry.kind != "file":
        return FileText(shown, entry.size, None, f"a {entry.kind}; its target is not followed")
    if entry.size > MAX_VIEW_BYTES:
        return FileText(
            shown,
            entry.size,
            None,
            f"{entry.size:,} bytes, over the {MAX_VIEW_BYTES // 1024:,} KB shown in the browser",
        )
    text = snapshot.text(real)
    if text is None:
        return FileText(shown, entry.size, None, "a binary file")
    return FileText(shown, entry.size, blinder(text))
