"""The hiring team's trial pages (under /trials/)."""

from django.urls import path

from worktrial.web.trials import views

app_name = "trials"
urlpatterns = [
    path("", views.trial_list, name="list"),
    path("new/", views.trial_new, name="new"),
    path("<int:trial_id>/", views.trial_dashboard, name="dashboard"),
    path("<int:trial_id>/edit/", views.trial_edit, name="edit"),
    path("<int:trial_id>/publish/", views.trial_publish, name="publish"),
    path("<int:trial_id>/close/", views.trial_close, name="close"),
    path("<int:trial_id>/invite/", views.trial_invite, name="invite"),
    path("<int:trial_id>/checkpoints/", views.trial_checkpoints, name="checkpoints"),
    path("<int:trial_id>/questions/", views.trial_questions, name="questions"),
    path("<int:trial_id>/payments.csv", views.trial_payments_csv, name="payments_csv"),
    path("candidacies/<int:candidacy_id>/", views.candidacy_page, name="candidacy"),
    path(
        "candidacies/<int:candidacy_id>/submissions/",
        views.candidacy_submissions,
        name="candidacy_submissions",
    ),
    path(
        "candidacies/<int:candidacy_id>/questions/<int:question_id>/answer/",
        views.candidacy_answer,
        name="answer",
    ),
    path("candidacies/<int:candidacy_id>/feedback/", views.candidacy_feedback, name="feedback"),
    path("candidacies/<int:candidacy_id>/payment/", views.candidacy_payment, name="payment"),
    path("evaluations/<int:evaluation_id>/scorecard/", views.scorecard_page, name="scorecard"),
    path(
        "evaluations/<int:evaluation_id>/scorecard.html",
        views.scorecard_html,
        name="scorecard_html",
    ),
    path(
        "evaluations/<int:evaluation_id>/scorecard.md",
        views.scorecard_download,
        {"fmt": "md"},
        name="scorecard_md",
    ),
    path(
        "evaluations/<int:evaluation_id>/scorecard.json",
        views.scorecard_download,
        {"fmt": "json"},
        name="scorecard_json",
    ),
]
