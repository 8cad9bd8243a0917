"""The run plan for one submission: export, test, train, predict, score, measure, rerun.

Every step is kept (:class:`StepLog`), whatever happens; a step that fails stops the steps that
need it and says why in plain words. The steps:

1. ``export`` — the submitted commit's files into a fresh job folder
   (:func:`worktrial.repo.export_commit`: no checkout, no filter, no link out of the tree).
   The sandbox makes the job folder (:meth:`Sandbox.job_folder`): where it can, a file
   system of ``Limits.disk_mb`` of its own, given back as a plain folder with its files when
   the run ends, whatever happened.
2. ``environment`` — on the host: the packages the repository's ``requirements.txt`` asks for
   that the trial's environment lacks (a warning naming them; the run goes on).
3. ``tests`` — ``python -m pytest`` in the sandbox when the repository has tests; the JUnit
   report is read on the host (counts of passed, failed, errors, skipped).
4. ``train`` — ``interface.train`` in the sandbox within the training budget (its wall-clock
   limit); the training time is the host's measure; the model size is what training created
   or changed in the job folder.
5. ``predict`` — only now are the split's hidden *features* (never labels) copied to a
   read-only folder the sandbox sees at ``/input``; ``interface.predict`` writes
   ``/job/.worktrial-run/output/predictions.csv``. Peak memory is the host's measure.
6. ``score`` — on the host: the predictions file is checked and the metrics computed with the
   hidden labels, read from the bundle only now and never copied anywhere.
7. ``latency`` — the latency harness (shipped with worktrial, mounted read-only) times the
   predict interface on batches of ``constraints.latency_batch_rows`` rows: the predict
   command per batch (interpreter start-up included, and said so), or, when the spec names a
   Python function (``interface.predict_function = "module:name"``), that function in-process.
8. ``rerun`` — when ``reproducibility.rerun`` is set: train and predict again in a fresh copy
   and compare the primary metric with the first run's.
"""

from __future__ import annotations

import dataclasses
import errno
import shlex
import shutil
import stat
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from worktrial.errors import GitCommandError, IntakeError, ScoringError, UsageError
from worktrial.repo import Repo, decode_text, export_commit
from worktrial.sandbox import DEFAULT_LIMITS, Limits, Mount, Sandbox, SandboxError, SandboxResult
from worktrial.sandbox._jobdir import TreeWalk, remove_tree
from worktrial.sandbox.environment import RuntimeEnv, describe_missing, missing_requirements
from worktrial.scoring._files import read_untrusted
from worktrial.scoring._holdout import (
    HoldoutPart,
    Split,
    holdout_part,
    read_labels,
    write_features,
)
from worktrial.scoring._junit import MAX_JUNIT_BYTES, TestCounts, parse_junit
from worktrial.scoring._metrics import score_predictions
from worktrial.scoring._predictions import (
    max_prediction_bytes,
    prediction_format,
    validate_predictions,
)
from worktrial.scoring._quota import QuotaLedger
from worktrial.scoring._report import RunReport, StepLog, StepStatus, excerpt
from worktrial.spec import TrialBundle, TrialSpec

Progress = Callable[[str], None]

RUN_DIR = ".worktrial-run"
JOB = "/job"
INPUT_TARGET = "/input"
TOOLS_TARGET = "/worktrial-tools"
INPUT_FILE = f"{INPUT_TARGET}/features.csv"
OUTPUT_FILE = f"{JOB}/{RUN_DIR}/output/predictions.csv"
JUNIT_FILE = f"{JOB}/{RUN_DIR}/junit.xml"
HARNESS = Path(__file__).with_name("_latency_harness.py")
LATENCY_MARKER = "WORKTRIAL-LATENCY "
LATENCY_CALLS = 20
LATENCY_CALL_TIMEOUT_S = 60.0
LATENCY_BUDGET_SHARE = 0.6
RUN_TOOLS = ("pytest",)
"""Packages a run needs besides the trial's own (``pytest`` runs the candidate's tests)."""
MAX_REQUIREMENTS_BYTES = 1 << 20
MAX_SNAPSHOT_ENTRIES = 200_000
_SNAPSHOT_SKIP = frozenset({RUN_DIR, "__pycache__", ".pytest_cache"})
_MB = 1024 * 1024


def environment_requirements(spec: TrialSpec) -> list[str]:
    """What to build the trial's runtime environment with: the spec's ``environment`` plus
    :data:`RUN_TOOLS` (pytest) when the spec does not list them."""
    from worktrial.sandbox.environment import normalize_name, requirement_name

    have = {normalize_name(requirement_name(r) or r) for r in spec.environment}
    return [*spec.environment, *(t for t in RUN_TOOLS if t not in have)]


