"""Choosing a sandbox: bubblewrap when it works, the local backend only when allowed."""

from __future__ import annotations

import logging

import pytest

from worktrial.errors import SandboxError
from worktrial.sandbox import BwrapSandbox, LocalSandbox, _select, get_sandbox
from worktrial.sandbox import _bwrap as bwrap_module

MISSING = (
    "bubblewrap (bwrap) is not installed; install it with `sudo apt-get install bubblewrap` "
    "(the project's scripts/setup-system.sh does this)"
)
OR_LOCAL = ", or allow the local sandbox, which does not isolate candidate code (allow_local=True)"


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_select.shutil, "which", lambda name: None)


@pytest.fixture
def broken_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_select.shutil, "which", lambda name: "/opt/bin/bwrap")
    monkeypatch.setattr(
        _select, "probe", lambda path: "bwrap: setting up uid map: Permission denied"
    )


def _message(name: str, **kwargs: bool) -> str:
    with pytest.raises(SandboxError) as info:
        get_sandbox(name, **kwargs)
    assert info.value.code == "sandbox.error"
    return info.value.message


def test_unknown_name() -> None:
    assert _message("docker") == (
        "unknown sandbox 'docker'; expected one of: auto, bwrap, local, fake"
    )


def test_fake_is_built_explicitly() -> None:
    assert _message("fake") == (
        "the fake sandbox runs nothing and answers what a test scripts: build one with "
        "worktrial.sandbox.FakeSandbox(replies)"
    )


def test_local_needs_an_explicit_allowance() -> None:
    assert _message("local") == (
        "the local sandbox does not isolate: candidate code can read files and use the "
        "network; it runs only when an administrator allows it (allow_local=True)"
    )
    sb = get_sandbox("local", allow_local=True)
    assert isinstance(sb, LocalSandbox)
    assert (sb.name, sb.isolates) == ("local", False)


@pytest.mark.usefixtures("no_bwrap")
def test_missing_bwrap_says_how_to_install_it() -> None:
    assert _message("bwrap") == MISSING
    assert _message("bwrap", allow_local=True) == MISSING
    assert _message("auto") == MISSING + OR_LOCAL


@pytest.mark.usefixtures("no_bwrap")
def test_auto_falls_back_to_local_only_when_allowed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="worktrial.sandbox"):
        sb = get_sandbox(allow_local=True)
    assert isinstance(sb, LocalSandbox)
    assert [r.getMessage() for r in caplog.records] == [
        MISSING + "; falling back to the local sandbox"
    ]


@pytest.mark.usefixtures("broken_bwrap")
def test_bwrap_that_cannot_make_a_sandbox() -> None:
    broken = (
        "bubblewrap (/opt/bin/bwrap) is installed but cannot make a sandbox on this machine: "
        "bwrap: setting up uid map: Permission denied; unprivileged user namespaces may be "
        "disabled (see the sysctls kernel.unprivileged_userns_clone and "
        "user.max_user_namespaces)"
    )
    assert _message("bwrap") == broken
    assert _message("auto") == broken + OR_LOCAL
    assert isinstance(get_sandbox("auto", allow_local=True), LocalSandbox)


def test_bwrap_sandbox_needs_the_program() -> None:
    with pytest.raises(SandboxError) as info:
        BwrapSandbox("/no/such/bwrap")
    assert info.value.message == MISSING


def test_auto_is_bwrap_where_it_works_and_is_tried_once(bwrap: BwrapSandbox) -> None:
    sb = get_sandbox()
    assert isinstance(sb, BwrapSandbox)
    assert (sb.name, sb.isolates) == ("bwrap", True)
    hits = bwrap_module.probe.cache_info().hits
    assert isinstance(get_sandbox("bwrap"), BwrapSandbox)
    assert bwrap_module.probe.cache_info().hits == hits + 1
