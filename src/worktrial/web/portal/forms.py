"""Forms of the candidate portal. They check shape only; the trials actions check the rules
(text lengths, the candidacy's stage, password strength) and their refusals are shown next to
the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms

from worktrial.errors import WorktrialError

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class JoinForm(forms.Form):
    """A new account for the invited e-mail address."""

    name = forms.CharField(max_length=200, required=False, label="Your name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Password"
    )
    password2 = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="Password again",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "the two passwords differ; type the same one twice")
        return data


class QuestionForm(forms.Form):
    text = forms.CharField(widget=TEXTAREA, label="Your question")


class UpdateForm(forms.Form):
    done = forms.CharField(widget=TEXTAREA, label="Done since the last update")
    next = forms.CharField(widget=TEXTAREA, required=False, label="Next")
    blockers = forms.CharField(widget=TEXTAREA, required=False, label="Blockers")


class ResponseForm(forms.Form):
    response = forms.CharField(widget=TEXTAREA, label="Your response")


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=[("export", "export"), ("erase", "erase")])


def show_refusal(form: forms.Form, err: WorktrialError, fields: dict[str, str]) -> None:
    """Put an action's refusal next to the field it names (``err.fields["key"]`` mapped through
    ``fields``), or above the form when it names none of them."""
    key = err.fields.get("key")
    field = fields.get(key) if isinstance(key, str) else None
    form.add_error(field, err.message)