def _now() -> datetime:
    return datetime.now(UTC)


def _argv(command: str, key: str, **values: str) -> list[str]:
    try:
        parts = shlex.split(command)
    except ValueError as err:
        raise ScoringError(
            f"{key} = {command!r}: not a command line ({err})", key=key, found=command
        ) from err
    if not parts:
        raise ScoringError(f"{key} is empty; expected a command", key=key)
    out = []
    for part in parts:
        for name, value in values.items():
            part = part.replace("{" + name + "}", value)
        out.append(part)
    return out


def _seconds(value: float) -> str:
    return f"{value:g} s" if value < 10 else f"{value:.0f} s"


def _last_error_line(text: str) -> str | None:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines[-30:]):
        if "Error" in ln or "error" in ln or "Exception" in ln:
            return ln[:300]
    return lines[-1][:300] if lines else None


@dataclass
class _Plan:
    """What every step of one run shares."""

    repo: Repo
    bundle: TrialBundle
    sandbox: Sandbox
    env: RuntimeEnv
    split: Split
    part: HoldoutPart
    work: Path
    limits: Limits
    progress: Progress | None
    steps: list[StepLog]
    notes: list[str]

    @property
    def spec(self) -> TrialSpec:
        return self.bundle.spec

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def env_vars(self) -> dict[str, str]:
        return self.env.sandbox_env()

    def mounts(self, *extra: Mount) -> list[Mount]:
        return [*self.env.mounts(), *extra]


def _write_log(plan: _Plan, name: str, command: str, result: SandboxResult) -> Path:
    logs = plan.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{name}.log"
    n = 2
    while path.exists():
        path = logs / f"{name}-{n}.log"
        n += 1
    path.write_text(
        f"$ {command}\n"
        f"backend: {result.backend}; ended: {result.reason} ({result.message}); "
        f"wall {result.wall_s:.3f} s; cpu {result.cpu_s:.3f} s; "
        f"peak memory {result.peak_memory_mb} MB\n"
        + "".join(f"warning: {w}\n" for w in result.warnings)
        + f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}\n",
        encoding="utf-8",
    )
    return path


def _sandbox_step(
    plan: _Plan,
    name: str,
    title: str,
    argv: Sequence[str],
    *,
    job: Path,
    limits: Limits,
    mounts: Sequence[Mount],
    verdict: Callable[[SandboxResult], tuple[StepStatus, str]],
    details: Mapping[str, Any] | None = None,
) -> tuple[StepLog, SandboxResult | None]:
    """Run one sandboxed step and keep its log, whatever happens."""
    plan.say(title)
    command = shlex.join(argv)
    started = _now()
    try:
        result = plan.sandbox.run(
            argv, job_dir=job, limits=limits, env=plan.env_vars(), mounts=mounts
        )
    except SandboxError as err:
        return (
            StepLog(
                name=name,
                title=title,
                status="error",
                verdict=f"the sandbox could not run this step: {err.message}",
                command=command,
                started_at=started,
                details=dict(details or {}),
            ),
            None,
        )
    if result.reason == "could_not_start":
        status: StepStatus = "error"
        text = f"the sandbox {result.message}"
    else:
        status, text = verdict(result)
    log_file = _write_log(plan, name, command, result)
    log, cut = excerpt(
        (f"--- stdout ---\n{result.stdout}\n" if result.stdout else "")
        + (f"--- stderr ---\n{result.stderr}\n" if result.stderr else "")
    )
    for warning in result.warnings:
        if warning not in plan.notes:
            plan.notes.append(warning)
    return (
        StepLog(
            name=name,
            title=title,
            status=status,
            verdict=text,
            command=command,
            started_at=started,
            wall_s=result.wall_s,
            cpu_s=result.cpu_s,
            peak_memory_mb=result.peak_memory_mb,
            exit_code=result.exit_code,
            signal=result.signal,
            reason=result.reason,
            message=result.message,
            backend=result.backend,
            log=log,
            truncated=cut or result.truncated,
            log_file=log_file,
            details=dict(details or {}),
        ),
        result,
    )


def _host_step(
    name: str,
    title: str,
    status: StepStatus,
    verdict: str,
    started: datetime,
    details: Mapping[str, Any] | None = None,
) -> StepLog:
    return StepLog(
        name=name,
        title=title,
        status=status,
        verdict=verdict,
        started_at=started,
        wall_s=round((_now() - started).total_seconds(), 3),
        details=dict(details or {}),
    )


