"""Nothing a therapist has saved is lost by a save that does not carry it: a page that does not
say which revision it was built from writes nothing, a save changes only what it carries, only a
ticked "clear" removes an answer, and a post too large to read leaves the draft as it was."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from pytest_django.asserts import assertContains

from assessments import questionnaire
from assessments.models import SelfAssessment
from tests.conftest import autosave_url, section_url

pytestmark = pytest.mark.django_db

NO_REVISION = "Nothing was saved: this page did not say which version of your answers"
THREE_MB = 3 * 1024 * 1024
INVALID_REVISIONS = [None, "abc", "-1", "", "1.0"]  # None: the field is left out


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


@pytest.fixture
def items(published_version):
    section = questionnaire.rated_sections(published_version)[0]
    return list(section.items.order_by("order"))


@pytest.fixture
def saved(therapist, published_version, items) -> SelfAssessment:
    """Section 1 saved with every statement rated 4 and C1 commented on (revision 1)."""
    assessment = questionnaire.start_or_resume(therapist, published_version)
    answers = {item.pk: questionnaire.Answer(4) for item in items}
    answers[items[0].pk] = questionnaire.Answer(4, "Keep this")
    section = questionnaire.rated_sections(published_version)[0]
    questionnaire.save_section(assessment, section, answers, revision=0, resume_at=0)
    assessment.refresh_from_db()
    return assessment


def saved_state(assessment) -> tuple[int, dict[str, tuple[int | None, str]]]:
    """The assessment's revision and its answers by statement."""
    revision = SelfAssessment.objects.get(pk=assessment.pk).revision
    answers = {
        rating.item.key: (rating.value, rating.comment)
        for rating in assessment.ratings.select_related("item")
    }
    return revision, answers


def rated_one(items, value: str = "1", **extra) -> dict[str, str]:
    """A post rating the first statement only."""
    return {f"rating_{items[0].key}": value, "action": "next", **extra}


# The revision


@pytest.mark.parametrize("revision", INVALID_REVISIONS)
def test_save_without_a_valid_revision_is_refused(me, saved, items, revision):
    data = rated_one(items) if revision is None else rated_one(items, revision=revision)
    assertContains(me.post(section_url(saved), data), NO_REVISION, status_code=400)


@pytest.mark.parametrize("revision", INVALID_REVISIONS)
def test_save_without_a_valid_revision_writes_nothing(me, saved, items, revision):
    before = saved_state(saved)
    data = rated_one(items) if revision is None else rated_one(items, revision=revision)
    me.post(section_url(saved), data)
    assert saved_state(saved) == before


def test_save_without_a_revision_keeps_what_was_typed_on_the_page(me, saved, items):
    key = items[0].key
    data = rated_one(items, **{f"comment_{key}": "Typed just now"})
    response = me.post(section_url(saved), data)
    assertContains(response, "Typed just now", status_code=400)
    assertContains(
        response,
        f'value="1" class="form-check-input" id="id_rating_{key}_0" checked',
        status_code=400,
    )


# A save changes only what it carries


def test_save_carrying_no_ratings_removes_nothing(me, saved):
    before = saved_state(saved)[1]
    response = me.post(section_url(saved), {"revision": "1", "action": "next"})
    assert response.status_code == 302
    assert saved_state(saved)[1] == before


def test_save_carrying_one_rating_changes_only_that_one(me, saved, items):
    before = saved_state(saved)[1]
    me.post(section_url(saved), {"revision": "1", f"rating_{items[1].key}": "2"})
    assert saved_state(saved)[1] == before | {items[1].key: (2, "")}


def test_leaving_a_rating_blank_keeps_the_saved_answer(me, saved, items):
    data = {f"rating_{item.key}": "5" for item in items[1:]}
    me.post(section_url(saved), {"revision": "1", **data})
    assert saved_state(saved)[1][items[0].key] == (4, "Keep this")


def test_save_without_the_comment_field_keeps_the_saved_comment(me, saved, items):
    me.post(section_url(saved), {"revision": "1", f"rating_{items[0].key}": "2"})
    assert saved_state(saved)[1][items[0].key] == (2, "Keep this")


def test_ticking_clear_removes_exactly_that_answer(me, saved, items):
    before = saved_state(saved)[1]
    me.post(section_url(saved), {"revision": "1", f"clear_{items[0].key}": "on"})
    del before[items[0].key]
    assert saved_state(saved)[1] == before


def test_ticking_clear_wins_over_a_rating_in_the_same_post(me, saved, items):
    data = {"revision": "1", f"rating_{items[0].key}": "2", f"clear_{items[0].key}": "on"}
    me.post(section_url(saved), data)
    assert items[0].key not in saved_state(saved)[1]


# Too large to read


@pytest.fixture
def strict_client(therapist, saved) -> Client:
    """A client that checks CSRF as a browser's request is checked, so that the too-large body
    is refused where it is in production: by the CSRF middleware, before any view."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(therapist)
    client.get(section_url(saved))  # sets the CSRF cookie, as opening the page does
    return client


def too_large_form_post(client, saved, items):
    data = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "revision": "1",
        "action": "next",
        f"rating_{items[0].key}": "1",
        f"comment_{items[0].key}": "x" * THREE_MB,
    }
    return client.post(
        section_url(saved), urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def test_too_large_a_save_says_nothing_was_saved(strict_client, saved, items):
    response = too_large_form_post(strict_client, saved, items)
    assertContains(response, "Nothing was saved", status_code=413)
    assertContains(response, "Your saved draft is as it was before.", status_code=413)


def test_too_large_a_save_links_back_to_the_page(strict_client, saved, items):
    response = too_large_form_post(strict_client, saved, items)
    assertContains(response, f'<a href="{section_url(saved)}">', status_code=413)


def test_too_large_a_save_leaves_the_saved_draft_intact(strict_client, saved, items):
    before = saved_state(saved)
    too_large_form_post(strict_client, saved, items)
    assert saved_state(saved) == before


def test_after_too_large_a_save_the_page_shows_the_saved_draft(strict_client, saved, items):
    too_large_form_post(strict_client, saved, items)
    assertContains(strict_client.get(section_url(saved)), "Keep this")


def test_too_large_a_background_save_answers_json(strict_client, saved, items):
    data = {
        "csrfmiddlewaretoken": strict_client.cookies["csrftoken"].value,
        "revision": "1",
        f"comment_{items[0].key}": "x" * THREE_MB,
    }
    before = saved_state(saved)
    response = strict_client.post(autosave_url(saved), data, headers={"x-requested-with": "fetch"})
    assert response.status_code == 413
    assert response.json()["saved"] is False
    assert "Nothing was saved" in response.json()["error"]
    assert saved_state(saved) == before
