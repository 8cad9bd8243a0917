"""The candidate timeline: commits and experiments (from the latest scorecard) and submissions,
progress updates, questions and feedback (from the database, plus the updates the candidate kept
in the repository) on one time axis."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.safestring import SafeString

from worktrial.evidence._types import Update as RepoUpdate
from worktrial.report import Scorecard
from worktrial.web.jobs.models import Evaluation
from worktrial.web.submissions.models import Submission
from worktrial.web.trials import charts
from worktrial.web.trials.models import Candidacy, Checkpoint, Feedback, ProgressUpdate, Question

LANES = ("Submissions", "Commits", "Experiments", "Updates", "Questions", "Feedback")


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the chronological list (and one mark on the chart)."""

    at: datetime
    kind: str  # submission, commit, experiment, update, question, feedback
    lane: str
    anchor: str
    title: str
    body: str = ""
    meta: str = ""
    css: str = ""
    size: float = 4.0


@dataclass(frozen=True, slots=True)
class Timeline:
    events: list[Event]
    chart: SafeString
    undated_experiments: int
    starter_commits: int
    source: Evaluation | None  # the evaluation whose scorecard gave commits and experiments


def _commit_events(card: Scorecard) -> tuple[list[Event], int]:
    events: list[Event] = []
    starter = 0
    for point in card.charts.timeline:
        if point.starter:
            starter += 1
            continue
        meta = f"{point.kind} · {point.lines} line{'s' if point.lines != 1 else ''} changed"
        if point.after_deadline:
            meta += " · after the deadline"
        events.append(
            Event(
                at=point.at,
                kind="commit",
                lane="Commits",
                anchor=f"commit-{point.sha[:12]}",
                title=f"{point.sha[:7]} {point.subject}",
                meta=meta,
                css=f"commit {'late' if point.after_deadline else ''}".strip(),
                size=3.0 + min(math.sqrt(max(point.lines, 0)) / 4, 5.0),
            )
        )
    return events, starter


def _experiment_events(card: Scorecard) -> tuple[list[Event], int]:
    traj = card.charts.trajectory
    events: list[Event] = []
    undated = 0
    for i, point in enumerate(traj.points):
        if point.at is None:
            undated += 1
            continue
        parts = []
        if point.value is not None and traj.metric:
            parts.append(f"{traj.metric} {point.value:.4g}")
        if point.outcome:
            parts.append(point.outcome)
        events.append(
            Event(
                at=point.at,
                kind="experiment",
                lane="Experiments",
                anchor=f"experiment-{i}",
                title=f"{point.id}: {point.change}" if point.change else point.id,
                meta=" · ".join(parts),
                css=f"experiment {point.outcome or ''}".strip(),
            )
        )
    return events, undated


def _submission_events(submissions: Iterable[Submission]) -> list[Event]:
    events = []
    for s in submissions:
        latest = next(iter(s.evaluations.all()), None)  # prefetched, newest first
        status = latest.get_status_display().lower() if latest is not None else "not evaluated"
        events.append(
            Event(
                at=s.uploaded_at,
                kind="submission",
                lane="Submissions",
                anchor=f"submission-{s.number}",
                title=f"Submission {s.number}",
                meta=f"commit {s.commit[:7]} · via {s.via} · {status}",
                css="submission",
                size=5.0,
            )
        )
    return events


