"""Hostile candidate repositories, run for real through the run plan in the bwrap sandbox.

Every case is a repository built on the classification template's starter kit with hostile
code committed on top, run by ``run_submission(..., sandbox=get_sandbox("bwrap"),
split="final")``. Each asserts its verdict (the outcome, the failing step's words, metrics
present or absent) and, through :func:`_run`, four things about the host:

- the hidden labels never reach the run's folder: no file under ``work_dir`` (job folder,
  logs, inputs) nor any text of the report holds the labels file, its header with its first
  row, or a run of consecutive label rows that includes a row of the dev split (a run of
  final-split rows alone is what a good model's predictions look like);
- the host is unaffected: the trial bundle, the runtime environment and a sentinel folder are
  byte for byte as before, and nothing the hostile code names appears on the host;
- no process of the sandbox survives the run (every train and predict process carries a
  marker word on its command line: the trial's commands run ``python -X <marker> ...``);
- the next run works: a good submission scores after the worst cases and at the end.

The hostile code knows the host's layout (the labels' absolute path, the bundle, the work
folder): a candidate could guess all of it, so the suite assumes the strongest guesser.

The runtime environment is built offline as in test_run_bwrap.py (a venv on /usr/bin/python3
with this interpreter's site-packages linked read-only). Skipped when bubblewrap is missing
or cannot make a sandbox, except in CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hostile_support import (
    GOOD_TEST,
    GOOD_TRAIN,
    MARKER,
    WRITE_ONES,
    FileContent,
    digest_tree,
    label_needles,
    leaks,
    make_candidate,
    open_repo,
    predict_code,
    processes_with,
    remove_tree,
    train_code,
)

from worktrial._pipeline import evaluate_repo
from worktrial.report._scorecard import RedFlagCard
from worktrial.sandbox import Limits, Sandbox, bwrap_problem, get_sandbox
from worktrial.sandbox.environment import RuntimeEnv, blocked_for_others, build_environment
from worktrial.scoring import RunReport, environment_requirements, holdout_part, run_submission
from worktrial.scoring._holdout import write_features
from worktrial.spec import TrialBundle, new_from_template
from worktrial.testing import Symlink

pytestmark = pytest.mark.slow

OUTPUT = "/job/.worktrial-run/output/predictions.csv"
CHECKOUT = Path(__file__).resolve().parents[2]  # worktrial's own source tree
TRAINING_BUDGET_S = 20
# Small enough that no case can hurt a shared machine, large enough for pandas and
# scikit-learn (the good submission, the latency harness).
LIMITS = Limits(
    wall_s=60,
    cpu_s=30,
    memory_mb=1536,
    file_size_mb=16,
    processes=96,
    output_bytes=100_000,
    tmp_mb=32,
)


@dataclass(frozen=True)
class Lab:
    """What every case shares: the trial, its environment, the host paths to watch."""

    root: Path
    bundle: TrialBundle
    env: RuntimeEnv
    sandbox: Sandbox
    ids: tuple[str, ...]
    features: bytes
    labels_path: Path
    needles: tuple[bytes, ...]
    host_dir: Path
    watched: Mapping[Path, str] = field(default_factory=dict)

    @property
    def all_ones(self) -> dict[str, float]:
        """The metrics of predicting 1 for every final-split row, computed here."""
        rows = self.labels_path.read_text().split()[1:]
        labels = dict(r.split(",") for r in rows)
        positives = sum(labels[i] == "1" for i in self.ids)
        precision = positives / len(self.ids)
        return {"recall": 1.0, "precision": precision, "f1": 2 * precision / (1 + precision)}


@dataclass(frozen=True)
class Run:
    report: RunReport
    work: Path

    @property
    def job(self) -> Path:
        return self.work / "job"

    def probe(self, name: str) -> Any:
        """What the hostile code wrote down in /job/probe/NAME.json."""
        return json.loads((self.job / "probe" / f"{name}.json").read_text())

    def statuses(self) -> dict[str, str]:
        return {s.name: s.status for s in self.report.steps}

    def verdict(self, name: str) -> str:
        step = self.report.step(name)
        assert step is not None, (name, self.statuses())
        return step.verdict


def _require_bwrap() -> None:
    problem = bwrap_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the bwrap sandbox is unusable: {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    _require_bwrap()
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    blocked = blocked_for_others(site)
    if blocked is not None:
        pytest.skip(
            f"this interpreter's site-packages ({site}) cannot be read by the sandbox user: "
            f"{blocked[0]} is mode {blocked[1]:04o}"
        )
    if not Path("/usr/bin/python3").is_file():
        pytest.skip("needs a system-wide /usr/bin/python3 for the sandbox's environment")

    root = Path(tempfile.mkdtemp(prefix="worktrial-hostile-", dir="/tmp"))
    root.chmod(0o755)
    try:
        bundle = new_from_template("classification", root / "bundle")
        spec = bundle.spec
        interface = spec.interface.model_copy(
            update={
                "train": f"python -X {MARKER} -m src.train",
                "predict": f"python -X {MARKER} -m src.predict {{input}} {{output}}",
            }
        )
        spec = spec.model_copy(
            update={
                "interface": interface,
                "constraints": spec.constraints.model_copy(
                    update={"training_time_s": TRAINING_BUDGET_S}
                ),
                "reproducibility": spec.reproducibility.model_copy(update={"rerun": False}),
            }
        )
        bundle = dataclasses.replace(bundle, spec=spec)
        env = build_environment(
            environment_requirements(spec),
            home=root / "home",
            base_python="/usr/bin/python3",
            link_site_packages=[site],
        )
        minor = ".".join(env.python_version.split(".")[:2])
        if minor != f"{sys.version_info.major}.{sys.version_info.minor}":
            pytest.skip(
                f"/usr/bin/python3 is Python {minor}; the linked packages are built for "
                f"{sys.version_info.major}.{sys.version_info.minor}"
            )
        host_dir = root / "host"
        host_dir.mkdir()
        (host_dir / "sentinel.txt").write_text("the host's own file\n")
        expected = host_dir / "expected-features.csv"
        ids = write_features(
            holdout_part(bundle, "final"),
            expected,
            trial_id=spec.id,
            id_column=spec.data.id_column,
            target=spec.data.target,
        )
        labels_path = bundle.files_with_role("holdout_labels")[0]
        watched = {p: digest_tree(p) for p in (bundle.root, env.path, host_dir)}
        yield Lab(
            root=root,
            bundle=bundle,
            env=env,
            sandbox=get_sandbox("bwrap"),
            ids=tuple(ids),
            features=expected.read_bytes(),
            labels_path=labels_path,
            needles=tuple(label_needles(labels_path.read_bytes(), ids)),
            host_dir=host_dir,
            watched=watched,
        )
    finally:
        remove_tree(root)


def _host_module(lab: Lab) -> str:
    """``src/host.py``: the host's layout, as a perfect guesser would know it."""
    values = {
        "LABELS": str(lab.labels_path),
        "BUNDLE": str(lab.bundle.root),
        "ROOT": str(lab.root),
        "HOST_DIR": str(lab.host_dir),
        "ENV": str(lab.env.path),
        "MARKER": MARKER,
        "CHECKOUT": str(CHECKOUT),
    }
    return "".join(f"{k} = {v!r}\n" for k, v in values.items())


