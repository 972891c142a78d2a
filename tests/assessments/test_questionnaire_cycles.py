"""Assessment cycles: baseline first, then a reassessment every few months, with a grace period
before it counts as overdue."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from assessments import questionnaire
from assessments.cycles import add_months, cycle_status, status_for
from assessments.models import SelfAssessment
from tests import factories


def submitted_on(assessment, day: datetime.date) -> None:
    """Pretend the assessment was submitted at noon (local time) on `day`."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    SelfAssessment.objects.filter(pk=assessment.pk).update(submitted_at=moment)


@pytest.fixture
def today():
    return timezone.localdate()


# add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2025, 1, 15), 3, datetime.date(2025, 4, 15)),
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 5, 31), 1, datetime.date(2025, 6, 30)),
        (datetime.date(2025, 8, 31), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 10, 15), 3, datetime.date(2026, 1, 15)),
        (datetime.date(2025, 12, 1), 1, datetime.date(2026, 1, 1)),
        (datetime.date(2025, 12, 31), 12, datetime.date(2026, 12, 31)),
        (datetime.date(2025, 3, 10), 24, datetime.date(2027, 3, 10)),
    ],
)
def test_add_months_keeps_the_day_or_falls_back_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


# cycle_status and status_for


def test_therapist_without_an_assessment_has_their_baseline_due_today(
    therapist, today, published_version
):
    status = status_for(therapist, published_version.framework)
    assert (status.state, status.cycle, status.due_on, status.label) == (
        "due",
        0,
        today,
        "Baseline due",
    )


def test_therapist_without_an_assessment_can_start(therapist, published_version):
    assert status_for(therapist, published_version.framework).can_start


def test_started_baseline_is_in_progress(therapist, published_version):
    assessment = questionnaire.start_or_resume(therapist, published_version)
    status = status_for(therapist, published_version.framework)
    assert (status.state, status.cycle, status.label) == ("in_progress", 0, "Baseline in progress")
    assert status.open_assessment == assessment


def test_baseline_submitted_today_is_complete_until_three_months_later(
    therapist, published_version, today
):
    factories.filled_assessment(therapist, published_version)
    status = status_for(therapist, published_version.framework)
    assert (status.state, status.label, status.due_on) == (
        "complete",
        "Complete",
        add_months(today, 3),
    )


def test_complete_baseline_cannot_start_again(therapist, published_version):
    factories.filled_assessment(therapist, published_version)
    assert not status_for(therapist, published_version.framework).can_start


def test_complete_status_points_at_the_first_reassessment(therapist, published_version):
    factories.filled_assessment(therapist, published_version)
    assert status_for(therapist, published_version.framework).cycle == 1


def test_reassessment_is_still_complete_the_day_before_it_is_due(
    therapist, published_version, today
):
    factories.filled_assessment(therapist, published_version)
    due_on = add_months(today, 3)
    assert (
        status_for(
            therapist, published_version.framework, today=due_on - datetime.timedelta(days=1)
        ).state
        == "complete"
    )


@pytest.mark.parametrize("days_after_due", [0, 1, 27])
def test_reassessment_is_due_from_its_due_date_for_the_grace_period(
    therapist, published_version, today, days_after_due
):
    factories.filled_assessment(therapist, published_version)
    due_on = add_months(today, 3)
    status = status_for(
        therapist,
        published_version.framework,
        today=due_on + datetime.timedelta(days=days_after_due),
    )
    assert (status.state, status.cycle, status.label, status.due_on) == (
        "due",
        1,
        "Reassessment 1 due",
        due_on,
    )


@pytest.mark.parametrize("days_after_due", [28, 29, 200])
def test_reassessment_is_overdue_once_the_grace_period_has_passed(
    therapist, published_version, today, days_after_due
):
    factories.filled_assessment(therapist, published_version)
    due_on = add_months(today, 3)
    status = status_for(
        therapist,
        published_version.framework,
        today=due_on + datetime.timedelta(days=days_after_due),
    )
    assert (status.state, status.label, status.can_start) == (
        "overdue",
        "Reassessment 1 overdue",
        True,
    )


def test_due_date_follows_the_submission_date_not_the_start(therapist, published_version, today):
    baseline = factories.filled_assessment(therapist, published_version)
    submitted_on(baseline, datetime.date(2025, 11, 30))
    status = status_for(therapist, published_version.framework, today=datetime.date(2026, 2, 27))
    assert (status.state, status.due_on) == ("complete", datetime.date(2026, 2, 28))


def test_started_reassessment_is_in_progress_in_cycle_one(therapist, published_version, today):
    baseline = factories.filled_assessment(therapist, published_version)
    submitted_on(baseline, today - datetime.timedelta(days=100))
    reassessment = questionnaire.start_or_resume(therapist, published_version)
    status = status_for(therapist, published_version.framework)
    assert (status.state, status.cycle, status.label, status.open_assessment) == (
        "in_progress",
        1,
        "Reassessment 1 in progress",
        reassessment,
    )


def test_second_reassessment_is_due_after_the_first(therapist, published_version, today):
    baseline = factories.filled_assessment(therapist, published_version)
    submitted_on(baseline, today - datetime.timedelta(days=200))
    first = factories.filled_assessment(therapist, published_version)
    submitted_on(first, today - datetime.timedelta(days=100))
    assert status_for(therapist, published_version.framework).label == "Reassessment 2 due"


def test_cycle_status_takes_assessments_in_any_order(therapist, published_version, today):
    baseline = factories.filled_assessment(therapist, published_version)
    submitted_on(baseline, today - datetime.timedelta(days=200))
    first = factories.filled_assessment(therapist, published_version)
    submitted_on(first, today - datetime.timedelta(days=10))
    assessments = sorted(SelfAssessment.objects.filter(therapist=therapist), key=lambda a: a.cycle)
    forwards = cycle_status(assessments, 3, today)
    backwards = cycle_status(assessments[::-1], 3, today)
    assert forwards == backwards
    assert forwards.due_on == add_months(today - datetime.timedelta(days=10), 3)


def test_service_interval_of_six_months_moves_the_due_date(
    therapist, published_version, service, today
):
    service.reassessment_interval_months = 6
    service.save()
    factories.filled_assessment(therapist, published_version)
    assert status_for(therapist, published_version.framework).due_on == add_months(today, 6)


def test_six_monthly_reassessment_is_not_due_after_three_months(
    therapist, published_version, service, today
):
    service.reassessment_interval_months = 6
    service.save()
    factories.filled_assessment(therapist, published_version)
    assert (
        status_for(therapist, published_version.framework, today=add_months(today, 3)).state
        == "complete"
    )


def test_therapist_in_two_services_uses_the_shorter_interval(
    therapist, published_version, service, today
):
    service.reassessment_interval_months = 6
    service.save()
    other_team = factories.TeamFactory(
        service=factories.ServiceFactory(reassessment_interval_months=2)
    )
    factories.MembershipFactory(
        user=therapist, team=other_team, service=other_team.service, role=Role.THERAPIST
    )
    factories.filled_assessment(therapist, published_version)
    assert status_for(therapist, published_version.framework).due_on == add_months(today, 2)


def test_interval_of_a_service_where_they_only_supervise_does_not_count(
    therapist, published_version, service, today
):
    monthly = factories.ServiceFactory(reassessment_interval_months=1)
    factories.MembershipFactory(user=therapist, service=monthly, team=None, role=Role.SUPERVISOR)
    factories.filled_assessment(therapist, published_version)
    assert status_for(therapist, published_version.framework).due_on == add_months(today, 3)
