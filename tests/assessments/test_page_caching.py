"""What pages derive from a published framework version is cached (it never changes), and shown
the same; a draft's never is, as an administrator may be editing it."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from assessments import queries, services
from assessments.models import FrameworkItem
from tests import factories
from tests.conftest import profile_url, review_url

pytestmark = pytest.mark.django_db

MAIN = re.compile(r"<main\b.*?</main>", re.S)
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
SENSITIVE_KEYS = ("C19", "M11", "BL1")
# Measured on SQLite and PostgreSQL for a therapist (session, user, framework, current version,
# other versions, roles): the sections, items, their coding and the involvement levels are not
# read once the content is cached.
FRAMEWORK_CACHED_QUERIES = 6


def visit(client, url: str) -> tuple[str, int]:
    """The page's main content (without its forms' tokens, new on every request) and how many
    queries serving it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    main = MAIN.search(response.content.decode())[0]
    return FORM_TOKEN.sub("", main), len(captured)


def item_queries(client, url: str) -> int:
    """How many queries serving the page read framework items (as the main table)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum('FROM "assessments_frameworkitem"' in query["sql"] for query in captured)


def edit_target_text(version, key: str, text: str) -> None:
    item = version.items.get(key=key)
    item.target_text = text
    item.save()


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


# The framework page


def test_published_framework_page_is_served_from_cache_with_the_same_content(me, published_version):
    first, first_queries = visit(me, "/framework/")
    second, second_queries = visit(me, "/framework/")
    assert second == first
    assert second_queries < first_queries
    assert second_queries <= FRAMEWORK_CACHED_QUERIES


def test_draft_framework_page_shows_an_edit_made_since_the_last_visit(
    sign_in, admin_user, published_version
):
    draft = services.create_draft(published_version.framework)
    client = sign_in(admin_user)
    visit(client, "/framework/comb-pd/v2/")
    edit_target_text(draft, "C1", "I can name the edited statement.")
    page, _ = visit(client, "/framework/comb-pd/v2/")
    assert "I can name the edited statement." in page


def test_each_published_version_shows_its_own_statements(me, published_version):
    original = escape(published_version.items.get(key="C1").target_text)
    visit(me, "/framework/")
    draft = services.create_draft(published_version.framework)
    edit_target_text(draft, "C1", "I can name the statement of version 2.")
    services.publish(draft, allow_meaning_changes=True)
    current, _ = visit(me, "/framework/")
    first, _ = visit(me, "/framework/comb-pd/v1/")
    assert "I can name the statement of version 2." in current
    assert original not in current
    assert original in first
    assert "I can name the statement of version 2." not in first


def test_cache_keys_differ_per_version(published_version):
    draft = services.create_draft(published_version.framework)
    second = services.publish(draft)
    assert queries.version_cache_key(published_version, "x") != queries.version_cache_key(
        second, "x"
    )


# The therapist's start page


def test_my_training_section_table_is_served_from_cache_with_the_same_content(
    me, published_version
):
    first, first_queries = visit(me, "/my-training/")
    second, second_queries = visit(me, "/my-training/")
    assert second == first
    assert second_queries < first_queries


# The profile


def test_profile_reads_a_published_versions_statements_once_and_scores_the_same(
    me, therapist, published_version
):
    factories.filled_assessment(therapist, published_version, 2, {"C1": 5})
    cache.clear()  # the submit's summaries read the statements too: start the profile cold
    first, first_queries = visit(me, profile_url(therapist))
    second, second_queries = visit(me, profile_url(therapist))
    assert second == first
    assert second_queries < first_queries
    assert item_queries(me, profile_url(therapist)) == 0


def test_profile_scores_each_version_by_its_own_statements(me, therapist, published_version):
    factories.filled_assessment(therapist, published_version, 3)
    visit(me, profile_url(therapist))
    draft = services.create_draft(published_version.framework)
    FrameworkItem.objects.filter(version=draft, key="C1").delete()
    factories.filled_assessment(therapist, services.publish(draft), 3)
    baseline, reassessment = me.get(profile_url(therapist)).context["profile"].cycles
    assert reassessment.scores.total == baseline.scores.total - 1
    assert reassessment.scores.percent_answered == 100


# The questionnaire


def test_review_page_is_served_with_fewer_queries_and_the_same_answers(
    me, therapist, published_version
):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    first, first_queries = visit(me, review_url(assessment))
    second, second_queries = visit(me, review_url(assessment))
    assert second == first
    assert second_queries < first_queries


def test_supervisor_does_not_see_private_answers_after_the_therapist_read_theirs(
    sign_in, therapist, supervisor, published_version
):
    assessment = factories.filled_assessment(therapist, published_version, shares_sensitive=False)
    url = f"/therapists/{therapist.pk}/assessments/{assessment.pk}/"
    own, _ = visit(sign_in(therapist), url)
    theirs, _ = visit(sign_in(supervisor), url)
    for key in SENSITIVE_KEYS:
        assert f'<span class="item-key">{key}</span>' in own
        assert f'<span class="item-key">{key}</span>' not in theirs
