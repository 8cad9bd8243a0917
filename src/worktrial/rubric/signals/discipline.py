"""Engineering discipline: modular, reproducible, tested code and a clean history."""

from __future__ import annotations

import re

from worktrial.evidence._types import Code, Pointer
from worktrial.rubric._facts import Facts, facts, words
from worktrial.rubric._registry import signal
from worktrial.rubric._result import NOT_RUN_SUMMARY, not_observed, observed, ramp
from worktrial.rubric._types import Context, SignalResult

_NO_CODE = "no Python modules or notebooks in the repository"


def _has_code(code: Code) -> bool:
    return bool(code.python_files or code.notebooks)


def _no_code(ctx: Context, f: Facts) -> str | None:
    """Why a code signal cannot be observed, or ``None`` when it can."""
    if not f.submitted:
        return f.nothing
    if not _has_code(ctx.evidence.code):
        return _NO_CODE
    return None


@signal(
    "discipline.modules",
    dimension="discipline",
    title="Code in modules, not only notebooks",
    weight=2.0,
)
def modules(ctx: Context) -> SignalResult:
    """Whether the code lives in Python modules rather than only in notebooks.

    Measures: the share of non-blank code lines in ``.py`` modules against notebook code
    cells (file counts when no lines were counted).

    Rule: 1.0 when at least 70% of the code is in modules, linear down to 0 for notebooks only.

    Evidence: the notebooks, a few modules.

    Not observed: without Python modules or notebooks.
    """
    rule = "min(1, module share of code lines / 0.7): notebooks only is 0"
    f = facts(ctx)
    code = ctx.evidence.code
    why = _no_code(ctx, f)
    if why is not None:
        return not_observed(rule=rule, summary=why)
    mod, nb = code.module_lines, code.notebook_lines
    if mod + nb == 0:
        mod, nb = len(code.python_files), len(code.notebooks)
    share = mod / (mod + nb) if mod + nb else 0.0
    evidence = [Pointer("file", p) for p in code.notebooks[:5]]
    evidence += [Pointer("file", p) for p in code.python_files[:5]]
    if not code.python_files:
        summary = f"All code lives in {len(code.notebooks)} notebook(s)."
    elif not code.notebooks:
        summary = f"All code lives in {len(code.python_files)} Python module(s)."
    else:
        summary = (
            f"{share:.0%} of the code is in {len(code.python_files)} module(s), the rest in "
            f"{len(code.notebooks)} notebook(s)."
        )
    return observed(
        share,
        ramp(share, 0.0, 0.7),
        rule=rule,
        summary=summary,
        evidence=evidence,
        fix="Move data loading, features, training and prediction out of notebooks into modules.",
    )


def _norm(name: str) -> str:
    """A module path or dotted name as a dotted name, aware of the ``src/`` layout (the code
    collector's naming: ``src/pkg/data.py`` → ``pkg.data``)."""
    n = name.replace("\\", "/")
    if n.endswith(".py"):
        parts = n[:-3].split("/")
    elif "/" in n:
        parts = n.split("/")
    else:
        parts = n.split(".")
    if "src" in parts[:-1]:
        parts = parts[parts.index("src") + 1 :]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _pointer_for(name: str, paths: dict[str, str]) -> Pointer:
    if name.endswith(".py") or "/" in name:
        return Pointer("file", name)
    norm = _norm(name)
    if norm in paths:
        return Pointer("file", paths[norm])
    return Pointer("file", name.replace(".", "/") + ".py")


