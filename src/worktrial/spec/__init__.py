"""Trial specs: the model, loading with precise errors, the JSON Schema and built-in templates.

A trial is a folder (a *bundle*): ``trial.toml``, the brief, public data, a hidden holdout, the
company's reference solution and a starter repository for candidates.

- :func:`load_spec` / :func:`loads_spec` / :func:`validate_spec` read and check a spec; every
  problem is one line naming the file, the key, what was expected and what was found.
- :func:`load_bundle` checks a whole bundle; :func:`export_candidate_kit` writes what a
  candidate receives (never a hidden file); :func:`init_starter_repo` makes the starter
  repository with a deterministic commit hash.
- :data:`TEMPLATES` and :func:`new_from_template` create complete bundles from scikit-learn's
  bundled datasets.
- :data:`METRICS` lists the metrics a spec may name, with their direction.
"""

from worktrial.spec._bundle import CandidateKit, TrialBundle, export_candidate_kit, load_bundle
from worktrial.spec._checks import effective_hourly_rate
from worktrial.spec._load import SPEC_FILE, load_spec, loads_spec, spec_json_schema, validate_spec
from worktrial.spec._metrics import METRICS, MetricInfo
from worktrial.spec._model import DEFAULT_WEIGHTS, SPEC_VERSION, TrialSpec
from worktrial.spec._starter import init_starter_repo
from worktrial.spec._templates import TEMPLATES, Template, new_from_template
from worktrial.spec._toml import spec_to_toml

__all__ = [
    "DEFAULT_WEIGHTS",
    "METRICS",
    "SPEC_FILE",
    "SPEC_VERSION",
    "TEMPLATES",
    "CandidateKit",
    "MetricInfo",
    "Template",
    "TrialBundle",
    "TrialSpec",
    "effective_hourly_rate",
    "export_candidate_kit",
    "init_starter_repo",
    "load_bundle",
    "load_spec",
    "loads_spec",
    "new_from_template",
    "spec_json_schema",
    "spec_to_toml",
    "validate_spec",
]
