"""Reads for the CPD pages: a plan's goals with their statements, evaluations and review
comments, the statements a goal may be about, and what a supervisor may see of a supervisee's
plan."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from assessments.models import FrameworkItem, SelfAssessment

from .models import CpdComment, CpdGoal, CpdPlan


def plan_goals(plan: CpdPlan) -> list[CpdGoal]:
    """The plan's goals, soonest target first, with their statements and evaluation, and the
    review's comments (three queries): each goal's in `goal.review_comments`, those on the
    plan itself in `plan.review_comments`."""
    statements = FrameworkItem.objects.only("pk", "key", "target_text", "is_sensitive")
    goals = list(
        plan.goals.order_by("target_on", "pk")
        .select_related("evaluation__assessment")
        .prefetch_related(Prefetch("items", queryset=statements.order_by("key")))
    )
    by_goal: dict[int | None, list[CpdComment]] = defaultdict(list)
    for comment in plan_comments(plan):
        by_goal[comment.goal_id].append(comment)
    plan.review_comments = by_goal[None]  # type: ignore[attr-defined]
    for goal in goals:
        goal.review_comments = by_goal[goal.pk]  # type: ignore[attr-defined]
    return goals


def plan_comments(plan: CpdPlan) -> list[CpdComment]:
    """The review's comments on the plan and its goals (not its activities), oldest first,
    with their authors (one query)."""
    return list(
        plan.comments.filter(activity__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def comments_on(plan: CpdPlan, goal: CpdGoal | None) -> list[CpdComment]:
    """The comments on one goal of the plan (or, for None, on the plan itself), oldest first,
    with their authors (one query)."""
    return list(
        plan.comments.filter(goal=goal, activity__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def newest_goal_id(plan: CpdPlan) -> int:
    """The id of the plan's newest goal (0 for none): the token of a new-goal form."""
    return plan.goals.order_by("-pk").values_list("pk", flat=True).first() or 0


def statement_choices(therapist: User, goal: CpdGoal | None = None) -> QuerySet[FrameworkItem]:
    """The statements a therapist's goal may be about: those of the version of their latest
    self-assessment (private ones included: the plan is theirs), and those the goal is about
    already."""
    latest = (
        SelfAssessment.objects.filter(therapist=therapist)
        .order_by("-started_at", "-pk")
        .values_list("version_id", flat=True)
        .first()
    )
    chosen = Q(pk__in=goal.items.values("pk")) if goal is not None and goal.pk else Q(pk__in=[])
    return (
        FrameworkItem.objects.rated()
        .filter(Q(version_id=latest) | chosen)
        .order_by("section__order", "order")
    )


def shares_private_answers(therapist: User) -> bool:
    """Whether the therapist shared their private answers in their latest submitted
    self-assessment: then their supervisor sees goals about private statements."""
    latest = (
        therapist.self_assessments.submitted()
        .order_by("-submitted_at", "-pk")
        .values_list("shares_sensitive", flat=True)
        .first()
    )
    return bool(latest)


def supervisor_goals(plan: CpdPlan, *, shared: bool) -> tuple[list[CpdGoal], int]:
    """The goals a current supervisor sees, and how many about private statements are left
    out (all shown when the therapist shared their private answers)."""
    goals = plan_goals(plan)
    if shared:
        return goals, 0
    shown = [goal for goal in goals if not any(i.is_sensitive for i in goal.items.all())]
    return shown, len(goals) - len(shown)


def supervisor_goal(plan: CpdPlan, pk: int, *, shared: bool) -> CpdGoal | None:
    """A goal of the plan that a current supervisor sees (None for any other id): one about a
    private statement only when the therapist shared their private answers."""
    goals = plan.goals.filter(pk=pk)
    if not shared:
        goals = goals.exclude(items__is_sensitive=True)
    return goals.first()
