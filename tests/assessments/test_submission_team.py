"""Submitting a self-assessment records the service and team the therapist is in that day, so
team figures stay right after someone moves; without a team today nothing is submitted."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from pytest_django.asserts import assertContains

from accounts.models import Membership
from assessments import questionnaire
from assessments.models import SelfAssessment
from tests import factories
from tests.conftest import review_url

NO_TEAM_MESSAGE = "you are not in a team today"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def answered(therapist, version) -> SelfAssessment:
    """An assessment with every statement answered, ready to submit."""
    return factories.filled_assessment(therapist, version, submit=False)


def leave_team(therapist, *, days: int = 1) -> None:
    """End the therapist's open team memberships `days` ago."""
    therapist.memberships.filter(ends_on__isnull=True).update(
        starts_on=days_ago(400), ends_on=days_ago(days)
    )


def move(therapist, team) -> None:
    """The therapist left their team yesterday and joined `team` today."""
    leave_team(therapist)
    factories.MembershipFactory(user=therapist, team=team, service=team.service)


@pytest.fixture
def other_team(service):
    return factories.TeamFactory(service=service, name="Central team")


# Submitting records the team


def test_submitting_records_the_therapists_team_and_service(
    sign_in, therapist, team, published_version
):
    assessment = answered(therapist, published_version)
    sign_in(therapist).post(review_url(assessment), {})
    assessment.refresh_from_db()
    assert assessment.is_submitted
    assert (assessment.team, assessment.service) == (team, team.service)


def test_therapist_who_moved_records_the_new_team_on_the_next_submission(
    sign_in, therapist, other_team, published_version
):
    factories.filled_assessment(therapist, published_version)
    move(therapist, other_team)
    reassessment = answered(therapist, published_version)
    sign_in(therapist).post(review_url(reassessment), {})
    reassessment.refresh_from_db()
    assert (reassessment.cycle, reassessment.team) == (1, other_team)


def test_moving_team_leaves_the_earlier_assessment_with_the_old_team(
    sign_in, therapist, team, other_team, published_version
):
    baseline = factories.filled_assessment(therapist, published_version)
    move(therapist, other_team)
    reassessment = answered(therapist, published_version)
    sign_in(therapist).post(review_url(reassessment), {})
    baseline.refresh_from_db()
    assert baseline.team == team


def test_moving_to_another_service_records_the_new_service(therapist, published_version):
    elsewhere = factories.TeamFactory()
    move(therapist, elsewhere)
    assessment = factories.filled_assessment(therapist, published_version)
    assert (assessment.team, assessment.service) == (elsewhere, elsewhere.service)


def test_therapist_in_two_teams_records_the_team_joined_most_recently(
    therapist, other_team, published_version
):
    therapist.memberships.update(starts_on=days_ago(100))
    factories.MembershipFactory(user=therapist, team=other_team, starts_on=days_ago(10))
    assessment = factories.filled_assessment(therapist, published_version)
    assert assessment.team == other_team


# Without a team today, nothing is submitted


def test_submitting_without_a_team_today_is_refused(therapist, published_version):
    assessment = answered(therapist, published_version)
    leave_team(therapist)
    with pytest.raises(questionnaire.NoCurrentTeam):
        questionnaire.submit(assessment, shares_sensitive=False)


def test_refused_submission_keeps_the_assessment_open_with_its_answers(
    therapist, published_version
):
    assessment = answered(therapist, published_version)
    answers = assessment.ratings.count()
    leave_team(therapist)
    with pytest.raises(questionnaire.NoCurrentTeam):
        questionnaire.submit(assessment, shares_sensitive=False)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.team) == (SelfAssessment.Status.IN_PROGRESS, None)
    assert assessment.ratings.count() == answers


def test_membership_that_has_not_started_yet_does_not_count(therapist, published_version):
    assessment = answered(therapist, published_version)
    therapist.memberships.update(starts_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(questionnaire.NoCurrentTeam):
        questionnaire.submit(assessment, shares_sensitive=False)


def test_therapist_whose_membership_ended_no_longer_reaches_the_review_page(
    sign_in, therapist, published_version
):
    # No longer a therapist, so the assessment is no longer theirs to fill in (can_fill_in).
    assessment = answered(therapist, published_version)
    leave_team(therapist)
    response = sign_in(therapist).post(review_url(assessment), {})
    assert response.status_code == 404
    assert SelfAssessment.objects.get(pk=assessment.pk).status == "in_progress"


@pytest.fixture
def team_ends_while_submitting(monkeypatch):
    """The therapist's membership ends after the page checked they may fill the assessment in
    and before the submission looks up their team (say, an administrator ends it meanwhile)."""
    check = questionnaire.unanswered_items

    def ending_membership(assessment):
        Membership.objects.filter(user=assessment.therapist_id, ends_on__isnull=True).update(
            starts_on=days_ago(400), ends_on=days_ago(1)
        )
        return check(assessment)

    monkeypatch.setattr(questionnaire, "unanswered_items", ending_membership)


def test_review_page_refuses_the_submission_with_400_when_the_team_ended(
    sign_in, therapist, published_version, team_ends_while_submitting
):
    assessment = answered(therapist, published_version)
    response = sign_in(therapist).post(review_url(assessment), {})
    assert response.status_code == 400
    assert SelfAssessment.objects.get(pk=assessment.pk).status == "in_progress"


def test_review_page_keeps_the_answers_when_the_team_ended(
    sign_in, therapist, published_version, team_ends_while_submitting
):
    assessment = answered(therapist, published_version)
    answers = list(assessment.ratings.values_list("item_id", "value"))
    sign_in(therapist).post(review_url(assessment), {})
    assert list(assessment.ratings.values_list("item_id", "value")) == answers


def test_review_page_says_the_therapist_is_not_in_a_team(
    sign_in, therapist, published_version, team_ends_while_submitting
):
    assessment = answered(therapist, published_version)
    response = sign_in(therapist).post(review_url(assessment), {})
    assertContains(response, NO_TEAM_MESSAGE, status_code=400)


# The database backs the rule up


def submitted_row(therapist, version, **team) -> None:
    SelfAssessment.objects.create(
        therapist=therapist,
        version=version,
        cycle=0,
        status=SelfAssessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        **team,
    )


def test_database_refuses_a_submitted_assessment_without_a_team(therapist, team):
    version = factories.FrameworkVersionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        submitted_row(therapist, version, service=team.service)
    assert not SelfAssessment.objects.exists()


def test_database_refuses_a_submitted_assessment_without_a_service(therapist, team):
    version = factories.FrameworkVersionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        submitted_row(therapist, version, team=team)
    assert not SelfAssessment.objects.exists()


def test_database_refuses_submitting_an_open_assessment_without_a_team(therapist):
    assessment = factories.SelfAssessmentFactory(therapist=therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.filter(pk=assessment.pk).update(
            status=SelfAssessment.Status.SUBMITTED, submitted_at=timezone.now()
        )
    assert SelfAssessment.objects.get(pk=assessment.pk).status == "in_progress"


def test_assessment_in_progress_needs_no_team(therapist):
    assessment = factories.SelfAssessmentFactory(therapist=therapist)
    assert (assessment.team, assessment.service) == (None, None)
