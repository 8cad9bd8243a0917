"""The web upload of a submission: its form and the upload handler that streams the file to a
temporary file on disk and stops reading as soon as it is over the size cap."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest

from worktrial.errors import IntakeError
from worktrial.repo._intake import size_text

MiB = 1024 * 1024
# what a multipart request carries beside the file: the CSRF token, the boundaries, headers
FORM_OVERHEAD = 64 * 1024

ADVICE = (
    "nothing was stored. Keep data files, model weights and build output out of git "
    "(list them in .gitignore), then upload again"
)


def declared_too_large(request: HttpRequest, limit: int) -> str | None:
    """The refusal for a request whose Content-Length already says it is over ``limit`` (plus
    the form's own few bytes), or ``None``. Checked before a byte of the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= limit + FORM_OVERHEAD:
        return None
    return f"the upload is {size_text(length)}, over the {size_text(limit)} limit; {ADVICE}"


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Every uploaded file goes to a temporary file (never memory); reading stops with an
    :class:`IntakeError` once a file is over ``limit`` bytes, whatever the request declared."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.file.close()  # removes the partial temporary file
            raise IntakeError(
                f"{self.file_name}: the file is over the {size_text(self.limit)} limit; {ADVICE}",
                path=self.file_name,
                reason="too_large",
                limit=self.limit,
            )
        return super().receive_data_chunk(raw_data, start)


class UploadForm(forms.Form):
    """One git bundle (``git bundle create work.bundle --all``)."""

    bundle = forms.FileField(
        label="Git bundle",
        help_text="Made with: git bundle create work.bundle --all",
        widget=forms.FileInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bundle"].error_messages["required"] = (
            "choose a git bundle file to upload (git bundle create work.bundle --all)"
        )
