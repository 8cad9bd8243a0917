"""Docs collector: the write-up, wherever it lives, parsed into classified sections.

Sources (committed files only):

- the README at the repository root (``README``, ``README.md``, ``.markdown``, ``.rst``, ``.txt``);
- ``docs/`` (or ``doc/``) at the root: ``*.md``, ``*.markdown``, ``*.rst``, ``*.txt``;
- report-like files anywhere: names starting with ``report``, ``writeup``/``write-up``,
  ``summary`` or ``results`` (any case) with a text extension, and any Markdown file under a
  ``reports/`` folder;
- the Markdown cells of notebooks (``*.ipynb``).

Vendored and hidden folders (``node_modules``, ``.venv``, ``site-packages``, ``.github``…) are
not the candidate's write-up and are ignored.

Each file is parsed with markdown-it-py (reStructuredText titles are first turned into Markdown
headings, line for line) into :class:`DocSection` items: a heading and the text under it. Each
section is classified against :data:`DOC_ELEMENTS` by two lexicons (see :data:`HEADING_LEXICON`
and :data:`BODY_LEXICON`): the heading names the element ("## Trade-offs"), or the section's own
text states it in a recognisable phrase ("I assume…", "out of scope", "next steps"). A heading
alone does not count when the section is empty or a placeholder (fewer than three words).

Sentences that show a behaviour become :class:`Statement` items (see :data:`STATEMENT_LEXICON`);
a Markdown table with an iteration, a change and a result column is the iteration table; metric
figures the write-up claims become ``reported_metrics``.

Text the candidate did not write does not count: when the trial's brief or starter README is
given, a README that mostly repeats them is flagged (``readme_is_prompt``), and any section whose
text is copied from them keeps its place in the file but contributes no elements, statements or
metric claims.
"""

from __future__ import annotations

import bisect
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from markdown_it import MarkdownIt

from worktrial.evidence._types import (
    DocFile,
    Docs,
    DocSection,
    Pointer,
    Statement,
)
from worktrial.repo._snapshot import Snapshot

__all__ = [
    "BODY_LEXICON",
    "HEADING_LEXICON",
    "METRIC_NAMES",
    "PROMPT_CONTAINMENT",
    "STATEMENT_LEXICON",
    "collect_docs",
    "unread_reason",
]

DocKind = Literal["readme", "docs", "report", "notebook"]
StatementKind = Literal["tradeoff", "failure", "next_step", "impact", "assumption", "feedback_ack"]

PROMPT_CONTAINMENT = 0.6  # share of a text's word 5-shingles found in the brief: "still the brief"
_SHINGLE = 5
_MIN_SECTION_WORDS = 3  # a heading over fewer words is a placeholder, not a stated element
_NOTE_CHARS = 120

# --------------------------------------------------------------------------- lexicons

# Heading lexicon: a section whose heading matches names the element (headings are lower-cased).
HEADING_LEXICON: dict[str, str] = {
    "objective": (
        r"\b(objectives?|goals?|aims?|problem( statement| definition| framing)?|task|purpose|"
        r"motivation|background|business (context|case|need|problem)|use case|overview|"
        r"introduction)\b"
    ),
    "metric": (
        r"\b(metrics?|evaluation|success (criteria|criterion|measures?)|how (we|i) measure|"
        r"kpis?|scoring|measuring success|validation strategy)\b"
    ),
    "assumptions": r"\bassum(e|ed|es|ing|ptions?)\b",
    "constraints": (
        r"\b(constraints?|requirements?|latency|memory|budgets?|limits|resources?|"
        r"non-functional|sla|runtime|inference (time|speed|cost))\b"
    ),
    "scope": r"\b(scope|out[- ]of[- ]scope|in[- ]scope|non[- ]goals?|not covered)\b",
    "approach": (
        r"\b(approach|method(s|ology)?|solution|modell?ing|models?|pipeline|design|architecture|"
        r"how it works|feature engineering|baseline|implementation|strategy)\b"
    ),
    "iterations": (
        r"\b(iterations?|experiments?|experiment log|what i tried|attempts|journey|"
        r"ablations?|progress)\b"
    ),
    "tradeoffs": (
        r"\b(trade[- ]?offs?|decisions?|design choices|choices|alternatives( considered)?|"
        r"rationale)\b|\bwhy\b.+\b(over|instead of|rather than|vs\.?|versus)\b"
    ),
    "results": (
        r"\b(results?|findings|performance|outcomes?|scores?|final model|what worked|"
        r"conclusions?|summary)\b"
    ),
    "limitations": (
        r"\b(limitations?|risks?|caveats?|known issues|weakness(es)?|shortcomings|"
        r"what didn'?t work|failure modes|threats to validity)\b"
    ),
    "next_steps": (
        r"\b(next steps?|future work|future improvements?|if i had more time|with more time|"
        r"todo|to-?do|roadmap|improvements|what'?s next|further work|open questions|"
        r"follow[- ]ups?)\b"
    ),
}

_METRIC_WORDS = (
    r"recall|precision|f1|f-score|auc|roc[- ]auc|pr[- ]auc|accuracy|rmse|mae|r2|"
    r"average precision|log[- ]?loss|brier"
)

