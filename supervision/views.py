"""The supervisor's list of current supervisees and review queue, and the supervision log: the
supervisee's list with monthly hours, the entry form (new and edit), which later create/edit
pages copy, and the entry's own page, where its supervisee withdraws or amends it and its
supervisor returns or confirms it.

Every change names the revision its page was built from: a page older than the entry gets 409
and keeps what was typed, so nobody's change is lost (see `supervision.services`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role
from accounts.permissions import AuthenticatedRequest

from . import hours, queries, services
from .forms import ReturnForm, SupervisionSessionForm
from .models import Activity, Delivery, Format, SupervisionSession

PAGE_SIZE = 25
NO_REVISION = "The page did not say which version of the entry it shows."
STALE_MESSAGE = (
    "This entry changed in another window since you opened it, so nothing was saved. What you "
    "typed is below: open the entry again to see the newer version, then make your changes."
)
CHANGED_MESSAGE = (
    "This entry changed since you opened it, so nothing was done. The page now shows it as it "
    "is: read it again before you decide."
)
NOT_AWAITING_MESSAGE = (
    "This entry is no longer waiting for review, so nothing was done. The page now shows it as "
    "it is."
)
Status = SupervisionSession.Status


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
    reply = entry.status == Status.RETURNED
    if request.method != "POST":
        initial = SupervisionSessionForm.initial_for(entry)
        form = SupervisionSessionForm(initial=initial, supervisee=request.user, reply=reply)
        return _form_page(request, form, entry)
    revision = _revision(request)
    if revision is None:
        return HttpResponseBadRequest(NO_REVISION)
    form = SupervisionSessionForm(request.POST, supervisee=request.user, reply=reply)
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
                if form.cleaned_data.get("comment"):
                    services.add_comment(entry, by=request.user, text=form.cleaned_data["comment"])
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


@require_safe
@login_required
def session_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One entry, read-only, for its supervisee and its supervisor (anyone else: not found),
    with what each may do to it. Opening someone else's entry is recorded."""
    entry = _visible_entry(request, pk)
    if entry.supervisee_id != request.user.pk:
        record_event(
            request.user, entry.supervisee, AuditEvent.Action.OPENED_SUPERVISION, str(entry.pk)
        )
    return _detail_page(request, entry)


@require_POST
@login_required
def session_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The supervisee takes a submitted entry back; it is a draft again, opened for changes."""
    entry = _visible_entry(request, pk)
    revision = _revision(request)
    if revision is None:
        return HttpResponseBadRequest(NO_REVISION)
    try:
        done = services.withdraw(entry, by=request.user, revision=revision)
    except services.NotAllowed:
        raise Http404 from None
    except services.StaleEntry:
        return _detail_page(request, _reloaded(request, entry), conflict=CHANGED_MESSAGE)
    except services.WrongState:
        message = "Your supervisor has already decided on this entry, so it stays as it is."
        return _detail_page(request, _reloaded(request, entry), conflict=message)
    if done:
        messages.success(request, "You took the entry back: it is a draft again.")
    else:
        messages.info(request, "You had already taken this entry back.")
    return redirect("supervision:session_edit", entry.pk)


@require_POST
@login_required
def session_amend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The supervisee starts a correction of a confirmed entry (or reopens the one started)."""
    entry = _visible_entry(request, pk)
    try:
        correction = services.amend(entry, by=request.user)
    except services.NotAllowed:
        raise Http404 from None
    except services.WrongState:
        message = "Only a confirmed entry is corrected this way."
        return _detail_page(request, entry, conflict=message)
    messages.info(
        request,
        "This is a correction of your confirmed entry: the original stays as it was until your "
        "supervisor confirms the correction.",
    )
    return redirect("supervision:session_edit", correction.pk)


