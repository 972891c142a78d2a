"""Database constraints and model validation for memberships and supervision."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, Role, SupervisionRelationship
from tests import factories

DAY = datetime.date(2025, 6, 15)


# Memberships


def test_therapist_membership_without_a_team_is_refused(service):
    user = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, service=service, team=None, role=Role.THERAPIST)


def test_service_lead_membership_with_a_team_is_refused(team):
    user = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, service=team.service, team=team, role=Role.SERVICE_LEAD
        )


def test_supervisor_membership_may_have_a_team_or_not(team):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, team=team, role=Role.SUPERVISOR)
    factories.MembershipFactory(user=user, service=team.service, team=None, role=Role.SUPERVISOR)
    assert user.memberships.filter(role=Role.SUPERVISOR).count() == 2


def test_same_role_twice_in_the_same_team_is_refused(therapist, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=therapist, service=team.service, team=team, role=Role.THERAPIST
        )


def test_same_service_wide_role_twice_in_the_same_service_is_refused(lead, service):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=lead, service=service, team=None, role=Role.SERVICE_LEAD)


def test_two_roles_in_the_same_team_are_allowed(therapist, team):
    factories.MembershipFactory(user=therapist, team=team, role=Role.SUPERVISOR)
    assert set(therapist.memberships.values_list("role", flat=True)) == {
        Role.THERAPIST,
        Role.SUPERVISOR,
    }


def test_clean_refuses_a_team_from_another_service(service):
    other_team = factories.TeamFactory()
    membership = Membership(
        user=factories.UserFactory(), service=service, team=other_team, role=Role.THERAPIST
    )
    with pytest.raises(ValidationError) as refused:
        membership.clean()
    assert refused.value.message_dict == {
        "team": ["The team must belong to the membership's service."]
    }


def test_clean_refuses_a_therapist_without_a_team(service):
    membership = Membership(
        user=factories.UserFactory(), service=service, team=None, role=Role.THERAPIST
    )
    with pytest.raises(ValidationError) as refused:
        membership.clean()
    assert refused.value.message_dict == {"team": ["A therapist must belong to a team."]}


def test_clean_refuses_a_service_lead_with_a_team(team):
    membership = Membership(
        user=factories.UserFactory(), service=team.service, team=team, role=Role.SERVICE_LEAD
    )
    with pytest.raises(ValidationError) as refused:
        membership.clean()
    assert refused.value.message_dict == {
        "team": ["A service lead leads the whole service, not a team."]
    }


def test_clean_accepts_a_therapist_in_a_team_of_their_service(team):
    membership = Membership(
        user=factories.UserFactory(), service=team.service, team=team, role=Role.THERAPIST
    )
    membership.full_clean()
    assert membership.team.service == membership.service


# Supervision relationships


def test_self_supervision_is_refused(therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionRelationship.objects.create(supervisor=therapist, supervisee=therapist)


def test_supervision_ending_before_it_starts_is_refused(supervisor):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionRelationship.objects.create(
            supervisor=supervisor,
            supervisee=factories.UserFactory(),
            starts_on=DAY,
            ends_on=DAY - datetime.timedelta(days=1),
        )


def test_supervision_ending_on_its_start_day_is_allowed(supervisor):
    relationship = SupervisionRelationship.objects.create(
        supervisor=supervisor, supervisee=factories.UserFactory(), starts_on=DAY, ends_on=DAY
    )
    assert relationship.pk is not None


def test_two_open_relationships_for_the_same_pair_are_refused(supervisor, therapist):
    # The `supervisor` fixture already holds an open relationship with `therapist`.
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionRelationship.objects.create(
            supervisor=supervisor, supervisee=therapist, starts_on=DAY
        )


def test_an_ended_and_an_open_relationship_for_the_same_pair_are_allowed(supervisor, therapist):
    factories.SupervisionFactory(
        supervisor=supervisor,
        supervisee=therapist,
        starts_on=DAY - datetime.timedelta(days=400),
        ends_on=DAY - datetime.timedelta(days=100),
    )
    assert SupervisionRelationship.objects.filter(supervisee=therapist).count() == 2


def test_clean_refuses_self_supervision(therapist):
    relationship = SupervisionRelationship(supervisor=therapist, supervisee=therapist)
    with pytest.raises(ValidationError) as refused:
        relationship.clean()
    assert refused.value.messages == ["Nobody can supervise themselves."]


def test_clean_refuses_an_end_date_before_the_start(supervisor, therapist):
    relationship = SupervisionRelationship(
        supervisor=supervisor,
        supervisee=therapist,
        starts_on=DAY,
        ends_on=DAY - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as refused:
        relationship.clean()
    assert refused.value.message_dict == {
        "ends_on": ["The end date must be on or after the start date."]
    }


# Which relationships are in force


@pytest.fixture
def relationships_around_day(db):
    """One relationship of each kind around DAY, keyed by what it is on DAY."""
    supervisor = factories.UserFactory()

    def relationship(starts_on, ends_on=None):
        return factories.SupervisionFactory(
            supervisor=supervisor, starts_on=starts_on, ends_on=ends_on
        )

    return {
        "open": relationship(DAY - datetime.timedelta(days=30)),
        "starts_today": relationship(DAY),
        "ends_today": relationship(DAY - datetime.timedelta(days=30), DAY),
        "ends_later": relationship(DAY - datetime.timedelta(days=30), DAY.replace(year=2026)),
        "ended_yesterday": relationship(
            DAY - datetime.timedelta(days=30), DAY - datetime.timedelta(days=1)
        ),
        "starts_tomorrow": relationship(DAY + datetime.timedelta(days=1)),
    }


def test_current_relationships_on_a_day_include_open_and_ending_that_day(
    relationships_around_day,
):
    current = set(SupervisionRelationship.objects.current(on=DAY))
    assert current == {
        relationships_around_day["open"],
        relationships_around_day["starts_today"],
        relationships_around_day["ends_today"],
        relationships_around_day["ends_later"],
    }


def test_current_relationships_on_a_day_exclude_ended_and_future_ones(relationships_around_day):
    current = set(SupervisionRelationship.objects.current(on=DAY))
    assert relationships_around_day["ended_yesterday"] not in current
    assert relationships_around_day["starts_tomorrow"] not in current


def test_current_relationships_default_to_today(db):
    today = timezone.localdate()
    ends_today = factories.SupervisionFactory(ends_on=today)
    ended = factories.SupervisionFactory(ends_on=today - datetime.timedelta(days=1))
    future = factories.SupervisionFactory(starts_on=today + datetime.timedelta(days=1))
    current = set(SupervisionRelationship.objects.current())
    assert ends_today in current
    assert ended not in current
    assert future not in current