# Statement lexicon: sentences of these kinds are kept as evidence of a behaviour.
STATEMENT_LEXICON: dict[str, str] = {
    "tradeoff": (
        r"\bchose\b.{0,80}\b(over|instead of|rather than|because)\b|"
        r"\b(choose|chosen|picked|opted for|went with|preferred|selected|prioriti[sz]ed)\b"
        r".{0,80}\b(over|instead of|rather than)\b|"
        r"\binstead of\b|\brather than\b|\btrade[- ]?offs?\b|\bat the (cost|expense) of\b|"
        r"\bsacrific\w*|\bin favou?r of\b|"
        r"\bbecause of (the )?(latency|memory|budget|constraints?|time limit|size limit)\b"
    ),
    "failure": (
        r"\b(did not|didn'?t|does not|doesn'?t) (work|help|improve|pay off|generali[sz]e)\b|"
        r"\bfailed\b|\bworse\b|\bover-?fit(s|ted|ting)?\b|\bregress(ed|es)\b|"
        r"\bdead[- ]ends?\b|\bno (real |significant )?(improvement|gain|benefit)\b|"
        r"\bhurt (the )?(recall|precision|performance|score|metric)\b|\bunderperform\w*|"
        r"\bwas a mistake\b|\babandon(ed)?\b"
    ),
    "next_step": (
        r"\bnext steps?\b|\bfuture work\b|\bif i had more time\b|\b(with|given) more time\b|"
        r"\b(i|we) would (next |also |then )?(try|explore|add|investigate|like to|test)\b|"
        r"\bwould like to\b|\bplan to\b|\bto do next\b|\bfollow[- ]up\b"
    ),
    "impact": (
        r"\b(patients?|revenue|missed (cases|patients|fraud\w*|positives|diagnos\w+|churners|"
        r"customers|defects)|hours? saved|saves? (about |around |roughly )?\S+ hours?|"
        r"false (negatives|positives|alarms) per|per (1,?000|10,?000|100,?000|100|thousand|"
        r"million)\b|cost(s)? per|clinicians?|doctors?|nurses?|business impact|"
        r"customers? (lost|retained|saved)|fraud losses)|"
        r"[$€£] ?\d|\d ?(usd|eur|gbp|dollars|euros)\b"
    ),
    "assumption": r"\b(i|we) assume[sd]?\b|\bassuming\b|\bassumptions?\b|\bassumed\b",
    "feedback_ack": (
        r"\b(based on|following|after|per|in response to|acting on|addressing) (the |your |their |"
        r"this |that )?(feedback|review|checkpoint|reviewer'?s? (comments?|suggestions?))\b|"
        r"\bas (suggested|requested|recommended)\b|"
        r"\b(the )?(reviewer|hiring manager|team|mentor|company) (suggested|asked|recommended|"
        r"pointed out)\b|\bcheckpoint feedback\b"
    ),
}

# Business words that frame impact only together with a figure ("saves 3 hours", "costs $2").
_IMPACT_WEAK = re.compile(
    r"\b(cost(s|ly)?|users?|customers?|money|budget|business|losses|lost|saved|save|"
    r"per (day|week|month|year))\b"
)

# Body lexicon: phrases in a section's own text (not its heading) that state an element.
BODY_LEXICON: dict[str, str] = {
    "objective": (
        r"\b(the|our|my|main|primary|business) (goal|objective|aim|task) (is|was|here is)\b|"
        r"\bwe (need|want) to (predict|detect|identify|classify|estimate|flag|forecast)\b|"
        r"\bthe problem is\b|\bthe task is to\b|^(goal|objective):"
    ),
    "metric": (
        r"\b(success metric|primary metric|main metric|evaluation metric|metric of choice|"
        r"optimi[sz](e|ed|ing) for|measured (by|with|using)|evaluated (on|with|using|by))\b|"
        rf"\b(chose|choose|picked|use|used)\b.{{0,30}}\b({_METRIC_WORDS})\b.{{0,30}}"
        r"\b(because|as the|since)\b|^metric:"
    ),
    "assumptions": STATEMENT_LEXICON["assumption"],
    "constraints": (
        r"\b(latency|p9[59]|memory (budget|limit|footprint)|model size|inference time|"
        r"training time (budget|limit)|time budget|compute budget|constraints?)\b|"
        r"\bunder \d+ ?(ms|milliseconds|mb|gb|seconds)\b"
    ),
    "scope": (
        r"\b(out of scope|in scope|non-goals?|not in scope|beyond the scope|outside the scope|"
        r"did not attempt|deliberately (left out|did not))\b"
    ),
    "approach": (
        r"\b(my|our|the) approach\b|\bi (started|began) (with|by)\b|\bthe pipeline\b|"
        r"\bmethodology\b"
    ),
    "iterations": (
        r"\b(iteration|experiment|attempt) (\d+|one|two|three)\b|"
        r"\b(first|second|third|next|final) (iteration|experiment|attempt)\b"
    ),
    "tradeoffs": STATEMENT_LEXICON["tradeoff"],
    "results": (
        r"\b(achiev(es|ed)|reach(es|ed)|final model|results? (show|are|were)|"
        r"on the (hidden |held-out |holdout )?(test|holdout|hold-out|validation) "
        r"(set|split|data))\b"
    ),
    "limitations": (
        r"\b(limitations?|caveats?|does not (handle|generali[sz]e|account for)|"
        r"may not generali[sz]e|is not robust|known issues?|risk of|risks)\b"
    ),
    "next_steps": STATEMENT_LEXICON["next_step"],
}


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The lexicons are lower case and run on lower-cased text: much faster than re.IGNORECASE.
_HEADING_RX = {k: re.compile(v) for k, v in HEADING_LEXICON.items()}
_BODY_RX = {k: re.compile(v, re.MULTILINE) for k, v in BODY_LEXICON.items()}
_STATEMENT_RX = {k: re.compile(v) for k, v in STATEMENT_LEXICON.items()}

