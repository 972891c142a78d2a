"""The supervision log's forms: what a supervisee records about one session (with, on an entry
returned for changes, a reply to the supervisor), and the supervisor's comment when returning it.

Plain forms: the services validate the entry (the model's checks and that the supervisor
supervised them that day) and their errors are shown on the form's fields. The entry form's
optional sections (`EntryDetailsForms`: a rupture-and-repair record, a CTS-R rating, agreed
actions to add or remove) are forms of their own with a prefix each, posted with the entry; a
section of a feature the supervisee's service switched off is not on the page, and whatever a
request posts for it is ignored.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import SupervisionRelationship, User
from accounts.validators import is_row_id, reject_nhs_numbers
from assessments.frameworks import framework_for
from assessments.models import FrameworkItem

from .features import Features
from .models import (
    CTSR_ITEMS,
    CTSR_MAX_SCORE,
    MAX_DURATION_MINUTES,
    Activity,
    AgreedAction,
    CtsrRating,
    Delivery,
    Format,
    RepairOutcome,
    RuptureRecord,
    SupervisionSession,
)
from .services import KEEP, RUPTURE_FIELDS, EntryDetails

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

    # Checked by the server (its message says what to do): a `required` attribute would also
    # stop htmx sending a Confirm, which carries this field along so a conflict keeps it.
    use_required_attribute = False

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
        # A search box above it (static/js/statement-filter.js) narrows the long list.
        widget=forms.SelectMultiple(attrs={"size": 8, "data-statement-filter": ""}),
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


# The entry form's optional sections.

MAX_DETAIL_LENGTH = 5_000
NEW_ACTION_ROWS = 3
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def detail_text(model: type[Any], name: str, *, rows: int = 3, **kwargs: Any) -> forms.CharField:
    """An optional free-text field labelled as the model names it, checked for identifiers."""
    model_field = model._meta.get_field(name)
    return forms.CharField(
        label=str(model_field.verbose_name).capitalize(),
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        max_length=MAX_DETAIL_LENGTH,
        validators=[reject_nhs_numbers],
        **kwargs,
    )


class RuptureForm(forms.Form):
    """A rupture in the working alliance and its repair (optional: left empty, nothing is
    recorded; once anything is filled in, the markers are needed)."""

    markers = detail_text(
        RuptureRecord, "markers", help_text="What signalled the rupture. No client identifiers."
    )
    exploration = detail_text(RuptureRecord, "exploration")
    validation = detail_text(RuptureRecord, "validation")
    repair = forms.ChoiceField(
        label="Repair achieved",
        choices=[("", "Not said (not yet repaired)"), *RepairOutcome.choices],
        required=False,
    )
    prevention_plan = detail_text(RuptureRecord, "prevention_plan")
    collaboration_across_teams = detail_text(RuptureRecord, "collaboration_across_teams")
    social_network_involvement = detail_text(RuptureRecord, "social_network_involvement")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        filled = any(cleaned.get(name) for name in RUPTURE_FIELDS)
        if filled and not cleaned.get("markers") and "markers" not in self.errors:
            self.add_error("markers", "Say what signalled the rupture, or empty this section.")
        return cleaned

    def record(self) -> dict[str, Any] | None:
        """The record's values, or None for a section left empty."""
        values = {name: self.cleaned_data.get(name) or "" for name in RUPTURE_FIELDS}
        if not any(values.values()):
            return None
        values["repair"] = values["repair"] or RepairOutcome.NOT_YET
        return values

    @staticmethod
    def initial_for(record: RuptureRecord | None) -> dict[str, Any]:
        if record is None:
            return {}
        return {name: getattr(record, name) for name in RUPTURE_FIELDS}


SCORE_CHOICES = [("", "Not rated"), *((str(n), str(n)) for n in range(CTSR_MAX_SCORE + 1))]


