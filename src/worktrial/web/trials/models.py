"""A trial and everything that happens between a company and one candidate in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TrialStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"


class Trial(models.Model):
    """A paid trial project of one organization, built from a validated bundle.

    The bundle (spec, brief, public and hidden data, starter) lives on disk under the data
    folder (``bundle_dir``, relative to it); ``spec`` keeps the parsed spec for display and
    ``spec_version`` the SHA-256 of ``trial.toml`` so an evaluation names the exact rules it used.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="trials"
    )
    title = models.CharField(max_length=200)
    trial_id = models.CharField(max_length=100)  # the spec's id
    template = models.CharField(max_length=60, blank=True)
    bundle_dir = models.CharField(max_length=500)
    spec = models.JSONField(default=dict)
    spec_version = models.CharField(max_length=64)
    brief = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=TrialStatus.choices, default=TrialStatus.DRAFT)
    compensation_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    compensation_currency = models.CharField(max_length=3, default="EUR")
    share_scorecard_with_candidates = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Checkpoint(models.Model):
    """A point in the trial where the company gives each candidate feedback."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="checkpoints")
    name = models.CharField(max_length=100)
    day = models.PositiveIntegerField(help_text="days after the candidate's start")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return f"{self.name} (day {self.day})"


class Stage(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Working"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


STAGE_ORDER: list[str] = list(Stage.values)


class PaymentStatus(models.TextChoices):
    NOT_DUE = "not_due", "Not due yet"
    DUE = "due", "Due"
    PAID = "paid", "Paid"


class Candidacy(models.Model):
    """One candidate in one trial: the unit reviewers see (blind, under ``alias``)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="candidacies")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidacies",
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    alias = models.CharField(max_length=40)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.INVITED)
    starts_at = models.DateTimeField()
    deadline = models.DateTimeField()
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.NOT_DUE
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    export_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The latest evaluation (the newest of the last submission) and its result, copied here by
    # ``jobs.actions.refresh_latest`` in the transaction of every change to an evaluation, so
    # the dashboard sorts and charts thousands of candidates without a lookup per candidate.
    # ``latest_overall``, ``latest_red_flags`` and ``latest_dimensions`` are set once it is done.
    latest_evaluation = models.ForeignKey(
        "jobs.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_status = models.CharField(max_length=20, blank=True)  # "": no evaluation
    latest_reason = models.TextField(blank=True)  # why it is in that status, in words
    latest_overall = models.FloatField(null=True, blank=True)
    latest_red_flags = models.PositiveIntegerField(null=True, blank=True)
    latest_dimensions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["trial", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "alias"], name="one_alias_per_trial"),
            models.UniqueConstraint(fields=["trial", "email"], name="one_candidacy_per_email"),
        ]
        indexes = [
            models.Index(fields=["trial", "stage"]),
            # the dashboard sorts and charts a trial's candidates by their latest score
            models.Index(fields=["trial", "latest_overall"], name="candidacy_by_score"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} in {self.trial}"


class Invitation(models.Model):
    """A link that lets one person join one candidacy; single use, expiring."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class Question(models.Model):
    """A candidate's clarifying question and the company's answer (framing evidence)."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField()
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["asked_at", "id"]


class ProgressUpdate(models.Model):
    """A candidate's progress update: what was done, what is next, what blocks."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    done = models.TextField()
    next = models.TextField(blank=True)
    blockers = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Feedback(models.Model):
    """Checkpoint feedback from the company and the candidate's response to it."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="feedback")
    checkpoint = models.ForeignKey(
        Checkpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    text = models.TextField()
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)  # first seen by the candidate
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
