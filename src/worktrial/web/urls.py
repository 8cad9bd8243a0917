"""URLs: one include per app, the API under /api/ (OpenAPI docs at /api/docs)."""

from django.urls import include, path

from worktrial.web.accounts import views as account_views
from worktrial.web.api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("worktrial.web.accounts.urls")),
    path("trials/", include("worktrial.web.trials.urls")),
    path("submissions/", include("worktrial.web.submissions.urls")),
    path("jobs/", include("worktrial.web.jobs.urls")),
    path("reviews/", include("worktrial.web.reviews.urls")),
    path("audit/", include("worktrial.web.audit.urls")),
    path("portal/", include("worktrial.web.portal.urls")),
    path("api/", api.urls),
]
