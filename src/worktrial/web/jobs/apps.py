from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "worktrial.web.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Make worktrial's Celery app the current one in every process that loads Django (web
        # server, shell, tests): a task sent from a view must use the configured broker, never
        # Celery's built-in default (an AMQP broker on localhost).
        from worktrial.web import celery  # noqa: F401
