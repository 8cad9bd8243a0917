"""The runtime environment a trial's candidate code runs with: built once, mounted read-only.

Candidate code never installs packages. The trial spec lists the Python packages its
environment provides (``environment = ["numpy", "pandas", "scikit-learn"]``); worktrial builds
that environment once, on the host and outside any sandbox, and every run of every candidate
sees it read-only at ``/env`` (how code competitions work). A submission whose
``requirements.txt`` asks for more gets a message naming the package.

How it is built:

- a virtual environment (``python -m venv --without-pip``) whose base interpreter every user
  can run, because the sandbox runs as an unprivileged user: by default the interpreter
  worktrial runs on when every folder on its path lets other users through, else
  ``/usr/bin/python3``;
- under ``<home>/envs/<key>/`` where ``key`` hashes the requirements (sorted), the base
  interpreter and its version, and the linked folders: the same trial environment is built
  once and reused by every run (a second call returns at once);
- the packages are installed by the host's pip into that environment
  (``python -m pip --python <env>/bin/python install ...``), so nothing is downloaded at run
  time and pip never runs inside a sandbox;
- console scripts are rewritten to start ``/env/bin/python``, and everything is made
  readable by other users (``a+rX``).

Offline machines: ``link_site_packages`` makes existing site-packages folders (e.g. those of
the interpreter worktrial runs on) visible inside the environment read-only, through a
``.pth`` file that points at ``/env-linked/<n>``; requirements those folders already satisfy
are not installed again. The folders must be of the same Python minor version.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from worktrial.errors import EnvironmentBuildError, SandboxError, UsageError
from worktrial.sandbox._types import Mount

Progress = Callable[[str], None]

ENV_TARGET = "/env"
"""Where the environment appears inside the sandbox."""
LINKED_TARGET = "/env-linked"
"""Linked site-packages folder ``n`` appears at ``/env-linked/<n>``."""
SANDBOX_PYTHON = f"{ENV_TARGET}/bin/python"
"""The environment's interpreter, as the sandbox sees it."""

MARKER = ".worktrial-env.json"
LAYOUT_VERSION = 1
VENV_TIMEOUT_S = 300.0
PIP_TIMEOUT_S = 3600.0
PROBE_TIMEOUT_S = 30.0
FALLBACK_PYTHON = "/usr/bin/python3"
INSTALL_HINT = (
    "install Python 3 system-wide with venv support (Debian: apt-get install python3 "
    "python3-venv) or pass a base interpreter every user can run"
)
_LINKED_PTH = "_worktrial_linked.pth"

# Import names people put in requirements files for a package under another name.
ALIASES: Mapping[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "pil": "pillow",
    "yaml": "pyyaml",
}
_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_PIN = re.compile(r"^\s*[A-Za-z0-9._-]+\s*(?:\[[^\]]*\])?\s*==\s*([A-Za-z0-9.+!_-]+)\s*$")


def default_home() -> Path:
    """worktrial's data folder: ``$WORKTRIAL_HOME``, else ``~/.local/share/worktrial``."""
    env = os.environ.get("WORKTRIAL_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "worktrial"


SHARED_RUN_HOME = Path("/var/lib/worktrial")
"""Where root keeps runtime environments and runs when its data folder is closed to other users
(the sandbox runs as an unprivileged user who must enter them)."""


def run_home_for(home: Path) -> Path:
    """``home``, or :data:`SHARED_RUN_HOME` when we are root and other users cannot enter
    ``home`` (root's home is usually mode 0700)."""
    if os.geteuid() != 0 or blocked_for_others(home) is None:
        return home
    return SHARED_RUN_HOME


def open_folder(path: Path) -> Path:
    """``path``, created with every new folder mode 0755 so the sandbox user passes through.

    Raises:
        SandboxError: a folder cannot be created.
        UsageError: ``path`` is a file.
    """
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o755)
            folder.chmod(0o755)  # mkdir's mode is masked by the umask
        except FileExistsError:
            pass
        except OSError as err:
            raise SandboxError(
                f"{folder}: cannot create the folder ({err.strerror or err})", path=str(folder)
            ) from err
    if not path.is_dir():
        raise UsageError(f"{path}: expected a folder, found a file", path=str(path))
    return path


