from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "worktrial.web.submissions"
    label = "submissions"
