"""Formatting shared by the HTML, Markdown and terminal views (one wording everywhere)."""

from __future__ import annotations

from datetime import datetime

from worktrial.report._scorecard import EvidenceItem, RunCard, RunStep, Scorecard

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
COMMIT_COLOURS: dict[str, str] = {
    "framing": "#0072B2",
    "data": "#E69F00",
    "modelling": "#009E73",
    "tests": "#CC79A7",
    "refactor": "#56B4E9",
    "bulk_upload": "#D55E00",
    "notebook_autosave": "#B8A200",
    "automated": "#8C8C8C",
    "merge": "#BDBDBD",
    "other": "#5F5F5F",
}

COMMIT_LABELS: dict[str, str] = {
    "framing": "framing / docs",
    "data": "data",
    "modelling": "modelling",
    "tests": "tests",
    "refactor": "refactor",
    "bulk_upload": "bulk upload",
    "notebook_autosave": "notebook auto-save",
    "automated": "automated / bot",
    "merge": "merge",
    "other": "other",
}

OUTCOME_COLOURS: dict[str, str] = {
    "improved": "#009E73",
    "regressed": "#D55E00",
    "neutral": "#8C8C8C",
    "failed": "#CC79A7",
    "unknown": "#0072B2",
}

PHASE_LABELS: dict[str, str] = {
    "framing": "Framing & data",
    "baseline": "Baseline",
    "iteration": "Iteration",
    "writeup": "Write-up",
}


def score_text(score: float | None) -> str:
    """``3.4`` or ``–`` when not scored."""
    return "–" if score is None else f"{score:.1f}"


def pct(share: float | None) -> str:
    """``72%`` or ``–``."""
    return "–" if share is None else f"{share * 100:.0f}%"


def score_band(score: float | None) -> str:
    """A word for a 1-5 score, matching the rubric's anchors."""
    if score is None:
        return "not observed"
    if score >= 4.5:
        return "exemplary"
    if score >= 3.5:
        return "strong"
    if score >= 2.5:
        return "partial"
    if score >= 1.5:
        return "weak"
    return "no evidence"


def score_colour(score: float | None) -> str:
    """Fill colour for a 1-5 score (blue ramp: no red/green judgement)."""
    if score is None:
        return "#BDBDBD"
    if score >= 4.0:
        return "#0B5394"
    if score >= 3.0:
        return "#3D85C6"
    if score >= 2.0:
        return "#6FA8DC"
    return "#9FC5E8"


def when(dt: datetime | None, *, with_time: bool = True) -> str:
    """UTC time as ``2026-03-02 09:00`` (or the date alone)."""
    if dt is None:
        return "–"
    return dt.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def value_text(value: object) -> str:
    """A signal's raw value for display."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def evidence_label(item: EvidenceItem, *, subjects: dict[str, str] | None = None) -> str:
    """A readable reference: ``a1b2c3d Add baseline``, ``src/train.py:12``, ``exp-003``..."""
    if item.kind == "commit":
        subject = item.note or (subjects or {}).get(item.ref, "")
        return f"{item.ref[:7]} {subject}".strip()
    if item.kind == "file":
        return item.ref
    if item.kind in ("run", "spec"):
        return f"{item.kind}: {item.ref}"
    return item.ref


def title_of(card: Scorecard) -> str:
    """The document's headline: the trial title, or the repository name without a spec."""
    return card.trial.title if card.trial is not None else card.repository.name


def all_evidence(card: Scorecard) -> list[EvidenceItem]:
    """Every distinct evidence item referenced by a signal or red flag, in document order."""
    seen: set[tuple[str, str]] = set()
    out: list[EvidenceItem] = []
    for flag in card.red_flags:
        for e in flag.evidence:
            if (e.kind, e.ref) not in seen:
                seen.add((e.kind, e.ref))
                out.append(e)
    for s in card.signals():
        for e in s.evidence:
            if (e.kind, e.ref) not in seen:
                seen.add((e.kind, e.ref))
                out.append(e)
    return out


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- the run section

