"""Quick session reflections: the phone-first form a therapist fills in within a minute of a
therapy session, and their page of patterns and recent reflections.

The form is an ordinary form that posts and redirects to the patterns page. Sent by htmx
(header HX-Request) it gets a "saved" panel back in its place, with "Record another" (a fresh
form and token); refused input comes back in the form with what was chosen. The form carries a
one-time token, so a double submit is one reflection (`supervision.reflections`). Therapists
only: anyone else is refused by `permissions.role_required`.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest
from accounts.validators import reject_nhs_numbers
from assessments.models import FrameworkItem

from ..reflections import (
    NOTE_MAX_LENGTH,
    NOTHING_OFFERED,
    REFLECTION_WINDOW_DAYS,
    offered_items,
    recent_reflections,
    record_reflection,
    reflection_pattern,
)

PAGE_SIZE = 10
SAVED_TWICE_MESSAGE = (
    "This reflection was already saved: the form was sent twice, and it is kept once."
)


class ReflectionForm(forms.Form):
    """The offered behaviours that happened (`happened`: item ids), the session's date and an
    optional note; `token` names the form, so a repeat is one reflection."""

    happened = forms.MultipleChoiceField(
        label="What happened in the session?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "A behaviour you chose is no longer offered. Check the list "
            "and save again."
        },
    )
    held_on = forms.DateField(
        label="Date of the session",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the date of the session.", "invalid": "Enter a date."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[reject_nhs_numbers],
        help_text="A line for yourself. Only you see it, not your supervisor. "
        "No client identifiers.",
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: list[FrameworkItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        happened = self.fields["happened"]
        assert isinstance(happened, forms.MultipleChoiceField)
        happened.choices = [(str(item.pk), item.target_text) for item in items]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "token" in self.errors:
            self.errors.pop("token")
            self.add_error(
                None,
                "The form was missing its one-time code, so nothing was saved. Check your "
                "answers and save again.",
            )
        return cleaned

    def toggles(self) -> list[dict[str, Any]]:
        """Each offered behaviour with whether it is ticked (as sent, or not yet)."""
        chosen = {str(value) for value in (self["happened"].value() or [])}
        return [
            {"item": item, "value": str(item.pk), "checked": str(item.pk) in chosen}
            for item in self.items
        ]

    def show_errors(self, error: ValidationError) -> None:
        """Put a service's refusal on the fields it names (elsewhere: on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def reflection_new(request: AuthenticatedRequest) -> HttpResponse:
    """The quick form (GET), or a reflection recorded (POST): a redirect to the patterns page,
    or for htmx the "saved" panel; refused input comes back with what was chosen."""
    items = list(offered_items(request.user))
    if request.method != "POST" or not items:
        return _form(request, _blank_form(items))
    form = ReflectionForm(request.POST, items=items)
    if form.is_valid():
        try:
            reflection, created = record_reflection(
                request.user,
                held_on=form.cleaned_data["held_on"],
                happened={int(pk) for pk in form.cleaned_data["happened"]},
                note=form.cleaned_data["note"],
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            form.show_errors(error)
        else:
            message = _saved_message(reflection.held_on) if created else SAVED_TWICE_MESSAGE
            if _is_htmx(request):
                context = {"reflection": reflection, "created": created, "message": message}
                return render(request, "supervision/includes/reflection_saved.html", context)
            (messages.success if created else messages.info)(request, message)
            return redirect("supervision:reflections")
    if "token" not in form.cleaned_data:  # missing or mangled: this page gets a new one
        data = request.POST.copy()
        data["token"] = str(uuid.uuid4())
        form.data = data
    return _form(request, form)


@require_safe
@permissions.role_required(Role.THERAPIST)
def reflections(request: AuthenticatedRequest) -> HttpResponse:
    """The therapist's pattern over recent weeks and their reflections, newest first."""
    page = Paginator(recent_reflections(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    pattern = reflection_pattern(request.user, include_sensitive=True)
    entries = []
    for reflection in page.object_list:
        marks = list(reflection.marks.all())
        entries.append(
            {
                "reflection": reflection,
                "marks": marks,
                "happened": [mark for mark in marks if mark.happened],
                "missed": [mark for mark in marks if not mark.happened],
            }
        )
    context = {
        "pattern": pattern,
        "page": page,
        "entries": entries,
        "offered": bool(pattern.rows),
    }
    return render(request, "supervision/reflections.html", context)


def _blank_form(items: list[FrameworkItem]) -> ReflectionForm:
    initial = {"held_on": timezone.localdate(), "token": uuid.uuid4()}
    return ReflectionForm(initial=initial, items=items)


def _form(request: AuthenticatedRequest, form: ReflectionForm) -> HttpResponse:
    """The form: the whole page, or for htmx ("Record another", or refused input) the form
    alone, to swap in place of what was there."""
    today = timezone.localdate()
    context = {
        "form": form,
        "toggles": form.toggles(),
        "today": today,
        "earliest": today - datetime.timedelta(days=REFLECTION_WINDOW_DAYS),
        "window_days": REFLECTION_WINDOW_DAYS,
        "nothing_offered": NOTHING_OFFERED,
        "swapped": _is_htmx(request),
    }
    if _is_htmx(request):
        return render(request, "supervision/includes/reflection_form.html", context)
    return render(request, "supervision/reflection_form.html", context)


def _saved_message(held_on: datetime.date) -> str:
    return f"Your reflection on the session of {date_format(held_on, 'l j F')} is saved."


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