def _skipped(name: str, title: str, why: str) -> StepLog:
    return StepLog(name=name, title=title, status="skipped", verdict=why)


def _failure_words(what: str, result: SandboxResult) -> str:
    text = f"{what} {result.message}"
    if result.reason in ("failed", "killed"):
        line = _last_error_line(result.stderr)
        if line:
            text += f": {line}"
    return text


# --------------------------------------------------------------------------- job folders


def _reset(folder: Path, name: str) -> Path:
    """A fresh, empty ``folder/name`` made by the host, whatever the candidate left there
    (a link, a file or a folder of the same name is removed without being followed)."""
    target = folder / name
    try:
        st = target.lstat()
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            _remove_tree(target)
        else:
            target.unlink()
    target.mkdir(mode=0o755)
    return target


def _remove_tree(target: Path) -> None:
    """Remove a folder the candidate's code shaped, however deep, never following a link.

    shutil.rmtree recurses once per level (a job that nests a thousand folders would crash
    the host side with RecursionError) and holds a descriptor per level; the job folder's
    own walk goes down and up by descriptors, two or three at a time, at any depth.
    """
    remove_tree(target)


def _export(plan: _Plan, dest: Path, name: str) -> StepLog:
    started = _now()
    title = "Copy the submitted commit into a fresh job folder"
    plan.say(title)
    room = f"the job folder holds at most {plan.limits.disk_mb} MB (Limits.disk_mb)"
    try:
        report = export_commit(plan.repo, plan.repo.head, dest)
    except (IntakeError, UsageError) as err:
        text = f"the commit cannot be run: {err.message}"
        if "No space left on device" in err.message:
            text += f"; {room}"
        return _host_step(name, title, "failed", text, started)
    except GitCommandError as err:
        return _host_step(name, title, "error", f"git could not read the commit: {err}", started)
    try:
        dest.chmod(0o755)
        _reset(dest, RUN_DIR)
        data = _place_public_data(plan.bundle, dest)
    except OSError as err:
        text = f"the host could not prepare the job folder: {err.strerror or err}"
        if err.errno == errno.ENOSPC:
            text += f"; the commit and the trial's public data do not fit in it ({room})"
        return _host_step(name, title, "error", text, started)
    skipped = [f"{s.path}: {s.reason}" for s in report.skipped]
    verdict = (
        f"copied {report.files} files ({report.bytes_written / _MB:.2f} MB) of commit "
        f"{report.commit[:12]}"
    )
    if data:
        verdict += f", and the trial's public data ({', '.join(data)})"
    if skipped:
        verdict += (
            f"; {len(skipped)} path(s) not copied ({skipped[0]}{', …' if len(skipped) > 1 else ''})"
        )
    return _host_step(
        name,
        title,
        "warning" if skipped else "passed",
        verdict,
        started,
        {
            "commit": report.commit,
            "files": report.files,
            "symlinks": report.symlinks,
            "bytes": report.bytes_written,
            "skipped": skipped[:50],
            "public_data": data,
        },
    )


def _fresh_path(root: Path, parts: tuple[str, ...]) -> Path:
    """``root/parts`` with every folder on the way a real folder and nothing at the end: what
    the commit has there (a link, a file) is removed, never followed."""
    folder = root
    for part in parts[:-1]:
        nxt = folder / part
        try:
            st = nxt.lstat()
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            nxt.unlink()
            st = None
        if st is None:
            nxt.mkdir(mode=0o755)
        folder = nxt
    target = folder / parts[-1]
    try:
        st = target.lstat()
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(target)
    else:
        target.unlink()
    return target


def _place_public_data(bundle: TrialBundle, job: Path) -> list[str]:
    """Copy the trial's public data files into the job folder at their bundle paths, as the
    candidate has them in their work tree (a repository need not commit its data). Hidden
    files are never among them."""
    placed = []
    hidden = {p.resolve() for p in bundle.hidden_files}
    for src in bundle.public_files:
        if src.resolve() in hidden:  # the bundle already refuses this; never rely on one check
            continue
        rel = src.relative_to(bundle.root)
        target = _fresh_path(job, rel.parts)
        shutil.copyfile(src, target)
        target.chmod(0o644)
        placed.append(rel.as_posix())
    return placed


# --------------------------------------------------------------------------- environment, tests


def _committed_requirements(repo: Repo) -> list[str] | None:
    entries = [e for e in repo.tree() if e.path == "requirements.txt" and e.kind == "file"]
    if not entries:
        return None
    blobs = repo.read_blobs(entries, MAX_REQUIREMENTS_BYTES)
    data = blobs.get("requirements.txt")
    text = decode_text(data) if data is not None else None
    return text.splitlines() if text is not None else None


