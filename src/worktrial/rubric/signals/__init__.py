"""The registered signals, one module per dimension. Importing this package registers them."""

from worktrial.rubric._registry import REGISTRY as _REGISTRY
from worktrial.rubric._types import DIMENSIONS as _DIMENSIONS
from worktrial.rubric.signals import (
    communication,
    decisions,
    discipline,
    framing,
    iteration,
    output,
)

__all__ = ["communication", "decisions", "discipline", "framing", "iteration", "output"]

# Registration follows the import order above; scorecards and docs read dimensions in the
# rubric's order, so keep the registry in that order too (stable within a dimension).
_ordered = sorted(_REGISTRY.items(), key=lambda item: _DIMENSIONS.index(item[1].dimension))
_REGISTRY.clear()
_REGISTRY.update(_ordered)
