"""The dev/final split of the hidden holdout, the features copy and the host-side labels."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from worktrial.errors import ScoringError
from worktrial.scoring import DEV_FRACTION, HoldoutPart, holdout_part
from worktrial.scoring._holdout import in_dev_part, read_labels, write_features
from worktrial.spec import TrialBundle


def test_dev_part_is_the_documented_hash_rule() -> None:
    ids = [str(i) for i in range(5000)]
    got = in_dev_part("malignancy-screening", ids)
    for ident, dev in zip(ids[:200], got[:200], strict=True):
        digest = hashlib.sha256(f"malignancy-screening\0{ident}".encode()).digest()
        assert dev == (int.from_bytes(digest[:8], "big") / 2**64 < 0.3)
    assert DEV_FRACTION == 0.3
    assert 0.28 < got.mean() < 0.32
    # independent of order and of other rows; different per trial
    assert list(in_dev_part("malignancy-screening", list(reversed(ids)))) == list(got[::-1])
    assert list(in_dev_part("another-trial", ids)) != list(got)


def _part(tmp_path: Path, features: str, labels: str, *, by_hash: bool = True) -> HoldoutPart:
    f = tmp_path / "holdout_features.csv"
    f.write_text(features, encoding="utf-8")
    lab = tmp_path / "holdout_labels.csv"
    lab.write_text(labels, encoding="utf-8")
    return HoldoutPart("final", f, lab, by_hash, "the final part of the hidden holdout")


def test_features_are_copied_as_text_without_the_label(tmp_path: Path) -> None:
    ids = [str(i) for i in range(40)]
    rows = "".join(f'{i},"1,{i}",16.50,1\n' for i in ids)
    part = _part(tmp_path, "id,text,x,y\n" + rows, "id,y\n")
    out = tmp_path / "input" / "features.csv"
    written = write_features(part, out, trial_id="t", id_column="id", target="y")
    dev = in_dev_part("t", ids)
    assert written == [i for i, d in zip(ids, dev, strict=True) if not d]
    lines = out.read_text().splitlines()
    assert lines[0] == "id,text,x"
    assert lines[1] == f'{written[0]},"1,{written[0]}",16.50'  # "16.50" stays as written
    assert out.stat().st_mode & 0o777 == 0o644

    whole = dataclasses.replace(part, by_hash=False)
    assert write_features(whole, out, trial_id="t", id_column="id", target="y") == ids


def test_bad_holdout_features(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    cases = {
        "row,x\n1,2\n": "holdout_features.csv: no id column 'id'; found the columns: row, x",
        "id,x\n1,2\n2\n": "holdout_features.csv: line 3 has 1 fields, expected 2",
        "id,x\n1,2\n ,3\n": "holdout_features.csv: line 3 has an empty id",
        "id,x\n1,2\n1,3\n": "holdout_features.csv: ids repeat; every holdout row needs its own id",
        "": "holdout_features.csv: the file is empty (holdout features)",
    }
    for text, message in cases.items():
        with pytest.raises(ScoringError) as info:
            write_features(_part(tmp_path, text, ""), out, trial_id="t", id_column="id", target="y")
        assert info.value.message == message
    parquet = HoldoutPart("final", tmp_path / "h.parquet", tmp_path / "l.csv", True, "")
    with pytest.raises(ScoringError) as info:
        write_features(parquet, out, trial_id="t", id_column="id", target="y")
    assert info.value.message == "h.parquet: only CSV files can be scored (holdout features)"


def test_labels_are_read_in_the_order_asked(tmp_path: Path) -> None:
    part = _part(tmp_path, "id\n", "id,y,other\n7,1,a\n3,0,b\n5,1,c\n")
    got = read_labels(part, ["5", "3", "7"], id_column="id", target="y")
    assert got.tolist() == [1.0, 0.0, 1.0]
    assert got.dtype == np.float64


def test_bad_labels(tmp_path: Path) -> None:
    part = _part(tmp_path, "id\n", "id,y\n1,1\n2,yes\n")
    with pytest.raises(ScoringError) as info:
        read_labels(part, ["1", "3"], id_column="id", target="y")
    assert info.value.message == "holdout_labels.csv: no label for 1 holdout id(s), e.g. 3"
    with pytest.raises(ScoringError) as info:
        read_labels(part, ["1", "2"], id_column="id", target="y")
    assert info.value.message == (
        "holdout_labels.csv: 1 label(s) in 'y' are not finite numbers, e.g. for id 2"
    )
    with pytest.raises(ScoringError) as info:
        read_labels(part, ["1"], id_column="id", target="label")
    assert info.value.message == "holdout_labels.csv: no column 'label'; found the columns: id, y"


def test_a_bundle_without_a_holdout(cls_bundle: TrialBundle) -> None:
    files = [f for f in cls_bundle.spec.data.files if f.role != "holdout_labels"]
    data = cls_bundle.spec.data.model_copy(update={"files": files})
    bundle = dataclasses.replace(cls_bundle, spec=cls_bundle.spec.model_copy(update={"data": data}))
    with pytest.raises(ScoringError) as info:
        holdout_part(bundle, "final")
    assert info.value.message == (
        f"{bundle.root / 'trial.toml'}: expected one data file with role holdout_features and "
        "one with role holdout_labels, found 1 and 0"
    )


def test_grouped_holdout_keeps_batches_whole_and_keys_on_the_group(tmp_path: Path) -> None:
    """Monitoring: rows belong to batches; the split and the predictions are per batch."""
    batches = [f"batch-{b:03d}" for b in range(40)]
    rows = [(f"{1000 + 10 * b + r}", batch) for b, batch in enumerate(batches) for r in range(3)]
    text = "id,batch,x\n" + "".join(f"{i},{batch},0.5\n" for i, batch in rows)
    out = tmp_path / "final.csv"
    written = write_features(
        _part(tmp_path, text, ""), out, trial_id="t", id_column="id", target="bad",
        group_column="batch",
    )  # fmt: skip
    final = [b for b, dev in zip(batches, in_dev_part("t", batches), strict=True) if not dev]
    assert written == final  # whole batches, keyed by the batch's name
    copied = out.read_text(encoding="utf-8").splitlines()[1:]
    assert len(copied) == 3 * len(final)  # every row of every chosen batch, none of the others
    assert {line.split(",")[1] for line in copied} == set(final)
    with pytest.raises(ScoringError) as exc:
        write_features(
            _part(tmp_path, text, ""), out, trial_id="t", id_column="id", target="bad",
            group_column="lot",
        )  # fmt: skip
    assert exc.value.message == (
        "holdout_features.csv: no group column 'lot' (data.group_column); found the columns: "
        "id, batch, x"
    )
