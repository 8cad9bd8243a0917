"""Review pages: /reviews/ (my queue), /reviews/<review>/, /reviews/board/ and, per candidacy,
/reviews/candidacy/<id>/ (manager), .../evidence/, .../file/?path=, .../assign/, .../decide/."""

from django.urls import path

from worktrial.web.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("board/", views.board, name="board"),
    path("<int:review_id>/", views.review_page, name="review"),
    path("candidacy/<int:candidacy_id>/", views.candidacy_page, name="candidacy"),
    path("candidacy/<int:candidacy_id>/evidence/", views.evidence_page, name="evidence"),
    path("candidacy/<int:candidacy_id>/file/", views.file_page, name="file"),
    path("candidacy/<int:candidacy_id>/assign/", views.assign, name="assign"),
    path("candidacy/<int:candidacy_id>/decide/", views.decide, name="decide"),
]
