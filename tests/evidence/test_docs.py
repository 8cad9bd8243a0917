from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from worktrial.evidence._types import DOC_ELEMENTS, Pointer
from worktrial.evidence.docs import (
    BODY_LEXICON,
    HEADING_LEXICON,
    STATEMENT_LEXICON,
    collect_docs,
)
from worktrial.repo import Repo, Snapshot
from worktrial.testing import RepoBuilder, Symlink

FileMap = dict[str, str | bytes | Symlink | None]


def snapshot(tmp_path: Path, files: FileMap, name: str = "repo") -> Snapshot:
    b = RepoBuilder(tmp_path / name)
    b.commit("Add files", files)
    return Snapshot(Repo(b.path))


WRITEUP = """\
# Fraud detection

## Objective
Catch fraudulent card transactions before they settle, so analysts review the risky ones.

## Success metric
I optimise for recall because a missed fraud costs far more than one extra review.
The brief also sets a precision floor of 0.6.

## Assumptions
I assume labels arrive within a week of the transaction.

## Constraints
Predictions must take under 50 ms at p95 on one CPU core.

## Out of scope
Real-time feature pipelines are out of scope for this trial.

## Approach
I started with a logistic regression baseline, then moved to gradient boosting.

## Iterations

| Iteration | Change | Recall |
|---|---|---|
| 1 | logistic regression baseline | 0.72 |
| 2 | class weights | 0.85 |
| 3 | SMOTE oversampling | 0.80 |

## Trade-offs
I chose gradient boosting over a deep network because of the latency budget.

## Results
The final model achieves a recall of 0.88 and precision: 64% on the holdout set.
That means about 12 missed frauds per 100 fraud cases.

## Limitations
The model may not generalise to merchants unseen in training.

## Next steps
If I had more time I would tune the threshold per merchant.
"""


def test_writeup_sections_are_classified(tmp_path: Path) -> None:
    docs = collect_docs(snapshot(tmp_path, {"README.md": WRITEUP, "src/train.py": "x = 1\n"}))
    assert docs.readme_path == "README.md"
    assert not docs.readme_is_prompt
    assert docs.notes == []
    [readme] = docs.files
    assert readme.kind == "readme"
    by_heading = {s.heading: s for s in readme.sections}
    assert by_heading["Objective"].line == 3
    assert by_heading["Objective"].level == 2
    assert by_heading["Objective"].text.startswith("Catch fraudulent card transactions")
    expected = {
        "Objective": "objective",
        "Success metric": "metric",
        "Assumptions": "assumptions",
        "Constraints": "constraints",
        "Out of scope": "scope",
        "Approach": "approach",
        "Iterations": "iterations",
        "Trade-offs": "tradeoffs",
        "Results": "results",
        "Limitations": "limitations",
        "Next steps": "next_steps",
    }
    for heading, element in expected.items():
        assert element in by_heading[heading].elements, heading
    found = docs.elements()
    assert set(found) == set(DOC_ELEMENTS)
    assert found["objective"] == [Pointer("file", "README.md:3", "Objective")]
    # The title section holds every section below it but says nothing itself.
    assert by_heading["Fraud detection"].elements == frozenset()
    assert "Catch fraudulent" in by_heading["Fraud detection"].text


def test_statements_table_and_reported_metrics(tmp_path: Path) -> None:
    docs = collect_docs(snapshot(tmp_path, {"README.md": WRITEUP}))
    got = [(s.kind, s.pointer.ref) for s in docs.statements]
    assert got == [
        ("impact", "README.md:7"),  # "a missed fraud costs far more than one extra review"
        ("assumption", "README.md:11"),
        ("tradeoff", "README.md:31"),
        ("impact", "README.md:35"),
        ("next_step", "README.md:41"),
    ]
    tradeoff = next(s for s in docs.statements if s.pointer.ref == "README.md:31")
    assert tradeoff.text == (
        "I chose gradient boosting over a deep network because of the latency budget."
    )
    assert docs.iteration_table == Pointer("file", "README.md:24", "iteration table with 3 rows")
    # The results section's final figures win over the table and over the precision floor.
    assert docs.reported_metrics == {
        "precision": (
            0.64,
            Pointer(
                "file",
                "README.md:34",
                "The final model achieves a recall of 0.88 and precision: 64% on the holdout set.",
            ),
        ),
        "recall": (
            0.88,
            Pointer(
                "file",
                "README.md:34",
                "The final model achieves a recall of 0.88 and precision: 64% on the holdout set.",
            ),
        ),
    }