class CtsrForm(forms.Form):
    """A CTS-R rating of a recorded session: the 12 items by title (the score descriptors are
    copyrighted), each 0 to 6 or not rated. Left empty, nothing is recorded."""

    recording_on = forms.DateField(
        label="Recorded session held on", required=False, widget=ISO_DATE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, title in CTSR_ITEMS:
            self.fields[name] = forms.TypedChoiceField(
                label=title,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean_recording_on(self) -> datetime.date | None:
        recording_on = self.cleaned_data.get("recording_on")
        if recording_on and recording_on > timezone.localdate():
            raise ValidationError("The recorded session cannot be in the future.")
        return recording_on

    def scores(self) -> dict[str, Any] | None:
        """The rating's values, or None for a section left empty."""
        values = {"recording_on": self.cleaned_data.get("recording_on")}
        values |= {name: self.cleaned_data.get(name) for name, _title in CTSR_ITEMS}
        if all(value is None for value in values.values()):
            return None
        return values

    @staticmethod
    def initial_for(rating: CtsrRating | None) -> dict[str, Any]:
        if rating is None:
            return {}
        names = ["recording_on", *(name for name, _title in CTSR_ITEMS)]
        return {name: getattr(rating, name) for name in names}


class ActionForm(forms.Form):
    """One new agreed action: what and by when (a row left empty adds nothing)."""

    text = forms.CharField(
        label="What you agreed to do",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_DETAIL_LENGTH,
        validators=[reject_nhs_numbers],
    )
    due_on = forms.DateField(label="Due by", required=False, widget=ISO_DATE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text, due_on = cleaned.get("text"), cleaned.get("due_on")
        if text and not due_on and "due_on" not in self.errors:
            self.add_error("due_on", "Give the date it is due by.")
        if due_on and not text and "text" not in self.errors:
            self.add_error("text", "Say what you agreed to do.")
        return cleaned

    def action(self) -> tuple[str, datetime.date] | None:
        text, due_on = self.cleaned_data.get("text"), self.cleaned_data.get("due_on")
        return (text, due_on) if text and due_on else None


class ActionsToRemove(forms.MultipleChoiceField):
    """The entry's actions ticked for removal. An id that is no longer one of them (removed by
    the same form a moment ago) is dropped rather than refused."""

    def validate(self, value: Any) -> None:
        pass

    def clean(self, value: Any) -> list[int]:
        valid = {str(pk) for pk, _label in self.choices}  # type: ignore[misc, union-attr]
        return [int(pk) for pk in self.to_python(value) if pk in valid]


class RemoveActionsForm(forms.Form):
    remove = ActionsToRemove(
        label="Remove agreed actions",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick an action to remove it when you save.",
    )

    def __init__(self, *args: Any, actions: Iterable[AgreedAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = [  # type: ignore[attr-defined]
            (action.pk, f"{action.text} (due {action.due_on:%-d %B %Y})") for action in actions
        ]


class EntryDetailsForms:
    """The entry form's optional sections, each a form with its own prefix: a rupture record
    and a CTS-R rating (when the supervisee's service has the feature on), new agreed actions,
    and, on an existing entry, its actions to remove."""

    def __init__(
        self,
        data: Any = None,
        *,
        features: Features,
        entry: SupervisionSession | None = None,
    ) -> None:
        rupture = getattr(entry, "rupture", None) if entry else None
        rating = getattr(entry, "ctsr", None) if entry else None
        self.rupture = (
            RuptureForm(data, prefix="rupture", initial=RuptureForm.initial_for(rupture))
            if features.rupture_records
            else None
        )
        self.ctsr = (
            CtsrForm(data, prefix="ctsr", initial=CtsrForm.initial_for(rating))
            if features.ctsr_ratings
            else None
        )
        self.new_actions = [
            ActionForm(data, prefix=f"action-{number}") for number in range(1, NEW_ACTION_ROWS + 1)
        ]
        actions = list(entry.actions.all()) if entry else []
        self.existing_actions = actions
        self.removal = (
            RemoveActionsForm(data, prefix="actions", actions=actions) if actions else None
        )

    @property
    def forms(self) -> list[forms.Form]:
        found = [self.rupture, self.ctsr, *self.new_actions, self.removal]
        return [form for form in found if form is not None]

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.forms])  # every form, for every error

    def details(self) -> EntryDetails:
        """What the services write (a section not on the page, or not in the post, is kept
        as it is)."""
        new_actions = [action for form in self.new_actions if (action := form.action())]
        return EntryDetails(
            rupture=self.rupture.record() if self.rupture and _posted(self.rupture) else KEEP,
            ctsr=self.ctsr.scores() if self.ctsr and _posted(self.ctsr) else KEEP,
            new_actions=new_actions,
            removed_actions=self.removal.cleaned_data["remove"] if self.removal else (),
        )


def _posted(form: RuptureForm | CtsrForm) -> bool:
    """Whether the post carried the section at all: one that did not (not the page's post)
    leaves the record as it is rather than removing it."""
    return any(form.add_prefix(name) in form.data for name in form.fields)


def show_service_errors(
    error: ValidationError, form: SupervisionSessionForm, details: EntryDetailsForms
) -> None:
    """Put a service's refusal on the fields it names, in the entry form or one of its
    sections; whatever names no field shown goes at the top of the entry form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = next((f for f in [form, *details.forms] if name in f.fields), None)
        if target is None:
            form.add_error(None, errors)
        else:
            target.add_error(name, errors)
