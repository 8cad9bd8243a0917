"""worktrial.data: deterministic CSVs, seeded splits and degradations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from worktrial.data import (
    add_noise,
    downsample_class,
    flip_labels,
    inject_missing,
    read_csv_header,
    sha256_file,
    stratified_split,
    write_csv,
)


def frame(n: int = 100) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(n),
            "a": np.arange(n) * 0.5,
            "b": np.arange(n),
            "y": [i % 4 == 0 for i in range(n)],
        }
    ).astype({"y": int})


def test_stratified_split_keeps_class_mix_and_covers_every_row() -> None:
    y = frame().y
    parts = stratified_split(y, [0.6, 0.2, 0.2], seed=1)
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert [len(p) for p in parts] == [60, 20, 20]
    assert [int(y.iloc[p].sum()) for p in parts] == [15, 5, 5]
    again = stratified_split(y, [0.6, 0.2, 0.2], seed=1)
    assert all((a == b).all() for a, b in zip(parts, again, strict=True))
    other = stratified_split(y, [0.6, 0.2, 0.2], seed=2)
    assert not (parts[0] == other[0]).all()


def test_stratified_split_rejects_bad_fractions() -> None:
    with pytest.raises(ValueError, match=r"fractions must be positive and sum to 1"):
        stratified_split([0, 1], [0.5, 0.6], seed=0)


def test_inject_missing_blanks_the_stated_share() -> None:
    f = frame()
    out, n = inject_missing(f, ["a", "b"], 0.1, seed=3)
    assert n == 20
    assert int(out[["a", "b"]].isna().sum().sum()) == 20
    assert f[["a", "b"]].notna().all().all()  # the input is untouched
    assert out["y"].equals(f["y"])
    assert inject_missing(f, ["a"], 0.0, seed=3)[1] == 0
    with pytest.raises(ValueError, match="no such column: c"):
        inject_missing(f, ["c"], 0.1, seed=0)


def test_flip_labels_changes_exactly_the_reported_rows() -> None:
    y = frame().y
    out, where = flip_labels(y, 0.1, seed=4)
    assert len(where) == 10
    changed = np.flatnonzero(out.to_numpy() != y.to_numpy())
    assert changed.tolist() == where.tolist()
    with pytest.raises(ValueError, match="at least two classes"):
        flip_labels(pd.Series([1, 1]), 0.5, seed=0)


def test_downsample_class_keeps_a_share_of_one_class() -> None:
    f = frame()
    out = downsample_class(f, "y", 1, 0.4, seed=5)
    assert int(out.y.sum()) == 10
    assert int((out.y == 0).sum()) == 75
    assert out.index.is_monotonic_increasing


def test_add_noise_clips_and_rounds() -> None:
    f = frame()
    out = add_noise(f, ["b"], 5.0, seed=6, clip=(0, 50), integer=True)
    assert out.b.dtype.kind == "i"
    assert out.b.between(0, 50).all()
    assert not out.b.equals(f.b.clip(0, 50))
    with pytest.raises(ValueError, match="scale must be at least 0"):
        add_noise(f, ["b"], -1.0, seed=0)


def test_write_csv_is_deterministic_and_readable(tmp_path: Path) -> None:
    f, _ = inject_missing(frame(5), ["a"], 0.4, seed=7)
    f["a"] = f["a"] / 3
    first = write_csv(f, tmp_path / "x" / "one.csv")
    second = write_csv(f, tmp_path / "two.csv")
    assert first.read_bytes() == second.read_bytes()
    assert sha256_file(first) == sha256_file(second)
    text = first.read_text()
    assert text.splitlines()[0] == "id,a,b,y"
    assert "0.166667" in text
    assert ",," in text  # missing values are empty cells
    assert "\r" not in text
    assert read_csv_header(first) == ["id", "a", "b", "y"]


def test_read_csv_header_of_odd_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_csv_header(empty) == []
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b'\xef\xbb\xbfid,"a,b",\xff\r\n1,2,3\r\n')
    assert read_csv_header(odd) == ["id", "a,b", "\ufffd"]
