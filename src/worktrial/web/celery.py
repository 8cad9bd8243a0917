"""The Celery application. Its configuration is the Django settings prefixed ``CELERY_``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worktrial.web.settings.embedded")

app = Celery("worktrial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["worktrial.web.jobs"])
