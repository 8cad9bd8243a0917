"""The trial spec: what a company declares about one trial (``trial.toml``).

The model is strict (unknown keys are errors) so that a typo in a spec is caught when the trial
is created, not when the first candidate submits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Checkpoint(_Strict):
    day: int = Field(ge=0, description="Day of the trial (0 = start) when the checkpoint is held.")
    purpose: str = Field(
        min_length=1, description="What the company reviews and gives feedback on."
    )


class Compensation(_Strict):
    amount: float = Field(gt=0, description="What the candidate is paid for the trial.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")
    basis: Literal["fixed", "hourly", "daily"] = "fixed"
    expected_hours: float = Field(gt=0, description="Hours of work the trial is scoped for.")
    hourly_floor: float = Field(
        gt=0, description="Minimum effective hourly rate; the spec is rejected below it."
    )


class DataFile(_Strict):
    path: str = Field(min_length=1, description="Path relative to the bundle folder.")
    role: Literal["train", "dev", "holdout_features", "holdout_labels", "batch", "other"]
    hidden: bool = Field(
        default=False, description="Hidden files never leave the company side (holdout)."
    )
    description: str = ""


class Data(_Strict):
    target: str = Field(min_length=1, description="Name of the label column.")
    id_column: str = Field(default="id", min_length=1)
    files: list[DataFile] = Field(min_length=1)


class Metric(_Strict):
    name: str = Field(
        min_length=1, description="A metric worktrial knows, e.g. recall, f1, roc_auc."
    )
    baseline: float | None = Field(
        default=None, description="What the reference baseline solution scores on the holdout."
    )
    target: float | None = Field(default=None, description="What a strong submission scores.")


class Floor(_Strict):
    metric: str = Field(min_length=1)
    min: float


class PrimaryMetric(Metric):
    priority: str = Field(
        min_length=1,
        description="The business reason this metric matters, in the company's words.",
    )
    floors: list[Floor] = Field(
        default_factory=list, description="Other metrics that must stay above a minimum."
    )


class Constraints(_Strict):
    latency_p95_ms: float | None = Field(default=None, gt=0)
    latency_batch_rows: int = Field(default=1, ge=1, description="Rows per timed predict call.")
    peak_memory_mb: float | None = Field(default=None, gt=0)
    model_size_mb: float | None = Field(default=None, gt=0)
    training_time_s: float | None = Field(default=None, gt=0)


class Interface(_Strict):
    train: str | None = Field(default=None, description="Command that trains; None if not rerun.")
    predict: str = Field(
        min_length=1,
        description="Command with {input} and {output} placeholders that writes predictions.",
    )
    predictions_column: str = "prediction"

    @model_validator(mode="after")
    def _placeholders(self) -> Interface:
        for name in ("{input}", "{output}"):
            if name not in self.predict:
                raise ValueError(f"predict command must contain the placeholder {name}")
        return self


class Quotas(_Strict):
    dev_per_day: int = Field(default=5, ge=0)
    total: int = Field(default=30, ge=0)


class Reproducibility(_Strict):
    rerun: bool = False
    tolerance: float = Field(default=0.01, ge=0)


class TrialSpec(_Strict):
    """A whole trial, as declared in ``trial.toml``."""

    spec_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Slug, unique per company.")
    title: str = Field(min_length=1)
    kind: Literal["classification", "improve-baseline", "monitoring", "regression", "other"]
    duration_days: int = Field(ge=1, le=60, description="Calendar days from start to deadline.")
    brief: str = Field(default="brief.md", description="The brief, relative to the bundle.")
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    compensation: Compensation
    data: Data
    primary_metric: PrimaryMetric
    secondary_metrics: list[Metric] = Field(default_factory=list)
    constraints: Constraints = Constraints()
    interface: Interface
    weights: dict[Dimension, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    quotas: Quotas = Quotas()
    reproducibility: Reproducibility = Reproducibility()
    starter_commits: list[str] = Field(
        default_factory=list,
        description="Commit hashes of the starter repository; never counted as the candidate's.",
    )
    environment: list[str] = Field(
        default_factory=list, description="Python requirements the sandbox environment provides."
    )

    def weight(self, dimension: Dimension) -> float:
        """The weight of ``dimension`` in this trial (the RUBRIC.md default when not set)."""
        return self.weights.get(dimension, DEFAULT_WEIGHTS[dimension])