@signal(
    "discipline.separation",
    dimension="discipline",
    title="Data processing apart from modelling",
    weight=2.0,
)
def separation(ctx: Context) -> SignalResult:
    """Whether data processing lives apart from modelling code.

    Measures: modules classified as data processing (load, clean, features) and as modelling
    (train, fit, predict), how many do both, and the import graph between them.

    Rule: with separate data and modelling modules, ``1 - 0.5 × mixed share`` (the share of
    those modules that do both), minus 0.25 when a data module imports a modelling module (the
    dependency points the wrong way); 0.5 when only one of the two kinds is found; 0.25 when
    every module does both; 0 when the code lives only in notebooks.

    Evidence: the data and modelling modules, the modules that mix them.

    Not observed: without code, or when no module is recognised as data or modelling code.
    """
    rule = (
        "separate data and model modules: 1 - 0.5 × mixed share (-0.25 if data imports model); "
        "one kind only: 0.5; all mixed: 0.25; notebooks only: 0"
    )
    f = facts(ctx)
    code = ctx.evidence.code
    why = _no_code(ctx, f)
    if why is not None:
        return not_observed(rule=rule, summary=why)
    fix = "Keep loading and feature code in its own module that the training code imports."
    non_test = [p for p in code.python_files if p not in set(code.test_files)]
    if not non_test:
        return observed(
            "notebooks only",
            0.0,
            rule=rule,
            fix=fix,
            evidence=[Pointer("file", p) for p in code.notebooks[:5]],
            summary=(
                "All code lives in notebooks: nothing separates data processing from modelling."
            ),
        )
    paths = {_norm(p): p for p in code.python_files}
    data = {_norm(m): m for m in code.data_modules}
    model = {_norm(m): m for m in code.model_modules}
    if not data and not model:
        return not_observed(
            rule=rule, summary="no module was recognised as data processing or modelling code"
        )
    mixed = data.keys() & model.keys()
    pure_data = data.keys() - mixed
    pure_model = model.keys() - mixed
    evidence = [_pointer_for(data[m], paths) for m in sorted(pure_data)[:3]]
    evidence += [_pointer_for(model[m], paths) for m in sorted(pure_model)[:3]]
    evidence += [_pointer_for(data[m], paths) for m in sorted(mixed)[:3]]
    if pure_data and pure_model:
        everything = data.keys() | model.keys()
        sub = 1.0 - 0.5 * len(mixed) / len(everything)
        imports = {_norm(k): {_norm(v) for v in vs} for k, vs in code.imports.items()}
        inverted = sorted(m for m in pure_data if imports.get(m, set()) & pure_model)
        summary = f"{len(pure_data)} data module(s) and {len(pure_model)} modelling module(s)" + (
            f"; {len(mixed)} module(s) do both" if mixed else ""
        )
        if inverted:
            sub -= 0.25
            summary += f"; data code imports modelling code ({', '.join(inverted[:3])})"
        return observed(
            len(mixed), sub, rule=rule, summary=summary + ".", evidence=evidence, fix=fix
        )
    if mixed and not pure_data and not pure_model:
        return observed(
            len(mixed),
            0.25,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=f"Every data or modelling module ({len(mixed)}) does both.",
        )
    kind = "data processing" if pure_data else "modelling"
    return observed(
        len(mixed),
        0.5,
        rule=rule,
        evidence=evidence,
        fix=fix,
        summary=f"Only {kind} code was found in its own module(s).",
    )


@signal("discipline.dependencies", dimension="discipline", title="Pinned dependencies", weight=1.0)
def dependencies(ctx: Context) -> SignalResult:
    """Whether dependencies are pinned or locked.

    Measures: a lock file, or the share of requirements pinned to an exact version.

    Rule: 1.0 with a lock file; otherwise the pinned share of the listed requirements; 0.5 for a
    dependency file that lists nothing; 0 without any dependency file.

    Evidence: the lock file or the dependency files.

    Not observed: without code.
    """
    rule = "1.0 with a lock file, else the pinned share of requirements; 0.5 empty list; 0 none"
    f = facts(ctx)
    code = ctx.evidence.code
    why = _no_code(ctx, f)
    if why is not None:
        return not_observed(rule=rule, summary=why)
    fix = "Pin every dependency (name==version) or commit a lock file."
    files = [Pointer("file", p) for p in code.dependency_files]
    if code.lock_file:
        return observed(
            1.0,
            1.0,
            rule=rule,
            evidence=[Pointer("file", code.lock_file)],
            summary=f"Dependencies are locked ({code.lock_file}).",
        )
    if code.total_requirements > 0:
        pinned = min(code.pinned_requirements, code.total_requirements)
        share = pinned / code.total_requirements
        return observed(
            share,
            share,
            rule=rule,
            evidence=files,
            fix=fix,
            summary=f"{pinned} of {code.total_requirements} requirement(s) pinned to a version.",
        )
    if code.dependency_files:
        return observed(
            0.0,
            0.5,
            rule=rule,
            evidence=files,
            fix=fix,
            summary="A dependency file exists but lists no requirements.",
        )
    return observed(0.0, 0.0, rule=rule, fix=fix, summary="No dependency file or lock file.")


