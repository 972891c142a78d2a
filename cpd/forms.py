"""The CPD plan's forms: a goal (new or changed), the accreditation renewal date, and a
comment in the review (a supervisor's, or the therapist's reply)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.validators import is_row_id, reject_nhs_numbers
from assessments.models import FrameworkItem
from supervision.forms import RowChoices

from .models import MAX_RATING, TITLE_LENGTH, CpdGoal

Measure = CpdGoal.Measure
TOKEN_MESSAGE = "This form was incomplete, so nothing was added. Check your plan, then add again."
DATE_MESSAGE = "Give a date, for example 31 March 2027 as 2027-03-31."


class GoalForm(forms.Form):
    """A SMART goal: what, about which statements, how you will know, by when."""

    title = forms.CharField(
        label="Goal",
        max_length=TITLE_LENGTH,
        validators=[reject_nhs_numbers],
        help_text="Specific: what you will be able to do. No client identifiers.",
        error_messages={
            "required": "Write your goal.",
            "max_length": f"Keep it to {TITLE_LENGTH} characters (this has %(show_value)d).",
        },
    )
    description = forms.CharField(
        label="How you will get there (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[reject_nhs_numbers],
        help_text="The activities you plan: reading, a workshop, practice in supervision.",
    )
    items = RowChoices(
        label="Framework statements it is about",
        queryset=FrameworkItem.objects.none(),  # set in __init__
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Needed for a target rating. To choose more than one, hold Ctrl (Cmd on a "
        "Mac) as you click.",
        error_messages={"invalid_choice": "Choose statements from the list."},
    )
    measure = forms.ChoiceField(
        label="How you will know you got there",
        choices=Measure.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you will measure it.",
            "invalid_choice": "Choose how you will measure it.",
        },
    )
    target_rating = forms.TypedChoiceField(
        label="Target rating at your next self-assessment",
        choices=[("", "Choose a rating")] + [(n, str(n)) for n in range(1, MAX_RATING + 1)],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose a rating from 1 to 5."},
    )
    outcome = forms.CharField(
        label="The outcome you aim for",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[reject_nhs_numbers],
        help_text="Measurable: what will be different, and how you will see it.",
    )
    target_on = forms.DateField(
        label="Target date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give a target date.", "invalid": DATE_MESSAGE},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=CpdGoal.Status.choices,
        error_messages={
            "required": "Choose a status.",
            "invalid_choice": "Choose a status from the list.",
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, statements: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = statements  # type: ignore[attr-defined]
        self.fields["items"].label_from_instance = (  # type: ignore[attr-defined]
            lambda item: f"{item.key} {item.target_text}"
        )
        if editing:
            del self.fields["token"]
        else:
            del self.fields["status"]
        for name, field in self.fields.items():
            if name in ("measure", "token"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_token(self) -> int:
        token = self.cleaned_data.get("token", "")
        if not is_row_id(token) and token != "0":
            raise ValidationError(TOKEN_MESSAGE)
        return int(token)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        measure = cleaned.get("measure")
        if measure == Measure.TARGET_RATING:
            if cleaned.get("target_rating") is None and "target_rating" not in self.errors:
                self.add_error("target_rating", "Choose the rating you aim for, from 1 to 5.")
            if not cleaned.get("items") and "items" not in self.errors:
                self.add_error("items", "Choose the statement whose rating you aim to raise.")
        elif (
            measure == Measure.OUTCOME
            and not cleaned.get("outcome")
            and "outcome" not in self.errors
        ):
            self.add_error("outcome", "Describe the outcome you aim for.")
        return cleaned


class RenewalForm(forms.Form):
    """The therapist's accreditation renewal date: their CPD year runs to it."""

    renewal_on = forms.DateField(
        label="Your accreditation renewal date",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"required": "Give your renewal date.", "invalid": DATE_MESSAGE},
    )


COMMENT_LENGTH = 2000


class CommentForm(forms.Form):
    """A supervisor's comment on a supervisee's plan, a goal or an activity of it, or the
    therapist's reply (the views resolve which thread from the posted `plan`, `goal` or
    `activity` id, so the form holds the text alone)."""

    text = forms.CharField(
        label="Your comment",
        max_length=COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        validators=[reject_nhs_numbers],
        error_messages={
            "required": "Write your comment.",
            "max_length": f"Keep it to {COMMENT_LENGTH} characters (this has %(show_value)d).",
        },
    )
