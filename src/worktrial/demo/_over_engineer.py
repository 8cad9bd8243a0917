"""Persona: the over-engineer.

Spends the first eight days of a ten-day trial building a framework: abstract base classes, a
plugin registry (later namespaced), a TOML config system, a training loop with callbacks and a
learning-rate schedule, a tracking backend, a DAG executor and a sweep runner, with unit tests
for the framework. The first metric on dev appears on day 8, from a deep MLP; a logistic
regression follows "for comparison". Both checkpoints ask for a baseline; the first is
acknowledged without a change. The README documents the architecture, not the problem, and
nothing measures or mentions the latency budget.

Every metric in the log is what ``python -m src.train --config ...`` prints at the logged commit.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from worktrial.demo._kit import TRIAL, PersonaRepo, Story, clock

NAME = "over-engineer"
TITLE = "builds a plugin framework for a week; first dev number on day 8"
AUTHOR = ("Jonas Petersen", "jonas.petersen@example.com")

# --------------------------------------------------------------------------- project files

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "tabml"
version = "0.1.0"
description = "An extensible framework for tabular ML experiments"
requires-python = ">=3.11"
dependencies = ["numpy==2.4.6", "pandas==3.1.1", "scikit-learn==1.9.1"]

[project.optional-dependencies]
dev = ["pytest==8.4.2", "ruff==0.14.1", "mypy==1.18.2"]

[tool.ruff]
line-length = 100
"""

REQUIREMENTS = """\
numpy==2.4.6
pandas==3.1.1
scikit-learn==1.9.1
pytest==8.4.2
"""

PYTEST_INI = """\
[pytest]
pythonpath = .
"""

README_ARCH = """\
# tabml

An extensible framework for tabular machine-learning experiments, built for the malignancy
screening trial and designed to grow beyond it.

## Architecture

```
 configs/*.toml ──► config.load ──► RunConfig
                                      │
        registry ◄── plugins (sources, transforms, models, metrics, callbacks)
                                      │
                 runner.run ──► Pipeline (DAG): train ─► prepared ─► fitted ─► scores
                                      │                               ▲
                                      │                              dev
                                      ▼
                         FileTracker: runs/<run_id>/{config,metrics}.json
```

- **base.py** — abstract base classes: `DataSource`, `Transform`, `Model`, `Metric`,
  `Callback`. Every component is built from a config table.
- **registry.py** — plugins register with a decorator under a kind and a namespaced name
  (`core/mlp`); bare names resolve through the namespace search order, so contributed plugins
  cannot shadow built-in ones.
- **config.py** — TOML run configs validated into typed sections; unknown sections and keys are
  errors.
- **training.py / callbacks.py** — a generic epoch loop; early stopping, cosine learning-rate
  decay and history are callbacks.
- **pipeline.py** — a small DAG executor (topological order, dependency checks).
- **tracking.py** — a tracker interface with a file backend (one folder per run, keyed by a
  hash of its config).
- **sweep.py** — grid sweeps over model parameters.

## Plugins

| kind | names |
|---|---|
| source | `csv` |
| transform | `median_impute`, `standardize` |
| model | `mlp` (deep MLP, Adam, mini-batches), `logistic` |
| metric | `recall`, `precision`, `f1`, `roc_auc` |
| callback | `early_stopping`, `cosine_lr`, `history` |

## Extending

Write a class deriving from the right base class, decorate it with
`@registry.register("model", "my_model")`, and list its module under `plugins` in the config.

## Running

```
pip install -r requirements.txt
python -m src.train --config configs/mlp.toml
python -m src.predict INPUT.csv OUTPUT.csv
python -m pytest
```

## Results

| config | recall | precision | ROC AUC |
|---|---|---|---|
| `configs/mlp.toml` (256-128-64) | 0.857 | 0.947 | 0.955 |
| `configs/logistic.toml` | 0.810 | 1.000 | 0.988 |
| `configs/mlp_deep.toml` (512-256-128-64) | 0.833 | 0.897 | 0.941 |

The MLP is the default model.

## Roadmap

- A PyTorch backend for the model plugins, with GPU support.
- Bayesian hyperparameter optimisation in `sweep.py`.
- Distributed training and a remote tracking backend.
- More model plugins (TabNet, gradient-boosted trees).
"""

PLUGINS_INIT_V1 = '''\
"""Built-in plugins; importing this package registers them."""

from src.tabml.plugins import sources  # noqa: F401
'''

PLUGINS_INIT_V2 = '''\
"""Built-in plugins; importing this package registers them."""

from src.tabml.plugins import sources, transforms  # noqa: F401
'''

PLUGINS_INIT_V3 = '''\
"""Built-in plugins; importing this package registers them."""

from src.tabml import callbacks  # noqa: F401
from src.tabml.plugins import metrics, sources, transforms  # noqa: F401
'''

EXAMPLE_TOML = """\
# An example run config (the model plugin comes later).
metrics = ["recall", "precision"]

[source]
name = "csv"
root = "data"
id_column = "id"
target = "malignant"

[model]
name = "mlp"
layers = [256, 128, 64]

[training]
epochs = 200
seed = 0
"""

BASE = '''\
"""Abstract base classes every plugin implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Dataset:
    """Features, optional labels and the ids of one split."""

    ids: pd.Series
    features: pd.DataFrame
    labels: pd.Series | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class Component(ABC):
    """Anything that can be built from a config section."""

    name: str = "component"

    def __init__(self, **params: Any) -> None:
        self.params = params

    @classmethod
    def from_config(cls, params: dict[str, Any]) -> Component:
        return cls(**params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


class DataSource(Component):
    @abstractmethod
    def load(self, split: str) -> Dataset: ...


class Transform(Component):
    @abstractmethod
    def fit(self, data: Dataset) -> Transform: ...

    @abstractmethod
    def transform(self, data: Dataset) -> Dataset: ...

    def fit_transform(self, data: Dataset) -> Dataset:
        return self.fit(data).transform(data)


class Model(Component):
    @abstractmethod
    def fit(self, data: Dataset, valid: Dataset | None = None) -> Model: ...

    @abstractmethod
    def predict_proba(self, features: pd.DataFrame) -> np.ndarray: ...

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(features)[:, 1] >= 0.5).astype(int)


class Metric(Component):
    @abstractmethod
    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray) -> float: ...


class Callback(Component):
    def on_train_begin(self, state: dict[str, Any]) -> None:  # noqa: B027
        pass

    def on_epoch_end(self, state: dict[str, Any]) -> None:  # noqa: B027
        pass

    def on_train_end(self, state: dict[str, Any]) -> None:  # noqa: B027
        pass
'''

PKG_INIT = '''\
"""tabml: a small, extensible framework for tabular machine-learning experiments.

Components (data sources, transforms, models, metrics, callbacks) are plugins registered by
name; a run is described entirely by a TOML config and executed as a pipeline.
"""

__version__ = "0.1.0"
'''

