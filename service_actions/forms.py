"""The action list's forms: a lead's action (new or changed), the list's filters, a therapist's
suggestion and the lead's rating on the patient-involvement continuum."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Service
from accounts.validators import reject_nhs_numbers
from assessments.models import FrameworkItem, InvolvementLevel
from supervision.forms import RowChoices

from .models import TITLE_LENGTH, ServiceAction

Status = ServiceAction.Status
DATE_MESSAGE = "Give a date, for example 31 March 2027 as 2027-03-31."
TOKEN_MESSAGE = "This form was incomplete, so nothing was added. Check the list, then add again."
STATEMENTS_HELP = "To choose more than one, hold Ctrl (Cmd on a Mac) as you click."
# A new action starts planned, under way, or (recording what was done) done.
NEW_STATUSES = (Status.PLANNED, Status.IN_PROGRESS, Status.DONE)


def _statement_label(item: FrameworkItem) -> str:
    return f"{item.key} {item.target_text}"


def _title(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TITLE_LENGTH,
        validators=[reject_nhs_numbers],
        help_text=help_text,
        error_messages={
            "required": "Write a title.",
            "max_length": f"Keep it to {TITLE_LENGTH} characters (this has %(show_value)d).",
        },
    )


def _description(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[reject_nhs_numbers],
        help_text=help_text,
    )


def _statements(label: str) -> RowChoices:
    return RowChoices(
        label=label,
        queryset=FrameworkItem.objects.none(),  # set in __init__
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=STATEMENTS_HELP,
        error_messages={"invalid_choice": "Choose statements from the list."},
    )


def _token(form: forms.Form) -> uuid.UUID:
    try:
        return uuid.UUID(form.cleaned_data.get("token", ""))
    except ValueError:
        raise ValidationError(TOKEN_MESSAGE) from None


def _style(form: forms.Form, skip: tuple[str, ...] = ()) -> None:
    for name, field in form.fields.items():
        if name in skip or isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ActionForm(forms.Form):
    """An action on the service's list: what, about which statements, who, by when, how it
    stands. Changing one, a field the request did not send is neither required nor changed."""

    title = _title("Action", "What the service will do, for example protected CPD time.")
    description = _description(
        "Details (optional)", "How, and what will be different. No client identifiers."
    )
    items = _statements("Barrier statements it targets (optional)")
    owner = forms.CharField(
        label="Owner (optional)",
        max_length=200,
        required=False,
        validators=[reject_nhs_numbers],
        help_text="Who carries it out: a name or a role.",
        error_messages={"max_length": "Keep it to 200 characters (this has %(show_value)d)."},
    )
    due_on = forms.DateField(
        label="Due date (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_MESSAGE},
    )
    status = forms.ChoiceField(
        label="Status",
        error_messages={
            "required": "Choose a status.",
            "invalid_choice": "Choose a status from the list.",
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    barrier = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(
        self,
        *args: Any,
        statements: QuerySet[FrameworkItem],
        action: ServiceAction | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = action is not None
        items = self.fields["items"]
        items.queryset = statements  # type: ignore[attr-defined]
        items.label_from_instance = _statement_label  # type: ignore[attr-defined]
        statuses: list[Status] = [status for status in Status if status != Status.SUGGESTED]
        if action is None:
            statuses = list(NEW_STATUSES)
        elif action.status == Status.SUGGESTED:
            statuses = list(Status)
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]  # type: ignore[attr-defined]
        if self.editing:
            del self.fields["token"]
            del self.fields["barrier"]
            if self.is_bound:  # what the request did not send stays as it is
                for name, field in self.fields.items():
                    if name not in self.data:
                        field.required = False
        _style(self)

    def clean_token(self) -> uuid.UUID:
        return _token(self)

    def clean_due_on(self) -> Any:
        due_on = self.cleaned_data.get("due_on")
        if not self.editing and due_on is not None and due_on < timezone.localdate():
            raise ValidationError("Give a date from today on: a new action cannot be due earlier.")
        return due_on


class SuggestionForm(forms.Form):
    """A therapist's suggestion to their service lead, sent with their name."""

    service = forms.ModelChoiceField(
        label="Which service",
        queryset=Service.objects.none(),  # set in __init__
        empty_label="Choose a service",
        error_messages={
            "required": "Choose the service your suggestion is for.",
            "invalid_choice": "Choose a service from the list.",
        },
    )
    title = _title("Your suggestion", "In a line: what would help, for example a peer group.")
    description = _description(
        "Why, and what would be different (optional)", "No client identifiers."
    )
    items = _statements("Statements it is about (optional)")
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        services: QuerySet[Service],
        statements: QuerySet[FrameworkItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.single_service = services.count() == 1
        if self.single_service:
            self.fields["service"].widget = forms.HiddenInput()
            self.initial.setdefault("service", services.get().pk)
        items = self.fields["items"]
        items.queryset = statements  # type: ignore[attr-defined]
        items.label_from_instance = _statement_label  # type: ignore[attr-defined]
        _style(self)

    def clean_token(self) -> uuid.UUID:
        return _token(self)


class ActionFilterForm(forms.Form):
    """The action list's filters (a GET form, so a filtered list has a shareable address)."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")]
        + [(s.value, s.label) for s in Status if s != Status.SUGGESTED],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    origin = forms.ChoiceField(
        label="Where it came from",
        required=False,
        choices=[("", "Anywhere"), *ServiceAction.Origin.choices],
        error_messages={"invalid_choice": "Choose where it came from from the list."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def chosen(self) -> dict[str, str]:
        """The filters to apply: the valid ones (a bad value is shown as an error and not
        applied)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class InvolvementForm(forms.Form):
    """The lead's rating of the service on the patient-involvement continuum."""

    level = forms.TypedChoiceField(
        label="Level",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the level the service is at.",
            "invalid_choice": "Choose a level from the list.",
        },
    )
    evidence = forms.CharField(
        label="Evidence",
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[reject_nhs_numbers],
        help_text="What shows the service is at this level, for example a steering group's "
        "minutes. No patient identifiers.",
        error_messages={"required": "Write the evidence for this level."},
    )
    rated_on = forms.DateField(
        label="Date of the rating",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day it describes: today or earlier.",
        error_messages={"required": "Give the date of the rating.", "invalid": DATE_MESSAGE},
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, levels: list[InvolvementLevel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (level.level, f"{level.level}. {level.name}: {level.description}") for level in levels
        ]
        _style(self, skip=("level",))
        self.fields["level"].widget.attrs["class"] = "form-check-input"

    def clean_token(self) -> uuid.UUID:
        return _token(self)

    def clean_rated_on(self) -> Any:
        rated_on = self.cleaned_data.get("rated_on")
        if rated_on is not None and rated_on > timezone.localdate():
            raise ValidationError(
                "Give today's date or an earlier one: a rating describes what has happened."
            )
        return rated_on