@signal("discipline.seeds", dimension="discipline", title="Random seeds set", weight=1.0)
def seeds(ctx: Context) -> SignalResult:
    """Whether the code sets random seeds.

    Measures: seed settings found in the code (``random_state=``, ``np.random.seed``,
    ``torch.manual_seed``...).

    Rule: 1.0 when at least one seed is set, 0 otherwise.

    Evidence: where the seeds are set (file:line).

    Not observed: without code.
    """
    rule = "1.0 if the code sets a random seed, 0 otherwise"
    f = facts(ctx)
    why = _no_code(ctx, f)
    if why is not None:
        return not_observed(rule=rule, summary=why)
    found = ctx.evidence.code.seeds
    return observed(
        len(found),
        1.0 if found else 0.0,
        rule=rule,
        evidence=found,
        summary=f"Seeds set in {len(found)} place(s)." if found else "No random seed is set.",
        fix="Set and record a seed for every source of randomness (splits, models, NumPy).",
    )


@signal("discipline.commands", dimension="discipline", title="Documented commands", weight=1.0)
def commands(ctx: Context) -> SignalResult:
    """Whether the commands to run the work are documented.

    Measures: documented commands (Makefile targets, commands in the README or docs).

    Rule: 1.0 for two or more (e.g. train and evaluate), 0.5 for one, 0 for none.

    Evidence: where the commands are documented.

    Not observed: when nothing was submitted.
    """
    rule = "1.0 for ≥ 2 documented commands, 0.5 for one, 0 for none"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    found = ctx.evidence.code.documented_commands
    n = len(found)
    return observed(
        n,
        1.0 if n >= 2 else 0.5 if n == 1 else 0.0,
        rule=rule,
        evidence=found,
        summary=f"{n} documented command(s)." if n else "No documented command to run the work.",
        fix="Document one command each to set up, train, evaluate and test (a Makefile works).",
    )


@signal("discipline.tests", dimension="discipline", title="Tests present and passing", weight=2.0)
def tests(ctx: Context) -> SignalResult:
    """Whether the code has tests, and whether they pass in the sandbox.

    Measures: test files in the repository and, when the sandbox ran them, how many passed
    and failed.

    Rule: with a sandbox run of the tests, the pass rate (0 when none ran); without one,
    presence only: 1.0 when test files exist, 0 otherwise (the summary says they were not run).

    Evidence: the test files and the run's test step.

    Not observed: without code.
    """
    rule = "with a sandbox test run: the pass rate (0 if none ran); without: 1.0 if tests exist"
    f = facts(ctx)
    code = ctx.evidence.code
    why = _no_code(ctx, f)
    if why is not None:
        return not_observed(rule=rule, summary=why)
    fix = "Add tests for the data processing and the prediction interface, and keep them passing."
    files = [Pointer("file", p) for p in code.test_files[:5]]
    run = ctx.run
    if run is not None and (run.tests_passed is not None or run.tests_failed is not None):
        passed = max(0, run.tests_passed or 0)
        failed = max(0, run.tests_failed or 0)
        total = passed + failed
        step = run.pointers.get("tests")
        evidence = ([step] if step is not None else [Pointer("run", "tests")]) + files
        if total == 0:
            return observed(
                0.0,
                0.0,
                rule=rule,
                evidence=evidence,
                fix=fix,
                summary=f"No test ran in the sandbox ({len(code.test_files)} test file(s) found).",
            )
        rate = passed / total
        return observed(
            rate,
            rate,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=f"{passed} of {total} test(s) passed in the sandbox.",
        )
    n = len(code.test_files)
    return observed(
        n,
        1.0 if n else 0.0,
        rule=rule,
        evidence=files,
        fix=fix,
        summary=(
            f"{n} test file(s) present; not run here (no sandbox run), so whether they pass "
            "is unknown."
            if n
            else "No tests."
        ),
    )


