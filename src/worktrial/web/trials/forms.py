"""Forms of the staff pages. They check types and sizes; the actions check the rules, and a rule
they refuse comes back next to the field it is about (:func:`add_action_error`)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.conf import settings

from worktrial.errors import WorktrialError
from worktrial.web.trials.actions import MAX_TEXT
from worktrial.web.trials.models import Checkpoint, PaymentStatus, Trial

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


def add_action_error(form: forms.Form, err: WorktrialError, *, field: str | None = None) -> None:
    """Show an action's refusal on ``form``: next to ``field``, or the field the error's ``key``
    names when the form has it, or above the form; one error per line of the message (a spec
    error lists one problem a line)."""
    key = err.fields.get("key")
    if field is None and isinstance(key, str) and key in form.fields:
        field = key
    for line in err.message.splitlines() or [err.message]:
        if line.strip():
            form.add_error(field, line)


def _organization_field(choices: list[tuple[int, str]]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=choices,
        coerce=int,
        label="Organization",
        widget=forms.Select if len(choices) > 1 else forms.HiddenInput,
    )


class TemplateTrialForm(forms.Form):
    """A new trial from a built-in template."""

    template = forms.ChoiceField(widget=forms.RadioSelect, label="Template")

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        from worktrial.spec import TEMPLATES

        super().__init__(*args, **kwargs)
        self.fields["organization"] = _organization_field(organizations)
        self.fields["template"].choices = [(name, name) for name in TEMPLATES]
        if organizations:
            self.fields["organization"].initial = organizations[0][0]


class UploadTrialForm(forms.Form):
    """A new trial from an uploaded bundle archive."""

    archive = forms.FileField(
        label="Bundle archive",
        help_text="A .zip or .tar.gz holding trial.toml and the files it names, at its root or "
        "in one top folder.",
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"] = _organization_field(organizations)
        if organizations:
            self.fields["organization"].initial = organizations[0][0]

    def clean_archive(self) -> Any:
        upload = self.cleaned_data["archive"]
        name = PurePath(upload.name or "").name
        if not name.lower().endswith(ARCHIVE_SUFFIXES):
            raise forms.ValidationError(
                f"{name or 'the file'} is not a bundle archive; expected a name ending in "
                f"{', '.join(ARCHIVE_SUFFIXES)}"
            )
        limit = int(settings.WORKTRIAL_MAX_UPLOAD_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                f"{name} is {upload.size / 1e6:,.1f} MB; the most is {limit / 1e6:,.0f} MB"
            )
        return upload


class TrialEditForm(forms.Form):
    """What candidates read (title, brief) and whether they see their own scorecard."""

    title = forms.CharField(max_length=200)
    brief = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=MAX_TEXT,
        help_text="Markdown. Candidates read it in their portal.",
    )
    share_scorecard_with_candidates = forms.BooleanField(
        required=False, label="Candidates may see their own scorecard"
    )

    @classmethod
    def for_trial(cls, trial: Trial) -> TrialEditForm:
        return cls(
            initial={
                "title": trial.title,
                "brief": trial.brief,
                "share_scorecard_with_candidates": trial.share_scorecard_with_candidates,
            }
        )


class InviteForm(forms.Form):
    """One candidate: e-mail, name, and when their trial runs."""

    email = forms.EmailField(label="E-mail")
    name = forms.CharField(max_length=200, required=False)
    starts_at = forms.DateTimeField(
        required=False,
        label="Start",
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="UTC. Empty: now.",
    )
    deadline = forms.DateTimeField(
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="UTC. Empty: the start plus the trial's duration.",
    )


class AnswerForm(forms.Form):
    """The company's answer to one clarifying question."""

    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT)


class FeedbackForm(forms.Form):
    """Checkpoint feedback to one candidate."""

    checkpoint = forms.ModelChoiceField(
        queryset=Checkpoint.objects.none(), required=False, empty_label="No checkpoint"
    )
    text = forms.CharField(
        label="Feedback", widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT
    )

    def __init__(self, *args: Any, trial: Trial, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["checkpoint"])
        field.queryset = trial.checkpoints.all()


class PaymentForm(forms.Form):
    """Whether the candidate's compensation is due or paid."""

    payment_status = forms.ChoiceField(choices=PaymentStatus.choices, label="Payment status")
