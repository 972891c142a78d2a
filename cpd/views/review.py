"""The supervisor's review of a supervisee's CPD plan: comments on the plan or on one of its
goals, by a current supervisor only (anyone else: not found).

The comment form is an ordinary form that posts and redirects back to the supervisee's plan;
htmx enhances it to swap that list of comments (with the form) in place, getting a partial
template instead of the redirect. A comment sent twice is stored once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import User
from accounts.permissions import AuthenticatedRequest
from accounts.validators import is_row_id

from .. import comments, queries, services
from ..forms import CommentForm
from ..models import CpdGoal, CpdPlan


@require_POST
@login_required
def comment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A current supervisor of therapist `pk` comments on their plan for this CPD year, or on
    one goal of it (`goal`) that the supervisor sees."""
    supervisee = get_object_or_404(permissions.current_supervisees(request.user), pk=pk)
    plan = services.plan_on(supervisee, timezone.localdate())
    if plan is None:
        raise Http404("No CPD plan for this year.")
    shared = queries.shares_private_answers(supervisee)
    goal = _goal(plan, request.POST.get("goal", ""), shared=shared)
    form = CommentForm(request.POST)
    if not form.is_valid():
        if _is_htmx(request):
            return _comments(request, supervisee, plan, goal, form)
        return _page(request, supervisee, plan, shared, form, goal)
    _comment, created = comments.add_comment(
        plan, by=request.user, text=form.cleaned_data["text"], goal=goal
    )
    message = (
        "Your comment was added."
        if created
        else "This comment was added already, so it was not added twice."
    )
    if _is_htmx(request):
        return _comments(request, supervisee, plan, goal, CommentForm(), message)
    (messages.success if created else messages.info)(request, message)
    url = reverse("cpd:supervisee_plan", args=[supervisee.pk])
    return redirect(f"{url}#comments-{_target(goal)}")


def _goal(plan: CpdPlan, value: str, *, shared: bool) -> CpdGoal | None:
    """The goal a comment is about (none: the plan); an id of no goal the supervisor sees of
    this plan is not found."""
    if not value:
        return None
    goal = queries.supervisor_goal(plan, int(value), shared=shared) if is_row_id(value) else None
    if goal is None:
        raise Http404("No such goal in this plan.")
    return goal


def _target(goal: CpdGoal | None) -> int | str:
    """What a list of comments is about, in its element id: a goal's id, or "plan"."""
    return goal.pk if goal is not None else "plan"


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _comments(
    request: AuthenticatedRequest,
    supervisee: User,
    plan: CpdPlan,
    goal: CpdGoal | None,
    form: CommentForm,
    message: str = "",
) -> HttpResponse:
    """htmx's swap: the list of comments on the plan or the goal, with its form."""
    context = {
        "supervisee": supervisee,
        "comments": queries.comments_on(plan, goal),
        "target": _target(goal),
        "goal": goal,
        "commenting": True,
        "comment_form": form,
        "comment_target": _target(goal),
        "comment_message": message,
    }
    return render(request, "cpd/includes/comments.html", context)


def _page(
    request: AuthenticatedRequest,
    supervisee: User,
    plan: CpdPlan,
    shared: bool,
    form: CommentForm,
    goal: CpdGoal | None,
) -> HttpResponse:
    """The supervisee's plan again, with the refused comment as typed beside its form."""
    goals, hidden = queries.supervisor_goals(plan, shared=shared)
    context = {
        "supervisee": supervisee,
        "plan": plan,
        "goals": goals,
        "hidden": hidden,
        "comment_form": form,
        "comment_target": _target(goal),
    }
    return render(request, "cpd/supervisee_plan.html", context)