def _texts(value: object) -> Iterator[str]:
    """Every string in a report's dict (verdicts, logs, details), however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _texts(v)


def _run(
    lab: Lab,
    name: str,
    files: Mapping[str, FileContent],
    *,
    limits: Limits = LIMITS,
    spec_update: Mapping[str, Any] | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> Run:
    """Build the candidate ``name``, run it on the final split, check the host, return it."""
    case = lab.root / "cases" / name
    builder = make_candidate(
        lab.bundle,
        case / "repo",
        {"src/host.py": _host_module(lab), **files},
        f"Hostile submission: {name}",
    )
    if prepare is not None:
        prepare(builder.path)
    bundle = lab.bundle
    if spec_update:
        bundle = dataclasses.replace(bundle, spec=bundle.spec.model_copy(update=spec_update))
    work = case / "work"
    report = run_submission(
        open_repo(builder),
        bundle,
        sandbox=lab.sandbox,
        env=lab.env,
        split="final",
        work_dir=work,
        limits=limits,
    )
    assert report.backend == "bwrap" and report.isolated
    # the hidden labels never reached the run's side
    assert leaks(work, lab.needles) == []
    shown = "\n".join([*_texts(report.to_dict()), report.summary()])
    assert not any(n.decode() in shown for n in lab.needles)
    # the host is unaffected
    for path, digest in lab.watched.items():
        assert digest_tree(path) == digest, f"{path} changed"
    assert [p for p in Path("/tmp").iterdir() if MARKER in p.name] == []
    assert [p for p in Path("/").iterdir() if MARKER in p.name] == []
    # nothing the run started is still running
    assert processes_with(MARKER) == []
    return Run(report, work)


def _scored_like_all_ones(lab: Lab, run: Run) -> None:
    """The run was scored, and its metrics are those of predicting 1 everywhere: the hostile
    code learnt nothing about the labels."""
    statuses = run.statuses()
    assert run.report.outcome == "scored", (run.report.summary(), statuses)
    assert run.report.metrics == pytest.approx(lab.all_ones)
    assert run.report.metrics["precision"] < 0.5
    assert statuses["predict"] == "passed" and statuses["score"] == "passed"


def _failed_at(run: Run, name: str, verdict: str | re.Pattern[str], *, first: bool = True) -> None:
    """The run failed at step ``name`` with ``verdict`` (exact text, or a pattern matched
    in full) and no metric was computed; with ``first``, that is the run's problem (the
    first failure, which the summary shows)."""
    report = run.report
    step = report.step(name)
    assert step is not None, run.statuses()
    assert step.status == "failed", (name, step.status, step.verdict)
    if isinstance(verdict, str):
        assert step.verdict == verdict
    else:
        assert verdict.fullmatch(step.verdict), step.verdict
    assert report.outcome == "failed" and report.metrics == {}
    assert report.summary().startswith(f"No score on {report.split_description}")
    if first:
        assert report.problem == step.verdict
        assert f": {step.verdict}." in report.summary()


def _red_flags(lab: Lab, run: Run) -> dict[str, RedFlagCard]:
    """The red flags of the case's scorecard made with its run: the rubric reads the run's
    logs and the committed code for attempts on the network and the hidden holdout."""
    card = evaluate_repo(run.work.parent / "repo", spec=lab.bundle.spec, run=run.report)
    return {f.id: f for f in card.red_flags}


def _line_of(run: Run, path: str, text: str) -> int:
    """The number of the first line of the case's committed ``path`` that contains ``text``."""
    lines = (run.work.parent / "repo" / path).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# =========================================================================== the checks themselves


def test_the_leak_check_finds_copies_of_the_labels_not_good_predictions(lab: Lab) -> None:
    folder = lab.root / "cases" / "leak-check"
    (folder / "deep").mkdir(parents=True)
    labels = lab.labels_path.read_bytes()
    rows = dict(line.split(",") for line in labels.decode().split()[1:])
    perfect = "id,prediction\n" + "".join(f"{i},{rows[i]}\n" for i in lab.ids)
    (folder / "perfect.csv").write_text(perfect)  # a flawless model: not a leak
    assert leaks(folder, lab.needles) == []
    body = labels.split(b"\n", 1)[1]
    (folder / "deep" / "copy.bin").write_bytes(b"\0" * (5 << 20) + body[:200])
    (folder / "whole.csv").write_bytes(labels)
    assert sorted(leaks(folder, lab.needles)) == [
        str(folder / "deep" / "copy.bin"),
        str(folder / "whole.csv"),
    ]


# =========================================================================== the hidden labels


