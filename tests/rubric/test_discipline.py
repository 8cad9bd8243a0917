"""Discipline signals: modules, separation, dependencies, seeds, commands, tests, rerun, lint,
committed data and commit messages."""

from __future__ import annotations

import pytest

from worktrial.evidence._types import Code, CommitKind, Pointer
from worktrial.rubric.signals.discipline import descriptive

from ._build import commit, ctx, empty, evidence, run, sig, spec, strong, weak

NOTHING = (
    "nothing to assess: no commits by the candidate before the deadline and no files or records"
)
NO_CODE = "no Python modules or notebooks in the repository"


def with_code(**kw: object) -> object:
    return evidence(commits=[commit("a", 1)], code=Code(**kw))  # type: ignore[arg-type]


# ---------------------------------------------------------------- discipline.modules


def test_modules() -> None:
    assert sig("discipline.modules", ctx(strong())).subscore == 1.0
    res = sig("discipline.modules", ctx(weak()))
    assert res.subscore == 0.0
    assert res.summary == "All code lives in 1 notebook(s)."
    mixed = with_code(
        python_files=["a.py"], notebooks=["n.ipynb"], module_lines=35, notebook_lines=65
    )
    res = sig("discipline.modules", ctx(mixed))
    assert res.subscore == pytest.approx(0.5)
    assert res.summary == "35% of the code is in 1 module(s), the rest in 1 notebook(s)."


def test_modules_not_observed() -> None:
    assert sig("discipline.modules", ctx(empty())).summary == NOTHING
    assert sig("discipline.modules", ctx(with_code())).summary == NO_CODE


# ---------------------------------------------------------------- discipline.separation


