"""The supervisor's list of current supervisees, and the supervisee's supervision log: the list
with monthly hours, and the entry form (new and edit), which later create/edit pages copy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest

from . import hours, queries, services
from .forms import SupervisionSessionForm
from .models import Delivery, Format, SupervisionSession

PAGE_SIZE = 25
STALE_MESSAGE = (
    "This entry changed in another window since you opened it, so nothing was saved. What you "
    "typed is below: open the entry again to see the newer version, then make your changes."
)


@require_safe
@permissions.role_required(Role.SUPERVISOR)
def supervisees(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(queries.supervisee_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.supervisee_rows(list(page.object_list))
    return render(request, "supervision/supervisees.html", {"page": page, "rows": rows})


@require_safe
@permissions.role_required(Role.THERAPIST)
def log(request: AuthenticatedRequest) -> HttpResponse:
    """The supervisee's own log: hours of the last three months against the standard, and the
    entries, newest first."""
    months = hours.monthly_hours(request.user)
    entries = SupervisionSession.objects.filter(supervisee=request.user).select_related(
        "supervisor"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "months": months,
        "rolling": hours.rolling_average(months),
        "page": page,
    }
    return render(request, "supervision/log.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def session_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new entry: saved as a draft, or saved and submitted."""
    if request.method != "POST":
        initial = {
            "held_on": timezone.localdate(),
            "format": Format.INDIVIDUAL,
            "delivery": Delivery.IN_PERSON,
        }
        form = SupervisionSessionForm(initial=initial, supervisee=request.user)
        return _form_page(request, form, None)
    form = SupervisionSessionForm(request.POST, supervisee=request.user)
    if form.is_valid():
        try:
            with transaction.atomic():
                entry = services.record_session(
                    request.user, items=form.cleaned_data["items"], **form.entry_fields()
                )
                if "submit" in request.POST:
                    services.submit(entry, by=request.user, revision=entry.revision)
        except ValidationError as error:
            form.show_errors(error)
        else:
            return _saved(request, entry)
    return _form_page(request, form, None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def session_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change a draft or returned entry (only one's own; anyone else's is not found). The page
    carries the entry's revision: a save from a page older than the entry gets 409 and keeps
    what was typed."""
    entry = get_object_or_404(SupervisionSession, pk=pk, supervisee=request.user)
    if not permissions.can_edit_supervision(request.user, entry):
        messages.info(request, "This entry is submitted, so it can no longer be changed.")
        return redirect("supervision:log")
    if request.method != "POST":
        initial = SupervisionSessionForm.initial_for(entry)
        form = SupervisionSessionForm(initial=initial, supervisee=request.user)
        return _form_page(request, form, entry)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        return HttpResponseBadRequest("The page did not say which version of the entry it shows.")
    form = SupervisionSessionForm(request.POST, supervisee=request.user)
    status = 200
    if form.is_valid():
        try:
            with transaction.atomic():
                services.update_session(
                    entry,
                    by=request.user,
                    revision=revision,
                    items=form.cleaned_data["items"],
                    **form.entry_fields(),
                )
                if "submit" in request.POST:
                    services.submit(entry, by=request.user, revision=entry.revision)
        except services.StaleEntry:
            form.add_error(None, STALE_MESSAGE)
            status = 409
        except services.WrongState:
            messages.info(request, "This entry is submitted, so it can no longer be changed.")
            return redirect("supervision:log")
        except ValidationError as error:
            form.show_errors(error)
        else:
            return _saved(request, entry)
    return _form_page(request, form, entry, revision=revision, status=status)


def _form_page(
    request: AuthenticatedRequest,
    form: SupervisionSessionForm,
    entry: SupervisionSession | None,
    *,
    revision: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "entry": entry,
        "revision": entry.revision if revision is None and entry else revision,
        "comments": entry.comments.select_related("author") if entry else [],
    }
    return render(request, "supervision/session_form.html", context, status=status)


def _saved(request: AuthenticatedRequest, entry: SupervisionSession) -> HttpResponse:
    if entry.status == SupervisionSession.Status.SUBMITTED:
        who = "recorded" if entry.is_external else "sent to your supervisor to confirm"
        messages.success(request, f"The session of {entry.held_on:%-d %B %Y} is {who}.")
    else:
        messages.success(request, f"The session of {entry.held_on:%-d %B %Y} is saved as a draft.")
    return redirect("supervision:log")
