"""The supervision log's forms: what a supervisee records about one session (with, on an entry
returned for changes, a reply to the supervisor), and the supervisor's comment when returning it.

A plain form: the services validate the entry (the model's checks and that the supervisor
supervised them that day) and their errors are shown on the form's fields.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import SupervisionRelationship, User
from accounts.validators import is_row_id, reject_nhs_numbers
from assessments.frameworks import framework_for
from assessments.models import FrameworkItem

from .models import MAX_DURATION_MINUTES, Activity, Delivery, Format, SupervisionSession

# Supervisors offered: those of the past year (the session's date is checked by the service).
SUPERVISORS_OFFERED_DAYS = 366


def supervisors_of(supervisee: User) -> QuerySet[User]:
    since = timezone.localdate() - datetime.timedelta(days=SUPERVISORS_OFFERED_DAYS)
    relationships = SupervisionRelationship.objects.filter(supervisee=supervisee).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=since)
    )
    return User.objects.filter(pk__in=relationships.values("supervisor_id"))


def items_of(supervisee: User) -> QuerySet[FrameworkItem]:
    """The statements of the supervisee's framework, as its current version words them."""
    framework = framework_for(supervisee)
    version = framework.current_version() if framework else None
    if version is None:
        return FrameworkItem.objects.none()
    return FrameworkItem.objects.filter(version=version).rated().order_by("section__order", "order")


def comment_field(**kwargs: Any) -> forms.CharField:
    """A comment in an entry's review: free text, checked for client identifiers."""
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[reject_nhs_numbers],
        strip=True,
        **kwargs,
    )


class ReturnForm(forms.Form):
    """The supervisor's reason for returning an entry: required, so the supervisee knows what
    to change."""

    comment = comment_field(
        label="What should change",
        help_text="Your supervisee sees this with the entry. No client identifiers.",
        error_messages={"required": "Say what should change."},
    )


# Bounds a person would never reach, so that nothing typed or forged is cut or overflows.
MAX_GROUP_SIZE = 100
MAX_REFLECTION_LENGTH = 10_000


class RowChoices(forms.ModelMultipleChoiceField):
    """A pick of rows that refuses values which cannot be ids before looking them up (a number
    past 64 bits is an error on SQLite, not an unknown choice)."""

    def _check_values(self, value: Any) -> QuerySet[Any]:
        for pk in value:
            if not is_row_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


class SupervisionSessionForm(forms.Form):
    # A date input's value must be ISO (the locale's format leaves an edited entry's date empty).
    held_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=1, max_value=MAX_DURATION_MINUTES
    )
    format = forms.ChoiceField(choices=Format.choices, widget=forms.RadioSelect)
    group_size = forms.IntegerField(
        label="People supervised in the group",
        required=False,
        min_value=2,
        max_value=MAX_GROUP_SIZE,
        help_text="For group supervision only.",
    )
    delivery = forms.ChoiceField(
        label="How it was held", choices=Delivery.choices, widget=forms.RadioSelect
    )
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Someone outside this service (name them below)",
    )
    external_supervisor_name = forms.CharField(
        label="External supervisor's name",
        max_length=200,
        required=False,
        validators=[reject_nhs_numbers],
    )
    external_supervisor_accredited = forms.BooleanField(
        label="The external supervisor is BABCP accredited", required=False
    )
    activities = forms.MultipleChoiceField(
        choices=Activity.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    items = RowChoices(
        label="Framework statements worked on",
        queryset=FrameworkItem.objects.none(),
        required=False,
    )
    reflection = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=MAX_REFLECTION_LENGTH,
        validators=[reject_nhs_numbers],
        help_text="What you learnt and will do differently. No client identifiers.",
    )

    def __init__(self, *args: Any, supervisee: User, reply: bool = False, **kwargs: Any) -> None:
        """`reply`: the entry was returned for changes, so the supervisee may answer the
        supervisor's comment."""
        super().__init__(*args, **kwargs)
        if reply:
            self.fields["comment"] = comment_field(
                label="Reply to your supervisor (optional)",
                required=False,
                help_text="Shown with the entry's comments. No client identifiers.",
            )
        self.fields["supervisor"].queryset = supervisors_of(supervisee)  # type: ignore[attr-defined]
        self.fields["items"].queryset = items_of(supervisee)  # type: ignore[attr-defined]
        self.fields["items"].label_from_instance = lambda item: (  # type: ignore[attr-defined]
            f"{item.key} {item.target_text}"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("format") != Format.GROUP:
            cleaned["group_size"] = None
        if cleaned.get("supervisor"):
            cleaned["external_supervisor_name"] = ""
            cleaned["external_supervisor_accredited"] = False
        return cleaned

    def entry_fields(self) -> dict[str, Any]:
        """The cleaned values as the services take them (`items` apart)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("items", "comment")
        }

    def show_errors(self, error: ValidationError) -> None:
        """Put a service's refusal on the fields it names (elsewhere: on the form)."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)

    @staticmethod
    def initial_for(entry: SupervisionSession) -> dict[str, Any]:
        return {
            "held_on": entry.held_on,
            "duration_minutes": entry.duration_minutes,
            "format": entry.format,
            "group_size": entry.group_size,
            "delivery": entry.delivery,
            "supervisor": entry.supervisor_id,
            "external_supervisor_name": entry.external_supervisor_name,
            "external_supervisor_accredited": entry.external_supervisor_accredited,
            "activities": entry.activities,
            "items": list(entry.items.values_list("pk", flat=True)),
            "reflection": entry.reflection,
        }
