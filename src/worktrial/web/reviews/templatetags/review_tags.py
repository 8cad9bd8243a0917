"""Template filters of the review pages: links from evidence items, scores in words."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import template

register = template.Library()

_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?:-\d+)?$")


@register.filter
def evidence_href(item: Any, file_url: str) -> str:
    """Where an evidence item of a scorecard can be checked on the page: a file (at its line)
    in the file viewer, a commit in the timeline, an experiment in the log, a message in the
    comms, a step of the run; empty when it has no place."""
    kind, ref = getattr(item, "kind", ""), str(getattr(item, "ref", ""))
    if kind == "file" and file_url:
        m = _LINE.match(ref)
        path, line = (m["path"], m["line"]) if m else (ref, "")
        return f"{file_url}?{urlencode({'path': path})}" + (f"#L{line}" if line else "")
    if kind == "commit":
        return f"#c-{ref[:12]}"
    if kind == "experiment":
        return f"#x-{ref}"
    if kind in ("update", "question", "feedback"):
        return "#comms"
    if kind == "run":
        return "#run"
    return ""


@register.filter
def score(value: float | None) -> str:
    """``3.4`` or ``–`` when not scored."""
    return "–" if value is None else f"{value:.1f}"


@register.filter
def pct(share: float | None) -> str:
    """``72%`` or ``–``."""
    return "–" if share is None else f"{share * 100:.0f}%"


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping[key]``, or None."""
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def has_role(memberships: Any, roles: str) -> bool:
    """Whether any of ``memberships`` has one of the comma-separated ``roles`` (for menus)."""
    wanted = {r.strip() for r in roles.split(",")}
    return any(getattr(m, "role", None) in wanted for m in memberships or ())
