from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_samples import EVIL, START, make_evidence, make_result, make_scorecard

from worktrial.errors import ScorecardError
from worktrial.report import (
    SCHEMA_VERSION,
    Scorecard,
    build_scorecard,
    evidence_anchor,
    load_scorecard,
    parse_scorecard,
    scorecard_schema,
)
from worktrial.report._scorecard import lower_is_better

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scorecard.md"


def test_json_round_trip_is_identical(tmp_path: Path, card: Scorecard) -> None:
    path = tmp_path / "card.json"
    path.write_text(card.to_json(), encoding="utf-8")
    again = load_scorecard(path)
    assert again == card
    assert again.to_json() == card.to_json()


def test_document_is_blind_and_has_no_machine_paths(card: Scorecard) -> None:
    text = card.to_json()
    assert "/srv/private" not in text
    assert "Ada Lovelace" not in text
    assert "ada@example.com" not in text
    assert card.repository.name == "cand-7"
    assert card.candidate == "cand-7"
    # the author's name in a commit subject is replaced by the alias
    assert any("recall 0.83 by cand-7" in p.subject for p in card.charts.timeline)
    # collector notes that named the absolute path now name only repository-relative paths
    assert any(n.text == "read README.md" for n in card.notes)


def test_default_alias_is_candidate() -> None:
    card = make_scorecard(candidate=None)
    assert card.candidate == "candidate"
    assert "Ada Lovelace" not in card.to_json()


def test_header_fields(card: Scorecard) -> None:
    assert card.schema_version == SCHEMA_VERSION == "1.0"
    assert card.tool.name == "worktrial"
    assert card.generated_at.tzinfo is not None
    assert card.repository.branch == "main"
    assert card.repository.detached is False
    assert card.trial is not None
    assert card.trial.primary_metric.name == "recall"
    assert card.window.started_at == START
    assert card.window.days == 7.0
    assert card.window.source == "explicit"
    assert [d.id for d in card.dimensions] == [
        "output",
        "framing",
        "iteration",
        "discipline",
        "communication",
        "decisions",
    ]


def test_signals_keep_rule_summary_fix_and_evidence(card: Scorecard) -> None:
    s = card.signal("framing.first")
    assert s is not None
    assert s.observed and s.subscore == 0.8
    assert s.rule == "subscore = value"
    assert s.fix == "Write it down in the README."
    assert [e.kind for e in s.evidence] == ["commit", "file", "experiment"]
    missing = card.signal("framing.missing")
    assert missing is not None
    assert not missing.observed and missing.subscore is None
    assert card.signal("nope.nothing") is None


def test_notes_cover_not_observed_skipped_and_late(card: Scorecard) -> None:
    kinds = {n.kind for n in card.notes}
    assert {"not_observed", "skipped", "late", "window", "history", "collector"} <= kinds
    late = [n for n in card.notes if n.kind == "late"]
    assert len(late) == 1 and late[0].ref is not None and late[0].ref.startswith("08")
    skipped = [n for n in card.notes if n.kind == "skipped"]
    assert skipped[0].ref == "data/big.csv"
    assert sum(1 for n in card.notes if n.kind == "not_observed") == 6


def test_counts_and_confidence(card: Scorecard) -> None:
    c = card.counts
    assert (c.commits, c.work_commits, c.late_commits, c.starter_commits) == (9, 7, 1, 1)
    assert (c.experiments, c.updates, c.skipped_files) == (4, 1, 1)
    assert (c.signals_observed, c.signals_total) == (12, 18)
    # output (weight 1) has confidence 0, the five others (weight 2) 0.75
    assert card.confidence == round(10 * 0.75 / 11, 2)


def test_charts_data(card: Scorecard) -> None:
    tl = card.charts.timeline
    assert [p.at for p in tl] == sorted(p.at for p in tl)
    assert tl[0].starter and tl[-1].after_deadline
    assert all(len(p.subject) <= 100 for p in tl)
    traj = card.charts.trajectory
    assert traj.metric == "recall"  # the spec's primary metric
    assert traj.higher_is_better
    assert [p.value for p in traj.points] == [0.71, 0.69, 0.69, 0.83]
    assert [p.outcome for p in traj.points] == ["improved", "regressed", "failed", "improved"]
    alloc = card.charts.time_allocation
    assert alloc.healthy == {"framing": 0.2, "baseline": 0.2, "iteration": 0.4, "writeup": 0.2}
    assert alloc.actual is not None and alloc.actual["baseline"] == 0.35


def test_trajectory_falls_back_to_the_most_reported_metric() -> None:
    from worktrial.rubric._types import Context

    evidence = make_evidence()
    ctx = Context(evidence=evidence)
    card = build_scorecard(evidence, make_result(evidence), ctx, time_allocation={})
    assert card.trial is None
    assert card.charts.trajectory.metric == "recall"  # 4 records report it, 1 precision
    assert card.charts.time_allocation.actual is None
    assert card.window.started_at is None and card.window.days is None


def test_lower_is_better_names() -> None:
    assert lower_is_better("mean_squared_error")
    assert lower_is_better("log_loss")
    assert lower_is_better("RMSE")
    assert not lower_is_better("recall")
    assert not lower_is_better("roc_auc")


def test_timeline_is_capped_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from worktrial.report import _scorecard

    monkeypatch.setattr(_scorecard, "MAX_TIMELINE", 3)
    card = make_scorecard()
    assert len(card.charts.timeline) == 3
    assert any("3 most recent of 9 commits" in n.text for n in card.notes)


