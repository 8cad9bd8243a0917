"""Red flags: patterns a reviewer must look at. Shown prominently; never a rejection."""

from __future__ import annotations

from datetime import timedelta

from worktrial.evidence._types import Commit, Experiment, Pointer
from worktrial.rubric._constraints import budget_checks, mentioned_in_writeup, violations
from worktrial.rubric._facts import (
    Facts,
    facts,
    find_metric,
    iteration_table,
    lower_is_better,
    metric_mention_pattern,
    tracked_metric,
    words,
)
from worktrial.rubric._reach import Attempts, Finding, attempts, during, listed
from worktrial.rubric._types import Context, RedFlag
from worktrial.rubric.signals.communication import WRITEUP_ELEMENTS, says_why

OVERBUILT_MODULES = 8
OVERBUILT_LINES = 1000
TUNING_RUNS = 5
LATE_SHARE = 0.7
ONLY_SUCCESS_RUNS = 4

# Integrity flags. The rubric finds the first two itself, in the run's logs and in the code
# (rubric/_reach.py); an integrity check may also supply a run pointer under the flag's id,
# whose note becomes part of the detail (the only source of near_duplicate today).
INTEGRITY_FLAGS: dict[str, str] = {
    "network_attempt": "Attempt to reach the network",
    "holdout_access": "Attempt to reach the hidden holdout",
    "near_duplicate": "Near-duplicate of another submission or of public code",
}

FLAG_TITLES: dict[str, str] = {
    "over_engineering": "Over-engineering before any baseline",
    "leaderboard_tuning": "Leaderboard-style tuning with no write-up",
    "no_iteration_narrative": "No iteration narrative",
    "last_minute": "All work in the last hours",
    "constraints_ignored": "Constraints ignored",
    "only_successes": "Only successes reported",
    "irreproducible": "Irreproducible results",
    **INTEGRITY_FLAGS,
}


def red_flags(ctx: Context) -> list[RedFlag]:
    """Every red flag the evidence raises, in a fixed order, each with detail and pointers."""
    f = facts(ctx)
    seen = attempts(ctx, f)
    found: list[RedFlag | None] = [
        _over_engineering(f),
        _leaderboard_tuning(ctx, f),
        _no_iteration_narrative(ctx, f),
        _last_minute(f),
        _constraints_ignored(ctx),
        _only_successes(ctx, f),
        _irreproducible(ctx),
        _network_attempt(ctx, seen),
        _holdout_access(ctx, seen),
        _integrity(ctx, "near_duplicate", [], []),
    ]
    return [flag for flag in found if flag is not None]


def _flag(id: str, detail: str, evidence: list[Pointer]) -> RedFlag:
    return RedFlag(id, FLAG_TITLES[id], detail, tuple(evidence[:10]))


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _integrity(
    ctx: Context, id: str, parts: list[str], groups: list[tuple[Finding, ...]]
) -> RedFlag | None:
    """An integrity flag from what the rubric found (``parts``, each a clause, and the
    findings behind each clause) and the run pointer a caller may supply under the flag's id.

    The evidence starts with the first place of every clause (and the supplied pointer), then
    two more places of each (two literals on one line are one place), so that the ten pointers
    kept show every kind of attempt.
    """
    unique: list[list[Pointer]] = []
    for g in groups:
        seen: dict[tuple[str, str], Pointer] = {}
        for x in g:
            seen.setdefault((x.pointer.kind, x.pointer.ref), x.pointer)
        unique.append(list(seen.values()))
    pointers = [u[0] for u in unique if u]
    firsts = len(pointers)
    pointers += [p for u in unique for p in u[1:3]]
    supplied = ctx.run.pointers.get(id) if ctx.run is not None else None
    if not parts:
        if supplied is None:
            return None
        # the supplier's words, as written
        return _flag(id, supplied.note or FLAG_TITLES[id] + ".", [supplied])
    detail = "; ".join(p.rstrip(".") for p in parts)
    detail = detail[0].upper() + detail[1:]
    if supplied is not None:
        detail += f"; {supplied.note.rstrip('.')}" if supplied.note else ""
        pointers.insert(firsts, supplied)
    return _flag(id, detail + ".", pointers)