# Metric names a write-up may claim, and how they are spelled. Longer spellings first, so that
# "average precision" is never read as "precision".
METRIC_NAMES: dict[str, str] = {
    "average_precision": r"average[ _-]precision|pr[ _-]?auc|auprc|auc[ _-]?pr",
    "roc_auc": r"roc[ _-]?auc|auc[ _-]?roc|auroc|auc",
    "f1": r"f1[ _-]?score|f1|f-1|f[ -]score|f-measure",
    "precision": r"precision",
    "recall": r"recall|sensitivity|true positive rate",
    "accuracy": r"accuracy",
    "rmse": r"rmse|root mean squared? error",
    "mae": r"mae|mean absolute error",
    "r2": r"r2|r²|r\^2|r-squared|r squared",
}
_BOUNDED = {"average_precision", "roc_auc", "f1", "precision", "recall", "accuracy", "r2"}
_LOWER_IS_BETTER = {"rmse", "mae"}
_NAME_RX = re.compile(
    r"(?<![\w])(?:" + "|".join(f"(?P<{k}>{v})" for k, v in METRIC_NAMES.items()) + r")(?![\w])",
    re.IGNORECASE,
)
_NUMBER_RX = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?|\.\d+)(\s?%)?(?![\w]|[.,]\d)")
_CONNECTORS = _wordset(
    "of is was were are at to from reached reaches reach achieved achieves achieve got gets get "
    "went goes rose improved improves increased up now about around approximately approx "
    "roughly nearly almost score scores scored a an the on test holdout hold-out held-out hidden "
    "validation val dev set split data final best overall mean macro micro weighted average avg "
    "cv cross-validated stays stayed remains remained only just value"
)
_GAP_CHARS = re.compile(r"^[\s:=~≈()\[\]*_`'\"\-]*$")
_CHAIN_RX = re.compile(r"^\s*(?:→|->|=>|to|then)\s*$", re.IGNORECASE)
_AFTER_UNIT = re.compile(
    r"^\s*(threshold|cut-?off|seconds?|s\b|ms\b|mb\b|gb\b|hours?|days?|epochs?|trees|features|"
    r"samples|rows|folds?|points|pp\b|percentage points|x\b|times)",
    re.IGNORECASE,
)
# Words just before a metric name that make the figure a target, not a result.
_TARGET_WORDS = _wordset(
    "target targets targeted minimum min floor required require requires desired goal goals "
    "expected need needs needed want aim aims least must should"
)
_BEFORE_GAP = re.compile(r"[\s*_`]*((test|validation|val|holdout|overall|macro|mean)\s+)?")
_FINAL_RX = re.compile(
    r"\b(final|best|achiev\w*|overall|hold-?out|test set|submitted|chosen model)\b", re.IGNORECASE
)
_EARLY_RX = re.compile(r"\b(baseline|train(ing)? set|initial|first)\b", re.IGNORECASE)

