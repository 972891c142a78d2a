"""Supervision hours of many supervisees at once (supervision.hours.monthly_hours_of): the same
figures as one at a time, in two queries however many people."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from supervision import hours
from supervision.models import SupervisionSession
from tests import factories

Status = SupervisionSession.Status
MAY = datetime.date(2025, 5, 1)

pytestmark = pytest.mark.django_db


def confirmed(supervisee, held_on, minutes):
    return factories.SupervisionSessionFactory(
        supervisee=supervisee,
        held_on=held_on,
        duration_minutes=minutes,
        status=Status.CONFIRMED,
        submitted_at=timezone.now(),
        confirmed_at=timezone.now(),
        confirmed_by=factories.UserFactory(),
    )


@pytest.fixture
def people(team):
    """Three therapists: one full time, one part time (22.5 hours), one with no sessions."""
    full, part, idle = (factories.therapist(team=team) for _ in range(3))
    part.memberships.update(contracted_hours=Decimal("22.5"), starts_on=datetime.date(2025, 1, 1))
    confirmed(full, datetime.date(2025, 3, 3), 90)
    confirmed(full, datetime.date(2025, 5, 20), 60)
    confirmed(part, datetime.date(2025, 4, 9), 45)
    return full, part, idle


def test_each_supervisee_gets_the_hours_they_get_alone(people):
    together = hours.monthly_hours_of(people, last_month=MAY)
    assert together == {person.pk: hours.monthly_hours(person, last_month=MAY) for person in people}


def test_each_supervisee_has_their_own_minutes_by_month(people):
    full, part, idle = people
    together = hours.monthly_hours_of(people, last_month=MAY)
    assert [m.counted_minutes for m in together[full.pk]] == [90, 0, 60]
    assert [m.counted_minutes for m in together[part.pk]] == [0, 45, 0]
    assert [m.counted_minutes for m in together[idle.pk]] == [0, 0, 0]


def test_each_supervisee_is_held_to_their_own_standard(people):
    full, part, _idle = people
    together = hours.monthly_hours_of(people, last_month=MAY)
    assert together[full.pk][-1].standard_minutes == 90
    assert together[part.pk][-1].standard_minutes == 54


def test_many_supervisees_take_two_queries(people, team, django_assert_num_queries):
    many = [*people, *(factories.therapist(team=team) for _ in range(10))]
    with django_assert_num_queries(2):
        hours.monthly_hours_of(many, last_month=MAY)


def test_nobody_takes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert hours.monthly_hours_of([]) == {}


def test_months_end_with_this_month_by_default(people):
    full, *_ = people
    months = hours.monthly_hours_of([full])[full.pk]
    assert months[-1].month == timezone.localdate().replace(day=1)
    assert len(months) == hours.ROLLING_MONTHS
