"""Small builders the CPD review tests share: a goal and an activity in a therapist's plan for
this CPD year, and the review's addresses."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.models import ActivityType, CpdActivity, CpdGoal

HTMX = {"HTTP_HX_REQUEST": "true"}
NHS_NUMBER = "943 476 5919"


def comment_url(therapist) -> str:
    return reverse("cpd:comment_add", args=[therapist.pk])


def plan_page(therapist) -> str:
    return reverse("cpd:supervisee_plan", args=[therapist.pk])


def goal_of(therapist, **fields) -> CpdGoal:
    plan = services.current_plan(therapist)
    values = {
        "title": "Read about ruptures",
        "description": "",
        "measure": "outcome",
        "target_rating": None,
        "outcome": "Notes discussed in supervision",
        "target_on": plan.ends_on,
    } | fields
    goal, _ = services.add_goal(plan, by=therapist, **values)
    return goal


def activity_of(therapist, goals=(), **fields) -> CpdActivity:
    plan = services.current_plan(therapist)
    values: dict[str, object] = {
        "type": ActivityType.WORKSHOP,
        "title": "Imagery rescripting workshop",
        "done_on": timezone.localdate(),
        "hours": Decimal("6"),
        "provider": "BABCP",
        "learned": "How to rescript an intrusive image.",
        "application": "With two clients with PTSD this month.",
        "impact": "Shorter treatments.",
    }
    activity = CpdActivity.objects.create(plan=plan, **(values | fields))
    activity.goals.set(goals)
    return activity
