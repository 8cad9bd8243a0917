"""The scorecard as one self-contained HTML file.

Inline CSS and inline SVG only: no JavaScript, no external fonts, nothing fetched, so the file
reads the same offline, in a mail attachment or printed. Every score links to its evidence: each
evidence item has an ``id="ev-..."`` anchor in the evidence index at the end, and every chart
point links to its commit or experiment row. All candidate-provided text is escaped.
"""

from __future__ import annotations

from worktrial.report import _svg
from worktrial.report._format import (
    COMMIT_COLOURS,
    COMMIT_LABELS,
    STEP_STATUS_WORDS,
    all_evidence,
    evidence_label,
    pct,
    run_figure_rows,
    run_heading,
    score_band,
    score_colour,
    score_text,
    step_timing,
    title_of,
    truncate,
    value_text,
    when,
)
from worktrial.report._scorecard import EvidenceItem, Scorecard, SignalCard, evidence_anchor
from worktrial.report._svg import esc

CSS = """
:root { --ink:#111827; --muted:#4B5563; --faint:#6B7280; --line:#E5E7EB; --bg:#F9FAFB;
  --accent:#0B5394; --flag:#B91C1C; --flagbg:#FEF2F2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 24px 48px; }
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 6px; }
h2 { font-size: 19px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 13px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 22px;
  margin: 0 0 18px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--faint);
  font-weight: 600; }
.head { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between;
  flex-wrap: wrap; }
.head > div:first-child { flex: 1 1 520px; min-width: 0; }
.head > .overall { flex: 0 0 auto; }
.meta { color: var(--muted); font-size: 14px; }
.meta b { color: var(--ink); font-weight: 600; }
.overall { text-align: right; min-width: 190px; }
.overall .big { font-size: 44px; font-weight: 700; line-height: 1; }
.overall .of { font-size: 18px; color: var(--faint); font-weight: 500; }
.overall .band { font-size: 13px; color: var(--muted); margin-top: 4px; }
.meter { height: 6px; background: #F3F4F6; border-radius: 3px; overflow: hidden; margin-top: 6px; }
.meter > span { display: block; height: 100%; background: #9CA3AF; }
.assist { font-size: 13px; color: var(--faint); margin: 10px 0 0; }
.flags { border-color: #FCA5A5; background: var(--flagbg); }
.flags h2 { color: var(--flag); }
.flags ul { margin: 0; padding-left: 20px; }
.flags li { margin: 0 0 8px; }
.flags .detail { color: var(--ink); }
.noflags { border-left: 4px solid #059669; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.grid2 > .card { margin: 0; }
@media (max-width: 820px) { .grid2 { grid-template-columns: 1fr; } }
.chart { display: block; max-width: 100%; height: auto; }
.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap;
  gap: 6px 16px; font-size: 12px; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { width: 11px; height: 11px; border-radius: 50%; display: inline-block; }
.swatch.late { background: #fff; border: 2px solid var(--flag); border-radius: 2px;
  transform: rotate(45deg); width: 9px; height: 9px; }
.swatch.starter { background: #fff; border: 1.5px solid var(--faint); }
.glyph { font-size: 13px; width: 12px; text-align: center; }
.empty { color: var(--faint); font-style: italic; margin: 8px 0; }
.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr));
  gap: 10px; margin: 14px 0 0; }
.counts div { background: var(--bg); border-radius: 8px; padding: 8px 10px; }
.counts b { display: block; font-size: 20px; }
.counts span { font-size: 12px; color: var(--muted); }
.dim { scroll-margin-top: 12px; }
.dimhead { display: flex; justify-content: space-between; align-items: baseline; gap: 12px;
  flex-wrap: wrap; border-bottom: 1px solid var(--line); padding-bottom: 10px; margin-bottom: 6px; }
.pill { display: inline-block; border-radius: 999px; padding: 2px 10px; font-weight: 700;
  color: #fff; font-size: 14px; }
.pill.na { background: #9CA3AF; }
.dimmeta { color: var(--muted); font-size: 13px; }
.question { color: var(--muted); font-size: 14px; margin: 4px 0 8px; }
.signal { display: grid; grid-template-columns: 1fr 150px; gap: 4px 18px; padding: 12px 0;
  border-top: 1px solid #F3F4F6; }
.signal:first-of-type { border-top: 0; }
.signal h4 { font-size: 14px; margin: 0 0 2px; }
.signal .sid { color: var(--faint); font-weight: 400; font-size: 12px; margin-left: 6px; }
.signal p { margin: 2px 0; }
.rule { font-size: 13px; color: var(--muted); }
.fix { font-size: 13px; color: #92400E; }
.sub { text-align: right; font-size: 13px; color: var(--muted); }
.sub b { font-size: 16px; color: var(--ink); }
.refs { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
.refs a { display: inline-block; background: #EFF6FF; border: 1px solid #DBEAFE; border-radius: 6px;
  padding: 1px 8px; font-size: 12.5px; max-width: 100%; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.missing { color: var(--faint); }
.missing h4 { color: var(--muted); }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; border-radius: 4px;
  padding: 1px 6px; background: #F3F4F6; color: var(--muted); font-weight: 600; }
.tag.late { background: var(--flagbg); color: var(--flag); }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line);
  padding: 6px 8px; }
td { border-bottom: 1px solid #F3F4F6; padding: 5px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:target, li:target { background: #FEF9C3; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }
.evlist { list-style: none; padding: 0; margin: 0; }
.evlist li { padding: 5px 8px; border-bottom: 1px solid #F3F4F6; }
.evlist .note { color: var(--muted); }
.notes li { margin: 0 0 4px; }
.run details { border-top: 1px solid #F3F4F6; padding: 8px 0; }
.run summary { cursor: pointer; }
.run pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-word;
  font-size: 12.5px; max-height: 420px; overflow-y: auto; }
.st { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; border-radius: 4px;
  padding: 1px 6px; font-weight: 700; }
.st-passed { background: #ECFDF5; color: #047857; }
.st-warning { background: #FFFBEB; color: #92400E; }
.st-failed { background: var(--flagbg); color: var(--flag); }
.st-error { background: #F5F3FF; color: #5B21B6; }
.st-skipped { background: #F3F4F6; color: var(--muted); }
.missed { color: var(--flag); font-weight: 600; }
footer { color: var(--faint); font-size: 12.5px; text-align: center; margin-top: 26px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  .card { border: 1px solid #D1D5DB; break-inside: avoid; page-break-inside: avoid; }
  .dim, .evidence { break-inside: auto; page-break-inside: auto; }
  .signal { break-inside: avoid; }
  a { color: inherit; }
  .refs a { border-color: #D1D5DB; background: #fff; }
  .run pre { max-height: none; }
  tr:target, li:target { background: none; }
}
"""


