"""Properties every signal keeps on generated evidence (hypothesis): bounded, deterministic,
never raising, "not observed" on an empty repository; score() stays on the 1-5 scale and
adding framing never lowers the framing score."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worktrial.evidence._types import (
    DOC_ELEMENTS,
    Code,
    CodeReach,
    Commit,
    CommitKind,
    Comms,
    DocFile,
    Docs,
    DocSection,
    Evidence,
    Experiments,
    Feedback,
    FileChange,
    History,
    Pointer,
    Question,
    Statement,
    Update,
)
from worktrial.rubric import (
    FLAG_TITLES,
    PHASES,
    REGISTRY,
    Context,
    RunMeasurements,
    red_flags,
    score,
    time_allocation,
)

from ._build import START, empty, experiment, sha, spec

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

hours = st.floats(min_value=-72, max_value=24 * 12, allow_nan=False, allow_infinity=False)
any_float = st.floats(allow_nan=True, allow_infinity=True)
metric_value = st.one_of(st.floats(min_value=0, max_value=1), any_float)
metric_name = st.sampled_from(
    ["recall", "precision", "roc_auc", "auc", "f1", "accuracy", "rmse", "log_loss", "odd"]
)
metrics = st.dictionaries(metric_name, metric_value, max_size=3)
prose = st.one_of(
    st.sampled_from(
        [
            "",
            "wip",
            "final",
            "recall 0.81",
            "auc=0.9 tuned",
            "Add files via upload",
            "Use class weights to lift recall because misses cost",
            "Chose boosting over an MLP instead of latency",
            "latency p95 under 50 ms and memory 512 MB",
        ]
    ),
    st.text(max_size=40),
)
paths = st.sampled_from(
    ["README.md", "REPORT.md", "docs/notes.md", "src/a.py", "src/b.py", "tests/test_a.py",
     "nb.ipynb", "data/train.csv", "model.pkl"]
)  # fmt: skip
kinds = st.sampled_from(list(CommitKind))
reaches = st.builds(
    CodeReach,
    st.sampled_from(["path", "host", "environment", "network", "install"]),
    st.sampled_from(
        ["data/train.csv", "../hidden/holdout_labels.csv", "holdout_features.csv",
         "/proc/1/root", "DATABASE_URL", "requests.get", "pip install x", ""]
    ),
    st.builds(
        Pointer,
        st.just("file"),
        st.sampled_from(["src/a.py:3", "src/b.py:1", "nb.ipynb", "src/train.py:x"]),
        st.sampled_from(["", "cell 2, line 1: x", "import socket"]),
    ),
)  # fmt: skip
log_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "ConnectionRefusedError: [Errno 111] Connection refused",
                "socket.gaierror: [Errno -3] Temporary failure in name resolution",
                "FileNotFoundError: [Errno 2] No such file or directory: 'hidden/x.csv'",
                "PermissionError: [Errno 13] Permission denied: '../hidden/holdout_labels.csv'",
                "listed /proc/1/root: bin",
                "test_connection_refused PASSED",
                "x" * 300 + " Network is unreachable " + "y" * 300,
            ]
        ),
        st.text(max_size=60),
    ),
    max_size=5,
).map("\n".join)


def when(h: float) -> datetime:
    return START + timedelta(hours=h)


@st.composite
def commits(draw: st.DrawFn) -> list[Commit]:
    out: list[Commit] = []
    for i in range(draw(st.integers(0, 20))):
        t = when(draw(hours))
        files = draw(st.dictionaries(paths, st.integers(0, 5000), max_size=4))
        out.append(
            Commit(
                sha=sha(f"c{i}"),
                author_name="A",
                author_email="a@example.com",
                authored_at=t,
                committed_at=t,
                subject=draw(prose),
                body=draw(prose),
                parents=(),
                files=[FileChange(p, n, draw(st.integers(0, 50))) for p, n in files.items()],
                kind=draw(kinds),
                is_starter=draw(st.booleans()) and i == 0,
                after_deadline=draw(st.booleans()) and i > 3,
            )
        )
    return out


@st.composite
def evidences(draw: st.DrawFn) -> Evidence:
    cs = draw(commits())
    shas = [c.sha for c in cs] + ["0" * 40]
    exps = [
        experiment(
            f"exp-{i}",
            draw(st.one_of(st.none(), hours)),
            metrics=draw(metrics),
            outcome=draw(st.sampled_from([None, "improved", "regressed", "neutral", "failed"])),
            observation=draw(prose),
            hypothesis=draw(prose),
            change=draw(prose),
            result=draw(prose),
            learning=draw(prose),
            commit=draw(st.one_of(st.none(), st.sampled_from(shas))),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    doc_paths = draw(st.lists(paths, max_size=3, unique=True))
    files = []
    for p in doc_paths:
        sections = [
            DocSection(
                p,
                draw(st.integers(1, 60)),
                draw(prose),
                draw(st.integers(1, 4)),
                draw(st.one_of(prose, st.just("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"))),
                frozenset(draw(st.sets(st.sampled_from(DOC_ELEMENTS), max_size=4))),
            )
            for _ in range(draw(st.integers(0, 4)))
        ]
        added = draw(st.one_of(st.none(), hours))
        files.append(DocFile(p, "readme", 10, sections, when(added) if added is not None else None))
    statement_kinds = st.sampled_from(
        ["tradeoff", "failure", "next_step", "impact", "assumption", "feedback_ack"]
    )
    statements = [
        Statement(draw(statement_kinds), draw(prose), Pointer("file", f"{draw(paths)}:3"))
        for _ in range(draw(st.integers(0, 6)))
    ]
    table = draw(
        st.one_of(
            st.none(),
            st.builds(lambda p, line: Pointer("file", f"{p}:{line}"), paths, st.integers(0, 70)),
            st.just(Pointer("file", "README.md:abc")),
        )
    )
    reported = draw(
        st.dictionaries(metric_name, st.tuples(metric_value, st.just(Pointer("file", "R.md:1"))))
    )
    py = draw(st.lists(paths, max_size=4, unique=True))
    code = Code(
        python_files=[p for p in py if p.endswith(".py")],
        test_files=[p for p in py if "test" in p],
        notebooks=[p for p in py if p.endswith(".ipynb")],
        module_lines=draw(st.integers(0, 5000)),
        notebook_lines=draw(st.integers(0, 5000)),
        imports=draw(
            st.dictionaries(st.sampled_from(["a", "b"]), st.sets(st.sampled_from(["a", "b"])))
        ),
        data_modules=draw(st.lists(st.sampled_from(["src/a.py", "b"]), max_size=2)),
        model_modules=draw(st.lists(st.sampled_from(["src/b.py", "b"]), max_size=2)),
        dependency_files=draw(st.lists(st.just("requirements.txt"), max_size=1)),
        pinned_requirements=draw(st.integers(0, 20)),
        total_requirements=draw(st.integers(0, 10)),
        lock_file=draw(st.one_of(st.none(), st.just("poetry.lock"))),
        seeds=draw(st.lists(st.just(Pointer("file", "src/a.py:3")), max_size=2)),
        lint_findings=draw(st.one_of(st.none(), st.integers(0, 500))),
        max_complexity=draw(st.integers(0, 60)),
        mean_complexity=draw(st.floats(0, 40)),
        documented_commands=draw(st.lists(st.just(Pointer("file", "Makefile:1")), max_size=3)),
        data_files=draw(st.lists(st.just("data/train.csv"), max_size=1)),
        large_files=draw(st.lists(st.just(("model.pkl", 9_000_000)), max_size=1)),
        reach=draw(st.lists(reaches, max_size=4)),
    )
    comms = Comms(
        updates=[
            Update(f"u{i}", when(draw(hours)), draw(prose), draw(prose), draw(prose))
            for i in range(draw(st.integers(0, 5)))
        ],
        questions=[
            Question(f"q{i}", when(draw(hours)), draw(prose))
            for i in range(draw(st.integers(0, 2)))
        ],
        feedback=[
            Feedback(
                f"f{i}",
                when(draw(hours)),
                "day 3",
                draw(prose),
                draw(prose),
                None,
                draw(st.lists(st.sampled_from(shas), max_size=2)),
            )
            for i in range(draw(st.integers(0, 3)))
        ],
    )
    return Evidence(
        repo_path="/repo",
        history=History(cs, cs[-1].sha if cs else None, "main"),
        experiments=Experiments(exps),
        docs=Docs(
            files=files,
            readme_path=draw(st.one_of(st.none(), st.just("README.md"))),
            readme_is_prompt=draw(st.booleans()),
            iteration_table=table,
            iteration_table_rows=draw(st.integers(0, 12)) if table else 0,
            statements=statements,
            reported_metrics=reported,
        ),
        code=code,
        comms=comms,
    )


optional_float = st.one_of(st.none(), any_float)
runs = st.one_of(
    st.none(),
    st.builds(
        RunMeasurements,
        metrics=metrics,
        latency_p95_ms=optional_float,
        peak_memory_mb=optional_float,
        model_size_mb=optional_float,
        training_time_s=optional_float,
        tests_passed=st.one_of(st.none(), st.integers(-2, 50)),
        tests_failed=st.one_of(st.none(), st.integers(-2, 50)),
        rerun_metric_delta=optional_float,
        pointers=st.dictionaries(
            st.sampled_from(["score", "rerun", "network_attempt", "near_duplicate", "x"]),
            st.sampled_from([Pointer("run", "log", "note"), Pointer("run", "log")]),
        ),
        logs=st.dictionaries(
            st.sampled_from(["export", "tests", "train", "predict", "rerun", "odd"]), log_lines
        ),
    ),
)


HIDDEN = [
    {"path": "data/train.csv", "role": "train"},
    {"path": "hidden/holdout_features.csv", "role": "holdout_features", "hidden": True},
    {"path": "hidden/holdout_labels.csv", "role": "holdout_labels", "hidden": True},
]


def _spec(days: int, rmse: bool, tol: float, budgets: bool) -> Any:
    overrides: dict[str, Any] = {"duration_days": days}
    if budgets:  # a trial with budgets also has a hidden holdout and src/ commands
        overrides["data"] = {"target": "churned", "files": HIDDEN}
        overrides["interface"] = {"train": "python -m src.train", "predict": "x {input} {output}"}
    if rmse:
        overrides["primary_metric"] = {"name": "rmse", "priority": "errors cost", "target": 1.0}
    if not budgets:
        overrides["constraints"] = {}
    overrides["reproducibility"] = {"rerun": True, "tolerance": tol}
    return spec(**overrides)


specs = st.one_of(
    st.none(),
    st.builds(
        _spec, st.integers(1, 30), st.booleans(), st.sampled_from([0.0, 0.01]), st.booleans()
    ),
)


@st.composite
def contexts(draw: st.DrawFn) -> Context:
    start = draw(st.one_of(st.none(), hours))
    deadline = draw(st.one_of(st.none(), hours))
    return Context(
        evidence=draw(evidences()),
        spec=draw(specs),
        run=draw(runs),
        started_at=when(start) if start is not None else None,
        deadline=when(deadline) if deadline is not None else None,
    )


@SETTINGS
@given(contexts())
def test_every_signal_is_bounded_deterministic_and_never_raises(ctx: Context) -> None:
    for sid, sig in REGISTRY.items():
        first = sig(ctx)
        assert first == sig(ctx), sid
        if first.subscore is not None:
            assert 0.0 <= first.subscore <= 1.0, (sid, first)
        assert first.rule.strip() and first.summary.strip(), sid
        assert len(first.evidence) <= 10, sid
        assert all(isinstance(p, Pointer) for p in first.evidence), sid


@SETTINGS
@given(contexts())
def test_score_is_on_the_scale_and_matches_the_signals(ctx: Context) -> None:
    result = score(ctx)
    assert result == score(ctx)
    for d in result.dimensions:
        assert 0.0 <= d.confidence <= 1.0
        if d.score is not None:
            assert 1.0 <= d.score <= 5.0
        # memoized inside score() and recomputed outside, a signal says the same
        for s in d.signals:
            assert s.result == REGISTRY[s.signal_id](ctx), s.signal_id
    if result.overall is not None:
        assert 1.0 <= result.overall <= 5.0
    alloc = time_allocation(ctx)
    assert list(alloc) == list(PHASES)
    assert all(0.0 <= v <= 1.0 for v in alloc.values())
    assert abs(sum(alloc.values()) - 1.0) < 1e-9 or sum(alloc.values()) == 0.0


@SETTINGS
@given(contexts())
def test_red_flags_are_titled_explained_and_pointed(ctx: Context) -> None:
    found = red_flags(ctx)
    assert found == red_flags(ctx)
    assert len({f.id for f in found}) == len(found)
    for flag in found:
        assert flag.title == FLAG_TITLES[flag.id]
        assert flag.detail.strip() and len(flag.evidence) <= 10, flag
        assert all(isinstance(p, Pointer) for p in flag.evidence), flag


@SETTINGS
@given(specs, st.one_of(st.none(), hours), st.one_of(st.none(), hours))
def test_empty_evidence_is_not_observed(trial: Any, start: float | None, end: float | None) -> None:
    ctx = Context(
        evidence=empty(),
        spec=trial,
        started_at=when(start) if start is not None else None,
        deadline=when(end) if end is not None else None,
    )
    for sid, sig in REGISTRY.items():
        result = sig(ctx)
        assert result.subscore is None, (sid, result)
        assert result.summary, sid
    assert score(ctx).overall is None
    assert time_allocation(ctx) == dict.fromkeys(PHASES, 0.0)


@SETTINGS
@given(
    contexts(),
    st.sets(
        st.sampled_from(["objective", "metric", "constraints", "assumptions", "scope"]), min_size=1
    ),
    st.sampled_from(["FRAMING.md", "README.md", "docs/notes.md"]),
    prose,
)
def test_adding_framing_never_lowers_framing(
    ctx: Context, elements: set[str], path: str, text: str
) -> None:
    before = score(ctx).dimension("framing").score
    docs = ctx.evidence.docs
    added = DocSection(path, 999, "Problem framing", 2, text, frozenset(elements))
    files = [replace(f, sections=list(f.sections)) for f in docs.files]
    target = next((f for f in files if f.path == path), None)
    if target is None:
        files.append(DocFile(path, "docs", 5, [added]))
    else:
        target.sections.append(added)
    richer = replace(ctx, evidence=replace(ctx.evidence, docs=replace(docs, files=files)))
    after = score(richer).dimension("framing").score
    if before is not None:
        assert after is not None
        assert after >= before - 1e-9, (before, after)
