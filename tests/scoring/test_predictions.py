"""validate_predictions: every way a predictions file can be wrong has its own exact message."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from worktrial.errors import ScoringError, WorktrialError
from worktrial.scoring import (
    max_prediction_bytes,
    prediction_format,
    validate_predictions,
)
from worktrial.spec import loads_spec

IDS = [str(i) for i in range(1001, 1011)]  # ten holdout ids
SHOWN = "/job/.worktrial-run/output/predictions.csv"


def write(tmp_path: Path, text: str | bytes, name: str = "predictions.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def rows(pairs: list[tuple[str, str]], header: str = "id,prediction") -> str:
    return header + "\n" + "".join(f"{a},{b}\n" for a, b in pairs)


def check(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "ids": IDS,
        "id_column": "id",
        "column": "prediction",
        "task": "classification",
        "max_bytes": max_prediction_bytes(len(IDS)),
        "shown_as": SHOWN,
    }
    options.update(kw)
    return validate_predictions(path, **options)  # type: ignore[arg-type]


def error(path: Path, **kw: object) -> ScoringError:
    with pytest.raises(ScoringError) as info:
        check(path, **kw)
    assert isinstance(info.value, WorktrialError)
    assert info.value.code == "scoring.invalid"
    return info.value


def test_valid_file_is_aligned_with_the_holdout_order(tmp_path: Path) -> None:
    shuffled = list(reversed(IDS))
    path = write(tmp_path, rows([(i, str(int(i) % 2)) for i in shuffled]))
    got = check(path)
    assert list(got.ids) == IDS
    assert got.values.tolist() == [float(int(i) % 2) for i in IDS]
    assert got.size_bytes == path.stat().st_size
    assert len(got) == 10


def test_extra_columns_quotes_whitespace_and_bom_are_fine(tmp_path: Path) -> None:
    text = "\ufeffscore,id,prediction\n" + "".join(f'0.5," {i}",1\n' for i in IDS)
    got = check(write(tmp_path, text))
    assert got.values.tolist() == [1.0] * 10


def test_missing_file(tmp_path: Path) -> None:
    err = error(tmp_path / "predictions.csv")
    assert err.message == f"predictions.csv: the predict command wrote no file at {SHOWN}"
    assert err.fields["problem"] == "missing"


def test_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    with path.open("wb") as fh:  # sparse: 5 GB on paper, nothing on disk
        fh.truncate(5 * 1024**3)
    err = error(path, max_bytes=1024 * 1024)
    assert err.message == (
        "predictions.csv: 5.0 GB, over the 1.0 MB cap for the predictions of 10 rows "
        "(the file was not read)"
    )
    assert err.fields["problem"] == "too_large"


def test_default_cap_grows_with_the_holdout() -> None:
    assert max_prediction_bytes(0) == 1024 * 1024
    assert max_prediction_bytes(1_000_000) == 1024 * 1024 + 128_000_000


def test_symlink_is_never_followed(tmp_path: Path) -> None:
    secret = write(tmp_path, rows([(i, "1") for i in IDS]), "elsewhere.csv")
    (tmp_path / "out").mkdir()
    link = tmp_path / "out" / "predictions.csv"
    link.symlink_to(secret)
    err = error(link)
    assert err.message == (
        f"predictions.csv: {SHOWN} is a symbolic link; the predict command must write a "
        "regular file"
    )


def test_linked_folder_under_the_root_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    write(real, rows([(i, "1") for i in IDS]))
    job = tmp_path / "job"
    job.mkdir()
    (job / "out").symlink_to(real)
    err = error(job / "out" / "predictions.csv", root=job)
    assert err.fields["problem"] == "not_file"
    assert "symbolic link" in err.message


def test_fifo_does_not_block_the_host(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    os.mkfifo(path)
    err = error(path)
    assert err.message == (
        f"predictions.csv: {SHOWN} is not a regular file; expected a regular CSV file"
    )


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "predictions.csv").mkdir()
    err = error(tmp_path / "predictions.csv")
    assert err.message == f"predictions.csv: {SHOWN} is a folder; expected a regular CSV file"


def test_binary_file(tmp_path: Path) -> None:
    err = error(write(tmp_path, b"PK\x03\x04\x00\x00zipped"))
    assert err.message == (
        "predictions.csv: not a CSV file: it holds binary data (a NUL byte at offset 4)"
    )
    assert err.fields["problem"] == "not_csv"


def test_not_utf8(tmp_path: Path) -> None:
    err = error(write(tmp_path, b"id,prediction\n1001,\xff\n"))
    assert err.message == (
        "predictions.csv: not a CSV file: it is not UTF-8 text (byte 0xff at offset 19)"
    )


def test_empty_file(tmp_path: Path) -> None:
    err = error(write(tmp_path, ""))
    assert err.message == (
        "predictions.csv: the file is empty; expected a header line 'id,prediction' and one "
        "row per holdout id"
    )


def test_ragged_rows_are_not_csv(tmp_path: Path) -> None:
    text = "id,prediction\n1001,1\n1002,1,7,8\n"
    err = error(write(tmp_path, text))
    assert err.message.startswith("predictions.csv: not a CSV file: Error tokenizing data.")


def test_missing_prediction_column_lists_the_columns_found(tmp_path: Path) -> None:
    err = error(write(tmp_path, rows([(i, "1") for i in IDS], header="id,pred")))
    assert err.message == (
        "predictions.csv: no prediction column 'prediction' (interface.predictions_column); "
        "found the columns: id, pred"
    )
    assert err.fields["problem"] == "columns"
    assert err.fields["found"] == ["id", "pred"]


def test_missing_both_columns(tmp_path: Path) -> None:
    err = error(write(tmp_path, "row,label,extra column\n1,1,2\n"))
    assert err.message == (
        "predictions.csv: no id column 'id' (data.id_column) and no prediction column "
        "'prediction' (interface.predictions_column); found the columns: row, label, "
        "'extra column'"
    )


def test_many_columns_are_shortened(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(30))
    err = error(write(tmp_path, header + "\n"))
    assert err.message.endswith("c7, c8, c9, … (30 columns)")


def test_wrong_row_count_names_the_missing_ids(tmp_path: Path) -> None:
    err = error(write(tmp_path, rows([(i, "0") for i in IDS[:7]])))
    assert err.message == (
        "predictions.csv: expected 10 rows, one per holdout id, found 7 "
        "(missing ids: 1008, 1009, 1010)"
    )
    assert err.fields["problem"] == "row_count"
    assert (err.fields["expected"], err.fields["found"]) == (10, 7)


def test_exact_brief_wording_for_143_rows(tmp_path: Path) -> None:
    ids = [str(i) for i in range(143)]
    path = write(tmp_path, rows([(i, "1") for i in ids[:140]]))
    with pytest.raises(ScoringError) as info:
        check(path, ids=ids, max_bytes=max_prediction_bytes(143))
    assert info.value.message.startswith(
        "predictions.csv: expected 143 rows, one per holdout id, found 140 "
    )


def test_header_only_is_a_row_count_error(tmp_path: Path) -> None:
    err = error(write(tmp_path, "id,prediction\n"))
    assert err.message == (
        "predictions.csv: expected 10 rows, one per holdout id, found 0 "
        "(missing ids: 1001, 1002, 1003, 1004, 1005, …)"
    )


def test_duplicate_ids_named_up_to_five(tmp_path: Path) -> None:
    pairs = [(i, "1") for i in IDS] + [(i, "0") for i in IDS[:7]]
    err = error(write(tmp_path, rows(pairs)))
    assert err.message == (
        "predictions.csv: 7 ids appear more than once (each holdout id must appear exactly "
        "once): 1001, 1002, 1003, 1004, 1005, …"
    )
    assert err.fields["problem"] == "duplicate_ids"


def test_one_duplicate_id(tmp_path: Path) -> None:
    pairs = [(i, "1") for i in IDS[:9]] + [("1001", "0")]
    err = error(write(tmp_path, rows(pairs)))
    assert err.message == (
        "predictions.csv: 1 id appears more than once (each holdout id must appear exactly "
        "once): 1001"
    )


def test_unknown_ids(tmp_path: Path) -> None:
    pairs = [(i, "1") for i in IDS[:8]] + [("9999", "1"), ("1001.0", "0")]
    err = error(write(tmp_path, rows(pairs)))
    assert err.message == "predictions.csv: 2 ids are not in the holdout: 9999, 1001.0"
    assert err.fields["found"] == ["9999", "1001.0"]


def test_odd_ids_are_quoted_and_cut(tmp_path: Path) -> None:
    long = "x" * 100
    pairs = [(i, "1") for i in IDS[:9]] + [(long, "1")]
    err = error(write(tmp_path, rows(pairs)))
    assert err.message == f"predictions.csv: 1 id is not in the holdout: {'x' * 39}…"
    pairs = [(i, "1") for i in IDS[:9]] + [('"a b"', "1")]
    err = error(write(tmp_path, rows(pairs)))
    assert err.message == "predictions.csv: 1 id is not in the holdout: 'a b'"


def test_nan_and_inf_counted_with_the_first_row(tmp_path: Path) -> None:
    values = ["1", "0", "", "1", "nan", "inf", "1", "0", "NaN", "-inf"]
    err = error(write(tmp_path, rows(list(zip(IDS, values, strict=True)))))
    assert err.message == (
        "predictions.csv: 5 predictions are missing, NaN or infinite; the first at row 3 (id 1003)"
    )
    assert err.fields == {"path": SHOWN, "problem": "not_finite", "found": 5}


def test_one_inf_in_an_otherwise_numeric_column(tmp_path: Path) -> None:
    values = ["0.1"] * 9 + ["inf"]
    err = error(write(tmp_path, rows(list(zip(IDS, values, strict=True)))), kind="scores")
    assert err.message == (
        "predictions.csv: 1 prediction is missing, NaN or infinite; the first at row 10 (id 1010)"
    )


def test_non_numeric_labels_show_an_example(tmp_path: Path) -> None:
    values = ["1", "0", "1", "malignant", "0", "1", "0", "1", "0", "1"]
    err = error(write(tmp_path, rows(list(zip(IDS, values, strict=True)))))
    assert err.message == (
        "predictions.csv: column 'prediction' must be numeric (class labels such as 0 and 1), "
        "found malignant at row 4 (id 1004)"
    )
    assert err.fields["problem"] == "dtype"


def test_non_numeric_scores_and_values_say_what_is_expected(tmp_path: Path) -> None:
    values = ["0.2"] * 9 + ["high"]
    path = write(tmp_path, rows(list(zip(IDS, values, strict=True))))
    assert error(path, kind="scores").message == (
        "predictions.csv: column 'prediction' must be numeric (scores or probabilities of "
        "class 1), found high at row 10 (id 1010)"
    )
    assert error(path, task="regression").message == (
        "predictions.csv: column 'prediction' must be numeric (predicted values), found high "
        "at row 10 (id 1010)"
    )


def test_booleans_are_not_labels(tmp_path: Path) -> None:
    values = ["True", "False"] * 5
    err = error(write(tmp_path, rows(list(zip(IDS, values, strict=True)))))
    assert err.message == (
        "predictions.csv: column 'prediction' must be numeric (class labels such as 0 and 1), "
        "found True at row 1 (id 1001)"
    )


def test_probabilities_where_labels_are_expected(tmp_path: Path) -> None:
    values = ["1", "0", "0.73", "1", "0", "1", "0", "1", "0", "1"]
    err = error(write(tmp_path, rows(list(zip(IDS, values, strict=True)))))
    assert err.message == (
        "predictions.csv: column 'prediction' must hold class labels (whole numbers such as 0 "
        "and 1), found 0.73 at row 3 (id 1003)"
    )


def test_probabilities_out_of_range(tmp_path: Path) -> None:
    values = ["0.5"] * 5 + ["1.7"] + ["0.5"] * 4
    path = write(tmp_path, rows(list(zip(IDS, values, strict=True))))
    err = error(path, kind="scores", probabilities=True)
    assert err.message == (
        "predictions.csv: column 'prediction' must hold probabilities of class 1 between 0 "
        "and 1, found 1.7 at row 6 (id 1006)"
    )
    # without a probability metric any real score is fine (e.g. a margin for roc_auc)
    assert check(path, kind="scores").values.max() == pytest.approx(1.7)


def test_regression_values_may_be_any_real_number(tmp_path: Path) -> None:
    values = [f"{v}" for v in np.linspace(-3.5, 1e6, 10)]
    got = check(write(tmp_path, rows(list(zip(IDS, values, strict=True)))), task="regression")
    assert got.values[0] == -3.5


def test_prediction_format_from_a_spec() -> None:
    base = _spec_text()
    fmt = prediction_format(loads_spec(base))
    assert fmt.task == "classification"
    assert fmt.kind == "labels"
    assert not fmt.probabilities
    assert fmt.metrics == ("recall", "precision", "f1")

    scores = base.replace('name = "recall"', 'name = "roc_auc"').replace(
        'metric = "precision"', 'metric = "log_loss"'
    )
    scores = scores.replace('name = "precision"', 'name = "average_precision"').replace(
        'name = "f1"', 'name = "roc_auc"'
    )
    fmt = prediction_format(loads_spec(scores))
    assert (fmt.kind, fmt.probabilities) == ("scores", True)
    assert fmt.metrics == ("roc_auc", "average_precision", "log_loss")


def _spec_text() -> str:
    from importlib import resources

    text = (
        resources.files("worktrial.spec")
        .joinpath("templates", "classification", "trial.toml")
        .read_text(encoding="utf-8")
    )
    return text
