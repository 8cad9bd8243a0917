"""Iteration signals: baseline timing, deliberate iterations, records, trajectory, cadence."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import CommitKind, Pointer

from ._build import (
    commit,
    ctx,
    doc,
    empty,
    evidence,
    experiment,
    full_experiment,
    section,
    sig,
    strong,
    weak,
)

HOURS = 7 * 24
NOTHING = (
    "nothing to assess: no commits by the candidate before the deadline and no files or records"
)


# ---------------------------------------------------------------- iteration.time_to_baseline


def test_time_to_baseline_early() -> None:
    res = sig("iteration.time_to_baseline", ctx(strong()))
    assert res.subscore == 1.0
    assert res.value == pytest.approx(20 / HOURS, abs=1e-4)
    assert res.summary.startswith("First baseline at 12% of the trial window: commit ")


@pytest.mark.parametrize(("share", "expected"), [(0.25, 1.0), (0.5, 0.5), (0.75, 0.0), (0.9, 0.0)])
def test_time_to_baseline_ramp(share: float, expected: float) -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[experiment("exp-001", share * HOURS, metrics={"recall": 0.7})],
    )
    res = sig("iteration.time_to_baseline", ctx(ev))
    assert res.subscore == pytest.approx(expected)
    assert res.evidence == (Pointer("experiment", "exp-001"),)


def test_time_to_baseline_undated_metric_uses_first_modelling_commit() -> None:
    ev = evidence(
        commits=[
            commit("data", 5, kind=CommitKind.DATA),
            commit("m", 0.6 * HOURS, kind=CommitKind.MODELLING),
        ],
        reported={"recall": (0.8, Pointer("file", "README.md:3"))},
    )
    res = sig("iteration.time_to_baseline", ctx(ev))
    assert res.subscore == pytest.approx(0.3)
    assert "first modelling commit" in res.summary


def test_time_to_baseline_not_observed() -> None:
    res = sig("iteration.time_to_baseline", ctx(evidence(commits=[commit("a", 1)])))
    assert res.subscore is None
    assert res.summary == (
        "no experiment log or metric in the write-up: cannot place the first baseline"
    )
    # a metric but no way to place the trial in time
    undated = evidence(experiments=[experiment("e", 3, metrics={"f1": 0.5})])
    res = sig("iteration.time_to_baseline", ctx(undated, window=False))
    # the experiment itself gives no window: nothing else marks a start
    assert res.subscore is None
    assert res.summary == "no trial window (start and deadline) to place the first baseline in"


def test_late_experiments_are_not_counted() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[experiment("exp-late", HOURS + 5, metrics={"recall": 0.7})],
    )
    res = sig("iteration.time_to_baseline", ctx(ev))
    assert res.subscore is None


# ---------------------------------------------------------------- iteration.deliberate_iterations


def test_deliberate_iterations_counts_experiments() -> None:
    res = sig("iteration.deliberate_iterations", ctx(strong()))
    assert res.value == 4
    assert res.subscore == pytest.approx(0.8)


def test_deliberate_iterations_from_the_table() -> None:
    table = section(
        "REPORT.md",
        3,
        "Iterations",
        "| iteration | change | result |\n|---|---|---|\n"
        + "".join(f"| {i} | c{i} | 0.{i} |\n" for i in range(6)),
        ["iterations"],
    )
    ev = evidence(
        commits=[commit("a", 1)],
        docs=[doc("REPORT.md", table, kind="report")],
        iteration_table=Pointer("file", "REPORT.md:4"),
        iteration_table_rows=6,
    )
    res = sig("iteration.deliberate_iterations", ctx(ev))
    assert res.value == 6
    assert res.subscore == 1.0
    assert res.summary == "The iteration table lists 6 iteration(s)."


def test_deliberate_iterations_metric_only_runs_do_not_count() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[experiment(f"e{i}", i, metrics={"auc": 0.7}) for i in range(10)],
    )
    res = sig("iteration.deliberate_iterations", ctx(ev))
    assert res.value == 0
    assert res.subscore == 0.0


def test_deliberate_iterations_not_observed() -> None:
    assert sig("iteration.deliberate_iterations", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- iteration.record_completeness


def test_record_completeness() -> None:
    full = sig("iteration.record_completeness", ctx(strong()))
    assert full.subscore == pytest.approx(0.95)
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[
            experiment("e1", 1, metrics={"auc": 0.7}),
            experiment(
                "e2", 2, hypothesis="h", change="c", result="r", learning="l", observation="o"
            ),
        ],
    )
    res = sig("iteration.record_completeness", ctx(ev))
    assert res.subscore == pytest.approx(0.6)
    assert res.evidence == (Pointer("experiment", "e1"),)
    assert res.summary == (
        "Experiment records are 60% complete on average (2 records); most often missing: "
        "observation, hypothesis."
    )


def test_record_completeness_not_observed() -> None:
    res = sig("iteration.record_completeness", ctx(evidence(commits=[commit("a", 1)])))
    assert res.subscore is None
    assert res.summary == "no experiment records to check"


# ---------------------------------------------------------------- iteration.trajectory


def test_trajectory_improvement_with_honest_regression() -> None:
    res = sig("iteration.trajectory", ctx(strong()))
    assert res.subscore == 1.0
    assert res.value == pytest.approx(0.12 / 0.70, abs=1e-4)


def test_trajectory_no_gain_no_regression() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[full_experiment(f"e{i}", i, 0.7) for i in range(3)],
    )
    res = sig("iteration.trajectory", ctx(ev))
    assert res.subscore == 0.0
    assert res.summary.endswith("no regression or failure recorded.")


def test_trajectory_metric_drop_counts_as_honest_and_lower_is_better() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[
            experiment("e1", 1, metrics={"rmse": 10.0}),
            experiment("e2", 2, metrics={"rmse": 12.0}),
            experiment("e3", 3, metrics={"rmse": 9.0}),
        ],
    )
    res = sig("iteration.trajectory", ctx(ev))
    # 10% relative gain → full improvement; the rise to 12 is a recorded regression
    assert res.subscore == 1.0
    assert Pointer("experiment", "e2") in res.evidence


def test_trajectory_not_observed() -> None:
    ev = evidence(commits=[commit("a", 1)], experiments=[experiment("e1", 1, metrics={"f1": 0.5})])
    res = sig("iteration.trajectory", ctx(ev))
    assert res.subscore is None
    assert res.summary == (
        "fewer than two experiments record the same metric: no trajectory to follow"
    )


# ---------------------------------------------------------------- iteration.cadence


def test_cadence_spread_vs_dump() -> None:
    spread = sig("iteration.cadence", ctx(strong()))
    assert spread.subscore == 1.0
    assert spread.summary == (
        "Work on 5 of 7 day(s); 0% of the changed lines in the last 10% of the window."
    )
    dump = sig("iteration.cadence", ctx(weak()))
    # one day of seven (spread 0.29) and everything in the last 10% (not-late 0)
    assert dump.subscore == pytest.approx(0.5 * (1 / 7) / 0.5, abs=1e-4)


def test_cadence_caps_bulk_commits() -> None:
    ev = evidence(
        commits=[
            commit("a", 10, files={"src/a.py": 200}),
            commit("b", 40, files={"src/b.py": 200}),
            commit("c", 80, files={"src/c.py": 200}),
            commit("bulk", 160, files={"data.csv": 1_000_000}),
        ]
    )
    res = sig("iteration.cadence", ctx(ev))
    # the bulk commit counts 1,000 lines, not a million: 1000 / 1600 late
    assert "62% of the changed lines" in res.summary


def test_cadence_not_observed() -> None:
    assert sig("iteration.cadence", ctx(empty())).summary == "no work commits to place in time"
    one = evidence(commits=[commit("a", 1)])
    res = sig("iteration.cadence", ctx(one, window=False))
    assert res.subscore is None
    assert res.summary == "the trial window has no length (one instant): cannot judge the cadence"


# ---------------------------------------------------------------- iteration.iteration_table


def test_iteration_table_levels() -> None:
    assert sig("iteration.iteration_table", ctx(strong())).subscore == 1.0
    short = section(
        "R.md", 1, "Iterations", "| iteration | change | result |\n|---|---|---|\n| 1 | a | b |"
    )
    ev = evidence(
        commits=[commit("a", 1)],
        docs=[doc("R.md", short)],
        iteration_table=Pointer("file", "R.md:2"),
        iteration_table_rows=1,
    )
    res = sig("iteration.iteration_table", ctx(ev))
    assert res.subscore == 0.5
    assert res.summary == "The write-up has an iteration table with 1 row(s)."
    none = sig("iteration.iteration_table", ctx(evidence(commits=[commit("a", 1)])))
    assert none.subscore == 0.0
    assert none.summary == "No iteration table in the write-up."


def test_iteration_table_in_the_prompt_readme_does_not_count() -> None:
    ev = weak()
    ev.docs.iteration_table = Pointer("file", "README.md:1")
    assert sig("iteration.iteration_table", ctx(ev)).subscore == 0.0


def test_iteration_table_not_observed() -> None:
    assert sig("iteration.iteration_table", ctx(empty())).summary == NOTHING
