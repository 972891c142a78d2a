"""The review of a supervisee's CPD plan: a current supervisor comments on the plan, on one of
its goals or on one of its activities (anyone else: not found), and the therapist replies in a
thread a supervisor started, on their own plan for this CPD year (anything else: not found).

Both forms are ordinary forms that post and redirect back to their page; htmx enhances them to
swap that thread of comments (with its form) in place, getting a partial template instead of
the redirect. A comment sent twice is stored once. A refused comment comes back with what was
typed: in the swapped thread, or without JS on the supervisor's page or a reply page.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
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
from ..models import CpdActivity, CpdComment, CpdGoal, CpdPlan
from .activities import PER_PAGE

Found = TypeVar("Found", CpdGoal, CpdActivity)
ADDED_TWICE = "This was added already, so it was not added twice."


@require_POST
@login_required
def comment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A current supervisor of therapist `pk` comments on their plan for this CPD year, or on
    one goal of it (`goal`) that the supervisor sees, or on one activity of it (`activity`)."""
    supervisee = get_object_or_404(permissions.current_supervisees(request.user), pk=pk)
    plan = services.plan_on(supervisee, timezone.localdate())
    if plan is None:
        raise Http404("No CPD plan for this year.")
    shared = queries.shares_private_answers(supervisee)
    goal, activity = _supervisor_thread(plan, request.POST, shared=shared)
    form = CommentForm(request.POST)
    created = _save(form, plan, request.user, goal, activity)
    thread = {"plan": plan, "goal": goal, "activity": activity, "supervisee": supervisee}
    if created is None:
        if _is_htmx(request):
            return _thread(request, thread, form, commenting=True)
        return _page(request, supervisee, plan, shared, form, _target(goal, activity))
    message = "Your comment was added." if created else ADDED_TWICE
    if _is_htmx(request):
        return _thread(request, thread, CommentForm(), commenting=True, message=message)
    (messages.success if created else messages.info)(request, message)
    url = reverse("cpd:supervisee_plan", args=[supervisee.pk])
    return redirect(f"{url}#comments-{_target(goal, activity)}")


@require_POST
@login_required
def reply_add(request: AuthenticatedRequest) -> HttpResponse:
    """The therapist replies in a thread of the review of their plan for this CPD year: on the
    plan (`plan`), a goal (`goal`) or an activity (`activity`), one of them, where a supervisor
    has commented. Anything else (someone else's plan, a thread without a supervisor's
    comment) is not found."""
    therapist = request.user
    plan = services.plan_on(therapist, timezone.localdate())
    if plan is None:
        raise Http404("No CPD plan for this year.")
    goal, activity = _reply_thread(plan, request.POST)
    if not queries.is_under_review(plan, goal, activity):
        raise Http404("No comment to reply to.")
    form = CommentForm(request.POST)
    created = _save(form, plan, therapist, goal, activity)
    thread = {"plan": plan, "goal": goal, "activity": activity}
    if created is None:
        if _is_htmx(request):
            return _thread(request, thread, form, replying=True)
        context: dict[str, Any] = {**thread, "comments": queries.comments_on(plan, goal, activity)}
        context |= _form_context(form, _target(goal, activity), replying=True)
        context["back"] = _therapist_page(goal, activity)
        return render(request, "cpd/reply.html", context)
    message = "Your reply was sent." if created else ADDED_TWICE
    if _is_htmx(request):
        return _thread(request, thread, CommentForm(), replying=True, message=message)
    (messages.success if created else messages.info)(request, message)
    return redirect(_therapist_page(goal, activity))


def review_context(supervisee: User, plan: CpdPlan | None, *, shared: bool) -> dict[str, Any]:
    """The supervisor's page on a supervisee's plan: goals, activities, totals, comments."""
    context: dict[str, Any] = {"supervisee": supervisee, "plan": plan, "goals": [], "hidden": 0}
    if plan is None:
        return context
    review = queries.supervisor_review(plan, shared=shared)
    return context | {
        "goals": review.goals,
        "hidden": review.hidden,
        "activities": review.activities,
        "totals": review.totals,
    }


# Helpers


