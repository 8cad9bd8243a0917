"""Candidates side by side: one column per scorecard, one row per dimension.

The comparison shows scores with their confidence and counts red flags; it ranks nothing by
itself, because automated scores assist reviewers and never decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from worktrial.errors import UsageError
from worktrial.report._format import pct, score_colour, score_text
from worktrial.report._scorecard import Scorecard
from worktrial.report._svg import esc
from worktrial.report.html import CSS
from worktrial.report.markdown import md
from worktrial.rubric._types import DIMENSION_TITLES, DIMENSIONS


@dataclass(frozen=True, slots=True)
class Cell:
    score: float | None
    confidence: float | None


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    title: str
    cells: tuple[Cell, ...]

    @property
    def best(self) -> float | None:
        scores = [c.score for c in self.cells if c.score is not None]
        return max(scores) if scores else None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Scorecards lined up: ``labels`` are the column titles, ``rows`` dimensions + overall."""

    labels: tuple[str, ...]
    rows: tuple[Row, ...]
    red_flags: tuple[int, ...]
    flag_titles: tuple[tuple[str, ...], ...]
    work_commits: tuple[int, ...]
    experiments: tuple[int, ...]
    trials: tuple[str | None, ...]
    notes: tuple[str, ...]


def _labels(cards: Sequence[Scorecard]) -> tuple[str, ...]:
    first = [c.candidate for c in cards]
    # two candidates with one alias: tell them apart by repository, then by position
    second = [
        f"{label} ({cards[i].repository.name})" if first.count(label) > 1 else label
        for i, label in enumerate(first)
    ]
    return tuple(
        f"{label} #{i + 1}" if second.count(label) > 1 else label for i, label in enumerate(second)
    )


def compare(cards: Sequence[Scorecard]) -> Comparison:
    """Line up ``cards`` (at least one) dimension by dimension.

    Raises:
        UsageError: no scorecard was given.
    """
    if not cards:
        raise UsageError("compare needs at least one scorecard")
    ids = list(DIMENSIONS)
    for c in cards:
        ids += [d.id for d in c.dimensions if d.id not in ids]
    rows = []
    for dim in ids:
        cells = []
        title = DIMENSION_TITLES.get(dim, dim)
        for c in cards:
            try:
                d = c.dimension(dim)
            except KeyError:
                cells.append(Cell(None, None))
                continue
            title = d.title
            cells.append(Cell(d.score, d.confidence))
        rows.append(Row(dim, title, tuple(cells)))
    rows.append(Row("overall", "Overall", tuple(Cell(c.overall, c.confidence) for c in cards)))
    trials = tuple(c.trial.id if c.trial else None for c in cards)
    notes: list[str] = []
    if len(set(trials)) > 1:
        shown = ", ".join(sorted({t or "no spec" for t in trials}))
        notes.append(f"These scorecards come from different trials ({shown}): compare with care.")
    versions = {c.tool.version for c in cards}
    if len(versions) > 1:
        notes.append(
            f"Produced by different worktrial versions ({', '.join(sorted(versions))}); "
            "signals may differ."
        )
    return Comparison(
        labels=_labels(cards),
        rows=tuple(rows),
        red_flags=tuple(len(c.red_flags) for c in cards),
        flag_titles=tuple(tuple(f.title for f in c.red_flags) for c in cards),
        work_commits=tuple(c.counts.work_commits for c in cards),
        experiments=tuple(c.counts.experiments for c in cards),
        trials=trials,
        notes=tuple(notes),
    )


def _cell_text(cell: Cell) -> str:
    if cell.confidence is None:
        return "n/a"
    return f"{score_text(cell.score)} ({pct(cell.confidence)})"


