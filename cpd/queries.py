"""Reads for the CPD pages: a plan's goals with their statements, evaluations and review
comments, the statements a goal may be about, and what a supervisor may see of a supervisee's
plan and activities.

The review's comments form threads: one on the plan, one on each goal, one on each activity.
A thread holds the supervisor's comments and the therapist's replies, oldest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from assessments.models import FrameworkItem, SelfAssessment

from .activities import YearTotals, plan_activities, year_totals
from .models import CpdActivity, CpdComment, CpdGoal, CpdPlan

Thread = tuple[int | None, int | None]  # (goal id, activity id); (None, None) is the plan


def plan_goals(plan: CpdPlan) -> list[CpdGoal]:
    """The plan's goals, soonest target first, with their statements and evaluation, and the
    review's comments (three queries): each goal's in `goal.review_comments`, those on the
    plan itself in `plan.review_comments`, and those on each activity, by activity id, in
    `plan.activity_comments`."""
    statements = FrameworkItem.objects.only("pk", "key", "target_text", "is_sensitive")
    goals = list(
        plan.goals.order_by("target_on", "pk")
        .select_related("evaluation__assessment")
        .prefetch_related(Prefetch("items", queryset=statements.order_by("key")))
    )
    threads = _threads(plan.comments.all())
    plan.review_comments = threads[(None, None)]  # type: ignore[attr-defined]
    plan.activity_comments = {  # type: ignore[attr-defined]
        activity: comments for (_goal, activity), comments in threads.items() if activity
    }
    for goal in goals:
        goal.review_comments = threads[(goal.pk, None)]  # type: ignore[attr-defined]
    return goals


def _threads(comments: QuerySet[CpdComment]) -> defaultdict[Thread, list[CpdComment]]:
    """Comments by thread, oldest first, with their authors (one query)."""
    threads: defaultdict[Thread, list[CpdComment]] = defaultdict(list)
    for comment in comments.select_related("author").order_by("created_at", "pk"):
        threads[(comment.goal_id, comment.activity_id)].append(comment)
    return threads


def comments_on(
    plan: CpdPlan, goal: CpdGoal | None = None, activity: CpdActivity | None = None
) -> list[CpdComment]:
    """One thread: the comments on a goal of the plan, on an activity of it, or (neither) on
    the plan itself, oldest first, with their authors (one query)."""
    return list(
        plan.comments.filter(goal=goal, activity=activity)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def is_under_review(plan: CpdPlan, goal: CpdGoal | None, activity: CpdActivity | None) -> bool:
    """Whether someone other than the therapist (a supervisor) commented in this thread: only
    then may the therapist reply in it."""
    return (
        plan.comments.filter(goal=goal, activity=activity)
        .exclude(author_id=plan.therapist_id)
        .exists()
    )


def with_activity_comments(plan: CpdPlan, activities: Iterable[CpdActivity]) -> list[CpdActivity]:
    """The activities (of the plan), each with its thread of comments in
    `activity.review_comments` (one query, whatever their number)."""
    found = list(activities)
    threads = _threads(plan.comments.filter(activity__in=[a.pk for a in found]))
    for activity in found:
        activity.review_comments = threads[(None, activity.pk)]  # type: ignore[attr-defined]
    return found


def activity_page(activity: CpdActivity, per_page: int) -> int:
    """The page of the plan's activity list (newest first, as `plan_activities` orders them)
    that shows this activity (one query)."""
    newer = CpdActivity.objects.filter(plan_id=activity.plan_id).filter(
        Q(done_on__gt=activity.done_on) | Q(done_on=activity.done_on, pk__gt=activity.pk)
    )
    return newer.count() // per_page + 1


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


def supervisor_activity(plan: CpdPlan, pk: int) -> CpdActivity | None:
    """An activity of the plan (None for any other id). A supervisor sees every activity of a
    supervisee's plan; goals they may not see are left unnamed (`supervisor_review`)."""
    return plan.activities.filter(pk=pk).first()


@dataclass(frozen=True)
class SupervisorReview:
    """What a current supervisor sees of a supervisee's plan for the CPD year: the goals they
    may see (and how many they may not), every activity of the year with its thread of
    comments, and the year's totals against BABCP's expectation."""

    goals: list[CpdGoal]
    hidden: int
    activities: list[CpdActivity]
    totals: YearTotals


def supervisor_review(plan: CpdPlan, *, shared: bool) -> SupervisorReview:
    """The supervisor's page in a fixed number of queries. Each activity carries the goals the
    supervisor may name in `shown_goals`, how many others it serves in `unnamed_goals` (goals
    about private statements not shared), and its comments in `review_comments`."""
    goals, hidden = supervisor_goals(plan, shared=shared)
    named = {goal.pk for goal in goals}
    activities = list(plan_activities(plan))
    threads: dict[int, list[CpdComment]] = plan.activity_comments  # type: ignore[attr-defined]
    for activity in activities:
        linked = list(activity.goals.all())
        activity.shown_goals = [g for g in linked if g.pk in named]  # type: ignore[attr-defined]
        activity.unnamed_goals = len(linked) - len(activity.shown_goals)  # type: ignore[attr-defined]
        activity.review_comments = threads.get(activity.pk, [])  # type: ignore[attr-defined]
    return SupervisorReview(goals, hidden, activities, year_totals(plan))
