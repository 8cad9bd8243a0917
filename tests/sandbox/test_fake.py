"""The fake sandbox: scripted replies, recorded calls, the same argument checks as the real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from worktrial.errors import SandboxError
from worktrial.sandbox import FakeCall, FakeSandbox, Limits, Mount, SandboxResult, fake_result


def test_without_replies_every_run_finishes(tmp_path: Path) -> None:
    sb = FakeSandbox()
    res = sb.run(["python", "train.py"], job_dir=tmp_path)
    assert res == SandboxResult(
        argv=("python", "train.py"),
        backend="fake",
        exit_code=0,
        signal=None,
        reason="finished",
        message="finished",
        stdout="",
        stderr="",
        truncated=False,
        wall_s=0.01,
        cpu_s=0.01,
        peak_memory_mb=10.0,
    )
    assert res.ok
    assert sb.name == "fake"
    assert sb.isolates is True
    assert FakeSandbox(isolates=False).isolates is False


def test_replies_are_used_in_order_and_calls_recorded(tmp_path: Path) -> None:
    def predict(call: FakeCall) -> SandboxResult:
        (call.job_dir / "predictions.csv").write_text("id,y\n1,0\n")
        return fake_result(stdout="wrote predictions\n")

    sb = FakeSandbox([fake_result(exit_code=None, reason="timed_out"), predict])
    limits = Limits(wall_s=5)
    mount = Mount(tmp_path, "/env")
    first = sb.run(["pytest"], job_dir=tmp_path, limits=limits, env={"A": "1"}, mounts=[mount])
    second = sb.run(["python", "predict.py"], job_dir=tmp_path, workdir="/job/src")
    assert (first.reason, first.message, first.argv) == (
        "timed_out",
        "timed out after 300 s",
        ("pytest",),
    )
    assert (second.reason, second.stdout) == ("finished", "wrote predictions\n")
    assert (tmp_path / "predictions.csv").read_text() == "id,y\n1,0\n"
    assert sb.calls == [
        FakeCall(("pytest",), tmp_path, limits, {"A": "1"}, (mount,), "/job"),
        FakeCall(("python", "predict.py"), tmp_path, Limits(), {}, (), "/job/src"),
    ]
    with pytest.raises(SandboxError) as info:
        sb.run(["python", "again.py"], job_dir=tmp_path)
    assert info.value.message == ("the fake sandbox has no reply left for call 3: python again.py")


def test_one_function_answers_every_run(tmp_path: Path) -> None:
    sb = FakeSandbox(lambda call: fake_result(exit_code=len(call.argv)))
    assert sb.run(["a", "b"], job_dir=tmp_path).message == "crashed with exit code 2"
    assert sb.run(["a"], job_dir=tmp_path).message == "crashed with exit code 1"


def test_fake_result_decides_like_the_real_backends() -> None:
    assert fake_result(exit_code=None, signal=9).message == "killed by signal 9 (SIGKILL)"
    assert fake_result(exit_code=1, stderr="MemoryError\n").reason == "out_of_memory"
    assert fake_result(reason="could_not_start", exit_code=None).message == (
        "could not start: scripted"
    )
    assert fake_result(exit_code=1, message="custom words").message == "custom words"


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], None, "the command is empty; expected a program and its arguments"),
        (
            "python x.py",
            None,
            "the command must be a list of arguments, not one string; found 'python x.py'",
        ),
        (
            ["python", "a\0b"],
            None,
            "every command argument must be a string without NUL; found 'a\\x00b'",
        ),
        (
            ["python"],
            {"A=B": "1"},
            "environment variable name 'A=B' must be a non-empty string without '=' or NUL",
        ),
        (["python"], {"A": 1}, "environment variable A must be a string without NUL; found 1"),
    ],
)
def test_fake_refuses_what_the_real_sandboxes_refuse(
    tmp_path: Path, argv: object, env: object, message: str
) -> None:
    with pytest.raises(SandboxError) as info:
        FakeSandbox().run(argv, job_dir=tmp_path, env=env)  # type: ignore[arg-type]
    assert info.value.message == message


def test_fake_needs_an_existing_job_folder(tmp_path: Path) -> None:
    with pytest.raises(SandboxError) as info:
        FakeSandbox().run(["x"], job_dir=tmp_path / "nope")
    assert info.value.message == f"job folder {tmp_path / 'nope'} does not exist"
