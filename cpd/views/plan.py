"""The CPD plan pages: the therapist's own plan (goals, suggestions from their profile to
accept or dismiss, the renewal date, the review's comments to reply to), a goal's form (new,
prefilled from a priority need with `?item=KEY`, or changed), and a current supervisor's view
of a supervisee's plan and activities, to review (cpd/views/review.py).

Accept and dismiss are ordinary forms that post and redirect back; htmx enhances them to swap
the goals and suggestions in place, getting a partial template instead of the redirect.
Accepting twice adds one goal; a new-goal form sent twice adds one (its token).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role, User
from accounts.permissions import AuthenticatedRequest

from .. import queries, services
from ..forms import GoalForm, RenewalForm
from ..models import CpdGoal, CpdPlan
from ..suggestions import LatestNeeds, latest_needs, suggestions_for
from . import review

EDITABLE = (*services.GOAL_FIELDS, "status")


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def plan(request: AuthenticatedRequest) -> HttpResponse:
    """The therapist's plan for this CPD year (made on first visit); POST sets the renewal
    date. Opening it suggests the Motivation needs of the latest self-assessment for the
    supervision agenda, once per self-assessment (`services.route_motivation_needs`)."""
    therapist = request.user
    current = services.current_plan(therapist)
    found = latest_needs(therapist)
    renewal = RenewalForm(initial={"renewal_on": current.accreditation_renewal_on})
    if request.method == "POST":
        renewal = RenewalForm(request.POST)
        if renewal.is_valid():
            try:
                services.set_renewal_date(current, renewal.cleaned_data["renewal_on"], by=therapist)
            except ValidationError as error:
                renewal.add_error("renewal_on", error.message_dict["renewal_on"])
            else:
                messages.success(request, "Saved: your CPD year runs to your renewal date.")
                return redirect("cpd:plan")
    else:
        services.route_motivation_needs(therapist, by=therapist, found=found)
    context = {**_body_context(therapist, current, found), "renewal_form": renewal}
    return render(request, "cpd/plan.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def goal_new(request: AuthenticatedRequest) -> HttpResponse:
    """A new goal for this year's plan; `?item=KEY` prefills it from a priority need of the
    latest self-assessment ("Add to my plan" on the profile)."""
    therapist = request.user
    current = services.current_plan(therapist)
    statements = queries.statement_choices(therapist)
    if request.method != "POST":
        form = GoalForm(
            statements=statements,
            initial={**_prefill(therapist, current, request.GET.get("item", ""))},
        )
        return _goal_page(request, form, current, token=queries.newest_goal_id(current))
    form = GoalForm(request.POST, statements=statements)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _goal, created = services.add_goal(
                current,
                by=therapist,
                items=data["items"],
                token=data["token"],
                **{name: data[name] for name in services.GOAL_FIELDS},
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                messages.success(request, "Added to your CPD plan.")
            else:
                messages.info(request, "This goal was already added, so it was not added twice.")
            return redirect("cpd:plan")
    token = form.cleaned_data.get("token")
    if token is None:  # a form without a usable token gets a fresh one
        token = queries.newest_goal_id(current)
    return _goal_page(request, form, current, token=token)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def goal_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change a goal of one's own plans (anyone else's: not found). Only the fields the form
    sent are changed."""
    goal = get_object_or_404(
        CpdGoal.objects.select_related("plan"), pk=pk, plan__therapist=request.user
    )
    statements = queries.statement_choices(request.user, goal)
    if request.method != "POST":
        initial = {name: getattr(goal, name) for name in EDITABLE}
        form = GoalForm(
            statements=statements, editing=True, initial={**initial, "items": goal.items.all()}
        )
        return _goal_page(request, form, goal.plan, goal=goal)
    form = GoalForm(request.POST, statements=statements, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in EDITABLE if name in request.POST}
        try:
            # An empty list of statements sends nothing: the marker says the list was on the form.
            items = data["items"] if "items_sent" in request.POST else None
            changed = services.update_goal(goal, by=request.user, changes=changes, items=items)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if changed:
                messages.success(request, "Saved your goal.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("cpd:plan")
    return _goal_page(request, form, goal.plan, goal=goal)


@require_POST
@permissions.role_required(Role.THERAPIST)
def suggestion_accept(request: AuthenticatedRequest) -> HttpResponse:
    """Make a goal of a suggestion; a repeat finds the goal made the first time."""
    therapist = request.user
    found = latest_needs(therapist)
    key = request.POST.get("item", "")
    try:
        goal, created = services.accept_suggestion(therapist, key, by=therapist, found=found)
    except ValidationError as error:
        return _after_suggestion(request, found, error.messages[0], ok=False)
    if created:
        message = f"Added to your plan: {goal.title}. Change it to make it yours."
    else:
        message = "This is in your plan already, so it was not added twice."
    return _after_suggestion(request, found, message, ok=created)


@require_POST
@permissions.role_required(Role.THERAPIST)
def suggestion_dismiss(request: AuthenticatedRequest) -> HttpResponse:
    """Dismiss a suggestion: it is not suggested again."""
    therapist = request.user
    found = latest_needs(therapist)
    key = request.POST.get("item", "")
    try:
        dismissed = services.dismiss_suggestion(therapist, key, by=therapist, found=found)
    except ValidationError as error:
        return _after_suggestion(request, found, error.messages[0], ok=False)
    message = "Dismissed: it will not be suggested again." if dismissed else "Already dismissed."
    return _after_suggestion(request, found, message, ok=dismissed)


@require_safe
@login_required
def supervisee_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A current supervisee's plan for this CPD year, read-only but for the review's comments
    (anyone else: not found): goals, the year's activities and totals against BABCP's
    expectation. Goals about private statements only when the supervisee shared their private
    answers; an activity serving such a goal shows without naming it."""
    supervisee = get_object_or_404(permissions.current_supervisees(request.user), pk=pk)
    record_event(request.user, supervisee, AuditEvent.Action.OPENED_CPD, "plan")
    current = services.plan_on(supervisee, timezone.localdate())
    shared = current is not None and queries.shares_private_answers(supervisee)
    context = review.review_context(supervisee, current, shared=shared)
    return render(request, "cpd/supervisee_plan.html", context)


# Helpers


def _body_context(
    therapist: User, current: CpdPlan, found: LatestNeeds, message: str = "", ok: bool = True
) -> dict[str, Any]:
    """What the goals and suggestions need (the page, and htmx's swap of both)."""
    return {
        "plan": current,
        "goals": list(queries.plan_goals(current)),
        "suggestions": suggestions_for(therapist, current, found=found),
        "has_profile": bool(found.needs) or found.version_id is not None,
        "message": message,
        "message_ok": ok,
    }


def _after_suggestion(
    request: AuthenticatedRequest, found: LatestNeeds, message: str, *, ok: bool
) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        current = services.current_plan(request.user)
        context = _body_context(request.user, current, found, message, ok)
        return render(request, "cpd/includes/plan_body.html", context)
    (messages.success if ok else messages.info)(request, message)
    return redirect("cpd:plan")


def _prefill(therapist: User, current: CpdPlan, key: str) -> dict[str, Any]:
    """A new goal's first values: from the priority need `key` when it is one, else the
    measure and date most goals use."""
    blank = {"measure": CpdGoal.Measure.TARGET_RATING, "target_on": current.ends_on}
    if not key:
        return blank
    found = latest_needs(therapist)
    need = next((need for need in found.needs if need.key == key), None)
    if need is None:
        return blank
    values = services.suggested_goal(need, current)
    statements = queries.statement_choices(therapist).filter(key=key)
    return {**values, "items": list(statements)}


def _goal_page(
    request: AuthenticatedRequest,
    form: GoalForm,
    current: CpdPlan,
    *,
    goal: CpdGoal | None = None,
    token: int | None = None,
) -> HttpResponse:
    context = {"form": form, "plan": current, "goal": goal, "token": token}
    return render(request, "cpd/goal_form.html", context)


def _show_errors(form: GoalForm, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names (elsewhere: on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