REGISTRY_V2 = '''\
"""The plugin registry: components register under a kind and a name, configs refer to them.

Names are namespaced (``core/mlp``, ``contrib/tabnet``) so third-party plugins cannot shadow
built-in ones; a bare name resolves against the namespaces in search order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from src.tabml.base import Callback, Component, DataSource, Metric, Model, Transform

KINDS: dict[str, type[Component]] = {
    "source": DataSource,
    "transform": Transform,
    "model": Model,
    "metric": Metric,
    "callback": Callback,
}
DEFAULT_NAMESPACE = "core"

C = TypeVar("C", bound=type[Component])


class RegistryError(KeyError):
    pass


class Registry:
    def __init__(self, search: tuple[str, ...] = (DEFAULT_NAMESPACE, "contrib")) -> None:
        self.search = search
        self._items: dict[str, dict[str, type[Component]]] = {k: {} for k in KINDS}

    def register(
        self, kind: str, name: str, namespace: str = DEFAULT_NAMESPACE
    ) -> Callable[[C], C]:
        """Class decorator: ``@registry.register("model", "mlp")``."""
        if kind not in KINDS:
            raise RegistryError(f"unknown kind {kind!r}; expected one of {sorted(KINDS)}")
        key = f"{namespace}/{name}"

        def deco(cls: C) -> C:
            if not issubclass(cls, KINDS[kind]):
                raise TypeError(f"{cls.__name__} is not a {KINDS[kind].__name__}")
            if key in self._items[kind]:
                raise RegistryError(f"{kind} {key!r} is already registered")
            cls.name = key
            self._items[kind][key] = cls
            return cls

        return deco

    def resolve(self, kind: str, name: str) -> str:
        if "/" in name:
            return name
        for namespace in self.search:
            if f"{namespace}/{name}" in self._items[kind]:
                return f"{namespace}/{name}"
        return f"{DEFAULT_NAMESPACE}/{name}"

    def get(self, kind: str, name: str) -> type[Component]:
        key = self.resolve(kind, name)
        try:
            return self._items[kind][key]
        except KeyError:
            known = ", ".join(sorted(self._items.get(kind, {}))) or "none"
            raise RegistryError(f"no {kind} named {name!r} (known: {known})") from None

    def create(self, kind: str, name: str, **params: Any) -> Component:
        return self.get(kind, name).from_config(params)

    def names(self, kind: str) -> list[str]:
        return sorted(self._items[kind])


registry = Registry()


def load_plugins(modules: list[str]) -> None:
    """Import plugin modules so that their decorators run."""
    for module in modules:
        importlib.import_module(module)
'''

CONFIG = '''\
"""Run configuration: a TOML file, validated into typed sections before anything runs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ComponentConfig:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 200
    batch_size: int = 32
    validation_fraction: float = 0.15
    seed: int = 0


@dataclass(frozen=True)
class RunConfig:
    source: ComponentConfig
    model: ComponentConfig
    transforms: list[ComponentConfig] = field(default_factory=list)
    metrics: list[str] = field(default_factory=lambda: ["recall", "precision"])
    callbacks: list[ComponentConfig] = field(default_factory=list)
    training: TrainingConfig = TrainingConfig()
    tracking_dir: str = "runs"
    plugins: list[str] = field(default_factory=list)


_TOP = {"source", "model", "transforms", "metrics", "callbacks", "training", "tracking", "plugins"}


def _component(section: Any, where: str) -> ComponentConfig:
    if not isinstance(section, dict) or "name" not in section:
        raise ConfigError(f"{where}: expected a table with a 'name' key")
    params = {k: v for k, v in section.items() if k != "name"}
    return ComponentConfig(str(section["name"]), params)


def parse(data: dict[str, Any], where: str = "<config>") -> RunConfig:
    unknown = set(data) - _TOP
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {sorted(unknown)}")
    for required in ("source", "model"):
        if required not in data:
            raise ConfigError(f"{where}: missing [{required}]")
    training = data.get("training", {})
    bad = set(training) - set(TrainingConfig.__dataclass_fields__)
    if bad:
        raise ConfigError(f"{where}: unknown [training] key(s) {sorted(bad)}")
    return RunConfig(
        source=_component(data["source"], f"{where} [source]"),
        model=_component(data["model"], f"{where} [model]"),
        transforms=[
            _component(t, f"{where} [[transforms]] #{i}")
            for i, t in enumerate(data.get("transforms", []), 1)
        ],
        metrics=list(data.get("metrics", ["recall", "precision"])),
        callbacks=[
            _component(c, f"{where} [[callbacks]] #{i}")
            for i, c in enumerate(data.get("callbacks", []), 1)
        ],
        training=TrainingConfig(**training),
        tracking_dir=str(data.get("tracking", {}).get("dir", "runs")),
        plugins=list(data.get("plugins", [])),
    )


def load(path: str | Path) -> RunConfig:
    """Read and validate a TOML run config."""
    path = Path(path)
    with path.open("rb") as fh:
        return parse(tomllib.load(fh), str(path))
'''

SOURCES = '''\
"""Data sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from src.tabml.base import DataSource, Dataset
from src.tabml.registry import registry


@registry.register("source", "csv")
class CsvSource(DataSource):
    """Reads ``<root>/<split>.csv`` with an id column and an optional target column."""

    def load(self, split: str) -> Dataset:
        root = Path(self.params.get("root", "data"))
        id_col = self.params.get("id_column", "id")
        target = self.params.get("target", "target")
        frame = pd.read_csv(root / f"{split}.csv")
        labels = frame[target] if target in frame.columns else None
        features = frame.drop(columns=[c for c in (id_col, target) if c in frame.columns])
        return Dataset(frame[id_col], features, labels, {"split": split, "path": str(root)})
'''

TRANSFORMS = '''\
"""Feature transforms with a fit/transform protocol."""

from __future__ import annotations

import pandas as pd

from src.tabml.base import Dataset, Transform
from src.tabml.registry import registry


def _with(data: Dataset, features: pd.DataFrame) -> Dataset:
    return Dataset(data.ids, features, data.labels, dict(data.meta))


@registry.register("transform", "median_impute")
class MedianImpute(Transform):
    def fit(self, data: Dataset) -> MedianImpute:
        self.medians_ = data.features.median()
        return self

    def transform(self, data: Dataset) -> Dataset:
        return _with(data, data.features.fillna(self.medians_))


@registry.register("transform", "standardize")
class Standardize(Transform):
    def fit(self, data: Dataset) -> Standardize:
        self.mean_ = data.features.mean()
        self.std_ = data.features.std(ddof=0).replace(0, 1.0)
        return self

    def transform(self, data: Dataset) -> Dataset:
        return _with(data, (data.features - self.mean_) / self.std_)
'''

