"""Supervision hours against the standard (supervision.hours): the pro-rata standard, what
counts, calendar months and the rolling three-month average."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from supervision import hours
from supervision.models import Format, SupervisionSession
from tests import factories

Status = SupervisionSession.Status
MAY = datetime.date(2025, 5, 1)  # in the past, so its months are over


# The standard (no database)


def test_full_time_standard_is_90_minutes_a_month():
    assert hours.standard_minutes(None) == 90
    assert hours.standard_minutes(Decimal("37.5")) == 90


def test_part_time_standard_is_pro_rata():
    assert hours.standard_minutes(Decimal("30")) == 72


def test_standard_is_never_under_45_minutes():
    assert hours.standard_minutes(Decimal("18.75")) == 45
    assert hours.standard_minutes(Decimal("7.5")) == 45


def test_standard_is_never_over_full_time():
    assert hours.standard_minutes(Decimal("45")) == 90


def test_standard_follows_the_settings(settings):
    settings.SUPERVISION_MONTHLY_HOURS_FULL_TIME = 2
    settings.FULL_TIME_WEEKLY_HOURS = 40
    assert hours.standard_minutes(Decimal("30")) == 90


@pytest.mark.parametrize(
    ("format", "group_size", "counted"),
    [
        (Format.INDIVIDUAL, None, True),
        (Format.LIVE_OBSERVATION, None, True),
        (Format.GROUP, 6, True),
        (Format.GROUP, 7, False),
        (Format.PEER, None, False),
    ],
)
def test_what_counts_toward_hours(format, group_size, counted):
    assert hours.counts_toward_hours(format, group_size) is counted


def test_three_months_end_with_the_given_one_across_a_year():
    assert hours.months_ending(datetime.date(2026, 2, 14), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


def test_rolling_average_evens_out_a_short_month():
    months = [
        hours.MonthHours(MAY, 120, 0, 0, 90),
        hours.MonthHours(MAY, 30, 0, 0, 90),
        hours.MonthHours(MAY, 120, 0, 0, 90),
    ]
    average = hours.rolling_average(months)
    assert (average.counted_minutes, average.meets_standard) == (Decimal(90), True)
    assert not months[1].meets_standard


# The selector


@pytest.fixture
def log(therapist):
    def entry(held_on, minutes=60, status=Status.CONFIRMED, **fields):
        defaults = {
            "supervisee": therapist,
            "held_on": held_on,
            "duration_minutes": minutes,
            "status": status,
        }
        if status != Status.DRAFT:
            defaults["submitted_at"] = timezone.now()
        if status == Status.CONFIRMED:
            defaults["confirmed_at"] = timezone.now()
            defaults["confirmed_by"] = fields.get("supervisor") or factories.UserFactory()
        return factories.SupervisionSessionFactory(**(defaults | fields))

    return entry


def month(therapist, on=MAY):
    (found,) = hours.monthly_hours(therapist, last_month=on, count=1)
    return found


@pytest.mark.django_db
def test_sessions_count_in_their_calendar_month(therapist, log):
    log(datetime.date(2025, 4, 30))
    log(datetime.date(2025, 5, 1), minutes=45)
    log(datetime.date(2025, 5, 31), minutes=30)
    log(datetime.date(2025, 6, 1))
    assert month(therapist).confirmed_minutes == 75


@pytest.mark.django_db
def test_groups_of_six_count_and_of_seven_do_not(therapist, log):
    log(MAY, minutes=90, format=Format.GROUP, group_size=6)
    log(MAY, minutes=60, format=Format.GROUP, group_size=7)
    assert month(therapist).counted_minutes == 90


@pytest.mark.django_db
def test_peer_sessions_are_kept_but_not_counted(therapist, log):
    log(MAY, minutes=60, format=Format.PEER)
    assert month(therapist).counted_minutes == 0


@pytest.mark.django_db
def test_drafts_and_returned_entries_do_not_count(therapist, log):
    log(MAY, status=Status.DRAFT)
    log(MAY, status=Status.RETURNED)
    assert month(therapist).counted_minutes == 0


@pytest.mark.django_db
def test_awaiting_review_is_pending_and_not_counted(therapist, log):
    log(MAY, minutes=50, status=Status.SUBMITTED)
    found = month(therapist)
    assert (found.pending_minutes, found.counted_minutes) == (50, 0)


@pytest.mark.django_db
def test_external_supervision_counts_unconfirmed(therapist, log):
    log(MAY, minutes=90, status=Status.SUBMITTED, supervisor=None, external_supervisor_name="Dr A")
    found = month(therapist)
    assert (found.external_minutes, found.confirmed_minutes, found.meets_standard) == (90, 0, True)


@pytest.mark.django_db
def test_a_pending_amendment_leaves_its_original_counted(therapist, log):
    original = log(MAY, minutes=60)
    log(MAY, minutes=90, status=Status.SUBMITTED, amends=original)
    found = month(therapist)
    assert (found.confirmed_minutes, found.pending_minutes) == (60, 0)


@pytest.mark.django_db
def test_a_confirmed_amendment_replaces_its_original(therapist, log):
    original = log(MAY, minutes=60)
    log(MAY, minutes=90, amends=original)
    assert month(therapist).confirmed_minutes == 90


@pytest.mark.django_db
def test_part_time_therapist_is_held_to_the_pro_rata_standard(therapist, log):
    therapist.memberships.update(
        contracted_hours=Decimal("22.5"), starts_on=datetime.date(2025, 1, 1)
    )
    log(MAY, minutes=54)
    found = month(therapist)
    assert (found.standard_minutes, found.meets_standard) == (54, True)


@pytest.mark.django_db
def test_standard_follows_the_contract_in_force_each_month(therapist, team):
    therapist.memberships.update(
        contracted_hours=Decimal("22.5"),
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 4, 15),
    )
    factories.MembershipFactory(
        user=therapist, team=team, starts_on=datetime.date(2025, 4, 16), contracted_hours=None
    )
    march, april, may = hours.monthly_hours(therapist, last_month=MAY)
    assert [march.standard_minutes, april.standard_minutes, may.standard_minutes] == [54, 90, 90]


@pytest.mark.django_db
def test_three_months_of_a_supervisee_with_a_gap(therapist, log):
    log(datetime.date(2025, 3, 10), minutes=120)
    log(datetime.date(2025, 5, 10), minutes=150)
    months = hours.monthly_hours(therapist, last_month=MAY)
    assert [m.counted_minutes for m in months] == [120, 0, 150]
    assert hours.rolling_average(months).meets_standard


@pytest.mark.django_db
def test_other_peoples_sessions_do_not_count(therapist, log):
    log(MAY, supervisee=factories.UserFactory())
    assert month(therapist).counted_minutes == 0


@pytest.mark.django_db
def test_three_months_take_two_queries(therapist, log, django_assert_num_queries):
    log(MAY)
    with django_assert_num_queries(2):
        hours.monthly_hours(therapist, last_month=MAY)
