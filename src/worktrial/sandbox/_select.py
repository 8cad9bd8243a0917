"""Choosing a sandbox by name: bubblewrap when it works, the local backend only when allowed."""

from __future__ import annotations

import logging
import shutil

from worktrial.errors import SandboxError
from worktrial.sandbox._bwrap import INSTALL_HINT, BwrapSandbox, probe
from worktrial.sandbox._local import LOCAL_WARNING, LocalSandbox
from worktrial.sandbox._types import Sandbox

NAMES = ("auto", "bwrap", "local", "fake")

logger = logging.getLogger("worktrial.sandbox")


def get_sandbox(name: str = "auto", *, allow_local: bool = False) -> Sandbox:
    """The sandbox called ``name``.

    Args:
        name: ``"bwrap"``; ``"local"`` (no isolation); ``"auto"``: bwrap when it is installed
            and can make a sandbox on this machine (tried once per process), otherwise the
            local backend if allowed. ``"fake"`` is for tests and is built explicitly.
        allow_local: an administrator's explicit choice to run code without isolation.

    Raises:
        SandboxError: for an unknown name, bwrap missing or not working (with how to install
            it), the local backend without ``allow_local``, and ``"fake"``.
    """
    if name == "fake":
        raise SandboxError(
            "the fake sandbox runs nothing and answers what a test scripts: build one with "
            "worktrial.sandbox.FakeSandbox(replies)",
            backend="fake",
        )
    if name == "local":
        if not allow_local:
            raise SandboxError(
                f"{LOCAL_WARNING}; it runs only when an administrator allows it (allow_local=True)",
                backend="local",
            )
        return LocalSandbox()
    if name not in ("auto", "bwrap"):
        raise SandboxError(
            f"unknown sandbox {name!r}; expected one of: {', '.join(NAMES)}", backend=name
        )
    problem = bwrap_problem()
    if problem is None:
        return BwrapSandbox()
    if name == "auto" and allow_local:
        logger.warning("%s; falling back to the local sandbox", problem)
        return LocalSandbox()
    if name == "auto":
        problem += (
            ", or allow the local sandbox, which does not isolate candidate code (allow_local=True)"
        )
    raise SandboxError(problem, backend="bwrap")


def bwrap_problem() -> str | None:
    """Why bubblewrap cannot be used here, or None when it can (the trial run is cached)."""
    path = shutil.which("bwrap")
    if path is None:
        return f"bubblewrap (bwrap) is not installed; {INSTALL_HINT}"
    failure = probe(path)
    if failure is None:
        return None
    return (
        f"bubblewrap ({path}) is installed but cannot make a sandbox on this machine: "
        f"{failure}; unprivileged user namespaces may be disabled (see the sysctls "
        f"kernel.unprivileged_userns_clone and user.max_user_namespaces)"
    )