def _pill(score: float | None) -> str:
    if score is None:
        return '<span class="pill na">–</span>'
    return f'<span class="pill" style="background:{score_colour(score)}">{score_text(score)}</span>'


def _refs(items: list[EvidenceItem], subjects: dict[str, str]) -> str:
    if not items:
        return ""
    links = [
        f'<li><a href="#{esc(e.anchor)}" title="{esc(e.note or e.ref)}">'
        f"{esc(truncate(evidence_label(e, subjects=subjects), 60))}</a></li>"
        for e in items
    ]
    return f'<ul class="refs">{"".join(links)}</ul>'


def _header(card: Scorecard) -> str:
    repo = card.repository
    where = f"{esc(repo.name)} @ <code>{esc(repo.head[:7])}</code>"
    if repo.branch:
        where += f" ({esc(repo.branch)})"
    elif repo.detached:
        where += " (detached HEAD)"
    if repo.shallow:
        where += " · shallow clone"
    window = "–"
    if card.window.started_at or card.window.deadline:
        window = f"{when(card.window.started_at)} → {when(card.window.deadline)} UTC"
        if card.window.days is not None:
            window += f" ({card.window.days:g} days, {esc(card.window.source)})"
    trial = ""
    if card.trial is not None:
        pm = card.trial.primary_metric
        trial = (
            f'<div class="meta">Trial <b>{esc(card.trial.id)}</b> · {esc(card.trial.kind)} · '
            f"primary metric <b>{esc(pm.name)}</b> — {esc(pm.priority)}</div>"
        )
    overall = card.overall
    return f"""
<header class="card">
  <div class="head">
    <div>
      <div class="eyebrow">worktrial scorecard</div>
      <h1>{esc(title_of(card))}</h1>
      <div class="meta">Candidate <b>{esc(card.candidate)}</b> · repository {where}</div>
      {trial}
      <div class="meta">Window {window}</div>
    </div>
    <div class="overall">
      <div class="eyebrow">Overall</div>
      <div class="big">{score_text(overall)}<span class="of"> / 5</span></div>
      <div class="band">{esc(score_band(overall))} · confidence {pct(card.confidence)}</div>
      <div class="meter" title="confidence {pct(card.confidence)}">
        <span style="width:{card.confidence * 100:.0f}%"></span></div>
    </div>
  </div>
  <p class="assist">Automated scores assist human reviewers; they never decide by themselves.
  Every score below links to the evidence it is based on.</p>
</header>"""


