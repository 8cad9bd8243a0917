"""Blind reviews by assigned reviewers, and the hiring manager's decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    NO_DECISION = "no_decision", "No decision"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"


RECOMMENDATION_VALUE = {
    Recommendation.STRONG_NO: 1,
    Recommendation.NO: 2,
    Recommendation.YES: 4,
    Recommendation.STRONG_YES: 5,
}


class Review(models.Model):
    """One reviewer's review of one candidacy: assigned, then submitted once.

    ``ratings`` maps each of the six dimensions to 1-5 on the rubric's anchors; ``comments`` maps
    them to the reviewer's reasons. Until ``submitted_at`` is set the reviewer sees neither the
    candidate's identity nor the other reviewers' ratings.
    """

    candidacy = models.ForeignKey(
        "trials.Candidacy", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()
    ratings = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    summary = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "reviewer"], name="one_review_each")
        ]


class Outcome(models.TextChoices):
    ADVANCE = "advance", "Advance"
    OFFER = "offer", "Offer"
    REJECT = "reject", "Reject"


class Decision(models.Model):
    """The hiring manager's decision on a candidacy, with the rationale. Latest one counts."""

    candidacy = models.ForeignKey(
        "trials.Candidacy", on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