def _comms_events(
    updates: Iterable[ProgressUpdate],
    questions: Iterable[Question],
    feedback: Iterable[Feedback],
) -> list[Event]:
    events = []
    for u in updates:
        body = [f"Done: {u.done}"]
        if u.next:
            body.append(f"Next: {u.next}")
        if u.blockers:
            body.append(f"Blockers: {u.blockers}")
        events.append(
            Event(u.at, "update", "Updates", f"update-{u.pk}", "Progress update", "\n".join(body))
        )
    for q in questions:
        answered = (
            f"answered {q.answered_at:%Y-%m-%d %H:%M}" if q.answered_at else "not answered yet"
        )
        events.append(
            Event(
                q.asked_at,
                "question",
                "Questions",
                f"question-{q.pk}",
                "Question",
                q.text + (f"\n\nAnswer: {q.answer}" if q.answer else ""),
                answered,
                "question" if q.answered_at else "question open",
            )
        )
    for f in feedback:
        meta = []
        meta.append(f"seen {f.received_at:%Y-%m-%d %H:%M}" if f.received_at else "not seen yet")
        if f.responded_at:
            meta.append(f"responded {f.responded_at:%Y-%m-%d %H:%M}")
        events.append(
            Event(
                f.given_at,
                "feedback",
                "Feedback",
                f"feedback-{f.pk}",
                f"Feedback · {f.checkpoint.name}" if f.checkpoint else "Feedback",
                f.text + (f"\n\nResponse: {f.response}" if f.response else ""),
                " · ".join(meta),
                "feedback",
            )
        )
    return events


def _repo_update_events(
    repo_updates: Sequence[RepoUpdate], posted: Sequence[ProgressUpdate]
) -> list[Event]:
    """Updates kept in the repository's files; one also posted on the platform (as
    ``worktrial update --remote`` does) is shown once, by the rule the scorecard counts them by."""
    from worktrial.evidence.comms import same_record

    events = []
    for i, u in enumerate(repo_updates):
        if any(same_record(u.at, u.done, p.at, p.done) for p in posted):
            continue
        body = [f"Done: {u.done}"]
        if u.next:
            body.append(f"Next: {u.next}")
        if u.blockers:
            body.append(f"Blockers: {u.blockers}")
        # a Markdown progress log points at its file and line; `worktrial update` records at
        # their own id in the repository's .worktrial/ files
        where = u.pointer.ref if u.pointer.kind == "file" else ""
        events.append(
            Event(
                u.at,
                "update",
                "Updates",
                f"repo-update-{i}",
                "Progress update",
                "\n".join(body),
                f"kept in the repository, {where}" if where else "kept in the repository",
            )
        )
    return events


def build_timeline(
    candidacy: Candidacy,
    *,
    scorecard: Scorecard | None,
    source: Evaluation | None,
    submissions: list[Submission],
    updates: list[ProgressUpdate],
    questions: list[Question],
    feedback: list[Feedback],
    checkpoints: list[Checkpoint],
    repo_updates: Sequence[RepoUpdate] = (),
    blind: Callable[[str], str] | None = None,
) -> Timeline:
    """Every event of ``candidacy`` in time order, and the chart drawing them on one axis
    (from the start, or the first event, to the deadline, or the last event).

    ``blind`` rewrites every text the candidate wrote (commit subjects, experiments, updates,
    questions, responses) for a reviewer who may not see the identity yet.
    """
    events = _submission_events(submissions) + _comms_events(updates, questions, feedback)
    events += _repo_update_events(repo_updates, updates)
    starter = undated = 0
    if scorecard is not None:
        commits, starter = _commit_events(scorecard)
        experiments, undated = _experiment_events(scorecard)
        events += commits + experiments
    if blind is not None:
        events = [
            dataclasses.replace(e, title=blind(e.title), body=blind(e.body), meta=blind(e.meta))
            for e in events
        ]
    events.sort(key=lambda e: (e.at, LANES.index(e.lane)))
    start, end = candidacy.starts_at, candidacy.deadline
    if events:
        start = min(start, events[0].at)
        end = max(end, events[-1].at)
    pad = max((end - start) / 40, timedelta(hours=2))
    rules = [charts.Rule(candidacy.starts_at, "start", "start")]
    rules += [
        charts.Rule(candidacy.starts_at + timedelta(days=cp.day), cp.name, "checkpoint")
        for cp in checkpoints
    ]
    rules.append(charts.Rule(candidacy.deadline, "deadline", "deadline"))
    chart = charts.timeline(
        LANES,
        [charts.Mark(e.lane, e.at, e.title, e.anchor, e.css, e.size) for e in events],
        rules,
        start - pad,
        end + pad,
    )
    return Timeline(events, chart, undated, starter, source)
