"""Builders for rubric tests: Evidence objects made directly in Python, no git needed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from worktrial.evidence._types import (
    Code,
    Commit,
    CommitKind,
    Comms,
    DocFile,
    Docs,
    DocSection,
    Evidence,
    Experiment,
    Experiments,
    Feedback,
    FileChange,
    History,
    Outcome,
    Pointer,
    Question,
    Statement,
    Update,
)
from worktrial.rubric import Context, RunMeasurements
from worktrial.spec._model import TrialSpec

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAYS = 7
DEADLINE = START + timedelta(days=DAYS)


def at(hours: float) -> datetime:
    """A time ``hours`` after :data:`START`."""
    return START + timedelta(hours=hours)


def sha(label: str) -> str:
    return hashlib.sha1(label.encode()).hexdigest()


def commit(
    label: str,
    hours: float,
    *,
    subject: str | None = None,
    body: str = "",
    kind: CommitKind = CommitKind.OTHER,
    files: Mapping[str, int] | None = None,
    starter: bool = False,
    late: bool = False,
) -> Commit:
    """A commit ``hours`` after the start; ``files`` maps path -> added lines."""
    when = at(hours)
    changes = [FileChange(p, n, 0) for p, n in (files or {"src/x.py": 10}).items()]
    return Commit(
        sha=sha(label),
        author_name="Candidate",
        author_email="candidate@example.com",
        authored_at=when,
        committed_at=when,
        subject=subject if subject is not None else f"Change {label} in the pipeline",
        body=body,
        parents=(),
        files=changes,
        kind=kind,
        is_starter=starter,
        after_deadline=late,
    )


def experiment(
    id: str,
    hours: float | None = None,
    *,
    metrics: Mapping[str, float] | None = None,
    outcome: Outcome | None = None,
    observation: str = "",
    hypothesis: str = "",
    change: str = "",
    result: str = "",
    learning: str = "",
    commit: str | None = None,
) -> Experiment:
    return Experiment(
        id=id,
        at=at(hours) if hours is not None else None,
        source="worktrial",
        commit=commit,
        observation=observation,
        hypothesis=hypothesis,
        change=change,
        metrics=dict(metrics or {}),
        result=result,
        learning=learning,
        outcome=outcome,
        pointer=Pointer("experiment", id),
    )


def full_experiment(id: str, hours: float, value: float, **kw: Any) -> Experiment:
    """An experiment with every narrative field filled."""
    fields: dict[str, Any] = {
        "observation": "errors cluster on rare classes",
        "hypothesis": "class weights will lift recall",
        "change": "balanced class weights",
        "result": f"recall {value}",
        "learning": "weights help the minority class",
        "metrics": {"recall": value},
    }
    fields.update(kw)
    return experiment(id, hours, **fields)


def section(
    path: str,
    line: int,
    heading: str,
    text: str = "",
    elements: Iterable[str] = (),
    level: int = 2,
) -> DocSection:
    return DocSection(path, line, heading, level, text, frozenset(elements))


def doc(
    path: str,
    *sections: DocSection,
    kind: str = "readme",
    added_hours: float | None = None,
) -> DocFile:
    words = sum(len(s.text.split()) for s in sections)
    return DocFile(
        path=path,
        kind=kind,  # type: ignore[arg-type]
        words=words,
        sections=list(sections),
        first_added_at=at(added_hours) if added_hours is not None else None,
    )


def statement(kind: str, text: str, path: str = "README.md", line: int = 1) -> Statement:
    return Statement(kind, text, Pointer("file", f"{path}:{line}", text[:40]))  # type: ignore[arg-type]


def update(
    id: str, hours: float, done: str = "did", next: str = "next", blockers: str = ""
) -> Update:
    return Update(id, at(hours), done, next, blockers, Pointer("update", id))


def question(id: str, hours: float, text: str = "Is recall or precision the priority?") -> Question:
    return Question(id, at(hours), text, "", Pointer("question", id))


def feedback(
    id: str,
    hours: float,
    *,
    response: str = "",
    commits: Iterable[str] = (),
) -> Feedback:
    return Feedback(
        id=id,
        at=at(hours),
        checkpoint="day 3",
        text="Try a simpler model first.",
        response=response,
        responded_at=at(hours + 1) if response else None,
        commits=list(commits),
        pointer=Pointer("feedback", id),
    )


def evidence(
    *,
    commits: Iterable[Commit] = (),
    experiments: Iterable[Experiment] = (),
    docs: Iterable[DocFile] = (),
    statements: Iterable[Statement] = (),
    readme_is_prompt: bool = False,
    readme_path: str | None = "README.md",
    iteration_table: Pointer | None = None,
    iteration_table_rows: int = 0,
    reported: Mapping[str, tuple[float, Pointer]] | None = None,
    code: Code | None = None,
    updates: Iterable[Update] = (),
    questions: Iterable[Question] = (),
    feedback: Iterable[Feedback] = (),
    deadline: datetime | None = None,
) -> Evidence:
    cs = list(commits)
    return Evidence(
        repo_path="/repo",
        history=History(
            commits=cs, head=cs[-1].sha if cs else None, branch="main", deadline=deadline
        ),
        experiments=Experiments(records=list(experiments)),
        docs=Docs(
            files=list(docs),
            readme_path=readme_path,
            readme_is_prompt=readme_is_prompt,
            iteration_table=iteration_table,
            iteration_table_rows=iteration_table_rows,
            statements=list(statements),
            reported_metrics=dict(reported or {}),
        ),
        code=code if code is not None else Code(),
        comms=Comms(updates=list(updates), questions=list(questions), feedback=list(feedback)),
    )


def empty() -> Evidence:
    return evidence(readme_path=None)


def spec(**overrides: Any) -> TrialSpec:
    """A valid classification trial spec; ``overrides`` replace top-level keys."""
    data: dict[str, Any] = {
        "id": "churn-risk",
        "title": "Churn risk",
        "kind": "classification",
        "duration_days": DAYS,
        "compensation": {
            "amount": 1500,
            "currency": "EUR",
            "expected_hours": 20,
            "hourly_floor": 50,
        },
        "data": {"target": "churned", "files": [{"path": "data/train.csv", "role": "train"}]},
        "primary_metric": {
            "name": "recall",
            "baseline": 0.6,
            "target": 0.9,
            "priority": "missed churners are costly",
            "floors": [{"metric": "precision", "min": 0.5}],
        },
        "secondary_metrics": [{"name": "roc_auc", "baseline": 0.7, "target": 0.9}],
        "constraints": {"latency_p95_ms": 50, "peak_memory_mb": 512},
        "interface": {"train": "make train", "predict": "python predict.py {input} {output}"},
        "reproducibility": {"rerun": True, "tolerance": 0.01},
    }
    data.update(overrides)
    return TrialSpec.model_validate(data)


def run(**kw: Any) -> RunMeasurements:
    base: dict[str, Any] = {
        "metrics": {"recall": 0.85, "precision": 0.7, "roc_auc": 0.88},
        "latency_p95_ms": 20.0,
        "peak_memory_mb": 300.0,
    }
    base.update(kw)
    return RunMeasurements(**base)


def ctx(
    ev: Evidence | None = None,
    *,
    trial: TrialSpec | None = None,
    measured: RunMeasurements | None = None,
    window: bool = True,
) -> Context:
    """A context with the standard 7-day window (``window=False`` leaves it to be derived)."""
    return Context(
        evidence=ev if ev is not None else empty(),
        spec=trial,
        run=measured,
        started_at=START if window else None,
        deadline=DEADLINE if window else None,
    )


# --------------------------------------------------------------------------- whole candidates

FRAMING_DOC = doc(
    "README.md",
    section("README.md", 1, "Churn risk", "Predict which customers churn.", ["objective"]),
    section(
        "README.md",
        5,
        "Success metric",
        "Recall, because a missed churner costs more than a wasted offer.",
        ["metric"],
    ),
    section(
        "README.md", 9, "Constraints", "Latency p95 under 50 ms, memory 512 MB.", ["constraints"]
    ),
    section("README.md", 13, "Assumptions", "Labels are correct as of March.", ["assumptions"]),
    section("README.md", 17, "Out of scope", "No causal analysis.", ["scope"]),
    section("README.md", 21, "Approach", "Logistic regression, then boosting.", ["approach"]),
    section(
        "README.md",
        25,
        "Iterations",
        "| iteration | change | result |\n|---|---|---|\n| 1 | baseline | 0.70 |\n"
        "| 2 | weights | 0.78 |\n| 3 | boosting | 0.82 |",
        ["iterations"],
    ),
    section(
        "README.md", 33, "Trade-offs", "Chose boosting over an MLP because latency.", ["tradeoffs"]
    ),
    section("README.md", 37, "Results", "Recall 0.82 on dev.", ["results"]),
    section("README.md", 41, "Limitations", "Small data.", ["limitations"]),
    section("README.md", 45, "Next steps", "Calibrate; add features.", ["next_steps"]),
)


def strong() -> Evidence:
    """A candidate who frames first, ships a baseline early and iterates in the open."""
    commits = [
        commit(
            "frame",
            2,
            subject="Write the problem framing before modelling",
            body="So the team can check the metric choice early.",
            kind=CommitKind.FRAMING,
            files={"README.md": 60},
        ),
        commit(
            "data",
            10,
            subject="Load and clean the churn data",
            kind=CommitKind.DATA,
            body="Missing values are imputed so the baseline can train.",
            files={"src/churn/data.py": 80},
        ),
        commit(
            "base",
            20,
            subject="Train a logistic regression baseline: recall 0.70",
            body="A simple baseline to measure against.",
            kind=CommitKind.MODELLING,
            files={"src/churn/train.py": 90},
        ),
        commit(
            "weights",
            50,
            subject="Use balanced class weights to lift recall",
            kind=CommitKind.MODELLING,
            files={"src/churn/train.py": 20},
        ),
        commit(
            "boost",
            75,
            subject="Switch to gradient boosting to capture interactions",
            kind=CommitKind.MODELLING,
            files={"src/churn/train.py": 40},
        ),
        commit(
            "mlp",
            100,
            subject="Try a small MLP to see if depth helps recall",
            kind=CommitKind.MODELLING,
            files={"src/churn/train.py": 40},
        ),
        commit(
            "tests",
            115,
            subject="Add tests for the data loader and predict",
            body="Guards the interface the sandbox calls.",
            kind=CommitKind.TESTS,
            files={"tests/test_data.py": 40},
        ),
        commit(
            "writeup",
            150,
            subject="Write up results, trade-offs and next steps",
            body="So a colleague can continue the work.",
            kind=CommitKind.FRAMING,
            files={"README.md": 60},
        ),
    ]
    experiments = [
        full_experiment(
            "exp-001", 21, 0.70, commit=commits[2].sha, hypothesis="", change="baseline"
        ),
        full_experiment("exp-002", 51, 0.78, outcome="improved"),
        full_experiment("exp-003", 76, 0.82, outcome="improved"),
        full_experiment(
            "exp-004", 101, 0.79, outcome="regressed", learning="the MLP overfits the small data"
        ),
    ]
    code = Code(
        python_files=["src/churn/data.py", "src/churn/train.py", "tests/test_data.py"],
        test_files=["tests/test_data.py"],
        module_lines=400,
        imports={"churn.train": {"churn.data"}},
        data_modules=["src/churn/data.py"],
        model_modules=["src/churn/train.py"],
        dependency_files=["requirements.txt"],
        pinned_requirements=5,
        total_requirements=5,
        lock_file="uv.lock",
        seeds=[Pointer("file", "src/churn/train.py:12", "random_state=0")],
        lint_findings=1,
        max_complexity=6,
        mean_complexity=2.5,
        documented_commands=[
            Pointer("file", "Makefile:1", "train"),
            Pointer("file", "Makefile:4", "test"),
        ],
    )
    return evidence(
        commits=commits,
        experiments=experiments,
        docs=[FRAMING_DOC],
        statements=[
            statement("tradeoff", "Chose boosting over an MLP because of latency.", line=34),
            statement("tradeoff", "Kept 40 features instead of 200 to stay under 50 ms.", line=35),
            statement("failure", "The MLP did not help because the data is small.", line=36),
            statement("next_step", "Calibrate probabilities.", line=46),
            statement("next_step", "Add usage features.", line=47),
            statement("impact", "Catches 8 in 10 churners before they leave.", line=38),
            statement("impact", "Saves the retention team 2 hours a day.", line=39),
            statement("assumption", "Labels are correct as of March.", line=14),
            statement(
                "feedback_ack", "Following the day-3 feedback I simplified the model.", line=40
            ),
        ],
        iteration_table=Pointer("file", "README.md:26", "iteration | change | result"),
        iteration_table_rows=3,
        reported={"recall": (0.82, Pointer("file", "README.md:37", "recall 0.82"))},
        code=code,
        updates=[update(f"upd-{i}", 20 + 40 * i, blockers="none") for i in range(4)],
        questions=[question("q-001", 3)],
        feedback=[
            feedback("fb-001", 72, response="Simplified the model.", commits=[commits[4].sha])
        ],
    )


def weak() -> Evidence:
    """A candidate who dumps a notebook at the deadline with no write-up."""
    commits = [
        commit(
            "dump",
            165,
            subject="final",
            kind=CommitKind.BULK_UPLOAD,
            files={"analysis.ipynb": 900, "data/train.csv": 5000},
        ),
    ]
    code = Code(
        notebooks=["analysis.ipynb"],
        notebook_lines=400,
        data_files=["data/train.csv"],
        large_files=[("data/train.csv", 9_000_000)],
    )
    return evidence(
        commits=commits,
        code=code,
        readme_is_prompt=True,
        docs=[
            doc(
                "README.md",
                section("README.md", 1, "The brief", "Build a model.", ["objective", "metric"]),
            )
        ],
    )


def sig(signal_id: str, context: Context) -> Any:
    """Run the registered signal ``signal_id`` on ``context``."""
    from worktrial.rubric import REGISTRY

    return REGISTRY[signal_id](context)
