"""The hidden holdout, split into the part candidates may score on (dev) and the final part.

Two scores, two audiences: the *dev* score a candidate may see (under the trial's quotas) and
the *final* score only the company sees. They must come from different rows, or every dev
scoring would leak a little of the final score.

How the rows are split:

- When the bundle declares a hidden file with the role ``dev`` (with the label column), that
  file is the dev split and the whole holdout (``holdout_features`` / ``holdout_labels``) is
  the final split.
- Otherwise the holdout is split by id: a row belongs to the dev part when the SHA-256 of
  ``"<trial id>\\0<row id>"``, read as a number in [0, 1), is below :data:`DEV_FRACTION`
  (0.3); the rest is the final part. The split depends only on the trial's id and the row's
  id (as written in the features file): not on the row order, not on the labels, not on the
  machine, and it never changes for a trial.

Only features ever go into a job folder: the features of the split's rows are copied into a
file the sandbox reads (the label column dropped when the source holds one). Labels are read
on the host, by :func:`read_labels`, after the run.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from worktrial.errors import ScoringError
from worktrial.spec import TrialBundle

Split = Literal["dev", "final"]
SPLITS: tuple[Split, ...] = ("dev", "final")
DEV_FRACTION = 0.3
MAX_HOLDOUT_BYTES = 4 * 1024**3

csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class HoldoutPart:
    """Where one split's rows come from.

    Attributes:
        split: ``"dev"`` or ``"final"``.
        features: the file whose feature columns the predict command receives.
        labels: the file the labels are read from on the host (may be ``features`` when the
            source is a labelled dev file).
        by_hash: whether the rows are the hashed part of the holdout (else the whole file).
        description: one line for reports, e.g. "the final part of the hidden holdout".
    """

    split: Split
    features: Path
    labels: Path
    by_hash: bool
    description: str


def in_dev_part(trial_id: str, ids: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Whether each holdout id belongs to the dev part (see the module docstring)."""
    out = np.empty(len(ids), dtype=bool)
    prefix = trial_id.encode() + b"\0"
    for i, ident in enumerate(ids):
        digest = hashlib.sha256(prefix + ident.encode("utf-8", "surrogateescape")).digest()
        out[i] = int.from_bytes(digest[:8], "big") / 2.0**64 < DEV_FRACTION
    return out


def holdout_part(bundle: TrialBundle, split: Split) -> HoldoutPart:
    """Which files give ``split``'s rows (see the module docstring).

    Raises:
        ScoringError: an unknown split, or a bundle without one holdout features file and
            one holdout labels file.
    """
    if split not in SPLITS:
        raise ScoringError(
            f"unknown split {split!r}; expected 'dev' or 'final'", key="split", found=split
        )
    features = bundle.files_with_role("holdout_features")
    labels = bundle.files_with_role("holdout_labels")
    if len(features) != 1 or len(labels) != 1:
        raise ScoringError(
            f"{bundle.root / 'trial.toml'}: expected one data file with role holdout_features "
            f"and one with role holdout_labels, found {len(features)} and {len(labels)}",
            path=str(bundle.root),
            problem="holdout",
        )
    hidden_dev = [
        bundle.root / f.path for f in bundle.spec.data.files if f.role == "dev" and f.hidden
    ]
    if hidden_dev:
        if split == "dev":
            return HoldoutPart("dev", hidden_dev[0], hidden_dev[0], False, "the hidden dev set")
        return HoldoutPart("final", features[0], labels[0], False, "the whole hidden holdout")
    what = "the dev part" if split == "dev" else "the final part"
    return HoldoutPart(split, features[0], labels[0], True, f"{what} of the hidden holdout")


def _open_csv(path: Path, what: str) -> tuple[list[str], Iterator[list[str]], io.TextIOWrapper]:
    if path.suffix.lower() != ".csv":
        raise ScoringError(
            f"{path.name}: only CSV files can be scored ({what})", path=str(path), problem="format"
        )
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ScoringError(
            f"{path}: cannot be read ({err.strerror})", path=str(path), problem="missing"
        ) from err
    if size > MAX_HOLDOUT_BYTES:
        raise ScoringError(
            f"{path.name}: {size} bytes, over the {MAX_HOLDOUT_BYTES} bytes a holdout file may "
            "have",
            path=str(path),
            problem="too_large",
        )
    fh = io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="")
    reader = csv.reader(fh)
    header = next(reader, None)
    if header is None:
        fh.close()
        raise ScoringError(f"{path.name}: the file is empty ({what})", path=str(path))
    return [h.strip() for h in header], reader, fh