def _flags(card: Scorecard, subjects: dict[str, str]) -> str:
    if not card.red_flags:
        return (
            '<section class="card noflags" aria-label="Red flags"><h2>No red flags</h2>'
            '<p class="meta" style="margin:0">None of the red-flag patterns was seen.</p></section>'
        )
    items = "".join(
        f'<li id="flag-{esc(f.id)}"><b>{esc(f.title)}</b> — <span class="detail">'
        f"{esc(f.detail)}</span>{_refs(f.evidence, subjects)}</li>"
        for f in card.red_flags
    )
    n = len(card.red_flags)
    return (
        f'<section class="card flags" aria-label="Red flags"><h2>⚑ {n} red flag'
        f"{'s' if n != 1 else ''}</h2><ul>{items}</ul>"
        '<p class="assist">A red flag asks a reviewer to look closer; it is never an automatic '
        "rejection.</p></section>"
    )


def _counts(card: Scorecard) -> str:
    c = card.counts
    cells = [
        (c.work_commits, "work commits"),
        (c.late_commits, "late commits"),
        (c.experiments, "experiments"),
        (c.updates, "progress updates"),
        (c.questions, "questions"),
        (c.doc_files, "write-up files"),
        (c.python_files, "Python files"),
        (c.notebooks, "notebooks"),
        (c.test_files, "test files"),
        (f"{c.signals_observed}/{c.signals_total}", "signals observed"),
    ]
    body = "".join(f"<div><b>{esc(v)}</b><span>{esc(label)}</span></div>" for v, label in cells)
    return f'<div class="counts">{body}</div>'


def _signal(s: SignalCard, subjects: dict[str, str]) -> str:
    if not s.observed:
        return f"""
<div class="signal missing" id="sig-{esc(s.id)}">
  <div><h4>{esc(s.title)}<span class="sid">{esc(s.id)}</span></h4>
    <p>{esc(s.summary)}</p>
    {f'<p class="fix">To show it: {esc(s.fix)}</p>' if s.fix else ""}</div>
  <div class="sub"><span class="tag">not observed</span></div>
</div>"""
    sub = s.subscore if s.subscore is not None else 0.0
    return f"""
<div class="signal" id="sig-{esc(s.id)}">
  <div><h4>{esc(s.title)}<span class="sid">{esc(s.id)}</span></h4>
    <p>{esc(s.summary)}</p>
    <p class="rule">Rule: {esc(s.rule)}</p>
    {f'<p class="fix">Could improve: {esc(s.fix)}</p>' if s.fix and sub < 1 else ""}
    {_refs(s.evidence, subjects)}</div>
  <div class="sub"><b>{sub:.2f}</b> sub-score<br>value {esc(truncate(value_text(s.value), 40))}
    <div class="meter"><span style="width:{sub * 100:.0f}%;background:#3D85C6"></span></div>
    <span>weight {s.weight:g}</span></div>
</div>"""


