"""Observer ratings: the supervisor rates a current supervisee's target behaviours (all, or one
section of them), and sees them beside the supervisee's own ratings with the largest gaps
flagged both ways; the therapist sees the same comparison of the ratings given to them.

The rating form carries a one-time token drawn with the page, so a double submit saves one
rating (see `supervision.observer`). Anyone but a current supervisor gets 404 for a
supervisee's pages.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role, User
from accounts.permissions import AuthenticatedRequest
from accounts.validators import reject_nhs_numbers
from assessments.models import RATING_LABELS, FrameworkItem, FrameworkSection

from .. import observer

NOT_OBSERVED = "not_observed"
NOTE_MAX_LENGTH = 2000
RATING_CHOICES = [
    *((str(value), label) for value, label in RATING_LABELS.items()),
    (NOT_OBSERVED, "Not observed"),
]
SAVED_TWICE_MESSAGE = "This rating was already saved: the form was sent twice, and it is kept once."


class ObserverRatingForm(forms.Form):
    """A value (`rating_<key>`: 1 to 5 or not observed, blank for not rated) for each statement
    offered, the date and an optional note; `token` names the form, so a repeat is one rating."""

    rated_on = forms.DateField(
        label="Date of the rating",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When you observed these behaviours (today or earlier).",
        error_messages={"required": "Give the date of the rating.", "invalid": "Enter a date."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[reject_nhs_numbers],
        help_text="What you based the rating on, such as a recording reviewed together. "
        "Your supervisee sees it. No client identifiers.",
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: list[FrameworkItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"rating_{item.key}"] = forms.ChoiceField(
                choices=RATING_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                label=item.target_text,
                error_messages={"invalid_choice": "Choose a rating from 1 to 5, or not observed."},
            )

    def clean_rated_on(self) -> datetime.date:
        rated_on: datetime.date = self.cleaned_data["rated_on"]
        if rated_on > timezone.localdate():
            raise ValidationError("The rating date cannot be in the future.")
        return rated_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "token" in self.errors:
            self.errors.pop("token")
            self.add_error(
                None,
                "The form was missing its one-time code, so nothing was saved. Check your "
                "answers and save again.",
            )
        choices_valid = not any(name.startswith("rating_") for name in self.errors)
        if choices_valid and not any(value is not None for value in self.values().values()):
            self.add_error(
                None,
                "Rate at least one statement from 1 to 5 (\u201cnot observed\u201d alone is not "
                "a rating).",
            )
        return cleaned

    def values(self) -> dict[int, int | None]:
        """The statements given a value or "not observed", by item id (blank ones left out)."""
        result: dict[int, int | None] = {}
        for item in self.items:
            choice = self.cleaned_data.get(f"rating_{item.key}")
            if choice:
                result[item.pk] = None if choice == NOT_OBSERVED else int(choice)
        return result

    def rows(self) -> list[dict[str, Any]]:
        """Each statement with its radios drawn, the posted choice checked, and its error."""
        rows = []
        for item in self.items:
            bound = self[f"rating_{item.key}"]
            rows.append(
                {
                    "item": item,
                    "radios": _radios(bound.html_name, bound.auto_id, str(bound.value() or "")),
                    "error": str(bound.errors[0]) if bound.errors else "",
                }
            )
        return rows

    def show_errors(self, error: ValidationError) -> None:
        """Put a service's refusal on the fields it names (elsewhere: on the form)."""
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


def _radios(name: str, auto_id: str, chosen: str) -> SafeString:
    """The six radios of one statement, as the questionnaire draws its scale: the points 1 to 5
    in a row of large targets, "Not observed" apart."""

    def radio(index: int, value: str, label: str) -> SafeString:
        checked = " checked" if value == chosen else ""
        words = (
            format_html('<span class="rating-word">{}</span>', label)
            if value == NOT_OBSERVED
            else format_html(
                '<span class="rating-number">{}</span> <span class="rating-word">{}</span>',
                value,
                label,
            )
        )
        return format_html(
            '<label class="rating-choice" for="{id}"><input type="radio" name="{name}" '
            'value="{value}" class="form-check-input" id="{id}"{checked}>{words}</label>',
            id=f"{auto_id}_{index}",
            name=name,
            value=value,
            checked=SafeString(checked),
            words=words,
        )

    points = format_html_join(
        "", "{}", ((radio(i, v, label),) for i, (v, label) in enumerate(RATING_CHOICES[:-1]))
    )
    value, label = RATING_CHOICES[-1]
    return format_html(
        '<div class="rating-points">{}</div><div class="rating-na">{}</div>',
        points,
        radio(len(RATING_CHOICES) - 1, value, label),
    )


