"""The scorecard as GitHub-flavoured Markdown: the HTML view's content as tables and lists."""

from __future__ import annotations

from worktrial.report._format import (
    COMMIT_LABELS,
    PHASE_LABELS,
    STEP_STATUS_WORDS,
    evidence_label,
    pct,
    run_figure_rows,
    run_heading,
    score_band,
    score_text,
    step_timing,
    title_of,
    truncate,
    value_text,
    when,
)
from worktrial.report._scorecard import EvidenceItem, RunCard, Scorecard

_MD_SPECIAL = str.maketrans(
    {
        "|": "\\|",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\\*",
        "_": "\\_",
        "`": "\\`",
        "[": "\\[",
        "]": "\\]",
        "#": "\\#",
        "\\": "\\\\",
    }
)


def md(text: object) -> str:
    """Escape text for a Markdown line or table cell (no HTML, no emphasis, one line)."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def code(text: object) -> str:
    """Inline code that survives backticks and pipes inside ``text``."""
    t = " ".join(str(text).split()).replace("`", "'").replace("|", "\\|")
    return f"`{t}`" if t else ""


def bar(score: float | None, width: int = 10) -> str:
    """A text bar for a 1-5 score: ``███████░░░``."""
    if score is None:
        return "░" * width
    filled = round((score - 1) / 4 * width)
    return "█" * filled + "░" * (width - filled)


def _refs(items: list[EvidenceItem], subjects: dict[str, str], limit: int = 6) -> str:
    shown = [code(truncate(evidence_label(e, subjects=subjects), 60)) for e in items[:limit]]
    more = len(items) - limit
    if more > 0:
        shown.append(f"+{more} more")
    return ", ".join(shown)


def render_markdown(card: Scorecard) -> str:
    """Render ``card`` as a GitHub-flavoured Markdown document."""
    subjects = {p.sha: p.subject for p in card.charts.timeline}
    repo = card.repository
    lines: list[str] = [f"# {md(title_of(card))} — scorecard", ""]
    where = f"{md(repo.name)} @ {code(repo.head[:7])}"
    if repo.branch:
        where += f" ({md(repo.branch)})"
    elif repo.detached:
        where += " (detached HEAD)"
    if repo.shallow:
        where += ", shallow clone"
    lines.append(f"- **Candidate:** {md(card.candidate)}")
    lines.append(f"- **Repository:** {where}")
    if card.trial is not None:
        pm = card.trial.primary_metric
        lines.append(
            f"- **Trial:** {md(card.trial.id)} ({md(card.trial.kind)}), primary metric "
            f"**{md(pm.name)}** — {md(pm.priority)}"
        )
    if card.window.started_at or card.window.deadline:
        days = f", {card.window.days:g} days" if card.window.days is not None else ""
        lines.append(
            f"- **Window:** {when(card.window.started_at)} → {when(card.window.deadline)} UTC"
            f" ({md(card.window.source)}{days})"
        )
    lines.append(
        f"- **Overall:** **{score_text(card.overall)} / 5** ({score_band(card.overall)}), "
        f"confidence {pct(card.confidence)}"
    )
    lines += [
        "",
        "> Automated scores assist human reviewers; they never decide by themselves.",
        "",
    ]

    if card.red_flags:
        lines += [f"## ⚑ Red flags ({len(card.red_flags)})", ""]
        for f in card.red_flags:
            refs = _refs(f.evidence, subjects)
            lines.append(f"- **{md(f.title)}** — {md(f.detail)}" + (f" ({refs})" if refs else ""))
        lines.append("")
    else:
        lines += ["## Red flags", "", "None of the red-flag patterns was seen.", ""]

    if card.run is not None:
        lines += _run(card.run)

    lines += [
        "## Dimensions",
        "",
        "| dimension | score | | confidence | weight |",
        "|---|---:|---|---:|---:|",
    ]
    for d in card.dimensions:
        lines.append(
            f"| [{md(d.title)}](#{d.id}) | {score_text(d.score)} | `{bar(d.score)}` | "
            f"{pct(d.confidence)} | {d.weight:g} |"
        )
    lines += ["", f"Scale: {md(card.dimensions[0].anchors) if card.dimensions else ''}", ""]

    lines += _charts(card)

    for d in card.dimensions:
        lines += [
            f'<a id="{d.id}"></a>',
            "",
            f"## {md(d.title)} — "
            + (f"{score_text(d.score)} / 5" if d.score is not None else "not scored"),
            "",
            f"*{md(d.question)}* Confidence {pct(d.confidence)}, weight {d.weight:g}.",
            "",
            "| signal | sub-score | value | summary | evidence |",
            "|---|---:|---|---|---|",
        ]
        for s in d.signals:
            sub = f"{s.subscore:.2f}" if s.subscore is not None else "not observed"
            lines.append(
                f"| **{md(s.title)}** {code(s.id)} | {sub} | {md(value_text(s.value))} | "
                f"{md(s.summary)} | {_refs(s.evidence, subjects)} |"
            )
        rules = [s for s in d.signals if s.observed]
        if rules:
            lines += ["", "<details><summary>Rules</summary>", ""]
            lines += [f"- {code(s.id)}: {md(s.rule)}" for s in rules]
            lines += ["", "</details>"]
        lines.append("")

    missing = [s for s in card.signals() if not s.observed]
    if missing:
        lines += ["## What could not be observed", ""]
        lines += [f"- **{md(s.title)}** ({code(s.id)}): {md(s.summary)}" for s in missing]
        lines.append("")

    notes = [n for n in card.notes if n.kind != "not_observed"]
    if notes:
        lines += ["## Notes", ""]
        lines += [f"- *{md(n.kind)}*: {md(n.text)}" for n in notes]
        lines.append("")

    lines += _commits(card)
    lines += [
        "---",
        f"worktrial {md(card.tool.version)} · scorecard schema {md(card.schema_version)} · "
        f"generated {when(card.generated_at)} UTC",
        "",
    ]
    return "\n".join(lines)


def _charts(card: Scorecard) -> list[str]:
    lines: list[str] = []
    traj = card.charts.trajectory
    if traj.points:
        direction = "higher is better" if traj.higher_is_better else "lower is better"
        lines += [
            f"## Experiments — {md(traj.metric or 'no metric')} ({direction})",
            "",
            "| experiment | at (UTC) | value | outcome | change |",
            "|---|---|---:|---|---|",
        ]
        for p in traj.points:
            value = f"{p.value:.4g}" if p.value is not None else "–"
            lines.append(
                f"| {code(p.id)} | {when(p.at)} | {value} | {md(p.outcome or '–')} | "
                f"{md(truncate(p.change, 80))} |"
            )
        lines.append("")
    alloc = card.charts.time_allocation
    if alloc.actual is not None:
        lines += [
            "## Time allocation",
            "",
            "| phase | this candidate | healthy |",
            "|---|---:|---:|",
        ]
        for phase, healthy in alloc.healthy.items():
            lines.append(
                f"| {md(PHASE_LABELS.get(phase, phase))} | {pct(alloc.actual.get(phase, 0.0))} "
                f"| {pct(healthy)} |"
            )
        lines.append("")
    return lines


def _commits(card: Scorecard) -> list[str]:
    timeline = card.charts.timeline
    if not timeline:
        return []
    lines = [
        f"## Commits ({len(timeline)})",
        "",
        "| commit | authored (UTC) | class | lines | subject |",
        "|---|---|---|---:|---|",
    ]
    for p in timeline:
        tags = ""
        if p.after_deadline:
            tags += " **(after deadline)**"
        if p.starter:
            tags += " *(starter kit)*"
        lines.append(
            f"| {code(p.sha[:7])} | {when(p.at)} | {md(COMMIT_LABELS.get(p.kind, p.kind))} | "
            f"{p.lines:,} | {md(p.subject)}{tags} |"
        )
    lines.append("")
    return lines


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _run(run: RunCard) -> list[str]:
    lines = [
        "## Sandboxed run",
        "",
        f"*{md(run_heading(run))}, {run.rows:,} rows, {when(run.started_at)} UTC.*",
        "",
        md(run.summary),
        "",
    ]
    rows = run_figure_rows(run)
    if rows:
        lines += ["| figure | measured | budget | verdict |", "|---|---:|---:|---|"]
        lines += [f"| {md(a)} | {md(b)} | {md(c)} | {md(d)} |" for a, b, c, d in rows]
        lines.append("")
    lines += [f"- {md(n)}" for n in run.notes]
    if run.notes:
        lines.append("")
    lines += ["| step | verdict | status | measured |", "|---|---|---|---|"]
    for st in run.steps:
        lines.append(
            f"| {md(st.title)} | {md(st.verdict)} | "
            f"{md(STEP_STATUS_WORDS.get(st.status, st.status))} | {md(step_timing(st))} |"
        )
    lines.append("")
    for st in run.steps:
        if not st.command and not st.log:
            continue
        where = f" (full log: {code(st.log_file)})" if st.log_file else ""
        lines += [
            f"<details><summary>{md(st.title)} — "
            f"{md(STEP_STATUS_WORDS.get(st.status, st.status))}</summary>",
            "",
            f"Command: {code(st.command)}{where}" if st.command else f"Log{where}",
            "",
        ]
        body = st.log.rstrip("\n") or "(no output)"
        fence = _fence(body)
        lines += [fence + "text", body, fence, "", "</details>", ""]
    return lines