METRICS = '''\
"""Metrics."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from src.tabml.base import Metric
from src.tabml.registry import registry


@registry.register("metric", "recall")
class Recall(Metric):
    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray) -> float:
        return float(recall_score(y_true, y_pred))


@registry.register("metric", "precision")
class Precision(Metric):
    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray) -> float:
        return float(precision_score(y_true, y_pred, zero_division=0))


@registry.register("metric", "f1")
class F1(Metric):
    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray) -> float:
        return float(f1_score(y_true, y_pred))


@registry.register("metric", "roc_auc")
class RocAuc(Metric):
    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray) -> float:
        return float(roc_auc_score(y_true, scores))
'''

CALLBACKS = '''\
"""Training callbacks: early stopping, learning-rate schedules, history."""

from __future__ import annotations

import math
from typing import Any

from src.tabml.base import Callback
from src.tabml.registry import registry


@registry.register("callback", "early_stopping")
class EarlyStopping(Callback):
    """Stop when the validation loss has not improved for ``patience`` epochs."""

    def on_train_begin(self, state: dict[str, Any]) -> None:
        self.best_ = math.inf
        self.wait_ = 0

    def on_epoch_end(self, state: dict[str, Any]) -> None:
        loss = state["val_loss"]
        if loss < self.best_ - self.params.get("min_delta", 1e-4):
            self.best_, self.wait_ = loss, 0
        else:
            self.wait_ += 1
            if self.wait_ >= self.params.get("patience", 10):
                state["stop"] = True


@registry.register("callback", "cosine_lr")
class CosineLR(Callback):
    """Cosine decay of the learning rate from ``lr`` to ``min_lr`` over the run."""

    def on_epoch_end(self, state: dict[str, Any]) -> None:
        lr, min_lr = self.params.get("lr", 1e-3), self.params.get("min_lr", 1e-5)
        progress = state["epoch"] / max(1, state["epochs"])
        state["lr"] = min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


@registry.register("callback", "history")
class History(Callback):
    def on_train_begin(self, state: dict[str, Any]) -> None:
        state.setdefault("history", [])

    def on_epoch_end(self, state: dict[str, Any]) -> None:
        state["history"].append({"epoch": state["epoch"], "val_loss": state["val_loss"]})
'''

TRAINING = '''\
"""A generic epoch-based training loop driven by callbacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from src.tabml.base import Callback


class Trainer:
    """Runs ``step(epoch, lr)`` and ``evaluate()`` each epoch until a callback stops it."""

    def __init__(self, epochs: int, callbacks: list[Callback], lr: float = 1e-3) -> None:
        self.epochs = epochs
        self.callbacks = callbacks
        self.lr = lr

    def run(
        self, step: Callable[[int, float], None], evaluate: Callable[[], float]
    ) -> dict[str, Any]:
        state: dict[str, Any] = {"epochs": self.epochs, "lr": self.lr, "stop": False}
        for cb in self.callbacks:
            cb.on_train_begin(state)
        for epoch in range(1, self.epochs + 1):
            state["epoch"] = epoch
            step(epoch, state["lr"])
            state["val_loss"] = float(evaluate())
            for cb in self.callbacks:
                cb.on_epoch_end(state)
            if state["stop"]:
                break
        for cb in self.callbacks:
            cb.on_train_end(state)
        return state


def batches(n: int, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[i : i + size] for i in range(0, n, size)]
'''

MLP = '''\
"""A deep multi-layer perceptron trained with the generic Trainer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from src.tabml.base import Callback, Dataset, Model
from src.tabml.registry import registry
from src.tabml.training import Trainer, batches


@registry.register("model", "mlp")
class MLPModel(Model):
    """``layers`` hidden units per layer; Adam; mini-batches; callbacks control the run."""

    callbacks: list[Callback] = []

    def fit(self, data: Dataset, valid: Dataset | None = None) -> MLPModel:
        layers = tuple(self.params.get("layers", [256, 128, 64]))
        seed = self.params.get("seed", 0)
        self.net_ = MLPClassifier(
            hidden_layer_sizes=layers,
            alpha=self.params.get("alpha", 1e-4),
            learning_rate_init=self.params.get("lr", 1e-3),
            random_state=seed,
        )
        X, y = data.features.to_numpy(), data.labels.to_numpy()
        valid = valid or data
        Xv, yv = valid.features.to_numpy(), valid.labels.to_numpy()
        rng = np.random.default_rng(seed)
        classes = np.array([0, 1])

        def step(epoch: int, lr: float) -> None:
            if hasattr(self.net_, "_optimizer"):
                self.net_._optimizer.learning_rate = lr
            for idx in batches(len(X), self.params.get("batch_size", 32), rng):
                self.net_.partial_fit(X[idx], y[idx], classes=classes)

        def evaluate() -> float:
            return log_loss(yv, self.net_.predict_proba(Xv), labels=classes)

        epochs, lr = self.params.get("epochs", 200), self.params.get("lr", 1e-3)
        trainer = Trainer(epochs, self.callbacks, lr)
        self.state_ = trainer.run(step, evaluate)
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        return self.net_.predict_proba(features.to_numpy())
'''

LINEAR = '''\
"""Logistic regression, for comparison with the MLP."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from src.tabml.base import Dataset, Model
from src.tabml.registry import registry


@registry.register("model", "logistic")
class LogisticModel(Model):
    def fit(self, data: Dataset, valid: Dataset | None = None) -> LogisticModel:
        self.clf_ = LogisticRegression(
            C=self.params.get("C", 1.0), max_iter=5000, random_state=self.params.get("seed", 0)
        )
        self.clf_.fit(data.features.to_numpy(), data.labels.to_numpy())
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        return self.clf_.predict_proba(features.to_numpy())
'''

PIPELINE = '''\
"""A small DAG executor: named steps with dependencies, run in topological order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any


@dataclass
class Step:
    name: str
    func: Callable[..., Any]
    needs: list[str] = field(default_factory=list)


class Pipeline:
    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}

    def step(
        self, name: str, needs: list[str] | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def deco(func: Callable[..., Any]) -> Callable[..., Any]:
            if name in self.steps:
                raise ValueError(f"step {name!r} defined twice")
            self.steps[name] = Step(name, func, list(needs or []))
            return func

        return deco

    def order(self) -> list[str]:
        graph = {name: set(step.needs) for name, step in self.steps.items()}
        missing = {d for deps in graph.values() for d in deps} - set(graph)
        if missing:
            raise ValueError(f"unknown dependencies: {sorted(missing)}")
        return list(TopologicalSorter(graph).static_order())

    def run(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for name in self.order():
            step = self.steps[name]
            results[name] = step.func(*(results[d] for d in step.needs))
        return results
'''

