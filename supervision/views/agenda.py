"""The agenda for the next supervision session: the therapist's own page and the same page for
a current supervisor, where either adds items and marks them discussed or dropped; and the
supervisee's agreed actions not yet done, which they mark done.

Every change is an ordinary form that posts and redirects back; htmx enhances each one to
swap only what changed (the list of open items with the add form, or one row), getting a
partial template instead of the redirect. A double submit of "add" is one item (the form's
token, see `supervision.agenda`); closing or marking done twice changes nothing and says so.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.models import Role, User
from accounts.permissions import AuthenticatedRequest
from accounts.validators import is_row_id, reject_nhs_numbers
from assessments.models import FrameworkItem

from .. import agenda_queries
from ..agenda import (
    MAX_TEXT_LENGTH,
    NotAllowed,
    add_agenda_item,
    close_agenda_item,
    complete_action,
)
from ..forms import RowChoices
from ..models import AgendaItem, AgreedAction, SupervisionSession

PAGE_SIZE = 25
Status = AgendaItem.Status
TOKEN_MESSAGE = "This form was incomplete, so nothing was added. Check the agenda, then add again."
OUTCOME_LABELS = {Status.DISCUSSED: "discussed", Status.DROPPED: "dropped"}


class AgendaItemForm(forms.Form):
    """An item for the agenda: what to discuss and, optionally, the statements it is about.
    `token` names the form (see `supervision.agenda`)."""

    text = forms.CharField(
        label="What to discuss",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT_LENGTH,
        validators=[reject_nhs_numbers],
        strip=True,
        error_messages={
            "required": "Write what you want to discuss.",
            "max_length": f"Keep it to {MAX_TEXT_LENGTH:,} characters (this has %(show_value)d).",
        },
    )
    items = RowChoices(
        label="Framework statements it is about (optional)",
        queryset=FrameworkItem.objects.none(),
        required=False,
        widget=forms.SelectMultiple(
            attrs={"class": "form-select", "size": 8, "data-statement-filter": ""}
        ),
        error_messages={"invalid_choice": "Choose statements from the list."},
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, supervisee: User, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = viewer.pk == supervisee.pk
        seen_by = "Your supervisors see this." if own else f"{supervisee} sees it as yours."
        text = self.fields["text"]
        text.widget.attrs["class"] = "form-control"
        text.help_text = f"{seen_by} No client identifiers. Up to {MAX_TEXT_LENGTH:,} characters."
        items = self.fields["items"]
        items.help_text = "To choose more than one, hold Ctrl (Cmd on a Mac) as you click."
        if not own:
            items.help_text += " Private statements are not offered."
        items.queryset = agenda_queries.statement_choices(supervisee, viewer)  # type: ignore[attr-defined]
        items.label_from_instance = lambda item: f"{item.key} {item.target_text}"  # type: ignore[attr-defined]

    def clean_token(self) -> int:
        token = self.cleaned_data.get("token", "")
        if not is_row_id(token) and token != "0":
            raise ValidationError(TOKEN_MESSAGE)
        return int(token)


class CloseForm(forms.Form):
    """How an item ends: discussed (optionally in a recent log entry) or dropped."""

    outcome = forms.ChoiceField(
        choices=[(Status.DISCUSSED, "Discussed"), (Status.DROPPED, "Dropped")],
        error_messages={
            "required": "Choose whether it was discussed or dropped.",
            "invalid_choice": "Choose whether it was discussed or dropped.",
        },
    )
    discussed_in = forms.CharField(required=False)

    def __init__(self, *args: Any, sessions: list[SupervisionSession], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {entry.pk: entry for entry in sessions}

    def clean_discussed_in(self) -> SupervisionSession | None:
        value = self.cleaned_data.get("discussed_in", "")
        if not value:
            return None
        entry = self.sessions.get(int(value)) if is_row_id(value) else None
        if entry is None:
            raise ValidationError("Choose one of the sessions listed, or none.")
        return entry

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == Status.DROPPED:
            cleaned["discussed_in"] = None  # a session picked before choosing "drop"
        return cleaned


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def agenda(request: AuthenticatedRequest) -> HttpResponse:
    """The therapist's own agenda for their next supervision; POST adds an item."""
    return _agenda(request, request.user)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def supervisee_agenda(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A current supervisee's agenda, for their supervisor (anyone else: not found); POST adds
    an item."""
    supervisee = get_object_or_404(permissions.current_supervisees(request.user), pk=pk)
    return _agenda(request, supervisee)


@require_POST
@login_required
def agenda_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark an item discussed or dropped, by its supervisee or a current supervisor (anyone
    else: not found). Closing a closed item changes nothing and says so."""
    item = get_object_or_404(AgendaItem.objects.select_related("supervisee"), pk=pk)
    if not permissions.can_work_on_agenda(request.user, item.supervisee_id):
        raise Http404("No such agenda item.")
    supervisee = item.supervisee
    sessions = list(agenda_queries.session_choices(supervisee, request.user))
    if item.status != Status.OPEN:  # a repeat: whatever it asks, nothing is done
        return _closed(request, supervisee, item, sessions, closed=False)
    form = CloseForm(request.POST, sessions=sessions)
    if not form.is_valid():
        return _close_refused(request, supervisee, item, form, sessions)
    try:
        closed = close_agenda_item(
            item,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            discussed_in=form.cleaned_data["discussed_in"],
        )
    except NotAllowed:
        raise Http404("No such agenda item.") from None
    except ValidationError as error:
        _show_errors(form, error)
        return _close_refused(request, supervisee, item, form, sessions)
    return _closed(request, supervisee, item, sessions, closed=closed)


@require_POST
@login_required
def action_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The supervisee marks an agreed action done today (anyone else: not found); a repeat
    changes nothing."""
    action = get_object_or_404(
        AgreedAction.objects.select_related("entry"), pk=pk, entry__supervisee=request.user
    )
    try:
        done = complete_action(action, by=request.user, on=timezone.localdate())
    except NotAllowed:
        raise Http404("No such action.") from None
    message = "Marked done." if done else "This action was already done, so nothing changed."
    if _is_htmx(request):
        context = {
            "action": action,
            "is_own": True,
            "today": timezone.localdate(),
            "message": message,
        }
        return render(request, "supervision/includes/agenda_action.html", context)
    (messages.success if done else messages.info)(request, message)
    return redirect("supervision:agenda")


# Helpers


def _agenda(request: AuthenticatedRequest, supervisee: User) -> HttpResponse:
    """The page (GET), or an item added (POST): a redirect back, or for htmx the open list
    with a fresh form; refused input comes back with what was typed."""
    viewer = request.user
    if request.method != "POST":
        return _page(request, supervisee)
    form = AgendaItemForm(request.POST, supervisee=supervisee, viewer=viewer)
    if form.is_valid():
        try:
            _item, created = add_agenda_item(
                supervisee,
                by=viewer,
                text=form.cleaned_data["text"],
                items=form.cleaned_data["items"],
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                message = "Added to the agenda."
            else:
                message = "This was already on the agenda, so it was not added twice."
            if _is_htmx(request):
                context = _open_context(request, supervisee, message=message)
                return render(request, "supervision/includes/agenda_open.html", context)
            (messages.success if created else messages.info)(request, message)
            return redirect(_agenda_url(viewer, supervisee))
    token = form.cleaned_data.get("token") if "token" in form.cleaned_data else None
    if _is_htmx(request):
        context = _open_context(request, supervisee, form=form, token=token)
        return render(request, "supervision/includes/agenda_open.html", context)
    return _page(request, supervisee, form=form, token=token)


def _page(
    request: AuthenticatedRequest,
    supervisee: User,
    *,
    form: AgendaItemForm | None = None,
    token: int | None = None,
    close: dict[str, Any] | None = None,
) -> HttpResponse:
    viewer = request.user
    closed_page = Paginator(agenda_queries.closed_items(supervisee, viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    actions_page = Paginator(agenda_queries.open_actions(supervisee, viewer), PAGE_SIZE).get_page(
        request.GET.get("actions_page")
    )
    context = {
        **_open_context(request, supervisee, form=form, token=token, close=close),
        "closed_page": closed_page,
        "openable": agenda_queries.openable_entry_ids(viewer, closed_page.object_list),
        "actions_page": actions_page,
    }
    return render(request, "supervision/agenda.html", context)


def _open_context(
    request: AuthenticatedRequest,
    supervisee: User,
    *,
    form: AgendaItemForm | None = None,
    token: int | None = None,
    message: str = "",
    close: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the open list and the add form need (the page, and htmx's swap of both)."""
    viewer = request.user
    return {
        **_base_context(request, supervisee),
        "open_items": list(agenda_queries.open_items(supervisee, viewer)),
        "sessions": list(agenda_queries.session_choices(supervisee, viewer)),
        "form": form or AgendaItemForm(supervisee=supervisee, viewer=viewer),
        "token": agenda_queries.newest_item_id(supervisee) if token is None else token,
        "message": message,
        "close": close or {},
    }


def _base_context(request: AuthenticatedRequest, supervisee: User) -> dict[str, Any]:
    is_own = request.user.pk == supervisee.pk
    return {
        "supervisee": supervisee,
        "is_own": is_own,
        "agenda_url": _agenda_url(request.user, supervisee),
        "today": timezone.localdate(),
    }


def _row_context(
    request: AuthenticatedRequest,
    supervisee: User,
    item: AgendaItem,
    sessions: list[SupervisionSession],
    *,
    message: str = "",
    close: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        **_base_context(request, supervisee),
        "item": item,
        "sessions": sessions,
        "openable": agenda_queries.openable_entry_ids(request.user, [item]),
        "message": message,
        "close": close or {},
    }


def _closed(
    request: AuthenticatedRequest,
    supervisee: User,
    item: AgendaItem,
    sessions: list[SupervisionSession],
    *,
    closed: bool,
) -> HttpResponse:
    """After a close (or its repeat): back to the agenda, or for htmx the item's row."""
    if closed:
        message = f"Marked {OUTCOME_LABELS[Status(item.status)]}: it is now under Closed items."
    else:
        message = "This item was already closed, so nothing changed."
    if _is_htmx(request):
        shown = agenda_queries.one_item(item.pk, supervisee, request.user)
        context = _row_context(request, supervisee, shown, sessions, message=message)
        return render(request, "supervision/includes/agenda_item.html", context)
    (messages.success if closed else messages.info)(request, message)
    return redirect(_agenda_url(request.user, supervisee))


def _close_refused(
    request: AuthenticatedRequest,
    supervisee: User,
    item: AgendaItem,
    form: CloseForm,
    sessions: list[SupervisionSession],
) -> HttpResponse:
    """The item's row with the close form's errors and what was chosen (the whole page
    without htmx)."""
    close = {
        "item_pk": item.pk,
        "errors": [error for errors in form.errors.values() for error in errors],
        "discussed_in": form.data.get("discussed_in", ""),
    }
    if _is_htmx(request):
        shown = agenda_queries.one_item(item.pk, supervisee, request.user)
        context = _row_context(request, supervisee, shown, sessions, close=close)
        return render(request, "supervision/includes/agenda_item.html", context)
    return _page(request, supervisee, close=close)


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names (elsewhere: on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _agenda_url(viewer: User, supervisee: User) -> str:
    if viewer.pk == supervisee.pk:
        return reverse("supervision:agenda")
    return reverse("supervision:supervisee_agenda", args=[supervisee.pk])


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
