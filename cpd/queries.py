"""Reads for the CPD pages: a plan's goals with their statements, the statements a goal may
be about, and what a supervisor may see of a supervisee's plan."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from assessments.models import FrameworkItem, SelfAssessment

from .models import CpdGoal, CpdPlan


def plan_goals(plan: CpdPlan) -> QuerySet[CpdGoal]:
    """The plan's goals, soonest target first, with their statements (two queries)."""
    statements = FrameworkItem.objects.only("pk", "key", "target_text", "is_sensitive")
    return plan.goals.order_by("target_on", "pk").prefetch_related(
        Prefetch("items", queryset=statements.order_by("key"))
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
    goals = list(plan_goals(plan))
    if shared:
        return goals, 0
    shown = [goal for goal in goals if not any(i.is_sensitive for i in goal.items.all())]
    return shown, len(goals) - len(shown)
