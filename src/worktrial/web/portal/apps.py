from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "worktrial.web.portal"
    label = "portal"
