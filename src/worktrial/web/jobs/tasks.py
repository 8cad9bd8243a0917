"""Celery tasks. The message carries only the evaluation's id; the row carries the state.

Late acknowledgement (``acks_late``) plus ``reject_on_worker_lost`` means a message is only
removed once a worker finished with it; the lease on the row means that even a redelivered or
duplicated message evaluates a submission once.
"""

from __future__ import annotations

import logging
import threading
import traceback

from celery import shared_task

from worktrial.errors import WorktrialError
from worktrial.web.jobs import leases

log = logging.getLogger(__name__)


class _Heartbeat(threading.Thread):
    """Extends the lease every third of its length while the evaluation runs."""

    def __init__(self, evaluation_id: int, worker: str) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{evaluation_id}")
        self.evaluation_id = evaluation_id
        self.worker = worker
        self.step: str | None = None
        self.lost = threading.Event()
        self._halt = threading.Event()

    def run(self) -> None:
        from django.db import connection

        interval = max(leases.lease_seconds() / 3, 0.5)
        try:
            while not self._halt.wait(interval):
                if not leases.heartbeat(self.evaluation_id, self.worker, self.step):
                    self.lost.set()
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)


@shared_task(name="worktrial.evaluate", acks_late=True, reject_on_worker_lost=True)
def evaluate(evaluation_id: int) -> str:
    """Claim evaluation ``evaluation_id``, run it, write its result once."""
    from worktrial.web.jobs.evaluate import run_evaluation

    worker = leases.new_worker_token()
    evaluation = leases.claim(evaluation_id, worker)
    if evaluation is None:
        return "skipped"
    beat = _Heartbeat(evaluation_id, worker)
    beat.start()

    def progress(step: str) -> None:
        beat.step = step
        leases.heartbeat(evaluation_id, worker, step)

    try:
        result = run_evaluation(evaluation, progress)
    except WorktrialError as err:
        beat.stop()
        leases.fail(evaluation_id, worker, err.message, log=f"{err.code}: {err.message}")
        return "failed"
    except Exception:  # a bug or an infrastructure fault: give it back for another attempt
        beat.stop()
        log.exception("evaluation %s crashed", evaluation_id)
        leases.release(
            evaluation_id,
            worker,
            "the evaluation stopped because of an error on our side; it will be tried again",
            log=traceback.format_exc(limit=20),
        )
        from worktrial.web.jobs.actions import send_to_queue

        send_to_queue(evaluation_id)
        return "released"
    beat.stop()
    if beat.lost.is_set() or not leases.finish(evaluation_id, worker, **result):
        log.warning("evaluation %s: lease lost; its result was dropped", evaluation_id)
        return "lost"
    return "done"
