"""Inline SVG charts for the staff pages: no JavaScript, no external files, readable in any
browser and in a screenshot. Every text drawn is escaped; each mark carries a ``<title>`` so a
pointer shows the exact value, and links where there is a page to open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SCORE_MIN, SCORE_MAX = 1.0, 5.0


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, a CSS class for its colour, its count."""

    label: str
    css: str
    count: int


def stage_bars(bars: Sequence[Bar], *, width: int = 520) -> SafeString:
    """A horizontal bar chart of counts (candidates by stage)."""
    label_w, row_h, pad = 110, 24, 6
    most = max((b.count for b in bars), default=0) or 1
    room = width - label_w - 50
    height = row_h * len(bars) + pad
    parts = [
        f'<svg class="chart bars" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Candidates by stage</title>"
    ]
    for i, bar in enumerate(bars):
        y = pad + i * row_h
        w = round(room * bar.count / most) if bar.count else 0
        parts.append(
            f'<g class="{escape(bar.css)}"><text class="label" x="{label_w - 8}" y="{y + 14}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{max(w, 1) if bar.count else 0}" '
            f'height="{row_h - 8}" rx="3"><title>{escape(bar.label)}: {bar.count}</title></rect>'
            f'<text class="value" x="{label_w + w + 6}" y="{y + 14}">{bar.count}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True, slots=True)
class Dot:
    """One candidate on a score axis."""

    label: str
    score: float
    href: str = ""


def score_strip(dots: Sequence[Dot], *, width: int = 560, title: str = "") -> SafeString:
    """A strip (dot) plot of scores on the rubric's 1-5 scale; close scores are stacked so
    every candidate stays visible."""
    left, right, top, lane = 24, 24, 10, 12
    span = width - left - right

    def x_of(score: float) -> float:
        clamped = min(max(score, SCORE_MIN), SCORE_MAX)
        return left + span * (clamped - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)

    # stack dots that would overlap: each takes the lowest free lane at its position
    placed: list[tuple[float, int, Dot]] = []
    for dot in sorted(dots, key=lambda d: (d.score, d.label)):
        x = x_of(dot.score)
        used = {n for (px, n, _) in placed if abs(px - x) < 9}
        n = next(i for i in range(len(placed) + 1) if i not in used)
        placed.append((x, n, dot))
    lanes = max((n for _, n, _ in placed), default=0) + 1
    axis_y = top + lanes * lane + 6
    height = axis_y + 24
    parts = [
        f'<svg class="chart strip" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title or 'Overall scores')}</title>"
        f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}"/>'
    ]
    for tick in range(int(SCORE_MIN), int(SCORE_MAX) + 1):
        x = x_of(tick)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y + 4}"/>'
            f'<text class="label" x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle">{tick}</text>'
        )
    for x, n, dot in placed:
        y = axis_y - 8 - n * lane
        mark = (
            f'<circle class="dot" cx="{x:.1f}" cy="{y}" r="5">'
            f"<title>{escape(dot.label)}: {_num(dot.score)}</title></circle>"
        )
        if dot.href:
            mark = f'<a href="{escape(dot.href)}">{mark}</a>'
        parts.append(mark)
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True, slots=True)
class Bin:
    """How many scores fall in ``[low, high)`` (the last bin includes its upper end)."""

    low: float
    high: float
    count: int


def score_histogram(bins: Sequence[Bin], *, width: int = 560, title: str = "") -> SafeString:
    """A histogram of scores on the rubric's 1-5 scale, on the same axis as
    :func:`score_strip`: for cohorts too large to draw one dot per candidate."""
    left, right, top, room = 24, 24, 10, 90
    span = width - left - right

    def x_of(score: float) -> float:
        clamped = min(max(score, SCORE_MIN), SCORE_MAX)
        return left + span * (clamped - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)

    most = max((b.count for b in bins), default=0) or 1
    axis_y = top + room
    height = axis_y + 24
    parts = [
        f'<svg class="chart strip histogram" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title or 'Overall scores')}</title>"
        f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}"/>'
    ]
    for tick in range(int(SCORE_MIN), int(SCORE_MAX) + 1):
        x = x_of(tick)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}"/>'
            f'<text class="label" x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle">{tick}</text>'
        )
    for b in bins:
        if not b.count:
            continue
        x0, x1 = x_of(b.low), x_of(b.high)
        h, w = max(room * b.count / most, 1.0), max(x1 - x0 - 2, 1.0)
        parts.append(
            f'<rect class="dot" x="{x0 + 1:.1f}" y="{axis_y - h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}"><title>{b.low:g}–{b.high:g}: {b.count}</title></rect>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True, slots=True)
class Mark:
    """One event on the timeline: its lane, time, label (the tooltip) and anchor in the list."""

    lane: str
    at: datetime
    label: str
    anchor: str
    css: str = ""
    size: float = 4.0


@dataclass(frozen=True, slots=True)
class Rule:
    """A vertical marker across every lane: the start, a checkpoint, the deadline."""

    at: datetime
    label: str
    css: str = ""


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    days = max((end - start).total_seconds() / 86400, 1)
    step = 1 if days <= 16 else 2 if days <= 32 else 7 if days <= 120 else 30
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    out: list[datetime] = []
    t = first
    while t <= end and len(out) < 60:
        out.append(t)
        t += timedelta(days=step)
    return out


def timeline(
    lanes: Sequence[str],
    marks: Sequence[Mark],
    rules: Sequence[Rule],
    start: datetime,
    end: datetime,
    *,
    width: int = 1100,
) -> SafeString:
    """Everything a candidate did on one time axis: one lane per kind of event, vertical rules
    for the start, the checkpoints and the deadline. Each mark links to its entry in the list
    below the chart (``#<anchor>``)."""
    label_w, right, top, lane_h = 110, 16, 24, 28
    if end <= start:
        end = start + timedelta(days=1)
    span = width - label_w - right
    total = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        return label_w + span * min(max((at - start).total_seconds() / total, 0.0), 1.0)

    height = top + lane_h * len(lanes) + 28
    bottom = top + lane_h * len(lanes)
    parts = [
        f'<svg class="chart timeline" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        "<title>Candidate timeline</title>"
    ]
    for i, name in enumerate(lanes):
        y = top + i * lane_h
        parts.append(
            f'<rect class="lane{" odd" if i % 2 else ""}" x="{label_w}" y="{y}" width="{span}" '
            f'height="{lane_h}"/><text class="label" x="{label_w - 8}" y="{y + lane_h / 2 + 4}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
    for t in _ticks(start, end):
        x = x_of(t)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}"/>'
            f'<text class="label small" x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{t:%b %d}</text>"
        )
    for rule in rules:
        x = x_of(rule.at)
        parts.append(
            f'<g class="rule {escape(rule.css)}"><line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
            f'y2="{bottom}"><title>{escape(rule.label)} · {rule.at:%Y-%m-%d %H:%M}</title></line>'
            f'<text class="label small" x="{x:.1f}" y="{top - 9}" text-anchor="middle">'
            f"{escape(rule.label)}</text></g>"
        )
    index = {name: i for i, name in enumerate(lanes)}
    for mark in sorted(marks, key=lambda m: m.at):
        if mark.lane not in index:
            continue
        cy = top + index[mark.lane] * lane_h + lane_h / 2
        parts.append(
            f'<a href="#{escape(mark.anchor)}"><circle class="mark {escape(mark.css)}" '
            f'cx="{x_of(mark.at):.1f}" cy="{cy:.1f}" r="{mark.size:.1f}"><title>'
            f"{mark.at:%Y-%m-%d %H:%M} · {escape(mark.label)}</title></circle></a>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
