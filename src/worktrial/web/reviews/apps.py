from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "worktrial.web.reviews"
    label = "reviews"
