"""``worktrial demo`` end to end, and how it treats an existing output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from worktrial.cli import main
from worktrial.demo import PERSONAS
from worktrial.demo.run import MARKER, DemoResult, check_out_dir
from worktrial.errors import UsageError


@pytest.mark.slow
def test_demo_writes_every_scorecard_and_prints_the_ranking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default --out is relative, as `make demo` runs it
    out = tmp_path / "demo-out"
    assert main(["demo", "--static", "--out", "demo-out", "--no-open"]) == 0
    printed = capsys.readouterr()
    flat = " ".join(printed.out.split())  # the ranking table may wrap long paths
    for name in PERSONAS:
        assert name in printed.out
        assert f"scorecards/{name}.html" in flat.replace(" ", "")
    assert "Demo candidates, by overall score (1-5)" in printed.out
    assert "demo: building notebook-dump" in printed.err
    html = sorted(p.name for p in (out / "scorecards").glob("*.html"))
    assert html == sorted(f"{name}.html" for name in PERSONAS)
    for name in PERSONAS:
        doc = json.loads((out / "scorecards" / f"{name}.json").read_text(encoding="utf-8"))
        assert doc["candidate"] == name
        assert (out / "scorecards" / f"{name}.md").read_text(encoding="utf-8").startswith("#")
    assert (out / "comparison.html").is_file()
    assert (out / "comparison.md").is_file()
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["command"] == "demo"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_folder_that_is_not_a_demo_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert main(["demo", "--static", "--out", str(out), "--no-open"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --out {out}: the folder has content and is not a previous demo output (no "
        f"{MARKER} file in it); refusing to replace it. Choose a new or empty folder."
    )
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "demo-out"
    target.write_text("x")
    with pytest.raises(UsageError, match="found a file"):
        check_out_dir(target)


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / MARKER).write_text("{}")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UsageError, match="found a symbolic link"):
        check_out_dir(link)


def test_the_current_folder_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "demo-out"
    (out / "inner").mkdir(parents=True)
    (out / MARKER).write_text("{}")
    monkeypatch.chdir(out / "inner")
    with pytest.raises(UsageError, match="it is the current folder or contains it"):
        check_out_dir(out)
    assert (out / MARKER).exists()


def test_new_empty_and_previous_outputs_are_accepted(tmp_path: Path) -> None:
    assert check_out_dir(tmp_path / "new") is False
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_out_dir(empty) is False
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / MARKER).write_text("{}")
    (previous / "stale.html").write_text("old")
    assert check_out_dir(previous) is True


@pytest.mark.slow
def test_rerunning_replaces_a_previous_output(demo: DemoResult) -> None:
    from worktrial.demo.run import run_demo

    stale = demo.out / "scorecards" / "stale.html"
    stale.write_text("from an older run")
    before = {c.persona: c.repo.head for c in demo.ranking}
    again = run_demo(demo.out)
    assert not stale.exists()
    assert {c.persona: c.repo.head for c in again.ranking} == before
    assert [p.name for p in demo.out.parent.iterdir()] == [demo.out.name]
    # everything but the time stamp is the same
    for c in again.ranking:
        first = next(x for x in demo.ranking if x.persona == c.persona)
        assert c.scorecard.model_copy(update={"generated_at": first.scorecard.generated_at}) == (
            first.scorecard
        )
