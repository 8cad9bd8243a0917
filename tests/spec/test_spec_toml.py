"""Writing specs back to TOML, and properties of loading, over generated specs (hypothesis)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worktrial.errors import SpecError
from worktrial.spec import METRICS, loads_spec, spec_to_toml, validate_spec

text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ .-]{0,15}", fullmatch=True)
positive = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)
rel_path = st.from_regex(r"[a-z0-9_]{1,8}(/[a-z0-9_.]{1,8}){0,2}\.csv", fullmatch=True)

_TASK = {"classification": "classification", "regression": "regression"}


@st.composite
def metric_names(draw: st.DrawFn, kind: str) -> str:
    task = _TASK.get(kind)
    names = sorted(m.name for m in METRICS.values() if task is None or m.task == task)
    return draw(st.sampled_from(names))


@st.composite
def metric_tables(draw: st.DrawFn, kind: str, primary: bool) -> dict[str, Any]:
    metric = METRICS[draw(metric_names(kind))]
    lo = metric.lower if metric.lower is not None else -10.0
    hi = metric.upper if metric.upper is not None else 10.0
    table: dict[str, Any] = {"name": metric.name}
    if draw(st.booleans()):
        a, b = sorted(draw(st.lists(st.floats(lo, hi), min_size=2, max_size=2, unique=True)))
        baseline, target = (a, b) if metric.higher_is_better else (b, a)
        table.update(baseline=baseline, target=target)
    if primary:
        table["priority"] = draw(text)
        floors = draw(st.lists(metric_names(kind), max_size=2))
        table["floors"] = [{"metric": f, "min": draw(st.floats(0.0, 1.0))} for f in floors]
    return table


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["classification", "improve-baseline", "monitoring", "regression", "other"])
    )
    duration = draw(st.integers(1, 60))
    basis = draw(st.sampled_from(["fixed", "hourly", "daily"]))
    hours = draw(st.floats(1.0, 500.0))
    floor = draw(st.floats(1.0, 200.0))
    factor = draw(st.floats(1.01, 3.0))
    amount = {"fixed": floor * hours, "hourly": floor, "daily": floor * 8}[basis] * factor
    target = draw(name.filter(lambda n: n != "id"))
    extra = draw(st.lists(rel_path, max_size=3, unique=True))
    files = [
        {"path": "data/train.csv", "role": "train", "description": draw(any_text)},
        {"path": "hidden/f.csv", "role": "holdout_features", "hidden": True},
        {"path": "hidden/l.csv", "role": "holdout_labels", "hidden": True},
    ]
    files += [
        {"path": f"x/{p}", "role": draw(st.sampled_from(["dev", "batch", "other"]))} for p in extra
    ]
    data: dict[str, Any] = {
        "id": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}", fullmatch=True)),
        "title": draw(text),
        "kind": kind,
        "duration_days": duration,
        "checkpoints": [
            {"day": draw(st.integers(0, duration)), "purpose": draw(text)}
            for _ in range(draw(st.integers(0, 3)))
        ],
        "compensation": {
            "amount": amount,
            "currency": draw(st.from_regex(r"[A-Z]{3}", fullmatch=True)),
            "basis": basis,
            "expected_hours": hours,
            "hourly_floor": floor,
        },
        "data": {"target": target, "files": files},
        "primary_metric": draw(metric_tables(kind, primary=True)),
        "secondary_metrics": draw(st.lists(metric_tables(kind, primary=False), max_size=2)),
        "interface": {
            "train": draw(st.none() | text),
            "predict": draw(any_text) + " {input} {output}",
        },
        "weights": draw(
            st.dictionaries(
                st.sampled_from(["output", "framing", "iteration", "discipline"]),
                st.floats(0.0, 10.0),
            )
        ),
        "starter_commits": draw(st.lists(st.from_regex(r"[0-9a-f]{40}", fullmatch=True))),
        "environment": draw(st.lists(text, max_size=3)),
    }
    if data["interface"]["train"] is None:
        del data["interface"]["train"]
    if draw(st.booleans()):
        data["constraints"] = {
            "latency_p95_ms": draw(positive),
            "latency_batch_rows": draw(st.integers(1, 1000)),
            "peak_memory_mb": draw(positive),
        }
    if draw(st.booleans()):
        data["reproducibility"] = {"rerun": draw(st.booleans()), "tolerance": draw(st.floats(0, 1))}
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.booleans())
def test_written_toml_reads_back_to_the_same_spec(data: dict[str, Any], defaults: bool) -> None:
    spec = validate_spec(data)
    written = spec_to_toml(spec, defaults=defaults)
    assert loads_spec(written) == spec


_NUMERIC_KEYS = [
    ("duration_days",),
    ("compensation", "amount"),
    ("compensation", "expected_hours"),
    ("compensation", "hourly_floor"),
    ("constraints", "latency_p95_ms"),
]


@settings(max_examples=50, deadline=None)
@given(specs(), st.sampled_from(_NUMERIC_KEYS), text)
def test_one_wrong_type_is_one_line_naming_the_key(
    data: dict[str, Any], key: tuple[str, ...], value: str
) -> None:
    table = data
    for part in key[:-1]:
        table = table.setdefault(part, {})
    table[key[-1]] = value
    with pytest.raises(SpecError) as info:
        validate_spec(data)
    lines = info.value.message.splitlines()
    dotted = ".".join(key)
    assert len(lines) == 1
    assert lines[0].startswith(f"trial.toml: {dotted}: expected a ")
    assert lines[0].endswith("(a string)")


def test_toml_of_a_template_spec_is_short_and_valid(bundles: dict[str, Any]) -> None:
    spec = bundles["classification"].spec
    written = spec_to_toml(spec)
    assert loads_spec(written) == spec
    assert "[[data.files]]" in written
    assert "[weights]" not in written  # defaults are left out
    assert "[weights]" in spec_to_toml(spec, defaults=True)


def test_strings_are_escaped() -> None:
    data = {
        "id": "esc",
        "title": 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f é 中',
        "kind": "other",
        "duration_days": 1,
        "compensation": {"amount": 100, "currency": "EUR", "expected_hours": 1, "hourly_floor": 1},
        "data": {
            "target": "y",
            "files": [
                {"path": "f.csv", "role": "holdout_features", "hidden": True},
                {"path": "l.csv", "role": "holdout_labels", "hidden": True},
            ],
        },
        "primary_metric": {"name": "f1", "priority": "p"},
        "interface": {"predict": "{input} {output}"},
    }
    spec = validate_spec(data)
    written = spec_to_toml(spec)
    assert re.search(r'^title = ".*\\u0007.*\\u007f', written, re.MULTILINE)
    assert loads_spec(written).title == data["title"]