TRACKING = '''\
"""Experiment tracking behind an interface, with a file backend."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any


class Tracker(ABC):
    @abstractmethod
    def start(self, config: dict[str, Any]) -> str: ...

    @abstractmethod
    def log_metrics(self, run_id: str, metrics: dict[str, float]) -> None: ...


class FileTracker(Tracker):
    """One folder per run under ``root``: config.json and metrics.json."""

    def __init__(self, root: str | Path = "runs") -> None:
        self.root = Path(root)

    def start(self, config: dict[str, Any]) -> str:
        text = json.dumps(config, sort_keys=True, default=str)
        run_id = hashlib.sha1(text.encode()).hexdigest()[:10]
        folder = self.root / run_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(text)
        return run_id

    def log_metrics(self, run_id: str, metrics: dict[str, float]) -> None:
        (self.root / run_id / "metrics.json").write_text(json.dumps(metrics, indent=2))
'''

RUNNER = '''\
"""Build every component of a run config and execute it as a pipeline."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from src.tabml import plugins  # noqa: F401  (registers the built-in plugins)
from src.tabml.base import Dataset, Model, Transform
from src.tabml.config import RunConfig
from src.tabml.pipeline import Pipeline
from src.tabml.registry import load_plugins, registry
from src.tabml.tracking import FileTracker


class FittedPipeline:
    """Transforms plus model, with the ``predict(features)`` the submission interface needs."""

    def __init__(self, transforms: list[Transform], model: Model) -> None:
        self.transforms = transforms
        self.model = model

    def _prepare(self, features: pd.DataFrame) -> pd.DataFrame:
        data = Dataset(pd.Series(range(len(features))), features)
        for t in self.transforms:
            data = t.transform(data)
        return data.features

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._prepare(features))

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self._prepare(features))


def _split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data.features))
    cut = int(len(order) * (1 - fraction))
    def take(idx: np.ndarray) -> Dataset:
        return Dataset(
            data.ids.iloc[idx].reset_index(drop=True),
            data.features.iloc[idx].reset_index(drop=True),
            None if data.labels is None else data.labels.iloc[idx].reset_index(drop=True),
            dict(data.meta),
        )
    return take(order[:cut]), take(order[cut:])


def run(cfg: RunConfig) -> dict[str, Any]:
    load_plugins(cfg.plugins)
    source = registry.create("source", cfg.source.name, **cfg.source.params)
    transforms = [registry.create("transform", t.name, **t.params) for t in cfg.transforms]
    model = registry.create("model", cfg.model.name, **cfg.model.params)
    model.callbacks = [registry.create("callback", c.name, **c.params) for c in cfg.callbacks]
    metrics = {m: registry.create("metric", m) for m in cfg.metrics}
    tracker = FileTracker(cfg.tracking_dir)

    pipe = Pipeline()

    @pipe.step("train")
    def load_train() -> Dataset:
        return source.load("train")

    @pipe.step("dev")
    def load_dev() -> Dataset:
        return source.load("dev")

    @pipe.step("prepared", needs=["train"])
    def prepare(train: Dataset) -> Dataset:
        for t in transforms:
            train = t.fit_transform(train)
        return train

    @pipe.step("fitted", needs=["prepared"])
    def fit(prepared: Dataset) -> FittedPipeline:
        fit_part, valid = _split(prepared, cfg.training.validation_fraction, cfg.training.seed)
        model.fit(fit_part, valid)
        return FittedPipeline(transforms, model)

    @pipe.step("scores", needs=["fitted", "dev"])
    def score(fitted: FittedPipeline, dev: Dataset) -> dict[str, float]:
        proba = fitted.predict_proba(dev.features)[:, 1]
        pred = fitted.predict(dev.features)
        y = dev.labels.to_numpy()
        return {name: round(m(y, pred, proba), 3) for name, m in metrics.items()}

    results = pipe.run()
    run_id = tracker.start(dataclasses.asdict(cfg))
    tracker.log_metrics(run_id, results["scores"])
    return {"run_id": run_id, "metrics": results["scores"], "model": results["fitted"]}
'''

SWEEP = '''\
"""Grid sweeps over model parameters of a base config."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from src.tabml import runner
from src.tabml.config import ComponentConfig, RunConfig


def expand(cfg: RunConfig, grid: dict[str, list[Any]]) -> list[RunConfig]:
    """One config per combination of the grid's model parameters."""
    keys = sorted(grid)
    out = []
    for values in itertools.product(*(grid[k] for k in keys)):
        params = {**cfg.model.params, **dict(zip(keys, values, strict=True))}
        out.append(dataclasses.replace(cfg, model=ComponentConfig(cfg.model.name, params)))
    return out


def sweep(cfg: RunConfig, grid: dict[str, list[Any]], metric: str) -> list[dict[str, Any]]:
    """Run every combination; results sorted by ``metric``, best first."""
    results = []
    for variant in expand(cfg, grid):
        result = runner.run(variant)
        results.append({"params": variant.model.params, "metrics": result["metrics"]})
    return sorted(results, key=lambda r: r["metrics"][metric], reverse=True)
'''

SCHEMA = '''\
"""Data schemas: infer the expected columns and types from training data, validate new data.

A schema catches the silent failures of tabular pipelines early: a renamed column, a column
of strings where numbers were expected, values far outside the range seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    dtype: str
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Schema:
    columns: tuple[ColumnSpec, ...]
    tolerance: float = 0.5  # allowed overshoot of the training range, as a share of it

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class ValidationReport:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def infer_schema(frame: pd.DataFrame, tolerance: float = 0.5) -> Schema:
    """The schema of ``frame``: column names, dtypes, nullability and numeric ranges."""
    specs = []
    for name in frame.columns:
        col = frame[name]
        numeric = pd.api.types.is_numeric_dtype(col)
        specs.append(
            ColumnSpec(
                name=str(name),
                dtype=str(col.dtype),
                nullable=bool(col.isna().any()),
                minimum=float(col.min()) if numeric else None,
                maximum=float(col.max()) if numeric else None,
            )
        )
    return Schema(tuple(specs), tolerance)


def validate(frame: pd.DataFrame, schema: Schema) -> ValidationReport:
    """Every way ``frame`` departs from ``schema``."""
    report = ValidationReport()
    missing = [n for n in schema.names() if n not in frame.columns]
    extra = [n for n in frame.columns if n not in schema.names()]
    if missing:
        report.problems.append(f"missing columns: {missing}")
    if extra:
        report.problems.append(f"unexpected columns: {extra}")
    for spec in schema.columns:
        if spec.name not in frame.columns:
            continue
        col = frame[spec.name]
        if not spec.nullable and col.isna().any():
            report.problems.append(f"{spec.name}: missing values in a column that had none")
        if spec.minimum is None or spec.maximum is None:
            continue
        if not pd.api.types.is_numeric_dtype(col):
            report.problems.append(f"{spec.name}: expected numbers, found {col.dtype}")
            continue
        span = (spec.maximum - spec.minimum) * schema.tolerance
        low, high = spec.minimum - span, spec.maximum + span
        outside = int(((col < low) | (col > high)).sum())
        if outside:
            report.problems.append(
                f"{spec.name}: {outside} value(s) outside [{low:.4g}, {high:.4g}]"
            )
    return report
'''

