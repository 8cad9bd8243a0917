"""Attempts to reach the hidden holdout or the network: the ``network_attempt`` and
``holdout_access`` red flags, from the run's logs and from the code, with their pointers.

The log samples are what Python, pip and pytest print for these failures; the negative
samples are ordinary output that uses the same words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from worktrial._pipeline import evaluate_repo
from worktrial.evidence._types import Code, CodeReach, Pointer
from worktrial.report import render_html, render_markdown
from worktrial.rubric import RedFlag, red_flags
from worktrial.rubric._reach import run_path
from worktrial.scoring._report import RunReport, StepLog, step_logs
from worktrial.spec import new_from_template
from worktrial.spec._model import TrialSpec
from worktrial.testing import RepoBuilder

from ._build import commit, ctx, evidence, run, spec, strong

HIDDEN_FILES: list[dict[str, Any]] = [
    {"path": "data/train.csv", "role": "train"},
    {"path": "hidden/holdout_features.csv", "role": "holdout_features", "hidden": True},
    {"path": "hidden/holdout_labels.csv", "role": "holdout_labels", "hidden": True},
]


def trial(**overrides: Any) -> TrialSpec:
    """The test trial with a hidden holdout (features and labels) and src/ commands."""
    fields: dict[str, Any] = {
        "data": {"target": "churned", "files": HIDDEN_FILES},
        "interface": {
            "train": "python -m src.train",
            "predict": "python -m src.predict {input} {output}",
            "predict_function": "src.predict:predict_frame",
        },
    }
    fields.update(overrides)
    return spec(**fields)


def flags_of(c: object) -> dict[str, RedFlag]:
    return {f.id: f for f in red_flags(c)}  # type: ignore[arg-type]


def run_flags(logs: dict[str, str], *, trial_spec: TrialSpec | None = None) -> dict[str, RedFlag]:
    chosen = trial() if trial_spec is None else trial_spec
    return flags_of(ctx(strong(), trial=chosen, measured=run(logs=logs)))


# --------------------------------------------------------------------------- log samples

URLLIB_DNS = """--- stderr ---
Traceback (most recent call last):
  File "/usr/lib/python3.11/urllib/request.py", line 1348, in do_open
    h.request(req.get_method(), req.selector, req.data, headers,
  File "/usr/lib/python3.11/socket.py", line 962, in getaddrinfo
    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
socket.gaierror: [Errno -3] Temporary failure in name resolution

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/job/src/train.py", line 14, in <module>
    urllib.request.urlretrieve(EXTRA_DATA, "data/extra.csv")
urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>
"""

POSTGRES_REFUSED = """--- stderr ---
Traceback (most recent call last):
  File "/job/src/predict.py", line 8, in <module>
    conn = socket.create_connection(("127.0.0.1", 5432), timeout=5)
  File "/usr/lib/python3.11/socket.py", line 836, in create_connection
    sock.connect(sa)
ConnectionRefusedError: [Errno 111] Connection refused
"""

PIP_OFFLINE = (
    "--- stdout ---\nCollecting lightgbm\n--- stderr ---\nWARNING: Retrying (Retry(total=4, "
    "connect=None, read=None, redirect=None, status=None)) after connection broken by "
    "'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at "
    "0x7f3c2a1b9d50>: Failed to establish a new connection: [Errno 101] Network is "
    "unreachable')': /simple/lightgbm/\n"
)

PYTEST_LABELS = """--- stdout ---
.F                                                                       [100%]
=================================== FAILURES ===================================
___________________________ test_scores_on_holdout ____________________________

    def test_scores_on_holdout():
>       labels = pd.read_csv("../hidden/holdout_labels.csv")
E       FileNotFoundError: [Errno 2] No such file or directory: '../hidden/holdout_labels.csv'

tests/test_model.py:9: FileNotFoundError
1 failed, 1 passed in 0.52s
"""

PYTEST_ORDINARY = """--- stdout ---
..F.                                                                     [100%]
=================================== FAILURES ===================================
______________________ test_connection_refused_is_retried ______________________

    def test_connection_refused_is_retried():
        client = Client(retries=3)
>       assert client.attempts_after_connection_refused() == 3
E       assert 2 == 3

tests/test_client.py:12: AssertionError
=========================== short test summary info ============================
FAILED tests/test_client.py::test_connection_refused_is_retried - assert 2 == 3
1 failed, 3 passed in 0.41s
"""

TRAIN_ORDINARY = """--- stdout ---
loaded 569 rows from data/train.csv; network depth 3, connection weights initialised
wrote holdout_labels.csv-style predictions template to build/
--- stderr ---
Traceback (most recent call last):
  File "/job/src/predict.py", line 5, in <module>
    model = pickle.load(open("models/model.pkl", "rb"))
FileNotFoundError: [Errno 2] No such file or directory: 'models/model.pkl'
"""


# --------------------------------------------------------------------------- from the run


def test_a_refused_name_lookup_during_training() -> None:
    flag = run_flags({"train": URLLIB_DNS})["network_attempt"]
    line = "socket.gaierror: [Errno -3] Temporary failure in name resolution"
    assert flag == RedFlag(
        "network_attempt",
        "Attempt to reach the network",
        f'Tried to reach the network during training, and the sandbox refused it: "{line}".',
        (Pointer("run", "train", line),),
    )


def test_a_refused_connection_to_a_service_port_during_prediction() -> None:
    flag = run_flags({"predict": POSTGRES_REFUSED})["network_attempt"]
    line = "ConnectionRefusedError: [Errno 111] Connection refused"
    assert flag.detail == (
        f'Tried to reach the network during prediction, and the sandbox refused it: "{line}".'
    )
    assert flag.evidence == (Pointer("run", "predict", line),)


def test_a_long_line_is_cut_around_what_matched_and_every_step_is_named() -> None:
    found = run_flags({"tests": POSTGRES_REFUSED, "train": PIP_OFFLINE, "rerun": URLLIB_DNS})
    flag = found["network_attempt"]
    pip_line = (
        "…llib3.connection.HTTPSConnection object at 0x7f3c2a1b9d50>: Failed to establish a new "
        "connection: [Errno 101] Network is unreachable')': /simple/lightgbm/"
    )
    assert flag.detail == (
        "Tried to reach the network during the tests, training and the rerun, and the sandbox "
        'refused it: "ConnectionRefusedError: [Errno 111] Connection refused".'
    )
    assert [(p.ref, p.note) for p in flag.evidence] == [
        ("tests", "ConnectionRefusedError: [Errno 111] Connection refused"),
        ("train", pip_line),
        ("rerun", "socket.gaierror: [Errno -3] Temporary failure in name resolution"),
    ]
    assert all(len(p.note) <= 200 for p in flag.evidence)


def test_ordinary_output_with_the_same_words_is_not_an_attempt() -> None:
    found = run_flags({"tests": PYTEST_ORDINARY, "train": TRAIN_ORDINARY, "predict": ""})
    assert "network_attempt" not in found
    assert "holdout_access" not in found


def test_a_refused_open_of_the_hidden_labels_during_the_tests() -> None:
    flag = run_flags({"tests": PYTEST_LABELS})["holdout_access"]
    line = (
        "E       FileNotFoundError: [Errno 2] No such file or directory: "
        "'../hidden/holdout_labels.csv'"
    )
    assert flag == RedFlag(
        "holdout_access",
        "Attempt to reach the hidden holdout",
        "Tried to reach a hidden file or the machine around the sandbox during the tests: "
        f'"{line}".',
        (Pointer("run", "tests", line),),
    )
    # the source line pytest shows names the file too, but it is not a refused open
    assert "network_attempt" not in run_flags({"tests": PYTEST_LABELS})


def test_a_link_to_the_labels_and_a_look_at_proc_during_the_run() -> None:
    export = (
        "labels/holdout_labels.csv: symbolic link to /srv/trials/churn/hidden/holdout_labels.csv "
        "points outside the tree"
    )
    proc = "ls: cannot access '/proc/1/root/srv/trials': No such file or directory"
    train = f"--- stdout ---\nlisted /proc/1/root: bin dev env job proc tmp usr\n{proc}\n"
    flag = run_flags({"export": export, "train": train})["holdout_access"]
    assert flag.detail == (
        "Tried to reach a hidden file or the machine around the sandbox during the copy of the "
        f'commit and training: "{export}".'
    )
    # a listing of the sandbox's own /proc/1/root was allowed: the refused look is the attempt
    assert flag.evidence == (Pointer("run", "export", export), Pointer("run", "train", proc))


def test_the_features_file_counts_by_its_path_not_its_name_alone() -> None:
    bare = "FileNotFoundError: [Errno 2] No such file or directory: 'holdout_features.csv'"
    assert "holdout_access" not in run_flags({"predict": bare})
    guessed = (
        "FileNotFoundError: [Errno 2] No such file or directory: '/hidden/holdout_features.csv'"
    )
    flag = run_flags({"predict": guessed})["holdout_access"]
    assert flag.evidence == (Pointer("run", "predict", guessed),)
    # a longer name that contains a hidden file's name is another file
    other = "FileNotFoundError: [Errno 2] No such file or directory: 'my_holdout_labels.csv'"
    assert "holdout_access" not in run_flags({"predict": other})


def test_without_a_spec_only_proc_and_the_network_count() -> None:
    logs = {"tests": PYTEST_LABELS, "train": URLLIB_DNS}
    found = flags_of(ctx(strong(), measured=run(logs=logs)))
    assert "holdout_access" not in found  # no hidden file is known
    assert "network_attempt" in found
    proc = "PermissionError: [Errno 13] Permission denied: '/proc/1/environ'"
    assert flags_of(ctx(strong(), measured=run(logs={"train": proc})))[
        "holdout_access"
    ].evidence == (Pointer("run", "train", proc),)


def test_a_pointer_an_integrity_check_supplies_joins_the_flag() -> None:
    blocked = Pointer("run", "predict", "connect() to 203.0.113.9:443 was blocked")
    measured = run(logs={"train": URLLIB_DNS}, pointers={"network_attempt": blocked})
    flag = flags_of(ctx(strong(), trial=trial(), measured=measured))["network_attempt"]
    assert flag.detail == (
        "Tried to reach the network during training, and the sandbox refused it: "
        '"socket.gaierror: [Errno -3] Temporary failure in name resolution"; '
        "connect() to 203.0.113.9:443 was blocked."
    )
    assert flag.evidence == (
        Pointer("run", "train", "socket.gaierror: [Errno -3] Temporary failure in name resolution"),
        blocked,
    )


def test_the_run_report_gives_the_rubric_its_logs() -> None:
    started = datetime(2026, 3, 9, 9, tzinfo=UTC)
    rerun_train = StepLog("rerun-train", "Train again", "failed", "crashed", log=URLLIB_DNS)
    steps = (
        StepLog(
            "export",
            "Copy",
            "warning",
            "copied 9 files; 1 path(s) not copied",
            details={"skipped": ["up: symbolic link to ../.. points outside the tree"]},
        ),
        StepLog("tests", "Run the tests", "passed", "public checks passed", log="..\n"),
        StepLog("train", "Train", "passed", "trained in 2 s", log=""),
        StepLog(
            "rerun",
            "Train again",
            "failed",
            "the rerun did not produce a recall",
            details={"steps": [rerun_train.to_dict()]},
        ),
    )
    report = RunReport(
        trial="churn-risk",
        commit="0" * 40,
        split="final",
        split_description="the final split",
        rows=10,
        backend="fake",
        isolated=True,
        started_at=started,
        finished_at=started,
        steps=steps,
        primary_metric="recall",
    )
    assert step_logs(steps) == {
        "export": "up: symbolic link to ../.. points outside the tree",
        "tests": "..\n",
        "rerun": URLLIB_DNS,
    }
    measured = report.measurements()
    assert measured.logs == step_logs(steps)
    flag = flags_of(ctx(strong(), trial=trial(), measured=measured))["network_attempt"]
    assert flag.evidence == (
        Pointer("run", "rerun", "socket.gaierror: [Errno -3] Temporary failure in name resolution"),
    )


# --------------------------------------------------------------------------- from the code


def reach(kind: str, what: str, ref: str, line: str = "") -> CodeReach:
    return CodeReach(kind, what, Pointer("file", ref, line or what))  # type: ignore[arg-type]


PATH_CODE = Code(
    python_files=[
        "src/__init__.py",
        "src/train.py",
        "src/predict.py",
        "src/features.py",
        "src/fetch.py",
        "scripts/download.py",
        "tests/test_train.py",
    ],
    imports={
        "train": {"features", "fetch"},
        "predict": {"features"},
        "features": set(),
        "fetch": set(),
        "scripts.download": set(),
    },
)


def code_ctx(
    *items: CodeReach, trial_spec: TrialSpec | None = None, starter: set[str] | None = None
) -> Any:
    code = Code(python_files=PATH_CODE.python_files, imports=PATH_CODE.imports, reach=list(items))
    commits = [commit("work", 10, files=dict.fromkeys(["src/train.py", "src/fetch.py"], 10))]
    if starter:
        commits.insert(0, commit("kit", 0, starter=True, files=dict.fromkeys(starter, 10)))
    chosen = trial() if trial_spec is None else trial_spec
    return ctx(evidence(commits=commits, code=code), trial=chosen)


def test_the_train_and_predict_path_follows_the_commands_and_imports() -> None:
    c = code_ctx()
    assert run_path(c) == {
        "src/__init__.py",
        "src/train.py",
        "src/predict.py",
        "src/features.py",
        "src/fetch.py",
    }
    make = "make predict IN={input} OUT={output}"
    scripts = trial(interface={"train": "python scripts/download.py", "predict": make})
    assert run_path(code_ctx(trial_spec=scripts)) == {"scripts/download.py"}
    assert run_path(code_ctx(trial_spec=trial(interface={"predict": make}))) == set()
    assert run_path(ctx(evidence(code=PATH_CODE))) == set()  # no spec, no commands


def test_code_names_a_hidden_file() -> None:
    items = [
        reach("path", "data/train.csv", "src/train.py:3"),
        reach("path", "../hidden/holdout_labels.csv", "src/train.py:6", 'open("../hidden/h…")'),
        reach("path", "holdout_labels.csv", "tests/test_train.py:4"),
        reach("path", "{}/hidden/holdout_features.csv", "src/predict.py:9"),
        # not a hidden file: a longer name, the features by their name alone, a public file
        reach("path", "data/holdout_labels_v2.csv", "src/fetch.py:2"),
        reach("path", "my_holdout_labels.csv", "src/fetch.py:3"),
        reach("path", "holdout_features.csv", "tests/test_train.py:9"),
    ]
    flag = flags_of(code_ctx(*items))["holdout_access"]
    assert flag.detail == (
        "Code names a hidden file: ../hidden/holdout_labels.csv at src/train.py:6, "
        "holdout_labels.csv at tests/test_train.py:4, {}/hidden/holdout_features.csv at "
        "src/predict.py:9."
    )
    assert flag.evidence == (items[1].pointer, items[2].pointer, items[3].pointer)
    assert "network_attempt" not in flags_of(code_ctx(*items))


def test_a_hidden_file_that_shares_a_public_files_name_counts_by_its_path() -> None:
    files = [
        {"path": "data/labels.csv", "role": "other"},
        {"path": "secret/labels.csv", "role": "holdout_labels", "hidden": True},
    ]
    shared = trial(data={"target": "churned", "files": [HIDDEN_FILES[0], *files]})
    public = reach("path", "data/labels.csv", "src/train.py:3")
    guessed = reach("path", "../secret/labels.csv", "src/train.py:4")
    assert "holdout_access" not in flags_of(code_ctx(public, trial_spec=shared))
    flag = flags_of(code_ctx(public, guessed, trial_spec=shared))["holdout_access"]
    assert flag.detail == "Code names a hidden file: ../secret/labels.csv at src/train.py:4."


def test_code_looks_around_the_sandbox_and_reads_secrets() -> None:
    host = reach("host", "/proc/{}/root", "src/features.py:12", 'open(f"/proc/{pid}/root/srv")')
    env = reach("environment", "DATABASE_URL", "notebooks/eda.ipynb", "cell 2, line 1: os.env…")
    flag = flags_of(code_ctx(host, env))["holdout_access"]
    assert flag.detail == (
        "Code looks at the machine around the sandbox: /proc/{}/root at src/features.py:12; "
        "code reads environment variables meant for secrets: DATABASE_URL at "
        "notebooks/eda.ipynb (cell 2, line 1)."
    )
    assert flag.evidence == (host.pointer, env.pointer)


def test_network_calls_count_on_the_train_or_predict_path_only() -> None:
    on_path = [
        reach("network", "requests.get", "src/fetch.py:9"),
        reach("install", "python -m pip install xgboost", "src/train.py:4"),
    ]
    off_path = [
        reach("network", "urllib.request.urlretrieve", "scripts/download.py:7"),
        reach("network", "urllib.request.urlretrieve", "notebooks/eda.ipynb", "cell 1, line 3: u"),
        reach("network", "socket.create_connection", "tests/test_train.py:30"),
    ]
    flag = flags_of(code_ctx(*on_path, *off_path))["network_attempt"]
    assert flag == RedFlag(
        "network_attempt",
        "Attempt to reach the network",
        "Code on the train or predict path calls the network: requests.get at src/fetch.py:9; "
        "code on the train or predict path installs packages at run time: python -m pip "
        "install xgboost at src/train.py:4.",
        (on_path[0].pointer, on_path[1].pointer),
    )
    assert "network_attempt" not in flags_of(code_ctx(*off_path))
    # without a spec there is no train or predict path: a download script is ordinary
    no_spec = ctx(evidence(code=Code(python_files=["src/fetch.py"], reach=on_path[:1])))
    assert "network_attempt" not in flags_of(no_spec)


def test_many_places_are_summed_up_and_the_evidence_capped() -> None:
    items = [reach("network", "socket.getaddrinfo", f"src/fetch.py:{i}") for i in range(1, 13)]
    flag = flags_of(code_ctx(*items))["network_attempt"]
    assert flag.detail == (
        "Code on the train or predict path calls the network: socket.getaddrinfo at "
        "src/fetch.py:1, socket.getaddrinfo at src/fetch.py:2, socket.getaddrinfo at "
        "src/fetch.py:3 (and 9 more)."
    )
    assert flag.evidence == tuple(i.pointer for i in items[:3])


def test_the_starter_kits_own_files_are_the_companys() -> None:
    kit = reach("network", "requests.get", "src/predict.py:5")
    mine = reach("network", "requests.get", "src/fetch.py:5")
    assert "network_attempt" not in flags_of(code_ctx(kit, starter={"src/predict.py"}))
    # a starter file the candidate changed is theirs
    flag = flags_of(code_ctx(kit, mine, starter={"src/predict.py", "src/fetch.py"}))
    assert flag["network_attempt"].evidence == (mine.pointer,)


def test_run_and_code_together() -> None:
    measured = run(logs={"train": URLLIB_DNS})
    c = code_ctx(reach("network", "urllib.request.urlretrieve", "src/fetch.py:14"))
    c.run = measured
    flag = flags_of(c)["network_attempt"]
    assert flag.detail == (
        "Tried to reach the network during training, and the sandbox refused it: "
        '"socket.gaierror: [Errno -3] Temporary failure in name resolution"; code on the train '
        "or predict path calls the network: urllib.request.urlretrieve at src/fetch.py:14."
    )
    assert [p.kind for p in flag.evidence] == ["run", "file"]


# --------------------------------------------------------------------------- end to end


def test_the_scorecard_shows_the_flags_with_run_and_file_evidence(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo", start=datetime(2026, 3, 2, 9, tzinfo=UTC))
    b.commit(
        "Fetch extra data while training",
        {
            "src/__init__.py": "",
            "src/train.py": (
                "import urllib.request\n\nEXTRA = 'https://example.com/extra.csv'\n\n\n"
                "def main():\n    urllib.request.urlretrieve(EXTRA, 'data/extra.csv')\n"
            ),
            "src/predict.py": "LABELS = '../hidden/holdout_labels.csv'\n",
        },
    )
    repo_head = b.head
    started = datetime(2026, 3, 9, 9, tzinfo=UTC)
    steps = (
        StepLog("train", "Train the model", "failed", "training crashed", log=URLLIB_DNS),
        StepLog("predict", "Predict", "skipped", "not run: training did not finish"),
    )
    report = RunReport(
        trial="churn-risk",
        commit=repo_head,
        split="final",
        split_description="the final split",
        rows=10,
        backend="bwrap",
        isolated=True,
        started_at=started,
        finished_at=started,
        steps=steps,
        primary_metric="recall",
    )
    card = evaluate_repo(b.path, spec=trial(), run=report)
    found = {f.id: f for f in card.red_flags}
    network = found["network_attempt"]
    line = "socket.gaierror: [Errno -3] Temporary failure in name resolution"
    assert network.detail == (
        f'Tried to reach the network during training, and the sandbox refused it: "{line}"; '
        "code on the train or predict path calls the network: urllib.request.urlretrieve at "
        "src/train.py:7."
    )
    assert [(e.kind, e.ref, e.note) for e in network.evidence] == [
        ("run", "train", line),
        ("file", "src/train.py:7", "urllib.request.urlretrieve(EXTRA, 'data/extra.csv')"),
    ]
    holdout = found["holdout_access"]
    assert holdout.detail == (
        "Code names a hidden file: ../hidden/holdout_labels.csv at src/predict.py:1."
    )
    html = render_html(card)
    assert "Attempt to reach the network" in html
    # the evidence index lists the run step with the line the sandbox refused
    assert "<code>run: train</code> — <span class=note>" + line in html
    markdown = render_markdown(card)
    assert "Attempt to reach the hidden holdout" in markdown
    assert "src/predict.py:1" in markdown


@pytest.mark.slow
@pytest.mark.parametrize("template", ["classification", "improve-baseline", "monitoring"])
def test_the_reference_solutions_reach_for_nothing(tmp_path: Path, template: str) -> None:
    """The templates' reference solutions, committed with their starter kits and run by the
    trial's commands, name their data files but no hidden one, and call no network."""
    bundle = new_from_template(template, tmp_path / "bundle")
    solution = bundle.spec.solution
    assert solution.train is not None and solution.predict is not None
    files: dict[str, str | bytes] = {}
    for folder, prefix in ((bundle.starter_dir, ""), (bundle.solution_dir, "solution/")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[prefix + path.relative_to(folder).as_posix()] = path.read_bytes()
    b = RepoBuilder(tmp_path / "repo", start=datetime(2026, 3, 2, 9, tzinfo=UTC))
    b.commit("Add the reference baseline", files)
    interface = bundle.spec.interface.model_copy(
        update={"train": solution.train, "predict": solution.predict, "predict_function": None}
    )
    spec_ = bundle.spec.model_copy(update={"interface": interface})

    from worktrial.evidence import collect_evidence
    from worktrial.rubric import Context

    ev = collect_evidence(b.path, spec=spec_)
    c = Context(evidence=ev, spec=spec_)
    # the check had something to look at: the solution's own data files and its train path
    assert any(r.kind == "path" for r in ev.code.reach), ev.code.reach
    assert "solution/train.py" in run_path(c)
    assert [r for r in ev.code.reach if r.kind != "path"] == []
    found = flags_of(c)
    assert "holdout_access" not in found and "network_attempt" not in found


def test_two_names_on_one_line_are_one_place_in_the_evidence() -> None:
    line = 'paths = ["../hidden/holdout_labels.csv", "/hidden/holdout_labels.csv"]'
    items = [
        reach("path", "../hidden/holdout_labels.csv", "src/train.py:7", line),
        reach("path", "/hidden/holdout_labels.csv", "src/train.py:7", line),
        reach("path", "/bundle/hidden/holdout_labels.csv", "src/predict.py:3"),
    ]
    flag = flags_of(code_ctx(*items))["holdout_access"]
    assert flag.detail == (
        "Code names a hidden file: ../hidden/holdout_labels.csv at src/train.py:7, "
        "/hidden/holdout_labels.csv at src/train.py:7, /bundle/hidden/holdout_labels.csv at "
        "src/predict.py:3."
    )
    assert flag.evidence == (items[0].pointer, items[2].pointer)
