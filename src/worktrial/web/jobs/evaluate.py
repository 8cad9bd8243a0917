"""What one evaluation does: the engine's pipeline on the submitted repository, with the
candidacy's comms (the database merged with the repository's files), and — unless
``WORKTRIAL_SANDBOX`` is ``none`` — the submission run in the sandbox on the trial's hidden
holdout. The platform stores and shows the
scorecard; it never re-implements scoring.

Two sandboxed runs per submission, one per audience: the *final* split (the company's score; the
run goes into the scorecard) and the *dev* split (the score the candidate may see, stored as
``dev_score``). A run that fails is not a failed evaluation: the scorecard says what failed and
the row's reason carries the run's verdict in words.
"""

from __future__ import annotations

import sysconfig
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from worktrial.errors import SandboxError
from worktrial.web import storage
from worktrial.web.jobs.models import Evaluation
from worktrial.web.trials.comms import submission_comms

if TYPE_CHECKING:  # the sandbox and scoring import NumPy: loaded only for sandboxed runs
    from worktrial.repo import Repo
    from worktrial.sandbox import Sandbox
    from worktrial.scoring import RunReport
    from worktrial.spec import TrialBundle

Progress = Callable[[str], None]


SANDBOX_NOT_SET_UP = (
    "your code could not be run: the server's sandbox is not set up ({problem}); the team has "
    "been told — this does not count against your submissions"
)


def run_evaluation(evaluation: Evaluation, progress: Progress) -> dict[str, Any]:
    """Evaluate ``evaluation``'s submission; returns the result fields of the row.

    Raises:
        WorktrialError: the submission cannot be evaluated (the message says why, in words a
            candidate understands; e.g. a SandboxError when the server's sandbox is refused).
    """
    from worktrial._pipeline import evaluate_repo

    submission = evaluation.submission
    candidacy = submission.candidacy
    trial = candidacy.trial
    delay = float(settings.WORKTRIAL_TEST_EVALUATION_DELAY)
    if delay > 0:  # test-only: a window in which the crash test kills the worker
        progress("test delay")
        time.sleep(delay)
    repo_dir = storage.resolve(submission.repo_dir)
    bundle_dir = storage.resolve(trial.bundle_dir)
    final: RunReport | None = None
    dev: RunReport | None = None
    if sandbox_name() != "none":
        final, dev = sandboxed_runs(evaluation, repo_dir, bundle_dir, progress)
    card = evaluate_repo(
        repo_dir,
        bundle=bundle_dir,
        started_at=candidacy.starts_at,
        deadline=candidacy.deadline,
        candidate=candidacy.alias,
        progress=progress,
        comms=submission_comms(candidacy, repo_dir, until=submission.uploaded_at),
        run=final,
    )
    result: dict[str, Any] = {
        "scorecard": card.model_dump(mode="json"),
        "overall": card.overall,
        "dimensions": {d.id: d.score for d in card.dimensions},
        "red_flags": len(card.red_flags),
    }
    if final is not None and dev is not None:
        result["dev_score"] = dev.metrics.get(dev.primary_metric)
        result["reason"] = run_reason(final, dev)
        result["log"] = run_log(final, dev)
    return result


def sandbox_name() -> str:
    """The configured sandbox: ``auto``, ``bwrap``, ``local`` or ``none`` (evidence only)."""
    return str(settings.WORKTRIAL_SANDBOX).strip().lower() or "auto"


def choose_sandbox() -> Sandbox:
    """The sandbox for candidate code, as configured.

    Raises:
        SandboxError: bubblewrap is unusable, or the local backend (which does not isolate) is
            configured without ``WORKTRIAL_ALLOW_LOCAL_SANDBOX=1``; the message says what an
            administrator can do.
    """
    from worktrial.sandbox import get_sandbox

    name = sandbox_name()
    allow_local = bool(settings.WORKTRIAL_ALLOW_LOCAL_SANDBOX)
    try:
        return get_sandbox(name, allow_local=allow_local)
    except SandboxError as err:
        problem = err.message.replace(
            "(allow_local=True)", "(WORKTRIAL_ALLOW_LOCAL_SANDBOX=1)"
        ).replace("allow_local=True", "WORKTRIAL_ALLOW_LOCAL_SANDBOX=1")
        raise SandboxError(SANDBOX_NOT_SET_UP.format(problem=problem), backend=name) from err


