"""Decisions signals: budgets, constraints addressed, trade-offs, time allocation, failures,
next steps; and the exported time_allocation()."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import CommitKind, Pointer
from worktrial.rubric import HEALTHY_ALLOCATION, PHASES, time_allocation
from worktrial.rubric._allocation import allocation_distance

from ._build import (
    commit,
    ctx,
    doc,
    empty,
    evidence,
    experiment,
    run,
    section,
    sig,
    spec,
    statement,
    strong,
    weak,
)

NOTHING = (
    "nothing to assess: no commits by the candidate before the deadline and no files or records"
)


# ---------------------------------------------------------------- decisions.constraints_met


def test_constraints_met_all() -> None:
    res = sig("decisions.constraints_met", ctx(strong(), trial=spec(), measured=run()))
    assert res.subscore == 1.0
    assert res.summary.startswith("All 3 measured budget(s) met: prediction latency p95: 20ms")


def test_constraints_met_violations() -> None:
    measured = run(latency_p95_ms=80.0, metrics={"recall": 0.9, "precision": 0.3})
    res = sig("decisions.constraints_met", ctx(strong(), trial=spec(), measured=measured))
    assert res.subscore == pytest.approx(1 / 3, abs=1e-4)
    assert res.summary == (
        "Budget(s) violated: prediction latency p95: 80ms against ≤ 50ms (VIOLATED); "
        "precision floor: 0.3 against ≥ 0.5 (VIOLATED)."
    )
    assert res.evidence[0] == Pointer("run", "latency", "prediction latency p95 80ms")


def test_constraints_met_not_observed() -> None:
    assert sig("decisions.constraints_met", ctx(strong(), measured=run())).summary == (
        "no trial spec: no budgets declared"
    )
    bare = spec(constraints={}, primary_metric={"name": "recall", "priority": "misses cost"})
    assert sig("decisions.constraints_met", ctx(strong(), trial=bare, measured=run())).summary == (
        "the trial declares no latency, memory, size or time budget"
    )
    assert sig("decisions.constraints_met", ctx(strong(), trial=spec())).summary == (
        "not measured: the submission was not run in the sandbox for this scorecard"
    )
    nothing = run(metrics={}, latency_p95_ms=None, peak_memory_mb=None)
    assert sig(
        "decisions.constraints_met", ctx(strong(), trial=spec(), measured=nothing)
    ).summary == ("the sandbox run measured none of the declared budgets")


# ---------------------------------------------------------------- decisions.constraints_addressed


def test_constraints_addressed_with_spec() -> None:
    res = sig("decisions.constraints_addressed", ctx(strong(), trial=spec()))
    assert res.subscore == pytest.approx(2 / 3, abs=1e-4)
    assert res.summary == (
        "The write-up addresses 2 of 3 declared constraint(s); never mentions: precision floor."
    )
    silent = sig("decisions.constraints_addressed", ctx(weak(), trial=spec()))
    assert silent.subscore == 0.0


def test_constraints_addressed_without_spec() -> None:
    assert sig("decisions.constraints_addressed", ctx(strong())).subscore == 1.0
    res = sig("decisions.constraints_addressed", ctx(weak()))
    assert res.subscore == 0.0
    assert res.summary == "The write-up does not discuss constraints."


def test_constraints_addressed_not_observed() -> None:
    assert sig("decisions.constraints_addressed", ctx(empty(), trial=spec())).summary == NOTHING


# ---------------------------------------------------------------- decisions.tradeoffs


def test_tradeoffs() -> None:
    assert sig("decisions.tradeoffs", ctx(strong())).subscore == 1.0
    one = evidence(
        commits=[commit("a", 1)], statements=[statement("tradeoff", "A over B because C")]
    )
    assert sig("decisions.tradeoffs", ctx(one)).subscore == 0.5
    section_only = evidence(
        commits=[commit("a", 1)],
        docs=[doc("README.md", section("README.md", 3, "Trade-offs", "Speed.", ["tradeoffs"]))],
    )
    res = sig("decisions.tradeoffs", ctx(section_only))
    assert res.subscore == 0.5
    assert res.summary == "A trade-offs section, but no explicit 'A over B because C' statement."
    assert sig("decisions.tradeoffs", ctx(weak())).subscore == 0.0
    assert sig("decisions.tradeoffs", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- time_allocation


def test_time_allocation_phases() -> None:
    ev = evidence(
        commits=[
            commit("frame", 1, kind=CommitKind.FRAMING, files={"README.md": 100}),
            commit("data", 10, kind=CommitKind.DATA, files={"src/data.py": 100}),
            commit("base", 20, kind=CommitKind.MODELLING, files={"src/train.py": 200}),
            commit("it1", 50, kind=CommitKind.MODELLING, files={"src/train.py": 200}),
            commit("doc", 60, kind=CommitKind.FRAMING, files={"NOTES.md": 100}),
            commit("it2", 90, kind=CommitKind.MODELLING, files={"src/train.py": 100}),
            commit("bulk", 100, kind=CommitKind.BULK_UPLOAD, files={"data.csv": 1_000_000}),
            commit("bot", 110, kind=CommitKind.AUTOMATED, files={"model.pkl": 9999}),
            commit("write", 140, kind=CommitKind.FRAMING, files={"README.md": 200}),
        ],
        experiments=[experiment("exp-1", 20, metrics={"recall": 0.7})],
    )
    alloc = time_allocation(ctx(ev))
    assert list(alloc) == list(PHASES)
    # framing 200, baseline 200, iteration 200+100+100+1000 (capped bulk), writeup 200; no bot
    total = 2000
    assert alloc == pytest.approx(
        {
            "framing": 200 / total,
            "baseline": 200 / total,
            "iteration": 1400 / total,
            "writeup": 200 / total,
        }
    )


def test_time_allocation_without_a_baseline_uses_the_first_modelling_commit() -> None:
    ev = evidence(
        commits=[
            commit("m", 10, kind=CommitKind.MODELLING, files={"a.py": 10}),
            commit("n", 20, kind=CommitKind.MODELLING, files={"a.py": 30}),
        ]
    )
    assert time_allocation(ctx(ev)) == pytest.approx(
        {"framing": 0.0, "baseline": 0.25, "iteration": 0.75, "writeup": 0.0}
    )


def test_time_allocation_empty() -> None:
    assert time_allocation(ctx(empty())) == dict.fromkeys(PHASES, 0.0)


def test_allocation_distance() -> None:
    assert allocation_distance(HEALTHY_ALLOCATION) == 0.0
    assert allocation_distance({"iteration": 1.0}) == pytest.approx(0.6)
    assert allocation_distance({"writeup": 1.0}) == pytest.approx(0.8)


# ---------------------------------------------------------------- decisions.time_allocation


def test_time_allocation_signal() -> None:
    res = sig("decisions.time_allocation", ctx(strong()))
    assert res.subscore == pytest.approx(0.9419, abs=1e-4)
    assert res.summary == (
        "Work by phase: framing 33%, baseline 21%, iteration 33%, writeup 14% "
        "(healthy 20%/20%/40%/20%)."
    )
    dump = sig("decisions.time_allocation", ctx(weak()))
    # everything is "baseline": distance 0.8 → 0
    assert dump.subscore == 0.0
    assert (
        dump.fix == "Spend more of the trial on iteration (the healthy shape is 20%/20%/40%/20%)."
    )


def test_time_allocation_signal_not_observed() -> None:
    res = sig("decisions.time_allocation", ctx(empty()))
    assert res.subscore is None
    assert res.summary == "no work commits to allocate over the trial"


# ---------------------------------------------------------------- decisions.failures_recorded


def test_failures_recorded() -> None:
    assert sig("decisions.failures_recorded", ctx(strong())).subscore == 1.0
    bare = evidence(commits=[commit("a", 1)], experiments=[experiment("e1", 2, outcome="failed")])
    res = sig("decisions.failures_recorded", ctx(bare))
    assert res.subscore == 0.25
    assert res.summary == "1 failed experiment(s) on record, none with what was learned."
    one = evidence(
        commits=[commit("a", 1)],
        experiments=[experiment("e1", 2, outcome="regressed", learning="too few rows")],
    )
    assert sig("decisions.failures_recorded", ctx(one)).subscore == 0.5
    none = sig("decisions.failures_recorded", ctx(weak()))
    assert none.subscore == 0.0
    assert none.summary == "No failed experiment or failure is reported."
    assert sig("decisions.failures_recorded", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- decisions.next_steps


def test_next_steps() -> None:
    assert sig("decisions.next_steps", ctx(strong())).subscore == 1.0
    one = evidence(commits=[commit("a", 1)], statements=[statement("next_step", "Add features.")])
    assert sig("decisions.next_steps", ctx(one)).subscore == 0.5
    section_only = evidence(
        commits=[commit("a", 1)],
        docs=[doc("README.md", section("README.md", 3, "Next steps", "TBD", ["next_steps"]))],
    )
    res = sig("decisions.next_steps", ctx(section_only))
    assert res.subscore == 0.5
    assert res.summary == "A next-steps section without concrete steps."
    assert sig("decisions.next_steps", ctx(weak())).subscore == 0.0
    assert sig("decisions.next_steps", ctx(empty())).summary == NOTHING
