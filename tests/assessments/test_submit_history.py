"""An assessment's history holds its start and its submit, not the saves in between: the submit
(a conditional UPDATE) writes its row itself, naming the therapist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import questionnaire
from assessments.models import SelfAssessment
from tests import factories
from tests.conftest import autosave_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(therapist, published_version) -> SelfAssessment:
    """Every statement answered 3, not yet submitted."""
    return factories.filled_assessment(therapist, published_version, submit=False)


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


def review_url(assessment: SelfAssessment) -> str:
    return reverse("assessments:questionnaire_review", args=[assessment.pk])


def test_starting_an_assessment_records_its_creation(therapist, published_version):
    assessment = questionnaire.start_or_resume(therapist, published_version)

    (row,) = assessment.history.all()
    assert (row.history_type, row.status) == ("+", SelfAssessment.Status.IN_PROGRESS)


def test_saving_every_section_leaves_no_history_row(draft):
    # filled_assessment saved each section through the questionnaire's service.
    assert list(draft.history.values_list("history_type", flat=True)) == ["+"]


def test_a_background_save_leaves_no_history_row(me, draft, published_version):
    section = questionnaire.rated_sections(published_version)[0]
    data = {"revision": str(draft.revision)}
    data.update({f"rating_{item.key}": "2" for item in section.items.all()})

    response = me.post(autosave_url(draft), data)

    assert response.json()["saved"] is True
    assert draft.history.count() == 1


def test_submitting_leaves_one_history_row_naming_the_therapist(me, therapist, draft):
    response = me.post(review_url(draft), {})

    assert response.status_code == 302
    (row,) = draft.history.filter(history_type="~")
    assert row.status == SelfAssessment.Status.SUBMITTED
    assert row.history_user == therapist
    assert row.history_change_reason == "submitted"


def test_the_submit_row_holds_what_was_submitted(draft, team):
    questionnaire.submit(draft, shares_sensitive=True)

    draft.refresh_from_db()
    row = draft.history.latest()
    assert (row.submitted_at, row.team_id, row.shares_sensitive) == (
        draft.submitted_at,
        team.pk,
        True,
    )


def test_a_repeated_submit_leaves_no_second_row(draft):
    questionnaire.submit(draft, shares_sensitive=False)

    assert questionnaire.submit(draft, shares_sensitive=False) is False
    assert draft.history.filter(status=SelfAssessment.Status.SUBMITTED).count() == 1