def _run(card: Scorecard) -> str:
    """The "Sandboxed run" section: figures against budgets, then one <details> per step.

    <details> opens without JavaScript; failed steps are open from the start.
    """
    run = card.run
    if run is None:
        return ""
    rows = []
    for what, measured, budget, verdict in run_figure_rows(run):
        cls = ' class="missed"' if verdict.startswith(("missed", "outside")) else ""
        rows.append(
            f'<tr><td>{esc(what)}</td><td class="num">{esc(measured)}</td>'
            f'<td class="num">{esc(budget)}</td><td{cls}>{esc(verdict)}</td></tr>'
        )
    table = (
        '<div style="overflow-x:auto"><table><thead><tr><th>figure</th><th class="num">'
        'measured</th><th class="num">budget</th><th>verdict</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else '<p class="empty">Nothing was measured.</p>'
    )
    steps = []
    for st in run.steps:
        timing = step_timing(st)
        log = (
            f"<pre>{esc(st.log)}</pre>"
            if st.log
            else '<p class="empty">No output.</p>'
            if st.command
            else ""
        )
        cut = " (excerpt: the beginning and the end)" if st.log_truncated else ""
        file = (
            f'<p class="rule">Full log: <code>{esc(st.log_file)}</code> in the run folder{cut}</p>'
            if st.log_file
            else ""
        )
        command = (
            f'<p class="rule">Command: <code>{esc(st.command)}</code></p>' if st.command else ""
        )
        opened = " open" if st.status in ("failed", "error") else ""
        status = esc(STEP_STATUS_WORDS.get(st.status, st.status))
        steps.append(
            f'<details id="run-step-{esc(st.name)}"{opened}><summary><b>{esc(st.title)}</b> '
            f'<span class="st st-{esc(st.status)}">{status}'
            f"</span>{' <span class=dimmeta>' + esc(timing) + '</span>' if timing else ''}"
            f"</summary><p>{esc(st.verdict)}</p>{command}{file}{log}</details>"
        )
    notes = "".join(f"<li>{esc(n)}</li>" for n in run.notes)
    return (
        '<section class="card run" id="run" aria-label="Sandboxed run"><h2>Sandboxed run</h2>'
        f'<div class="meta">{esc(run_heading(run))} · {run.rows:,} rows · '
        f"{when(run.started_at)} UTC</div>"
        f"<p>{esc(run.summary)}</p>{table}"
        f"{'<ul class=notes>' + notes + '</ul>' if notes else ''}"
        f'<h3 style="margin:16px 0 6px">Steps</h3>{"".join(steps)}</section>'
    )


def _dimensions(card: Scorecard, subjects: dict[str, str]) -> str:
    out = []
    for d in card.dimensions:
        signals = "".join(_signal(s, subjects) for s in d.signals)
        if not d.signals:
            signals = '<p class="empty">No signals registered for this dimension.</p>'
        out.append(f"""
<section class="card dim" id="dim-{esc(d.id)}">
  <div class="dimhead"><h2 style="margin:0">{esc(d.title)} {_pill(d.score)}</h2>
    <span class="dimmeta">{esc(score_band(d.score))} · confidence {pct(d.confidence)} ·
      weight {d.weight:g}</span></div>
  <p class="question">{esc(d.question)} <span class="dimmeta">({esc(d.anchors)})</span></p>
  {signals}
</section>""")
    return "".join(out)


def _missing(card: Scorecard) -> str:
    rows = [
        f'<li><b>{esc(d.title)}</b> · <a href="#sig-{esc(s.id)}">{esc(s.title)}</a> — '
        f"{esc(s.summary)}</li>"
        for d in card.dimensions
        for s in d.signals
        if not s.observed
    ]
    if not rows:
        return ""
    return (
        '<section class="card"><h2>What could not be observed</h2>'
        '<p class="meta">These signals lower their dimension\'s confidence, not its score.</p>'
        f'<ul class="notes">{"".join(rows)}</ul></section>'
    )


def _notes(card: Scorecard) -> str:
    notes = [n for n in card.notes if n.kind != "not_observed"]
    if not notes:
        return ""
    labels = {
        "skipped": "skipped",
        "late": "late",
        "history": "history",
        "collector": "note",
        "window": "window",
    }
    commits = {p.sha for p in card.charts.timeline}
    rows = []
    for n in notes:
        tag_class = "tag late" if n.kind == "late" else "tag"
        text = esc(n.text)
        if n.kind == "late" and n.ref in commits:
            text = f'<a href="#{esc(evidence_anchor("commit", n.ref))}">{text}</a>'
        rows.append(
            f'<li><span class="{tag_class}">{esc(labels.get(n.kind, n.kind))}</span> {text}</li>'
        )
    return f'<section class="card"><h2>Notes</h2><ul class="notes">{"".join(rows)}</ul></section>'


