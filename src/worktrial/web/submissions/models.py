"""A submission: one uploaded git bundle, verified and unpacked into a bare repository."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Submission(models.Model):
    """What a candidate handed in: the bare repository and the commit it pins.

    Only accepted uploads become rows; a refused upload changes nothing and its reason goes
    back to the person who uploaded it (and to the audit log).
    """

    candidacy = models.ForeignKey(
        "trials.Candidacy", on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveIntegerField()
    commit = models.CharField(max_length=64)
    refs = models.JSONField(default=list)
    repo_dir = models.CharField(max_length=500)  # relative to the data folder
    size_bytes = models.BigIntegerField()
    via = models.CharField(max_length=10, default="web")  # "web", "cli" or "api"
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["candidacy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "number"], name="one_number_per_candidacy")
        ]

    def __str__(self) -> str:
        return f"submission {self.number} of {self.candidacy.alias}"
