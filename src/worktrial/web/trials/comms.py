"""The engine's comms evidence, read from the platform's database.

:class:`DatabaseCommsSource` implements the engine's
:class:`~worktrial.evidence.comms.CommsSource`, so the evaluation of a submission reads the
candidate's updates, questions and feedback from the same rows the pages show. Only what existed
when the submission was uploaded counts (a later update cannot change an earlier scorecard).
:func:`submission_comms` merges it with the files in the submitted repository (a progress log
kept in the repository counts as much as updates posted on the web; one sent to both counts once).
"""

from __future__ import annotations

import os
from datetime import datetime

from worktrial.evidence._types import Comms, Feedback, Pointer, Question, Update
from worktrial.evidence.comms import CommsSource, MergedCommsSource, RepoCommsSource
from worktrial.repo import Repo, Snapshot
from worktrial.tracking._records import excerpt
from worktrial.web.trials.models import Candidacy


class DatabaseCommsSource:
    """Updates, questions and feedback of one candidacy, up to ``until``."""

    def __init__(self, candidacy: Candidacy, *, until: datetime | None = None) -> None:
        self.candidacy = candidacy
        self.until = until

    def load(self) -> Comms:
        """Every update, question and feedback thread of the candidacy, oldest first."""
        c = self.candidacy
        updates = c.updates.all()
        questions = c.questions.all()
        feedback = c.feedback.select_related("checkpoint").all()
        if self.until is not None:
            updates = updates.filter(at__lte=self.until)
            questions = questions.filter(asked_at__lte=self.until)
            feedback = feedback.filter(given_at__lte=self.until)
        comms = Comms(source="platform")
        for u in updates:
            ref = f"u{u.pk}"
            comms.updates.append(
                Update(
                    id=ref,
                    at=u.at,
                    done=u.done,
                    next=u.next,
                    blockers=u.blockers,
                    pointer=Pointer("update", ref, excerpt(u.done)),
                )
            )
        for q in questions:
            ref = f"q{q.pk}"
            comms.questions.append(
                Question(
                    id=ref,
                    at=q.asked_at,
                    text=q.text,
                    answer=q.answer,
                    pointer=Pointer("question", ref, excerpt(q.text)),
                )
            )
        for f in feedback:
            ref = f"f{f.pk}"
            responded = f.responded_at
            if self.until is not None and responded is not None and responded > self.until:
                responded = None
            comms.feedback.append(
                Feedback(
                    id=ref,
                    # acting on feedback counts from when the candidate saw it
                    at=f.received_at or f.given_at,
                    checkpoint=f.checkpoint.name if f.checkpoint else "feedback",
                    text=f.text,
                    response=f.response if responded else "",
                    responded_at=responded,
                    pointer=Pointer("feedback", ref, excerpt(f.text)),
                )
            )
        return comms


def submission_comms(
    candidacy: Candidacy, repo: str | os.PathLike[str], *, until: datetime | None
) -> CommsSource:
    """The platform's records of ``candidacy`` (up to ``until``) merged with the comms files
    committed in ``repo`` at its HEAD."""
    return MergedCommsSource(
        DatabaseCommsSource(candidacy, until=until), RepoCommsSource(Snapshot(Repo(repo)))
    )
