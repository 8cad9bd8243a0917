"""URLs: one include per app, the API under /api/ (OpenAPI at /api/docs)."""

from django.urls import include, path

from worktrial.web.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("worktrial.web.accounts.urls")),
]
