from __future__ import annotations

import re

from worktrial.report import Scorecard, render_markdown
from worktrial.report.markdown import bar, md


def test_sections_and_tables(card: Scorecard) -> None:
    text = render_markdown(card)
    assert text.startswith("# Catch churners before they leave — scorecard\n")
    assert "- **Candidate:** cand\\-7" not in text  # hyphens are not escaped
    assert "- **Candidate:** cand-7" in text
    assert "**3.9 / 5** (strong), confidence 68%" in text
    assert "## ⚑ Red flags (1)" in text
    assert "| dimension | score | | confidence | weight |" in text
    for d in card.dimensions:
        assert f"## {d.title} — " in text
    assert "| Problem framing | 4.1 |" not in text  # titles link to their section
    assert "| [Problem framing](#framing) | 4.1 | `████████░░` | 75% | 2 |" in text
    assert "## What could not be observed" in text
    assert "## Time allocation" in text
    assert "| Baseline | 35% | 20% |" in text
    assert "## Experiments — recall (higher is better)" in text
    assert "## Commits (9)" in text
    assert "**(after deadline)**" in text


def test_candidate_text_cannot_break_tables_or_inject_html(card: Scorecard) -> None:
    text = render_markdown(card)
    # code spans show their content literally; everywhere else HTML is escaped
    outside_code = re.sub(r"`[^`]*`", "", text)
    assert "<script>" not in outside_code
    assert "&lt;script&gt;" in outside_code
    assert all(line.count("`") % 2 == 0 for line in text.splitlines())
    for line in text.splitlines():
        if line.startswith("| ") and "signal" not in line:
            # escaped pipes never add columns
            cells = line.replace("\\|", "").count("|")
            assert cells in (4, 5, 6, 7), line


def test_helpers() -> None:
    assert md("a|b\nc <d>") == "a\\|b c &lt;d&gt;"
    assert bar(None, 4) == "░░░░"
    assert bar(5.0, 4) == "████"
    assert bar(3.0, 4) == "██░░"