def test_labels_by_path_guessing(lab: Lab) -> None:
    guesses = [
        "../hidden/holdout_labels.csv",
        "../../hidden/holdout_labels.csv",
        "/hidden/holdout_labels.csv",
        "/hidden",
        "/bundle/hidden/holdout_labels.csv",
        "/work",
        "/root",
        "/home",
    ]
    body = f"""
    from src import host
    paths = {guesses!r} + [host.LABELS, host.BUNDLE, host.ROOT, host.HOST_DIR, host.CHECKOUT]
    record(stage, attempt(read, paths))
    record(stage + "-tmp", outcome(read, "/tmp"))
    """
    run = _run(
        lab,
        "labels-by-path-guessing",
        {
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    host = [str(lab.labels_path), str(lab.bundle.root), str(lab.root), str(lab.host_dir)]
    host.append(str(CHECKOUT))
    for stage in ("train", "predict"):
        assert run.probe(stage) == dict.fromkeys([*guesses, *host], "ENOENT")
        assert run.probe(f"{stage}-tmp") == "listed: "  # the sandbox's own, empty /tmp
    # the scorecard says someone tried, and where: the probes printed nothing, the code tells
    flag = _red_flags(lab, run)["holdout_access"]
    predict = _line_of(run, "src/predict.py", "paths = ")
    train = _line_of(run, "src/train.py", "paths = ")
    assert flag.detail == (
        f"Code names a hidden file: {lab.labels_path} at src/host.py:1, "
        f"../hidden/holdout_labels.csv at src/predict.py:{predict}, "
        f"../../hidden/holdout_labels.csv at src/predict.py:{predict} (and 6 more)."
    )
    assert [(e.kind, e.ref) for e in flag.evidence] == [
        ("file", "src/host.py:1"),
        ("file", f"src/predict.py:{predict}"),
        ("file", f"src/train.py:{train}"),
    ]


def test_labels_via_proc(lab: Lab) -> None:
    body = """
    from src import host
    me = os.getpid()
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    found = {"pids": len(pids)}
    for pid in pids:
        who = "self" if pid == me else pid
        for part in ("cwd", "root", "exe"):
            found[f"{who}/{part}"] = outcome(os.readlink, f"/proc/{pid}/{part}")
        found[f"{who}/environ-has-hidden"] = outcome(
            lambda p: "hidden" in open(p, "rb").read().decode(errors="replace"),
            f"/proc/{pid}/environ",
        )
    found["1/root-listing"] = outcome(read, "/proc/1/root/")
    found["1/cwd-listing"] = outcome(read, "/proc/1/cwd/")
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        fds[fd] = outcome(os.readlink, f"/proc/self/fd/{fd}")
    found["fds"] = fds
    roots = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            roots.append([fields[3], fields[4]])
    found["mounts"] = roots
    guesses = []
    for root, _point in roots:
        for up in ("..", "../..", "../../.."):
            guesses += [f"{root}/{up}/hidden/holdout_labels.csv", f"{root}/{up}/bundle/hidden"]
    found["guesses"] = sorted(set(outcome(read, g) for g in guesses + [host.LABELS]))
    found["proc-1-root-guess"] = outcome(read, "/proc/1/root" + host.LABELS)
    record(stage, found)
    """
    run = _run(
        lab,
        "labels-via-proc",
        {
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    hidden_paths = (str(lab.bundle.root), str(lab.labels_path.parent), "hidden", "holdout")
    for stage in ("train", "predict"):
        found = run.probe(stage)
        assert found["pids"] == 2  # bwrap's pid 1 and this process: no host process
        assert found["1/exe"] == "/usr/bin/bwrap" and found["self/root"] == "/"
        assert not any(v for k, v in found.items() if k.endswith("environ-has-hidden"))
        top = set(found["1/root-listing"].removeprefix("listed: ").split())
        assert {"job", "env", "env-linked", "proc", "tmp", "usr"} <= top
        assert top <= {
            "bin",
            "dev",
            "env",
            "env-linked",
            "etc",
            "input",
            "job",
            "lib",
            "lib32",
            "lib64",
            "libx32",
            "proc",
            "sbin",
            "tmp",
            "usr",
        }
        assert ("input" in top) == (stage == "predict")  # the features arrive only to predict
        points = {point: root for root, point in found["mounts"]}
        # as root the job folder is a tmpfs of its own (its size cap): the table shows its root
        assert points["/job"] == ("/" if os.geteuid() == 0 else str(run.job))
        assert not any(h in root for root in points.values() for h in hidden_paths)
        if stage == "predict":
            assert points["/input"] == str(run.work / "input")
        # the mount table names host folders, but none of them can be opened from inside
        assert found["guesses"] == ["ENOENT"] and found["proc-1-root-guess"] == "ENOENT"
        fds = found["fds"]
        assert fds["0"] == "/dev/null" and fds["3"] == "ENOENT"  # 3: the listing's own
        assert set(fds) == {"0", "1", "2", "3"}, fds  # nothing inherited from the host
        assert fds["1"].startswith("pipe:") and fds["2"].startswith("pipe:")


def test_labels_via_environment_variables(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    # the host's own environment holds secrets: none may reach the sandbox
    monkeypatch.setenv("WORKTRIAL_HIDDEN_LABELS", str(lab.labels_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://scorer:s3cret@127.0.0.1:5432/trials")
    body = """
    found = {"environ": dict(os.environ)}
    for path in ("/proc/self/environ", "/proc/1/environ"):
        found[path] = outcome(lambda p: open(p, "rb").read().decode(errors="replace"), path)
    record(stage, found)
    """
    run = _run(
        lab,
        "labels-via-environment",
        {
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    for stage in ("train", "predict"):
        found = run.probe(stage)
        assert found["environ"].pop("PWD", "/job") == "/job"  # bwrap may set it
        assert found["environ"] == {
            "PATH": "/env/bin:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "VIRTUAL_ENV": "/env",
            "MPLCONFIGDIR": "/tmp/matplotlib",
        }
        assert found["/proc/1/environ"] == ""  # bwrap itself starts with nothing
        for secret in ("s3cret", "WORKTRIAL", str(lab.root), "hidden"):
            assert secret not in found["/proc/self/environ"]


def test_labels_via_parent_folders(lab: Lab) -> None:
    body = """
    from src import host
    found = {"up": [], "named": []}
    path = os.getcwd()
    for _ in range(6):
        path = os.path.dirname(path) or "/"
        found["up"].append(outcome(read, path))
    wanted = {"holdout_labels.csv", "holdout_features.csv", os.path.basename(host.ROOT)}
    for here, dirs, names in os.walk("/"):
        if here == "/":
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        found["named"] += [os.path.join(here, n) for n in dirs + names if n in wanted]
    found["named"].sort()
    record(stage, found)
    """
    run = _run(
        lab,
        "labels-via-parent-folders",
        {
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    for stage in ("train", "predict"):
        found = run.probe(stage)
        # /job's parent is the sandbox's own root, and nothing above it
        assert len(set(found["up"])) == 1 and "job" in found["up"][0].split(), found["up"]
        assert found["named"] == []


def test_symlink_to_the_labels_absolute_path(lab: Lab) -> None:
    labels = str(lab.labels_path)
    body = """
    record(stage, attempt(read, ["labels/holdout_labels.csv", "src/labels.csv"]))
    """
    run = _run(
        lab,
        "symlink-to-labels",
        {
            "labels/holdout_labels.csv": Symlink(labels),
            "src/labels.csv": Symlink(labels),
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    export = run.report.step("export")
    assert export is not None and export.status == "warning"
    assert export.details["skipped"] == [
        f"labels/holdout_labels.csv: symbolic link to {labels} points outside the tree",
        f"src/labels.csv: symbolic link to {labels} points outside the tree",
    ]
    assert export.verdict.endswith(
        f"; 2 path(s) not copied (labels/holdout_labels.csv: symbolic link to {labels} points "
        "outside the tree, …)"
    )
    for stage in ("train", "predict"):
        assert run.probe(stage) == {
            "labels/holdout_labels.csv": "ENOENT",
            "src/labels.csv": "ENOENT",
        }


def test_symlinks_up_the_tree(lab: Lab) -> None:
    body = """
    record(stage, attempt(read, [
        "up/hidden/holdout_labels.csv", "up", "src/escape/hidden", "parent", "inside",
    ]))
    """
    run = _run(
        lab,
        "symlinks-up-the-tree",
        {
            "up": Symlink("../../.."),
            "parent": Symlink(".."),
            "src/escape": Symlink("../../../../bundle"),
            "inside": Symlink("src"),  # inside the tree: kept
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    export = run.report.step("export")
    assert export is not None and export.status == "warning"
    assert sorted(export.details["skipped"]) == [
        "parent: symbolic link to .. points outside the tree",
        "src/escape: symbolic link to ../../../../bundle points outside the tree",
        "up: symbolic link to ../../.. points outside the tree",
    ]
    assert export.details["symlinks"] == 1
    assert (run.job / "inside").readlink() == Path("src")
    for stage in ("train", "predict"):
        found = run.probe(stage)
        assert {k: v for k, v in found.items() if k != "inside"} == {
            "up/hidden/holdout_labels.csv": "ENOENT",
            "up": "ENOENT",
            "src/escape/hidden": "ENOENT",
            "parent": "ENOENT",
        }
        assert "train.py" in found["inside"].split()


# =========================================================================== the network


def test_network_is_unreachable(lab: Lab) -> None:
    body = """
    import socket

    def connect(address):
        host, port = address.rsplit(":", 1)
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
        except OSError as exc:
            print(f"{address}: {exc}", file=sys.stderr)
            raise
        return "connected"

    def resolve(name):
        try:
            socket.getaddrinfo(name, 443)
        except socket.gaierror as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return "gaierror"
        return "resolved"

    def udp(address):
        host, port = address.rsplit(":", 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"hello", (host, int(port)))
        return "sent"

    found = attempt(connect, [
        "127.0.0.1:5432", "127.0.0.1:6379", "127.0.0.1:5672", "1.1.1.1:443", "93.184.215.14:80",
    ])
    found["dns"] = attempt(resolve, ["example.com", "pypi.org"])
    found["udp"] = attempt(udp, ["8.8.8.8:53"])
    found["interfaces"] = [name for _, name in socket.if_nameindex()]
    record("network", found)
    """
    run = _run(lab, "network", {"src/train.py": train_code(body)})
    _scored_like_all_ones(lab, run)
    assert run.probe("network") == {
        # the host's PostgreSQL, Redis and RabbitMQ listen on the host's loopback, not this one
        "127.0.0.1:5432": "ECONNREFUSED",
        "127.0.0.1:6379": "ECONNREFUSED",
        "127.0.0.1:5672": "ECONNREFUSED",
        "1.1.1.1:443": "ENETUNREACH",
        "93.184.215.14:80": "ENETUNREACH",
        "dns": {"example.com": "gaierror", "pypi.org": "gaierror"},
        "udp": {"8.8.8.8:53": "ENETUNREACH"},
        "interfaces": ["lo"],
    }
    # the scorecard shows the refusals training printed, and the calls in the code
    train = run.report.step("train")
    assert train is not None
    assert "1.1.1.1:443: [Errno 101] Network is unreachable" in train.log
    assert re.search(r"example\.com: \[Errno -[235]\] ", train.log), train.log
    flag = _red_flags(lab, run)["network_attempt"]
    refused = "127.0.0.1:5432: [Errno 111] Connection refused"
    calls = [
        ("socket.create_connection", "socket.create_connection("),
        ("socket.getaddrinfo", "socket.getaddrinfo("),
        ("s.sendto", "s.sendto("),
    ]
    at = [f"{what} at src/train.py:{_line_of(run, 'src/train.py', text)}" for what, text in calls]
    assert flag.detail == (
        f'Tried to reach the network during training, and the sandbox refused it: "{refused}"; '
        f"code on the train or predict path calls the network: {', '.join(at)}."
    )
    assert (flag.evidence[0].kind, flag.evidence[0].ref, flag.evidence[0].note) == (
        "run",
        "train",
        refused,
    )


# =========================================================================== bombs


def test_fork_bomb_in_train(lab: Lab) -> None:
    run = _run(
        lab,
        "fork-bomb",
        {"src/train.py": train_code("while True:\n    os.fork()")},
        limits=dataclasses.replace(LIMITS, processes=32),
    )
    _failed_at(
        run,
        "train",
        "training crashed with exit code 1: "
        "BlockingIOError: [Errno 11] Resource temporarily unavailable",
    )
    assert run.statuses()["predict"] == "skipped"


def test_memory_hog_in_predict(lab: Lab) -> None:
    run = _run(
        lab,
        "memory-hog",
        {
            "src/predict.py": predict_code(
                "hoard = []\nwhile True:\n    hoard.append(b'x' * (16 << 20))"
            )
        },
        limits=dataclasses.replace(LIMITS, memory_mb=256),
    )
    _failed_at(run, "predict", "the predict command ran out of memory (limit 256 MB)")
    step = run.report.step("predict")
    assert step is not None and step.peak_memory_mb is not None
    assert 100 < step.peak_memory_mb <= 256


def test_disk_fill_in_the_job_folder(lab: Lab) -> None:
    run = _run(
        lab,
        "disk-fill-job",
        {
            "src/train.py": train_code(
                "with open('/job/fill', 'wb') as fh:\n"
                "    while True:\n"
                "        fh.write(b'x' * (1 << 20))"
            )
        },
        limits=dataclasses.replace(LIMITS, file_size_mb=8),
    )
    _failed_at(run, "train", "training wrote a file larger than the limit (8 MB)")
    assert (run.job / "fill").stat().st_size == 8 << 20


def test_disk_fill_of_tmp(lab: Lab) -> None:
    run = _run(
        lab,
        "disk-fill-tmp",
        {
            "src/train.py": train_code(
                "for i in range(1000):\n"
                "    with open(f'/tmp/fill-{i}', 'wb') as fh:\n"
                "        fh.write(b'x' * (1 << 20))"
            )
        },
        limits=dataclasses.replace(LIMITS, tmp_mb=16),
    )
    _failed_at(
        run,
        "train",
        "training crashed with exit code 1; it ran out of disk space (No space left on device)"
        ": OSError: [Errno 28] No space left on device",
    )


def test_disk_fill_with_many_files_under_the_file_limit(lab: Lab) -> None:
    # each file is under Limits.file_size_mb; their sum is over Limits.disk_mb
    limits = dataclasses.replace(LIMITS, file_size_mb=4, disk_mb=16)
    run = _run(
        lab,
        "disk-fill-many-files",
        {
            "src/train.py": train_code(
                "for i in range(10):\n"
                "    with open(f'/job/fill-{i}', 'wb') as fh:\n"
                "        fh.write(b'x' * (3 << 20))"
            )
        },
        limits=limits,
    )
    assert _job_mounts() == []  # the job folder's file system is gone after a failed run
    written = sum(p.stat().st_size for p in run.job.glob("fill-*"))
    if os.geteuid() == 0:
        # the job folder is a 16 MB file system of its own: the write past it failed
        _failed_at(
            run, "train", "training ran out of disk space: the job folder is full (limit 16 MB)"
        )
        assert written <= limits.disk_mb << 20, f"{written} bytes written"
    else:
        # without root the job folder is only measured, and the report says so
        _failed_at(run, "train", "training wrote more than the job folder may hold (limit 16 MB)")
        assert any("measuring it while each step runs" in n for n in run.report.notes)


def _job_mounts() -> list[str]:
    """The job folder mounts this process made (/proc/self/mountinfo names each after the
    process that made it; other runs on the machine make their own)."""
    lines = Path("/proc/self/mountinfo").read_text().splitlines()
    return [line for line in lines if f" worktrial-job-{os.getpid()}-" in line]


def test_cpu_spin_in_predict(lab: Lab) -> None:
    run = _run(
        lab,
        "cpu-spin",
        {"src/predict.py": predict_code("while True:\n    pass")},
        limits=dataclasses.replace(LIMITS, cpu_s=2),
    )
    _failed_at(run, "predict", "the predict command used up its CPU time (limit 2 s per process)")


def test_sleeping_forever_in_train(lab: Lab) -> None:
    constraints = lab.bundle.spec.constraints.model_copy(update={"training_time_s": 2})
    run = _run(
        lab,
        "sleep-forever",
        {"src/train.py": train_code("os.fork()\ntime.sleep(3600)")},
        spec_update={"constraints": constraints},
    )
    _failed_at(run, "train", "training timed out after 2 s (the budget is 2 s)")
    assert run.report.training_time_s is None


def test_a_daemon_does_not_outlive_training(lab: Lab) -> None:
    train = """
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            with open("/proc/self/cmdline", "rb") as fh:
                record("daemon", fh.read().decode().split("\\0"))
            beat = 0  # the daemon: a heartbeat in the job folder, for an hour
            while beat < 72000:
                beat += 1
                with open("/job/heartbeat", "w") as fh:
                    fh.write(str(beat))
                time.sleep(0.05)
        os._exit(0)
    os.waitpid(pid, 0)
    while not os.path.exists("/job/heartbeat"):
        time.sleep(0.01)
    time.sleep(0.3)
    """
    predict = """
    before = open("/job/heartbeat").read()
    time.sleep(0.5)
    after = open("/job/heartbeat").read()
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    record("heartbeat", {"before": before, "after": after, "processes": len(pids)})
    write_rows(out, [(i, 1) for i in ids])
    """
    run = _run(
        lab,
        "daemon",
        {"src/train.py": train_code(train), "src/predict.py": predict_code(predict)},
    )
    _scored_like_all_ones(lab, run)
    beat = run.probe("heartbeat")
    assert int(beat["before"]) >= 2  # the daemon did run during training...
    assert beat["after"] == beat["before"]  # ...and was gone before predict started
    assert beat["processes"] == 2  # bwrap's pid 1 and predict itself
    final = (run.job / "heartbeat").read_text()
    assert final == beat["before"]
    # the daemon carried the marker the survivor check of _run looks for
    assert run.probe("daemon")[:3] == ["python", "-X", MARKER]


def test_gigabytes_on_stdout(lab: Lab) -> None:
    run = _run(
        lab,
        "stdout-flood",
        {
            "src/train.py": train_code(
                "while True:\n    sys.stdout.buffer.write(b'y' * (1 << 20))", save=False
            )
        },
    )
    _failed_at(
        run,
        "train",
        re.compile(
            r"training stopped after printing more than 10,000,000 bytes \(printed [\d,]+; "
            r"100,000 bytes per stream are kept\)"
        ),
    )
    step = run.report.step("train")
    assert step is not None and step.truncated and step.log_file is not None
    assert step.log_file.stat().st_size < 300_000  # the host kept the ends, not the flood


# =========================================================================== the next run works


def _check_good_submission(lab: Lab, name: str) -> None:
    """A plain, honest submission (the template's baseline model) still scores, every step
    passing, after the hostile runs before it."""
    starter_predict = (lab.bundle.starter_dir / "src" / "predict.py").read_text()
    run = _run(
        lab,
        name,
        {
            "src/train.py": GOOD_TRAIN,
            "src/predict.py": starter_predict,
            "tests/test_data.py": GOOD_TEST,
        },
    )
    report = run.report
    assert report.outcome == "scored", (report.summary(), run.statuses())
    assert run.statuses() == {
        "export": "passed",
        "environment": "passed",
        "tests": "passed",
        "train": "passed",
        "predict": "passed",
        "score": "passed",
        "latency": "passed",
    }
    baseline = lab.bundle.spec.primary_metric.baseline
    assert baseline is not None
    assert abs(report.metrics["recall"] - baseline) <= 0.02, report.metrics
    assert report.metrics["precision"] >= 0.85
    assert report.tests is not None and (report.tests.passed, report.tests.failed) == (1, 0)
    assert report.latency_mode == "function" and report.latency_p95_ms is not None
    assert report.model_size_mb is not None and report.model_size_mb > 0
    assert "Public checks passed: 1 passed" in report.summary()
    # an honest run raises no alarm: only src/host.py, which every case commits, names the
    # hidden labels
    found = _red_flags(lab, run)
    assert "network_attempt" not in found
    assert [(e.kind, e.ref) for e in found["holdout_access"].evidence] == [
        ("file", "src/host.py:1")
    ]


def test_a_good_submission_scores_after_the_bombs(lab: Lab) -> None:
    _check_good_submission(lab, "good-after-bombs")


def test_writing_outside_the_job_folder(lab: Lab) -> None:
    body = """
    from src import host
    name = host.MARKER + "-escape"
    record(stage, attempt(write, [
        "/" + name, "/usr/" + name, "/job/../" + name, "/etc/passwd", "/etc/" + name,
        "/env/" + name, "/env/bin/python", "/env-linked/0/" + name, "/dev/" + name,
        "/proc/" + name, host.LABELS, host.HOST_DIR + "/" + name, host.BUNDLE + "/" + name,
        "/input/" + name, "/tmp/" + name, "/dev/shm/" + name,
    ]))
    """
    run = _run(
        lab,
        "write-outside",
        {
            "src/train.py": train_code('stage = "train"', body),
            "src/predict.py": predict_code('stage = "predict"', body, WRITE_ONES),
        },
    )
    _scored_like_all_ones(lab, run)
    name = MARKER + "-escape"
    expected = {
        f"/{name}": "EROFS",
        f"/usr/{name}": "EROFS",
        f"/job/../{name}": "EROFS",
        "/etc/passwd": "EROFS",
        f"/etc/{name}": "EROFS",
        f"/env/{name}": "EROFS",
        "/env/bin/python": "EROFS",
        f"/env-linked/0/{name}": "EROFS",
        f"/dev/{name}": "EROFS",
        f"/proc/{name}": "ENOENT",
        str(lab.labels_path): "ENOENT",  # the host's folders are not there at all
        f"{lab.host_dir}/{name}": "ENOENT",
        f"{lab.bundle.root}/{name}": "ENOENT",
        f"/tmp/{name}": "written",  # the sandbox's own /tmp, gone with it
        f"/dev/shm/{name}": "written",
    }
    assert run.probe("train") == {**expected, f"/input/{name}": "ENOENT"}
    assert run.probe("predict") == {**expected, f"/input/{name}": "EROFS"}
    for folder in ("/usr", "/dev/shm", str(lab.root), str(lab.env.path)):
        assert not (Path(folder) / name).exists()


# =========================================================================== the scorer's files


def test_overwriting_the_input_features(lab: Lab) -> None:
    predict = """
    import shutil
    path = "/input/features.csv"
    record("input", {
        "write": outcome(write, path),
        "append": outcome(lambda p: open(p, "a").write("1,2,3\\n"), path),
        "remove": outcome(os.remove, path),
        "rename": outcome(lambda p: os.rename(p, p + ".old"), path),
        "chmod": outcome(lambda p: os.chmod(p, 0o777), path),
        "truncate": outcome(lambda p: os.truncate(p, 0), path),
        "replace-folder": outcome(shutil.rmtree, "/input"),
        "new-file": outcome(write, "/input/extra.csv"),
    })
    write_rows(out, [(i, 1) for i in ids])
    """
    run = _run(lab, "overwrite-input", {"src/predict.py": predict_code(predict)})
    _scored_like_all_ones(lab, run)
    found = run.probe("input")
    assert sorted(found) == [
        "append",
        "chmod",
        "new-file",
        "remove",
        "rename",
        "replace-folder",
        "truncate",
        "write",
    ]
    # refused as a read-only file system, or as a file the sandbox user may not write
    assert all(v in ("EROFS", "EACCES") for v in found.values()), found
    assert (run.work / "input" / "features.csv").read_bytes() == lab.features
    assert sorted(p.name for p in (run.work / "input").iterdir()) == ["features.csv"]


FAKE_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="40">
</testsuite></testsuites>
"""


def test_precommitted_run_outputs(lab: Lab) -> None:
    planted = "id,prediction\n" + "".join(f"{i},1\n" for i in lab.ids)
    train = f"""
    os.makedirs("/job/.worktrial-run/output", exist_ok=True)
    with open("/job/.worktrial-run/output/predictions.csv", "w") as fh:
        fh.write({planted!r})
    with open("/job/.worktrial-run/junit.xml", "w") as fh:
        fh.write({FAKE_JUNIT!r})
    """
    run = _run(
        lab,
        "precommitted-outputs",
        {
            ".worktrial-run/output/predictions.csv": planted,
            ".worktrial-run/junit.xml": FAKE_JUNIT,
            "tests/test_model.py": "def test_model_is_good():\n    assert 1 == 2\n",
            "src/train.py": train_code(train),
            "src/predict.py": predict_code("pass  # writes nothing: the planted file must do"),
        },
    )
    _failed_at(
        run, "score", f"predictions.csv: the predict command wrote no file at {OUTPUT}", first=False
    )
    assert run.report.problem == run.verdict("score")  # failing tests never stop scoring
    assert run.verdict("tests") == "1 of 1 tests failed (0 passed, 1 failed, 0 errors, 0 skipped)"
    assert run.report.tests is not None and run.report.tests.total == 1
    assert run.statuses()["predict"] == "passed"


def test_no_score_is_blamed_on_the_missing_predictions_not_on_the_tests(lab: Lab) -> None:
    run = _run(
        lab,
        "no-score-reason",
        {
            "tests/test_model.py": "def test_model_is_good():\n    assert 1 == 2\n",
            "src/predict.py": predict_code("pass  # writes nothing"),
        },
    )
    _failed_at(run, "score", f"predictions.csv: the predict command wrote no file at {OUTPUT}")


def test_predictions_as_a_link_to_the_labels(lab: Lab) -> None:
    predict = """
    from src import host
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.symlink(host.LABELS, out)
    """
    run = _run(lab, "predictions-link", {"src/predict.py": predict_code(predict)})
    _failed_at(
        run,
        "score",
        f"predictions.csv: {OUTPUT} is a symbolic link; the predict command must write a "
        "regular file",
    )


def test_output_folder_as_a_link_to_the_hidden_folder(lab: Lab) -> None:
    predict = """
    import shutil
    from src import host
    folder = os.path.dirname(out)
    shutil.rmtree(folder, ignore_errors=True)
    os.symlink(os.path.dirname(host.LABELS), folder)
    """
    run = _run(lab, "output-folder-link", {"src/predict.py": predict_code(predict)})
    _failed_at(
        run,
        "score",
        f"predictions.csv: {OUTPUT} is a symbolic link; the predict command must write a "
        "regular file",
    )


def test_training_swaps_the_run_folder_for_a_link_to_the_host(lab: Lab) -> None:
    train = """
    import shutil
    from src import host
    shutil.rmtree("/job/.worktrial-run", ignore_errors=True)
    os.symlink(host.HOST_DIR, "/job/.worktrial-run")
    """
    run = _run(lab, "run-folder-link", {"src/train.py": train_code(train)})
    # the host removes the link (never what it points to) and predicts as usual
    _scored_like_all_ones(lab, run)


def test_predictions_written_elsewhere(lab: Lab) -> None:
    predict = """
    write_rows("/job/predictions.csv", [(i, 1) for i in ids])
    write_rows("/tmp/predictions.csv", [(i, 1) for i in ids])
    """
    run = _run(lab, "predictions-elsewhere", {"src/predict.py": predict_code(predict)})
    _failed_at(run, "score", f"predictions.csv: the predict command wrote no file at {OUTPUT}")
    assert (run.job / "predictions.csv").is_file()


def test_predictions_as_a_fifo(lab: Lab) -> None:
    predict = """
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.mkfifo(out)
    """
    run = _run(lab, "predictions-fifo", {"src/predict.py": predict_code(predict)})
    # read with O_NONBLOCK and refused before a byte is read: the host never blocks on it
    _failed_at(
        run,
        "score",
        f"predictions.csv: {OUTPUT} is not a regular file; expected a regular CSV file",
    )


def _bad_predictions(lab: Lab) -> dict[str, tuple[str, str]]:
    """Predict bodies that write a wrong file, and the score step's verdict for each."""
    ids = lab.ids
    n = len(ids)
    cap = ((1 << 20) + 128 * n) / (1 << 20)
    return {
        "huge": (
            "with open(out, 'w') as fh:\n    fh.write('id,prediction\\n'.ljust(3 << 20, '0'))",
            f"predictions.csv: 3.0 MB, over the {cap:.1f} MB cap for the predictions of {n} rows"
            " (the file was not read)",
        ),
        "nan": (
            "write_rows(out, [(i, 'nan') for i in ids])",
            f"predictions.csv: {n} predictions are missing, NaN or infinite; the first at row 1 "
            f"(id {ids[0]})",
        ),
        "fewer-rows": (
            "write_rows(out, [(i, 1) for i in ids[:-1]])",
            f"predictions.csv: expected {n} rows, one per holdout id, found {n - 1} (missing "
            f"ids: {ids[-1]})",
        ),
        "duplicate-ids": (
            "write_rows(out, [(i, 1) for i in ids + ids[:1]])",
            "predictions.csv: 1 id appears more than once (each holdout id must appear exactly "
            f"once): {ids[0]}",
        ),
        "unknown-ids": (
            "write_rows(out, [(i, 1) for i in ids[:-1] + ['999999']])",
            "predictions.csv: 1 id is not in the holdout: 999999",
        ),
        "strings": (
            "write_rows(out, [(i, 'malignant') for i in ids])",
            "predictions.csv: column 'prediction' must be numeric (class labels such as 0 and "
            f"1), found malignant at row 1 (id {ids[0]})",
        ),
    }


@pytest.mark.parametrize(
    "kind", ["huge", "nan", "fewer-rows", "duplicate-ids", "unknown-ids", "strings"]
)
def test_bad_predictions(lab: Lab, kind: str) -> None:
    body, verdict = _bad_predictions(lab)[kind]
    run = _run(lab, f"predictions-{kind}", {"src/predict.py": predict_code(body)})
    _failed_at(run, "score", verdict)
    assert run.statuses()["predict"] == "passed"
    assert run.statuses().get("latency") is None  # nothing to time without a score


FORGE_REPLIES = '''
import struct


def _queue_fake_replies():
    """In the latency harness's child: queue "ready" and an "ok" for every call on the reply
    pipe (the only other pipe this process may write), before any call is made."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
            with open(f"/proc/self/fdinfo/{fd}") as fh:
                flags = int(fh.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        if int(fd) > 2 and link.startswith("pipe:") and flags & 3 == 1:
            frames = [b"ready"] + [b"ok"] * 40
            os.write(int(fd), b"".join(struct.pack(">I", len(f)) + f for f in frames))


if sys.argv[0].endswith("latency.py"):
    _queue_fake_replies()


def predict_frame(features):
    time.sleep(0.25)  # a slow model: 250 ms a call, five times the 50 ms budget
    return [1] * len(features)
'''


def test_latency_forged_by_queued_replies(lab: Lab) -> None:
    predict = predict_code(WRITE_ONES).replace(
        "def predict_frame(features):\n    return [1] * len(features)\n", FORGE_REPLIES
    )
    assert "_queue_fake_replies()" in predict
    run = _run(lab, "latency-forgery", {"src/predict.py": predict})
    _scored_like_all_ones(lab, run)
    latency = run.report.step("latency")
    assert latency is not None, run.statuses()
    assert latency.details["mode"] == "function", latency.details
    # the queued frames cannot echo the harness's nonces: the step says what the module did,
    # and no figure (forged or not) reaches the report or the latency budget
    assert latency.status == "failed", (latency.status, latency.verdict)
    assert latency.verdict == (
        "the predict interface could not be timed: the predict module wrote to the harness's "
        "pipes before the function was ready; latency could not be measured"
    )
    assert latency.details["times_ms"] == []
    assert run.report.latency_p95_ms is None and run.report.latency_p50_ms is None


def test_deep_folder_tree_in_the_run_folder(lab: Lab) -> None:
    train = """
    os.chdir("/job/.worktrial-run")
    for _ in range(1200):
        os.mkdir("d")
        os.chdir("d")
    """
    run = _run(lab, "deep-run-folder", {"src/train.py": train_code(train)})
    # the host removes the run folder however deep it is, and the run goes on to a verdict
    assert run.report.outcome in ("scored", "failed")
    assert run.statuses()["predict"] in ("passed", "failed")


def test_deep_folder_tree_in_the_job_folder(lab: Lab) -> None:
    train = """
    os.makedirs("/job/deep", exist_ok=True)
    os.chdir("/job/deep")
    for _ in range(2500):
        os.mkdir("d")
        os.chdir("d")
    """
    run = _run(lab, "deep-folders", {"src/train.py": train_code(train)})
    # the host walks the job folder by folder descriptors (handing it over before each step,
    # measuring the model, giving it back), so the run goes on as if the tree were not there
    _scored_like_all_ones(lab, run)
    assert run.report.model_size_mb is not None
    assert _job_mounts() == []  # and its file system is gone after a scored run


# =========================================================================== git and tests


HOOK = "#!/bin/sh\ntouch '{pwned}'/hook-$(basename \"$0\")\n"
HOOK_NAMES = (
    "pre-commit",
    "post-checkout",
    "post-merge",
    "post-rewrite",
    "pre-push",
    "reference-transaction",
    "post-index-change",
    "pre-auto-gc",
    "fsmonitor-watchman",
)


def test_git_hooks_and_filters_never_run(lab: Lab) -> None:
    pwned = lab.root / "cases" / "git-hooks" / "pwned"
    trap = pwned.parent / "trap.sh"

    def touch(what: str) -> str:
        # git reads ';' in a config value as a comment: the trap is a script of its own
        return f"{trap} {what}"

    armed: list[Path] = []

    def arm(repo: Path) -> None:
        armed.append(repo)
        pwned.mkdir(mode=0o777)
        trap.write_text('#!/bin/sh\ntouch "$(dirname "$0")/pwned/$1"\nexec cat\n')
        trap.chmod(0o755)
        hooks = repo / ".git" / "hooks"
        hooks.mkdir(exist_ok=True)
        for name in HOOK_NAMES:
            (hooks / name).write_text(HOOK.format(pwned=pwned))
            (hooks / name).chmod(0o755)
            committed = repo / ".githooks" / name
            committed.chmod(0o755)
        with (repo / ".git" / "config").open("a") as fh:
            fh.write(
                "[core]\n"
                "\thooksPath = .githooks\n"
                f"\tfsmonitor = {touch('fsmonitor')}\n"
                f"\tpager = {touch('pager')}\n"
                f"\tsshCommand = {touch('ssh')}\n"
                f"\taskPass = {touch('askpass')}\n"
                f"\teditor = {touch('editor')}\n"
                f"\talternateRefsCommand = {touch('alternate-refs')}\n"
                '[filter "evil"]\n'
                f"\tclean = {touch('clean')}\n"
                f"\tsmudge = {touch('smudge')}\n"
                f"\tprocess = {touch('process')}\n"
                "\trequired = true\n"
                '[diff "evil"]\n'
                f"\ttextconv = {touch('textconv')}\n"
                f"\tcommand = {touch('diff')}\n"
                '[merge "evil"]\n'
                f"\tdriver = {touch('merge')}\n"
                "[credential]\n"
                f"\thelper = {touch('credential')}\n"
                "[gpg]\n"
                f"\tprogram = {touch('gpg')}\n"
                "[log]\n\tshowSignature = true\n"
            )

    files: dict[str, FileContent] = {
        ".gitattributes": "* filter=evil diff=evil merge=evil\n*.txt export-subst\n"
        "README.md export-ignore\n",
        "VERSION.txt": "commit $Format:%H$\r\n",
    }
    files.update({f".githooks/{name}": HOOK.format(pwned=pwned) for name in HOOK_NAMES})
    run = _run(lab, "git-hooks", files, prepare=arm)
    _scored_like_all_ones(lab, run)
    assert list(pwned.iterdir()) == []  # nothing ran: no hook, filter or driver
    # the job folder holds the committed bytes: no filter, no export-subst, no export-ignore
    assert (run.job / "VERSION.txt").read_bytes() == b"commit $Format:%H$\r\n"
    assert (run.job / "README.md").is_file()
    assert (run.job / ".githooks" / "post-checkout").read_text() == HOOK.format(pwned=pwned)
    assert (run.job / "src" / "train.py").read_text() == train_code()
    # the traps were armed: plain git commands in the repository spring them
    repo = armed[0]
    who = ["-c", "user.name=x", "-c", "user.email=x@example.com"]
    calm = ["-c", "core.fsmonitor=false", "-c", "filter.evil.process=", "-c", "filter.evil.clean="]
    calm += ["-c", "filter.evil.required=false"]
    git = ["git", *calm, *who, "commit", "--allow-empty", "-qm", "x"]
    subprocess.run(git, cwd=repo, capture_output=True, timeout=60, check=True)
    (repo / "src" / "train.py").write_text("changed\n")
    subprocess.run(["git", "status"], cwd=repo, capture_output=True, timeout=60, check=False)
    sprung = {p.name for p in pwned.iterdir()}
    assert {"hook-pre-commit", "hook-reference-transaction", "fsmonitor", "process"} <= sprung


EXFILTRATE_CONFTEST = '''
"""Runs when pytest collects the tests: in the sandbox like everything else."""

from src import host
from src.probe import attempt, read, record

record("conftest", attempt(read, [host.LABELS, "/hidden/holdout_labels.csv", "/input"]))
'''

EXFILTRATE_TEST = """
from src import host
from src.probe import attempt, read


def test_reads_the_hidden_labels():
    found = attempt(read, [
        host.LABELS, "../hidden/holdout_labels.csv", "/hidden/holdout_labels.csv",
        "/proc/1/root" + host.LABELS, "/input/../hidden/holdout_labels.csv",
    ])
    print(found)
    assert any(v.startswith("read: ") for v in found.values()), found


def test_public_check():
    assert 1 + 1 == 2
"""


def test_tests_try_to_exfiltrate_the_labels(lab: Lab) -> None:
    run = _run(
        lab,
        "pytest-exfiltration",
        {"tests/conftest.py": EXFILTRATE_CONFTEST, "tests/test_exfiltrate.py": EXFILTRATE_TEST},
    )
    _scored_like_all_ones(lab, run)
    assert run.verdict("tests") == "1 of 2 tests failed (1 passed, 1 failed, 0 errors, 0 skipped)"
    counts = run.report.tests
    assert counts is not None
    assert counts.failing == ("tests.test_exfiltrate::test_reads_the_hidden_labels",)
    assert run.probe("conftest") == {
        str(lab.labels_path): "ENOENT",
        "/hidden/holdout_labels.csv": "ENOENT",
        "/input": "ENOENT",  # the features reach only the predict step
    }
    step = run.report.step("tests")
    assert step is not None and "ENOENT" in step.log
    assert "Public checks: 1 of 2 tests failed" in run.report.summary()
    # the failing test printed what it tried: the scorecard points at the tests step
    flag = _red_flags(lab, run)["holdout_access"]
    assert flag.detail.startswith(
        "Tried to reach a hidden file or the machine around the sandbox during the tests: "
    )
    shown = [e for e in flag.evidence if e.kind == "run"]
    assert [e.ref for e in shown] == ["tests"]
    assert "hidden/holdout_labels.csv" in shown[0].note and "ENOENT" in shown[0].note


def test_a_good_submission_still_scores_at_the_end(lab: Lab) -> None:
    _check_good_submission(lab, "good-at-the-end")