@signal(
    "discipline.reproducibility",
    dimension="discipline",
    title="Reproducible rerun",
    weight=2.0,
)
def reproducibility(ctx: Context) -> SignalResult:
    """Whether retraining in the sandbox reproduces the metric within the trial's tolerance.

    Measures: the absolute difference of the primary metric between the candidate's model
    and a fresh retrain in the sandbox (``run.rerun_metric_delta``).

    Rule: 1.0 within the spec's tolerance (0.01 without a spec), falling linearly to 0 at five
    times the tolerance.

    Evidence: the run's rerun step.

    Not observed: without a sandbox run that retrained the model.
    """
    tol = ctx.spec.reproducibility.tolerance if ctx.spec is not None else 0.01
    rule = f"1.0 if the rerun metric is within {tol:g} of the original, 0 at {5 * tol:g} or more"
    run = ctx.run
    if run is None or run.rerun_metric_delta is None:
        if run is None:
            summary = NOT_RUN_SUMMARY
        elif ctx.spec is not None and ctx.spec.reproducibility.rerun:
            summary = "the sandbox run did not retrain the model: no rerun to compare"
        else:
            summary = "the trial does not ask for a rerun, so reproducibility was not measured"
        return not_observed(
            rule=rule,
            summary=summary,
            fix="Make training deterministic and runnable from one command.",
        )
    delta = abs(run.rerun_metric_delta)
    if delta != delta:  # NaN: the rerun produced no comparable metric
        delta = float("inf")
    sub = (1.0 if delta == 0 else 0.0) if tol == 0 else ramp(delta, 5 * tol, tol)
    step = run.pointers.get("rerun") or Pointer("run", "rerun")
    within = "within" if delta <= tol else "outside"
    return observed(
        delta,
        sub,
        rule=rule,
        evidence=[step],
        summary=(
            f"The sandbox rerun moved the metric by {delta:g} ({within} the tolerance {tol:g})."
        ),
        fix="Seed every source of randomness and train from one documented command.",
    )


@signal("discipline.lint", dimension="discipline", title="Lint findings and complexity", weight=1.0)
def lint(ctx: Context) -> SignalResult:
    """Lint findings per thousand lines and function complexity.

    Measures: ruff findings per 1,000 non-blank lines of Python (modules and notebook code
    cells, which ruff lints alike), and the maximum and mean cyclomatic complexity of the
    functions.

    Rule: ``0.6 × lint + 0.4 × complexity``: lint is 1.0 at ≤ 5 findings per KLOC falling
    linearly to 0 at 50; complexity is the mean of (1.0 at a maximum ≤ 10, 0 at ≥ 30) and
    (1.0 at a mean ≤ 5, 0 at ≥ 15).

    Evidence: example findings and the most complex functions.

    Not observed: without Python code, or when the linter could not run.
    """
    rule = (
        "0.6 × (1 at ≤ 5 findings/KLOC, 0 at ≥ 50) + 0.4 × mean(1 at max complexity ≤ 10, "
        "0 at ≥ 30; 1 at mean ≤ 5, 0 at ≥ 15)"
    )
    f = facts(ctx)
    code = ctx.evidence.code
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    lines = code.module_lines + code.notebook_lines  # ruff's findings cover both
    if lines <= 0:
        return not_observed(rule=rule, summary="no Python code lines to lint")
    if code.lint_findings is None:
        return not_observed(rule=rule, summary="the linter could not run on this repository")
    per_kloc = code.lint_findings / (lines / 1000)
    lint_part = ramp(per_kloc, 50, 5)
    cx = 0.5 * ramp(code.max_complexity, 30, 10) + 0.5 * ramp(code.mean_complexity, 15, 5)
    return observed(
        per_kloc,
        0.6 * lint_part + 0.4 * cx,
        rule=rule,
        evidence=[*code.complex_functions[:5], *code.lint_examples[:5]],
        summary=(
            f"{per_kloc:.1f} lint finding(s) per KLOC; function complexity max "
            f"{code.max_complexity}, mean {code.mean_complexity:.1f}."
        ),
        fix="Run a linter and split the most complex functions into smaller ones.",
    )


