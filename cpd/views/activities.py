"""The therapist's CPD activities: this CPD year's list with totals by type against BABCP's
expectation and the review's comments on each (to reply to), an activity's form (new or
changed, with an evidence file), and the evidence files, downloaded by their owner or the
owner's current supervisor and deleted by the owner.

Everyone else gets 404. A form sent twice adds one activity (its token); a form with errors
comes back with what was typed, except the file, which the browser cannot send back.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role
from accounts.permissions import AuthenticatedRequest

from .. import activities, queries, services
from ..activities import ACTIVITY_FIELDS
from ..forms_activities import ActivityForm
from ..models import CpdActivity, CpdEvidence, CpdPlan

PER_PAGE = 20


@require_safe
@permissions.role_required(Role.THERAPIST)
def activity_list(request: AuthenticatedRequest) -> HttpResponse:
    """This CPD year's activities, newest first, each with the review's comments on it (to
    reply to), and the year's totals."""
    current = services.current_plan(request.user)
    page = Paginator(activities.plan_activities(current), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = queries.with_activity_comments(current, page.object_list)
    context = {"plan": current, "page": page, "totals": activities.year_totals(current)}
    return render(request, "cpd/activities.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def activity_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new activity in this year's plan."""
    current = services.current_plan(request.user)
    goals = current.goals.order_by("target_on", "pk")
    if request.method != "POST":
        form = ActivityForm(goals=goals, initial={"token": uuid.uuid4()})
        return _page(request, form, current)
    form = ActivityForm(request.POST, request.FILES, goals=goals)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _activity, created = activities.add_activity(
                current,
                by=request.user,
                token=data["token"],
                goals=data["goals"],
                files=form.checked_files(),
                **{name: data[name] for name in ACTIVITY_FIELDS},
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                messages.success(request, "Added to your CPD activities.")
            else:
                messages.info(
                    request, "This activity was already added, so it was not added twice."
                )
            return redirect("cpd:activities")
    return _page(request, form, current, token=form.cleaned_data.get("token") or uuid.uuid4())


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change one of one's own activities (anyone else's: not found). Only the fields the form
    sent are changed; a file chosen is added to its evidence."""
    activity = get_object_or_404(
        CpdActivity.objects.select_related("plan"), pk=pk, plan__therapist=request.user
    )
    goals = activity.plan.goals.order_by("target_on", "pk")
    if request.method != "POST":
        initial = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
        form = ActivityForm(
            goals=goals, editing=True, initial={**initial, "goals": activity.goals.all()}
        )
        return _page(request, form, activity.plan, activity=activity)
    form = ActivityForm(request.POST, request.FILES, goals=goals, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in ACTIVITY_FIELDS if name in request.POST}
        try:
            changed = activities.update_activity(
                activity,
                by=request.user,
                changes=changes,
                goals=data["goals"] if "goals_sent" in request.POST else None,
                files=form.checked_files(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if changed:
                messages.success(request, "Saved your activity.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("cpd:activities")
    return _page(request, form, activity.plan, activity=activity)


@require_safe
@login_required
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """An evidence file, as an attachment of the type found when it was uploaded: for its
    owner and the owner's current supervisor (anyone else: not found)."""
    item = get_object_or_404(CpdEvidence.objects.select_related("activity__plan__therapist"), pk=pk)
    if not permissions.can_view_cpd_evidence(request.user, item.activity.plan.therapist_id):
        raise Http404
    try:
        handle = default_storage.open(item.file.name or "", "rb")
    except FileNotFoundError:
        raise Http404 from None
    owner = item.activity.plan.therapist
    if owner.pk != request.user.pk:
        record_event(request.user, owner, AuditEvent.Action.OPENED_CPD, f"evidence {item.pk}")
    response = FileResponse(
        handle, as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
@login_required
def evidence_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Delete an evidence file of one's own activity (anyone else's: not found)."""
    item = get_object_or_404(
        CpdEvidence.objects.select_related("activity"),
        pk=pk,
        activity__plan__therapist=request.user,
    )
    activity_pk = item.activity_id
    activities.delete_evidence(item, by=request.user)
    messages.success(request, f"Deleted the file {item.original_name}.")
    return redirect("cpd:activity_edit", pk=activity_pk)


# Helpers


def _page(
    request: AuthenticatedRequest,
    form: ActivityForm,
    plan: CpdPlan,
    *,
    activity: CpdActivity | None = None,
    token: uuid.UUID | None = None,
) -> HttpResponse:
    files = list(activity.evidence.all()) if activity is not None else []
    context = {"form": form, "plan": plan, "activity": activity, "files": files, "token": token}
    return render(request, "cpd/activity_form.html", context)


def _show_errors(form: ActivityForm, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names (elsewhere: on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