CACHE = '''\
"""A content-addressed disk cache for expensive, deterministic steps (loading, transforms).

Keys are hashes of the step's name, its parameters and a fingerprint of its input, so a cached
result is reused only when nothing that produced it changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


def fingerprint(value: Any) -> str:
    """A stable hash of a DataFrame, Series or JSON-serialisable value."""
    digest = hashlib.sha256()
    if isinstance(value, pd.DataFrame | pd.Series):
        digest.update(pd.util.hash_pandas_object(value, index=True).values.tobytes())
        labels = value.columns if isinstance(value, pd.DataFrame) else [value.name]
        digest.update(str(list(labels)).encode())
    else:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


class DiskCache:
    def __init__(self, root: str | Path = ".tabml-cache", enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        path = self._path(key)
        if self.enabled and path.exists():
            self.hits += 1
            with path.open("rb") as fh:
                return pickle.load(fh)
        self.misses += 1
        value = compute()
        if self.enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                pickle.dump(value, fh)
        return value

    def cached(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator caching a function on its name and arguments' fingerprints."""

        def deco(func: Callable[..., T]) -> Callable[..., T]:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> T:
                parts = [name, *(fingerprint(a) for a in args), fingerprint(kwargs)]
                key = hashlib.sha256("|".join(parts).encode()).hexdigest()
                return self.get_or_compute(key, lambda: func(*args, **kwargs))

            return wrapper

        return deco
'''

EVENTS = '''\
"""A small synchronous event bus, so components can react to training events without the
trainer knowing about them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, event: str, handler: Handler) -> Callable[[], None]:
        """Register ``handler`` for ``event``; returns a function that unsubscribes it."""
        self._handlers[event].append(handler)
        return lambda: self._handlers[event].remove(handler)

    def publish(self, event: str, payload: dict[str, Any] | None = None) -> int:
        """Call every handler of ``event`` (and of ``*``) in order; returns how many ran."""
        handlers = [*self._handlers.get(event, []), *self._handlers.get("*", [])]
        for handler in handlers:
            handler({"event": event, **(payload or {})})
        return len(handlers)


bus = EventBus()
'''

SERIALIZATION = '''\
"""Save and load runs as folders: the fitted model, its config and a manifest with checksums."""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from src.tabml import __version__

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_run(folder: str | Path, model: Any, config: dict[str, Any]) -> Path:
    """Write ``model.pkl``, ``config.json`` and a manifest into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "model.pkl").open("wb") as fh:
        pickle.dump(model, fh)
    (folder / "config.json").write_text(json.dumps(config, indent=2, default=str))
    manifest = {
        "created": datetime.now(UTC).isoformat(),
        "tabml": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "files": {n: _sha256(folder / n) for n in ("model.pkl", "config.json")},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def load_run(folder: str | Path) -> tuple[Any, dict[str, Any]]:
    """The model and config of a saved run, after checking every checksum."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, digest in manifest["files"].items():
        if _sha256(folder / name) != digest:
            raise ValueError(f"{folder / name}: checksum mismatch, the run was modified")
    with (folder / "model.pkl").open("rb") as fh:
        model = pickle.load(fh)
    return model, json.loads((folder / "config.json").read_text())
'''

AUGMENT = '''\
"""Data augmentation for tabular training data (Gaussian noise, mixup).

Augmentations only apply while fitting: ``transform`` leaves data unchanged, so prediction sees
the real features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from src.tabml.base import Dataset, Transform
from src.tabml.registry import registry


@registry.register("transform", "gaussian_noise")
class GaussianNoise(Transform):
    """Append ``copies`` noisy copies of each row (noise = ``scale`` x column std)."""

    def fit(self, data: Dataset) -> GaussianNoise:
        self.std_ = data.features.std(ddof=0)
        return self

    def fit_transform(self, data: Dataset) -> Dataset:
        self.fit(data)
        rng = np.random.default_rng(self.params.get("seed", 0))
        copies, scale = self.params.get("copies", 1), self.params.get("scale", 0.05)
        frames, labels = [data.features], [data.labels]
        for _ in range(copies):
            noise = rng.normal(0.0, 1.0, data.features.shape) * self.std_.to_numpy() * scale
            frames.append(data.features + noise)
            labels.append(data.labels)
        ids = pd.Series(range(len(data.features) * (copies + 1)))
        y = None if data.labels is None else pd.concat(labels, ignore_index=True)
        return Dataset(ids, pd.concat(frames, ignore_index=True), y, dict(data.meta))

    def transform(self, data: Dataset) -> Dataset:
        return data


@registry.register("transform", "mixup")
class Mixup(Transform):
    """Append convex combinations of random row pairs that share a label."""

    def fit(self, data: Dataset) -> Mixup:
        return self

    def fit_transform(self, data: Dataset) -> Dataset:
        rng = np.random.default_rng(self.params.get("seed", 0))
        alpha, n = self.params.get("alpha", 0.2), self.params.get("rows", len(data.features))
        y = data.labels.to_numpy()
        X = data.features.to_numpy()
        new_x, new_y = [], []
        for _ in range(n):
            label = rng.integers(0, 2)
            pool = np.flatnonzero(y == label)
            if len(pool) < 2:
                continue
            a, b = rng.choice(pool, 2, replace=False)
            lam = rng.beta(alpha, alpha)
            new_x.append(lam * X[a] + (1 - lam) * X[b])
            new_y.append(label)
        if not new_x:
            return data
        features = pd.concat(
            [data.features, pd.DataFrame(new_x, columns=data.features.columns)], ignore_index=True
        )
        labels = pd.concat([data.labels, pd.Series(new_y)], ignore_index=True)
        return Dataset(pd.Series(range(len(features))), features, labels, dict(data.meta))

    def transform(self, data: Dataset) -> Dataset:
        return data
'''

PARALLEL = '''\
"""Run independent configs in parallel processes (sweeps today, remote workers later)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def map_parallel(
    func: Callable[[T], Any], items: Sequence[T], workers: int | None = None
) -> list[Any]:
    """``[func(x) for x in items]`` across processes, in input order; serial for one worker."""
    workers = workers or default_workers()
    if workers == 1 or len(items) <= 1:
        return [func(x) for x in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))
'''

UTILS_INIT = '''\
"""Small helpers shared by the framework."""
'''

SEEDING = '''\
"""One place to seed every random number generator a run may touch."""

from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and hashing; return a NumPy generator for new code."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - legacy code paths in dependencies
    return np.random.default_rng(seed)
'''

TIMING = '''\
"""Timing helpers for profiling pipeline steps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Timer:
    def __init__(self) -> None:
        self.records: dict[str, list[float]] = {}

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.records.setdefault(name, []).append(time.perf_counter() - start)

    def summary(self) -> dict[str, float]:
        return {name: round(sum(times), 4) for name, times in self.records.items()}
'''