# Iteration tables: an iteration column, a change column and a result column.
_ITER_COL = re.compile(
    r"^(#|no\.?|n|id|v\d*)$|\b(iter\w*|experiment|exp|version|run|step|attempt|round)\b",
    re.IGNORECASE,
)
_CHANGE_COL = re.compile(
    r"\b(change[sd]?|what|idea|hypothes\w*|description|model|approach|tried|action|method|"
    r"features?|modification|setup|config\w*)\b",
    re.IGNORECASE,
)
_RESULT_COL = re.compile(
    r"\b(results?|metrics?|scores?|outcome|effect|delta|impact|performance|learning|finding)\b|"
    + _NAME_RX.pattern,
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[*_`]?[A-Z0-9])")
_WORD_RX = re.compile(r"\w+")

_MD = MarkdownIt("commonmark").enable("table")

_VENDOR_DIRS = _wordset(
    "node_modules venv env site-packages __pycache__ dist build third_party vendor mlruns "
    "wandb lightning_logs"
)
_TEXT_EXTS = (".md", ".markdown", ".rst", ".txt")
_README_RX = re.compile(r"^readme(\.(md|markdown|rst|txt))?$", re.IGNORECASE)
_README_ORDER = ("md", "markdown", "rst", "txt", "")
_REPORT_RX = re.compile(r"^(report|write[-_]?up|summary|results)", re.IGNORECASE)
_KIND_ORDER: dict[DocKind, int] = {"readme": 0, "report": 1, "docs": 2, "notebook": 3}


# --------------------------------------------------------------------------- public API


def unread_reason(snapshot: Snapshot, path: str) -> str:
    """Why ``path`` of the snapshot could not be read as text, phrased for a note."""
    for s in snapshot.skipped:
        if s.path == path:
            return f"{s.reason}; not read"
    if path not in snapshot.entries:
        return "not in the repository"
    return "binary content; not read"


def collect_docs(
    snapshot: Snapshot,
    *,
    first_added: Mapping[str, datetime] | None = None,
    brief: str | None = None,
    starter_readme: str | None = None,
) -> Docs:
    """Find the write-up in the snapshot and parse it into classified sections.

    Args:
        snapshot: the committed files of the evaluated commit.
        first_added: path -> when the file first appeared in history (sets ``first_added_at``).
        brief: the trial's brief; sections copied from it do not count as the candidate's.
        starter_readme: the README of the trial's starter kit, likewise.

    Returns:
        :class:`Docs`: files with sections, the README path (the first readable root README in
        the order ``.md``, ``.markdown``, ``.rst``, ``.txt``, no extension), whether it is still
        the assignment prompt, the iteration table, statements, reported metrics, and notes for
        every file skipped or partly read. Never raises on repository content.
    """
    notes: list[str] = []
    candidates = _find_candidates(snapshot, notes)
    snapshot.prefetch(path for path, _ in candidates)
    prompt = _Prompt(brief, starter_readme)
    added = first_added or {}

    docs = Docs(notes=notes)
    collector = _Collector(docs)
    for path, kind in candidates:
        text = snapshot.text(path)
        if text is None:
            notes.append(f"{path}: {unread_reason(snapshot, path)}")
            continue
        if kind == "readme" and docs.readme_path is None:
            docs.readme_path = path
            docs.readme_is_prompt = prompt.is_prompt(text)
            if docs.readme_is_prompt:
                notes.append(
                    f"{path}: still the assignment prompt (it repeats the brief or the starter "
                    "README); its text is not counted as the candidate's write-up"
                )
        if kind == "notebook":
            parsed = _notebook_blocks(path, text, notes)
            if parsed is None:
                continue
            blocks = parsed
        else:
            source = _rst_to_markdown(text) if path.lower().endswith(".rst") else text
            blocks = _blocks(source, lambda i: i + 1)
        whole_prompt = kind == "readme" and path == docs.readme_path and docs.readme_is_prompt
        doc = collector.add(path, kind, blocks, prompt, whole_prompt=whole_prompt)
        doc.first_added_at = added.get(path)
    docs.reported_metrics = collector.reported_metrics()
    return docs


# --------------------------------------------------------------------------- finding files


def _doc_kind(path: str) -> DocKind | None:
    parts = path.split("/")
    name = parts[-1]
    if any(p.startswith(".") or p.lower() in _VENDOR_DIRS for p in parts[:-1]):
        return None
    low = name.lower()
    if len(parts) == 1 and _README_RX.match(name):
        return "readme"
    _, ext = posixpath.splitext(low)
    if ext == ".ipynb":
        return "notebook"
    if ext not in _TEXT_EXTS:
        return None
    if _REPORT_RX.match(name) or (
        "reports" in (p.lower() for p in parts[:-1]) and ext in (".md", ".markdown")
    ):
        return "report"
    if (
        len(parts) > 1
        and parts[0].lower() in ("docs", "doc")
        and not low.startswith("requirements")
    ):
        return "docs"
    return None


def _find_candidates(snapshot: Snapshot, notes: list[str]) -> list[tuple[str, DocKind]]:
    found: list[tuple[str, DocKind]] = []
    for path, entry in snapshot.entries.items():
        kind = _doc_kind(path)
        if kind is None:
            continue
        if entry.kind != "file" or not snapshot.readable(path):
            notes.append(f"{path}: {unread_reason(snapshot, path)}")
            continue
        found.append((path, kind))

    def order(item: tuple[str, DocKind]) -> tuple[int, int, str]:
        path, kind = item
        rank = 0
        if kind == "readme":
            ext = posixpath.splitext(path.lower())[1].lstrip(".")
            rank = _README_ORDER.index(ext) if ext in _README_ORDER else len(_README_ORDER)
        return (_KIND_ORDER[kind], rank, path)

    notes.sort()
    return sorted(found, key=order)


# --------------------------------------------------------------------------- parsing


@dataclass(slots=True)
class _Block:
    kind: Literal["heading", "text", "table", "code"]
    line: int  # 1-based line in the file; 0 when unknown (a notebook cell not found in the JSON)
    text: str
    level: int = 0
    lines: tuple[int, ...] = ()  # file line of each line of ``text``
    rows: list[list[str]] = field(default_factory=list)  # tables: header first
    row_lines: list[int] = field(default_factory=list)

    def line_at(self, offset: int) -> int:
        """The file line of character ``offset`` of ``text``."""
        if not self.lines:
            return self.line
        k = self.text.count("\n", 0, offset)
        return self.lines[min(k, len(self.lines) - 1)]


def _plain(token: Any) -> str:
    """The visible text of an inline token (emphasis, links and HTML tags removed)."""
    parts: list[str] = []
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "code_inline", "text_special", "image"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _blocks(source: str, line_of: Callable[[int], int]) -> list[_Block]:
    """Headings, paragraphs, tables and code blocks of Markdown ``source``, in order.

    ``line_of`` maps a 0-based line of ``source`` to the 1-based line reported in pointers.
    """
    tokens = _MD.parse(source)
    blocks: list[_Block] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            inline = tokens[i + 1]
            text = " ".join(_plain(inline).split())
            start = tok.map[0] if tok.map else 0
            blocks.append(_Block("heading", line_of(start), text, level=int(tok.tag[1:])))
            i += 3
            continue
        if kind == "table_open":
            table = _Block("table", line_of(tok.map[0] if tok.map else 0), "")
            row: list[str] | None = None
            i += 1
            while i < n and tokens[i].type != "table_close":
                t = tokens[i]
                if t.type == "tr_open":
                    row = []
                    table.rows.append(row)
                    table.row_lines.append(line_of(t.map[0]) if t.map else table.line)
                elif t.type == "inline" and row is not None:
                    row.append(" ".join(_plain(t).split()))
                i += 1
            table.text = "\n".join(" | ".join(r) for r in table.rows)
            table.lines = tuple(table.row_lines)
            blocks.append(table)
            i += 1
            continue
        if kind == "inline" and tok.map:
            text = _plain(tok)
            start = tok.map[0]
            lines = tuple(line_of(start + k) for k in range(text.count("\n") + 1))
            blocks.append(_Block("text", line_of(start), text, lines=lines))
        elif kind in ("fence", "code_block") and tok.map:
            start = tok.map[0] + (1 if kind == "fence" else 0)
            text = tok.content
            lines = tuple(line_of(start + k) for k in range(text.count("\n") + 1))
            blocks.append(_Block("code", line_of(start), text, lines=lines))
        i += 1
    return blocks


_RST_ADORN = re.compile(r"^([=\-~^\"'`#*+:._])\1{2,}\s*$")


def _rst_to_markdown(text: str) -> str:
    """reStructuredText section titles turned into ``#`` headings, keeping every line in place."""
    lines = text.splitlines()
    styles: list[tuple[str, bool]] = []
    out = list(lines)
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        m = _RST_ADORN.match(under)
        if (
            m
            and title.strip()
            and not title.startswith((" ", "\t"))
            and not _RST_ADORN.match(title)
            and len(under.rstrip()) >= len(title.rstrip())
        ):
            over = i > 0 and lines[i - 1].strip() == under.strip()
            style = (m.group(1), over)
            if style not in styles:
                styles.append(style)
            level = min(styles.index(style) + 1, 6)
            out[i] = "#" * level + " " + title.strip()
            out[i + 1] = ""
            if over:
                out[i - 1] = ""
            i += 2
            continue
        i += 1
    return "\n".join(out)


# --------------------------------------------------------------------------- notebooks

_CELL_TYPE_RX = re.compile(r'"cell_type"\s*:\s*"')


def _notebook_blocks(path: str, raw: str, notes: list[str]) -> list[_Block] | None:
    """The blocks of a notebook's Markdown cells, with lines in the raw ``.ipynb`` text."""
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError as err:
        notes.append(
            f"{path}: not a valid notebook ({err.msg} at line {err.lineno} column {err.colno}); "
            "its markdown cells were not read"
        )
        return None
    except RecursionError:
        notes.append(f"{path}: not a valid notebook (nested too deeply); not read")
        return None
    cells: Any = None
    if isinstance(nb, dict):
        cells = nb.get("cells")
        worksheets = nb.get("worksheets")
        if cells is None and isinstance(worksheets, list):  # nbformat 3
            cells = [c for ws in worksheets if isinstance(ws, dict) for c in ws.get("cells") or []]
    if not isinstance(cells, list):
        notes.append(f"{path}: not a valid notebook (no list of cells); not read")
        return None
    markers = [m.end() for m in _CELL_TYPE_RX.finditer(raw)]
    aligned = len(markers) == len(cells)
    locator = _Locator(raw)
    blocks: list[_Block] = []
    skipped: list[int] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            skipped.append(index + 1)
            continue
        cell_type = cell.get("cell_type")
        if cell_type not in ("markdown", "heading"):
            continue
        source = cell.get("source")
        if isinstance(source, list):
            pieces = [s for s in source if isinstance(s, str)]
        elif isinstance(source, str):
            pieces = [source]
        else:
            skipped.append(index + 1)
            continue
        text = "".join(pieces)
        if cell_type == "heading":  # nbformat 3 heading cells
            level = cell.get("level")
            hashes = "#" * (level if isinstance(level, int) and 1 <= level <= 6 else 1)
            text = f"{hashes} {text.strip()}"
            pieces = [text]
        if aligned:
            window = (markers[index], markers[index + 1] if index + 1 < len(markers) else len(raw))
            before = markers[index - 1] if index > 0 else 0
            mapping = locator.find(pieces, window, (before, markers[index]))
        else:
            mapping = locator.find(pieces, (locator.pos, len(raw)), None)
        blocks.extend(_blocks(text, _mapper(mapping)))
    if skipped:
        cells_text = ", ".join(str(k) for k in skipped)
        notes.append(f"{path}: cell {cells_text} has no readable source; skipped")
    return blocks


def _mapper(mapping: list[int]) -> Callable[[int], int]:
    def line_of(index: int) -> int:
        return mapping[min(index, len(mapping) - 1)] if mapping else 0

    return line_of


class _Locator:
    """Finds the raw ``.ipynb`` line of each piece of a cell's source, searching forward."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.pos = 0
        self._line_pos = 0
        self._line = 1
        self._newlines: list[int] | None = None

    def _line_of(self, index: int) -> int:
        if index >= self._line_pos:  # the usual case: moving forward through the file
            self._line += self.raw.count("\n", self._line_pos, index)
            self._line_pos = index
            return self._line
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.raw)]
        return bisect.bisect_left(self._newlines, index) + 1

    def _search(self, pieces: list[str], start: int, end: int) -> list[int] | None:
        lines: list[int] = []
        at = start
        for piece in pieces:
            found = -1
            for ascii_only in (False, True):
                needle = json.dumps(piece, ensure_ascii=ascii_only)
                found = self.raw.find(needle, at, end)
                if found >= 0:
                    break
            if found < 0:
                return None
            line = self._line_of(found)
            lines.extend([line] * max(1, piece.count("\n") + (0 if piece.endswith("\n") else 1)))
            at = found + 1
        self.pos = max(self.pos, at)
        return lines

    def find(
        self, pieces: list[str], window: tuple[int, int], fallback: tuple[int, int] | None
    ) -> list[int]:
        """Raw line per source line of the cell; empty when it cannot be found."""
        if not pieces:
            return []
        found = self._search(pieces, *window)
        if found is None and fallback is not None:
            found = self._search(pieces, *fallback)
        return found or []


# --------------------------------------------------------------------------- the brief


def _words(text: str) -> list[str]:
    return _WORD_RX.findall(text.lower())


def _shingles(words: list[str], k: int = _SHINGLE) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


class _Prompt:
    """The text the candidate was given (brief and starter README), to tell it from theirs."""

    def __init__(self, brief: str | None, starter_readme: str | None) -> None:
        self.brief_words = _words(brief or "")
        self.starter_words = _words(starter_readme or "")
        given = [*self.brief_words, "\0", *self.starter_words]
        self.shingles = _shingles(given)
        self.brief_shingles = _shingles(self.brief_words)
        self.joined = " " + " ".join(given) + " "
        self.active = bool(self.brief_words or self.starter_words)

    def is_prompt(self, readme: str) -> bool:
        """``readme`` equals the starter README or is mostly (≥ 60%) contained in the brief."""
        words = _words(readme)
        if not words or not self.active:
            return False
        if self.starter_words and words == self.starter_words:
            return True
        if not self.brief_words:
            return False
        if len(words) < _SHINGLE:
            return (" " + " ".join(words) + " ") in (" " + " ".join(self.brief_words) + " ")
        mine = _shingles(words)
        return len(mine & self.brief_shingles) / len(mine) >= PROMPT_CONTAINMENT

    def copied(self, text: str) -> bool:
        """Whether a section's text mostly repeats the brief or the starter README."""
        if not self.active:
            return False
        words = _words(text)
        if not words:
            return False
        if len(words) < _SHINGLE:
            return (" " + " ".join(words) + " ") in self.joined
        mine = _shingles(words)
        return len(mine & self.shingles) / len(mine) >= PROMPT_CONTAINMENT


# --------------------------------------------------------------------------- sections


@dataclass(slots=True)
class _Claim:
    metric: str
    value: float
    tier: int
    order: int
    pointer: Pointer


class _Collector:
    """Builds the :class:`Docs` file by file: sections, statements, tables, metric claims."""

    def __init__(self, docs: Docs) -> None:
        self.docs = docs
        self.claims: list[_Claim] = []
        self.seen_statements: set[tuple[str, str, str]] = set()
        self.order = 0

    def add(
        self,
        path: str,
        kind: DocKind,
        blocks: list[_Block],
        prompt: _Prompt,
        *,
        whole_prompt: bool,
    ) -> DocFile:
        heads = [k for k, b in enumerate(blocks) if b.kind == "heading"]
        spans: list[tuple[int, int, int]] = []  # (heading index or -1, own end, full end)
        first = heads[0] if heads else len(blocks)
        if first > 0:
            spans.append((-1, first, first))
        for pos, h in enumerate(heads):
            own_end = heads[pos + 1] if pos + 1 < len(heads) else len(blocks)
            full_end = next(
                (k for k in heads[pos + 1 :] if blocks[k].level <= blocks[h].level), len(blocks)
            )
            spans.append((h, own_end, full_end))
        owns: list[list[_Block]] = []
        own_texts: list[str] = []
        copied_flags: list[bool] = []
        for h, own_end, _ in spans:
            own = [b for b in blocks[h + 1 : own_end] if b.kind != "heading"]
            own_text = "\n\n".join(b.text for b in own if b.kind != "code")
            owns.append(own)
            own_texts.append(own_text)
            copied_flags.append(whole_prompt or (bool(own_text) and prompt.copied(own_text)))
        word_counts = [len(_WORD_RX.findall(t)) for t in own_texts]
        sections: list[DocSection] = []
        for pos, (h, _, full_end) in enumerate(spans):
            heading = blocks[h] if h >= 0 else None
            own = owns[pos]
            full_text = "\n\n".join(b.text for b in blocks[h + 1 : full_end] if b.kind != "code")
            line = heading.line if heading else (own[0].line if own else 1)
            section = DocSection(
                path=path,
                line=line,
                heading=heading.text if heading else "",
                level=heading.level if heading else 0,
                text=full_text,
            )
            sections.append(section)
            if copied_flags[pos]:
                continue
            # Only the candidate's own words under a heading make the heading count.
            own_words = 0
            for q in range(pos, len(spans)):
                if q > pos and spans[q][0] >= full_end:
                    break  # past this section's subsections
                if not copied_flags[q]:
                    own_words += word_counts[q]
            elements = self._classify(section.heading, own_texts[pos], own_words)
            for b in own:
                if b.kind == "table" and _is_iteration_table(b.rows):
                    elements.add("iterations")
                    if self.docs.iteration_table is None:
                        self.docs.iteration_table = Pointer(
                            "file",
                            _ref(path, b.line),
                            f"iteration table with {len(b.rows) - 1} rows",
                        )
                        self.docs.iteration_table_rows = len(b.rows) - 1
            section.elements = frozenset(elements)
            in_results = "results" in elements
            # Under a "Next steps" heading every item is a next step, whatever its wording.
            in_next = "next_steps" in elements and bool(
                _HEADING_RX["next_steps"].search(section.heading.lower())
            )
            for b in own:
                self._scan(path, b, in_results)
                if in_next and b.kind == "text":
                    self._next_step_item(path, b)
        copied = sum(copied_flags)
        if copied and not whole_prompt:
            self.docs.notes.append(
                f"{path}: {copied} of {len(spans)} sections repeat the brief or the starter "
                "README; not counted as the candidate's write-up"
            )
        words = sum(len(_WORD_RX.findall(b.text)) for b in blocks if b.kind != "code")
        doc = DocFile(path=path, kind=kind, words=words, sections=sections)
        self.docs.files.append(doc)
        return doc

    @staticmethod
    def _classify(heading: str, own_text: str, words_under: int) -> set[str]:
        elements: set[str] = set()
        if heading and words_under >= _MIN_SECTION_WORDS:
            low = heading.lower()
            elements.update(e for e, rx in _HEADING_RX.items() if rx.search(low))
        if own_text:
            low_text = own_text.lower()
            elements.update(e for e, rx in _BODY_RX.items() if rx.search(low_text))
        return elements

    # ------------------------------------------------------------------ sentences

    def _scan(self, path: str, block: _Block, in_results: bool) -> None:
        if block.kind == "text":
            for sentence, offset in _sentences(block.text):
                line = block.line_at(offset)
                self._statements(path, line, sentence)
                self._claims_in(path, line, sentence, in_results, code=False)
        elif block.kind == "table" and block.rows:
            for row, line in zip(block.rows[1:], block.row_lines[1:], strict=False):
                self._statements(path, line, " | ".join(c for c in row if c))
                for cell in row:
                    self._claims_in(path, line, cell, in_results, code=False)
            self._table_claims(path, block, in_results)
        elif block.kind == "code":
            for k, text in enumerate(block.text.splitlines()):
                line = block.lines[min(k, len(block.lines) - 1)] if block.lines else block.line
                self._claims_in(path, line, text, in_results, code=True)

    def _next_step_item(self, path: str, block: _Block) -> None:
        """A paragraph or list item under a next-steps heading, as one next-step statement."""
        text = " ".join(block.text.split())
        if len(_WORD_RX.findall(text)) < 3:
            return
        ref = _ref(path, block.line)
        if any(k == "next_step" and r == ref for k, r, _ in self.seen_statements):
            return  # its wording already made it one
        self.seen_statements.add(("next_step", ref, text))
        pointer = Pointer("file", ref, _excerpt(text))
        self.docs.statements.append(Statement("next_step", text[:1000], pointer))

    def _statements(self, path: str, line: int, sentence: str) -> None:
        text = " ".join(sentence.split())
        if len(text) < 8:
            return
        low = text.lower()
        for kind, rx in _STATEMENT_RX.items():
            if kind == "impact":
                hit = rx.search(low) or (
                    _IMPACT_WEAK.search(low) and re.search(r"\d", low) is not None
                )
            else:
                hit = rx.search(low)
            if not hit:
                continue
            ref = _ref(path, line)
            key = (kind, ref, text)
            if key in self.seen_statements:
                continue
            self.seen_statements.add(key)
            pointer = Pointer("file", ref, _excerpt(text))
            stmt_kind: StatementKind = kind  # type: ignore[assignment]
            self.docs.statements.append(Statement(stmt_kind, text[:1000], pointer))

    # ------------------------------------------------------------------ metric claims

    def _claims_in(
        self, path: str, line: int, sentence: str, in_results: bool, *, code: bool
    ) -> None:
        pairs = _metric_pairs(sentence)
        if not pairs:
            return
        tier = (2 if in_results else 0) + (1 if _FINAL_RX.search(sentence) else 0)
        tier -= 1 if _EARLY_RX.search(sentence) else 0
        tier -= 1 if code else 0
        for metric, value in pairs:
            self.order += 1
            pointer = Pointer("file", _ref(path, line), _excerpt(sentence))
            self.claims.append(_Claim(metric, value, tier, self.order, pointer))

    def _table_claims(self, path: str, block: _Block, in_results: bool) -> None:
        header = block.rows[0]
        for col, name in enumerate(header):
            metric = _metric_of_header(name)
            if metric is None:
                continue
            values: list[tuple[float, int, str]] = []
            for row, line in zip(block.rows[1:], block.row_lines[1:], strict=False):
                if col >= len(row):
                    continue
                m = _NUMBER_RX.search(row[col])
                if m is None:
                    continue
                value = _normalise(metric, m.group(1), bool(m.group(2)))
                if value is not None:
                    values.append((value, line, " | ".join(row)))
            if not values:
                continue
            pick = min if metric in _LOWER_IS_BETTER else max
            value, line, row_text = pick(values, key=lambda v: v[0])
            self.order += 1
            tier = (2 if in_results else 0) + 1
            pointer = Pointer("file", _ref(path, line), _excerpt(f"{name}: {row_text}"))
            self.claims.append(_Claim(metric, value, tier, self.order, pointer))

    def reported_metrics(self) -> dict[str, tuple[float, Pointer]]:
        best: dict[str, _Claim] = {}
        for claim in self.claims:
            held = best.get(claim.metric)
            if held is None or (claim.tier, claim.order) >= (held.tier, held.order):
                best[claim.metric] = claim
        return {k: (c.value, c.pointer) for k, c in sorted(best.items())}


# --------------------------------------------------------------------------- helpers


def _ref(path: str, line: int) -> str:
    return f"{path}:{line}" if line > 0 else path


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _NOTE_CHARS else flat[: _NOTE_CHARS - 1].rstrip() + "…"


def _sentences(text: str) -> Iterable[tuple[str, int]]:
    """The sentences of a paragraph with their start offsets."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        chunk = text[start : m.start()]
        if chunk.strip():
            yield chunk, start
        start = m.end()
    tail = text[start:]
    if tail.strip():
        yield tail, start


def _metric_of_header(cell: str) -> str | None:
    m = _NAME_RX.search(cell)
    if m is None or m.lastgroup is None:
        return None
    return m.lastgroup


def _normalise(metric: str, number: str, percent: bool) -> float | None:
    value = float(number)
    if percent:
        value /= 100
    elif metric in _BOUNDED and 1 < value <= 100:
        value /= 100  # "recall: 91" means 91%
    if metric in _BOUNDED and not 0 <= value <= 1:
        return None
    return value


def _gap_ok(gap: str) -> bool:
    words = re.findall(r"[a-z][a-z\-]*", gap.lower())
    if len(words) > 6 or any(w not in _CONNECTORS for w in words):
        return False
    return _GAP_CHARS.match(re.sub(r"[a-zA-Z\-]+", " ", gap)) is not None


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    metric: str | None = None  # a metric name token
    number: str = ""
    percent: bool = False


def _metric_pairs(text: str) -> list[tuple[str, float]]:
    """(metric, value) pairs stated in one sentence: "recall of 0.91", "91% recall"…

    A figure belongs to the metric name before it when only connecting words stand between
    them ("recall went from 0.72 to 0.91" gives 0.91), else to the name right after it
    ("91% recall"). Figures announced as targets ("a minimum recall of 0.8") are not claims.
    """
    names = [
        _Tok(m.start(), m.end(), metric=m.lastgroup) for m in _NAME_RX.finditer(text) if m.lastgroup
    ]
    if not names:
        return []
    spans = [(t.start, t.end) for t in names]
    numbers = [
        _Tok(m.start(), m.end(), number=m.group(1), percent=bool(m.group(2)))
        for m in _NUMBER_RX.finditer(text)
        if not any(s <= m.start() < e for s, e in spans)
    ]
    toks = sorted(names + numbers, key=lambda t: t.start)

    def forward(i: int) -> int | None:
        """Index of the figure the name at ``i`` introduces, following "from X to Y" chains."""
        j = i + 1
        if j >= len(toks) or toks[j].metric is not None:
            return None
        if not _gap_ok(text[toks[i].end : toks[j].start]):
            return None
        k = j
        while (
            k + 1 < len(toks)
            and toks[k + 1].metric is None
            and _CHAIN_RX.match(text[toks[k].end : toks[k + 1].start])
        ):
            k += 1
        if _AFTER_UNIT.match(text[toks[k].end :]):
            return None
        return k

    used: set[int] = set()
    pairs: list[tuple[str, float]] = []
    for i, tok in enumerate(toks):
        if tok.metric is None:
            continue
        before = _WORD_RX.findall(text[max(0, tok.start - 40) : tok.start].lower())[-3:]
        if _TARGET_WORDS.intersection(before):
            continue
        chosen = forward(i)
        if chosen is not None:
            nxt = chosen + 1
            # "0.91 precision 0.64" is precision's own figure only if precision has no other one
            if (
                nxt < len(toks)
                and toks[nxt].metric is not None
                and not text[toks[chosen].end : toks[nxt].start].strip(" *_`")
                and forward(nxt) is None
            ):
                chosen = None
        if chosen is None and i > 0 and (i - 1) not in used and toks[i - 1].metric is None:
            gap = text[toks[i - 1].end : tok.start]
            if _BEFORE_GAP.fullmatch(gap):
                chosen = i - 1
        if chosen is None:
            continue
        used.update(range(i + 1 if chosen > i else chosen, chosen + 1))
        num = toks[chosen]
        value = _normalise(tok.metric, num.number, num.percent)
        if value is not None:
            pairs.append((tok.metric, value))
    return pairs


def _is_iteration_table(rows: list[list[str]]) -> bool:
    """A header with an iteration column, a change column and a result column, and a body."""
    if len(rows) < 2:
        return False
    header = [c.strip().lower() for c in rows[0]]
    free = set(range(len(header)))
    for rx in (_ITER_COL, _CHANGE_COL, _RESULT_COL):
        col = next((k for k in sorted(free) if rx.search(header[k])), None)
        if col is None:
            return False
        free.discard(col)
    return True
