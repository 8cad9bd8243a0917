"""Evaluation rows: one per (submission, spec version), with a lease so none is ever stuck.

A worker claims a queued row by setting ``status=running``, a ``lease_expires_at`` and its name,
and extends the lease with heartbeats while it works. A row whose lease expired (the worker
died) is put back in the queue by the reaper, up to ``WORKTRIAL_MAX_ATTEMPTS`` attempts; after
that it fails with a reason in words. The result is written once, guarded by the lease owner.
"""

from __future__ import annotations

from django.db import models


class EvaluationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Evaluated"
    FAILED = "failed", "Failed"


class Evaluation(models.Model):
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="evaluations"
    )
    spec_version = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.QUEUED
    )
    reason = models.TextField(blank=True)  # why it is in this status, in words a candidate reads
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    step = models.CharField(max_length=200, blank=True)  # what the worker is doing now
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # results (written once)
    scorecard = models.JSONField(null=True, blank=True)
    overall = models.FloatField(null=True, blank=True)
    dimensions = models.JSONField(default=dict, blank=True)  # dimension -> score
    red_flags = models.PositiveIntegerField(default=0)
    dev_score = models.FloatField(null=True, blank=True)
    log = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "spec_version"], name="one_evaluation_per_spec_version"
            )
        ]
        indexes = [
            models.Index(fields=["status", "lease_expires_at"]),
            # a candidacy's latest evaluation (the newest of its last submission) in one
            # step: the trial dashboard looks it up for every candidate on each visit
            models.Index(
                fields=["submission", "-queued_at", "-id"], name="evaluation_newest_first"
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation {self.pk} of {self.submission_id}: {self.status}"
