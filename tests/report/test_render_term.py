from __future__ import annotations

import io

from rich.console import Console

from worktrial.report import Scorecard, render_term, render_text


def test_terminal_view_content(card: Scorecard) -> None:
    text = render_text(card, width=120)
    assert "Catch churners before they leave" in text
    assert "Candidate cand-7" in text
    assert "Overall 3.9 / 5" in text
    assert "Red flags (1)" in text
    assert "All work in the last hours" in text
    for d in card.dimensions:
        assert d.title in text
    assert "█" in text  # score bars
    assert "75%" in text
    assert "Not observed (6 of 18 signals)" in text
    assert "Problem framing: Missing signal" in text
    assert "late: 08a1b2c Tweak after the deadline" in text
    assert "\x1b[" not in text  # plain text, no colour codes


def test_markup_in_candidate_text_is_printed_literally(card: Scorecard) -> None:
    buf = io.StringIO()
    render_term(card, Console(file=buf, width=200, color_system=None))
    out = buf.getvalue()
    assert "[bold]markup[/]" in out
    assert "<script>alert('x')</script>" in out


def test_an_80_column_terminal_gets_the_evidence_under_the_table(card: Scorecard) -> None:
    text = render_text(card, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Strongest evidence" in text
    assert "strongest evidence" not in text  # no squeezed column beside the scores
    for d in card.dimensions:
        assert d.title in text
    wide = render_text(card, width=120)
    assert "strongest evidence" in wide
    assert "Strongest evidence" not in wide