@require_POST
@login_required
def session_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The supervisor returns a submitted entry with a comment saying what to change."""
    entry = _reviewed_entry(request, pk)
    revision = _revision(request)
    if revision is None:
        return HttpResponseBadRequest(NO_REVISION)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, entry, return_form=form, revision=revision)
    try:
        done = services.return_for_changes(
            entry, by=request.user, revision=revision, comment=form.cleaned_data["comment"]
        )
    except services.NotAllowed:
        raise Http404 from None
    except (services.StaleEntry, services.WrongState) as error:
        return _review_conflict(request, entry, error, form)
    except ValidationError as error:
        form.add_error("comment", error.messages)
        return _detail_page(request, entry, return_form=form, revision=revision)
    if done:
        messages.success(request, f"The entry is returned to {entry.supervisee} with your comment.")
    else:
        messages.info(request, "This entry was already returned for changes.")
    return redirect("supervision:review_queue")


@require_POST
@login_required
def session_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The supervisor confirms a submitted entry; a repeat (a double click) changes nothing."""
    entry = _reviewed_entry(request, pk)
    revision = _revision(request)
    if revision is None:
        return HttpResponseBadRequest(NO_REVISION)
    try:
        done = services.confirm(entry, by=request.user, revision=revision)
    except services.NotAllowed:
        raise Http404 from None
    except (services.StaleEntry, services.WrongState) as error:
        return _review_conflict(request, entry, error, ReturnForm())
    if done:
        messages.success(request, f"You confirmed the session of {entry.held_on:%-d %B %Y}.")
    else:
        messages.info(request, "This entry is already confirmed.")
    return redirect("supervision:review_queue")


@require_safe
@permissions.role_required(Role.SUPERVISOR)
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    """Entries awaiting this supervisor's review, oldest first."""
    page = Paginator(queries.review_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/review_queue.html", {"page": page})


def _revision(request: AuthenticatedRequest) -> int | None:
    """The entry revision the posted page was built from (None when it does not say)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def _visible_entry(request: AuthenticatedRequest, pk: int) -> SupervisionSession:
    entry = queries.visible_entry(request.user, pk)
    if entry is None:
        raise Http404("No such entry.")
    return entry


def _reviewed_entry(request: AuthenticatedRequest, pk: int) -> SupervisionSession:
    """An entry this person supervises (its supervisee and others: not found)."""
    entry = _visible_entry(request, pk)
    if entry.supervisor_id != request.user.pk:
        raise Http404("No such entry.")
    return entry


def _reloaded(request: AuthenticatedRequest, entry: SupervisionSession) -> SupervisionSession:
    """The entry as it now is (after another request changed it), or not found."""
    return _visible_entry(request, entry.pk)


def _review_conflict(
    request: AuthenticatedRequest, entry: SupervisionSession, error: Exception, form: ReturnForm
) -> HttpResponse:
    """409: the page the supervisor acted on was stale. The entry is shown as it now is, with
    the comment they typed kept in the form."""
    message = CHANGED_MESSAGE if isinstance(error, services.StaleEntry) else NOT_AWAITING_MESSAGE
    current = queries.visible_entry(request.user, entry.pk)
    if current is None:  # taken back by the supervisee: a draft is theirs alone
        messages.warning(request, f"{entry.supervisee} took this entry back, so nothing was done.")
        return redirect("supervision:review_queue")
    return _detail_page(request, current, return_form=form, conflict=message)


def _detail_page(
    request: AuthenticatedRequest,
    entry: SupervisionSession,
    *,
    return_form: ReturnForm | None = None,
    revision: int | None = None,
    conflict: str = "",
) -> HttpResponse:
    user = request.user
    is_supervisee = entry.supervisee_id == user.pk
    context = {
        "entry": entry,
        "is_supervisee": is_supervisee,
        "activities": [Activity(value).label for value in entry.activities],
        "revision": entry.revision if revision is None else revision,
        "can_edit": permissions.can_edit_supervision(user, entry),
        "can_withdraw": permissions.can_withdraw_supervision(user, entry),
        "can_amend": permissions.can_amend_supervision(user, entry),
        "can_review": permissions.can_review_supervision(user, entry),
        "return_form": return_form or ReturnForm(),
        "conflict": conflict,
    }
    status = 409 if conflict else 200
    return render(request, "supervision/session_detail.html", context, status=status)


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