CLI = '''\
"""Command line: ``python -m src.tabml.cli run|sweep|plugins``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from src.tabml import config, runner, sweep
from src.tabml.registry import KINDS, registry


def _grid(pairs: list[str]) -> dict[str, list[object]]:
    grid: dict[str, list[object]] = {}
    for pair in pairs:
        key, _, values = pair.partition("=")
        grid[key] = [json.loads(v) for v in values.split(",")]
    return grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tabml")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run one config")
    run_p.add_argument("config", type=Path)
    sweep_p = sub.add_parser("sweep", help="grid sweep over model parameters")
    sweep_p.add_argument("config", type=Path)
    sweep_p.add_argument("--grid", nargs="+", default=[], help="key=v1,v2 (JSON values)")
    sweep_p.add_argument("--metric", default="recall")
    sub.add_parser("plugins", help="list registered plugins")
    args = parser.parse_args(argv)

    if args.command == "plugins":
        runner.load_plugins(["src.tabml.plugins.mlp", "src.tabml.plugins.augment"])
        for kind in KINDS:
            print(f"{kind}: {', '.join(registry.names(kind))}")
        return 0
    cfg = config.load(args.config)
    if args.command == "run":
        result = runner.run(cfg)
        print(json.dumps({"run_id": result["run_id"], "metrics": result["metrics"]}, indent=2))
        return 0
    results = sweep.sweep(cfg, _grid(args.grid), args.metric)
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''

DESIGN_DOC = """\
# tabml design

## Goals

1. **Extensible**: every component (data source, transform, model, metric, callback) is a
   plugin; adding one never requires changing the core.
2. **Declarative**: a run is fully described by a TOML config, so runs are comparable,
   reproducible and sweepable.
3. **Traceable**: every run gets an id derived from its config, and its metrics and artefacts
   are stored under that id.
4. **Scalable**: steps are a DAG, so independent steps (and sweep variants) can run in
   parallel, locally today and on remote workers later.

## Components

| layer | module | responsibility |
|---|---|---|
| contracts | `base.py` | abstract base classes and the `Dataset` container |
| discovery | `registry.py` | decorator registration, namespaces, plugin loading |
| configuration | `config.py` | TOML parsing and validation into typed sections |
| data | `plugins/sources.py`, `schema.py`, `cache.py` | loading, schema checks, caching |
| features | `plugins/transforms.py`, `plugins/augment.py` | fit/transform steps, augmentation |
| models | `plugins/mlp.py` (and more) | fit / predict_proba |
| training | `training.py`, `callbacks.py`, `events.py` | epoch loop, callbacks, event bus |
| execution | `pipeline.py`, `runner.py`, `parallel.py`, `sweep.py` | DAG, runs, sweeps |
| persistence | `tracking.py`, `serialization.py` | run tracking, saved runs with checksums |
| interface | `cli.py` | `run`, `sweep`, `plugins` commands |

## Data flow

```
config ─► registry.create(...) ─► source.load("train") ─► transforms.fit_transform
       ─► model.fit(train, valid) ─► FittedPipeline ─► metrics on dev ─► tracker
```

## Decisions

- **Plain Python ABCs over a third-party plugin system**: no extra dependency, and the
  contracts are visible in one file.
- **TOML over YAML**: in the standard library since Python 3.11.
- **Namespaced plugin names**: contributed plugins can never shadow built-in ones.
- **Content-addressed run ids**: the same config always maps to the same run folder.

## Open items

- Model plugins: deep MLP first, then linear and tree models.
- Remote execution backend for `parallel.py`.
"""

TRAIN = '''\
"""Train with tabml: ``python -m src.train [--config configs/mlp.toml]``."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

from src.tabml import config, runner

MODEL = Path("models/model.pkl")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Run a tabml config and save the model.")
    parser.add_argument("--config", type=Path, default=Path("configs/mlp.toml"))
    args = parser.parse_args(argv)

    cfg = config.load(args.config)
    result = runner.run(cfg)
    fitted = result["model"]
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    features = list(runner.registry.create("source", cfg.source.name, **cfg.source.params)
                    .load("train").features.columns)
    with MODEL.open("wb") as fh:
        pickle.dump({"features": features, "model": fitted}, fh)
    summary = {"run_id": result["run_id"], "config": str(args.config), "metrics": result["metrics"]}
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
'''

MLP_TOML = """\
plugins = ["src.tabml.plugins.mlp"]
metrics = ["recall", "precision", "f1", "roc_auc"]

[source]
name = "csv"
root = "data"
id_column = "id"
target = "malignant"

[[transforms]]
name = "median_impute"

[[transforms]]
name = "standardize"

[model]
name = "mlp"
layers = [256, 128, 64]
lr = 0.001
alpha = 0.0001
batch_size = 32
epochs = 200
seed = 0

[[callbacks]]
name = "early_stopping"
patience = 15

[[callbacks]]
name = "cosine_lr"
lr = 0.001

[[callbacks]]
name = "history"

[training]
validation_fraction = 0.15
seed = 0
"""

LOGISTIC_TOML = """\
plugins = ["src.tabml.plugins.linear"]
metrics = ["recall", "precision", "f1", "roc_auc"]

[source]
name = "csv"
root = "data"
id_column = "id"
target = "malignant"

[[transforms]]
name = "median_impute"

[[transforms]]
name = "standardize"

[model]
name = "logistic"
C = 1.0
seed = 0

[training]
validation_fraction = 0.15
seed = 0
"""

MLP_DEEP_TOML = """\
plugins = ["src.tabml.plugins.mlp"]
metrics = ["recall", "precision", "f1", "roc_auc"]

[source]
name = "csv"
root = "data"
id_column = "id"
target = "malignant"

[[transforms]]
name = "median_impute"

[[transforms]]
name = "standardize"

[model]
name = "mlp"
layers = [512, 256, 128, 64]
lr = 0.001
alpha = 0.001
batch_size = 32
epochs = 200
seed = 0

[[callbacks]]
name = "early_stopping"
patience = 15

[[callbacks]]
name = "cosine_lr"
lr = 0.001

[[callbacks]]
name = "history"

[training]
validation_fraction = 0.15
seed = 0
"""

TEST_REGISTRY = """\
import pytest

from src.tabml.base import Model
from src.tabml.registry import Registry, RegistryError


class Dummy(Model):
    def fit(self, data, valid=None):
        return self

    def predict_proba(self, features):
        return None


def test_register_and_create():
    reg = Registry()
    reg.register("model", "dummy")(Dummy)
    model = reg.create("model", "dummy", depth=3)
    assert isinstance(model, Dummy)
    assert model.params == {"depth": 3}