def _environment(plan: _Plan) -> StepLog:
    started = _now()
    title = "Check the packages the submission asks for"
    lines = _committed_requirements(plan.repo)
    details = {"environment": plan.env.key, "provides": plan.env.describe()}
    if lines is None:
        return _host_step(
            "environment",
            title,
            "passed",
            f"no requirements.txt; the trial's environment provides {plan.env.describe()}",
            started,
            details,
        )
    missing = missing_requirements(lines, plan.env)
    if missing:
        return _host_step(
            "environment",
            title,
            "warning",
            describe_missing(missing, plan.env),
            started,
            {**details, "missing": missing},
        )
    return _host_step(
        "environment",
        title,
        "passed",
        f"every package requirements.txt asks for is provided ({plan.env.describe()})",
        started,
        details,
    )


def _has_tests(repo: Repo) -> bool:
    for e in repo.tree():
        base = e.path.rsplit("/", 1)[-1]
        if (
            e.kind == "file"
            and base.endswith(".py")
            and (base.startswith("test_") or base.endswith("_test.py"))
        ):
            return True
    return False


def _tests(plan: _Plan, job: Path) -> tuple[StepLog, TestCounts | None]:
    title = "Run the candidate's tests"
    if not _has_tests(plan.repo):
        return _skipped("tests", title, "no tests found (files named test_*.py or *_test.py)"), None
    if "pytest" not in plan.env.packages:
        return (
            _skipped(
                "tests",
                title,
                "the trial's environment has no pytest, so the tests were not run; ask the "
                "company to add pytest to its environment",
            ),
            None,
        )
    junit = job / RUN_DIR / "junit.xml"
    counts: list[TestCounts | None] = [None]

    def verdict(res: SandboxResult) -> tuple[StepStatus, str]:
        data = read_untrusted(junit, max_bytes=MAX_JUNIT_BYTES, root=job)
        found = parse_junit(data) if isinstance(data, bytes) else None
        counts[0] = found
        if res.reason not in ("finished", "failed"):
            return "failed", _failure_words("the tests", res)
        if res.exit_code == 5:
            return "warning", "pytest found no tests to run"
        if found is None:
            if res.ok:
                return "warning", "the tests ran but left no readable report"
            return "failed", _failure_words("the tests", res)
        if found.failed or found.errors:
            return (
                "failed",
                f"{found.failed + found.errors} of {found.total} tests failed ({found.describe()})",
            )
        if not res.ok:
            return "failed", _failure_words("pytest", res)
        return "passed", f"public checks passed: {found.describe()}"

    argv = [
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={JUNIT_FILE}",
    ]
    log, _ = _sandbox_step(
        plan,
        "tests",
        title,
        argv,
        job=job,
        limits=plan.limits,
        mounts=plan.mounts(),
        verdict=verdict,
    )
    found = counts[0]
    if found is not None:
        log = dataclasses.replace(
            log, details={**log.details, **dataclasses.asdict(found), "total": found.total}
        )
    return log, found


