from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "worktrial.web.accounts"
    label = "accounts"
