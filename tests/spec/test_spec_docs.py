"""docs/spec.md documents every key of the spec model, and its example is a valid spec."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from worktrial.spec import METRICS, TrialSpec, loads_spec
from worktrial.spec import _model as model_module
from worktrial.spec._problems import _unwrap

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"


def key_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every TOML key of ``model`` as the docs write it: ``checkpoints[].day``."""
    out = []
    for name, field in model.model_fields.items():
        key = prefix + name
        out.append(key)
        ann, _ = _unwrap(field.annotation, ())
        origin = get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += key_paths(ann, key + ".")
        elif origin is list:
            item, _ = _unwrap(get_args(ann)[0], ())
            if isinstance(item, type) and issubclass(item, BaseModel):
                out += key_paths(item, key + "[].")
        elif origin is dict:
            keys = get_args(ann)[0]
            if get_origin(keys) is Literal:
                out += [f"{key}.{k}" for k in get_args(keys)]
    return out


def models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(model_module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == model_module.__name__
    ]


def test_every_key_path_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [k for k in key_paths(TrialSpec) if f"`{k}`" not in text]
    assert not missing, f"docs/spec.md does not document: {missing}"


def test_every_field_of_every_model_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    found = models()
    assert len(found) >= 12
    for model in found:
        for name in model.model_fields:
            assert re.search(rf"`[a-z_.\[\]]*\b{name}`", text), f"{model.__name__}.{name}"


def test_every_metric_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, info in METRICS.items():
        direction = "higher is better" if info.higher_is_better else "lower is better"
        assert re.search(rf"^\| `{name}` \| {direction} \| {info.task} \|", text, re.MULTILINE)


def test_the_example_is_a_valid_spec() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1
    spec: Any = loads_spec(blocks[0], source="docs/spec.md")
    assert spec.id == "churn-alerts"


def test_template_baselines_in_the_docs_match_the_specs(bundles: dict[str, Any]) -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, bundle in bundles.items():
        pm = bundle.spec.primary_metric
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert f"| {pm.baseline:g} | {pm.target:g} |" in row, name