def normalize_name(name: str) -> str:
    """A distribution name as PEP 503 compares them (``Scikit_Learn`` -> ``scikit-learn``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class RuntimeEnv:
    """A built runtime environment.

    Attributes:
        path: the environment folder on the host (mounted at ``/env``).
        python: its interpreter on the host.
        packages: every installed distribution, ``{normalized name: version}``, including
            the linked folders'.
        requirements: the requirements it was built for, sorted.
        base_python: the base interpreter (a host path every user can run).
        python_version: the base interpreter's version, e.g. ``"3.11.2"``.
        base_prefix: the base interpreter's ``sys.prefix``, mounted at the same path when it
            is outside ``/usr`` (which the sandbox always shows).
        linked: site-packages folders shown read-only at ``/env-linked/<n>``.
        key: the cache key (the folder's name).
        built_at: when it was built.
    """

    path: Path
    python: Path
    packages: dict[str, str]
    requirements: tuple[str, ...] = ()
    base_python: str = ""
    python_version: str = ""
    base_prefix: str = "/usr"
    linked: tuple[Path, ...] = ()
    key: str = ""
    built_at: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def sandbox_python(self) -> str:
        """The interpreter's path inside the sandbox."""
        return SANDBOX_PYTHON

    def mounts(self) -> list[Mount]:
        """What a sandbox run must mount for this environment (all read-only)."""
        out = [Mount(self.path, ENV_TARGET)]
        prefix = Path(self.base_prefix)
        if self.base_prefix and not _under(prefix, Path("/usr")):
            out.append(Mount(prefix, str(prefix)))
        out += [Mount(p, f"{LINKED_TARGET}/{i}") for i, p in enumerate(self.linked)]
        return out

    def sandbox_env(self) -> dict[str, str]:
        """Variables that make ``python`` (and console scripts) this environment's."""
        return {
            "PATH": f"{ENV_TARGET}/bin:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": ENV_TARGET,
            "MPLCONFIGDIR": "/tmp/matplotlib",
        }

    def describe(self, names: Sequence[str] | None = None) -> str:
        """``"numpy 2.4.6, pandas 3.0.1, scikit-learn 1.9.1"``: the requested packages (or
        ``names``) with their versions."""
        wanted = names if names is not None else [requirement_name(r) for r in self.requirements]
        shown = []
        for name in wanted:
            if not name:
                continue
            version = self.packages.get(normalize_name(name))
            shown.append(f"{name} {version}" if version else name)
        if not shown:
            shown = [f"{n} {v}" for n, v in sorted(self.packages.items())]
        return ", ".join(shown) if shown else "no packages"


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def requirement_name(line: str) -> str | None:
    """The distribution name a requirement line asks for, or None for a comment, an option
    (``-r``, ``-e``, ``--index-url``...), a bare URL or a blank line."""
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith("-") or "://" in text.split("@", 1)[0]:
        return None
    m = _NAME.match(text)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- permissions


def blocked_for_others(path: Path) -> tuple[Path, int] | None:
    """The first folder on ``path`` (or the path itself) that other users cannot pass, with
    its mode; None when every folder lets others through and the path is readable."""
    p = Path(path).absolute()
    chain = [*reversed(p.parents), p]
    for i, folder in enumerate(chain):
        try:
            st = folder.stat()
        except OSError:
            return None  # does not exist yet: creating it decides its mode
        need = stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else stat.S_IROTH
        if i == len(chain) - 1 and stat.S_ISDIR(st.st_mode):
            need |= stat.S_IROTH
        if not st.st_mode & need:
            return folder, stat.S_IMODE(st.st_mode)
    return None


def _runnable_by_others(python: Path) -> bool:
    real = Path(os.path.realpath(python))
    if not real.is_file():
        return False
    if blocked_for_others(real) is not None:
        return False
    return bool(real.stat().st_mode & stat.S_IXOTH)


def choose_base_python(base_python: str | os.PathLike[str] | None = None) -> str:
    """The base interpreter for a runtime environment: one every user can run.

    Params:
        base_python: a given interpreter (checked); by default the interpreter worktrial runs
            on (its base installation, not a virtual environment) when other users can run
            it, else ``/usr/bin/python3``.

    Raises:
        EnvironmentBuildError: naming what blocks each candidate and what to install.
    """
    if base_python is not None:
        path = Path(base_python)
        if not path.is_file():
            raise EnvironmentBuildError(
                f"base interpreter {path} does not exist; {INSTALL_HINT}",
                path=str(path),
                step="base",
            )
        if not _runnable_by_others(path):
            raise EnvironmentBuildError(
                f"base interpreter {path} cannot be run by the sandbox user: "
                f"{_why_blocked(path)}; {INSTALL_HINT}",
                path=str(path),
                step="base",
            )
        return os.path.realpath(path)
    tried: list[str] = []
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    own = Path(sys.base_prefix) / "bin" / f"python{version}"
    for candidate in (own, Path(FALLBACK_PYTHON)):
        if candidate.is_file() and _runnable_by_others(candidate):
            # the real file: a link's folder may differ from where the interpreter lives
            return os.path.realpath(candidate)
        tried.append(
            f"{candidate} ({_why_blocked(candidate) if candidate.exists() else 'not installed'})"
        )
    raise EnvironmentBuildError(
        f"no Python interpreter the sandbox user can run: tried {'; '.join(tried)}; {INSTALL_HINT}",
        step="base",
        tried=tried,
    )


def _why_blocked(path: Path) -> str:
    real = Path(os.path.realpath(path))
    blocked = blocked_for_others(real.parent)
    if blocked is not None:
        folder, mode = blocked
        return f"{folder} is mode {mode:04o} (other users may not enter it)"
    mode = stat.S_IMODE(real.stat().st_mode)
    return f"{real} is mode {mode:04o} (other users may not run it)"


@functools.cache
def _probe(python: str) -> tuple[str, str]:
    """(version, sys.prefix) of an interpreter (asked once per process)."""
    code = "import sys; print(sys.version.split()[0]); print(sys.prefix)"
    try:
        proc = subprocess.run(
            [python, "-I", "-c", code],
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
            env=_clean_env(),
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise EnvironmentBuildError(
            f"base interpreter {python} does not start: {err}", path=python, step="base"
        ) from err
    lines = proc.stdout.decode("utf-8", "replace").split("\n")
    if proc.returncode != 0 or len(lines) < 2:
        raise EnvironmentBuildError(
            f"base interpreter {python} does not start: {_last_line(proc.stderr)}",
            path=python,
            step="base",
        )
    return lines[0].strip(), lines[1].strip()


def _clean_env() -> dict[str, str]:
    # pip's own settings (PIP_INDEX_URL, PIP_FIND_LINKS, certificates...) are the machine
    # owner's choice of package source and are kept; Python's would change the interpreter.
    drop = ("PYTHON", "VIRTUAL_ENV", "CONDA")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _last_line(data: bytes) -> str:
    lines = [ln for ln in data.decode("utf-8", "replace").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "no error message"


# --------------------------------------------------------------------------- building


def _check_requirements(requirements: Sequence[str]) -> tuple[str, ...]:
    clean: list[str] = []
    for i, raw in enumerate(requirements):
        text = str(raw).strip()
        if not text:
            continue
        if text.startswith("-") or "\n" in text or requirement_name(text) is None:
            raise EnvironmentBuildError(
                f"environment[{i}] = {text!r}: expected a requirement such as 'numpy' or "
                "'scikit-learn>=1.5' (options and URLs are not allowed)",
                key=f"environment[{i}]",
                found=text,
                step="install",
            )
        clean.append(text)
    return tuple(sorted(set(clean), key=lambda r: (normalize_name(requirement_name(r) or r), r)))


def environment_key(
    requirements: Sequence[str],
    *,
    base_python: str,
    python_version: str,
    linked: Sequence[Path] = (),
) -> str:
    """The cache key of an environment: a hash of everything that changes its contents."""
    payload = json.dumps(
        {
            "layout": LAYOUT_VERSION,
            "requirements": sorted(requirements),
            "base_python": base_python,
            "python_version": python_version,
            "linked": [str(p) for p in linked],
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def installed_packages(folders: Sequence[Path]) -> dict[str, str]:
    """``{normalized name: version}`` of the distributions in site-packages ``folders``
    (read from their metadata; nothing is imported or run)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions(path=[str(f) for f in folders]):
        name = dist.metadata["Name"] if dist.metadata is not None else None
        if name:
            found.setdefault(normalize_name(name), dist.version)
    return dict(sorted(found.items()))


def _site_packages(env: Path, python_version: str) -> Path:
    minor = ".".join(python_version.split(".")[:2])
    return env / "lib" / f"python{minor}" / "site-packages"


def _satisfied(requirement: str, packages: Mapping[str, str]) -> bool:
    """Whether ``packages`` already satisfy ``requirement``: a bare name that is present, or
    an exact ``==`` pin of the present version (anything else is left to pip)."""
    name = requirement_name(requirement)
    if name is None:
        return False
    have = packages.get(normalize_name(ALIASES.get(name.lower(), name)))
    if have is None:
        return False
    text = requirement.split("#", 1)[0].split(";", 1)[0].strip()
    if re.fullmatch(r"[A-Za-z0-9._-]+(\[[^\]]*\])?", text):
        return True
    pin = _PIN.match(text)
    return pin is not None and pin.group(1) == have


def _make_readable(root: Path) -> None:
    """``chmod -R a+rX`` without following links."""
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(folder) / name
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode) | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if stat.S_ISDIR(st.st_mode) or st.st_mode & stat.S_IXUSR:
                mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
            if mode != stat.S_IMODE(st.st_mode):
                p.chmod(mode)
    root.chmod(stat.S_IMODE(root.stat().st_mode) | 0o755)


def _retarget_scripts(env: Path) -> None:
    """Console scripts start ``<host path>/bin/python``; inside the sandbox it is /env."""
    host = f"#!{env}/bin/python".encode()
    for entry in (env / "bin").iterdir():
        if entry.is_symlink() or not entry.is_file():
            continue
        with entry.open("rb") as fh:
            head = fh.read(len(host))
        if head != host:
            continue
        data = entry.read_bytes()
        entry.write_bytes(f"#!{SANDBOX_PYTHON}".encode() + data[len(host) :])


def _load_marker(env: Path) -> RuntimeEnv | None:
    try:
        raw = json.loads((env / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("layout") != LAYOUT_VERSION:
        return None
    python = env / "bin" / "python"
    if not python.exists():
        return None
    try:
        return RuntimeEnv(
            path=env,
            python=python,
            packages=dict(raw["packages"]),
            requirements=tuple(raw["requirements"]),
            base_python=str(raw["base_python"]),
            python_version=str(raw["python_version"]),
            base_prefix=str(raw["base_prefix"]),
            linked=tuple(Path(p) for p in raw["linked"]),
            key=str(raw["key"]),
            built_at=datetime.fromisoformat(raw["built_at"]),
            notes=tuple(raw.get("notes", ())),
        )
    except (KeyError, TypeError, ValueError):
        return None


def build_environment(
    requirements: Sequence[str],
    *,
    home: Path | None = None,
    base_python: str | None = None,
    link_site_packages: Sequence[Path] = (),
    pip_args: Sequence[str] = (),
    check_readable: bool | None = None,
    progress: Progress | None = None,
) -> RuntimeEnv:
    """Build (or find already built) the runtime environment for ``requirements``.

    Params:
        requirements: requirement strings, e.g. a spec's ``environment``.
        home: worktrial's data folder (default :func:`default_home`); the environment goes
            to ``<home>/envs/<key>/``.
        base_python: the base interpreter (see :func:`choose_base_python`).
        link_site_packages: site-packages folders to show inside the environment, read-only
            (for machines without access to a package index).
        pip_args: extra options for ``pip install`` (e.g. ``--no-index --find-links DIR``).
        check_readable: refuse a home other users cannot reach; by default when running as
            root (the sandbox then runs as an unprivileged user who must read it).
        progress: called with a short description of each step.

    Returns:
        The environment. A second call with the same arguments returns the cached one at once.

    Raises:
        EnvironmentBuildError: a requirement that is an option or URL, no usable base
            interpreter, a home the sandbox user cannot reach, venv or pip failing (with pip's
            last error line).
    """

    def step(text: str) -> None:
        if progress is not None:
            progress(text)

    reqs = _check_requirements(requirements)
    base = choose_base_python(base_python)
    linked = tuple(Path(p).absolute() for p in link_site_packages)
    for folder in linked:
        if not folder.is_dir():
            raise EnvironmentBuildError(
                f"linked site-packages folder {folder} does not exist",
                path=str(folder),
                step="venv",
            )
    version, prefix = _probe(base)
    key = environment_key(reqs, base_python=base, python_version=version, linked=linked)
    root = (home if home is not None else default_home()) / "envs"
    env = root / key

    cached = _load_marker(env)
    if cached is not None:
        return cached
    if check_readable if check_readable is not None else os.geteuid() == 0:
        _check_home(root)

    with _locked(root / f"{key}.lock"):
        cached = _load_marker(env)  # built by another process while we waited
        if cached is not None:
            return cached
        if env.exists() or env.is_symlink():
            shutil.rmtree(env) if env.is_dir() and not env.is_symlink() else env.unlink()
        step(f"creating the runtime environment (Python {version})")
        _run(
            [base, "-m", "venv", "--without-pip", str(env)],
            timeout=VENV_TIMEOUT_S,
            what=f"creating a virtual environment with {base}",
            step="venv",
        )
        site = _site_packages(env, version)
        if linked:
            site.mkdir(parents=True, exist_ok=True)
            lines = "".join(f"{LINKED_TARGET}/{i}\n" for i in range(len(linked)))
            (site / _LINKED_PTH).write_text(lines, encoding="utf-8")
        have = installed_packages(list(linked))
        todo = [r for r in reqs if not _satisfied(r, have)]
        notes: list[str] = []
        if linked:
            notes.append(
                f"{len(have)} packages come from linked folders "
                f"({', '.join(str(p) for p in linked)})"
            )
        if todo:
            step(f"installing {', '.join(todo)}")
            _run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "--python",
                    str(env / "bin" / "python"),
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--progress-bar",
                    "off",
                    *pip_args,
                    *todo,
                ],
                timeout=PIP_TIMEOUT_S,
                what=f"installing {', '.join(todo)}",
                step="install",
            )
            _retarget_scripts(env)
        packages = installed_packages([site, *linked])
        built = RuntimeEnv(
            path=env,
            python=env / "bin" / "python",
            packages=packages,
            requirements=reqs,
            base_python=base,
            python_version=version,
            base_prefix=prefix,
            linked=linked,
            key=key,
            built_at=datetime.now(UTC),
            notes=tuple(notes),
        )
        _make_readable(env)
        _write_marker(built)
        return built


def _check_home(root: Path) -> None:
    """Create ``root`` and check that other users can enter every folder down to it."""
    blocked = blocked_for_others(root)
    if blocked is None:
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(stat.S_IMODE(root.stat().st_mode) | 0o755)
        blocked = blocked_for_others(root)  # folders just created follow the umask
    if blocked is not None:
        folder, mode = blocked
        raise EnvironmentBuildError(
            f"runtime environments go to {root}, which the sandbox user cannot reach: "
            f"{folder} is mode {mode:04o} (other users may not enter it); set WORKTRIAL_HOME "
            "to a folder every user may enter (e.g. /var/lib/worktrial) or allow it with "
            f"chmod o+x {folder}",
            path=str(root),
            step="permissions",
        )


def _write_marker(env: RuntimeEnv) -> None:
    data = {
        "layout": LAYOUT_VERSION,
        "key": env.key,
        "requirements": list(env.requirements),
        "base_python": env.base_python,
        "python_version": env.python_version,
        "base_prefix": env.base_prefix,
        "linked": [str(p) for p in env.linked],
        "packages": env.packages,
        "built_at": env.built_at.isoformat() if env.built_at else None,
        "notes": list(env.notes),
    }
    tmp = env.path / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(env.path / MARKER)  # written last, atomically: its presence means "complete"


def _run(argv: list[str], *, timeout: float, what: str, step: str) -> None:
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as err:
        raise EnvironmentBuildError(
            f"{what} did not finish within {timeout:.0f} s", step=step
        ) from err
    except OSError as err:
        raise EnvironmentBuildError(f"{what} failed: {err}", step=step) from err
    if proc.returncode != 0:
        errors = [
            ln.strip()
            for ln in proc.stderr.decode("utf-8", "replace").splitlines()
            if ln.strip().startswith("ERROR")
        ]
        detail = errors[0] if errors else _last_line(proc.stderr)
        raise EnvironmentBuildError(
            f"{what} failed (exit code {proc.returncode}): {detail}",
            step=step,
            returncode=proc.returncode,
        )


# --------------------------------------------------------------------------- checking a repo


def missing_requirements(repo_requirements: Sequence[str], env: RuntimeEnv) -> list[str]:
    """The packages a submission's requirement lines ask for that ``env`` does not provide.

    Comments, options (``-r``, ``-e``, ``--hash``...) and bare URLs are ignored; versions are
    not compared (the environment is what it is; a pin that differs is not a missing package).

    Returns:
        The names as written, in order, each once.
    """
    missing: list[str] = []
    seen: set[str] = set()
    for line in repo_requirements:
        name = requirement_name(line)
        if name is None:
            continue
        key = normalize_name(ALIASES.get(name.lower(), name))
        if key in seen:
            continue
        seen.add(key)
        if key not in env.packages:
            missing.append(name)
    return missing


def describe_missing(
    missing: Sequence[str], env: RuntimeEnv, *, source: str = "requirements.txt"
) -> str:
    """The message for :func:`missing_requirements`' result, e.g. ``"requirements.txt asks for
    lightgbm, which this trial's environment does not provide (it has: numpy 2.4.6, ...);
    ask the company to add it or remove it"``."""
    if not missing:
        return f"{source}: every package it asks for is in this trial's environment"
    names = list(missing)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    it = "it" if len(names) == 1 else "them"
    return (
        f"{source} asks for {listed}, which this trial's environment does not provide "
        f"(it has: {env.describe()}); ask the company to add {it} or remove {it}"
    )


__all__ = [
    "ENV_TARGET",
    "SANDBOX_PYTHON",
    "RuntimeEnv",
    "blocked_for_others",
    "build_environment",
    "choose_base_python",
    "default_home",
    "describe_missing",
    "environment_key",
    "installed_packages",
    "missing_requirements",
    "normalize_name",
    "requirement_name",
]