def _supervisee(request: AuthenticatedRequest, pk: int) -> User:
    """A current supervisee of the person asking; anyone else's pages are not found."""
    return get_object_or_404(permissions.current_supervisees(request.user), pk=pk)


def _sections(items: list[FrameworkItem]) -> list[FrameworkSection]:
    sections: dict[int, FrameworkSection] = {}
    for item in items:
        sections.setdefault(item.section_id, item.section)
    return list(sections.values())


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def observer_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rate a current supervisee's target behaviours: all of them, or one section (`section`,
    a section key, in the query string and carried by the form)."""
    supervisee = _supervisee(request, pk)
    offered = list(observer.observable_items(supervisee))
    sections = _sections(offered)
    data = request.POST if request.method == "POST" else request.GET
    chosen = next((s for s in sections if s.key == data.get("section")), None)
    items = [item for item in offered if chosen is None or item.section_id == chosen.pk]
    if request.method != "POST":
        form = ObserverRatingForm(initial={"rated_on": timezone.localdate()}, items=items)
        return _form_page(request, form, supervisee, sections, chosen, uuid.uuid4())
    form = ObserverRatingForm(request.POST, items=items)
    if form.is_valid():
        try:
            rating, created = observer.record_observer_rating(
                request.user,
                supervisee,
                rated_on=form.cleaned_data["rated_on"],
                values=form.values(),
                note=form.cleaned_data["note"],
                token=form.cleaned_data["token"],
            )
        except observer.NotAllowed:  # the supervision ended since the page was drawn
            raise Http404 from None
        except ValidationError as error:
            form.show_errors(error)
        else:
            if created:
                rated = sum(value is not None for value in form.values().values())
                plural = "s" if rated != 1 else ""
                messages.success(
                    request,
                    f"Your rating of {rated} statement{plural}, dated "
                    f"{date_format(rating.rated_on, 'j F Y')}, is saved.",
                )
            else:
                messages.info(request, SAVED_TWICE_MESSAGE)
            return redirect("supervision:observer_compare", supervisee.pk)
    # The same token again, so that the corrected form is still one rating; a new one when it
    # was missing or mangled.
    token = form.cleaned_data.get("token") or uuid.uuid4()
    return _form_page(request, form, supervisee, sections, chosen, token)


def _form_page(
    request: AuthenticatedRequest,
    form: ObserverRatingForm,
    supervisee: User,
    sections: list[FrameworkSection],
    chosen: FrameworkSection | None,
    token: uuid.UUID,
) -> HttpResponse:
    rows = form.rows()
    grouped: dict[int, dict[str, Any]] = {}
    for row in rows:
        section = row["item"].section
        grouped.setdefault(section.pk, {"section": section, "rows": []})["rows"].append(row)
    context = {
        "form": form,
        "supervisee": supervisee,
        "sections": sections,
        "chosen": chosen,
        "token": token,
        "groups": list(grouped.values()),
        "row_errors": [row for row in rows if row["error"]],
    }
    return render(request, "supervision/observer_form.html", context)


@require_safe
@login_required
def observer_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A current supervisee's own ratings beside the observer ratings their current supervisors
    gave, the largest gaps first. Opening someone's ratings is recorded."""
    supervisee = _supervisee(request, pk)
    comparison = observer.compare(supervisee, request.user)
    record_event(
        request.user, supervisee, AuditEvent.Action.OPENED_ANSWERS, "observer ratings comparison"
    )
    return _compare_page(request, comparison, own=False)


@require_safe
@permissions.role_required(Role.THERAPIST)
def my_ratings(request: AuthenticatedRequest) -> HttpResponse:
    """The therapist's own ratings beside those their supervisors gave them."""
    return _compare_page(request, observer.compare(request.user, request.user), own=True)


def _compare_page(
    request: AuthenticatedRequest, comparison: observer.Comparison, *, own: bool
) -> HttpResponse:
    context = {
        "comparison": comparison,
        "supervisee": comparison.supervisee,
        "own": own,
        "threshold": observer.GAP_THRESHOLD,
    }
    return render(request, "supervision/observer_compare.html", context)