# --------------------------------------------------------------------------- train


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]] | str:
    """``{relative path: (size, mtime_ns, inode)}`` of the regular files under ``root``
    (links never followed, folders walked at any depth), or why they could not all be
    listed."""
    out: dict[str, tuple[int, int, int]] = {}
    walk = TreeWalk(root, prune=lambda name, _: name in _SNAPSHOT_SKIP)
    seen = 0
    try:
        with closing(walk.events()) as events:
            for event, _, name, st in events:
                if event != "entry":
                    continue
                seen += 1
                if seen > MAX_SNAPSHOT_ENTRIES:
                    return f"the job folder holds more than {MAX_SNAPSHOT_ENTRIES:,} entries"
                if stat.S_ISREG(st.st_mode):
                    out[walk.relative(name)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError as err:
        return f"the job folder could not be listed ({err.strerror or err})"
    if walk.skipped:
        where, why = walk.skipped[0]
        return f"{where} in the job folder could not be listed ({why})"
    return out


def _train_limits(plan: _Plan) -> tuple[Limits, float | None]:
    budget = plan.spec.constraints.training_time_s
    wall = budget if budget is not None else plan.limits.wall_s
    return (
        dataclasses.replace(plan.limits, wall_s=wall, cpu_s=max(plan.limits.cpu_s, wall)),
        budget,
    )


def _train(plan: _Plan, job: Path, name: str = "train") -> tuple[StepLog, float | None]:
    """Train; returns the log and the model size in MB (None when not measured)."""
    title = "Train the model" if name == "train" else "Train again in a fresh copy"
    command = plan.spec.interface.train
    assert command is not None
    limits, budget = _train_limits(plan)
    limit_words = (
        f"the budget is {_seconds(budget)}"
        if budget is not None
        else f"the run's limit is {_seconds(limits.wall_s)}"
    )
    before = _snapshot(job)

    def verdict(res: SandboxResult) -> tuple[StepStatus, str]:
        if res.reason == "timed_out":
            return "failed", f"training timed out after {_seconds(limits.wall_s)} ({limit_words})"
        if not res.ok:
            return "failed", _failure_words("training", res)
        return "passed", f"trained in {res.wall_s:.1f} s ({limit_words})"

    log, result = _sandbox_step(
        plan,
        name,
        title,
        _argv(command, "interface.train"),
        job=job,
        limits=limits,
        mounts=plan.mounts(),
        verdict=verdict,
        details={"budget_s": budget},
    )
    if result is None or not result.ok:
        return log, None
    after = _snapshot(job)
    if isinstance(before, str) or isinstance(after, str):
        why = before if isinstance(before, str) else after
        plan.notes.append(f"{why}: the model size was not measured")
        return log, None
    changed = {p: v[0] for p, v in after.items() if before.get(p) != v}
    size_mb = sum(changed.values()) / _MB
    biggest = sorted(changed.items(), key=lambda kv: -kv[1])[:10]
    log = dataclasses.replace(
        log,
        verdict=f"{log.verdict}; it wrote {len(changed)} file(s), {size_mb:.2f} MB",
        details={
            **log.details,
            "artifacts": [{"path": p, "bytes": b} for p, b in biggest],
            "artifact_files": len(changed),
            "model_size_mb": round(size_mb, 4),
        },
    )
    return log, size_mb


# --------------------------------------------------------------------------- predict and score


def _predict(plan: _Plan, job: Path, input_dir: Path, name: str = "predict") -> StepLog:
    title = (
        f"Predict on the {plan.split} split's hidden features"
        if name == "predict"
        else "Predict again with the retrained model"
    )
    # the run folder first: training may have replaced it with a link to a host folder
    try:
        _reset(_reset(job, RUN_DIR), "output")
    except OSError as err:
        return _host_step(
            name,
            title,
            "error",
            f"the host could not make a fresh output folder in the job folder: "
            f"{err.strerror or err}",
            _now(),
        )
    argv = _argv(
        plan.spec.interface.predict, "interface.predict", input=INPUT_FILE, output=OUTPUT_FILE
    )
    budget = plan.spec.constraints.peak_memory_mb

    def verdict(res: SandboxResult) -> tuple[StepStatus, str]:
        if not res.ok:
            return "failed", _failure_words("the predict command", res)
        text = f"predicted in {res.wall_s:.1f} s"
        if res.peak_memory_mb is not None:
            text += f", peak memory {res.peak_memory_mb:.0f} MB"
            if budget is not None:
                text += f" (budget {budget:g} MB)"
        return "passed", text

    log, _ = _sandbox_step(
        plan,
        name,
        title,
        argv,
        job=job,
        limits=plan.limits,
        mounts=plan.mounts(Mount(input_dir, INPUT_TARGET)),
        verdict=verdict,
    )
    return log


def _score(
    plan: _Plan, job: Path, ids: list[str], name: str = "score"
) -> tuple[StepLog, dict[str, float]]:
    started = _now()
    title = "Check the predictions and score them on the hidden labels"
    plan.say(title)
    spec = plan.spec
    fmt = prediction_format(spec)
    try:
        predictions = validate_predictions(
            job / RUN_DIR / "output" / "predictions.csv",
            ids=ids,
            id_column=spec.data.id_column,
            column=spec.interface.predictions_column,
            task=fmt.task,
            kind=fmt.kind,
            probabilities=fmt.probabilities,
            max_bytes=max_prediction_bytes(len(ids)),
            root=job,
            shown_as=OUTPUT_FILE,
        )
    except ScoringError as err:
        return _host_step(name, title, "failed", err.message, started), {}
    try:
        labels = read_labels(plan.part, ids, id_column=spec.data.id_column, target=spec.data.target)
        metrics = score_predictions(spec, predictions, labels)
    except ScoringError as err:
        return (
            _host_step(
                name, title, "error", f"the hidden labels cannot be scored: {err.message}", started
            ),
            {},
        )
    shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
    return (
        _host_step(
            name,
            title,
            "passed",
            f"{shown} on {plan.part.description} ({len(ids)} rows)",
            started,
            {"metrics": metrics, "rows": len(ids)},
        ),
        metrics,
    )


# --------------------------------------------------------------------------- latency


def _latency(
    plan: _Plan, job: Path, input_dir: Path, tools: Path
) -> tuple[StepLog, float | None, float | None, str | None]:
    spec = plan.spec
    rows = spec.constraints.latency_batch_rows
    title = f"Time the predict interface on batches of {rows} row{'s' if rows != 1 else ''}"
    function = getattr(spec.interface, "predict_function", None)
    if not isinstance(function, str) or not function:
        function = None
    tools.mkdir(mode=0o755, exist_ok=True)
    harness = tools / "latency.py"
    shutil.copyfile(HARNESS, harness)
    harness.chmod(0o644)
    argv = [
        "python",
        f"{TOOLS_TARGET}/latency.py",
        "--input",
        INPUT_FILE,
        "--batch-rows",
        str(rows),
        "--calls",
        str(LATENCY_CALLS),
        "--call-timeout",
        f"{LATENCY_CALL_TIMEOUT_S:g}",
        # stop starting calls in time to report the ones made before the wall limit
        "--budget-s",
        f"{plan.limits.wall_s * LATENCY_BUDGET_SHARE:g}",
    ]
    mode = "function" if function else "command"
    if function:
        argv += ["--function", function]
    else:
        import json

        command = _argv(spec.interface.predict, "interface.predict")
        argv += ["--command", json.dumps(command)]
    budget = spec.constraints.latency_p95_ms
    figures: dict[str, Any] = {}

    def verdict(res: SandboxResult) -> tuple[StepStatus, str]:
        if not res.ok:
            return "failed", _failure_words("the latency measurement", res)
        import json

        lines = [ln for ln in res.stdout.splitlines() if ln.startswith(LATENCY_MARKER)]
        if not lines:
            return "error", "the latency harness printed no result"
        try:
            data = json.loads(lines[-1][len(LATENCY_MARKER) :])
        except ValueError:
            return "error", "the latency harness printed a result that cannot be read"
        if data.get("error"):
            return "error", f"the latency harness failed: {data['error']}"
        times = [float(t) for t in data.get("times_ms", []) if isinstance(t, int | float)]
        failures = [str(f) for f in data.get("failures", [])]
        figures["times_ms"] = [round(t, 3) for t in times]
        figures["failures"] = failures
        figures["mode"] = mode
        if not times:
            why = failures[0] if failures else "no call finished"
            return "failed", f"the predict interface could not be timed: {why}"
        p50, p95 = (float(v) for v in np.percentile(times, [50, 95]))
        figures["p50_ms"], figures["p95_ms"] = round(p50, 3), round(p95, 3)
        how = (
            f"{len(times)} timed calls of the predict command, each a new process: interpreter "
            "start-up and imports are included"
            if mode == "command"
            else f"{len(times)} timed calls of {function} in one process: start-up and imports "
            "are not included"
        )
        text = f"p95 {p95:.1f} ms, p50 {p50:.1f} ms per call ({how})"
        if budget is not None:
            text += f"; budget p95 ≤ {budget:g} ms: {'met' if p95 <= budget else 'over'}"
        if failures:
            text += f"; {len(failures)} call(s) failed ({failures[0]})"
        return ("warning" if failures else "passed"), text

    log, _ = _sandbox_step(
        plan,
        "latency",
        title,
        argv,
        job=job,
        limits=plan.limits,
        mounts=plan.mounts(Mount(input_dir, INPUT_TARGET), Mount(tools, TOOLS_TARGET)),
        verdict=verdict,
        details={"batch_rows": rows, "calls": LATENCY_CALLS},
    )
    log = dataclasses.replace(log, details={**log.details, **figures})
    return log, figures.get("p50_ms"), figures.get("p95_ms"), mode


# --------------------------------------------------------------------------- the plan


def run_submission(
    repo: Repo,
    bundle: TrialBundle,
    *,
    sandbox: Sandbox,
    env: RuntimeEnv,
    split: Split,
    work_dir: Path,
    limits: Limits | None = None,
    quota: QuotaLedger | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Run the submission at ``repo.head`` through the trial's run plan on ``split``.

    Params:
        repo: the candidate's repository, opened at the submitted commit.
        bundle: the trial (spec, hidden holdout).
        sandbox: where candidate code runs (:func:`worktrial.sandbox.get_sandbox`).
        env: the trial's runtime environment (:func:`build_environment` with
            :func:`environment_requirements`).
        split: ``"dev"`` (the score a candidate may see) or ``"final"`` (the company's).
        work_dir: a new or empty folder for this run's job folders, logs and inputs; the
            sandbox user must be able to enter it.
        limits: the sandbox limits of each step (training gets its budget as wall limit).
        quota: for the dev split, the candidate's ledger: a run is reserved before it starts
            and given back when it fails for infrastructure reasons.
        progress: called with each step's title.

    Returns:
        The report; a submission that fails is a report with the failure in words.

    Raises:
        QuotaExceededError: the dev-split quota is used up (nothing was run).
        ScoringError: the bundle's holdout cannot be read, or a spec command is not a command
            line (the company's side; nothing was run).
        UsageError: ``work_dir`` exists and is not empty.
    """
    work = Path(work_dir)
    if work.exists() and (not work.is_dir() or any(work.iterdir())):
        raise UsageError(f"{work}: expected a new or empty folder for the run", path=str(work))
    part = holdout_part(bundle, split)
    spec = bundle.spec
    _argv(spec.interface.predict, "interface.predict")
    if spec.interface.train is not None:
        _argv(spec.interface.train, "interface.train")

    ticket = None
    if split == "dev" and quota is not None:
        ticket = quota.reserve(commit=repo.head)
    try:
        report = _run(repo, bundle, sandbox, env, split, part, work, limits, progress)
    except BaseException:
        if ticket is not None and quota is not None:
            quota.settle(ticket, counted=False, outcome="error")
        raise
    if ticket is not None and quota is not None:
        quota.settle(ticket, counted=report.counts_against_quota, outcome=report.outcome)
    return report


def _run(
    repo: Repo,
    bundle: TrialBundle,
    sandbox: Sandbox,
    env: RuntimeEnv,
    split: Split,
    part: HoldoutPart,
    work: Path,
    limits: Limits | None,
    progress: Progress | None,
) -> RunReport:
    started = _now()
    spec = bundle.spec
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    plan = _Plan(
        repo=repo,
        bundle=bundle,
        sandbox=sandbox,
        env=env,
        split=split,
        part=part,
        work=work,
        limits=limits or DEFAULT_LIMITS,
        progress=progress,
        steps=[],
        notes=[],
    )
    steps = plan.steps
    job = work / "job"
    input_dir = work / "input"
    input_dir.mkdir(mode=0o755)
    metrics: dict[str, float] = {}
    figures: dict[str, Any] = {}

    def finish() -> RunReport:
        rerun = figures.get("rerun_metrics")
        delta = figures.get("rerun_metric_delta")
        return RunReport(
            trial=spec.id,
            commit=repo.head,
            split=split,
            split_description=part.description,
            rows=figures.get("rows", 0),
            backend=getattr(sandbox, "name", "unknown"),
            isolated=bool(getattr(sandbox, "isolates", False)),
            started_at=started,
            finished_at=_now(),
            steps=tuple(steps),
            primary_metric=spec.primary_metric.name,
            metrics=metrics,
            tests=figures.get("tests"),
            training_time_s=figures.get("training_time_s"),
            latency_p50_ms=figures.get("p50"),
            latency_p95_ms=figures.get("p95"),
            latency_mode=figures.get("latency_mode"),
            latency_batch_rows=spec.constraints.latency_batch_rows
            if figures.get("p95") is not None
            else None,
            peak_memory_mb=figures.get("peak_memory_mb"),
            model_size_mb=figures.get("model_size_mb"),
            rerun_metrics=rerun,
            rerun_metric_delta=delta,
            budgets={
                k: float(v)
                for k, v in spec.constraints.model_dump().items()
                if k != "latency_batch_rows" and v is not None
            },
            tolerance=spec.reproducibility.tolerance if spec.reproducibility.rerun else None,
            environment={
                "key": env.key,
                "python": env.python_version,
                "provides": env.describe(),
            },
            notes=tuple(plan.notes),
            work_dir=work,
        )

    def rest(reason: str, *names: tuple[str, str]) -> None:
        for name, title in names:
            steps.append(_skipped(name, title, reason))

    def run_steps() -> None:
        # 1. export
        steps.append(_export(plan, job, "export"))
        if not steps[-1].ok:
            rest("not run: the commit could not be copied", ("tests", "Run the candidate's tests"))
            return
        # 2. environment (host)
        steps.append(_environment(plan))
        # 3. tests
        test_log, counts = _tests(plan, job)
        steps.append(test_log)
        figures["tests"] = counts
        # 4. train
        if spec.interface.train is not None:
            train_log, size = _train(plan, job)
            steps.append(train_log)
            if train_log.status == "passed":
                figures["training_time_s"] = train_log.wall_s
                figures["model_size_mb"] = size
            else:
                rest(
                    "not run: training did not finish",
                    ("predict", "Predict on the hidden features"),
                )
                return
        else:
            steps.append(
                _skipped(
                    "train",
                    "Train the model",
                    "the trial does not ask for training (interface.train is not set): the "
                    "committed model is used",
                )
            )
        # 5. predict: the features arrive only now, read-only, outside the job folder
        try:
            ids = write_features(
                part,
                input_dir / "features.csv",
                trial_id=spec.id,
                id_column=spec.data.id_column,
                target=spec.data.target,
                group_column=spec.data.group_column,
            )
        except ScoringError as err:
            steps.append(
                _host_step(
                    "predict",
                    "Predict on the hidden features",
                    "error",
                    f"the hidden features cannot be prepared: {err.message}",
                    _now(),
                )
            )
            return
        figures["rows"] = len(ids)
        predict_log = _predict(plan, job, input_dir)
        steps.append(predict_log)
        if predict_log.status != "passed":
            return
        figures["peak_memory_mb"] = predict_log.peak_memory_mb
        # 6. score (host): the labels are read here, never copied
        score_log, metrics_found = _score(plan, job, ids)
        steps.append(score_log)
        metrics.update(metrics_found)
        if not metrics:
            return
        # 7. latency
        lat_log, p50, p95, mode = _latency(plan, job, input_dir, work / "tools")
        steps.append(lat_log)
        figures.update(p50=p50, p95=p95, latency_mode=mode if p95 is not None else None)
        # 8. reproducibility
        if spec.reproducibility.rerun and spec.interface.train is not None:
            steps.append(_rerun(plan, work / "rerun", input_dir, ids, metrics, figures))
        elif spec.reproducibility.rerun:
            steps.append(
                _skipped("rerun", "Train again in a fresh copy", "no interface.train to rerun")
            )

    # The job folder is the sandbox's: capped where it can be, and given back as a plain
    # folder (its mount, if any, undone) however the steps end, an exception included.
    with sandbox.job_folder(job, plan.limits) as folder:
        plan.notes.extend(folder.notes)
        run_steps()
    plan.notes.extend(n for n in folder.notes if n not in plan.notes)
    return finish()


def _rerun(
    plan: _Plan,
    folder: Path,
    input_dir: Path,
    ids: list[str],
    metrics: dict[str, float],
    figures: dict[str, Any],
) -> StepLog:
    """Train and predict again in a fresh copy; compare the primary metric."""
    started = _now()
    title = "Train again in a fresh copy and compare the primary metric"
    spec = plan.spec
    primary = spec.primary_metric.name
    tol = spec.reproducibility.tolerance
    folder.mkdir(mode=0o755)
    job = folder / "job"
    sub: list[StepLog] = []
    again: dict[str, float] = {}
    failed: str | None = None
    with plan.sandbox.job_folder(job, plan.limits) as job_folder:
        export = _export(plan, job, "rerun-export")
        sub.append(export)
        failed = None if export.ok else export.verdict
        if failed is None:
            train, _ = _train(plan, job, "rerun-train")
            sub.append(train)
            if train.status != "passed":
                failed = train.verdict
        if failed is None:
            predict = _predict(plan, job, input_dir, "rerun-predict")
            sub.append(predict)
            if predict.status != "passed":
                failed = predict.verdict
        if failed is None:
            score, again = _score(plan, job, ids, "rerun-score")
            sub.append(score)
            if not again:
                failed = score.verdict
    plan.notes.extend(n for n in job_folder.notes if n not in plan.notes)
    details = {"steps": [s.to_dict() for s in sub], "tolerance": tol}
    infra = any(s.status == "error" for s in sub)
    if failed is not None:
        figures["rerun_metric_delta"] = float("nan")
        return _host_step(
            "rerun",
            title,
            "error" if infra else "failed",
            f"the rerun did not produce a {primary}: {failed}",
            started,
            details,
        )
    delta = again[primary] - metrics[primary]
    figures["rerun_metrics"] = again
    figures["rerun_metric_delta"] = delta
    within = abs(delta) <= tol
    return _host_step(
        "rerun",
        title,
        "passed" if within else "failed",
        f"retrained in a fresh copy: {primary} {again[primary]:.4g} against {metrics[primary]:.4g} "
        f"(difference {abs(delta):.4g}, {'within' if within else 'outside'} the tolerance {tol:g})",
        started,
        {**details, "metrics": again, "delta": delta},
    )


__all__ = ["RUN_TOOLS", "environment_requirements", "run_submission"]
