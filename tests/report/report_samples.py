"""Hand-built evidence and rubric results, so renderers are tested without any collector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worktrial.evidence._types import (
    Code,
    Commit,
    CommitKind,
    Comms,
    Docs,
    Evidence,
    Experiment,
    Experiments,
    FileChange,
    History,
    Pointer,
    SkippedFile,
    Update,
)
from worktrial.report import Scorecard, build_scorecard
from worktrial.rubric._types import (
    DIMENSION_TITLES,
    DIMENSIONS,
    Context,
    DimensionScore,
    RedFlag,
    RubricResult,
    ScoredSignal,
    SignalResult,
)
from worktrial.spec import TrialSpec

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
DEADLINE = START + timedelta(days=7)
EVIL = "<script>alert('x')</script> & \"quotes\" [bold]markup[/]"


def _commit(
    n: int, hours: float, subject: str, kind: CommitKind, lines: int, **kw: object
) -> Commit:
    return Commit(
        sha=f"{n:02d}" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9"[:38],
        author_name="Ada Lovelace",
        author_email="ada@example.com",
        authored_at=START + timedelta(hours=hours),
        committed_at=START + timedelta(hours=hours),
        subject=subject,
        body="",
        parents=(),
        files=[FileChange("src/x.py", lines, 0)],
        kind=kind,
        **kw,  # type: ignore[arg-type]
    )


def make_evidence(repo_path: str = "/srv/private/eval/cand-7") -> Evidence:
    commits = [
        _commit(0, -24, "Starter kit", CommitKind.OTHER, 300, is_starter=True),
        _commit(1, 2, "Write problem framing: recall matters, assumptions", CommitKind.FRAMING, 40),
        _commit(2, 10, "Load and clean data", CommitKind.DATA, 120),
        _commit(3, 20, "Add logistic regression baseline (recall 0.71)", CommitKind.MODELLING, 90),
        _commit(4, 50, EVIL, CommitKind.MODELLING, 30),
        _commit(5, 80, "Add tests for the feature pipeline", CommitKind.TESTS, 60),
        _commit(6, 120, "Class weights: recall 0.83 by Ada Lovelace", CommitKind.MODELLING, 25),
        _commit(7, 150, "Write-up: results, trade-offs, next steps", CommitKind.FRAMING, 80),
        _commit(8, 200, "Tweak after the deadline", CommitKind.MODELLING, 5, after_deadline=True),
    ]
    history = History(
        commits=commits,
        head=commits[-1].sha,
        branch="main",
        deadline=DEADLINE,
        notes=[f"deadline taken from {repo_path}/trial.toml"],
    )
    experiments = Experiments(
        records=[
            Experiment(
                id="exp-001",
                at=START + timedelta(hours=20),
                source="worktrial",
                change="logistic regression baseline",
                metrics={"recall": 0.71, "precision": 0.6},
                outcome="improved",
                pointer=Pointer("experiment", "exp-001", "baseline"),
            ),
            Experiment(
                id="exp-002",
                at=START + timedelta(hours=50),
                source="worktrial",
                change=EVIL,
                metrics={"recall": 0.69},
                outcome="regressed",
                pointer=Pointer("experiment", "exp-002"),
            ),
            Experiment(
                id="exp-003",
                at=START + timedelta(hours=90),
                source="worktrial",
                change="gradient boosting",
                metrics={"recall": 0.69},
                outcome="failed",
                pointer=Pointer("experiment", "exp-003"),
            ),
            Experiment(
                id="exp-004",
                at=START + timedelta(hours=120),
                source="worktrial",
                change="class weights",
                metrics={"recall": 0.83},
                outcome="improved",
                pointer=Pointer("experiment", "exp-004"),
            ),
        ],
        log_path=".worktrial/experiments.jsonl",
    )
    code = Code(
        python_files=["src/x.py", "tests/test_x.py"],
        test_files=["tests/test_x.py"],
        skipped=[SkippedFile("data/big.csv", "over the 2 MB size cap")],
    )
    comms = Comms(
        updates=[Update("upd-001", START + timedelta(days=2), "baseline", "boosting", "")]
    )
    return Evidence(
        repo_path=repo_path,
        history=history,
        experiments=experiments,
        docs=Docs(readme_path="README.md"),
        code=code,
        comms=comms,
        notes=[f"read {repo_path}/README.md"],
    )


def make_result(evidence: Evidence, *, strong: bool = True) -> RubricResult:
    c = evidence.history.commits
    dims = []
    for i, dim in enumerate(DIMENSIONS):
        good = SignalResult(
            value=0.8 if strong else 0.1,
            subscore=0.8 if strong else 0.1,
            rule="subscore = value",
            summary=f"{DIMENSION_TITLES[dim]} looks {'good' if strong else 'thin'}",
            evidence=(
                c[1 + i % 7].pointer,
                Pointer("file", f"README.md:{10 + i}", "## Objective"),
                Pointer("experiment", "exp-002", EVIL),
            ),
            fix="Write it down in the README.",
        )
        text_value = SignalResult(
            value=EVIL,
            subscore=0.5,
            rule="half",
            summary=f"summary with {EVIL}",
            evidence=(Pointer("file", "src/<evil>.py:3", EVIL), Pointer("update", "upd-001")),
        )
        missing = SignalResult(
            value=None,
            subscore=None,
            rule="needs a sandbox run",
            summary="no sandboxed run was measured",
            fix="Run the trial's train command.",
        )
        signals = (
            ScoredSignal(f"{dim}.first", "First signal", 2.0, good),
            ScoredSignal(f"{dim}.text", "Text value", 1.0, text_value),
            ScoredSignal(f"{dim}.missing", "Missing signal", 1.0, missing),
        )
        score = (4.2 if strong else 1.4) - i * 0.1
        dims.append(
            DimensionScore(
                dimension=dim,
                title=DIMENSION_TITLES[dim],
                weight=1.0 if dim == "output" else 2.0,
                score=None if dim == "output" else score,
                confidence=0.0 if dim == "output" else 0.75,
                signals=signals,
            )
        )
    flags = (
        RedFlag(
            id="late_dump",
            title="All work in the last hours",
            detail=f"most lines landed at the end {EVIL}",
            evidence=(c[7].pointer, Pointer("run", "train", "exit 0")),
        ),
    )
    return RubricResult(dimensions=tuple(dims), overall=3.9 if strong else 1.3, red_flags=flags)


def make_spec() -> TrialSpec:
    return TrialSpec.model_validate(
        {
            "id": "churn-recall",
            "title": "Catch churners before they leave",
            "kind": "classification",
            "duration_days": 7,
            "compensation": {
                "amount": 1200,
                "currency": "EUR",
                "expected_hours": 20,
                "hourly_floor": 40,
            },
            "data": {"target": "churn", "files": [{"path": "data/train.csv", "role": "train"}]},
            "primary_metric": {
                "name": "recall",
                "priority": "a missed churner costs far more than a wasted offer",
                "baseline": 0.65,
                "target": 0.85,
            },
            "interface": {"predict": "python predict.py {input} {output}"},
        }
    )


def make_scorecard(*, strong: bool = True, candidate: str | None = "cand-7") -> Scorecard:
    evidence = make_evidence()
    ctx = Context(evidence=evidence, spec=make_spec(), started_at=START, deadline=DEADLINE)
    return build_scorecard(
        evidence,
        make_result(evidence, strong=strong),
        ctx,
        candidate=candidate,
        time_allocation={"framing": 0.1, "baseline": 0.35, "iteration": 0.4, "writeup": 0.15},
        window_source="explicit",
        notes=["window given on the command line"],
        generated_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
