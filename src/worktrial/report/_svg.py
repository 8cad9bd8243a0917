"""Static SVG charts for the HTML scorecard, generated in Python (no JavaScript, no fonts).

Every text that may come from a candidate's repository goes through :func:`esc`. Each function
returns a complete ``<svg>`` element (or a short paragraph when there is nothing to draw).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from html import escape

from worktrial.report._format import (
    COMMIT_COLOURS,
    COMMIT_LABELS,
    OUTCOME_COLOURS,
    PHASE_LABELS,
    pct,
    score_colour,
    score_text,
    truncate,
)
from worktrial.report._scorecard import Scorecard, evidence_anchor

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\""
AXIS = "#6B7280"
GRID = "#E5E7EB"
INK = "#111827"


def esc(text: object) -> str:
    """HTML/XML-escape any value (quotes included)."""
    return escape(str(text), quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}"


def _empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


# --------------------------------------------------------------------------- dimensions


def dimensions_chart(card: Scorecard) -> str:
    """Horizontal bars: each dimension's 1-5 score, with its confidence as a thin bar below."""
    label_w, x0, x1, row = 200, 210, 790, 40
    width = 900
    height = 34 + row * len(card.dimensions) + 30

    def x(score: float) -> float:
        return x0 + (score - 1) / 4 * (x1 - x0)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="dims-title" {FONT} font-size="14">',
        '<title id="dims-title">Dimension scores on the 1 to 5 scale, with confidence</title>',
    ]
    for s in range(1, 6):
        xs = _f(x(s))
        parts.append(
            f'<line x1="{xs}" y1="24" x2="{xs}" y2="{height - 30}" stroke="{GRID}"/>'
            f'<text x="{xs}" y="16" text-anchor="middle" fill="{AXIS}" font-size="11">{s}</text>'
        )
    for i, d in enumerate(card.dimensions):
        y = 30 + i * row
        label = truncate(d.title, 28)
        parts.append(f'<a href="#dim-{esc(d.id)}">')
        parts.append(
            f"<title>{esc(d.title)}: {score_text(d.score)} / 5, "
            f"confidence {pct(d.confidence)}</title>"
        )
        parts.append(
            f'<text x="{label_w - 4}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{esc(label)}</text>"
        )
        parts.append(
            f'<rect x="{x0}" y="{y + 2}" width="{x1 - x0}" height="18" rx="3" fill="#F3F4F6"/>'
        )
        if d.score is not None:
            w = max(x(d.score) - x0, 3)
            parts.append(
                f'<rect x="{x0}" y="{y + 2}" width="{_f(w)}" height="18" rx="3" '
                f'fill="{score_colour(d.score)}"/>'
            )
            parts.append(
                f'<text x="{_f(x0 + w + 6)}" y="{y + 16}" fill="{INK}" font-weight="600">'
                f"{score_text(d.score)}</text>"
            )
        else:
            parts.append(
                f'<text x="{x0 + 6}" y="{y + 16}" fill="{AXIS}" font-style="italic">'
                "not observed</text>"
            )
        cw = (x1 - x0) * d.confidence
        parts.append(
            f'<rect x="{x0}" y="{y + 24}" width="{x1 - x0}" height="5" rx="2" fill="#F3F4F6"/>'
            f'<rect x="{x0}" y="{y + 24}" width="{_f(cw)}" height="5" rx="2" fill="#9CA3AF"/>'
            f'<text x="{x1 + 8}" y="{y + 30}" fill="{AXIS}" font-size="11">'
            f"{pct(d.confidence)} conf.</text>"
        )
        parts.append("</a>")
    ly = height - 12
    parts.append(
        f'<rect x="{x0}" y="{ly - 9}" width="14" height="9" rx="2" fill="#3D85C6"/>'
        f'<text x="{x0 + 20}" y="{ly}" fill="{AXIS}" font-size="11">score (1-5)</text>'
        f'<rect x="{x0 + 110}" y="{ly - 6}" width="14" height="5" rx="2" fill="#9CA3AF"/>'
        f'<text x="{x0 + 130}" y="{ly}" fill="{AXIS}" font-size="11">'
        "confidence: share of signals observed</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- timeline


def _month_ticks(start: datetime, end: datetime, max_ticks: int) -> list[datetime]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = next(k for k in (1, 2, 3, 6, 12, 24, 60) if months / k <= max_ticks or k == 60)
    year, month = start.year, start.month
    ticks: list[datetime] = []
    while True:
        t = start.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        if t > end:
            return ticks
        if t >= start and (year * 12 + month - 1) % every == 0:
            ticks.append(t)
        month += 1
        if month > 12:
            year, month = year + 1, 1


def _ticks(start: datetime, end: datetime, max_ticks: int = 8) -> list[datetime]:
    span = (end - start).total_seconds()
    if span > max_ticks * 14 * 86400:
        return _month_ticks(start, end, max_ticks)
    steps = [3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400]
    if span > 2 * 86400:  # labels show dates only: keep to whole days
        steps = [s for s in steps if s >= 86400]
    step = next((s for s in steps if span / s <= max_ticks), steps[-1])
    if step >= 86400:
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = start.replace(minute=0, second=0, microsecond=0)
    ticks = []
    t = first
    while t <= end:
        if t >= start:
            ticks.append(t)
        t += timedelta(seconds=step)
    return ticks


def _tick_label(t: datetime, span_s: float) -> str:
    if span_s <= 2 * 86400:
        return t.strftime("%d %b %H:%M")
    if span_s > 8 * 14 * 86400:
        return t.strftime("%b %Y")
    return t.strftime("%d %b")


def timeline_chart(card: Scorecard) -> str:
    """Commits over time (y: lines changed, log scale), coloured by class, late ones marked."""
    points = card.charts.timeline
    if not points:
        return _empty("No commits to draw.")
    width, height = 920, 250
    left, right, top, bottom = 56, 20, 18, 44
    # the starter kit's commit is dated when the company made it, often months earlier: it must
    # not stretch the axis (it is drawn at the left edge instead)
    times = [p.at for p in points if not p.starter] or [p.at for p in points]
    # a cut timeline (only the most recent commits) starts at its first point, not the window's
    cut = card.counts.commits > len(points)
    window_start = card.window.started_at if not cut else None
    start = min([*times, *([window_start] if window_start else [])])
    end = max([*times, *([card.window.deadline] if card.window.deadline else [])])
    if end <= start:
        end = start + timedelta(hours=1)
    span = (end - start).total_seconds()
    pad = span * 0.02
    t0 = start - timedelta(seconds=pad)
    t1 = end + timedelta(seconds=pad)
    total = (t1 - t0).total_seconds()
    max_lines = max(p.lines for p in points)
    # at least a 1-10 scale, so a history of tiny commits does not fill the chart's height
    log_max = math.log10(max(max_lines, 10) + 1)

    def x(t: datetime) -> float:
        t = min(max(t, t0), t1)
        return left + (t - t0).total_seconds() / total * (width - left - right)

    def y(lines: int) -> float:
        share = math.log10(lines + 1) / log_max if log_max > 0 else 0.0
        return height - bottom - share * (height - top - bottom - 8) - 4

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="tl-title" {FONT} font-size="11">',
        '<title id="tl-title">Commit timeline: each point is a commit, placed by author time '
        "and lines changed, coloured by what it did</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        f'stroke="{AXIS}"/>',
    ]
    # y grid at powers of ten
    for power in range(int(log_max) + 1):
        lines = 10**power
        if lines > max(max_lines, 10):
            break
        yy = _f(y(lines))
        parts.append(
            f'<line x1="{left}" y1="{yy}" x2="{width - right}" y2="{yy}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{yy}" dy="4" text-anchor="end" fill="{AXIS}">'
            f"{lines:,}</text>"
        )
    nearest_power = 10 ** math.floor(math.log10(max(max_lines, 1)))
    if max_lines > 10 and y(nearest_power) - y(max_lines) >= 12:  # no overlapping labels
        # the largest commit's size marks the top of the scale
        parts.append(
            f'<text x="{left - 6}" y="{_f(y(max_lines))}" dy="4" text-anchor="end" '
            f'fill="{AXIS}">{max_lines:,}</text>'
        )
    parts.append(
        f'<text x="14" y="{(top + height - bottom) / 2:.0f}" fill="{AXIS}" '
        f'transform="rotate(-90 14 {(top + height - bottom) / 2:.0f})" text-anchor="middle">'
        "lines changed</text>"
    )
    for t in _ticks(start, end):
        xx = _f(x(t))
        parts.append(
            f'<line x1="{xx}" y1="{height - bottom}" x2="{xx}" y2="{height - bottom + 5}" '
            f'stroke="{AXIS}"/><text x="{xx}" y="{height - bottom + 18}" text-anchor="middle" '
            f'fill="{AXIS}">{esc(_tick_label(t, span))}</text>'
        )
    deadline = card.window.deadline
    close = window_start is not None and deadline is not None and x(deadline) - x(window_start) < 70
    for label, at, colour, anchor in (
        ("start", window_start, AXIS, "end" if close else "middle"),
        ("deadline", deadline, "#B91C1C", "start" if close else "middle"),
    ):
        if at is None:
            continue
        xx = _f(x(at))
        parts.append(
            f'<line x1="{xx}" y1="{top}" x2="{xx}" y2="{height - bottom}" stroke="{colour}" '
            f'stroke-dasharray="4 3"/><text x="{xx}" y="{top - 5}" text-anchor="{anchor}" '
            f'fill="{colour}" font-weight="600">{label}</text>'
        )
    for p in points:
        cx, cy = _f(x(p.at)), _f(y(p.lines))
        colour = COMMIT_COLOURS.get(p.kind, COMMIT_COLOURS["other"])
        tip = f"{p.sha[:7]} · {p.at:%Y-%m-%d %H:%M} · {p.kind} · {p.lines:,} lines · {p.subject}"
        if p.after_deadline:
            tip += " · after the deadline"
        if p.starter:
            tip += " · starter kit"
        parts.append(f'<a href="#{evidence_anchor("commit", p.sha)}"><title>{esc(tip)}</title>')
        if p.after_deadline:
            parts.append(
                f'<path d="M{cx} {float(cy) - 7:.1f} l7 7 l-7 7 l-7 -7 z" fill="{colour}" '
                'stroke="#B91C1C" stroke-width="2"/>'
            )
        elif p.starter:
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="5" fill="#FFFFFF" stroke="{AXIS}" '
                'stroke-width="1.5"/>'
            )
        else:
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="5" fill="{colour}" fill-opacity="0.85" '
                'stroke="#FFFFFF" stroke-width="1"/>'
            )
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)


