"""Forms of the review pages. They parse types; the rules (what a submission needs, who may
assign or decide) live in :mod:`worktrial.web.reviews.actions`, so pages and API agree."""

from __future__ import annotations

from typing import Any

from django import forms

from worktrial.rubric import DIMENSIONS
from worktrial.web.accounts.models import User
from worktrial.web.reviews.actions import MAX_COMMENT, MAX_RATIONALE, MAX_SUMMARY
from worktrial.web.reviews.models import Outcome, Recommendation, Review

# The rubric's anchors (the scorecard's scale): what the 1, 3 and 5 points mean.
RATING_CHOICES = [
    ("1", "1 · no evidence"),
    ("2", "2"),
    ("3", "3 · partial"),
    ("4", "4"),
    ("5", "5 · exemplary"),
]


class ReviewForm(forms.Form):
    """One rating (1-5, optional in a draft) and one comment per dimension, a recommendation and
    a summary."""

    recommendation = forms.ChoiceField(
        choices=Recommendation.choices, required=False, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        required=False,
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What a colleague deciding on this candidate should know first.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in DIMENSIONS:
            self.fields[f"rating_{dimension}"] = forms.TypedChoiceField(
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{dimension}"] = forms.CharField(
                required=False,
                max_length=MAX_COMMENT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @classmethod
    def initial_for(cls, review: Review) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "recommendation": review.recommendation,
            "summary": review.summary,
        }
        for dimension in DIMENSIONS:
            initial[f"rating_{dimension}"] = review.ratings.get(dimension)
            initial[f"comment_{dimension}"] = review.comments.get(dimension, "")
        return initial

    def content(self) -> dict[str, Any]:
        """The cleaned values as the review actions take them."""
        data = self.cleaned_data
        return {
            "ratings": {d: data.get(f"rating_{d}") for d in DIMENSIONS},
            "comments": {d: data.get(f"comment_{d}", "") for d in DIMENSIONS},
            "recommendation": data.get("recommendation", ""),
            "summary": data.get("summary", ""),
        }


class AssignForm(forms.Form):
    """Pick a staff member of the organization who is not yet assigned."""

    reviewer = forms.ModelChoiceField(
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={
            "invalid_choice": "choose a staff member of this organization who is not yet "
            "assigned to this candidacy",
            "required": "choose a reviewer",
        },
    )

    def __init__(self, *args: Any, reviewers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = reviewers if reviewers is not None else User.objects.none()
        field.label_from_instance = lambda u: u.email


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "choose advance, offer or reject"},
    )
    rationale = forms.CharField(
        max_length=MAX_RATIONALE,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "write the reasons for this decision, citing the evidence"},
        help_text="The reasons, citing the evidence. Kept with the decision and shown in its "
        "history.",
    )
