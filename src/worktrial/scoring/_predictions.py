"""The predictions file a candidate's predict command writes, checked before anything is scored.

The file is read on the host, from a folder candidate code could write to, so it is read as
untrusted input: its size is checked before a byte is read, links are never followed, and every
way it can be wrong gets its own message that names the file, what was expected and what was
found (the columns present, the row count, the first offending row and id).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from worktrial.errors import ScoringError
from worktrial.scoring._files import Unreadable, read_untrusted
from worktrial.spec import METRICS

if TYPE_CHECKING:
    import pandas as pd

    from worktrial.spec import TrialSpec

Task = Literal["classification", "regression"]
Kind = Literal["labels", "scores"]

# What a predictions file may weigh per holdout row, on top of a fixed allowance: an id, a
# number with full float precision and separators fit in well under 128 bytes.
BYTES_PER_ROW = 128
BASE_BYTES = 1 << 20

# Cells that mean "no value": counted with NaN and infinity, never reported as non-numeric.
_MISSING_WORDS = frozenset({"", "nan", "-nan", "+nan", "na", "n/a", "null", "none"})
_SHOWN = 5


def max_prediction_bytes(rows: int) -> int:
    """The size cap of a predictions file for a holdout of ``rows`` rows."""
    return BASE_BYTES + BYTES_PER_ROW * max(0, rows)


@dataclass(frozen=True, slots=True)
class PredictionFormat:
    """What a trial's predictions must look like.

    Attributes:
        task: classification or regression (from the primary metric).
        kind: ``"labels"`` when any metric of the trial needs class labels (then the file holds
            labels and score-based metrics are computed on them), ``"scores"`` when every
            metric takes a score of class 1.
        probabilities: whether the scores must lie in [0, 1] (log loss, Brier score).
        metrics: every metric scored: the primary, the secondary ones, the floors' (in order,
            each once).
    """

    task: Task
    kind: Kind
    probabilities: bool
    metrics: tuple[str, ...]


def prediction_format(spec: TrialSpec) -> PredictionFormat:
    """The predictions format ``spec`` implies (see :class:`PredictionFormat`).

    Raises:
        ScoringError: the spec names a metric worktrial does not know.
    """
    names = [spec.primary_metric.name]
    names += [m.name for m in spec.secondary_metrics]
    names += [f.metric for f in spec.primary_metric.floors]
    metrics = tuple(dict.fromkeys(names))
    infos = []
    for name in metrics:
        info = METRICS.get(name)
        if info is None:
            raise ScoringError(
                f"{spec.id}: the trial names the metric {name!r}, which worktrial cannot "
                f"compute; expected one of: {', '.join(METRICS)}",
                key=name,
                problem="metric",
            )
        infos.append(info)
    task = METRICS[spec.primary_metric.name].task
    labels = task == "classification" and any(i.input == "labels" for i in infos)
    return PredictionFormat(
        task=task,
        kind="labels" if labels or task == "regression" else "scores",
        probabilities=any(i.name in ("log_loss", "brier_score") for i in infos),
        metrics=metrics,
    )


@dataclass(frozen=True, slots=True)
class Predictions:
    """A checked predictions file, aligned with the holdout.

    Attributes:
        ids: the holdout ids, in holdout order.
        values: one finite prediction per id, aligned with ``ids``.
        path: the file read.
        size_bytes: its size.
    """

    ids: npt.NDArray[np.object_]
    values: npt.NDArray[np.float64]
    path: Path
    size_bytes: int

    def __len__(self) -> int:
        return int(self.values.shape[0])


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _show_id(value: object) -> str:
    text = str(value)
    simple = text and all(c.isalnum() or c in "-_.:" for c in text)
    if len(text) > 40:
        text = text[:39] + "…"
    return text if simple else repr(text)


def _show_ids(values: Iterable[object], total: int) -> str:
    shown = [_show_id(v) for v in list(values)[:_SHOWN]]
    return ", ".join(shown) + (", …" if total > len(shown) else "")


def _columns(found: Sequence[str]) -> str:
    if not found:
        return "none"
    shown = [_show_id(c) for c in found[:10]]
    return ", ".join(shown) + (f", … ({len(found)} columns)" if len(found) > 10 else "")


def _header(text: str) -> list[str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        return []
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(first)))]
    except csv.Error:
        return []


def validate_predictions(
    path: Path,
    *,
    ids: Sequence[str] | npt.NDArray[Any],
    id_column: str,
    column: str,
    task: Task,
    max_bytes: int,
    kind: Kind = "labels",
    probabilities: bool = False,
    root: Path | None = None,
    shown_as: str | None = None,
) -> Predictions:
    """Read and check the predictions file at ``path`` against the holdout ``ids``.

    The checks, in order: the file exists and is a regular file (never a link); its size is
    within ``max_bytes`` (checked before reading); it is UTF-8 CSV text; it has the id and
    prediction columns; no id appears twice; every id is a holdout id; there is one row per
    holdout id; every prediction is a number; none is missing, NaN or infinite; class labels
    are whole numbers and probabilities lie in [0, 1].

    Params:
        path: the predictions file on the host.
        ids: the holdout ids (as text), in holdout order.
        id_column: the id column's name (``data.id_column``).
        column: the predictions column's name (``interface.predictions_column``).
        task: classification or regression.
        max_bytes: the size cap (see :func:`max_prediction_bytes`).
        kind: class ``"labels"`` or ``"scores"`` of class 1 (classification only).
        probabilities: scores must lie in [0, 1].
        root: the job folder ``path`` lies in; no folder on the way may be a link.
        shown_as: how messages name the file's location (the path the command was given).

    Returns:
        The predictions, aligned with ``ids``.

    Raises:
        ScoringError: the first problem found, in words (``fields["problem"]`` names it).
    """
    name = path.name
    where = shown_as or str(path)
    hold = _holdout_index(ids)
    n = len(hold)

    def fail(problem: str, message: str, **fields: Any) -> ScoringError:
        return ScoringError(f"{name}: {message}", path=where, problem=problem, **fields)

    data = read_untrusted(path, max_bytes=max_bytes, root=root)
    if isinstance(data, Unreadable):
        if data.problem == "missing":
            raise fail("missing", f"the predict command wrote no file at {where}")
        if data.problem == "too_large":
            found = _size(data.size) if data.size is not None else data.detail
            raise fail(
                "too_large",
                f"{found}, over the {_size(max_bytes)} cap for the predictions of {n} rows "
                "(the file was not read)",
                expected=max_bytes,
                found=data.size,
            )
        if data.problem == "symlink":
            raise fail(
                "not_file",
                f"{where} is a symbolic link; the predict command must write a regular file",
            )
        raise fail("not_file", f"{where} is {data.detail}; expected a regular CSV file")

    nul = data.find(b"\0")
    if nul >= 0:
        raise fail("not_csv", f"not a CSV file: it holds binary data (a NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        raise fail(
            "not_csv",
            f"not a CSV file: it is not UTF-8 text (byte 0x{bad} at offset {err.start})",
        ) from err
    header = _header(text)
    if not header:
        raise fail(
            "not_csv",
            f"the file is empty; expected a header line '{id_column},{column}' and one row per "
            "holdout id",
        )
    missing = []
    if id_column not in header:
        missing.append(f"no id column {id_column!r} (data.id_column)")
    if column not in header:
        missing.append(f"no prediction column {column!r} (interface.predictions_column)")
    if missing:
        raise fail(
            "columns",
            f"{' and '.join(missing)}; found the columns: {_columns(header)}",
            expected=[id_column, column],
            found=header,
        )
    frame = _read_frame(text, id_column, column, fail)
    pred_ids = frame[id_column].astype(str).str.strip()

    dup = pred_ids.duplicated(keep="first")
    if bool(dup.any()):
        repeated = pred_ids[dup].unique()
        raise fail(
            "duplicate_ids",
            f"{len(repeated)} id{'s appear' if len(repeated) != 1 else ' appears'} more than "
            f"once (each holdout id must appear exactly once): "
            f"{_show_ids(repeated, len(repeated))}",
            found=[str(v) for v in repeated[:_SHOWN]],
        )
    unknown = pred_ids[~pred_ids.isin(hold)]
    if len(unknown):
        raise fail(
            "unknown_ids",
            f"{len(unknown)} id{'s are' if len(unknown) != 1 else ' is'} not in the holdout: "
            f"{_show_ids(unknown, len(unknown))}",
            found=[str(v) for v in unknown[:_SHOWN]],
        )
    if len(frame) != n:
        absent = hold[~hold.isin(pred_ids)]
        raise fail(
            "row_count",
            f"expected {n} rows, one per holdout id, found {len(frame)} "
            f"(missing ids: {_show_ids(absent, len(absent))})",
            expected=n,
            found=len(frame),
        )

    values = _numbers(
        frame[column], pred_ids, column, fail, kind=kind, task=task, probabilities=probabilities
    )
    order = _index(pred_ids).get_indexer(hold)
    return Predictions(
        ids=np.asarray(hold, dtype=object),
        values=values[order],
        path=path,
        size_bytes=len(data),
    )


def _holdout_index(ids: Sequence[str] | npt.NDArray[Any]) -> pd.Index[Any]:
    import pandas as pd

    text = pd.Series(np.asarray(ids, dtype=object)).astype(str).str.strip()
    index: pd.Index[Any] = pd.Index(text.to_numpy(dtype=object), dtype=object)
    return index


def _index(values: pd.Series[Any]) -> pd.Index[Any]:
    import pandas as pd

    index: pd.Index[Any] = pd.Index(values.to_numpy(dtype=object), dtype=object)
    return index


def _read_frame(text: str, id_column: str, column: str, fail: Any) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype={id_column: str},
            keep_default_na=False,
            low_memory=False,
        )
    except (pd.errors.ParserError, ValueError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise fail("not_csv", f"not a CSV file: {detail}") from err


def _numbers(
    cells: pd.Series[Any],
    ids: pd.Series[Any],
    column: str,
    fail: Any,
    *,
    kind: Kind,
    task: Task,
    probabilities: bool,
) -> npt.NDArray[np.float64]:
    import pandas as pd

    what = (
        "predicted values"
        if task == "regression"
        else "class labels such as 0 and 1"
        if kind == "labels"
        else "scores or probabilities of class 1"
    )

    def where(pos: int) -> str:
        return f"row {pos + 1} (id {_show_id(ids.iloc[pos])})"

    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        values = cells.to_numpy(dtype=np.float64)
    else:
        text = cells.astype(str).str.strip()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values) & ~text.str.lower().isin(_MISSING_WORDS).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise fail(
                "dtype",
                f"column {column!r} must be numeric ({what}), found "
                f"{_show_id(text.iloc[pos])} at {where(pos)}",
            )
    finite = np.isfinite(values)
    if not finite.all():
        count = int((~finite).sum())
        pos = int(np.flatnonzero(~finite)[0])
        raise fail(
            "not_finite",
            f"{count} prediction{'s are' if count != 1 else ' is'} missing, NaN or infinite; "
            f"the first at {where(pos)}",
            found=count,
        )
    if task == "classification" and kind == "labels":
        frac = values != np.floor(values)
        if frac.any():
            pos = int(np.flatnonzero(frac)[0])
            raise fail(
                "dtype",
                f"column {column!r} must hold class labels (whole numbers such as 0 and 1), "
                f"found {_num(values[pos])} at {where(pos)}",
            )
    elif probabilities:
        out = (values < 0) | (values > 1)
        if out.any():
            pos = int(np.flatnonzero(out)[0])
            raise fail(
                "dtype",
                f"column {column!r} must hold probabilities of class 1 between 0 and 1, found "
                f"{_num(values[pos])} at {where(pos)}",
            )
    return values


def _num(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else str(value)
