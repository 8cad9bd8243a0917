"""Submissions on the web. A candidate's own: ``/submissions/mine/<candidacy id>/`` (list and
upload), its live status fragment and the scorecards the company shares."""

from django.urls import path

from worktrial.web.submissions import views

app_name = "submissions"
urlpatterns = [
    path("mine/<int:candidacy_id>/", views.candidate_submissions, name="mine"),
    path("mine/<int:candidacy_id>/status/", views.status, name="status"),
    path("mine/<int:candidacy_id>/<int:number>/scorecard/", views.own_scorecard, name="scorecard"),
]
