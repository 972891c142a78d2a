"""`manage.py setup_demo`'s CPD plan: therapist01 has last year's plan and this year's, with
the unfinished goal carried forward, and a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from cpd.models import CpdGoal, CpdPlan


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
