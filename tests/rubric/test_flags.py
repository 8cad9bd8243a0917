"""Red flags: each raised by the pattern it names, with detail and pointers, and not otherwise."""

from __future__ import annotations

from worktrial.evidence._types import CommitKind, Pointer
from worktrial.rubric import FLAG_TITLES, INTEGRITY_FLAGS, RedFlag, red_flags

from ._build import (
    FRAMING_DOC,
    commit,
    ctx,
    empty,
    evidence,
    experiment,
    full_experiment,
    run,
    spec,
    statement,
    strong,
    weak,
)


def flags(c: object) -> dict[str, RedFlag]:
    return {f.id: f for f in red_flags(c)}  # type: ignore[arg-type]


def test_strong_and_empty_raise_nothing() -> None:
    assert red_flags(ctx(strong(), trial=spec(), measured=run())) == []
    assert red_flags(ctx(empty())) == []
    assert red_flags(ctx(empty(), trial=spec())) == []


def test_titles_cover_every_flag() -> None:
    assert set(INTEGRITY_FLAGS) <= set(FLAG_TITLES)
    assert FLAG_TITLES["last_minute"] == "All work in the last hours"


# ---------------------------------------------------------------- over_engineering


def test_over_engineering_before_the_first_baseline() -> None:
    commits = [
        commit(f"m{i}", 2 + i, kind=CommitKind.REFACTOR, files={f"src/pkg/mod{i}.py": 150})
        for i in range(8)
    ]
    ev = evidence(commits=commits, experiments=[experiment("exp-1", 120, metrics={"f1": 0.5})])
    flag = flags(ctx(ev))["over_engineering"]
    assert flag.title == "Over-engineering before any baseline"
    assert flag.detail == (
        "8 Python modules and 1200 added lines before the first result with a metric "
        "(experiment exp-1 (f1 0.5))."
    )
    assert flag.evidence[0] == Pointer("experiment", "exp-1")


def test_over_engineering_not_raised_for_small_or_test_code() -> None:
    commits = [commit(f"t{i}", 2 + i, files={f"tests/test_{i}.py": 300}) for i in range(8)]
    commits += [commit("m", 1, files={"src/a.py": 100})]
    ev = evidence(commits=commits, experiments=[experiment("exp-1", 120, metrics={"f1": 0.5})])
    assert "over_engineering" not in flags(ctx(ev))
    # no baseline at all: nothing to be "before"
    assert "over_engineering" not in flags(ctx(evidence(commits=commits)))


# ---------------------------------------------------------------- leaderboard_tuning


def test_leaderboard_tuning_with_no_writeup() -> None:
    runs = [experiment(f"e{i}", 10 + i, metrics={"auc": 0.7 + i / 100}) for i in range(5)]
    tuning = [commit(f"c{i}", 10 + i, subject=f"auc 0.{80 + i}") for i in range(5)]
    flag = flags(ctx(evidence(commits=tuning, experiments=runs)))["leaderboard_tuning"]
    assert flag.detail == (
        "5 experiments record metrics with no hypothesis or learning; 5 commits whose message "
        "is only a metric or a setting, and no write-up explains the work."
    )
    assert len(flag.evidence) == 10


def test_leaderboard_tuning_not_raised_with_a_writeup() -> None:
    runs = [experiment(f"e{i}", 10 + i, metrics={"auc": 0.7}) for i in range(6)]
    ev = evidence(commits=[commit("a", 1)], experiments=runs, docs=[FRAMING_DOC])
    assert "leaderboard_tuning" not in flags(ctx(ev))


# ---------------------------------------------------------------- no_iteration_narrative


def test_no_iteration_narrative() -> None:
    flag = flags(ctx(weak()))["no_iteration_narrative"]
    assert flag.detail.startswith("No experiment states a hypothesis or a learning")
    told = evidence(
        commits=[commit("a", 1)], experiments=[experiment("e", 2, hypothesis="weights help")]
    )
    assert "no_iteration_narrative" not in flags(ctx(told))


# ---------------------------------------------------------------- last_minute


def test_last_minute_last_ten_percent() -> None:
    flag = flags(ctx(weak()))["last_minute"]
    assert flag.detail == "100% of the changed lines in the last 10% of the trial window."
    assert flag.evidence == (weak().history.commits[0].pointer,)


def test_last_minute_last_24_hours() -> None:
    ev = evidence(
        commits=[commit("early", 10, files={"a.py": 100}), commit("late", 150, files={"b.py": 900})]
    )
    flag = flags(ctx(ev))["last_minute"]
    assert flag.detail == "90% of the changed lines in the last 24 hours."