def test_unknown_names_and_kinds_are_errors():
    reg = Registry()
    with pytest.raises(RegistryError, match="no model named 'missing'"):
        reg.get("model", "missing")
    with pytest.raises(RegistryError, match="unknown kind"):
        reg.register("optimizer", "adam")


def test_duplicate_registration_is_refused():
    reg = Registry()
    reg.register("model", "dummy")(Dummy)
    with pytest.raises(RegistryError, match="already registered"):
        reg.register("model", "dummy")(type("Other", (Dummy,), {}))
"""

TEST_NAMESPACES = """\
from src.tabml.base import Model
from src.tabml.registry import Registry


class A(Model):
    def fit(self, data, valid=None):
        return self

    def predict_proba(self, features):
        return None


class B(A):
    pass


def test_bare_names_resolve_core_first():
    reg = Registry()
    reg.register("model", "net", namespace="contrib")(B)
    reg.register("model", "net")(A)
    assert reg.get("model", "net") is A
    assert reg.get("model", "contrib/net") is B
"""

TEST_CONFIG = """\
import pytest

from src.tabml.config import ConfigError, parse


def test_minimal_config():
    cfg = parse({"source": {"name": "csv"}, "model": {"name": "mlp", "layers": [8]}})
    assert cfg.model.params == {"layers": [8]}
    assert cfg.training.epochs == 200


def test_unknown_section_is_an_error():
    with pytest.raises(ConfigError, match="unknown section"):
        parse({"source": {"name": "csv"}, "model": {"name": "mlp"}, "optimiser": {}})


def test_missing_model_is_an_error():
    with pytest.raises(ConfigError, match="missing .model."):
        parse({"source": {"name": "csv"}})
"""

TEST_PIPELINE = """\
import pytest

from src.tabml.pipeline import Pipeline


def test_steps_run_in_dependency_order():
    pipe = Pipeline()
    pipe.step("b", needs=["a"])(lambda a: a + 1)
    pipe.step("a")(lambda: 1)
    assert pipe.run() == {"a": 1, "b": 2}


def test_unknown_dependency_is_an_error():
    pipe = Pipeline()
    pipe.step("b", needs=["zzz"])(lambda z: z)
    with pytest.raises(ValueError, match="unknown dependencies"):
        pipe.run()
"""

TEST_SCHEMA = """\
import pandas as pd

from src.tabml.schema import infer_schema, validate


def test_schema_accepts_its_own_data_and_flags_changes():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.1, None, 0.3]})
    schema = infer_schema(frame)
    assert validate(frame, schema).ok
    changed = pd.DataFrame({"a": [1.0, None, 30.0], "c": [1, 2, 3]})
    problems = validate(changed, schema).problems
    assert "missing columns: ['b']" in problems
    assert "unexpected columns: ['c']" in problems
    assert any(p.startswith("a: missing values") for p in problems)
    assert any(p.startswith("a: 1 value(s) outside") for p in problems)
"""

TEST_CACHE = """\
import pandas as pd

from src.tabml.cache import DiskCache, fingerprint


def test_cache_reuses_results_for_the_same_input(tmp_path):
    cache = DiskCache(tmp_path)
    calls = []

    @cache.cached("double")
    def double(frame):
        calls.append(1)
        return frame * 2

    frame = pd.DataFrame({"a": [1, 2]})
    assert double(frame).equals(double(frame))
    assert len(calls) == 1 and cache.hits == 1
    assert fingerprint(frame) != fingerprint(frame + 1)
"""

REGISTRY_V1 = '''\
"""The plugin registry: components register under a kind and a name, configs refer to them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from src.tabml.base import Callback, Component, DataSource, Metric, Model, Transform

KINDS: dict[str, type[Component]] = {
    "source": DataSource,
    "transform": Transform,
    "model": Model,
    "metric": Metric,
    "callback": Callback,
}

C = TypeVar("C", bound=type[Component])


class RegistryError(KeyError):
    pass


class Registry:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, type[Component]]] = {k: {} for k in KINDS}

    def register(self, kind: str, name: str) -> Callable[[C], C]:
        """Class decorator: ``@registry.register("model", "mlp")``."""
        if kind not in KINDS:
            raise RegistryError(f"unknown kind {kind!r}; expected one of {sorted(KINDS)}")

        def deco(cls: C) -> C:
            if not issubclass(cls, KINDS[kind]):
                raise TypeError(f"{cls.__name__} is not a {KINDS[kind].__name__}")
            if name in self._items[kind]:
                raise RegistryError(f"{kind} {name!r} is already registered")
            cls.name = name
            self._items[kind][name] = cls
            return cls

        return deco

    def get(self, kind: str, name: str) -> type[Component]:
        try:
            return self._items[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._items.get(kind, {}))) or "none"
            raise RegistryError(f"no {kind} named {name!r} (known: {known})") from None

    def create(self, kind: str, name: str, **params: Any) -> Component:
        return self.get(kind, name).from_config(params)

    def names(self, kind: str) -> list[str]:
        return sorted(self._items[kind])


registry = Registry()


def load_plugins(modules: list[str]) -> None:
    """Import plugin modules so that their decorators run."""
    for module in modules:
        importlib.import_module(module)