def test_evidence_anchor_shapes() -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert evidence_anchor("commit", sha) == "ev-commit-0123456789ab"
    a = evidence_anchor("file", "src/train.py:12")
    assert re.fullmatch(r"ev-file-src-train\.py-12-[0-9a-f]{6}", a)
    assert evidence_anchor("file", "a b") != evidence_anchor("file", "a/b")
    assert evidence_anchor("file", EVIL).startswith("ev-file-")
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", evidence_anchor("file", EVIL))


# --------------------------------------------------------------------------- loading errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScorecardError) as err:
        load_scorecard(tmp_path / "x.json")
    assert err.value.message == f"{tmp_path / 'x.json'}: no such file"


def test_not_a_scorecard() -> None:
    with pytest.raises(ScorecardError) as err:
        parse_scorecard('{"hello": 1}', source="x.json")
    assert err.value.message == "x.json: not a worktrial scorecard (missing schema_version)"
    with pytest.raises(ScorecardError) as err:
        parse_scorecard("[1, 2]", source="x.json")
    assert err.value.message == "x.json: not a worktrial scorecard (missing schema_version)"


def test_newer_version(card: Scorecard) -> None:
    raw = json.loads(card.to_json())
    raw["schema_version"] = "2.0"
    with pytest.raises(ScorecardError) as err:
        parse_scorecard(json.dumps(raw), source="x.json")
    assert (
        err.value.message
        == "x.json: scorecard version 2.0 is newer than this worktrial understands (1.0)"
    )
    assert err.value.exit_code == 2


def test_older_unknown_version(card: Scorecard) -> None:
    raw = json.loads(card.to_json())
    raw["schema_version"] = "0.9"
    with pytest.raises(ScorecardError) as err:
        parse_scorecard(json.dumps(raw), source="x.json")
    assert err.value.message == "x.json: unsupported scorecard version '0.9' (expected 1.0)"


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{\n  "schema_version": "1.0",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(ScorecardError) as err:
        load_scorecard(path)
    assert err.value.message == (
        f"{path}: invalid JSON at line 3, column 3: Expecting property name enclosed in "
        "double quotes"
    )


def test_schema_mismatch_names_the_key(card: Scorecard) -> None:
    raw = json.loads(card.to_json())
    raw["dimensions"][1]["score"] = "high"
    with pytest.raises(ScorecardError) as err:
        parse_scorecard(json.dumps(raw), source="x.json")
    assert err.value.message.startswith("x.json: invalid scorecard at dimensions.1.score: ")
    assert err.value.fields["key"] == "dimensions.1.score"


def test_naive_generated_at_is_rejected(card: Scorecard) -> None:
    raw = json.loads(card.to_json())
    raw["generated_at"] = "2026-03-10T12:00:00"
    with pytest.raises(ScorecardError, match="generated_at must carry a UTC offset"):
        parse_scorecard(json.dumps(raw), source="x.json")


def test_build_uses_now_in_utc_by_default() -> None:
    from worktrial.rubric._types import Context

    evidence = make_evidence()
    before = datetime.now(UTC)
    card = build_scorecard(
        evidence, make_result(evidence), Context(evidence=evidence), time_allocation={}
    )
    assert card.generated_at >= before.replace(microsecond=0)
    assert card.generated_at.utcoffset() is not None
    assert card.generated_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


# --------------------------------------------------------------------------- schema and docs


def _models() -> list[type]:
    from pydantic import BaseModel

    found: list[type] = []

    def walk(model: type[BaseModel]) -> None:
        if model in found:
            return
        found.append(model)
        for f in model.model_fields.values():
            stack = [f.annotation]
            while stack:
                t = stack.pop()
                if isinstance(t, type) and issubclass(t, BaseModel):
                    walk(t)
                stack.extend(getattr(t, "__args__", ()))

    walk(Scorecard)
    return found


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^### |\Z)", text, flags=re.M | re.S))
    missing = []
    for model in _models():
        name = model.__name__.removesuffix("Info") if model.__name__ == "Info" else model.__name__
        section = sections.get(name)
        if section is None:
            missing.append(f"section ### {name}")
            continue
        for field in model.model_fields:  # type: ignore[attr-defined]
            if f"| `{field}` |" not in section:
                missing.append(f"{name}.{field}")
    assert not missing, f"undocumented in docs/scorecard.md: {missing}"


def test_documented_fields_exist() -> None:
    text = DOCS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^### |\Z)", text, flags=re.M | re.S))
    models = {m.__name__: m for m in _models()}
    for name, section in sections.items():
        assert name in models, f"docs/scorecard.md documents an unknown model {name}"
        documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
        assert documented == set(models[name].model_fields), name  # type: ignore[attr-defined]


def test_json_schema_describes_the_document() -> None:
    schema = scorecard_schema()
    assert schema["title"] == "worktrial scorecard"
    props = schema["properties"]
    assert isinstance(props, dict)
    assert {"schema_version", "dimensions", "charts", "red_flags", "notes"} <= set(props)
    json.dumps(schema)  # serialisable


def test_scrubbing_keeps_words_that_merely_contain_a_name() -> None:
    from worktrial.report._scorecard import _Scrubber

    scrub = _Scrubber("/home/x/repo", "cand-1", ["Max", "Ada Lovelace", "ada@example.com"])
    assert scrub("tune max_depth with Ada Lovelace") == "tune max_depth with cand-1"
    assert scrub("mail ada@example.com, see /home/x/repo/src/a.py") == ("mail cand-1, see src/a.py")
    assert scrub("Ada Lovelaces") == "Ada Lovelaces"  # whole words only
    assert scrub("x" * 500).endswith("…") and len(scrub("x" * 500)) == 400