def test_last_minute_24_hour_rule_needs_a_long_trial() -> None:
    two_days = spec(duration_days=2)
    ev = evidence(
        commits=[commit("early", 1, files={"a.py": 100}), commit("late", 40, files={"b.py": 900})]
    )
    # 40 h of a 48 h trial is at 83%: not the last 10%, and the 24 h rule is off for 2 days
    assert "last_minute" not in flags(ctx(ev, trial=two_days, window=False))


def test_last_minute_not_raised_for_spread_work() -> None:
    assert "last_minute" not in flags(ctx(strong()))


# ---------------------------------------------------------------- constraints_ignored


def test_constraints_ignored_by_the_writeup() -> None:
    flag = flags(ctx(weak(), trial=spec()))["constraints_ignored"]
    assert flag.detail == (
        "The write-up never mentions the declared constraints (prediction latency p95, peak "
        "memory, precision floor)."
    )


def test_constraints_ignored_by_the_run() -> None:
    measured = run(peak_memory_mb=900.0)
    flag = flags(ctx(strong(), trial=spec(), measured=measured))["constraints_ignored"]
    assert flag.detail == "The sandbox run violated peak memory: 900MB against ≤ 512MB (VIOLATED)."
    assert flag.evidence == (Pointer("run", "memory", "peak memory 900MB"),)


def test_constraints_ignored_needs_declared_constraints() -> None:
    assert "constraints_ignored" not in flags(ctx(weak()))


# ---------------------------------------------------------------- only_successes


def _steady(n: int) -> list[object]:
    return [full_experiment(f"e{i}", 10 + i, 0.6 + i / 100, outcome="improved") for i in range(n)]


def test_only_successes() -> None:
    ev = evidence(commits=[commit("a", 1)], experiments=_steady(4))  # type: ignore[arg-type]
    flag = flags(ctx(ev))["only_successes"]
    assert flag.detail == (
        "4 experiments and every one is a success: no regression, failure or dead end is "
        "recorded, in the log or the write-up."
    )
    three = evidence(commits=[commit("a", 1)], experiments=_steady(3))  # type: ignore[arg-type]
    assert "only_successes" not in flags(ctx(three))


def test_only_successes_cleared_by_any_honest_record() -> None:
    base = _steady(4)
    failed = [*base, experiment("bad", 30, outcome="failed")]
    assert "only_successes" not in flags(ctx(evidence(experiments=failed)))  # type: ignore[arg-type]
    dropped = [*base, full_experiment("drop", 30, 0.5)]
    assert "only_successes" not in flags(ctx(evidence(experiments=dropped)))  # type: ignore[arg-type]
    said = evidence(
        experiments=base,  # type: ignore[arg-type]
        statements=[statement("failure", "Target encoding did not help.")],
    )
    assert "only_successes" not in flags(ctx(said))


# ---------------------------------------------------------------- irreproducible


def test_irreproducible() -> None:
    measured = run(rerun_metric_delta=-0.05, pointers={"rerun": Pointer("run", "rerun-log")})
    flag = flags(ctx(strong(), trial=spec(), measured=measured))["irreproducible"]
    assert flag.detail == (
        "Retraining in the sandbox moved the metric by 0.05, outside the tolerance 0.01."
    )
    assert flag.evidence == (Pointer("run", "rerun-log"),)
    within = run(rerun_metric_delta=0.005)
    assert "irreproducible" not in flags(ctx(strong(), trial=spec(), measured=within))


# ---------------------------------------------------------------- integrity hooks


def test_integrity_flags_come_from_run_pointers() -> None:
    # the rubric finds network and holdout attempts itself (test_reach.py); an integrity check
    # may still supply a pointer, and is the only source of near_duplicate
    blocked = Pointer("run", "predict", "connect() to 203.0.113.9:443 was blocked")
    copied = Pointer("run", "similarity", "94% of the shingles of submission 12")
    measured = run(pointers={"network_attempt": blocked, "something_else": blocked})
    found = flags(ctx(strong(), trial=spec(), measured=measured))
    assert found["network_attempt"] == RedFlag(
        "network_attempt",
        "Attempt to reach the network",
        "connect() to 203.0.113.9:443 was blocked",
        (blocked,),
    )
    assert "something_else" not in found
    assert "near_duplicate" not in found
    assert "holdout_access" not in found
    duplicate = flags(ctx(strong(), measured=run(pointers={"near_duplicate": copied})))
    assert duplicate["near_duplicate"] == RedFlag(
        "near_duplicate",
        "Near-duplicate of another submission or of public code",
        "94% of the shingles of submission 12",
        (copied,),
    )
