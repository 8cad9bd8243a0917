"""The demo's scorecards order the personas the way RUBRIC.md intends.

Each assertion is a claim of the assessment model about how these five ways of working compare;
none of them is a threshold picked to make a number pass.
"""

from __future__ import annotations

import pytest

from worktrial.demo.run import DemoResult
from worktrial.report import Scorecard

pytestmark = pytest.mark.slow


def cards(demo: DemoResult) -> dict[str, Scorecard]:
    return {c.persona: c.scorecard for c in demo.ranking}


def dim(card: Scorecard, name: str) -> float:
    score = card.dimension(name).score
    assert score is not None, f"{card.candidate}: {name} not observed"
    return score


def flags(card: Scorecard) -> set[str]:
    return {f.id for f in card.red_flags}


def test_the_iterative_engineer_is_first_overall(demo: DemoResult) -> None:
    assert demo.ranking[0].persona == "iterative-engineer"
    c = cards(demo)
    top = c["iterative-engineer"].overall
    assert top is not None
    assert all(top > (card.overall or 0) for n, card in c.items() if n != "iterative-engineer")


@pytest.mark.parametrize("dimension", ["framing", "iteration", "communication"])
def test_the_iterative_engineer_leads_the_process_dimensions(
    demo: DemoResult, dimension: str
) -> None:
    c = cards(demo)
    best = dim(c["iterative-engineer"], dimension)
    assert all(best >= dim(card, dimension) for card in c.values())


def test_the_iterative_engineer_has_no_red_flag(demo: DemoResult) -> None:
    assert flags(cards(demo)["iterative-engineer"]) == set()


@pytest.mark.parametrize("dimension", ["iteration", "discipline"])
def test_the_notebook_dump_is_last_on_iteration_and_discipline(
    demo: DemoResult, dimension: str
) -> None:
    c = cards(demo)
    worst = dim(c["notebook-dump"], dimension)
    assert all(worst < dim(card, dimension) for n, card in c.items() if n != "notebook-dump")


def test_the_notebook_dump_did_all_its_work_in_the_last_hours(demo: DemoResult) -> None:
    assert "last_minute" in flags(cards(demo)["notebook-dump"])


@pytest.mark.parametrize("dimension", ["communication", "decisions"])
def test_the_honest_failure_beats_the_leaderboard_chaser(demo: DemoResult, dimension: str) -> None:
    c = cards(demo)
    assert dim(c["honest-failure"], dimension) > dim(c["leaderboard-chaser"], dimension)


def test_the_honest_failure_is_credited_for_reporting_failure(demo: DemoResult) -> None:
    card = cards(demo)["honest-failure"]
    failures = card.signal("decisions.failures_recorded")
    assert failures is not None and failures.subscore == 1.0
    assert "only_successes" not in flags(card)
    assert flags(card) == set()


def test_the_leaderboard_chaser_is_flagged_for_tuning_without_a_write_up(
    demo: DemoResult,
) -> None:
    card = cards(demo)["leaderboard-chaser"]
    assert "leaderboard_tuning" in flags(card)
    titles = {f.id: f.title for f in card.red_flags}
    assert titles["leaderboard_tuning"] == "Leaderboard-style tuning with no write-up"
    # it optimised accuracy, not the recall the brief asks for
    alignment = card.signal("framing.metric_alignment")
    assert alignment is not None and alignment.subscore == 0.0


def test_the_over_engineer_is_behind_on_iteration_and_flagged(demo: DemoResult) -> None:
    c = cards(demo)
    over = c["over-engineer"]
    assert dim(over, "iteration") < dim(c["iterative-engineer"], "iteration")
    assert "over_engineering" in flags(over)
    baseline = over.signal("iteration.time_to_baseline")
    assert baseline is not None and baseline.subscore == 0.0
    # the framework itself is well engineered: discipline is not where it falls short
    assert dim(over, "discipline") > dim(c["leaderboard-chaser"], "discipline")


def test_the_ranking_is_ordered_by_overall_score(demo: DemoResult) -> None:
    overall = [c.scorecard.overall or 0 for c in demo.ranking]
    assert overall == sorted(overall, reverse=True)
    assert [c.persona for c in demo.ranking][-1] == "notebook-dump"


def test_no_scorecard_names_a_candidate_or_a_machine_path(demo: DemoResult) -> None:
    for c in demo.ranking:
        text = c.json.read_text(encoding="utf-8")
        assert c.repo.candidate not in text
        assert c.repo.email not in text
        assert str(demo.out) not in text
        assert c.scorecard.candidate == c.persona


def test_no_persona_is_flagged_for_reaching_the_holdout_or_the_network(demo: DemoResult) -> None:
    # their code names the trial's public data files and downloads nothing on the train or
    # predict path; a notebook or a helper script is not an attempt on the holdout
    for c in demo.ranking:
        assert not flags(c.scorecard) & {"holdout_access", "network_attempt"}, c.persona
