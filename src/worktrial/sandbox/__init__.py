"""Run a command in a job folder under limits, and say in words how it ended.

::

    from worktrial.sandbox import Limits, Mount, get_sandbox

    sb = get_sandbox()                     # bubblewrap; SandboxError if it cannot be used
    res = sb.run(["python", "predict.py"], job_dir=job, limits=Limits(wall_s=60),
                 mounts=[Mount(env_dir, "/env")], env={"PATH": "/env/bin:/usr/bin:/bin"})
    res.reason, res.message                # "timed_out", "timed out after 60 s"

Backends: :class:`BwrapSandbox` (isolated: no network, own namespaces, read-only system,
unprivileged user), :class:`LocalSandbox` (limits only; warns on every run), and
:class:`FakeSandbox` for tests. Inside every backend the job folder is ``/job``.
"""

from worktrial.errors import SandboxError
from worktrial.sandbox._bwrap import SANDBOX_GID, SANDBOX_UID, BwrapSandbox
from worktrial.sandbox._fake import FakeCall, FakeSandbox, fake_result
from worktrial.sandbox._local import LOCAL_WARNING, LocalSandbox
from worktrial.sandbox._select import bwrap_problem, get_sandbox
from worktrial.sandbox._types import (
    DEFAULT_LIMITS,
    JOB_TARGET,
    REASONS,
    Limits,
    Mount,
    Reason,
    Sandbox,
    SandboxResult,
)

__all__ = [
    "DEFAULT_LIMITS",
    "JOB_TARGET",
    "LOCAL_WARNING",
    "REASONS",
    "SANDBOX_GID",
    "SANDBOX_UID",
    "BwrapSandbox",
    "FakeCall",
    "FakeSandbox",
    "Limits",
    "LocalSandbox",
    "Mount",
    "Reason",
    "Sandbox",
    "SandboxError",
    "SandboxResult",
    "bwrap_problem",
    "fake_result",
    "get_sandbox",
]
