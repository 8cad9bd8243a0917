"""The trial window and the shared facts (memoized inside score())."""

from __future__ import annotations

from datetime import timedelta

from worktrial.rubric import Context, trial_window
from worktrial.rubric._facts import facts, memoized

from ._build import DEADLINE, START, at, commit, ctx, evidence, spec, strong


def test_window_given() -> None:
    w = trial_window(ctx(strong()))
    assert (w.start, w.end) == (START, DEADLINE)
    assert w.source == "from the given start to the deadline"
    assert w.fraction(at(84)) == 0.5
    assert w.fraction(at(-5)) == 0.0
    assert w.fraction(at(500)) == 1.0


def test_window_from_the_spec_duration() -> None:
    ev = evidence(commits=[commit("a", 10), commit("b", 20)])
    w = trial_window(Context(ev, spec=spec(duration_days=3), deadline=DEADLINE))
    assert w.start == DEADLINE - timedelta(days=3)
    assert w.source == "from the deadline minus the trial's duration to the deadline"
    w = trial_window(Context(ev, spec=spec(duration_days=3)))
    assert (w.start, w.end) == (at(10), at(10) + timedelta(days=3))
    assert w.source == "from the first work commit to the trial's duration"


def test_window_from_the_commits_and_the_history_deadline() -> None:
    ev = evidence(commits=[commit("a", 10), commit("b", 20)])
    w = trial_window(Context(ev))
    assert (w.start, w.end) == (at(10), at(20))
    assert w.source == "from the first work commit to the last work commit"
    ev = evidence(commits=[commit("a", 10)], deadline=at(50))
    assert trial_window(Context(ev)).end == at(50)


def test_window_absent_or_inverted() -> None:
    w = trial_window(Context(evidence()))
    assert (w.start, w.end, w.seconds) == (None, None, 0.0)
    assert w.fraction(at(1)) is None
    inverted = trial_window(Context(evidence(), started_at=at(10), deadline=at(5)))
    assert inverted.start == inverted.end == at(10)
    assert inverted.fraction(at(10)) is None


def test_work_excludes_starter_late_merges_and_bots_and_sorts_by_time() -> None:
    from worktrial.evidence._types import CommitKind

    ev = evidence(
        commits=[
            commit("s", -1, starter=True),
            commit("b", 5),
            commit("a", 3),
            commit("m", 4, kind=CommitKind.MERGE),
            commit("bot", 6, kind=CommitKind.AUTOMATED),
            commit("late", 400, late=True),
        ]
    )
    f = facts(ctx(ev))
    assert [c.authored_at for c in f.work] == [at(3), at(5)]


def test_facts_are_memoized_only_inside_the_scope() -> None:
    c = ctx(strong())
    assert facts(c) is not facts(c)
    with memoized():
        first = facts(c)
        assert facts(c) is first
        other = ctx(strong())
        assert facts(other) is not first
    assert facts(c) is not first


def test_nested_scopes_share_the_outer_one() -> None:
    c = ctx(strong())
    with memoized():
        outer = facts(c)
        with memoized():
            assert facts(c) is outer
        assert facts(c) is outer


def test_window_deadline_is_only_a_real_deadline() -> None:
    ev = evidence(commits=[commit("a", 10), commit("b", 20)])
    assert trial_window(Context(ev)).deadline is None
    assert trial_window(Context(ev, spec=spec(duration_days=2))).deadline == at(58)
    assert trial_window(ctx(ev)).deadline == DEADLINE
