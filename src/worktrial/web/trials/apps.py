from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "worktrial.web.trials"
    label = "trials"
