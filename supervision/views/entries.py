"""The supervisor's list of current supervisees and review queue, and the supervision log: the
supervisee's list with monthly hours, the entry form (new and edit), which later create/edit
pages copy, and the entry's own page, where its supervisee withdraws or amends it and its
supervisor returns or confirms it.

Every change names the revision its page was built from: a page older than the entry gets 409
and keeps what was typed, so nobody's change is lost (see `supervision.services`). The entry
form carries optional sections (a rupture record and a CTS-R rating, when the supervisee's
service has those features on, and agreed actions), saved with the entry in one transaction.

The supervisor's "Confirm" and "Return for changes" are ordinary forms; sent by htmx (header
HX-Request) they get the review panel back, with the outcome or the conflict in it, instead of
a redirect (a 409 is swapped in place by static/js/htmx-errors.js).
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

from .. import queries, services
from ..features import features_for
from ..forms import EntryDetailsForms, ReturnForm, SupervisionSessionForm, show_service_errors
from ..models import Activity, Delivery, Format, SupervisionSession

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
REVIEW_PANEL = "supervision/includes/review_panel.html"
NOT_AWAITING_MESSAGE = (
    "This entry is no longer waiting for review, so nothing was done. The page now shows it as "
    "it is."
)
Status = SupervisionSession.Status


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
        details = EntryDetailsForms(features=features_for(request.user))
        return _form_page(request, form, details, None)
    form = SupervisionSessionForm(request.POST, supervisee=request.user)
    details = EntryDetailsForms(request.POST, features=features_for(request.user))
    if _all_valid(form, details):
        try:
            with transaction.atomic():
                entry = services.record_session(
                    request.user,
                    items=form.cleaned_data["items"],
                    details=details.details(),
                    **form.entry_fields(),
                )
                if "submit" in request.POST:
                    services.submit(entry, by=request.user, revision=entry.revision)
        except ValidationError as error:
            show_service_errors(error, form, details)
        else:
            return _saved(request, entry)
    return _form_page(request, form, details, None)


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
    features = features_for(request.user)
    if request.method != "POST":
        initial = SupervisionSessionForm.initial_for(entry)
        form = SupervisionSessionForm(initial=initial, supervisee=request.user, reply=reply)
        details = EntryDetailsForms(features=features, entry=entry)
        return _form_page(request, form, details, entry)
    revision = _revision(request)
    if revision is None:
        return HttpResponseBadRequest(NO_REVISION)
    form = SupervisionSessionForm(request.POST, supervisee=request.user, reply=reply)
    details = EntryDetailsForms(request.POST, features=features, entry=entry)
    status = 200
    # A reply from a page older than the entry is refused like any other stale change (an
    # update that changes nothing does not look at the revision).
    page_is_current = revision == entry.revision
    if _all_valid(form, details):
        try:
            with transaction.atomic():
                services.update_session(
                    entry,
                    by=request.user,
                    revision=revision,
                    items=form.cleaned_data["items"],
                    details=details.details(),
                    **form.entry_fields(),
                )
                if form.cleaned_data.get("comment"):
                    if not page_is_current:
                        raise services.StaleEntry()
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
            show_service_errors(error, form, details)
        else:
            return _saved(request, entry)
    return _form_page(request, form, details, entry, revision=revision, status=status)


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
        return _detail_page(
            request, entry, return_form=form, revision=revision, panel=_is_htmx(request)
        )
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
        return _detail_page(
            request, entry, return_form=form, revision=revision, panel=_is_htmx(request)
        )
    if done:
        outcome = f"The entry is returned to {entry.supervisee} with your comment."
        return _reviewed(request, entry, messages.SUCCESS, outcome)
    return _reviewed(request, entry, messages.INFO, "This entry was already returned for changes.")


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
        # The comment typed in the return form (sent along by htmx) is kept on the 409 page.
        typed = ReturnForm(initial={"comment": request.POST.get("comment", "")})
        return _review_conflict(request, entry, error, typed)
    if done:
        outcome = f"You confirmed the session of {entry.held_on:%-d %B %Y}."
        return _reviewed(request, entry, messages.SUCCESS, outcome)
    return _reviewed(request, entry, messages.INFO, "This entry is already confirmed.")


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
        taken_back = f"{entry.supervisee} took this entry back, so nothing was done."
        if _is_htmx(request):
            context = {"partial": True, "can_review": False, "conflict": taken_back}
            return render(request, REVIEW_PANEL, context, status=409)
        messages.warning(request, taken_back)
        return redirect("supervision:review_queue")
    response = _detail_page(request, current, return_form=form, conflict=message)
    if _is_htmx(request):
        # The whole entry changed, not only its review: the answer replaces the page's main
        # content, so the supervisor never decides on text they have not seen.
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Reselect"] = "#main"
    return response


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _reviewed(
    request: AuthenticatedRequest, entry: SupervisionSession, level: int, outcome: str
) -> HttpResponse:
    """After a review decision: the review panel with the outcome for htmx, else the queue."""
    if _is_htmx(request):
        context = {
            "entry": entry,
            "can_review": permissions.can_review_supervision(request.user, entry),
            "revision": entry.revision,
            "return_form": ReturnForm(),
            "outcome": outcome,
            "outcome_level": "success" if level == messages.SUCCESS else "info",
            "partial": True,
            "swap_status": True,
        }
        return render(request, REVIEW_PANEL, context)
    messages.add_message(request, level, outcome)
    return redirect("supervision:review_queue")


def _detail_page(
    request: AuthenticatedRequest,
    entry: SupervisionSession,
    *,
    return_form: ReturnForm | None = None,
    revision: int | None = None,
    conflict: str = "",
    panel: bool = False,
) -> HttpResponse:
    """The entry's page; `panel`: only its review panel (the answer to an htmx review)."""
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
    if panel:
        return render(
            request, REVIEW_PANEL, context | {"partial": True, "swap_status": True}, status=status
        )
    context |= {"rupture": _one(entry, "rupture"), "ctsr": _one(entry, "ctsr")}
    return render(request, "supervision/session_detail.html", context, status=status)


def _one(entry: SupervisionSession, name: str) -> object | None:
    """The entry's rupture record or CTS-R rating, if it has one."""
    return getattr(entry, name, None)


def _all_valid(form: SupervisionSessionForm, details: EntryDetailsForms) -> bool:
    """Both validated, so every error shows at once."""
    return all([form.is_valid(), details.is_valid()])


def _form_page(
    request: AuthenticatedRequest,
    form: SupervisionSessionForm,
    details: EntryDetailsForms,
    entry: SupervisionSession | None,
    *,
    revision: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "details": details,
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