def comparison_renderable(cmp: Comparison) -> RenderableType:
    """The comparison as a Rich table (score, confidence in brackets; best score in bold)."""
    table = Table(title="Candidates side by side", title_justify="left")
    table.add_column("dimension")
    for label in cmp.labels:
        table.add_column(Text(label), justify="right")
    for row in cmp.rows:
        best = row.best
        cells = []
        for cell in row.cells:
            style = "bold green" if best is not None and cell.score == best else ""
            cells.append(Text(_cell_text(cell), style=style))
        table.add_row(Text(row.title, style="bold" if row.key == "overall" else ""), *cells)
    table.add_row(
        "Red flags",
        *(Text(str(n), style="bold red" if n else "") for n in cmp.red_flags),
    )
    table.add_row("Work commits", *(str(n) for n in cmp.work_commits))
    table.add_row("Experiments", *(str(n) for n in cmp.experiments))
    parts: list[RenderableType] = [table]
    parts.append(
        Text(
            "score (confidence); bold marks the highest score of a row. Scores assist "
            "reviewers; they do not rank people by themselves.",
            style="dim",
        )
    )
    parts += [Text(n, style="yellow") for n in cmp.notes]
    return Group(*parts)


def render_compare_term(cmp: Comparison, console: Console | None = None) -> None:
    """Print the comparison to ``console`` (standard output by default)."""
    (console or Console()).print(comparison_renderable(cmp))


def render_compare_markdown(cmp: Comparison) -> str:
    """The comparison as a GitHub-flavoured Markdown table."""
    lines = [
        "# Candidates side by side",
        "",
        "| dimension | " + " | ".join(md(label) for label in cmp.labels) + " |",
        "|---|" + "---:|" * len(cmp.labels),
    ]
    for row in cmp.rows:
        best = row.best
        cells = []
        for cell in row.cells:
            text = _cell_text(cell)
            cells.append(f"**{text}**" if best is not None and cell.score == best else text)
        title = f"**{md(row.title)}**" if row.key == "overall" else md(row.title)
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("| Red flags | " + " | ".join(str(n) for n in cmp.red_flags) + " |")
    lines.append("| Work commits | " + " | ".join(str(n) for n in cmp.work_commits) + " |")
    lines.append("| Experiments | " + " | ".join(str(n) for n in cmp.experiments) + " |")
    lines += ["", "Score (confidence); bold marks the highest score of a row.", ""]
    for label, titles in zip(cmp.labels, cmp.flag_titles, strict=True):
        if titles:
            lines.append(f"- **{md(label)}** red flags: {md('; '.join(titles))}")
    lines += [f"> {md(n)}" for n in cmp.notes]
    lines.append("")
    return "\n".join(lines)


def render_compare_html(cmp: Comparison) -> str:
    """The comparison as a self-contained HTML page (same style as the scorecard)."""
    head = "".join(f'<th class="num">{esc(label)}</th>' for label in cmp.labels)
    body = []
    for row in cmp.rows:
        best = row.best
        cells = []
        for cell in row.cells:
            strong = best is not None and cell.score == best
            swatch = (
                f'<span class="dot" style="background:{score_colour(cell.score)}"></span>'
                if cell.score is not None
                else ""
            )
            text = esc(_cell_text(cell))
            cells.append(
                f'<td class="num">{swatch}{"<b>" + text + "</b>" if strong else text}</td>'
            )
        title = f"<b>{esc(row.title)}</b>" if row.key == "overall" else esc(row.title)
        body.append(f"<tr><td>{title}</td>{''.join(cells)}</tr>")
    flags = "".join(
        f'<td class="num" title="{esc("; ".join(t))}">{n}</td>'
        for n, t in zip(cmp.red_flags, cmp.flag_titles, strict=True)
    )
    body.append(f"<tr><td>Red flags</td>{flags}</tr>")
    body.append(
        "<tr><td>Work commits</td>"
        + "".join(f'<td class="num">{n}</td>' for n in cmp.work_commits)
        + "</tr>"
    )
    body.append(
        "<tr><td>Experiments</td>"
        + "".join(f'<td class="num">{n}</td>' for n in cmp.experiments)
        + "</tr>"
    )
    notes = "".join(f'<p class="meta">{esc(n)}</p>' for n in cmp.notes)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Candidates side by side — worktrial</title>\n<style>{CSS}</style>\n</head>\n"
        '<body>\n<main><section class="card"><div class="eyebrow">worktrial</div>'
        "<h1>Candidates side by side</h1>"
        '<div style="overflow-x:auto"><table><thead><tr><th>dimension</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        '<p class="assist">Score (confidence); bold marks the highest score of a row. Scores '
        f"assist reviewers; they do not rank people by themselves.</p>{notes}</section>"
        "</main>\n</body>\n</html>\n"
    )