def _run_clause(found: tuple[Finding, ...], what: str, then: str = "") -> str:
    """``tried to ... during training and prediction{then}: "<the first line seen>"``."""
    steps = _and([during(x.where) for x in found])
    return f'{what} during {steps}{then}: "{found[0].what}"'


def _network_attempt(ctx: Context, a: Attempts) -> RedFlag | None:
    parts: list[str] = []
    if a.run_network:
        parts.append(
            _run_clause(a.run_network, "tried to reach the network", ", and the sandbox refused it")
        )
    if a.code_network:
        parts.append(
            f"code on the train or predict path calls the network: {listed(a.code_network)}"
        )
    if a.code_install:
        parts.append(
            "code on the train or predict path installs packages at run time: "
            + listed(a.code_install)
        )
    groups = [a.run_network, a.code_network, a.code_install]
    return _integrity(ctx, "network_attempt", parts, groups)


def _holdout_access(ctx: Context, a: Attempts) -> RedFlag | None:
    parts: list[str] = []
    if a.run_holdout:
        parts.append(
            _run_clause(
                a.run_holdout, "tried to reach a hidden file or the machine around the sandbox"
            )
        )
    if a.code_names:
        parts.append(f"code names a hidden file: {listed(a.code_names)}")
    if a.code_host:
        parts.append(f"code looks at the machine around the sandbox: {listed(a.code_host)}")
    if a.code_environment:
        parts.append(
            f"code reads environment variables meant for secrets: {listed(a.code_environment)}"
        )
    groups = [a.run_holdout, a.code_names, a.code_host, a.code_environment]
    return _integrity(ctx, "holdout_access", parts, groups)


def _is_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.endswith(".py") and not name.startswith("test_") and "/tests/" not in f"/{path}"


def _over_engineering(f: Facts) -> RedFlag | None:
    if f.baseline is None:
        return None
    modules: set[str] = set()
    lines = 0
    before: list[Commit] = []
    for c in f.work:
        if c.authored_at >= f.baseline.at:
            break
        touched = False
        for x in c.files:
            if _is_module(x.path):
                modules.add(x.path)
                lines += x.added
                touched = True
        if touched:
            before.append(c)
    if len(modules) < OVERBUILT_MODULES or lines < OVERBUILT_LINES:
        return None
    before.sort(key=lambda c: -c.lines_changed)
    return _flag(
        "over_engineering",
        f"{len(modules)} Python modules and {lines} added lines before the first result with a "
        f"metric ({f.baseline.how}).",
        [f.baseline.pointer, *(c.pointer for c in before[:5])],
    )


def _metric_only_experiment(e: Experiment) -> bool:
    narrative = e.hypothesis.strip() or e.observation.strip() or e.learning.strip()
    return bool(e.metrics) and not narrative


def _leaderboard_tuning(ctx: Context, f: Facts) -> RedFlag | None:
    if len(f.elements().keys() & WRITEUP_ELEMENTS.keys()) >= 2:
        return None
    runs = [e for e in f.experiments if _metric_only_experiment(e)]
    extra = (ctx.spec.primary_metric.name,) if ctx.spec is not None else ()
    pattern = metric_mention_pattern(extra)
    tuning = [
        c
        for c in f.work
        if pattern.search(c.subject)
        and not says_why(c.subject, c.body)
        and len(words(c.subject)) <= 8
    ]
    if max(len(runs), len(tuning)) < TUNING_RUNS:
        return None
    parts = []
    if len(runs) >= TUNING_RUNS:
        parts.append(f"{len(runs)} experiments record metrics with no hypothesis or learning")
    if len(tuning) >= TUNING_RUNS:
        parts.append(f"{len(tuning)} commits whose message is only a metric or a setting")
    return _flag(
        "leaderboard_tuning",
        "; ".join(parts) + ", and no write-up explains the work.",
        [*(e.pointer for e in runs[:5]), *(c.pointer for c in tuning[:5])],
    )