def timeline_legend(card: Scorecard) -> str:
    """HTML legend of the commit classes present, plus the late and starter markers."""
    kinds = [k for k in COMMIT_COLOURS if any(p.kind == k for p in card.charts.timeline)]
    items = [
        f'<li><span class="swatch" style="background:{COMMIT_COLOURS[k]}"></span>'
        f"{esc(COMMIT_LABELS[k])}</li>"
        for k in kinds
    ]
    if any(p.after_deadline for p in card.charts.timeline):
        items.append('<li><span class="swatch late"></span>after the deadline</li>')
    if any(p.starter for p in card.charts.timeline):
        items.append('<li><span class="swatch starter"></span>starter kit (excluded)</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


# --------------------------------------------------------------------------- trajectory


def _marker(outcome: str | None, cx: float, cy: float, colour: str) -> str:
    if outcome == "regressed":
        return (
            f'<path d="M{cx - 6:.1f} {cy - 4:.1f} h12 l-6 10 z" fill="{colour}" stroke="#FFFFFF"/>'
        )
    if outcome == "failed":
        return (
            f'<path d="M{cx - 5:.1f} {cy - 5:.1f} l10 10 M{cx + 5:.1f} {cy - 5:.1f} l-10 10" '
            f'stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
        )
    if outcome == "neutral":
        return (
            f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="{colour}" '
            'stroke="#FFFFFF"/>'
        )
    if outcome is None:
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="#FFFFFF" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{colour}" stroke="#FFFFFF"/>'


def trajectory_chart(card: Scorecard) -> str:
    """The metric across experiments in time order, each point coloured by its outcome."""
    traj = card.charts.trajectory
    points = traj.points
    if not points:
        return _empty("No experiment log found: there is no trajectory to draw.")
    valued = [p.value for p in points if p.value is not None]
    if not valued:
        return _empty(f"{len(points)} experiment(s) recorded, none with a metric value to draw.")
    width, height = 460, 250
    left, right, top, bottom = 52, 16, 20, 46
    refs: list[tuple[str, float]] = []
    if card.trial is not None and traj.metric == card.trial.primary_metric.name:
        pm = card.trial.primary_metric
        if pm.baseline is not None:
            refs.append(("baseline", pm.baseline))
        if pm.target is not None:
            refs.append(("target", pm.target))
    lo = min([*valued, *(v for _, v in refs)])
    hi = max([*valued, *(v for _, v in refs)])
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05 * (abs(lo) or 1), hi + 0.05 * (abs(hi) or 1)
    margin = (hi - lo) * 0.1
    lo, hi = lo - margin, hi + margin
    n = len(points)

    def x(i: int) -> float:
        return left + (i + 0.5) / n * (width - left - right)

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (height - top - bottom)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="traj-title" {FONT} font-size="11">',
        f'<title id="traj-title">{esc(traj.metric or "metric")} across {n} experiments '
        "in time order</title>",
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        yy = _f(y(v))
        parts.append(
            f'<line x1="{left}" y1="{yy}" x2="{width - right}" y2="{yy}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{yy}" dy="4" text-anchor="end" fill="{AXIS}">'
            f"{v:.3g}</text>"
        )
    for label, v in refs:
        yy = _f(y(v))
        parts.append(
            f'<line x1="{left}" y1="{yy}" x2="{width - right}" y2="{yy}" stroke="{INK}" '
            f'stroke-dasharray="5 4" stroke-opacity="0.6"/><text x="{width - right - 2}" '
            f'y="{yy}" dy="-4" text-anchor="end" fill="{INK}">{label} {v:.3g}</text>'
        )
    line = " ".join(
        f"{_f(x(i))},{_f(y(p.value))}" for i, p in enumerate(points) if p.value is not None
    )
    parts.append(
        f'<polyline points="{line}" fill="none" stroke="#0072B2" '
        f'stroke-width="{1 if n > 40 else 2}" stroke-opacity="{0.5 if n > 40 else 1}" '
        'stroke-linejoin="round"/>'
    )
    every = max(1, math.ceil(n / 6))  # at most ~6 labels fit under the chart
    dense = n > 40
    for i, p in enumerate(points):
        xx = x(i)
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{_f(xx)}" y="{height - bottom + 16}" text-anchor="middle" '
                f'fill="{AXIS}">{esc(truncate(p.id, 10))}</text>'
            )
        if p.value is None:
            continue
        colour = OUTCOME_COLOURS.get(p.outcome or "unknown", OUTCOME_COLOURS["unknown"])
        tip = f"{p.id}: {traj.metric} {p.value:.4g} · {p.outcome or 'no outcome recorded'}"
        if p.change:
            tip += f" · {p.change}"
        marker = (
            f'<circle cx="{xx:.1f}" cy="{y(p.value):.1f}" r="2.5" fill="{colour}"/>'
            if dense
            else _marker(p.outcome, xx, y(p.value), colour)
        )
        parts.append(
            f'<a href="#{evidence_anchor("experiment", p.id)}"><title>{esc(tip)}</title>'
            f"{marker}</a>"
        )
    direction = "higher is better" if traj.higher_is_better else "lower is better"
    parts.append(
        f'<text x="{left}" y="{height - 8}" fill="{AXIS}">{esc(traj.metric or "")} '
        f"({direction}) · experiments in time order</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def trajectory_legend(card: Scorecard) -> str:
    """HTML legend of the outcomes present in the trajectory."""
    present = {p.outcome or "unknown" for p in card.charts.trajectory.points}
    labels = {
        "improved": ("improved", "●"),
        "regressed": ("regressed", "▼"),
        "neutral": ("neutral", "■"),
        "failed": ("failed", "✕"),
        "unknown": ("no outcome recorded", "○"),
    }
    items = [
        f'<li><span class="glyph" style="color:{OUTCOME_COLOURS[k]}">{g}</span>{esc(text)}</li>'
        for k, (text, g) in labels.items()
        if k in present
    ]
    return f'<ul class="legend">{"".join(items)}</ul>' if items else ""


# --------------------------------------------------------------------------- time allocation


def allocation_chart(card: Scorecard) -> str:
    """Paired bars per phase: the candidate's share of work time against the healthy shape."""
    alloc = card.charts.time_allocation
    if alloc.actual is None:
        return _empty("Time allocation could not be measured (too few dated commits).")
    phases = list(alloc.healthy)
    width, row = 460, 52
    left, right = 120, 60
    height = 16 + row * len(phases) + 26
    top_share = max([*alloc.healthy.values(), *alloc.actual.values(), 0.5])

    def w(share: float) -> float:
        return share / top_share * (width - left - right)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="alloc-title" {FONT} font-size="12">',
        '<title id="alloc-title">Share of work time per phase, against the healthy '
        "20/20/40/20 shape</title>",
    ]
    for i, phase in enumerate(phases):
        y = 12 + i * row
        actual = alloc.actual.get(phase, 0.0)
        healthy = alloc.healthy[phase]
        parts.append(
            f'<text x="{left - 8}" y="{y + 20}" text-anchor="end" fill="{INK}">'
            f"{esc(PHASE_LABELS.get(phase, phase))}</text>"
            f'<rect x="{left}" y="{y + 4}" width="{_f(max(w(actual), 1))}" height="16" rx="2" '
            f'fill="#0072B2"/><text x="{_f(left + w(actual) + 6)}" y="{y + 16}" '
            f'fill="{INK}">{pct(actual)}</text>'
            f'<rect x="{left}" y="{y + 24}" width="{_f(w(healthy))}" height="12" rx="2" '
            f'fill="#E5E7EB" stroke="#9CA3AF" stroke-dasharray="3 2"/>'
            f'<text x="{_f(left + w(healthy) + 6)}" y="{y + 34}" fill="{AXIS}">'
            f"{pct(healthy)}</text>"
        )
    ly = height - 10
    parts.append(
        f'<rect x="{left}" y="{ly - 10}" width="14" height="10" fill="#0072B2"/>'
        f'<text x="{left + 20}" y="{ly}" fill="{AXIS}" font-size="11">this candidate</text>'
        f'<rect x="{left + 120}" y="{ly - 10}" width="14" height="10" fill="#E5E7EB" '
        f'stroke="#9CA3AF" stroke-dasharray="3 2"/>'
        f'<text x="{left + 140}" y="{ly}" fill="{AXIS}" font-size="11">healthy shape</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
