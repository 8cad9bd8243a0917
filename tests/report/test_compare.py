from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from report_samples import EVIL, make_scorecard
from rich.console import Console

from worktrial.errors import UsageError
from worktrial.report.compare import (
    compare,
    render_compare_html,
    render_compare_markdown,
    render_compare_term,
)


def _pair() -> tuple:
    strong = make_scorecard(strong=True, candidate="alpha")
    weak = make_scorecard(strong=False, candidate="beta")
    return strong, weak


def test_rows_are_dimensions_then_overall() -> None:
    cmp = compare(_pair())
    assert cmp.labels == ("alpha", "beta")
    assert [r.key for r in cmp.rows] == [
        "output",
        "framing",
        "iteration",
        "discipline",
        "communication",
        "decisions",
        "overall",
    ]
    framing = cmp.rows[1]
    assert [c.score for c in framing.cells] == [4.1, 1.3]
    assert framing.best == 4.1
    assert cmp.rows[0].best is None  # output not observed for anyone
    assert cmp.red_flags == (1, 1)
    assert cmp.notes == ()


def test_duplicate_aliases_are_told_apart() -> None:
    a = make_scorecard(candidate=None)
    b = make_scorecard(candidate=None)
    assert compare([a, b]).labels == ("candidate (cand-7) #1", "candidate (cand-7) #2")


def test_different_trials_are_noted() -> None:
    a, b = _pair()
    b = b.model_copy(update={"trial": None})
    cmp = compare([a, b])
    assert cmp.notes == (
        "These scorecards come from different trials (churn-recall, no spec): compare with care.",
    )


def test_needs_a_scorecard() -> None:
    with pytest.raises(UsageError, match="compare needs at least one scorecard"):
        compare([])


def test_terminal_table() -> None:
    buf = io.StringIO()
    render_compare_term(compare(_pair()), Console(file=buf, width=140, color_system=None))
    out = buf.getvalue()
    assert "Candidates side by side" in out
    assert "alpha" in out and "beta" in out
    assert "Problem framing" in out
    assert "4.1 (75%)" in out and "1.3 (75%)" in out
    assert "Red flags" in out
    assert "– (0%)" in out  # output: not scored


def test_markdown_table() -> None:
    text = render_compare_markdown(compare(_pair()))
    assert "| dimension | alpha | beta |" in text
    assert "| Problem framing | **4.1 (75%)** | 1.3 (75%) |" in text
    assert "| **Overall** | **3.9 (68%)** | 1.3 (68%) |" in text
    assert "| Red flags | 1 | 1 |" in text
    assert "<script>" not in text


def test_html_page_escapes_and_is_self_contained() -> None:
    a, b = _pair()
    b = b.model_copy(update={"candidate": EVIL})
    html = render_compare_html(compare([a, b]))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    tags: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            tags.append(tag)

    P().feed(html)
    assert "script" not in tags and "link" not in tags
    assert "Problem framing" in html
