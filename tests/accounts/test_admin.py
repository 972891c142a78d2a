"""Admin pages for memberships: their dates are shown, and they filter by being in force."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from tests import factories

URL = reverse("admin:accounts_membership_changelist")


@pytest.fixture
def memberships(team):
    """A membership in force, one that ended and one that has not started, keyed by that."""
    today = timezone.localdate()
    in_force = factories.therapist(team=team, username="in-force")
    ended = factories.therapist(team=team, username="ended")
    ended.memberships.update(
        starts_on=today - datetime.timedelta(days=300), ends_on=today - datetime.timedelta(days=1)
    )
    future = factories.therapist(team=team, username="future")
    future.memberships.update(starts_on=today + datetime.timedelta(days=7))
    return {"in_force": in_force, "ended": ended, "future": future}


def usernames(response) -> set[str]:
    return {membership.user.username for membership in response.context["cl"].result_list}


def test_membership_list_shows_start_and_end_dates(sign_in, admin_user, memberships):
    response = sign_in(admin_user).get(URL)
    assertContains(response, "column-starts_on")
    assertContains(response, "column-ends_on")


def test_membership_list_filters_memberships_in_force_today(sign_in, admin_user, memberships):
    response = sign_in(admin_user).get(URL, {"in_force": "yes"})
    assert usernames(response) == {"in-force"}


def test_membership_list_filters_memberships_ended_or_not_started(sign_in, admin_user, memberships):
    response = sign_in(admin_user).get(URL, {"in_force": "no"})
    assert usernames(response) == {"ended", "future"}
