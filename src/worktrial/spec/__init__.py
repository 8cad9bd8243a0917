"""Trial specs: the model, loading with precise errors, the JSON Schema and built-in templates."""

from worktrial.spec._model import DEFAULT_WEIGHTS, SPEC_VERSION, TrialSpec

__all__ = ["DEFAULT_WEIGHTS", "SPEC_VERSION", "TrialSpec"]