def _evidence_index(card: Scorecard) -> str:
    timeline = {p.sha: p for p in card.charts.timeline}
    items = all_evidence(card)
    rows = []
    listed: set[str] = set()
    for p in card.charts.timeline:
        anchor = evidence_anchor("commit", p.sha)
        if anchor in listed:
            continue
        listed.add(anchor)
        tags = ""
        if p.after_deadline:
            tags += ' <span class="tag late">after deadline</span>'
        if p.starter:
            tags += ' <span class="tag">starter kit</span>'
        colour = COMMIT_COLOURS.get(p.kind, COMMIT_COLOURS["other"])
        rows.append(
            f'<tr id="{esc(anchor)}"><td class="mono">{esc(p.sha[:7])}</td>'
            f"<td>{when(p.at)}</td>"
            f'<td><span class="dot" style="background:{colour}"></span>'
            f"{esc(COMMIT_LABELS.get(p.kind, p.kind))}</td>"
            f'<td class="num">{p.lines:,}</td><td>{esc(p.subject)}{tags}</td></tr>'
        )
    for e in items:
        if e.kind != "commit" or e.anchor in listed or e.ref in timeline:
            continue
        listed.add(e.anchor)
        rows.append(
            f'<tr id="{esc(e.anchor)}"><td class="mono">{esc(e.ref[:7])}</td><td>–</td><td>–</td>'
            f'<td class="num">–</td><td>{esc(e.note)}</td></tr>'
        )
    commits = (
        '<h3 style="margin:6px 0 8px">Commits</h3><div style="overflow-x:auto"><table>'
        '<thead><tr><th>commit</th><th>authored (UTC)</th><th>class</th><th class="num">'
        "lines</th><th>subject</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else ""
    )

    experiments = {p.id: p for p in card.charts.trajectory.points}
    groups: dict[str, list[str]] = {}
    metric = card.charts.trajectory.metric
    for x in card.charts.trajectory.points:
        anchor = evidence_anchor("experiment", x.id)
        listed.add(anchor)
        detail = []
        if x.value is not None and metric:
            detail.append(f"{metric} {x.value:.4g}")
        detail.append(x.outcome or "no outcome recorded")
        if x.change:
            detail.append(x.change)
        groups.setdefault("experiment", []).append(
            f'<li id="{esc(anchor)}"><code>{esc(x.id)}</code> <span class="note">'
            f"{esc(when(x.at))} · {esc(' · '.join(detail))}</span></li>"
        )
    for e in items:
        if e.kind == "commit" or e.anchor in listed:
            continue
        listed.add(e.anchor)
        if e.kind == "experiment" and e.ref in experiments:
            continue
        groups.setdefault(e.kind, []).append(
            f'<li id="{esc(e.anchor)}"><code>{esc(evidence_label(e))}</code>'
            f"{' — <span class=note>' + esc(e.note) + '</span>' if e.note else ''}</li>"
        )
    titles = {
        "file": "Files",
        "experiment": "Experiments",
        "update": "Progress updates",
        "question": "Questions",
        "feedback": "Feedback",
        "run": "Measured runs",
        "spec": "Trial spec",
    }
    others = "".join(
        f'<h3 style="margin:16px 0 6px">{esc(titles.get(kind, kind.title()))}</h3>'
        f'<ul class="evlist">{"".join(lis)}</ul>'
        for kind, lis in sorted(
            groups.items(), key=lambda kv: list(titles).index(kv[0]) if kv[0] in titles else 99
        )
    )
    if not commits and not others:
        return ""
    return (
        '<section class="card evidence" id="evidence"><h2>Evidence</h2>'
        '<p class="meta">Everything a score above is based on. Open the commit or file in the '
        f"repository to check it.</p>{commits}{others}</section>"
    )


def render_html(card: Scorecard) -> str:
    """Render ``card`` as a complete, self-contained HTML document."""
    subjects = {p.sha: p.subject for p in card.charts.timeline}
    title = f"{title_of(card)} — {card.candidate} — worktrial scorecard"
    traj = card.charts.trajectory
    traj_title = f"{traj.metric} across experiments" if traj.metric else "Metric trajectory"
    body = f"""
{_header(card)}
{_flags(card, subjects)}
{_run(card)}
<section class="card"><h2>Six dimensions</h2>{_svg.dimensions_chart(card)}{_counts(card)}</section>
<section class="card"><h2>Commit timeline</h2>{_svg.timeline_chart(card)}
{_svg.timeline_legend(card)}</section>
<div class="grid2">
<section class="card"><h2>{esc(traj_title)}</h2>{_svg.trajectory_chart(card)}
{_svg.trajectory_legend(card)}</section>
<section class="card"><h2>Time allocation</h2>{_svg.allocation_chart(card)}</section>
</div>
<div style="height:18px"></div>
{_dimensions(card, subjects)}
{_missing(card)}
{_notes(card)}
{_evidence_index(card)}
<footer>worktrial {esc(card.tool.version)} · scorecard schema {esc(card.schema_version)} ·
generated {when(card.generated_at)} UTC · head {esc(card.repository.head[:12])}</footer>
"""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="worktrial">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>"
        f"{body}</main>\n</body>\n</html>\n"
    )