def test_word_counts_and_first_added(tmp_path: Path) -> None:
    when = datetime(2026, 3, 2, 10, tzinfo=UTC)
    snap = snapshot(
        tmp_path,
        {"README.md": "# Title\n\nOne two three four.\n\n```\nnot counted here\n```\n"},
    )
    docs = collect_docs(snap, first_added={"README.md": when})
    [readme] = docs.files
    assert readme.words == 5
    assert readme.first_added_at == when


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Recall = 91% on the test set.", {"recall": 0.91}),
        ("Recall: 91% and precision of 0.62.", {"recall": 0.91, "precision": 0.62}),
        ("We reach 0.91 recall, 0.62 precision.", {"recall": 0.91, "precision": 0.62}),
        ("recall 0.91 precision 0.64", {"recall": 0.91, "precision": 0.64}),
        ("Recall went from 0.72 to 0.91 after reweighting.", {"recall": 0.91}),
        ("F1 score of 0.70 and ROC AUC of 0.93.", {"f1": 0.70, "roc_auc": 0.93}),
        ("Average precision is 0.55.", {"average_precision": 0.55}),
        ("RMSE: 12.5, MAE: 8.1 and R² of 0.83.", {"rmse": 12.5, "mae": 8.1, "r2": 0.83}),
        ("Accuracy was 97 on the holdout.", {"accuracy": 0.97}),
        ("We need a minimum recall of 0.8 and a precision floor of 0.6.", {}),
        ("Recall at the 0.3 threshold looked fine.", {}),
        ("Logistic regression was the first model.", {}),
    ],
)
def test_reported_metric_forms(tmp_path: Path, sentence: str, expected: dict[str, float]) -> None:
    docs = collect_docs(snapshot(tmp_path, {"REPORT.md": f"# Results\n\n{sentence}\n"}))
    got = {k: v for k, (v, _) in docs.reported_metrics.items()}
    assert got == pytest.approx(expected)
    for _, pointer in docs.reported_metrics.values():
        assert pointer.ref == "REPORT.md:3"


