"""Communication signals: write-up, updates, feedback loop, impact, commit messages that say why."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import Pointer
from worktrial.rubric.signals.communication import says_why

from ._build import (
    commit,
    ctx,
    doc,
    empty,
    evidence,
    feedback,
    section,
    sig,
    spec,
    statement,
    strong,
    update,
    weak,
)

NOTHING = (
    "nothing to assess: no commits by the candidate before the deadline and no files or records"
)


# ---------------------------------------------------------------- communication.writeup


def test_writeup_complete() -> None:
    res = sig("communication.writeup", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == "The write-up covers 7 of 7 elements."
    assert res.fix is None


def test_writeup_partial() -> None:
    d = doc(
        "REPORT.md",
        section("REPORT.md", 1, "Approach", "", ["approach"]),
        section("REPORT.md", 4, "Results", "", ["results"]),
        kind="report",
    )
    res = sig("communication.writeup", ctx(evidence(commits=[commit("a", 1)], docs=[d])))
    assert res.subscore == pytest.approx(2 / 7, abs=1e-4)
    assert res.summary == (
        "The write-up covers 2 of 7 elements; missing: problem understanding, key iterations, "
        "trade-offs, limitations, next steps."
    )
    assert res.fix == (
        "Add to the write-up: problem understanding, key iterations, trade-offs, limitations, "
        "next steps."
    )


def test_writeup_prompt_readme_is_penalised() -> None:
    ev = weak()
    ev.docs.files.append(
        doc(
            "REPORT.md",
            *(
                section("REPORT.md", i, e, "", [e])
                for i, e in enumerate(
                    ["objective", "approach", "iterations", "tradeoffs", "results", "limitations"]
                )
            ),
        )
    )
    res = sig("communication.writeup", ctx(ev))
    assert res.subscore == pytest.approx(6 / 7 - 0.25, abs=1e-4)
    assert res.summary.endswith(" The README is still the assignment prompt.")
    assert Pointer("file", "README.md", "README is the prompt") in res.evidence
    assert res.fix is not None and res.fix.startswith("Replace the prompt in the README")


def test_writeup_not_observed() -> None:
    assert sig("communication.writeup", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- communication.updates


def test_updates_regular_and_complete() -> None:
    res = sig("communication.updates", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == (
        "4 update(s) against 4 expected; largest gap 24% of the window; fields 100% filled."
    )


def test_updates_one_late_and_thin() -> None:
    ev = evidence(commits=[commit("a", 1)], updates=[update("u1", 160, next="", blockers="")])
    res = sig("communication.updates", ctx(ev))
    # count 1/4, largest gap 160/168 → regularity 0, fields 0.4
    assert res.subscore == pytest.approx(0.4 * 0.25 + 0.3 * 0.4, abs=1e-4)


def test_updates_after_the_deadline_do_not_count() -> None:
    ev = evidence(commits=[commit("a", 1)], updates=[update("late", 200)])
    res = sig("communication.updates", ctx(ev, trial=spec()))
    assert res.subscore == 0.0
    assert res.summary == "No progress updates before the deadline."


def test_updates_without_a_window() -> None:
    ev = evidence(updates=[update("u1", 5, blockers="none")])
    res = sig("communication.updates", ctx(ev, window=False))
    assert res.subscore == 1.0
    assert res.summary == "1 update(s); fields 100% filled (no trial window to judge regularity)."


def test_updates_not_observed() -> None:
    assert sig("communication.updates", ctx(empty())).summary == NOTHING
    res = sig("communication.updates", ctx(evidence(commits=[commit("a", 1)])))
    assert res.subscore is None
    assert res.summary == (
        "no progress updates on record (outside a trial they may live elsewhere)"
    )


# ---------------------------------------------------------------- communication.feedback_loop


def test_feedback_loop_closed() -> None:
    res = sig("communication.feedback_loop", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == "1 feedback item(s); loop closed 100%."


def test_feedback_loop_levels() -> None:
    commits = [commit("a", 1), commit("b", 80)]
    ev = evidence(
        commits=commits,
        feedback=[
            feedback("fb-1", 72),  # no response, unlinked later commit: 0 + 0.25
            feedback("fb-2", 72, response="ok", commits=[commits[1].sha]),  # 1.0
            feedback("fb-3", 100, response="ok"),  # nothing after it: 0.5
            feedback("fb-4", 72, response="ok", commits=[commits[0].sha]),  # linked but earlier
        ],
    )
    res = sig("communication.feedback_loop", ctx(ev))
    assert res.subscore == pytest.approx((0.25 + 1.0 + 0.5 + 0.75) / 4)
    assert res.summary == "4 feedback item(s); loop closed 62%; 1 without a response."


def test_feedback_loop_acknowledged_in_the_writeup() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        feedback=[feedback("fb-1", 0.5)],
        statements=[statement("feedback_ack", "Per the checkpoint feedback, I dropped the MLP.")],
    )
    assert sig("communication.feedback_loop", ctx(ev)).subscore == pytest.approx(0.5)


def test_feedback_loop_not_observed() -> None:
    res = sig("communication.feedback_loop", ctx(evidence(commits=[commit("a", 1)])))
    assert res.subscore is None
    assert res.summary == "no checkpoint feedback was given: nothing to act on"


# ---------------------------------------------------------------- communication.impact


def test_impact() -> None:
    assert sig("communication.impact", ctx(strong())).subscore == 1.0
    one = evidence(commits=[commit("a", 1)], statements=[statement("impact", "Saves 2 h a day.")])
    assert sig("communication.impact", ctx(one)).subscore == 0.5
    res = sig("communication.impact", ctx(weak()))
    assert res.subscore == 0.0
    assert res.summary == "Results are not put in business terms."
    assert sig("communication.impact", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- communication.commit_why


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Use class weights to lift recall", "", True),
        ("Drop the MLP because it overfits", "", True),
        ("Add encoder", "The region column has 300 levels.", True),
        ("Add encoder", "Signed-off-by: A <a@example.com>", False),
        ("Move train.py to src", "", False),
        ("Add encoder", "", False),
    ],
)
def test_says_why(subject: str, body: str, expected: bool) -> None:
    assert says_why(subject, body) is expected


def test_commit_why() -> None:
    res = sig("communication.commit_why", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == "100% of 8 work commit(s) say why in their message."
    none = sig("communication.commit_why", ctx(weak()))
    assert none.subscore == 0.0
    quarter = evidence(
        commits=[commit("a", 1, body="Because the split leaked.")]
        + [commit(f"b{i}", 2 + i) for i in range(3)]
    )
    assert sig("communication.commit_why", ctx(quarter)).subscore == pytest.approx(0.5)


def test_commit_why_not_observed() -> None:
    res = sig("communication.commit_why", ctx(empty()))
    assert res.subscore is None
    assert res.summary == "no work commits by the candidate"


def test_updates_after_the_last_commit_count_without_a_deadline() -> None:
    ev = evidence(commits=[commit("a", 1), commit("b", 30)], updates=[update("u1", 40)])
    res = sig("communication.updates", ctx(ev, window=False))
    assert res.value == 1


def test_feedback_loop_without_a_receipt_time_takes_links_at_their_word() -> None:
    """Recorded with its response only (receipt time = response time): the commits the
    response links count even though they were made before the response was written."""
    commits = [commit("a", 10), commit("b", 50), commit("c", 80)]
    fb = feedback("fb-1", 60, response="Added the latency benchmark.", commits=[commits[1].sha])
    fb.responded_at = fb.at  # what `worktrial respond --checkpoint` without --received records
    res = sig("communication.feedback_loop", ctx(evidence(commits=commits, feedback=[fb])))
    assert res.subscore == 1.0
    assert res.evidence[0] == commits[1].pointer
