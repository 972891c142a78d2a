"""`manage.py setup_demo`'s action list: the lead of Northshire sees reported barriers with a
disclosed count, their own actions (with the share reporting their statements before and now)
and a named suggestion waiting, and the service's involvement ratings; a second run adds
nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from service_actions.models import InvolvementRating, ServiceAction


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings) -> str:
    settings.DEMO_MODE = True
    return setup_demo()


def test_demo_lead_sees_a_disclosed_count_actions_and_a_waiting_suggestion(demo, client):
    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("service_actions:action_list", args=["northshire"]))
    barriers = response.context["barriers"]
    assert any(barrier.reported is not None for barrier in barriers)
    assert [s.suggested_by.username for s in response.context["suggestions"]] == ["therapist03"]
    assert len(response.context["page"].object_list) == 3


def test_running_the_demo_again_adds_no_action(demo):
    actions = ServiceAction.objects.count()
    setup_demo()
    assert ServiceAction.objects.count() == actions


def test_demo_actions_show_progress_from_the_baseline_to_the_reassessment(demo, client):
    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("service_actions:action_list", args=["northshire"]))
    shares = [
        (statement.before.cycle, statement.now.cycle, statement.before.percent is not None)
        for _action, progress in response.context["rows"]
        for statement in progress
    ]
    assert shares and all(shown == (0, 1, True) for shown in shares)


def test_demo_lead_sees_participation_after_consultation(demo, client):
    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("service_actions:involvement", args=["northshire"]))
    assert [r.level_name for r in response.context["history"]] == [
        "Participation",
        "Consultation",
    ]
    assert response.context["next_level"].name == "Inclusion"


def test_running_the_demo_again_adds_no_involvement_rating(demo):
    setup_demo()
    assert InvolvementRating.objects.count() == 2
