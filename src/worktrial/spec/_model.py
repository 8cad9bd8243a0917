"""The trial spec: what a company declares about one trial (``trial.toml``).

The model is strict (unknown keys are errors) so that a typo in a spec is caught when the trial
is created, not when the first candidate submits.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

SPEC_VERSION = 1

Dimension = Literal[
    "output",
    "framing",
    "iteration",
    "discipline",
    "communication",
    "decisions",
]

# RUBRIC.md: output is medium (1), the five process dimensions are high (2).
DEFAULT_WEIGHTS: dict[Dimension, float] = {
    "output": 1.0,
    "framing": 2.0,
    "iteration": 2.0,
    "discipline": 2.0,
    "communication": 2.0,
    "decisions": 2.0,
}


# The error type the loader recognises: ``ctx["expected"]`` says, in words, what would be right.
EXPECTED_ERROR = "worktrial_expected"


def _expected(expected: str) -> PydanticCustomError:
    return PydanticCustomError(EXPECTED_ERROR, "expected {expected}", {"expected": expected})


def _relative_path(value: str) -> str:
    # Bundle paths are joined to the bundle folder; an absolute path or '..' would let a spec
    # point at (and a kit export copy) files outside it.
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "~")) or ".." in parts or ":" in parts[0]:
        raise _expected("a path inside the bundle folder (relative, without '..')")
    return value


BundlePath = Annotated[str, AfterValidator(_relative_path)]


def _placeholders(command: str) -> str:
    if "{input}" not in command or "{output}" not in command:
        raise _expected("a command containing the placeholders {input} and {output}")
    return command


PredictCommand = Annotated[str, AfterValidator(_placeholders)]

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _function_ref(value: str) -> str:
    module, sep, name = value.partition(":")
    if not sep or not _DOTTED.match(module) or not name.isidentifier():
        raise _expected("a Python function as module:function, e.g. src.predict:predict_frame")
    return value


FunctionRef = Annotated[str, AfterValidator(_function_ref)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Checkpoint(_Strict):
    day: int = Field(ge=0, description="Day of the trial (0 = start) when the checkpoint is held.")
    purpose: str = Field(
        min_length=1, description="What the company reviews and gives feedback on."
    )


class Compensation(_Strict):
    amount: float = Field(
        gt=0, description="What the candidate is paid: the total (fixed), per hour or per day."
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")
    basis: Literal["fixed", "hourly", "daily"] = Field(
        default="fixed", description="What ``amount`` pays for: the whole trial, an hour or a day."
    )
    expected_hours: float = Field(gt=0, description="Hours of work the trial is scoped for.")
    hourly_floor: float = Field(
        gt=0, description="Minimum effective hourly rate; the spec is rejected below it."
    )


class DataFile(_Strict):
    path: BundlePath = Field(min_length=1, description="Path relative to the bundle folder.")
    role: Literal["train", "dev", "holdout_features", "holdout_labels", "batch", "other"] = Field(
        description="What the file is for; scoring feeds holdout_features to the predict command "
        "and compares its output with holdout_labels."
    )
    hidden: bool = Field(
        default=False, description="Hidden files never leave the company side (holdout)."
    )
    description: str = Field(default="", description="One line for the data listing.")


class Data(_Strict):
    target: str = Field(min_length=1, description="Name of the label column.")
    id_column: str = Field(
        default="id", min_length=1, description="Column that identifies a row in every file."
    )
    group_column: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "When predictions are made per group of rows (a production batch), the feature "
            "column naming the group: the labels and the predictions are keyed by it, and the "
            "dev/final split keeps each group whole."
        ),
    )
    files: list[DataFile] = Field(min_length=1, description="Every data file of the bundle.")


class Metric(_Strict):
    name: str = Field(
        min_length=1, description="A metric worktrial knows, e.g. recall, f1, roc_auc."
    )
    baseline: float | None = Field(
        default=None, description="What the reference baseline solution scores on the holdout."
    )
    target: float | None = Field(default=None, description="What a strong submission scores.")


class Floor(_Strict):
    metric: str = Field(min_length=1, description="A metric worktrial knows.")
    min: float = Field(description="The lowest acceptable value of that metric on the holdout.")


class PrimaryMetric(Metric):
    priority: str = Field(
        min_length=1,
        description="The business reason this metric matters, in the company's words.",
    )
    floors: list[Floor] = Field(
        default_factory=list, description="Other metrics that must stay above a minimum."
    )


class Constraints(_Strict):
    latency_p95_ms: float | None = Field(
        default=None, gt=0, description="95th percentile of one timed predict call, milliseconds."
    )
    latency_batch_rows: int = Field(default=1, ge=1, description="Rows per timed predict call.")
    peak_memory_mb: float | None = Field(
        default=None, gt=0, description="Peak resident memory of the predict command, MB."
    )
    model_size_mb: float | None = Field(
        default=None, gt=0, description="Size on disk of the trained model artifacts, MB."
    )
    training_time_s: float | None = Field(
        default=None, gt=0, description="Wall-clock time of the train command, seconds."
    )


class Interface(_Strict):
    train: str | None = Field(default=None, description="Command that trains; None if not rerun.")
    predict: PredictCommand = Field(
        min_length=1,
        description="Command with {input} and {output} placeholders that writes predictions.",
    )
    predictions_column: str = Field(
        default="prediction", min_length=1, description="Column of the predictions file."
    )
    predict_function: FunctionRef | None = Field(
        default=None,
        description="module:function importable from the repository root, called with a pandas "
        "DataFrame of features and returning one prediction per row; used to time latency "
        "in-process (without interpreter start-up).",
    )


class Quotas(_Strict):
    dev_per_day: int = Field(default=5, ge=0, description="Dev-split scorings per day.")
    total: int = Field(default=30, ge=0, description="Dev-split scorings over the whole trial.")


class Reproducibility(_Strict):
    rerun: bool = Field(
        default=False, description="Whether the sandbox reruns training before scoring."
    )
    tolerance: float = Field(
        default=0.01,
        ge=0,
        description="Largest accepted gap between the reported and the rerun primary metric.",
    )


class Solution(_Strict):
    dir: BundlePath = Field(
        default="solution",
        min_length=1,
        description="Folder of the company's reference baseline solution.",
    )
    train: str | None = Field(
        default=None, description="Command, run from the bundle folder, that trains it."
    )
    predict: PredictCommand | None = Field(
        default=None,
        description="Command, run from the bundle folder, with {input} and {output} placeholders.",
    )


CommitSha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")]


class TrialSpec(_Strict):
    """A whole trial, as declared in ``trial.toml``."""

    spec_version: Literal[1] = Field(default=1, description="Version of this format.")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Slug, unique per company.")
    title: str = Field(min_length=1, description="The trial's name as candidates see it.")
    kind: Literal["classification", "improve-baseline", "monitoring", "regression", "other"] = (
        Field(description="The shape of the task; built-in templates exist for the first three.")
    )
    duration_days: int = Field(ge=1, le=60, description="Calendar days from start to deadline.")
    brief: BundlePath = Field(
        default="brief.md", min_length=1, description="The brief, relative to the bundle."
    )
    starter: BundlePath = Field(
        default="starter",
        min_length=1,
        description="Folder whose files become the first commit of every candidate's repository.",
    )
    checkpoints: list[Checkpoint] = Field(
        default_factory=list, description="Reviews during the trial, each with feedback."
    )
    compensation: Compensation = Field(description="What the candidate is paid.")
    data: Data = Field(description="The data files and the label column.")
    primary_metric: PrimaryMetric = Field(description="The metric the output is judged on.")
    secondary_metrics: list[Metric] = Field(
        default_factory=list, description="Metrics reported beside the primary one."
    )
    constraints: Constraints = Field(
        default=Constraints(), description="Budgets the sandbox measures."
    )
    interface: Interface = Field(description="How the sandbox trains and predicts.")
    solution: Solution = Field(
        default=Solution(), description="The company's reference baseline solution."
    )
    weights: dict[Dimension, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="Weight of each rubric dimension; missing ones keep the default.",
    )
    quotas: Quotas = Field(default=Quotas(), description="How often candidates may score on dev.")
    reproducibility: Reproducibility = Field(
        default=Reproducibility(), description="Whether and how strictly results are rerun."
    )
    starter_commits: list[CommitSha] = Field(
        default_factory=list,
        description="Commit hashes of the starter repository; never counted as the candidate's.",
    )
    environment: list[str] = Field(
        default_factory=list, description="Python requirements the sandbox environment provides."
    )

    def weight(self, dimension: Dimension) -> float:
        """The weight of ``dimension`` in this trial (the RUBRIC.md default when not set)."""
        return self.weights.get(dimension, DEFAULT_WEIGHTS[dimension])