def _save(
    form: CommentForm,
    plan: CpdPlan,
    author: User,
    goal: CpdGoal | None,
    activity: CpdActivity | None,
) -> bool | None:
    """Store the form's comment: whether it is new (False: sent before), None when refused
    (the reasons are then on the form's field)."""
    if not form.is_valid():
        return None
    try:
        _comment, created = comments.add_comment(
            plan, by=author, text=form.cleaned_data["text"], goal=goal, activity=activity
        )
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            form.add_error("text" if name in ("text", "__all__") else None, errors)
        return None
    return created


def _supervisor_thread(
    plan: CpdPlan, data: QueryDict, *, shared: bool
) -> tuple[CpdGoal | None, CpdActivity | None]:
    """The thread a supervisor's comment is in: a goal they see, an activity of the plan, or
    (neither sent) the plan. Any other id, or both, is not found."""
    goal_id, activity_id = data.get("goal", ""), data.get("activity", "")
    if goal_id and activity_id:
        raise Http404("A comment is on a goal or an activity, not both.")
    if goal_id:
        _check_id(goal_id)
        return _found(queries.supervisor_goal(plan, int(goal_id), shared=shared)), None
    if activity_id:
        _check_id(activity_id)
        return None, _found(queries.supervisor_activity(plan, int(activity_id)))
    return None, None


def _reply_thread(plan: CpdPlan, data: QueryDict) -> tuple[CpdGoal | None, CpdActivity | None]:
    """The thread a reply is in: exactly one of the plan (its id), one of its goals or one of
    its activities. Anything else is not found."""
    sent = {name: data.get(name, "") for name in ("plan", "goal", "activity") if data.get(name)}
    if len(sent) != 1:
        raise Http404("Reply to one thing: the plan, a goal or an activity.")
    ((name, value),) = sent.items()
    _check_id(value)
    if name == "plan":
        if int(value) != plan.pk:
            raise Http404("Not your plan for this CPD year.")
        return None, None
    if name == "goal":
        return _found(plan.goals.filter(pk=int(value)).first()), None
    return None, _found(plan.activities.filter(pk=int(value)).first())


def _check_id(value: str) -> None:
    if not is_row_id(value):
        raise Http404("No such id.")


def _found(found: Found | None) -> Found:
    if found is None:
        raise Http404("Nothing of this plan by that id.")
    return found


def _target(goal: CpdGoal | None, activity: CpdActivity | None) -> int | str:
    """What a thread is about, in its element id: "activity-" and an activity's id, a goal's
    id, or "plan"."""
    if activity is not None:
        return f"activity-{activity.pk}"
    return goal.pk if goal is not None else "plan"


def _therapist_page(goal: CpdGoal | None, activity: CpdActivity | None) -> str:
    """Where the therapist sees the thread: the activity on its page of the activity list, or
    the plan page."""
    target = _target(goal, activity)
    if activity is not None:
        page = queries.activity_page(activity, PER_PAGE)
        return f"{reverse('cpd:activities')}?page={page}#comments-{target}"
    return f"{reverse('cpd:plan')}#comments-{target}"


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form_context(
    form: CommentForm, target: int | str, *, commenting: bool = False, replying: bool = False
) -> dict[str, Any]:
    return {
        "comment_form": form,
        "comment_target": target,
        "commenting": commenting,
        "replying": replying,
    }


def _thread(
    request: AuthenticatedRequest,
    thread: dict[str, Any],
    form: CommentForm,
    *,
    commenting: bool = False,
    replying: bool = False,
    message: str = "",
) -> HttpResponse:
    """htmx's swap: one thread of comments, with its form."""
    found: list[CpdComment] = queries.comments_on(
        thread["plan"], thread["goal"], thread["activity"]
    )
    target = _target(thread["goal"], thread["activity"])
    context = {**thread, "comments": found, "target": target, "comment_message": message}
    context |= _form_context(form, target, commenting=commenting, replying=replying)
    return render(request, "cpd/includes/comments.html", context)


def _page(
    request: AuthenticatedRequest,
    supervisee: User,
    plan: CpdPlan,
    shared: bool,
    form: CommentForm,
    target: int | str,
) -> HttpResponse:
    """The supervisee's plan again, with the refused comment as typed beside its form."""
    context = review_context(supervisee, plan, shared=shared)
    context |= {"comment_form": form, "comment_target": target}
    return render(request, "cpd/supervisee_plan.html", context)
