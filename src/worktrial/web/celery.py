"""The Celery application. Its configuration is the Django settings prefixed ``CELERY_``.

Every worker also runs the reaper (:func:`worktrial.web.jobs.leases.reap`) on a timer of its own,
so expired leases are re-queued without a scheduler process and without anyone calling it: any
number of workers may run it at once (every transition is a conditional UPDATE).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worktrial.web.settings.embedded")

app = Celery("worktrial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["worktrial.web.jobs"])

log = logging.getLogger("worktrial.reaper")


class Reaper(threading.Thread):
    """Runs :func:`~worktrial.web.jobs.leases.reap` every ``interval`` seconds until stopped.

    The database connection is closed after every pass: the thread holds none while it sleeps
    (a pool that forks children after start-up never inherits an open connection of it).
    """

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True, name="worktrial-reaper")
        self.interval = interval
        self.passes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from worktrial.web.jobs import leases

        while True:
            try:
                requeued = leases.reap()
                if requeued:
                    log.info("re-queued evaluations %s", requeued)
            except Exception:  # a database hiccup must not end the reaper; try again next time
                log.exception("the reaper's pass failed; trying again in %.1f s", self.interval)
            finally:
                connection.close()
            self.passes += 1
            if self._halt.wait(self.interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


_reaper: Reaper | None = None


@worker_ready.connect
def _start_reaper(**_kwargs: Any) -> None:
    global _reaper
    from django.conf import settings

    if _reaper is None:
        _reaper = Reaper(float(settings.WORKTRIAL_REAP_SECONDS))
        _reaper.start()
        log.info("reaper started: every %.1f s", _reaper.interval)


@worker_shutdown.connect
def _stop_reaper(**_kwargs: Any) -> None:
    global _reaper
    if _reaper is not None:
        _reaper.stop()
        _reaper = None
