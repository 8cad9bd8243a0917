"""The signals' reference in Markdown, generated from their docstrings (the one source)."""

from __future__ import annotations

import re

from worktrial.rubric._registry import signals_of
from worktrial.rubric._types import DIMENSION_TITLES, DIMENSIONS

_PART = re.compile(r"^(Measures|Rule|Evidence|Not observed)\b([^:]*):\s*(.*)$", re.DOTALL)


def _paragraphs(doc: str) -> list[str]:
    return [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]


def signal_reference() -> str:
    """The Markdown reference of every registered signal, dimension by dimension.

    Each signal gets a ``#### `id` `` heading, its title and weight, the docstring's first
    sentence, then one bullet per docstring paragraph (Measures, Rule, Evidence, Not observed).
    ``docs/rubric.md`` embeds this text verbatim (a test checks it).
    """
    out: list[str] = []
    for d in DIMENSIONS:
        out.append(f"### {DIMENSION_TITLES[d]}\n")
        for s in signals_of(d):
            paragraphs = _paragraphs(s.doc)
            out.append(f"#### `{s.id}`\n")
            out.append(f"**{s.title}** · weight {s.weight:g}\n")
            out.append(paragraphs[0].replace("``", "`") + "\n")
            for p in paragraphs[1:]:
                m = _PART.match(p)
                text = p if m is None else f"**{m[1]}{m[2]}:** {m[3]}"
                out.append("- " + text.replace("``", "`"))
            out.append("")
    return "\n".join(out).rstrip() + "\n"
