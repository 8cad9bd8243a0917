"""The audit log: /audit/ (filterable page) and /audit/export.csv (the same rows as CSV)."""

from django.urls import path

from worktrial.web.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.export, name="export"),
]
