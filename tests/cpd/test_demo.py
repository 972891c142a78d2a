"""`manage.py setup_demo`'s CPD plan: therapist01 has last year's plan and this year's, with
the unfinished goal carried forward, and a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from cpd.models import CpdComment, CpdGoal, CpdPlan, GoalEvaluation


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings) -> str:
    settings.DEMO_MODE = True
    return setup_demo()


def test_therapist01_has_an_unfinished_goal_carried_into_this_year(demo):
    plans = CpdPlan.objects.filter(therapist__username="therapist01").order_by("starts_on")
    assert plans.count() == 2
    carried = CpdGoal.objects.filter(plan=plans.last(), carried_from__isnull=False)
    assert [goal.carried_from.plan for goal in carried] == [plans.first()]
    assert "demo CPD goals and activities for therapist01" in demo


def test_running_the_demo_again_adds_no_goal(demo):
    goals = CpdGoal.objects.count()
    setup_demo()
    assert CpdGoal.objects.count() == goals


def test_therapist01_has_a_goal_met_at_their_reassessment(demo):
    evaluation = GoalEvaluation.objects.select_related("goal", "assessment").get(
        goal__plan__therapist__username="therapist01"
    )
    assert evaluation.result == GoalEvaluation.Result.MET
    assert evaluation.assessment.cycle == 1
    assert evaluation.rating_before < evaluation.rating_after == evaluation.goal.target_rating


def test_therapist01_has_supervisor1s_comments_and_a_reply_to_read(demo):
    authors = set(
        CpdComment.objects.filter(plan__therapist__username="therapist01").values_list(
            "author__username", flat=True
        )
    )
    assert authors == {"supervisor1", "therapist01"}
    assert CpdComment.objects.filter(activity__isnull=False).exists()
