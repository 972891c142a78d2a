"""`manage.py setup_demo`'s action list: the lead of Northshire sees reported barriers with a
disclosed count, their own actions and a named suggestion waiting; a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from service_actions.models import ServiceAction


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
