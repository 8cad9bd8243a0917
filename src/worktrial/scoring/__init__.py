"""Hidden-holdout scoring: the run plan of a submission, its checks and its measurements.

- :func:`run_submission` runs one submission through the trial's plan in a sandbox (export,
  tests, training, prediction on hidden features, scoring on hidden labels on the host,
  latency, reproducibility) and returns a :class:`RunReport`; ``RunReport.measurements()``
  feeds the rubric.
- :func:`validate_predictions` reads the file a predict command wrote, as untrusted input,
  and aligns it with the holdout ids; :func:`prediction_format` says what a trial expects.
- :func:`score_predictions` computes a trial's metrics with NumPy (the values scikit-learn
  gives, much faster); :func:`compute_metric` computes one.
- :func:`holdout_part` says which rows make the dev and the final split;
  :class:`QuotaLedger` counts a candidate's dev-split runs.
"""

from worktrial.scoring._holdout import DEV_FRACTION, SPLITS, HoldoutPart, Split, holdout_part
from worktrial.scoring._junit import TestCounts, parse_junit
from worktrial.scoring._metrics import compute_metric, score_predictions
from worktrial.scoring._predictions import (
    PredictionFormat,
    Predictions,
    max_prediction_bytes,
    prediction_format,
    validate_predictions,
)
from worktrial.scoring._quota import QuotaLedger, QuotaUsage
from worktrial.scoring._report import RunReport, StepLog, StepStatus
from worktrial.scoring._run import RUN_TOOLS, environment_requirements, run_submission

__all__ = [
    "DEV_FRACTION",
    "RUN_TOOLS",
    "SPLITS",
    "HoldoutPart",
    "PredictionFormat",
    "Predictions",
    "QuotaLedger",
    "QuotaUsage",
    "RunReport",
    "Split",
    "StepLog",
    "StepStatus",
    "TestCounts",
    "compute_metric",
    "environment_requirements",
    "holdout_part",
    "max_prediction_bytes",
    "parse_junit",
    "prediction_format",
    "run_submission",
    "score_predictions",
    "validate_predictions",
]