def test_results_section_beats_earlier_claims(tmp_path: Path) -> None:
    text = (
        "# Report\n\nThe baseline reached a recall of 0.70.\n\n"
        "## Results\n\nRecall is 0.86 on the holdout.\n\n"
        "## Appendix\n\nOn the training set recall was 0.99.\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"reports/final.md": text}))
    value, pointer = docs.reported_metrics["recall"]
    assert value == 0.86
    assert pointer.ref == "reports/final.md:7"
    assert docs.files[0].kind == "report"


def test_metric_column_of_a_table_gives_its_best_value(tmp_path: Path) -> None:
    text = (
        "## Experiments\n\n| Exp | Model | RMSE |\n|---|---|---|\n"
        "| 1 | mean | 14.0 |\n| 2 | ridge | 9.5 |\n| 3 | forest | 10.2 |\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"docs/experiments.md": text}))
    assert docs.reported_metrics["rmse"][0] == 9.5
    assert docs.reported_metrics["rmse"][1].ref == "docs/experiments.md:6"
    assert docs.iteration_table == Pointer(
        "file", "docs/experiments.md:3", "iteration table with 3 rows"
    )


def test_a_table_without_a_change_column_is_not_an_iteration_table(tmp_path: Path) -> None:
    text = "## Data\n\n| Column | Type |\n|---|---|\n| age | int |\n"
    docs = collect_docs(snapshot(tmp_path, {"README.md": text}))
    assert docs.iteration_table is None


def test_statement_kinds_and_false_friends(tmp_path: Path) -> None:
    text = (
        "# Notes\n\n"
        "Based on the checkpoint feedback, I added a calibration step.\n"
        "SMOTE did not help: recall dropped, a dead end.\n"
        "Logistic regression is the baseline model.\n"
        "Users can run make train to reproduce everything.\n"
        "Each false alarm costs an analyst 10 minutes, so 40 fewer alarms save a day a week.\n"
        "Assuming the drift is seasonal, a monthly retrain is enough.\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"writeup.md": text}))
    kinds = [(s.kind, s.pointer.ref) for s in docs.statements]
    assert kinds == [
        ("feedback_ack", "writeup.md:3"),
        ("failure", "writeup.md:4"),
        ("impact", "writeup.md:7"),
        ("assumption", "writeup.md:8"),
    ]


def test_placeholder_sections_do_not_count(tmp_path: Path) -> None:
    text = "# Project\n\n## Objective\n\nTBD\n\n## Results\n\n## Next steps\n\n- TODO\n"
    docs = collect_docs(snapshot(tmp_path, {"README.md": text}))
    assert docs.elements() == {}


def test_subsections_make_a_heading_count(tmp_path: Path) -> None:
    text = "## Framing\n\n### Objective\n\nPredict churn a month ahead for the retention team.\n"
    docs = collect_docs(snapshot(tmp_path, {"README.md": text}))
    elements = {s.heading: set(s.elements) for s in docs.files[0].sections}
    assert elements == {"Framing": set(), "Objective": {"objective"}}


# --------------------------------------------------------------------------- the prompt

BRIEF = """\
# Trial: fraud detection

You will build a classifier that flags fraudulent card transactions. Missing a fraud is far
more costly than reviewing a legitimate transaction, so recall is the priority, with a
precision floor of 0.6. Predictions must take under 50 ms at p95.

## Deliverables
A trained model, a predict command and a write-up of your approach, trade-offs and results.
"""


def test_readme_that_is_the_brief_verbatim(tmp_path: Path) -> None:
    docs = collect_docs(snapshot(tmp_path, {"README.md": BRIEF}), brief=BRIEF)
    assert docs.readme_path == "README.md"
    assert docs.readme_is_prompt
    assert docs.elements() == {}
    assert docs.statements == []
    assert docs.reported_metrics == {}
    assert docs.notes == [
        "README.md: still the assignment prompt (it repeats the brief or the starter README); "
        "its text is not counted as the candidate's write-up"
    ]


def test_readme_equal_to_the_starter_readme_after_normalising(tmp_path: Path) -> None:
    starter = "# Starter kit\n\nRun `make train`. Write your approach below.\n"
    readme = "#  STARTER KIT\n\nRun make train.\nWrite your approach below!\n"
    docs = collect_docs(snapshot(tmp_path, {"README.md": readme}), starter_readme=starter)
    assert docs.readme_is_prompt


def test_candidate_readme_quoting_the_brief_is_not_the_prompt(tmp_path: Path) -> None:
    copied = BRIEF.split("\n\n")[1]
    readme = (
        "# My fraud model\n\n## The brief\n\n" + copied + "\n\n"
        "## Approach\n\nI started with a logistic regression baseline and then tried "
        "gradient boosting with class weights, tuned on a time-based split.\n\n"
        "## Trade-offs\n\nI chose gradient boosting over an SVM because it scores in 3 ms.\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"README.md": readme}), brief=BRIEF)
    assert not docs.readme_is_prompt
    elements = {s.heading: set(s.elements) for s in docs.files[0].sections}
    assert elements["The brief"] == set()  # copied text states nothing about the candidate
    assert "approach" in elements["Approach"]
    assert "tradeoffs" in elements["Trade-offs"]
    assert docs.notes == [
        "README.md: 1 of 4 sections repeat the brief or the starter README; not counted as the "
        "candidate's write-up"
    ]


def test_no_readme_at_all(tmp_path: Path) -> None:
    docs = collect_docs(
        snapshot(tmp_path, {"src/model.py": "x = 1\n", "RESULTS.md": "# Results\n\nok\n"})
    )
    assert docs.readme_path is None
    assert not docs.readme_is_prompt
    assert [(f.path, f.kind) for f in docs.files] == [("RESULTS.md", "report")]


# --------------------------------------------------------------------------- hostile input


def test_non_utf8_readme_is_read_as_latin1(tmp_path: Path) -> None:
    readme = "# Résultats\n\nLe modèle final atteint un recall de 0.9.\n".encode("latin-1")
    docs = collect_docs(snapshot(tmp_path, {"README.md": readme}))
    assert docs.readme_path == "README.md"
    assert docs.files[0].sections[0].heading == "Résultats"
    assert docs.notes == []


def test_readme_over_the_size_cap_is_skipped_and_said(tmp_path: Path) -> None:
    big = "# Big\n\n" + ("word " * 200 + "\n") * 3200  # about 3 MB
    assert len(big) > 3_000_000
    snap = snapshot(tmp_path, {"README.md": big, "README.rst": "Title\n=====\n\nSmall.\n"})
    docs = collect_docs(snap)
    assert docs.notes == ["README.md: over the 2 MB size cap; not read"]
    assert docs.readme_path == "README.rst"
    assert docs.files[0].sections[0].heading == "Title"


def test_binary_doc_and_symlinked_readme(tmp_path: Path) -> None:
    files: FileMap = {
        "README.md": Symlink("/etc/passwd"),
        "docs/blob.md": b"\x00\x01\x02binary",
        "docs/ok.md": "# Fine\n\nText.\n",
    }
    docs = collect_docs(snapshot(tmp_path, files))
    assert docs.readme_path is None
    assert docs.notes == [
        "README.md: symlink pointing outside the repository (never followed); not read",
        "docs/blob.md: binary content; not read",
    ]
    assert [f.path for f in docs.files] == ["docs/ok.md"]


def test_vendored_hidden_and_unrelated_files_are_ignored(tmp_path: Path) -> None:
    files: FileMap = {
        "node_modules/pkg/README.md": "# Objective\n\nnot theirs at all\n",
        ".venv/lib/report.md": "# Results\n\nrecall 0.99\n",
        ".github/summary.md": "# Summary\n\nnot a write-up\n",
        "src/notes.md": "# Objective\n\nnot a listed source\n",
        "docs/requirements.txt": "numpy==2.0\n",
        "docs/guide.md": "# Guide\n\nHow to run it.\n",
    }
    docs = collect_docs(snapshot(tmp_path, files))
    assert [f.path for f in docs.files] == ["docs/guide.md"]


def test_rst_titles_become_sections(tmp_path: Path) -> None:
    rst = (
        "=======\nProject\n=======\n\nIntro text.\n\n"
        "Limitations\n-----------\n\nIt may not generalise to new merchants.\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"docs/index.rst": rst}))
    sections = [(s.heading, s.level, s.line) for s in docs.files[0].sections]
    assert sections == [("Project", 1, 2), ("Limitations", 2, 7)]
    assert "limitations" in docs.files[0].sections[1].elements


# --------------------------------------------------------------------------- notebooks


def _notebook(cells: list[dict[str, object]]) -> str:
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def test_notebook_markdown_cells_with_raw_lines(tmp_path: Path) -> None:
    raw = _notebook(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Analysis\n", "Intro.\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["## Fake\n"]}],
                "source": ["print('## Fake')"],
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "## Trade-offs\nI chose a forest over boosting because it trains in 2 s.",
            },
        ]
    )
    docs = collect_docs(snapshot(tmp_path, {"notebooks/eda.ipynb": raw}))
    lines = raw.splitlines()
    [nb] = docs.files
    assert nb.kind == "notebook"
    sections = [(s.heading, s.line) for s in nb.sections]
    analysis_line = next(i for i, line in enumerate(lines, 1) if '"# Analysis\\n"' in line)
    tradeoff_line = next(i for i, line in enumerate(lines, 1) if "## Trade-offs" in line)
    assert sections == [("Analysis", analysis_line), ("Trade-offs", tradeoff_line)]
    assert "tradeoffs" in nb.sections[1].elements
    [stmt] = docs.statements
    assert stmt.pointer.ref == f"notebooks/eda.ipynb:{tradeoff_line}"


def test_broken_notebook_is_noted(tmp_path: Path) -> None:
    docs = collect_docs(snapshot(tmp_path, {"notebooks/x.ipynb": '{"cells": [\n'}))
    assert docs.files == []
    assert docs.notes == [
        "notebooks/x.ipynb: not a valid notebook (Expecting value at line 2 column 1); "
        "its markdown cells were not read"
    ]


def test_notebook_without_cells_and_cell_without_source(tmp_path: Path) -> None:
    good = _notebook(
        [
            {"cell_type": "markdown", "metadata": {}},
            {"cell_type": "markdown", "metadata": {}, "source": ["# Kept\n", "Still read.\n"]},
            "not a cell",
        ]
    )
    files: FileMap = {"a.ipynb": good, "b.ipynb": "[1, 2]\n"}
    docs = collect_docs(snapshot(tmp_path, files))
    assert [s.heading for s in docs.files[0].sections] == ["Kept"]
    assert docs.notes == [
        "a.ipynb: cell 1, 3 has no readable source; skipped",
        "b.ipynb: not a valid notebook (no list of cells); not read",
    ]


def test_lexicons_cover_every_element() -> None:
    assert set(HEADING_LEXICON) == set(DOC_ELEMENTS)
    assert set(BODY_LEXICON) == set(DOC_ELEMENTS)
    assert set(STATEMENT_LEXICON) == {
        "tradeoff",
        "failure",
        "next_step",
        "impact",
        "assumption",
        "feedback_ack",
    }


def test_notebook_with_source_before_cell_type(tmp_path: Path) -> None:
    # Some tools write keys in insertion order: the source comes before "cell_type".
    cells = [
        {"source": ["# Intro\n", "Text.\n"], "cell_type": "markdown", "metadata": {}},
        {
            "source": ["## Next steps\n", "With more time I would add drift checks.\n"],
            "cell_type": "markdown",
            "metadata": {},
        },
    ]
    raw = json.dumps({"cells": cells, "nbformat": 4}, indent=1)
    docs = collect_docs(snapshot(tmp_path, {"nb.ipynb": raw}))
    lines = raw.splitlines()
    expected = next(i for i, line in enumerate(lines, 1) if "## Next steps" in line)
    assert [s.line for s in docs.files[0].sections][1] == expected
    assert [s.pointer.ref for s in docs.statements] == [f"nb.ipynb:{expected + 1}"]


def test_notebook_source_not_found_in_the_raw_text_points_to_the_file(tmp_path: Path) -> None:
    # Escaped slashes are valid JSON that the standard writer never produces.
    raw = (
        '{"cells": [{"cell_type": "markdown", "metadata": {}, "source": '
        '["## Next steps\\n", "If I had more time I would read http:\\/\\/x.org.\\n"]}], '
        '"nbformat": 4}'
    )
    docs = collect_docs(snapshot(tmp_path, {"nb.ipynb": raw}))
    [section] = docs.files[0].sections
    assert section.line == 0
    assert [s.pointer.ref for s in docs.statements] == ["nb.ipynb"]


def test_the_iteration_tables_rows_are_counted(tmp_path: Path) -> None:
    readme = (
        "# Results\n\n"
        "| Iteration | Change | Result |\n"
        "|---|---|---|\n"
        "| Baseline | Logistic regression | recall 0.81 |\n"
        "| 1 | Class weights | recall 0.90 |\n"
        "| 2 | Threshold at the precision floor | recall 0.93 |\n"
        "| 3 | Drop leaky feature | recall 0.92 (honest) |\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"README.md": readme}))
    assert docs.iteration_table is not None
    assert docs.iteration_table_rows == 4


def test_each_item_under_a_next_steps_heading_is_a_next_step(tmp_path: Path) -> None:
    readme = (
        "# Model\n\nA calibrated logistic regression tuned for recall.\n\n"
        "## Next steps\n\n"
        "1. Calibrate the threshold on a fresh month of data.\n"
        "2. Add drift monitoring on the three strongest features.\n"
        "3. Run a shadow deployment for two weeks.\n"
        "4. Retrain.\n"
    )
    docs = collect_docs(snapshot(tmp_path, {"README.md": readme}))
    steps = [(s.pointer.ref, s.text) for s in docs.statements if s.kind == "next_step"]
    assert steps == [
        ("README.md:7", "Calibrate the threshold on a fresh month of data."),
        ("README.md:8", "Add drift monitoring on the three strongest features."),
        ("README.md:9", "Run a shadow deployment for two weeks."),
    ]  # "Retrain." alone is too short to be a concrete step
