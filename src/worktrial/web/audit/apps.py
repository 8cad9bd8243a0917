from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "worktrial.web.audit"
    label = "audit"
