"""A sandbox for tests of everything above it: scripted results, every call recorded."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from worktrial.errors import SandboxError
from worktrial.sandbox._jobdir import plain_job_folder
from worktrial.sandbox._supervise import base_env, check_argv
from worktrial.sandbox._types import (
    DEFAULT_LIMITS,
    JOB_TARGET,
    JobFolder,
    Limits,
    Mount,
    Reason,
    Sandbox,
    SandboxResult,
)
from worktrial.sandbox._verdict import decide


@dataclass(frozen=True)
class FakeCall:
    """One call to :meth:`FakeSandbox.run`, as made (``env`` is the caller's, not merged)."""

    argv: tuple[str, ...]
    job_dir: Path
    limits: Limits
    env: dict[str, str]
    mounts: tuple[Mount, ...]
    workdir: str


Reply = SandboxResult | Callable[[FakeCall], SandboxResult]
"""What the fake answers: a result, or a function of the call that returns one (and may, for
example, write the files the real command would have written into ``call.job_dir``)."""


class FakeSandbox:
    """Answers each run with the next scripted reply, and records the call in :attr:`calls`.

    Args:
        replies: results or functions, used one per run in order; or one function used for
            every run. With no replies, every run finishes with exit code 0 and no output.
        isolates: what :attr:`isolates` reports (the platform refuses non-isolating
            sandboxes for candidate code).

    A reply's ``backend`` becomes ``"fake"``; its ``argv`` becomes the call's when empty.
    """

    name = "fake"

    def __init__(
        self,
        replies: Iterable[Reply] | Callable[[FakeCall], SandboxResult] | None = None,
        *,
        isolates: bool = True,
    ) -> None:
        self.isolates = isolates
        self.calls: list[FakeCall] = []
        self._always: Callable[[FakeCall], SandboxResult] | None = None
        self._queue: deque[Reply] | None = None
        if replies is None:
            self._always = lambda call: fake_result()
        elif callable(replies):
            self._always = replies
        else:
            self._queue = deque(replies)

    @contextmanager
    def job_folder(self, path: Path, limits: Limits) -> Iterator[JobFolder]:
        """A plain folder at ``path``: the fake runs nothing, so nothing is capped or measured.

        Raises:
            SandboxError: when ``path`` exists and is not an empty folder.
        """
        with plain_job_folder(path, limits) as folder:
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
        """Record the call and return the next scripted reply.

        Raises:
            SandboxError: for arguments the real sandboxes refuse too (an empty command, a
                missing job folder, a bad environment), and when no reply is left.
        """
        args = check_argv(argv)
        base_env(env, home="/tmp")  # the same checks as the real backends
        if not Path(job_dir).is_dir():
            raise SandboxError(f"job folder {job_dir} does not exist", path=str(job_dir))
        call = FakeCall(args, Path(job_dir), limits, dict(env or {}), tuple(mounts), workdir)
        self.calls.append(call)
        if self._always is not None:
            reply: Reply = self._always
        else:
            assert self._queue is not None
            if not self._queue:
                raise SandboxError(
                    f"the fake sandbox has no reply left for call {len(self.calls)}: "
                    f"{' '.join(args)}"
                )
            reply = self._queue.popleft()
        answer = reply(call) if callable(reply) else reply
        return dataclasses.replace(answer, backend="fake", argv=answer.argv or args)


def fake_result(
    *,
    exit_code: int | None = 0,
    signal: int | None = None,
    reason: Reason | None = None,
    message: str | None = None,
    stdout: str = "",
    stderr: str = "",
    truncated: bool = False,
    wall_s: float = 0.01,
    cpu_s: float = 0.01,
    peak_memory_mb: float | None = 10.0,
    limits: Limits = DEFAULT_LIMITS,
    argv: Sequence[str] = (),
) -> SandboxResult:
    """A result to script a :class:`FakeSandbox` with.

    Without ``reason`` (and ``message``), they are decided from the exit code, signal and
    stderr the way the real backends decide them, e.g. ``result(exit_code=3)`` crashed with
    exit code 3 and ``result(exit_code=None, signal=9)`` was killed by signal 9.
    """
    verdict = decide(
        limits=limits,
        exit_code=exit_code,
        signal=signal,
        stderr=stderr,
        cpu_s=cpu_s,
        peak_memory_mb=peak_memory_mb,
        timed_out=reason == "timed_out",
        output_capped=reason == "output_cap",
        printed_bytes=len(stdout) + len(stderr),
        start_error="scripted" if reason == "could_not_start" else None,
    )
    return SandboxResult(
        argv=tuple(argv),
        backend="fake",
        exit_code=exit_code,
        signal=signal,
        reason=reason or verdict.reason,
        message=message or verdict.message,
        stdout=stdout,
        stderr=stderr,
        truncated=truncated,
        wall_s=wall_s,
        cpu_s=cpu_s,
        peak_memory_mb=peak_memory_mb,
    )


if TYPE_CHECKING:  # every backend follows the protocol
    _: Sandbox = FakeSandbox()