def test_separation_strong() -> None:
    res = sig("discipline.separation", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == "1 data module(s) and 1 modelling module(s)."


def test_separation_mixed_and_inverted() -> None:
    ev = with_code(
        python_files=["src/p/data.py", "src/p/train.py", "src/p/all.py"],
        data_modules=["src/p/data.py", "src/p/all.py"],
        model_modules=["src/p/train.py", "src/p/all.py"],
        imports={"p.data": {"p.train"}},
    )
    res = sig("discipline.separation", ctx(ev))
    # one of three modules mixes (1 - 0.5/3), and data imports modelling (-0.25)
    assert res.subscore == pytest.approx(1 - 0.5 / 3 - 0.25, abs=1e-4)
    assert res.summary == (
        "1 data module(s) and 1 modelling module(s); 1 module(s) do both; data code imports "
        "modelling code (p.data)."
    )


def test_separation_weak_levels() -> None:
    assert sig("discipline.separation", ctx(weak())).subscore == 0.0
    all_mixed = with_code(python_files=["m.py"], data_modules=["m.py"], model_modules=["m.py"])
    res = sig("discipline.separation", ctx(all_mixed))
    assert res.subscore == 0.25
    assert res.summary == "Every data or modelling module (1) does both."
    one_kind = with_code(python_files=["t.py"], model_modules=["t.py"])
    res = sig("discipline.separation", ctx(one_kind))
    assert res.subscore == 0.5
    assert res.summary == "Only modelling code was found in its own module(s)."


def test_separation_not_observed() -> None:
    assert sig("discipline.separation", ctx(with_code())).summary == NO_CODE
    unclassified = with_code(python_files=["util.py"])
    res = sig("discipline.separation", ctx(unclassified))
    assert res.subscore is None
    assert res.summary == "no module was recognised as data processing or modelling code"


# ---------------------------------------------------------------- discipline.dependencies


def test_dependencies() -> None:
    assert sig("discipline.dependencies", ctx(strong())).subscore == 1.0
    partial = with_code(
        python_files=["a.py"],
        dependency_files=["requirements.txt"],
        pinned_requirements=1,
        total_requirements=4,
    )
    res = sig("discipline.dependencies", ctx(partial))
    assert res.subscore == 0.25
    assert res.summary == "1 of 4 requirement(s) pinned to a version."
    empty_file = with_code(python_files=["a.py"], dependency_files=["pyproject.toml"])
    assert sig("discipline.dependencies", ctx(empty_file)).subscore == 0.5
    none = sig("discipline.dependencies", ctx(with_code(python_files=["a.py"])))
    assert none.subscore == 0.0
    assert none.summary == "No dependency file or lock file."


def test_dependencies_not_observed() -> None:
    assert sig("discipline.dependencies", ctx(with_code())).summary == NO_CODE


# ---------------------------------------------------------------- discipline.seeds


def test_seeds() -> None:
    res = sig("discipline.seeds", ctx(strong()))
    assert res.subscore == 1.0
    assert res.evidence == (Pointer("file", "src/churn/train.py:12", "random_state=0"),)
    none = sig("discipline.seeds", ctx(weak()))
    assert none.subscore == 0.0
    assert none.summary == "No random seed is set."
    assert sig("discipline.seeds", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- discipline.commands


def test_commands() -> None:
    assert sig("discipline.commands", ctx(strong())).subscore == 1.0
    one = with_code(documented_commands=[Pointer("file", "README.md:9", "make train")])
    assert sig("discipline.commands", ctx(one)).subscore == 0.5
    none = sig("discipline.commands", ctx(weak()))
    assert none.subscore == 0.0
    assert none.summary == "No documented command to run the work."
    assert sig("discipline.commands", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- discipline.tests


def test_tests_presence_only_without_a_run() -> None:
    res = sig("discipline.tests", ctx(strong()))
    assert res.subscore == 1.0
    assert res.summary == (
        "1 test file(s) present; not run here (no sandbox run), so whether they pass is unknown."
    )
    assert sig("discipline.tests", ctx(weak())).subscore == 0.0


def test_tests_pass_rate_in_the_sandbox() -> None:
    res = sig("discipline.tests", ctx(strong(), measured=run(tests_passed=3, tests_failed=1)))
    assert res.subscore == 0.75
    assert res.summary == "3 of 4 test(s) passed in the sandbox."
    none_ran = sig("discipline.tests", ctx(strong(), measured=run(tests_passed=0, tests_failed=0)))
    assert none_ran.subscore == 0.0
    assert none_ran.summary == "No test ran in the sandbox (1 test file(s) found)."


def test_tests_not_observed() -> None:
    assert sig("discipline.tests", ctx(with_code())).summary == NO_CODE


# ---------------------------------------------------------------- discipline.reproducibility


@pytest.mark.parametrize(
    ("delta", "expected"), [(0.0, 1.0), (-0.01, 1.0), (0.03, 0.5), (0.05, 0.0)]
)
def test_reproducibility(delta: float, expected: float) -> None:
    res = sig(
        "discipline.reproducibility",
        ctx(strong(), trial=spec(), measured=run(rerun_metric_delta=delta)),
    )
    assert res.subscore == pytest.approx(expected)


def test_reproducibility_zero_tolerance() -> None:
    strict = spec(reproducibility={"rerun": True, "tolerance": 0})
    exact = sig(
        "discipline.reproducibility",
        ctx(strong(), trial=strict, measured=run(rerun_metric_delta=0.0)),
    )
    assert exact.subscore == 1.0
    off = sig(
        "discipline.reproducibility",
        ctx(strong(), trial=strict, measured=run(rerun_metric_delta=1e-6)),
    )
    assert off.subscore == 0.0


def test_reproducibility_not_observed() -> None:
    res = sig("discipline.reproducibility", ctx(strong(), trial=spec()))
    assert res.subscore is None
    assert (
        res.summary == "not measured: the submission was not run in the sandbox for this scorecard"
    )
    res = sig("discipline.reproducibility", ctx(strong(), trial=spec(), measured=run()))
    assert res.summary == "the sandbox run did not retrain the model: no rerun to compare"
    no_rerun = spec(reproducibility={"rerun": False})
    res = sig("discipline.reproducibility", ctx(strong(), trial=no_rerun, measured=run()))
    assert res.summary == "the trial does not ask for a rerun, so reproducibility was not measured"


# ---------------------------------------------------------------- discipline.lint


def test_lint() -> None:
    assert sig("discipline.lint", ctx(strong())).subscore == 1.0
    messy = with_code(
        python_files=["a.py"],
        module_lines=1000,
        lint_findings=50,
        max_complexity=30,
        mean_complexity=15,
    )
    res = sig("discipline.lint", ctx(messy))
    assert res.subscore == 0.0
    assert res.summary == "50.0 lint finding(s) per KLOC; function complexity max 30, mean 15.0."
    middling = with_code(
        python_files=["a.py"],
        module_lines=2000,
        lint_findings=55,
        max_complexity=20,
        mean_complexity=5,
    )
    # 27.5/KLOC → lint 0.5; complexity mean(0.5, 1.0) = 0.75 → 0.3 + 0.3
    assert sig("discipline.lint", ctx(middling)).subscore == pytest.approx(0.6)


def test_lint_counts_notebook_code_cells() -> None:
    """ruff lints notebook cells too, so their lines are part of the rate's denominator."""
    nb = with_code(notebooks=["a.ipynb"], notebook_lines=1000, lint_findings=5)
    res = sig("discipline.lint", ctx(nb))
    assert res.value == pytest.approx(5.0)  # 5 findings per 1,000 notebook lines


def test_lint_not_observed() -> None:
    no_code = with_code(python_files=[], notebooks=[], module_lines=0, notebook_lines=0)
    assert sig("discipline.lint", ctx(no_code)).summary == "no Python code lines to lint"
    cannot = with_code(python_files=["a.py"], module_lines=10, lint_findings=None)
    assert (
        sig("discipline.lint", ctx(cannot)).summary == "the linter could not run on this repository"
    )
    assert sig("discipline.lint", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- discipline.no_data_committed


def test_no_data_committed() -> None:
    assert sig("discipline.no_data_committed", ctx(strong())).subscore == 1.0
    res = sig("discipline.no_data_committed", ctx(weak()))
    assert res.subscore == 0.0
    assert res.summary == "1 file(s) over 5 MB committed."
    assert res.evidence[0] == Pointer("file", "data/train.csv", "9.0 MB")
    small = with_code(data_files=["data/sample.csv"])
    assert sig("discipline.no_data_committed", ctx(small)).subscore == 0.5
    assert sig("discipline.no_data_committed", ctx(empty())).summary == NOTHING


# ---------------------------------------------------------------- discipline.commit_messages


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Add target encoding for the region column", True),
        ("final", False),
        ("wip", False),
        ("Update README.md", False),
        ("Add files via upload", False),
        ("Created using Colaboratory", False),
        ("fix the bug", False),
        ("fix the bug in split", True),
        ("WIP: try boosting with more trees", False),
        ("asdf", False),
    ],
)
def test_descriptive(subject: str, expected: bool) -> None:
    assert descriptive(subject) is expected


def test_commit_messages() -> None:
    assert sig("discipline.commit_messages", ctx(strong())).subscore == 1.0
    res = sig("discipline.commit_messages", ctx(weak()))
    assert res.subscore == 0.0
    assert res.summary == "0% of 1 work commit(s) have a descriptive subject."
    half = evidence(commits=[commit("a", 1, subject="wip"), commit("b", 2)])
    assert sig("discipline.commit_messages", ctx(half)).subscore == pytest.approx(0.5)


def test_commit_messages_ignore_starter_late_and_bots() -> None:
    ev = evidence(
        commits=[
            commit("s", -5, subject="wip", starter=True),
            commit("a", 1),
            commit("bot", 2, subject="auto", kind=CommitKind.AUTOMATED),
            commit("late", 200, subject="final", late=True),
        ]
    )
    res = sig("discipline.commit_messages", ctx(ev))
    assert res.subscore == 1.0
    assert res.summary == "100% of 1 work commit(s) have a descriptive subject."


def test_commit_messages_not_observed() -> None:
    res = sig("discipline.commit_messages", ctx(empty()))
    assert res.subscore is None
    assert res.summary == "no work commits by the candidate"


def test_separation_reads_the_collectors_dotted_names() -> None:
    ev = with_code(
        python_files=["src/churn/data.py", "src/churn/train.py", "src/churn/__init__.py"],
        data_modules=["churn.data"],
        model_modules=["churn.train"],
        imports={"churn.data": {"churn.train"}},
    )
    res = sig("discipline.separation", ctx(ev))
    assert res.subscore == 0.75
    assert res.evidence == (
        Pointer("file", "src/churn/data.py"),
        Pointer("file", "src/churn/train.py"),
    )
