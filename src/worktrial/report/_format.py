"""Formatting shared by the HTML, Markdown and terminal views (one wording everywhere)."""

from __future__ import annotations

from datetime import datetime

from worktrial.report._scorecard import EvidenceItem, Scorecard

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
