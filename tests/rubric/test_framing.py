"""Framing signals: elements, metric alignment, framing first, questions and assumptions."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import CommitKind, Pointer

from ._build import (
    FRAMING_DOC,
    commit,
    ctx,
    doc,
    empty,
    evidence,
    experiment,
    question,
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


# ---------------------------------------------------------------- framing.elements


def test_elements_strong() -> None:
    res = sig("framing.elements", ctx(strong()))
    assert res.subscore == 1.0
    assert res.value == 5
    assert res.fix is None
    assert Pointer("file", "README.md:5", "Success metric") in res.evidence


def test_elements_partial_names_what_is_missing() -> None:
    d = doc("REPORT.md", section("REPORT.md", 1, "Goal", "Predict churn.", ["objective", "metric"]))
    res = sig("framing.elements", ctx(evidence(commits=[commit("a", 1)], docs=[d])))
    assert res.subscore == pytest.approx(0.4)
    assert res.summary == (
        "The write-up states 2 of 5 framing elements; missing: constraints, assumptions, "
        "scope / out of scope."
    )


def test_elements_prompt_readme_does_not_count() -> None:
    res = sig("framing.elements", ctx(weak()))
    assert res.subscore == 0.0
    assert (
        res.summary == "The README is still the assignment prompt; the candidate wrote no framing."
    )


def test_elements_starter_only_docs_do_not_count() -> None:
    starter = commit("starter", -1, starter=True, files={"README.md": 40})
    work = commit("work", 5, files={"src/model.py": 50})
    res = sig("framing.elements", ctx(evidence(commits=[starter, work], docs=[FRAMING_DOC])))
    assert res.subscore == 0.0
    # once the candidate edits the README, it is theirs
    edit = commit("edit", 6, files={"README.md": 3})
    res = sig("framing.elements", ctx(evidence(commits=[starter, work, edit], docs=[FRAMING_DOC])))
    assert res.subscore == 1.0


def test_elements_not_observed() -> None:
    res = sig("framing.elements", ctx(empty()))
    assert res.subscore is None
    assert res.summary == NOTHING


# ---------------------------------------------------------------- framing.metric_alignment


def test_metric_alignment_tracked_and_named() -> None:
    res = sig("framing.metric_alignment", ctx(strong(), trial=spec()))
    assert res.subscore == 1.0
    assert res.summary == "Optimises and reports recall, the trial's primary metric."


def test_metric_alignment_wrong_metric() -> None:
    ev = evidence(
        commits=[commit("a", 1)],
        experiments=[experiment("e1", 2, metrics={"accuracy": 0.9})],
        docs=[doc("README.md", section("README.md", 1, "Results", "Accuracy 0.9", ["results"]))],
    )
    res = sig("framing.metric_alignment", ctx(ev, trial=spec()))
    assert res.subscore == 0.0
    assert res.summary == (
        "Neither the experiment log nor the write-up uses recall, the trial's primary metric."
    )
    assert res.fix is not None and "missed churners are costly" in res.fix


def test_metric_alignment_justified_deviation() -> None:
    d = doc(
        "README.md",
        section(
            "README.md", 1, "Metric", "F1 instead of recall: offers are expensive.", ["metric"]
        ),
    )
    ev = evidence(
        commits=[commit("a", 1)], docs=[d], experiments=[experiment("e1", 2, metrics={"f1": 0.7})]
    )
    res = sig("framing.metric_alignment", ctx(ev, trial=spec()))
    assert res.subscore == 0.75
    assert res.value == "deviation"


def test_metric_alignment_tracked_only() -> None:
    ev = evidence(
        commits=[commit("a", 1)], experiments=[experiment("e1", 2, metrics={"recall": 0.7})]
    )
    res = sig("framing.metric_alignment", ctx(ev, trial=spec()))
    assert res.subscore == 0.5
    assert res.summary == (
        "The primary metric recall is tracked in the experiments but never named in the write-up."
    )


def test_metric_alignment_without_spec() -> None:
    reasoned = sig("framing.metric_alignment", ctx(strong()))
    assert reasoned.subscore == 1.0
    plain = doc("README.md", section("README.md", 1, "Metric", "We use AUC.", ["metric"]))
    res = sig("framing.metric_alignment", ctx(evidence(commits=[commit("a", 1)], docs=[plain])))
    assert res.subscore == 0.5
    assert (
        res.summary == "The write-up names a success metric without saying why it is the right one."
    )
    none = sig("framing.metric_alignment", ctx(evidence(commits=[commit("a", 1)])))
    assert none.subscore == 0.0


def test_metric_alignment_not_observed() -> None:
    assert sig("framing.metric_alignment", ctx(empty(), trial=spec())).summary == NOTHING


# ---------------------------------------------------------------- framing.before_modelling


def test_before_modelling_framing_first() -> None:
    res = sig("framing.before_modelling", ctx(strong()))
    assert res.subscore == 1.0
    assert res.value == -18.0
    assert res.summary == "Framing came 18.0 h before the first modelling commit."


def test_before_modelling_late_framing() -> None:
    commits = [
        commit("model", 10, kind=CommitKind.MODELLING),
        commit("readme", 10 + 0.25 * 168, kind=CommitKind.FRAMING, files={"README.md": 40}),
    ]
    res = sig("framing.before_modelling", ctx(evidence(commits=commits, docs=[FRAMING_DOC])))
    # a lag of 25% of the window: halfway down from 0.75 to 0
    assert res.subscore == pytest.approx(0.375)
    assert res.summary == (
        "Framing came 42.0 h after the first modelling commit (25% of the trial window)."
    )


def test_before_modelling_never_written() -> None:
    ev = evidence(commits=[commit("model", 10, kind=CommitKind.MODELLING)])
    res = sig("framing.before_modelling", ctx(ev))
    assert res.subscore == 0.0
    assert res.summary == "No framing was written; modelling started without it."


def test_before_modelling_falls_back_to_document_dates() -> None:
    d = doc(
        "docs/framing.md",
        section("docs/framing.md", 1, "Objective", "x", ["objective"]),
        kind="docs",
        added_hours=1,
    )
    ev = evidence(commits=[commit("model", 10, kind=CommitKind.MODELLING)], docs=[d])
    assert sig("framing.before_modelling", ctx(ev)).subscore == 1.0


def test_before_modelling_not_observed() -> None:
    res = sig("framing.before_modelling", ctx(evidence(commits=[commit("a", 1)])))
    assert res.subscore is None
    assert res.summary == (
        "no modelling commit in the candidate's history to compare the framing against"
    )


# ---------------------------------------------------------------- framing.questions_assumptions


def test_questions_assumptions_levels() -> None:
    assert sig("framing.questions_assumptions", ctx(strong())).subscore == 1.0
    asked = evidence(commits=[commit("a", 1)], questions=[question("q-1", 2)])
    res = sig("framing.questions_assumptions", ctx(asked))
    assert res.subscore == 0.7
    assert res.summary == "Asked 1 clarifying question(s); no assumptions listed."
    assumed = evidence(
        commits=[commit("a", 1)], statements=[statement("assumption", "Labels are clean.")]
    )
    res = sig("framing.questions_assumptions", ctx(assumed))
    assert res.subscore == 0.7
    assert res.summary == "Listed assumptions; asked no clarifying question."
    none = sig("framing.questions_assumptions", ctx(evidence(commits=[commit("a", 1)])))
    assert none.subscore == 0.0
    assert none.summary == "No clarifying question asked and no assumption listed."


def test_questions_assumptions_not_observed() -> None:
    assert sig("framing.questions_assumptions", ctx(empty())).summary == NOTHING


def test_before_modelling_in_the_same_commit() -> None:
    both = commit("both", 5, kind=CommitKind.MODELLING, files={"README.md": 30, "src/m.py": 40})
    res = sig("framing.before_modelling", ctx(evidence(commits=[both], docs=[FRAMING_DOC])))
    assert res.subscore == 1.0
    assert res.summary == "Framing came with the first modelling commit."


def test_metric_alignment_named_with_a_reason_but_never_measured() -> None:
    d = doc(
        "README.md", section("README.md", 1, "Metric", "Recall, because misses cost.", ["metric"])
    )
    res = sig(
        "framing.metric_alignment", ctx(evidence(commits=[commit("a", 1)], docs=[d]), trial=spec())
    )
    assert res.subscore == 0.5
    assert res.summary == (
        "The primary metric recall is named in the write-up but no experiment or result "
        "measures it."
    )
