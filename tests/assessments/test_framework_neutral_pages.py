"""Pages take their subject matter from the framework in use, not from the shipped one: a
framework from another field, without private statements, gets no sharing box and no words
about self-care, burnout or personality difficulties."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services
from tests import factories
from tests.conftest import review_url

pytestmark = pytest.mark.django_db

SHIPPED_WORDS = ("personality", "self-care", "burnout")


@pytest.fixture
def other_field(settings, service):
    """A small published framework from another field, with no private statements, used by the
    therapist's service (and the default for new ones)."""
    version = factories.FrameworkVersionFactory(
        framework__slug="falls-prevention", framework__name="Falls prevention in care homes"
    )
    section = factories.FrameworkSectionFactory(version=version, title="Daily practice")
    for number in range(2):
        factories.FrameworkItemFactory(version=version, section=section, key=f"F{number}")
    settings.FRAMEWORK_SLUG = "falls-prevention"
    service.framework = version.framework
    service.save(update_fields=["framework"])
    return services.publish(version)


def answered(therapist, version):
    return factories.filled_assessment(therapist, version, submit=False)


def assert_no_shipped_words(html: str) -> None:
    lowered = html.lower()
    assert [word for word in SHIPPED_WORDS if word in lowered] == []


def test_review_offers_no_sharing_box_when_the_framework_has_no_private_statements(
    sign_in, therapist, other_field
):
    response = sign_in(therapist).get(review_url(answered(therapist, other_field)))
    assert response.status_code == 200
    assert 'name="shares_sensitive"' not in response.content.decode()


def test_submitting_without_a_sharing_box_works(sign_in, therapist, other_field):
    assessment = answered(therapist, other_field)
    response = sign_in(therapist).post(review_url(assessment), {})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.is_submitted, assessment.shares_sensitive) == (True, False)


def test_review_offers_the_sharing_box_when_the_framework_has_private_statements(
    sign_in, therapist, published_version
):
    response = sign_in(therapist).get(review_url(answered(therapist, published_version)))
    assert 'name="shares_sensitive"' in response.content.decode()


@pytest.mark.parametrize(
    "page",
    ["assessments:my_training", "assessments:questionnaire"],
)
def test_therapist_pages_carry_no_words_of_the_shipped_framework(
    sign_in, therapist, other_field, page
):
    response = sign_in(therapist).get(reverse(page))
    assert response.status_code == 200
    assert_no_shipped_words(response.content.decode())


def test_review_page_carries_no_words_of_the_shipped_framework(sign_in, therapist, other_field):
    response = sign_in(therapist).get(review_url(answered(therapist, other_field)))
    assert_no_shipped_words(response.content.decode())


def test_my_training_names_the_framework_in_use(sign_in, therapist, other_field):
    response = sign_in(therapist).get(reverse("assessments:my_training"))
    assert "Falls prevention in care homes" in response.content.decode()


def test_sign_in_page_carries_no_words_of_the_shipped_framework(client, db):
    response = client.get(reverse("account_login"))
    assert_no_shipped_words(response.content.decode())


def test_start_page_counts_the_private_statements_of_the_shipped_framework(
    sign_in, therapist, published_version
):
    private = published_version.items.rated().filter(is_sensitive=True).count()
    response = sign_in(therapist).get(reverse("assessments:questionnaire"))
    assert f"the {private} statements marked private" in response.content.decode()


def test_start_page_of_a_framework_without_private_statements_promises_no_privacy_choice(
    sign_in, therapist, other_field
):
    response = sign_in(therapist).get(reverse("assessments:questionnaire"))
    assert "marked private" not in response.content.decode()
