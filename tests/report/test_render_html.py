from __future__ import annotations

import re
from html.parser import HTMLParser

from report_samples import EVIL, make_scorecard

from worktrial.report import Scorecard, render_html


class _Collect(HTMLParser):
    """Every id, href, tag and script/style element of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.srcs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value:
                self.hrefs.append(value)
            if name == "src" and value:
                self.srcs.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    p.close()
    return p


def test_is_one_self_contained_document(card: Scorecard) -> None:
    html = render_html(card)
    assert html.startswith("<!DOCTYPE html>")
    p = _parse(html)
    assert "script" not in p.tags
    assert "link" not in p.tags  # no external stylesheet or font
    assert p.srcs == []
    assert "http://" not in html and "https://" not in html
    assert "@import" not in html and "url(" not in html
    assert p.tags.count("svg") == 4  # dimensions, timeline, trajectory, time allocation


def test_every_evidence_link_resolves(card: Scorecard) -> None:
    p = _parse(render_html(card))
    ids = set(p.ids)
    assert len(ids) == len(p.ids), "duplicate ids"
    internal = [h for h in p.hrefs if h.startswith("#")]
    assert internal, "no links at all"
    unresolved = [h for h in internal if h[1:] not in ids]
    assert unresolved == []
    assert all(h.startswith("#") for h in p.hrefs)  # nothing points outside the file
    ev_links = {h for h in internal if h.startswith("#ev-")}
    # every signal's and red flag's evidence is linked
    for s in card.signals():
        for e in s.evidence:
            assert f"#{e.anchor}" in ev_links
    for f in card.red_flags:
        for e in f.evidence:
            assert f"#{e.anchor}" in ev_links


def test_timeline_points_link_to_commit_rows(card: Scorecard) -> None:
    html = render_html(card)
    for point in card.charts.timeline:
        anchor = f"ev-commit-{point.sha[:12]}"
        assert f'<a href="#{anchor}">' in html
        assert re.search(rf'<tr id="{anchor}"><td class="mono">{point.sha[:7]}</td>', html)
    # trajectory points link to their experiment entries
    for exp in card.charts.trajectory.points:
        assert re.search(r'<a href="#ev-experiment-' + re.escape(exp.id), html)


def test_header_dimensions_and_signals(card: Scorecard) -> None:
    html = render_html(card)
    text = " ".join(_parse(html).text)
    assert "Catch churners before they leave" in text
    assert "cand-7" in text
    assert "3.9" in text and "confidence 68%" in text
    for d in card.dimensions:
        assert f'id="dim-{d.id}"' in html
        assert f'href="#dim-{d.id}"' in html  # the dimension bar links to its section
        assert d.title in text
        for s in d.signals:
            assert f'id="sig-{s.id}"' in html
    assert "Rule: subscore = value" in text
    assert "not observed" in text
    assert "What could not be observed" in text
    assert "Run the trial&#x27;s train command." in html  # a missing signal says how to show it


def test_red_flags_are_prominent(card: Scorecard) -> None:
    html = render_html(card)
    assert html.index("red flag") < html.index("Six dimensions")
    assert "All work in the last hours" in html
    clean = make_scorecard().model_copy(update={"red_flags": []})
    assert "No red flags" in render_html(clean)


def test_candidate_text_is_escaped(card: Scorecard) -> None:
    html = render_html(card)
    assert "<script>" not in html
    assert "alert('x')" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "src/&lt;evil&gt;.py:3" in html
    # the escaped text still reads as the original
    assert EVIL in " ".join(_parse(html).text)


def test_late_and_starter_commits_are_marked(card: Scorecard) -> None:
    html = render_html(card)
    assert "after the deadline" in html  # legend entry
    assert "AFTER DEADLINE".lower() in html.lower()
    assert "starter kit (excluded)" in html
    assert 'stroke="#B91C1C"' in html  # the late commit's diamond


def test_empty_charts_say_so() -> None:
    card = make_scorecard()
    empty = card.model_copy(
        update={
            "charts": card.charts.model_copy(
                update={
                    "timeline": [],
                    "trajectory": card.charts.trajectory.model_copy(update={"points": []}),
                    "time_allocation": card.charts.time_allocation.model_copy(
                        update={"actual": None}
                    ),
                }
            )
        }
    )
    html = render_html(empty)
    assert "No commits to draw." in html
    assert "No experiment log found" in html
    assert "Time allocation could not be measured" in html
    p = _parse(html)
    assert [h for h in p.hrefs if h[1:] not in set(p.ids)] == []


def test_print_styles_present(card: Scorecard) -> None:
    assert "@media print" in render_html(card)


def test_time_axis_ticks() -> None:
    from datetime import UTC, datetime, timedelta

    from worktrial.report._svg import _tick_label, _ticks

    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    week = _ticks(start, start + timedelta(days=7))
    assert [t.day for t in week] == [2, 3, 4, 5, 6, 7, 8]  # whole days, never 12 h steps
    long = _ticks(start, start + timedelta(days=700))
    assert all(t.day == 1 and t.month in (1, 4, 7, 10) for t in long)  # quarter starts
    assert len(long) <= 8
    assert _tick_label(long[0], 700 * 86400) == "Apr 2025"
    hours = _ticks(start, start + timedelta(hours=12))
    assert _tick_label(hours[0], 12 * 3600) == "01 Jan 09:00"


def test_many_experiments_use_small_markers(card: Scorecard) -> None:
    traj = card.charts.trajectory
    many = [
        p.model_copy(update={"id": f"exp-{i:03d}", "value": 0.5 + (i % 7) / 20})
        for i, p in enumerate(traj.points * 20)
    ]
    dense = card.model_copy(
        update={
            "charts": card.charts.model_copy(
                update={"trajectory": traj.model_copy(update={"points": many})}
            )
        }
    )
    html = render_html(dense)
    assert html.count('r="2.5"') == 80
    p = _parse(html)
    assert [h for h in p.hrefs if h[1:] not in set(p.ids)] == []


def test_cut_timeline_does_not_stretch_to_the_window_start(card: Scorecard) -> None:
    cut = card.model_copy(update={"counts": card.counts.model_copy(update={"commits": 5000})})
    assert ">start</text>" in render_html(card)
    assert ">start</text>" not in render_html(cut)
