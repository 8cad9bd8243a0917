"""Scorecards: the versioned JSON document, its HTML, Markdown and terminal views, the
candidate's self-check and side-by-side comparison."""

from worktrial.report._scorecard import (
    HEALTHY_ALLOCATION,
    SCHEMA_VERSION,
    DimensionCard,
    EvidenceItem,
    Note,
    RedFlagCard,
    Scorecard,
    SignalCard,
    build_scorecard,
    evidence_anchor,
    load_scorecard,
    parse_scorecard,
    scorecard_schema,
)
from worktrial.report.check import CheckItem, checklist_markdown, render_checklist, self_check
from worktrial.report.compare import (
    Comparison,
    compare,
    render_compare_html,
    render_compare_markdown,
    render_compare_term,
)
from worktrial.report.html import render_html
from worktrial.report.markdown import render_markdown
from worktrial.report.term import render_term, render_text

__all__ = [
    "HEALTHY_ALLOCATION",
    "SCHEMA_VERSION",
    "CheckItem",
    "Comparison",
    "DimensionCard",
    "EvidenceItem",
    "Note",
    "RedFlagCard",
    "Scorecard",
    "SignalCard",
    "build_scorecard",
    "checklist_markdown",
    "compare",
    "evidence_anchor",
    "load_scorecard",
    "parse_scorecard",
    "render_checklist",
    "render_compare_html",
    "render_compare_markdown",
    "render_compare_term",
    "render_html",
    "render_markdown",
    "render_term",
    "render_text",
    "scorecard_schema",
    "self_check",
]
