"""Shared fixtures. Tests that need a loopback service use :func:`require_service`."""

from __future__ import annotations

import os
import socket

import pytest


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail, with WORKTRIAL_REQUIRE_SERVICES=1) when ``host:port`` does not answer."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as err:
        reason = f"{name} is not reachable on {host}:{port} ({err.strerror or err})"
    if os.environ.get("WORKTRIAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; WORKTRIAL_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real ~/.local/share/worktrial from a test."""
    monkeypatch.setenv("WORKTRIAL_HOME", str(tmp_path_factory.mktemp("worktrial-home")))
