"""Experiments collector: the candidate's experiment log and MLflow file-store runs.

Two sources, read from the committed tree:

- ``.worktrial/experiments.jsonl`` written by ``worktrial log`` (or by hand): one JSON object a
  line; bad lines are skipped with a note naming the file and line.
- MLflow's file store, anywhere under a ``mlruns/`` folder:
  ``mlruns/<experiment>/<run>/meta.yaml`` (run name, ``start_time`` in ms, lifecycle stage),
  ``metrics/<name>`` (lines of ``timestamp value step``; the last value counts),
  ``params/<name>`` and ``tags/<name>`` (``mlflow.note.content`` is the run's description).
  Read with plain line parsing: MLflow itself is never imported.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from worktrial.evidence._types import Experiment, Experiments, Pointer
from worktrial.evidence.docs import unread_reason
from worktrial.repo._snapshot import Snapshot
from worktrial.tracking._records import (
    EXPERIMENTS_FILE,
    excerpt,
    parse_experiments,
    sort_by_time,
)

_RUN_PARTS = ("metrics", "params", "tags")
_SKIP_EXPERIMENTS = {".trash", "models", ".git"}


def collect_experiments(snapshot: Snapshot) -> Experiments:
    """Every experiment record of the repository at the snapshot's commit, oldest first.

    Records without a time (an unreadable ``at``) come last in file order. Ids are unique: a
    repeated id in the log is kept under a suffixed id and noted.

    Args:
        snapshot: the committed files of the evaluated commit.

    Returns:
        :class:`Experiments` with ``log_path`` set when the JSON Lines log exists, and notes for
        every line, file or run that was skipped or repaired.
    """
    notes: list[str] = []
    records: list[Experiment] = []
    log_path: str | None = None
    if EXPERIMENTS_FILE in snapshot.entries:
        log_path = EXPERIMENTS_FILE
        text = snapshot.text(EXPERIMENTS_FILE)
        if text is None:
            notes.append(f"{EXPERIMENTS_FILE}: {unread_reason(snapshot, EXPERIMENTS_FILE)}")
        else:
            found, more = parse_experiments(text, EXPERIMENTS_FILE)
            records.extend(found)
            notes.extend(more)
    runs, more = _mlflow_runs(snapshot)
    notes.extend(more)
    taken = {r.id for r in records}
    for run in runs:
        base, n = run.id, 2
        while run.id in taken:
            run.id = f"{base}-{n}"
            n += 1
        taken.add(run.id)
        records.append(run)
    return Experiments(records=sort_by_time(records), log_path=log_path, notes=notes)


# --------------------------------------------------------------------------- MLflow


@dataclass(slots=True)
class _Run:
    meta: str  # path of the run's meta.yaml
    experiment: str
    run: str
    metrics: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _find_runs(snapshot: Snapshot) -> list[_Run]:
    runs: dict[str, _Run] = {}
    extras: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in snapshot.paths():
        if "mlruns/" not in path:
            continue
        parts = path.split("/")
        try:
            at = parts.index("mlruns")
        except ValueError:
            continue
        rest = parts[at + 1 :]
        if len(rest) < 3 or rest[0] in _SKIP_EXPERIMENTS:
            continue
        run_dir = "/".join(parts[: at + 3])
        if len(rest) == 3 and rest[2] == "meta.yaml":
            runs[run_dir] = _Run(meta=path, experiment=rest[0], run=rest[1])
        elif len(rest) >= 4 and rest[2] in _RUN_PARTS:
            extras[run_dir].append((rest[2], path))
    for run_dir, files in extras.items():
        found = runs.get(run_dir)
        if found is None:
            continue
        for part, path in files:
            getattr(found, part).append(path)
    return [runs[k] for k in sorted(runs)]


def _yaml_top_level(text: str) -> dict[str, str]:
    """``key: value`` pairs at the top level of a simple YAML file (what MLflow writes)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-":
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _last_metric(text: str) -> float | None:
    for line in reversed(text.splitlines()):
        fields = line.split()
        if len(fields) >= 2:
            try:
                value = float(fields[1])
            except ValueError:
                return None
            return value if math.isfinite(value) else None
    return None


def _mlflow_runs(snapshot: Snapshot) -> tuple[list[Experiment], list[str]]:
    runs = _find_runs(snapshot)
    notes: list[str] = []
    if not runs:
        return [], notes
    snapshot.prefetch(p for r in runs for p in (r.meta, *r.metrics, *r.params, *r.tags))
    out: list[Experiment] = []
    for r in runs:
        meta_text = snapshot.text(r.meta)
        if meta_text is None:
            notes.append(f"{r.meta}: {unread_reason(snapshot, r.meta)}")
            continue
        meta = _yaml_top_level(meta_text)
        if meta.get("lifecycle_stage") == "deleted":
            notes.append(f"{r.meta}: MLflow run deleted in MLflow; not counted")
            continue
        run_dir = r.meta.rsplit("/", 1)[0]
        prefix = len(run_dir) + 1
        metrics: dict[str, float] = {}
        for path in sorted(r.metrics):
            name = path[prefix:].split("/", 1)[1]
            text = snapshot.text(path)
            value = None if text is None else _last_metric(text)
            if value is None:
                notes.append(f"{path}: no numeric value on its last line; metric dropped")
                continue
            metrics[name] = value
        params: dict[str, object] = {}
        for path in sorted(r.params):
            text = snapshot.text(path)
            if text is not None:
                params[path[prefix:].split("/", 1)[1]] = text.strip()
        tags: dict[str, str] = {}
        for path in sorted(r.tags):
            text = snapshot.text(path)
            if text is not None:
                tags[path[prefix:].split("/", 1)[1]] = text.strip()
        start = meta.get("start_time", "")
        at: datetime | None = None
        if start.isdigit():
            at = datetime.fromtimestamp(int(start) / 1000, tz=UTC)
        elif start not in ("", "null", "None"):
            notes.append(f"{r.meta}: start_time {start!r} is not a time in milliseconds; ignored")
        name = tags.get("mlflow.runName") or meta.get("run_name") or meta.get("name") or ""
        run_id = meta.get("run_id") or meta.get("run_uuid") or r.run
        commit = tags.get("mlflow.source.git.commit") or None
        exp = Experiment(
            id=f"mlflow-{run_id[:12]}",
            at=at,
            source="mlflow",
            commit=commit.lower() if commit and _is_hex(commit) else None,
            change=name,
            params=params,
            metrics=metrics,
            result=tags.get("mlflow.note.content", ""),
        )
        note = excerpt(name or f"run {run_id[:12]} of experiment {r.experiment}")
        exp.pointer = Pointer("file", r.meta, note)
        out.append(exp)
    return out, notes


def _is_hex(text: str) -> bool:
    return 4 <= len(text) <= 64 and all(c in "0123456789abcdefABCDEF" for c in text)