def run_home() -> Path:
    """Where runtime environments and run folders go: ``WORKTRIAL_RUN_HOME``; else the data
    folder, unless we are root and other users cannot enter it (root's home is usually 0700):
    then ``/var/lib/worktrial``."""
    from worktrial.sandbox.environment import run_home_for

    if settings.WORKTRIAL_RUN_HOME:
        return Path(settings.WORKTRIAL_RUN_HOME)
    return run_home_for(storage.home())


def linked_site_packages() -> list[Path]:
    """The server's own site-packages when ``WORKTRIAL_LINK_SITE_PACKAGES`` is on, else none."""
    if not settings.WORKTRIAL_LINK_SITE_PACKAGES:
        return []
    return [Path(sysconfig.get_paths()["purelib"])]


def sandboxed_runs(
    evaluation: Evaluation, repo_dir: Path, bundle_dir: Path, progress: Progress
) -> tuple[RunReport, RunReport]:
    """Run the submission on the final and the dev split; returns (final, dev).

    Raises:
        SandboxError: the sandbox is refused or unusable (see :func:`choose_sandbox`).
        EnvironmentBuildError: the trial's runtime environment cannot be built.
        ScoringError: the trial's holdout cannot be read (the company's side).
    """
    from worktrial.repo import Repo
    from worktrial.sandbox.environment import build_environment, open_folder
    from worktrial.scoring import environment_requirements
    from worktrial.spec import load_bundle

    sandbox = choose_sandbox()
    bundle = load_bundle(bundle_dir)
    home = open_folder(run_home())
    progress("runtime environment")
    env = build_environment(
        environment_requirements(bundle.spec),
        home=home,
        link_site_packages=linked_site_packages(),
        progress=progress,
    )
    repo = Repo(repo_dir)
    runs = open_folder(home / "runs" / bundle.spec.id)
    # one folder per attempt (an attempt that died leaves its folder and logs behind)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = f"evaluation-{evaluation.pk}-attempt-{evaluation.attempts}-{stamp}"
    final = _run(repo, bundle, sandbox, env, "final", runs / f"{stem}-final", progress)
    dev = _run(repo, bundle, sandbox, env, "dev", runs / f"{stem}-dev", progress)
    return final, dev


def _run(
    repo: Repo,
    bundle: TrialBundle,
    sandbox: Sandbox,
    env: Any,
    split: str,
    work: Path,
    progress: Progress,
) -> RunReport:
    from worktrial.scoring import run_submission

    return run_submission(
        repo,
        bundle,
        sandbox=sandbox,
        env=env,
        split=split,  # type: ignore[arg-type]  # "final" or "dev"
        work_dir=work,
        progress=lambda step: progress(f"{split} run: {step}"),
    )


def run_reason(final: RunReport, dev: RunReport) -> str:
    """The row's reason after sandboxed runs, in words: the run's verdict when it failed."""
    for report in (final, dev):
        if report.outcome != "scored":
            problem = report.problem or "it produced no score"
            return f"evaluated; running your code on the {report.split} split failed: {problem}"
    return "evaluated; your code ran and was scored"


def run_log(final: RunReport, dev: RunReport) -> str:
    """Every step's verdict of both runs, one line each (the row's log)."""
    lines = []
    for report in (final, dev):
        lines.append(
            f"{report.split} split ({report.backend}{'' if report.isolated else ', NOT isolated'})"
            f": {report.outcome}"
        )
        lines.extend(f"  {s.name}: {s.status} — {s.verdict}" for s in report.steps)
        if report.work_dir is not None:
            lines.append(f"  logs: {report.work_dir / 'logs'}")
    return "\n".join(lines)