STEP_STATUS_WORDS: dict[str, str] = {
    "passed": "passed",
    "failed": "failed",
    "warning": "passed with a warning",
    "skipped": "not run",
    "error": "platform error",
}

OUTCOME_WORDS: dict[str, str] = {
    "scored": "scored",
    "failed": "no score: the submission failed",
    "error": "not completed: a platform error (not counted against the quota)",
}


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def run_figure_rows(run: RunCard) -> list[tuple[str, str, str, str]]:
    """The run's figures as ``(what, measured, budget, verdict)`` rows, one wording for every
    view: the metrics on the split, then each budgeted figure, tests and the rerun."""
    f = run.figures
    rows: list[tuple[str, str, str, str]] = []
    for name, value in f.metrics.items():
        what = f"{name} (primary metric)" if name == f.primary_metric else name
        rows.append((what, f"{value:.4g}", "–", f"on {run.split_description}"))
    budgeted = {b.name for b in run.budgets}
    for b in run.budgets:
        verdict = "not judged" if b.met is None else ("met" if b.met else "missed")
        if b.note:
            verdict += f" ({b.note})"
        rows.append(
            (b.label, _figure(b.measured, b.unit), f"≤ {_figure(b.budget, b.unit)}", verdict)
        )
    if f.latency_p50_ms is not None:
        how = (
            "interpreter start-up included"
            if f.latency_includes_startup
            else "in-process, start-up not included"
        )
        rows.append(("predict latency p50", _figure(f.latency_p50_ms, "ms"), "–", how))
    extra = (
        ("latency_p95_ms", "predict latency p95", f.latency_p95_ms, "ms"),
        ("peak_memory_mb", "peak memory of the predict command", f.peak_memory_mb, "MB"),
        ("model_size_mb", "model size", f.model_size_mb, "MB"),
        ("training_time_s", "training time", f.training_time_s, "s"),
    )
    for name, label, figure, unit in extra:
        if name not in budgeted and figure is not None:
            rows.append((label, _figure(figure, unit), "–", "no budget in the spec"))
    if f.tests_passed is not None:
        failed = f.tests_failed or 0
        rows.append(
            (
                "candidate's tests (public checks)",
                f"{f.tests_passed} passed, {failed} failed",
                "–",
                "public checks passed" if failed == 0 and f.tests_passed else "see the tests step",
            )
        )
    if f.rerun_failed:
        rows.append(
            ("rerun difference", "–", _tolerance(f.tolerance), "the rerun produced no metric")
        )
    elif f.rerun_metric_delta is not None:
        within = f.tolerance is None or abs(f.rerun_metric_delta) <= f.tolerance
        rows.append(
            (
                f"rerun difference in {f.primary_metric}",
                f"{f.rerun_metric_delta:+.4g}",
                _tolerance(f.tolerance),
                "reproducible" if within else "outside the tolerance",
            )
        )
    return rows


def _tolerance(tol: float | None) -> str:
    return "–" if tol is None else f"± {tol:g}"


def step_timing(step: RunStep) -> str:
    """``wall 1.2 s · cpu 0.9 s · peak 120 MB`` for what the host measured."""
    parts = []
    if step.wall_s is not None:
        parts.append(f"wall {step.wall_s:.2f} s")
    if step.cpu_s is not None:
        parts.append(f"cpu {step.cpu_s:.2f} s")
    if step.peak_memory_mb is not None:
        parts.append(f"peak memory {step.peak_memory_mb:.0f} MB")
    return " · ".join(parts)


def run_heading(run: RunCard) -> str:
    """``final split · bwrap sandbox (isolated) · commit abc1234 · scored``."""
    iso = "isolated" if run.isolated else "NOT isolated"
    return (
        f"{run.split} split · {run.backend} sandbox ({iso}) · commit {run.commit[:7]} · "
        f"{OUTCOME_WORDS.get(run.outcome, run.outcome)}"
    )
