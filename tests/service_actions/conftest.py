"""Shared fixtures for the service action list's tests: a service on the shipped framework
whose therapists have submitted self-assessments rating Opportunity statements, and its lead.
k (SMALL_GROUP_MIN) is pinned at 5."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests import factories

K = 5


@pytest.fixture(autouse=True)
def _k_is_five(settings):
    settings.SMALL_GROUP_MIN = K


@pytest.fixture
def service(db, published_version):
    return factories.ServiceFactory(framework=published_version.framework)


@pytest.fixture
def other_service(db, published_version):
    return factories.ServiceFactory(framework=published_version.framework)


@pytest.fixture
def rate(team, published_version):
    """`rate(n, ratings, team=…)`: n new therapists of the team, each with a submitted
    baseline giving these ratings by statement key. Returns the therapists."""

    def rated(n: int, ratings: dict[str, int | None], *, team=team, cycle: int = 0):
        therapists = [factories.therapist(team=team) for _ in range(n)]
        for therapist in therapists:
            factories.submitted_assessment(therapist, published_version, ratings, cycle=cycle)
        return therapists

    return rated


def lead_of(service):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user
