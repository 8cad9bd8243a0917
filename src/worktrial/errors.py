"""The one error tree of worktrial.

Every error the engine raises on purpose is a :class:`WorktrialError`. Each carries a stable
``code`` (for exit codes, HTTP responses and tests), structured fields, and a message that is safe
to show to the person who caused it: it names the input, what was expected and what was found.

::

    WorktrialError
    ├── SpecError                 a trial spec or bundle is invalid
    │   └── TemplateError         an unknown or broken built-in template
    ├── RepoError                 a repository cannot be read
    │   ├── NotAGitRepoError      the path is not a git work tree or bare repository
    │   ├── EmptyRepoError        the repository has no commits
    │   ├── GitCommandError       a git command failed or timed out
    │   └── IntakeError           a submitted bundle or archive is refused, or a commit cannot
    │                             be exported into a job folder
    ├── TrackingError             an experiment log or update cannot be written or read
    ├── ScoringError              predictions cannot be scored, or a run cannot be planned
    │   └── QuotaExceededError    the dev-split scoring quota is used up
    ├── ScorecardError            a scorecard file is missing, unreadable or of another version
    ├── SandboxError              a sandbox cannot be chosen, set up or given these arguments
    │   └── EnvironmentBuildError the runtime environment of a trial cannot be built
    ├── UsageError                a command was called with arguments that cannot work together
    └── PlatformError             the platform refuses a request (``worktrial.web``)
        ├── InvitationError       an invitation link is unknown, expired or already used
        ├── StateError            the object is not in a state that allows this (a review
        │                         submitted twice, a submission to a closed trial)
        └── ApiClientError        the CLI cannot reach or use a worktrial server

The CLI catches :class:`WorktrialError`, prints its message without a traceback and exits with
``exit_code`` (2 for usage and input errors, 1 otherwise). The web platform turns it into an
HTTP response with ``http_status`` in one place (``worktrial.web.errors``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiClientError",
    "EmptyRepoError",
    "EnvironmentBuildError",
    "GitCommandError",
    "IntakeError",
    "InvitationError",
    "NotAGitRepoError",
    "PlatformError",
    "QuotaExceededError",
    "RepoError",
    "SandboxError",
    "ScorecardError",
    "ScoringError",
    "SpecError",
    "StateError",
    "TemplateError",
    "TrackingError",
    "UsageError",
    "WorktrialError",
]


class WorktrialError(Exception):
    """Root of every error worktrial raises on purpose.

    Attributes:
        code: a stable, dotted identifier such as ``"spec.invalid"``.
        message: a sentence safe to show to a user.
        fields: structured details (paths, keys, expected and found values).
    """

    code: str = "worktrial.error"
    exit_code: int = 1
    http_status: int = 400

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = fields

    def __str__(self) -> str:
        return self.message


class SpecError(WorktrialError):
    """A trial spec or bundle is invalid; ``fields``: ``path``, ``key``, ``expected``, ``found``."""

    code = "spec.invalid"
    exit_code = 2


class TemplateError(SpecError):
    """An unknown built-in template, or a target folder that cannot take a new bundle."""

    code = "spec.template"


class RepoError(WorktrialError):
    """A repository cannot be read."""

    code = "repo.error"
    exit_code = 2


class NotAGitRepoError(RepoError):
    """The path is not a git repository."""

    code = "repo.not_git"


class EmptyRepoError(RepoError):
    """The repository has no commits to evaluate."""

    code = "repo.empty"


class GitCommandError(RepoError):
    """A git command failed or did not finish in time."""

    code = "repo.git_failed"
    exit_code = 1


class IntakeError(RepoError):
    """A submission (git bundle or archive) is refused, or a commit cannot be exported.

    ``fields``: ``path`` (the input as named in the message), ``reason`` (a stable short word
    such as ``"not_a_bundle"``, ``"too_large"``, ``"unsafe_member"``, ``"bomb"``, ``"fsck"``),
    and ``member`` when one archive member is at fault.
    """

    code = "repo.intake"


class ScoringError(WorktrialError):
    """Predictions or hidden-holdout files cannot be scored, or a run cannot be planned.

    ``fields``: ``path`` (the file as named in the message), ``expected``, ``found``, and
    ``problem`` (a stable short word such as ``"missing"``, ``"not_csv"``, ``"columns"``,
    ``"row_count"``, ``"duplicate_ids"``, ``"unknown_ids"``, ``"not_finite"``, ``"dtype"``,
    ``"too_large"``).
    """

    code = "scoring.invalid"
    exit_code = 1


class QuotaExceededError(ScoringError):
    """The candidate's dev-split scorings for today or for the whole trial are used up.

    ``fields``: ``today``, ``per_day``, ``total``, ``limit`` (runs counted and allowed).
    """

    code = "scoring.quota"
    exit_code = 2
    http_status = 429


class TrackingError(WorktrialError):
    """An experiment record or progress update is invalid or cannot be stored."""

    code = "tracking.invalid"
    exit_code = 2


class ScorecardError(WorktrialError):
    """A scorecard document is missing, unreadable or of an unsupported version."""

    code = "scorecard.invalid"
    exit_code = 2


class SandboxError(WorktrialError):
    """A sandbox cannot be chosen or set up, or was given arguments it cannot honour.

    ``fields``: ``path`` for an unreachable job folder or mount source, ``backend`` for a
    sandbox that is unavailable. A command that runs and fails is not an error: it is a
    sandbox result with a reason.
    """

    code = "sandbox.error"


class EnvironmentBuildError(SandboxError):
    """A trial's runtime environment cannot be built: no usable base interpreter, a folder
    the sandbox user cannot read, or a package that does not install.

    ``fields``: ``path``, ``requirements``, and ``step`` (``"base"``, ``"venv"``, ``"install"``,
    ``"permissions"``). An infrastructure failure: it never counts against a quota.
    """

    code = "sandbox.environment"


class UsageError(WorktrialError):
    """Arguments that cannot work together."""

    code = "usage"
    exit_code = 2


class PlatformError(WorktrialError):
    """The platform refuses a request; the message says why, for the person who made it."""

    code = "platform.refused"
    exit_code = 2


class InvitationError(PlatformError):
    """An invitation link is unknown, expired or already used; ``fields``: ``reason``."""

    code = "platform.invitation"
    http_status = 410


class StateError(PlatformError):
    """The object's state does not allow the request; ``fields``: ``state``, ``expected``."""

    code = "platform.state"
    http_status = 409


class ApiClientError(PlatformError):
    """The CLI cannot reach or use a worktrial server; ``fields``: ``url``, ``status``."""

    code = "platform.client"
    exit_code = 1
