"""The runtime environment: built once, cached by its requirements, readable by the sandbox user.

Most tests build an environment with NO requirements (a bare venv: fast, no package index).
One slow test installs numpy, only from a package source on this machine (never the network).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from worktrial.errors import EnvironmentBuildError, SandboxError
from worktrial.sandbox import Mount
from worktrial.sandbox import environment as envmod
from worktrial.sandbox.environment import (
    RuntimeEnv,
    blocked_for_others,
    build_environment,
    choose_base_python,
    describe_missing,
    environment_key,
    missing_requirements,
    requirement_name,
)

SYSTEM_PYTHON = Path("/usr/bin/python3")
needs_system_python = pytest.mark.skipif(
    not SYSTEM_PYTHON.is_file(), reason="needs a system-wide /usr/bin/python3"
)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's own temporary folders are private)."""
    path = Path(tempfile.mkdtemp(prefix="worktrial-envtest-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _base() -> str:
    return choose_base_python()


# --------------------------------------------------------------------------- base interpreter


def test_default_base_is_runnable_by_every_user() -> None:
    base = Path(_base())
    assert base.is_absolute()
    assert blocked_for_others(base) is None
    assert base.stat().st_mode & stat.S_IXOTH
    assert base == base.resolve()  # the real file, not a link


@needs_system_python
def test_a_private_base_prefix_falls_back_to_the_system_python(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (private / "bin" / f"python{version}").symlink_to(SYSTEM_PYTHON.resolve())
    private.chmod(0o700)
    monkeypatch.setattr(sys, "base_prefix", str(private))
    assert choose_base_python() == os.path.realpath(SYSTEM_PYTHON)


def test_no_usable_interpreter_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, open_dir: Path
) -> None:
    tmp_path = open_dir
    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    exe = private / "bin" / f"python{version}"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    private.chmod(0o700)
    monkeypatch.setattr(sys, "base_prefix", str(private))
    monkeypatch.setattr(envmod, "FALLBACK_PYTHON", str(tmp_path / "nowhere" / "python3"))
    with pytest.raises(EnvironmentBuildError) as info:
        choose_base_python()
    assert info.value.message == (
        f"no Python interpreter the sandbox user can run: tried {exe} ({private} is mode 0700 "
        f"(other users may not enter it)); {tmp_path / 'nowhere' / 'python3'} (not installed); "
        "install Python 3 system-wide with venv support (Debian: apt-get install python3 "
        "python3-venv) or pass a base interpreter every user can run"
    )
    assert info.value.code == "sandbox.environment"
    assert isinstance(info.value, SandboxError)


def test_given_base_that_is_missing_or_private(open_dir: Path) -> None:
    with pytest.raises(EnvironmentBuildError) as info:
        choose_base_python(open_dir / "python9")
    assert info.value.message.startswith(f"base interpreter {open_dir / 'python9'} does not exist")
    private = open_dir / "private"
    private.mkdir(mode=0o700)
    exe = private / "python"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    with pytest.raises(EnvironmentBuildError) as info:
        choose_base_python(exe)
    assert info.value.message.startswith(
        f"base interpreter {exe} cannot be run by the sandbox user: {private} is mode 0700 "
        "(other users may not enter it); install Python 3"
    )
    private.chmod(0o755)
    exe.chmod(0o700)
    with pytest.raises(EnvironmentBuildError) as info:
        choose_base_python(exe)
    assert f"{exe} is mode 0700 (other users may not run it)" in info.value.message


# --------------------------------------------------------------------------- building, caching


def test_bare_environment_is_built_readable_and_runs(open_dir: Path) -> None:
    steps: list[str] = []
    env = build_environment([], home=open_dir, progress=steps.append)
    assert env.path == open_dir / "envs" / env.key
    assert env.python == env.path / "bin" / "python"
    assert env.requirements == ()
    assert env.packages == {}
    assert env.base_python == _base()
    assert steps == [f"creating the runtime environment (Python {env.python_version})"]
    out = subprocess.run(
        [str(env.python), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == str(env.path)
    # every folder and file can be read (and folders entered) by other users
    for folder, dirs, files in os.walk(env.path):
        for name in [Path(folder), *(Path(folder) / d for d in dirs)]:
            assert name.lstat().st_mode & 0o005 == 0o005, name
        for name in files:
            st = (Path(folder) / name).lstat()
            if not stat.S_ISLNK(st.st_mode):
                assert st.st_mode & stat.S_IROTH, name
    assert blocked_for_others(env.path) is None
    assert (env.path / ".worktrial-env.json").is_file()


def test_second_call_returns_the_cached_environment_without_building(
    open_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_environment([], home=open_dir)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached environment was rebuilt")

    monkeypatch.setattr(envmod, "_run", no_build)
    steps: list[str] = []
    second = build_environment([], home=open_dir, progress=steps.append)
    assert second == first
    assert steps == []


def test_a_half_built_environment_is_rebuilt(open_dir: Path) -> None:
    first = build_environment([], home=open_dir)
    (first.path / ".worktrial-env.json").unlink()  # as if the build had been interrupted
    (first.path / "leftover").write_text("partial")
    again = build_environment([], home=open_dir)
    assert again.key == first.key
    assert not (again.path / "leftover").exists()
    assert (again.path / ".worktrial-env.json").is_file()


def test_key_depends_on_requirements_and_interpreter_not_their_order() -> None:
    a = environment_key(
        ["numpy", "pandas"], base_python="/usr/bin/python3.11", python_version="3.11.2"
    )
    b = environment_key(
        ["pandas", "numpy"], base_python="/usr/bin/python3.11", python_version="3.11.2"
    )
    c = environment_key(["numpy"], base_python="/usr/bin/python3.11", python_version="3.11.2")
    d = environment_key(
        ["numpy", "pandas"], base_python="/usr/bin/python3.11", python_version="3.11.9"
    )
    e = environment_key(
        ["numpy", "pandas"],
        base_python="/usr/bin/python3.11",
        python_version="3.11.2",
        linked=[Path("/opt/site")],
    )
    assert a == b
    assert len({a, c, d, e}) == 4


def test_requirements_that_are_options_or_urls_are_refused(open_dir: Path) -> None:
    with pytest.raises(EnvironmentBuildError) as info:
        build_environment(["numpy", "--index-url=http://example.invalid/simple"], home=open_dir)
    assert info.value.message == (
        "environment[1] = '--index-url=http://example.invalid/simple': expected a requirement "
        "such as 'numpy' or 'scikit-learn>=1.5' (options and URLs are not allowed)"
    )
    with pytest.raises(EnvironmentBuildError):
        build_environment(["https://example.invalid/pkg.whl"], home=open_dir)
    assert not (open_dir / "envs").exists()


def test_home_the_sandbox_user_cannot_reach_is_refused(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    home = private / "home"
    with pytest.raises(EnvironmentBuildError) as info:
        build_environment([], home=home, check_readable=True)
    assert info.value.message == (
        f"runtime environments go to {home / 'envs'}, which the sandbox user cannot reach: "
        f"{blocked_for_others(home)[0]} is mode 0700 (other users may not enter it); set "  # type: ignore[index]
        "WORKTRIAL_HOME to a folder every user may enter (e.g. /var/lib/worktrial) or allow "
        f"it with chmod o+x {blocked_for_others(home)[0]}"  # type: ignore[index]
    )
    assert info.value.fields["step"] == "permissions"
    # the local backend runs as the caller: the check can be left out
    env = build_environment([], home=home, check_readable=False)
    assert env.python.exists()


def test_failing_install_reports_pips_error(open_dir: Path) -> None:
    with pytest.raises(EnvironmentBuildError) as info:
        build_environment(["worktrial-no-such-package-zz9"], home=open_dir, pip_args=["--no-index"])
    assert info.value.message.startswith(
        "installing worktrial-no-such-package-zz9 failed (exit code 1): ERROR: "
    )
    assert "worktrial-no-such-package-zz9" in info.value.message.split("ERROR: ", 1)[1]
    # nothing is cached: the next call tries again
    env_dirs = list((open_dir / "envs").glob("*/.worktrial-env.json"))
    assert env_dirs == []


def _own_site_packages() -> Path:
    import numpy

    return Path(numpy.__file__).resolve().parent.parent


def test_linked_site_packages_satisfy_requirements_without_installing(
    open_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _own_site_packages()
    calls: list[list[str]] = []
    real_run = envmod._run

    def recording(argv: list[str], **kw: object) -> None:
        calls.append(argv)
        real_run(argv, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(envmod, "_run", recording)
    env = build_environment(
        ["numpy", "pandas", "scikit-learn"], home=open_dir, link_site_packages=[site]
    )
    assert [c[1:3] for c in calls] == [["-m", "venv"]]  # no pip install
    assert env.linked == (site,)
    for name in ("numpy", "pandas", "scikit-learn"):
        assert name in env.packages
    pth = env.path / "lib" / f"python{'.'.join(env.python_version.split('.')[:2])}"
    assert (pth / "site-packages" / "_worktrial_linked.pth").read_text() == "/env-linked/0\n"
    assert env.mounts() == [Mount(env.path, "/env"), Mount(site, "/env-linked/0")]
    assert env.sandbox_python == "/env/bin/python"
    assert env.sandbox_env()["PATH"].startswith("/env/bin:")
    assert env.describe().startswith(f"numpy {env.packages['numpy']}, pandas ")


def test_pinned_requirement_of_another_version_goes_to_pip(open_dir: Path) -> None:
    have = {"numpy": "2.4.6"}
    assert envmod._satisfied("numpy", have)
    assert envmod._satisfied("NumPy == 2.4.6", have)
    assert envmod._satisfied("numpy[extra]", have)
    assert not envmod._satisfied("numpy==1.26.4", have)
    assert not envmod._satisfied("numpy>=2", have)  # left to pip, which decides
    assert not envmod._satisfied("pandas", have)


def test_console_scripts_are_pointed_at_the_sandbox_interpreter(tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    script = env / "bin" / "pytest"
    script.write_text(f"#!{env}/bin/python3.11\nimport sys\n")
    other = env / "bin" / "tool"
    other.write_text("#!/bin/sh\necho hi\n")
    envmod._retarget_scripts(env)
    assert script.read_text() == "#!/env/bin/python3.11\nimport sys\n"
    assert other.read_text() == "#!/bin/sh\necho hi\n"


# --------------------------------------------------------------------------- repo requirements


ENV = RuntimeEnv(
    path=Path("/srv/env"),
    python=Path("/srv/env/bin/python"),
    packages={
        "numpy": "2.4.6",
        "pandas": "3.0.1",
        "scikit-learn": "1.9.1",
        "joblib": "1.5.0",
        "pytest": "8.4.0",
    },
    requirements=("numpy", "pandas", "scikit-learn"),
)


def test_requirement_names() -> None:
    assert requirement_name("scikit-learn>=1.5  # models") == "scikit-learn"
    assert requirement_name("pandas[parquet]==2.2; python_version >= '3.9'") == "pandas"
    assert requirement_name("torch @ https://example.invalid/torch.whl") == "torch"
    for line in (
        "",
        "   ",
        "# only a comment",
        "-r other.txt",
        "-e .",
        "--hash=sha256:00",
        "https://example.invalid/x.whl",
    ):
        assert requirement_name(line) is None, line


def test_missing_requirements_and_the_message() -> None:
    lines = [
        "numpy==1.26.4",  # a different pin is not a missing package
        "Pandas",
        "scikit_learn",
        "sklearn",  # the import name of scikit-learn
        "lightgbm>=4",
        "# comment",
        "-r dev.txt",
        "LightGBM",  # the same package again
    ]
    assert missing_requirements(lines, ENV) == ["lightgbm"]
    assert describe_missing(["lightgbm"], ENV) == (
        "requirements.txt asks for lightgbm, which this trial's environment does not provide "
        "(it has: numpy 2.4.6, pandas 3.0.1, scikit-learn 1.9.1); ask the company to add it or "
        "remove it"
    )
    assert describe_missing(["lightgbm", "xgboost", "torch"], ENV) == (
        "requirements.txt asks for lightgbm, xgboost and torch, which this trial's environment "
        "does not provide (it has: numpy 2.4.6, pandas 3.0.1, scikit-learn 1.9.1); ask the "
        "company to add them or remove them"
    )
    assert missing_requirements(["numpy", "pytest"], ENV) == []


def test_missing_against_a_bare_environment(open_dir: Path) -> None:
    env = build_environment([], home=open_dir)
    assert missing_requirements(["numpy"], env) == ["numpy"]
    assert describe_missing(["numpy"], env) == (
        "requirements.txt asks for numpy, which this trial's environment does not provide "
        "(it has: no packages); ask the company to add it or remove it"
    )


# --------------------------------------------------------------------------- a real install


def _local_package_sources() -> list[str] | None:
    """pip options that use only package sources on this machine's disk (never the network):
    configured find-links folders and file:// indexes; None when there are none."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    links: list[str] = []
    indexes: list[str] = []
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        for v in value.strip().strip("'\"").split():
            if key.endswith("find-links") and Path(v).is_dir():
                links.append(v)
            elif key.endswith("index-url") and v.startswith("file://") and Path(v[7:]).is_dir():
                indexes.append(v)
    links += [v for v in os.environ.get("PIP_FIND_LINKS", "").split() if Path(v).is_dir()]
    if not links and not indexes:
        return None
    options = [o for v in dict.fromkeys(links) for o in ("--find-links", v)]
    if not indexes:
        return ["--no-index", *options]
    # only local indexes: the first replaces the default (network) index
    options += ["--index-url", indexes[0]]
    options += [o for v in indexes[1:] for o in ("--extra-index-url", v)]
    return options


@pytest.mark.slow
def test_real_install_of_numpy_from_a_local_source(open_dir: Path) -> None:
    sources = _local_package_sources()
    if sources is None:
        pytest.skip(
            "no package source on this machine's disk (pip find-links or a file:// index); "
            "this test never downloads"
        )
    try:
        env = build_environment(["numpy"], home=open_dir, pip_args=sources)
    except EnvironmentBuildError as err:
        if "No matching distribution" in err.message or "Could not find a version" in err.message:
            pytest.skip(f"numpy is not in the local package sources: {err.message}")
        raise
    assert "numpy" in env.packages
    out = subprocess.run(
        [str(env.python), "-c", "import numpy; print(numpy.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == env.packages["numpy"]
    # cached: the same call does not run pip again
    again = build_environment(["numpy"], home=open_dir, pip_args=sources)
    assert again == env
    # its console scripts start the interpreter at /env, where the sandbox mounts it
    scripts = [p for p in (env.path / "bin").iterdir() if p.is_file() and not p.is_symlink()]
    heads = [p.read_bytes()[:64] for p in scripts]
    assert not any(h.startswith(f"#!{env.path}".encode()) for h in heads)
