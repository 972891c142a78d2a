"""Background saves while a therapist answers, and saves from an out-of-date page (another tab),
which are refused rather than overwriting newer answers."""

import pytest

from assessments import questionnaire
from assessments.models import ItemRating, SelfAssessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(therapist, published_version) -> SelfAssessment:
    return questionnaire.start_or_resume(therapist, published_version)


@pytest.fixture
def first_section(published_version):
    section = questionnaire.rated_sections(published_version)[0]
    return section, list(section.items.order_by("order"))


def url(assessment) -> str:
    return f"/self-assessment/{assessment.pk}/section/1/"


def post(client, assessment, items, *, value: str, revision, action: str = "next", **extra):
    data = {f"rating_{item.key}": value for item in items[:2]}
    data.update(action=action, revision="" if revision is None else str(revision), **extra)
    return client.post(url(assessment), data)


def test_background_save_stores_answers_and_returns_revision_and_progress(
    client, therapist, started, first_section, published_version
):
    _, items = first_section
    client.force_login(therapist)
    response = post(client, started, items, value="4", revision=0, action="autosave")
    assert response.status_code == 200
    rated = published_version.items.exclude(section__kind="outcomes").count()
    assert response.json() == {
        "revision": 1,
        "answered": 2,
        "total": rated,
        "percent": round(100 * 2 / rated),
    }
    assert list(started.ratings.values_list("value", flat=True)) == [4, 4]


def test_background_save_of_invalid_input_saves_nothing_and_says_why(
    client, therapist, started, first_section
):
    _, items = first_section
    client.force_login(therapist)
    response = post(client, started, items, value="9", revision=0, action="autosave")
    assert response.status_code == 400
    assert "Not saved yet" in response.content.decode()
    assert not started.ratings.exists()


def test_save_from_an_out_of_date_page_does_not_overwrite_newer_answers(
    client, therapist, started, first_section
):
    section, items = first_section
    # Another tab saved a 5 for the first statement after this page was opened (revision 0).
    questionnaire.save_section(
        started, section, {items[0].pk: questionnaire.Answer(5)}, resume_at=0, revision=0
    )
    client.force_login(therapist)
    response = post(client, started, items, value="2", revision=0)
    assert response.status_code == 409
    assert "changed in another tab or window" in response.content.decode()
    assert ItemRating.objects.get(assessment=started, item=items[0]).value == 5


def test_out_of_date_page_keeps_what_was_typed_and_saves_on_the_second_try(
    client, therapist, started, first_section
):
    section, items = first_section
    questionnaire.save_section(
        started, section, {items[0].pk: questionnaire.Answer(5)}, resume_at=0, revision=0
    )
    client.force_login(therapist)
    refused = post(client, started, items, value="2", revision=0)
    html = refused.content.decode()
    assert f'name="rating_{items[0].key}" value="2" class="form-check-input"' in html
    assert 'name="revision" value="1"' in html

    accepted = post(client, started, items, value="2", revision=1)
    assert accepted.status_code == 302
    assert ItemRating.objects.get(assessment=started, item=items[0]).value == 2


def test_background_save_from_an_out_of_date_page_is_refused(
    client, therapist, started, first_section
):
    section, items = first_section
    questionnaire.save_section(started, section, {}, resume_at=0, revision=0)
    client.force_login(therapist)
    response = post(client, started, items, value="3", revision=0, action="autosave")
    assert response.status_code == 409
    assert not started.ratings.exists()


def test_background_save_after_submitting_is_refused(
    client, therapist, published_version, first_section
):
    from tests import factories

    _, items = first_section
    assessment = factories.filled_assessment(therapist, published_version)
    client.force_login(therapist)
    response = post(client, assessment, items, value="1", revision=None, action="autosave")
    assert response.status_code == 409
    assert "submitted" in response.content.decode()
    assert set(assessment.ratings.values_list("value", flat=True)) == {3}
