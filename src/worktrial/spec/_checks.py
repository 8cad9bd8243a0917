"""Rules a spec must follow beyond the types of its keys (the semantic checks)."""

from __future__ import annotations

import difflib
from collections import Counter

from worktrial.spec._metrics import METRICS, MetricInfo
from worktrial.spec._model import DEFAULT_WEIGHTS, Metric, TrialSpec
from worktrial.spec._problems import Problem, describe_value

# A daily rate is compared with the hourly floor over a standard working day.
HOURS_PER_DAY = 8.0

_KIND_TASK = {"classification": "classification", "regression": "regression"}


def _num(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def effective_hourly_rate(spec: TrialSpec) -> float:
    """What the candidate earns per hour of the work the trial is scoped for."""
    c = spec.compensation
    if c.basis == "hourly":
        return c.amount
    if c.basis == "daily":
        return c.amount / HOURS_PER_DAY
    return c.amount / c.expected_hours


def _compensation(source: str, spec: TrialSpec) -> list[Problem]:
    c = spec.compensation
    rate = effective_hourly_rate(spec)
    if rate >= c.hourly_floor:
        return []
    how = {
        "fixed": f"{_num(c.amount)} {c.currency} fixed / {_num(c.expected_hours)} expected_hours",
        "hourly": f"{_num(c.amount)} {c.currency} hourly",
        "daily": f"{_num(c.amount)} {c.currency} daily / {_num(HOURS_PER_DAY)} hours a day",
    }[c.basis]
    return [
        Problem.mismatch(
            source,
            "compensation.amount",
            f"an effective hourly rate of at least {_num(c.hourly_floor)} {c.currency} "
            "(compensation.hourly_floor)",
            f"{_num(rate)} {c.currency} an hour ({how})",
        )
    ]


def _checkpoints(source: str, spec: TrialSpec) -> list[Problem]:
    return [
        Problem.mismatch(
            source,
            f"checkpoints[{i}].day",
            f"a day from 0 to {spec.duration_days} (duration_days)",
            describe_value(cp.day),
        )
        for i, cp in enumerate(spec.checkpoints)
        if cp.day > spec.duration_days
    ]


def _metric_name(
    source: str, key: str, name: str, kind: str
) -> tuple[MetricInfo | None, list[Problem]]:
    info = METRICS.get(name)
    if info is None:
        expected = f"a metric worktrial knows (one of: {', '.join(METRICS)})"
        close = difflib.get_close_matches(name, list(METRICS), n=1, cutoff=0.6)
        found = describe_value(name) + (f"; did you mean {close[0]}?" if close else "")
        return None, [Problem.mismatch(source, key, expected, found)]
    task = _KIND_TASK.get(kind)
    if task is not None and info.task != task:
        usable = ", ".join(m.name for m in METRICS.values() if m.task == task)
        return info, [
            Problem.mismatch(
                source,
                key,
                f"a {task} metric for kind {kind!r} (one of: {usable})",
                f"{name!r} (a {info.task} metric)",
            )
        ]
    return info, []


def _range(info: MetricInfo) -> str:
    if info.lower is not None and info.upper is not None:
        return f"from {_num(info.lower)} to {_num(info.upper)}"
    if info.lower is not None:
        return f"of at least {_num(info.lower)}"
    return f"of at most {_num(info.upper or 0)}"


def _metric(source: str, key: str, metric: Metric, kind: str) -> list[Problem]:
    info, problems = _metric_name(source, f"{key}.name", metric.name, kind)
    if info is None:
        return problems
    for attr in ("baseline", "target"):
        value = getattr(metric, attr)
        if value is not None and not info.in_range(value):
            problems.append(
                Problem.mismatch(
                    source,
                    f"{key}.{attr}",
                    f"a value {_range(info)} (the range of {info.name})",
                    describe_value(value),
                )
            )
    b, t = metric.baseline, metric.target
    if not problems and b is not None and t is not None and not info.better(t, b):
        direction = "higher" if info.higher_is_better else "lower"
        problems.append(
            Problem.mismatch(
                source,
                f"{key}.target",
                f"a value better than the baseline {b!r} ({direction} is better for {info.name})",
                describe_value(t),
            )
        )
    return problems


def _metrics(source: str, spec: TrialSpec) -> list[Problem]:
    problems = _metric(source, "primary_metric", spec.primary_metric, spec.kind)
    for i, floor in enumerate(spec.primary_metric.floors):
        key = f"primary_metric.floors[{i}]"
        info, found = _metric_name(source, f"{key}.metric", floor.metric, spec.kind)
        problems += found
        if info is not None and not found and not info.in_range(floor.min):
            problems.append(
                Problem.mismatch(
                    source,
                    f"{key}.min",
                    f"a value {_range(info)} (the range of {info.name})",
                    describe_value(floor.min),
                )
            )
    for i, metric in enumerate(spec.secondary_metrics):
        problems += _metric(source, f"secondary_metrics[{i}]", metric, spec.kind)
    return problems


def _weights(source: str, spec: TrialSpec) -> list[Problem]:
    effective = {d: spec.weights.get(d, w) for d, w in DEFAULT_WEIGHTS.items()}
    if any(w > 0 for w in effective.values()):
        return []
    return [
        Problem.mismatch(
            source,
            "weights",
            "at least one rubric dimension with a weight above 0",
            "every weight at 0",
        )
    ]


_MUST_HIDE = {
    "holdout_labels": "candidates must never receive the holdout labels",
}
_MUST_SHOW = {
    "train": "candidates train on it",
    "dev": "candidates evaluate on it",
}


def _data(source: str, spec: TrialSpec) -> list[Problem]:
    problems: list[Problem] = []
    data = spec.data
    if data.target == data.id_column:
        problems.append(
            Problem.mismatch(
                source,
                "data.target",
                f"a label column other than data.id_column {data.id_column!r}",
                describe_value(data.target),
            )
        )
    first_seen: dict[str, int] = {}
    for i, f in enumerate(data.files):
        key = f"data.files[{i}]"
        if f.path in first_seen:
            problems.append(
                Problem.mismatch(
                    source,
                    f"{key}.path",
                    f"a file not listed before (data.files[{first_seen[f.path]}] has it)",
                    describe_value(f.path),
                )
            )
        first_seen.setdefault(f.path, i)
        if f.role in _MUST_HIDE and not f.hidden:
            problems.append(
                Problem.mismatch(
                    source,
                    f"{key}.hidden",
                    f"true for role {f.role!r} ({_MUST_HIDE[f.role]})",
                    describe_value(f.hidden),
                )
            )
        if f.role in _MUST_SHOW and f.hidden:
            problems.append(
                Problem.mismatch(
                    source,
                    f"{key}.hidden",
                    f"false for role {f.role!r} ({_MUST_SHOW[f.role]})",
                    describe_value(f.hidden),
                )
            )
    roles = Counter(f.role for f in data.files)
    for role in ("holdout_features", "holdout_labels"):
        if roles[role] != 1:
            where = [f"data.files[{i}]" for i, f in enumerate(data.files) if f.role == role]
            found = f"{len(where)} ({', '.join(where)})" if where else "none"
            problems.append(
                Problem.mismatch(
                    source,
                    "data.files",
                    f"exactly one file with role {role!r} (scoring needs it)",
                    found,
                )
            )
    if spec.interface.predictions_column == data.id_column:
        problems.append(
            Problem.mismatch(
                source,
                "interface.predictions_column",
                f"a column other than data.id_column {data.id_column!r}",
                describe_value(spec.interface.predictions_column),
            )
        )
    return problems


def semantic_problems(source: str, spec: TrialSpec) -> list[Problem]:
    """Everything wrong with a spec whose keys all have the right types, in key order."""
    return [
        *_checkpoints(source, spec),
        *_compensation(source, spec),
        *_data(source, spec),
        *_metrics(source, spec),
        *_weights(source, spec),
    ]
