"""The access record: opening another person's profile or answers is recorded, with who, whose
and what; opening one's own is not, nor is the profile's chart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(therapist, published_version):
    return factories.filled_assessment(therapist, published_version)


def profile_url(therapist) -> str:
    return reverse("assessments:profile", args=[therapist.pk])


def answers_url(therapist, assessment) -> str:
    return reverse("assessments:assessment_detail", args=[therapist.pk, assessment.pk])


def test_supervisor_opening_a_supervisees_profile_is_recorded(
    sign_in, supervisor, therapist, submitted
):
    response = sign_in(supervisor).get(profile_url(therapist))

    assert response.status_code == 200
    (event,) = AuditEvent.objects.all()
    assert (event.actor, event.subject, event.action) == (
        supervisor,
        therapist,
        AuditEvent.Action.OPENED_PROFILE,
    )
    assert event.detail == submitted.framework.slug


def test_supervisor_opening_a_supervisees_answers_is_recorded(
    sign_in, supervisor, therapist, submitted
):
    response = sign_in(supervisor).get(answers_url(therapist, submitted))

    assert response.status_code == 200
    (event,) = AuditEvent.objects.all()
    assert (event.actor, event.subject, event.action, event.detail) == (
        supervisor,
        therapist,
        AuditEvent.Action.OPENED_ANSWERS,
        str(submitted.pk),
    )


def test_therapist_opening_their_own_profile_and_answers_is_not_recorded(
    sign_in, therapist, submitted
):
    me = sign_in(therapist)

    assert me.get(profile_url(therapist)).status_code == 200
    assert me.get(answers_url(therapist, submitted)).status_code == 200
    assert not AuditEvent.objects.exists()


def test_the_profile_chart_is_not_recorded_separately(sign_in, supervisor, therapist, submitted):
    viewer = sign_in(supervisor)
    page = viewer.get(profile_url(therapist))

    viewer.get(page.context["chart_url"])

    assert AuditEvent.objects.count() == 1


def test_someone_refused_a_profile_leaves_no_record(sign_in, team, therapist, submitted):
    colleague = factories.therapist(team=team)

    response = sign_in(colleague).get(profile_url(therapist))

    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_command_records_an_event_without_a_person(therapist):
    event = record_event(None, therapist, AuditEvent.Action.EXPORTED_DATA, "archive")

    assert event.actor is None
    assert str(event) == f"A command · Downloaded their data · {therapist}"