'''


# --------------------------------------------------------------------------- the story


def build_over_engineer(dest: Path, *, starter: Path | None, start: datetime) -> PersonaRepo:
    """Build the over-engineer's repository at ``dest`` (see the module docstring).

    Args:
        dest: a new or empty folder.
        starter: the starter kit's git repository to start from, or ``None``.
        start: the trial's start (timezone-aware).

    Raises:
        UsageError: ``dest`` is not empty or ``start`` is naive.
        GitCommandError: git failed.
    """
    s = Story(dest, starter=starter, start=start, author=AUTHOR)

    s.commit(
        "Initial project structure: tabml package, pyproject, abstract base classes",
        {
            "pyproject.toml": PYPROJECT,
            "requirements.txt": REQUIREMENTS,
            "src/tabml/__init__.py": PKG_INIT,
            "src/tabml/base.py": BASE,
        },
        at=clock(0, "10:30"),
    )
    s.commit(
        "Add plugin registry with decorator-based registration",
        {"src/tabml/registry.py": REGISTRY_V1},
        at=clock(0, "16:00"),
    )
    s.commit(
        "Add TOML config system with schema validation",
        {"src/tabml/config.py": CONFIG, "configs/example.toml": EXAMPLE_TOML},
        at=clock(1, "11:20"),
    )
    s.commit(
        "Add data source abstraction and CSV source plugin",
        {"src/tabml/plugins/__init__.py": PLUGINS_INIT_V1, "src/tabml/plugins/sources.py": SOURCES},
        at=clock(1, "16:40"),
    )
    s.commit(
        "Add design document for the framework architecture",
        {"docs/architecture.md": DESIGN_DOC},
        at=clock(1, "18:10"),
    )
    s.commit(
        "Add transform plugins with a fit/transform protocol",
        {
            "src/tabml/plugins/__init__.py": PLUGINS_INIT_V2,
            "src/tabml/plugins/transforms.py": TRANSFORMS,
        },
        at=clock(2, "10:50"),
    )
    s.commit(
        "Add tests for the registry and the config system",
        {
            "tests/test_registry.py": TEST_REGISTRY.replace('"no model named', '"no model named'),
            "tests/test_config.py": TEST_CONFIG,
            "pytest.ini": PYTEST_INI,
        },
        at=clock(2, "15:30"),
    )
    s.commit(
        "Add data schema inference and validation",
        {"src/tabml/schema.py": SCHEMA, "tests/test_schema.py": TEST_SCHEMA},
        at=clock(2, "17:20"),
    )
    s.update(
        at=clock(2, "17:45"),
        done="Core of the framework: base classes, plugin registry, TOML configs, CSV source, "
        "transforms, tests.",
        next="Deep MLP model plugin and a generic training loop.",
        blockers="None.",
    )
    s.commit(
        "Add deep MLP model plugin with a generic epoch-based trainer",
        {"src/tabml/plugins/mlp.py": MLP, "src/tabml/training.py": TRAINING},
        at=clock(3, "11:40"),
    )
    s.feedback(
        at=clock(3, "16:20"),
        received=clock(3, "09:30"),
        checkpoint="day 3",
        text="We have not seen a number on dev yet, and this checkpoint asked for a first "
        "baseline. Please get a simple model scored on dev before building more.",
        response="Understood. The training loop lands tomorrow; after that any model, a "
        "baseline included, is one config file, and I will share dev numbers then.",
    )
    s.commit(
        "Add callbacks (early stopping, cosine LR, history) and metric plugins",
        {
            "src/tabml/callbacks.py": CALLBACKS,
            "src/tabml/plugins/metrics.py": METRICS,
            "src/tabml/plugins/__init__.py": PLUGINS_INIT_V3,
        },
        at=clock(4, "10:30"),
    )
    s.commit(
        "Add experiment tracker interface with a file backend",
        {"src/tabml/tracking.py": TRACKING, "src/tabml/events.py": EVENTS},
        at=clock(4, "16:10"),
    )
    s.update(
        at=clock(4, "17:50"),
        done="Training loop with callbacks, metric plugins, tracking backend.",
        next="Namespaced plugins so contributed plugins cannot shadow built-in ones; a DAG "
        "executor for runs.",
        blockers="None.",
    )
    s.commit(
        "Refactor registry to support namespaced plugins",
        {"src/tabml/registry.py": REGISTRY_V2, "tests/test_namespaces.py": TEST_NAMESPACES},
        at=clock(5, "14:20"),
    )
    s.commit(
        "Add content-addressed disk cache for datasets and transforms",
        {"src/tabml/cache.py": CACHE, "tests/test_cache.py": TEST_CACHE},
        at=clock(5, "17:00"),
    )
    s.commit(
        "Add pipeline DAG executor",
        {"src/tabml/pipeline.py": PIPELINE, "tests/test_pipeline.py": TEST_PIPELINE},
        at=clock(6, "15:00"),
    )
    s.commit(
        "Add run serialization with a manifest and checksums",
        {"src/tabml/serialization.py": SERIALIZATION},
        at=clock(6, "16:30"),
    )
    s.commit(
        "Add tabular augmentation transforms (Gaussian noise, mixup)",
        {"src/tabml/plugins/augment.py": AUGMENT},
        at=clock(6, "18:15"),
    )
    s.commit(
        "Add hyperparameter sweep runner with process-pool execution",
        {"src/tabml/sweep.py": SWEEP, "src/tabml/parallel.py": PARALLEL},
        at=clock(7, "14:10"),
    )
    s.commit(
        "Add command-line interface and seeding/timing utilities",
        {
            "src/tabml/cli.py": CLI,
            "src/tabml/utils/__init__.py": UTILS_INIT,
            "src/tabml/utils/seeding.py": SEEDING,
            "src/tabml/utils/timing.py": TIMING,
        },
        at=clock(7, "17:40"),
    )
    wired = s.commit(
        "Wire tabml into src.train: first end-to-end run with the MLP",
        {
            "src/tabml/runner.py": RUNNER,
            "src/train.py": TRAIN,
            "configs/mlp.toml": MLP_TOML,
            "configs/example.toml": None,
        },
        at=clock(8, "10:40"),
    )
    s.experiment(
        at=clock(8, "11:00"),
        commit=wired,
        change="MLP 256-128-64, Adam, batch 32, early stopping (patience 15), cosine LR.",
        params={"config": "configs/mlp.toml", "layers": [256, 128, 64]},
        metrics={"recall": 0.857, "precision": 0.947, "f1": 0.9, "roc_auc": 0.955},
        result="First end-to-end run of the framework.",
    )
    s.feedback(
        at=clock(8, "11:30"),
        received=clock(7, "09:30"),
        checkpoint="day 7",
        text="Still no result on dev at day 7 of 10. Please prioritise a working model and the "
        "submission interface over framework features.",
        response="Done: the framework now runs end to end through `python -m src.train`; the "
        "MLP scores recall 0.857 on dev.",
        commits=[wired],
    )
    linear = s.commit(
        "Add logistic regression plugin for comparison",
        {
            "src/tabml/plugins/linear.py": LINEAR,
            "configs/logistic.toml": LOGISTIC_TOML,
        },
        at=clock(8, "15:20"),
    )
    s.experiment(
        at=clock(8, "15:40"),
        commit=linear,
        change="Logistic regression plugin, same transforms.",
        params={"config": "configs/logistic.toml"},
        metrics={"recall": 0.81, "precision": 1.0, "f1": 0.895, "roc_auc": 0.988},
        result="Lower recall than the MLP.",
    )
    deep = s.commit(
        "Add a deeper MLP config",
        {"configs/mlp_deep.toml": MLP_DEEP_TOML},
        at=clock(8, "17:30"),
    )
    s.experiment(
        at=clock(8, "18:10"),
        commit=deep,
        change="MLP 512-256-128-64, alpha 1e-3.",
        params={"config": "configs/mlp_deep.toml", "layers": [512, 256, 128, 64]},
        metrics={"recall": 0.833, "precision": 0.897, "f1": 0.864, "roc_auc": 0.941},
        result="Worse than the 3-layer MLP.",
    )
    s.commit(
        "Write README: architecture, plugins, configuration, results",
        {"README.md": README_ARCH},
        at=clock(9, "11:30"),
    )
    s.update(
        at=clock(9, "12:00"),
        done="Framework complete and wired into the submission interface; MLP is the default "
        "model (dev recall 0.857, precision 0.947). README documents the architecture.",
        next="PyTorch backend, Bayesian sweeps.",
        blockers="None.",
    )
    s.commit("Add progress update", at=clock(9, "12:05"))
    return s.finish(name=NAME, title=TITLE, duration_days=TRIAL.duration_days)