@signal(
    "discipline.no_data_committed",
    dimension="discipline",
    title="No data or large binaries committed",
    weight=1.0,
)
def no_data_committed(ctx: Context) -> SignalResult:
    """Whether datasets or large binaries were committed to the repository.

    Measures: committed data files (csv, parquet...) and files over 5 MB.

    Rule: 1.0 with neither, 0.5 with data files but none over 5 MB, 0 with any file over 5 MB.

    Evidence: the data files and large files.

    Not observed: when nothing was submitted.
    """
    rule = "1.0 with no data or large files, 0.5 with small data files, 0 with any file > 5 MB"
    f = facts(ctx)
    if not f.submitted:
        return not_observed(rule=rule, summary=f.nothing)
    code = ctx.evidence.code
    large = code.large_files
    data = code.data_files
    evidence = [Pointer("file", p, f"{size / 1e6:.1f} MB") for p, size in large[:5]]
    evidence += [Pointer("file", p) for p in data[:5]]
    fix = "Keep data and model artefacts out of git (.gitignore) and document how to fetch them."
    if large:
        return observed(
            len(large),
            0.0,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=f"{len(large)} file(s) over 5 MB committed.",
        )
    if data:
        return observed(
            len(data),
            0.5,
            rule=rule,
            evidence=evidence,
            fix=fix,
            summary=f"{len(data)} data file(s) committed (none over 5 MB).",
        )
    return observed(0, 1.0, rule=rule, summary="No data files or large binaries committed.")


GENERIC_SUBJECTS = frozenset(
    {
        "update",
        "updates",
        "updated",
        "wip",
        "fix",
        "fixes",
        "fixed",
        "asdf",
        "final",
        "final version",
        "changes",
        "change",
        "minor changes",
        "small changes",
        "more changes",
        "stuff",
        "commit",
        "save",
        "saved",
        "misc",
        "tmp",
        "temp",
        "test",
        "tests",
        "done",
        "initial commit",
        "first commit",
        "init",
        "cleanup",
        "clean up",
        "refactor",
        "edits",
        "progress",
        "work",
        "more work",
        "latest",
        "new",
        "files",
        "add files",
        "upload",
        "update readme",
        "update readme.md",
        "update notebook",
        "final commit",
        "last commit",
    }
)
_GENERIC_PATTERNS = (
    re.compile(r"^(add(ed)?|updated?|created?|deleted?|upload(ed)?) files? via upload$"),
    re.compile(r"^(created|saved|modified) (using|with) (colaboratory|colab|jupyter|kaggle)"),
    re.compile(r"^(wip|tmp|temp|asdf+|x+|\.+)\b"),
)


def descriptive(subject: str) -> bool:
    """Whether a commit subject describes the change (> 3 words and not a generic message)."""
    tokens = subject.lower().rstrip(".! \t\n").split()
    if len(tokens) <= 3:
        return False
    clean = " ".join(tokens)
    if clean in GENERIC_SUBJECTS or len(words(clean)) <= 3:
        return False
    return not any(p.match(clean) for p in _GENERIC_PATTERNS)


@signal(
    "discipline.commit_messages",
    dimension="discipline",
    title="Descriptive commit messages",
    weight=1.0,
)
def commit_messages(ctx: Context) -> SignalResult:
    """Whether commit messages describe the change.

    Measures: the share of the candidate's work commits whose subject has more than three
    words and is not a generic message ("update", "wip", "fix", "asdf", "final", "changes",
    "Add files via upload", notebook auto-save messages...).

    Rule: 1.0 when at least 80% are descriptive, falling linearly to 0 at 20%.

    Evidence: examples of generic messages.

    Not observed: without work commits.
    """
    rule = "1.0 at ≥ 80% descriptive commit subjects, falling linearly to 0 at 20%"
    f = facts(ctx)
    if not f.work:
        return not_observed(rule=rule, summary="no work commits by the candidate")
    generic = [c for c in f.work if not descriptive(c.subject)]
    share = 1 - len(generic) / len(f.work)
    return observed(
        share,
        ramp(share, 0.2, 0.8),
        rule=rule,
        evidence=[c.pointer for c in generic[:5]],
        summary=f"{share:.0%} of {len(f.work)} work commit(s) have a descriptive subject.",
        fix=(
            "Write commit subjects that say what changed, in the imperative "
            "('Add target encoding')."
        ),
    )
