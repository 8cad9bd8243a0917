from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "worktrial.web.jobs"
    label = "jobs"
