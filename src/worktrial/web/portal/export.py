"""A candidate's own data as a zip they can download at once: the candidacy, their questions
and the answers, their progress updates, the feedback they received and their responses, their
submissions (metadata and evaluation status) and, when the company shares them, the scorecards
(JSON and the engine's HTML)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Any

from django.db.models import Prefetch

from worktrial.web.jobs.models import Evaluation
from worktrial.web.trials.models import Candidacy

README = """Your data from the trial "{title}" ({company}), exported on {when} UTC.

candidacy.json    your candidacy: dates, stage, compensation and payment status
questions.json    the questions you asked and the answers you received
updates.json      your progress updates
feedback.json     the feedback you received and your responses
submissions.json  your submissions: commit, upload time, evaluation status and reason
{scorecards}
The code you submitted is in your own git repository; it is not repeated here.
"""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dump(zf: zipfile.ZipFile, name: str, data: Any) -> None:
    zf.writestr(name, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_export(candidacy: Candidacy, now: datetime) -> IO[bytes]:
    """The export of ``candidacy`` as an open temporary file positioned at its start.

    Scorecards are included only when the trial shares them with candidates.
    """
    from worktrial.report import parse_scorecard, render_html

    trial = candidacy.trial
    shared = trial.share_scorecard_with_candidates
    # handed open to the caller: the response streams it and closes it
    out = tempfile.TemporaryFile()  # noqa: SIM115
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _dump(
            zf,
            "candidacy.json",
            {
                "trial": trial.title,
                "company": trial.organization.name,
                "email": candidacy.email,
                "name": candidacy.name,
                "stage": candidacy.stage,
                "starts_at": _when(candidacy.starts_at),
                "deadline": _when(candidacy.deadline),
                "compensation": {
                    "amount": str(trial.compensation_amount),
                    "currency": trial.compensation_currency,
                },
                "payment_status": candidacy.payment_status,
                "paid_at": _when(candidacy.paid_at),
                "export_requested_at": _when(candidacy.export_requested_at),
                "erasure_requested_at": _when(candidacy.erasure_requested_at),
            },
        )
        _dump(
            zf,
            "questions.json",
            [
                {
                    "asked_at": _when(q.asked_at),
                    "question": q.text,
                    "answer": q.answer,
                    "answered_at": _when(q.answered_at),
                }
                for q in candidacy.questions.all()
            ],
        )
        _dump(
            zf,
            "updates.json",
            [
                {"at": _when(u.at), "done": u.done, "next": u.next, "blockers": u.blockers}
                for u in candidacy.updates.all()
            ],
        )
        _dump(
            zf,
            "feedback.json",
            [
                {
                    "checkpoint": f.checkpoint.name if f.checkpoint else None,
                    "given_at": _when(f.given_at),
                    "feedback": f.text,
                    "received_at": _when(f.received_at),
                    "response": f.response,
                    "responded_at": _when(f.responded_at),
                }
                for f in candidacy.feedback.select_related("checkpoint")
            ],
        )
        evaluations = Evaluation.objects.order_by("-queued_at", "-id")
        if not shared:
            evaluations = evaluations.defer("scorecard", "log")
        submissions = candidacy.submissions.order_by("number").prefetch_related(
            Prefetch("evaluations", queryset=evaluations)
        )
        listed = []
        for s in submissions:
            latest = next(iter(s.evaluations.all()), None)
            listed.append(
                {
                    "number": s.number,
                    "commit": s.commit,
                    "uploaded_at": _when(s.uploaded_at),
                    "via": s.via,
                    "size_bytes": s.size_bytes,
                    "evaluation": None
                    if latest is None
                    else {
                        "status": latest.status,
                        "reason": latest.reason,
                        "dev_score": latest.dev_score,
                    },
                }
            )
            scored = (
                next((e for e in s.evaluations.all() if e.status == "done" and e.scorecard), None)
                if shared
                else None
            )
            if scored is not None:
                name = f"scorecards/submission-{s.number}"
                _dump(zf, f"{name}.json", scored.scorecard)
                card = parse_scorecard(json.dumps(scored.scorecard), source=f"{name}.json")
                zf.writestr(f"{name}.html", render_html(card))
        _dump(zf, "submissions.json", listed)
        zf.writestr(
            "README.txt",
            README.format(
                title=trial.title,
                company=trial.organization.name,
                when=now.strftime("%Y-%m-%d %H:%M"),
                scorecards="scorecards/       the scorecards of your evaluated submissions\n"
                if shared
                else "",
            ),
        )
    out.seek(0)
    return out
