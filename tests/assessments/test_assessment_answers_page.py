"""The read-only page of a submitted self-assessment's answers."""

import pytest

from assessments import questionnaire
from tests import factories

pytestmark = pytest.mark.django_db

SENSITIVE_KEYS = ("C19", "M11", "BL1")


def answers_url(therapist, assessment) -> str:
    return f"/therapists/{therapist.pk}/assessments/{assessment.pk}/"


def test_therapist_reads_all_their_submitted_answers(client, therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=False)
    client.force_login(therapist)
    html = client.get(answers_url(therapist, assessment)).content.decode()
    assert "3 Neither agree nor disagree" in html
    for key in SENSITIVE_KEYS:
        assert f'<span class="item-key">{key}</span>' in html


def test_supervisor_does_not_see_private_answers_that_were_not_shared(
    client, therapist, supervisor, published_version
):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=False)
    client.force_login(supervisor)
    html = client.get(answers_url(therapist, assessment)).content.decode()
    assert "private to" in html
    for key in SENSITIVE_KEYS:
        assert f'<span class="item-key">{key}</span>' not in html


def test_supervisor_sees_private_answers_the_therapist_shared(
    client, therapist, supervisor, published_version
):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=True)
    client.force_login(supervisor)
    html = client.get(answers_url(therapist, assessment)).content.decode()
    for key in SENSITIVE_KEYS:
        assert f'<span class="item-key">{key}</span>' in html


@pytest.mark.parametrize("who", ["other_therapist", "lead", "admin_user", "ended_supervisor"])
def test_people_without_a_relationship_get_not_found(
    client, therapist, team, published_version, lead, admin_user, who
):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=True)
    viewers = {
        "other_therapist": factories.therapist(team=team),
        "lead": lead,
        "admin_user": admin_user,
        "ended_supervisor": factories.supervisor(team=team),
    }
    if who == "ended_supervisor":
        factories.SupervisionFactory(
            supervisor=viewers[who],
            supervisee=therapist,
            starts_on=assessment.submitted_at.date().replace(year=2020),
            ends_on=assessment.submitted_at.date().replace(year=2021),
        )
    client.force_login(viewers[who])
    assert client.get(answers_url(therapist, assessment)).status_code == 404


def test_an_assessment_still_in_progress_is_not_shown_here(
    client, therapist, supervisor, published_version
):
    draft = questionnaire.start_or_resume(therapist, published_version)
    client.force_login(supervisor)
    assert client.get(answers_url(therapist, draft)).status_code == 404


def test_another_therapists_assessment_id_under_this_therapist_is_not_found(
    client, therapist, team, published_version
):
    other = factories.therapist(team=team)
    theirs = factories.filled_assessment(other, published_version, shares_sensitive=True)
    client.force_login(therapist)
    assert client.get(answers_url(therapist, theirs)).status_code == 404


def test_answers_page_queries_do_not_depend_on_the_number_of_answers(
    client, therapist, published_version, django_assert_max_num_queries
):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=True)
    client.force_login(therapist)
    with django_assert_max_num_queries(12):
        assert client.get(answers_url(therapist, assessment)).status_code == 200
