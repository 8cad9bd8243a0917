"""The local backend: limits and clean-up without isolation, for machines without bubblewrap.

The job runs as the caller, in the job folder, under the same rlimits, wall clock and output
caps as in bwrap, in a new session whose process group is killed at the end. It can read
whatever the caller can, use the network, and a process that leaves its session survives
the run. Every run says so, in the log and in the result. The platform refuses this backend
for candidate code unless an administrator allows it.

Paths: the job is told ``/job`` and the mounts' targets, as in bwrap; here they do not exist,
so arguments, ``--option=path`` values, environment values (each ``:``-separated part) and
the working folder that name them are rewritten to the host paths. Relative paths need no
rewriting and are the portable choice.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from worktrial.errors import SandboxError
from worktrial.sandbox._jobdir import capped_job_folder, disk_warnings, is_capped, is_full
from worktrial.sandbox._supervise import (
    Launch,
    Supervisor,
    base_env,
    check_argv,
    count_tasks,
    rlimits_for,
)
from worktrial.sandbox._types import (
    DEFAULT_LIMITS,
    JOB_TARGET,
    JobFolder,
    Limits,
    Mount,
    Sandbox,
    SandboxResult,
)
from worktrial.sandbox._verdict import decide

LOCAL_WARNING = (
    "the local sandbox does not isolate: candidate code can read files and use the network"
)

logger = logging.getLogger("worktrial.sandbox")


class LocalSandbox:
    """Runs commands on the host with limits but no isolation (see the module docstring)."""

    name = "local"
    isolates = False

    @contextmanager
    def job_folder(self, path: Path, limits: Limits) -> Iterator[JobFolder]:
        """As :meth:`worktrial.sandbox.BwrapSandbox.job_folder`: a tmpfs of
        ``limits.disk_mb`` when the caller is root (which a job running as root could undo:
        nothing is isolated here), otherwise a plain folder measured while each step runs.

        Raises:
            SandboxError: when ``path`` exists and is not an empty folder.
        """
        with capped_job_folder(path, limits) as folder:
            yield folder

    def run(
        self,
        argv: Sequence[str],
        *,
        job_dir: Path,
        limits: Limits = DEFAULT_LIMITS,
        env: Mapping[str, str] | None = None,
        mounts: Sequence[Mount] = (),
        workdir: str = JOB_TARGET,
    ) -> SandboxResult:
        """Run ``argv`` in ``job_dir`` with limits, and warn that nothing is isolated.

        Args: as :meth:`worktrial.sandbox.Sandbox.run`; mounts are not made read-only here.

        Returns:
            The result, whose ``warnings`` start with :data:`LOCAL_WARNING`.

        Raises:
            SandboxError: for an empty command, a missing job folder or mount source, or a
                working folder outside the job folder and the mounts.
        """
        logger.warning(LOCAL_WARNING)
        args = check_argv(argv)
        try:
            job = Path(job_dir).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise SandboxError(f"job folder {job_dir} does not exist", path=str(job_dir)) from exc
        if not job.is_dir():
            raise SandboxError(f"job folder {job_dir} is not a folder", path=str(job_dir))
        capped = is_capped(job, limits)
        table: list[tuple[str, Path]] = [(JOB_TARGET, job)]
        for mount in mounts:
            try:
                table.append((mount.target, mount.source.resolve(strict=True)))
            except (OSError, RuntimeError) as exc:
                raise SandboxError(
                    f"mount source {mount.source} does not exist", path=str(mount.source)
                ) from exc
        to_host = _translator(table)
        cwd = to_host(workdir)
        if cwd == workdir:
            raise SandboxError(
                f"workdir {workdir!r} must be {JOB_TARGET}, inside it, or inside a mount",
                key="workdir",
                found=workdir,
            )
        warnings = [LOCAL_WARNING]
        if any(not m.writable for m in mounts):
            warnings.append("the local sandbox cannot make mounts read-only")

        home = tempfile.mkdtemp(prefix="worktrial-local-")
        try:
            overrides = {k: ":".join(map(to_host, v.split(":"))) for k, v in (env or {}).items()}
            full_env = base_env(overrides, home=home)
            full_env.setdefault("TMPDIR", home)
            processes = limits.processes
            if os.geteuid() != 0:
                # The kernel counts all of the caller's processes against the limit.
                processes += count_tasks(os.getuid())
            launch = Launch(
                argv=[_option(a, to_host) for a in args],
                env=full_env,
                cwd=cwd,
                rlimits=rlimits_for(limits, processes=processes),
                watch_folder=None if capped else job,
                folder_limit=limits.disk_mb * 1024 * 1024,
            )
            outcome = Supervisor(launch, limits).run()
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if outcome.lingering:
            warnings.append(
                "a process the job started is still running: the local sandbox cannot stop "
                "processes that leave its session"
            )
        warnings += disk_warnings(limits, capped=capped, problem=outcome.disk_problem)
        stderr = outcome.stderr.text()
        verdict = decide(
            limits=limits,
            exit_code=outcome.exit_code,
            signal=outcome.signal,
            stderr=stderr,
            cpu_s=outcome.cpu_s,
            peak_memory_mb=outcome.peak_memory_mb,
            timed_out=outcome.timed_out,
            output_capped=outcome.output_capped,
            printed_bytes=outcome.printed_bytes,
            start_error=outcome.start_error,
            disk_capped=outcome.disk_capped,
            job_folder_full=capped and is_full(job),
        )
        return SandboxResult(
            argv=args,
            backend="local",
            exit_code=verdict.exit_code,
            signal=verdict.signal,
            reason=verdict.reason,
            message=verdict.message,
            stdout=outcome.stdout.text(),
            stderr=stderr,
            truncated=bool(outcome.stdout.omitted or outcome.stderr.omitted),
            wall_s=round(outcome.wall_s, 3),
            cpu_s=round(outcome.cpu_s, 3),
            peak_memory_mb=outcome.peak_memory_mb,
            warnings=tuple(warnings),
        )


def _translator(table: list[tuple[str, Path]]) -> Callable[[str], str]:
    """Rewrite a sandbox path (the job folder, a mount target) to its host path."""
    ordered = sorted(table, key=lambda item: len(item[0]), reverse=True)

    def to_host(value: str) -> str:
        for target, source in ordered:
            if value == target:
                return str(source)
            if value.startswith(target + "/"):
                return str(source) + value[len(target) :]
        return value

    return to_host


def _option(arg: str, to_host: Callable[[str], str]) -> str:
    if arg.startswith("-") and "=" in arg:
        key, value = arg.split("=", 1)
        return f"{key}={to_host(value)}"
    return to_host(arg)


if TYPE_CHECKING:  # every backend follows the protocol
    _: Sandbox = LocalSandbox()