def _no_iteration_narrative(ctx: Context, f: Facts) -> RedFlag | None:
    if not f.work:
        return None
    told = any(e.hypothesis.strip() or e.learning.strip() for e in f.experiments)
    table, _ = iteration_table(ctx, f)
    if told or table is not None or "iterations" in f.elements():
        return None
    return _flag(
        "no_iteration_narrative",
        "No experiment states a hypothesis or a learning, and the write-up has no iterations "
        "section or table: nothing says what was tried, why, and what was learned.",
        [f.work[-1].pointer],
    )


def _last_minute(f: Facts) -> RedFlag | None:
    w = f.window
    if not f.work or w.start is None or w.end is None or w.seconds <= 0:
        return None
    total = sum(f.effort)
    tail = w.start + timedelta(seconds=0.9 * w.seconds)
    day = w.end - timedelta(hours=24)
    day_offset = w.seconds - 86400
    late_10 = sum(e for e, frac in zip(f.effort, f.fractions, strict=True) if (frac or 0) >= 0.9)
    # the last-24-hours rule only means something when a day is a small part of the trial
    late_24 = (
        sum(e for e, o in zip(f.effort, f.offsets, strict=True) if o >= day_offset)
        if w.days >= 3
        else 0
    )
    share_10, share_24 = late_10 / total, late_24 / total
    if max(share_10, share_24) < LATE_SHARE:
        return None
    where = (
        f"{share_10:.0%} of the changed lines in the last 10% of the trial window"
        if share_10 >= LATE_SHARE
        else f"{share_24:.0%} of the changed lines in the last 24 hours"
    )
    cutoff = tail if share_10 >= LATE_SHARE else day
    late = sorted((c for c in f.work if c.authored_at >= cutoff), key=lambda c: -c.lines_changed)
    return _flag("last_minute", where + ".", [c.pointer for c in late[:5]])


def _constraints_ignored(ctx: Context) -> RedFlag | None:
    checks = budget_checks(ctx)
    if not checks:
        return None
    f = facts(ctx)
    parts: list[str] = []
    evidence: list[Pointer] = []
    if f.submitted:
        mentioned, missing = mentioned_in_writeup(ctx, checks)
        if not mentioned:
            parts.append(
                "the write-up never mentions the declared constraints ("
                + ", ".join(c.label for c in missing)
                + ")"
            )
    broken = violations(ctx)
    if broken:
        parts.append("the sandbox run violated " + "; ".join(c.describe() for c in broken))
        evidence.extend(c.pointer for c in broken)
    if not parts:
        return None
    detail = "; ".join(parts)
    return _flag("constraints_ignored", detail[0].upper() + detail[1:] + ".", evidence)


def _only_successes(ctx: Context, f: Facts) -> RedFlag | None:
    if len(f.experiments) < ONLY_SUCCESS_RUNS:
        return None
    if any(e.outcome in ("regressed", "failed") for e in f.experiments):
        return None
    if f.statements_of("failure"):
        return None
    name = tracked_metric(ctx, f.experiments)
    if name is not None:
        low = lower_is_better(name)
        previous: float | None = None
        for e in f.experiments:
            hit = find_metric(e.metrics, name)
            if hit is None:
                continue
            if previous is not None and (hit[1] > previous if low else hit[1] < previous):
                return None  # a recorded drop is an honest regression
            previous = hit[1]
    return _flag(
        "only_successes",
        f"{len(f.experiments)} experiments and every one is a success: no regression, failure "
        "or dead end is recorded, in the log or the write-up.",
        [e.pointer for e in f.experiments[:5]],
    )


def _irreproducible(ctx: Context) -> RedFlag | None:
    run = ctx.run
    if run is None or run.rerun_metric_delta is None:
        return None
    tol = ctx.spec.reproducibility.tolerance if ctx.spec is not None else 0.01
    delta = abs(run.rerun_metric_delta)
    if delta <= tol:
        return None
    step = run.pointers.get("rerun") or Pointer("run", "rerun")
    return _flag(
        "irreproducible",
        f"Retraining in the sandbox moved the metric by {delta:g}, outside the tolerance {tol:g}.",
        [step],
    )