def write_features(
    part: HoldoutPart,
    dest: Path,
    *,
    trial_id: str,
    id_column: str,
    target: str,
    group_column: str | None = None,
) -> list[str]:
    """Copy the feature rows of ``part`` to ``dest`` (CSV), without any label column.

    Rows are copied as text (every value exactly as written); only the split's rows are kept.
    With ``group_column`` (predictions per batch of rows), the split keeps each group whole
    and the ids returned are the groups', which is what the labels and predictions key on.

    Returns:
        The ids expected in the predictions, in file order: the rows' ids, or the groups'.

    Raises:
        ScoringError: the source has no id column, an empty id, a repeated id, or is not
            UTF-8 CSV.
    """
    header, reader, fh = _open_csv(part.features, "holdout features")
    try:
        if id_column not in header:
            raise ScoringError(
                f"{part.features.name}: no id column {id_column!r}; found the columns: "
                f"{', '.join(header[:10])}",
                path=str(part.features),
                problem="columns",
            )
        if group_column is not None and group_column not in header:
            raise ScoringError(
                f"{part.features.name}: no group column {group_column!r} (data.group_column); "
                f"found the columns: {', '.join(header[:10])}",
                path=str(part.features),
                problem="columns",
            )
        id_at = header.index(id_column)
        group_at = header.index(group_column) if group_column is not None else id_at
        keep = [i for i, h in enumerate(header) if h != target]
        rows: list[list[str]] = []
        ids: list[str] = []
        groups: list[str] = []
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ScoringError(
                    f"{part.features.name}: line {line} has {len(row)} fields, expected "
                    f"{len(header)}",
                    path=str(part.features),
                    problem="not_csv",
                )
            ident = row[id_at].strip()
            if not ident:
                raise ScoringError(
                    f"{part.features.name}: line {line} has an empty id",
                    path=str(part.features),
                    problem="ids",
                )
            ids.append(ident)
            groups.append(row[group_at].strip())
            rows.append(row)
    except UnicodeDecodeError as err:
        raise ScoringError(
            f"{part.features.name}: not UTF-8 text ({err.reason})",
            path=str(part.features),
            problem="not_csv",
        ) from err
    finally:
        fh.close()
    if len(set(ids)) != len(ids):
        raise ScoringError(
            f"{part.features.name}: ids repeat; every holdout row needs its own id",
            path=str(part.features),
            problem="ids",
        )
    chosen = np.ones(len(ids), dtype=bool)
    if part.by_hash:
        dev = in_dev_part(trial_id, groups)  # a row's group is itself without group_column
        chosen = dev if part.split == "dev" else ~dev
    dest.parent.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    with dest.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([header[i] for i in keep])
        for row, group, take in zip(rows, groups, chosen, strict=True):
            if take:
                writer.writerow([row[i] for i in keep])
                written.append(group)
    if group_column is not None:
        written = list(dict.fromkeys(written))  # one prediction per group, in first-seen order
    dest.chmod(0o644)
    if not written:
        raise ScoringError(
            f"{part.features.name}: the {part.split} split has no rows",
            path=str(part.features),
            problem="ids",
        )
    return written


def read_labels(
    part: HoldoutPart, ids: Sequence[str], *, id_column: str, target: str
) -> npt.NDArray[np.float64]:
    """The labels of ``ids``, in that order, read on the host from the split's labels file.

    Raises:
        ScoringError: the file lacks the id or label column, misses an id, or holds a label
            that is not a finite number.
    """
    header, reader, fh = _open_csv(part.labels, "holdout labels")
    name = part.labels.name
    try:
        missing = [c for c in (id_column, target) if c not in header]
        if missing:
            raise ScoringError(
                f"{name}: no column {missing[0]!r}; found the columns: {', '.join(header[:10])}",
                path=str(part.labels),
                problem="columns",
            )
        id_at, y_at = header.index(id_column), header.index(target)
        wanted = set(ids)
        found: dict[str, str] = {}
        for row in reader:
            if len(row) > max(id_at, y_at):
                ident = row[id_at].strip()
                if ident in wanted:
                    found[ident] = row[y_at].strip()
    finally:
        fh.close()
    absent = [i for i in ids if i not in found]
    if absent:
        raise ScoringError(
            f"{name}: no label for {len(absent)} holdout id(s), e.g. {', '.join(absent[:3])}",
            path=str(part.labels),
            problem="ids",
        )
    values = np.empty(len(ids), dtype=np.float64)
    for i, ident in enumerate(ids):
        try:
            values[i] = float(found[ident])
        except ValueError:
            values[i] = np.nan
    bad = ~np.isfinite(values)
    if bad.any():
        first = ids[int(np.flatnonzero(bad)[0])]
        raise ScoringError(
            f"{name}: {int(bad.sum())} label(s) in {target!r} are not finite numbers, e.g. "
            f"for id {first}",
            path=str(part.labels),
            problem="labels",
        )
    return values
