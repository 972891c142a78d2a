"""The CPD activity form: what was done, when, for how long, the goals it served, the
reflection BABCP asks for, and an evidence file (checked by `cpd.evidence`, stored only when
the whole form is valid)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.validators import reject_nhs_numbers
from supervision.forms import RowChoices

from . import evidence as evidence_files
from .models import TITLE_LENGTH, ActivityType, CpdGoal

DATE_MESSAGE = "Give a date, for example 31 March 2027 as 2027-03-31."
TOKEN_MESSAGE = (
    "This form was incomplete, so nothing was added. Check your activities, then add again."
)
FILE_AGAIN = "Your file was not kept because of the errors above: choose it again."


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[reject_nhs_numbers],
        help_text=help_text,
    )


class ActivityForm(forms.Form):
    """A CPD activity (new, or changed: then without the token)."""

    type = forms.ChoiceField(
        label="Type of activity",
        choices=[("", "Choose a type"), *ActivityType.choices],
        error_messages={
            "required": "Choose the type of activity.",
            "invalid_choice": "Choose a type from the list.",
        },
    )
    title = forms.CharField(
        label="What you did",
        max_length=TITLE_LENGTH,
        validators=[reject_nhs_numbers],
        help_text="For example the workshop's or book's title. No client identifiers.",
        error_messages={
            "required": "Say what you did.",
            "max_length": f"Keep it to {TITLE_LENGTH} characters (this has %(show_value)d).",
        },
    )
    done_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day you did it (the last day, for a course), in this CPD year.",
        error_messages={"required": "Give the date you did it.", "invalid": DATE_MESSAGE},
    )
    hours = forms.DecimalField(
        label="Hours",
        min_value=Decimal("0.25"),
        max_value=Decimal("200"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25"}),
        help_text="From 0.25 (a quarter of an hour) to 200.",
        error_messages={
            "required": "Give the hours it took.",
            "invalid": "Give the hours as a number, for example 1.5.",
            "min_value": "Give at least 0.25 hours (a quarter of an hour).",
            "max_value": "Give at most 200 hours.",
            "max_digits": "Give the hours as a number up to 200, for example 1.5.",
            "max_decimal_places": "Give the hours to two decimal places at most.",
        },
    )
    provider = forms.CharField(
        label="Provider (optional)",
        max_length=200,
        required=False,
        validators=[reject_nhs_numbers],
        help_text="Who ran or published it.",
    )
    goals = RowChoices(
        label="Goals of your plan it served (optional)",
        queryset=CpdGoal.objects.none(),  # set in __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose goals from the list."},
    )
    learned = _text("What I learned", "Your reflection: BABCP asks for one with each activity.")
    application = _text("How I will apply it")
    impact = _text("Impact on my practice (optional)")
    evidence = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text=f"A certificate or notes: {evidence_files.ALLOWED_TEXT}.",
        error_messages={"empty": evidence_files.EMPTY},
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, goals: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = goals  # type: ignore[attr-defined]
        self.fields["goals"].label_from_instance = lambda goal: goal.title  # type: ignore[attr-defined]
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.docx"
        if editing:
            del self.fields["token"]
        for name, field in self.fields.items():
            if name in ("goals", "token"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_token(self) -> uuid.UUID:
        try:
            return uuid.UUID(self.cleaned_data.get("token", ""))
        except ValueError:
            raise ValidationError(TOKEN_MESSAGE) from None

    def clean_evidence(self) -> evidence_files.CheckedUpload | None:
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        return evidence_files.check_upload(upload)

    def checked_files(self) -> list[evidence_files.CheckedUpload]:
        """The evidence files that passed the checks (call after `is_valid`)."""
        checked = self.cleaned_data.get("evidence")
        return [checked] if checked else []

    @property
    def file_dropped(self) -> bool:
        """A file was chosen but the form has errors: it must be chosen again."""
        return bool(self.files.get(self.add_prefix("evidence"))) and bool(self.errors)
