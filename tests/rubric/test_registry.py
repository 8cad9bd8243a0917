"""The signal registry and the decorator's checks."""

from __future__ import annotations

import pytest

from worktrial.rubric import REGISTRY, Context, SignalResult, signal


def _doc(ctx: Context) -> SignalResult:
    """Documented."""
    raise AssertionError("never called")


def _undocumented(ctx: Context) -> SignalResult:
    raise AssertionError("never called")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("Framing.x", "framing", 1.0),
            "signal id 'Framing.x': expected '<dimension>.<name>' in lower snake case",
        ),
        (
            ("framing", "framing", 1.0),
            "signal id 'framing': expected '<dimension>.<name>' in lower snake case",
        ),
        (
            ("style.x", "style", 1.0),
            "signal 'style.x': expected a dimension in ('output', 'framing', 'iteration', "
            "'discipline', 'communication', 'decisions'), got 'style'",
        ),
        (
            ("framing.x", "iteration", 1.0),
            "signal 'framing.x': the id's prefix 'framing' does not match dimension 'iteration'",
        ),
        (("framing.x", "framing", 0.0), "signal 'framing.x': expected a weight > 0, got 0.0"),
    ],
)
def test_signal_rejects_bad_declarations(args: tuple[str, str, float], message: str) -> None:
    sid, dimension, weight = args
    with pytest.raises(ValueError) as err:
        signal(sid, dimension=dimension, title="T", weight=weight)
    assert str(err.value) == message


def test_signal_rejects_duplicates_and_missing_docstrings() -> None:
    before = dict(REGISTRY)
    with pytest.raises(ValueError) as err:
        signal("framing.elements", dimension="framing", title="T", weight=1.0)(_doc)
    assert str(err.value) == "signal 'framing.elements' is already registered"
    with pytest.raises(ValueError) as err:
        signal("framing.zz_undocumented", dimension="framing", title="T", weight=1.0)(_undocumented)
    assert str(err.value) == (
        "signal 'framing.zz_undocumented': _undocumented has no docstring to document it"
    )
    with pytest.raises(ValueError) as err:
        signal("framing.zz_untitled", dimension="framing", title=" ", weight=1.0)
    assert str(err.value) == "signal 'framing.zz_untitled': expected a non-empty title"
    assert before == REGISTRY


def test_registry_is_in_dimension_order() -> None:
    from worktrial.rubric import DIMENSIONS

    order = [DIMENSIONS.index(s.dimension) for s in REGISTRY.values()]
    assert order == sorted(order)
    assert all(s.id.startswith(s.dimension + ".") for s in REGISTRY.values())
