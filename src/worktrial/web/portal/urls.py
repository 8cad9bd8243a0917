"""The candidate portal's pages: ``/portal/join/<token>/`` and ``/portal/<candidacy id>/...``.
The candidate's submissions are under ``/submissions/mine/<candidacy id>/``."""

from django.urls import path

from worktrial.web.portal import views

app_name = "portal"
urlpatterns = [
    path("join/<str:token>/", views.join, name="join"),
    path("<int:candidacy_id>/", views.candidacy, name="candidacy"),
    path("<int:candidacy_id>/kit.zip", views.kit_download, name="kit"),
    path("<int:candidacy_id>/files/<int:index>/", views.data_file, name="data_file"),
    path("<int:candidacy_id>/questions/", views.questions, name="questions"),
    path("<int:candidacy_id>/updates/", views.updates, name="updates"),
    path("<int:candidacy_id>/feedback/", views.feedback, name="feedback"),
    path("<int:candidacy_id>/your-data/", views.privacy, name="privacy"),
    path("<int:candidacy_id>/your-data/export.zip", views.export_download, name="export"),
]
