"""The section page and its saves run a fixed number of queries, whatever the section's size
(pinned at the measured values: a new query per statement would show here first)."""

import pytest

from assessments import questionnaire
from tests import factories
from tests.conftest import autosave_url, section_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(therapist, published_version):
    """Every statement answered 3, not submitted: the largest page and save there is."""
    return factories.filled_assessment(therapist, published_version, submit=False)


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


@pytest.fixture
def every_statement_rated_2(published_version, draft):
    section = questionnaire.rated_sections(published_version)[0]
    ratings = {f"rating_{item.key}": "2" for item in section.items.all()}
    return {"revision": str(draft.revision), **ratings}


def test_section_page_queries(me, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert me.get(section_url(draft)).status_code == 200


def test_saving_a_whole_section_queries(
    me, draft, every_statement_rated_2, django_assert_max_num_queries
):
    # 8 to read the page's data, 6 to save (two of them the test's savepoint).
    with django_assert_max_num_queries(14):
        assert me.post(section_url(draft), every_statement_rated_2).status_code == 302


def test_a_section_with_mistakes_queries(me, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = me.post(section_url(draft), {"revision": "1", "rating_C1": "9"})
    assert response.status_code == 400


def test_background_save_of_a_whole_section_queries(
    me, draft, every_statement_rated_2, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        assert me.post(autosave_url(draft), every_statement_rated_2).status_code == 200
