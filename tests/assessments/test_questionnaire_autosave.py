"""Background saves while a therapist answers (the page's script posts the form to the autosave
address and reads JSON back), and saves from an out-of-date page (another tab), which are
refused rather than overwriting newer answers."""

import pytest

from assessments import questionnaire
from assessments.models import ItemRating, SelfAssessment
from tests import factories
from tests.conftest import autosave_url, section_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(therapist, published_version) -> SelfAssessment:
    return questionnaire.start_or_resume(therapist, published_version)


@pytest.fixture
def first_section(published_version):
    section = questionnaire.rated_sections(published_version)[0]
    return section, list(section.items.order_by("order"))


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


@pytest.fixture
def saved(started, first_section):
    """Section 1 saved with every statement rated 4, C1 with a comment (revision 1)."""
    section, items = first_section
    answers = {item.pk: questionnaire.Answer(4) for item in items}
    answers[items[0].pk] = questionnaire.Answer(4, "Keep this")
    questionnaire.save_section(started, section, answers, revision=0, resume_at=0)
    return started


def post(client, url, items, *, value: str, revision, **extra):
    """The first two statements rated `value`; `revision` None leaves it out."""
    data = {f"rating_{item.key}": value for item in items[:2]}
    if revision is not None:
        data["revision"] = str(revision)
    data.update(extra)
    return client.post(url, data)


def saved_ratings(assessment) -> dict[str, tuple[int | None, str]]:
    return {
        rating.item.key: (rating.value, rating.comment)
        for rating in assessment.ratings.select_related("item")
    }


def test_background_save_stores_answers_and_returns_revision_and_progress(
    me, started, first_section, published_version
):
    _, items = first_section
    response = post(me, autosave_url(started), items, value="4", revision=0)
    assert response.status_code == 200
    rated = published_version.items.exclude(section__kind="outcomes").count()
    assert response.json() == {
        "saved": True,
        "revision": 1,
        "answered": 2,
        "total": rated,
        "percent": round(100 * 2 / rated),
    }
    assert list(started.ratings.values_list("value", flat=True)) == [4, 4]


def test_background_save_of_invalid_input_saves_nothing_and_says_which_statement(
    me, started, first_section
):
    _, items = first_section
    response = post(me, autosave_url(started), items, value="9", revision=0)
    assert response.status_code == 400
    assert response.json()["saved"] is False
    assert response.json()["error"].startswith(f"Not saved yet: {items[0].key}: Choose a rating")
    assert not started.ratings.exists()


def test_background_save_without_a_revision_saves_nothing(me, started, first_section):
    _, items = first_section
    response = post(me, autosave_url(started), items, value="4", revision=None)
    assert response.status_code == 400
    assert response.json() == {
        "saved": False,
        "error": "Nothing was saved: this page did not say which version of your answers it "
        "was built from. Reload the page and try again.",
    }
    started.refresh_from_db()
    assert (started.revision, started.ratings.exists()) == (0, False)


def test_background_save_carrying_no_ratings_removes_nothing(me, saved):
    before = saved_ratings(saved)
    response = me.post(autosave_url(saved), {"revision": "1"})
    assert response.status_code == 200
    assert saved_ratings(saved) == before


def test_background_save_carrying_one_rating_changes_only_that_one(me, saved, first_section):
    _, items = first_section
    before = saved_ratings(saved)
    me.post(autosave_url(saved), {"revision": "1", f"rating_{items[2].key}": "1"})
    assert saved_ratings(saved) == before | {items[2].key: (1, "")}


def test_background_save_with_clear_ticked_removes_exactly_that_answer(me, saved, first_section):
    _, items = first_section
    before = saved_ratings(saved)
    me.post(autosave_url(saved), {"revision": "1", f"clear_{items[0].key}": "on"})
    del before[items[0].key]
    assert saved_ratings(saved) == before


def test_background_save_is_not_offered_to_a_plain_visit(me, started):
    assert me.get(autosave_url(started)).status_code == 405


@pytest.fixture
def other_therapist(team):
    return factories.therapist(team=team)


@pytest.mark.parametrize("viewer", ["other_therapist", "supervisor", "lead", "admin_user"])
def test_nobody_else_can_save_a_therapists_answers_in_the_background(
    client, request, started, first_section, viewer
):
    _, items = first_section
    client.force_login(request.getfixturevalue(viewer))
    assert post(client, autosave_url(started), items, value="4", revision=0).status_code == 404
    assert not started.ratings.exists()


def test_background_save_after_signing_out_says_so_and_saves_nothing(
    client, started, first_section
):
    _, items = first_section
    response = post(client, autosave_url(started), items, value="4", revision=0)
    assert response.status_code == 403
    assert "you have been signed out" in response.json()["error"]
    assert not started.ratings.exists()


def test_save_from_an_out_of_date_page_does_not_overwrite_newer_answers(me, started, first_section):
    section, items = first_section
    # Another tab saved a 5 for the first statement after this page was opened (revision 0).
    questionnaire.save_section(
        started, section, {items[0].pk: questionnaire.Answer(5)}, resume_at=0, revision=0
    )
    response = post(me, section_url(started), items, value="2", revision=0)
    assert response.status_code == 409
    assert "changed in another tab or window" in response.content.decode()
    assert ItemRating.objects.get(assessment=started, item=items[0]).value == 5


def test_out_of_date_page_keeps_what_was_typed_and_saves_on_the_second_try(
    me, started, first_section
):
    section, items = first_section
    questionnaire.save_section(
        started, section, {items[0].pk: questionnaire.Answer(5)}, resume_at=0, revision=0
    )
    refused = post(me, section_url(started), items, value="2", revision=0)
    html = refused.content.decode()
    assert f'name="rating_{items[0].key}" value="2" class="form-check-input"' in html
    assert 'name="revision" value="1"' in html

    accepted = post(me, section_url(started), items, value="2", revision=1)
    assert accepted.status_code == 302
    assert ItemRating.objects.get(assessment=started, item=items[0]).value == 2


def test_pressing_save_twice_is_not_mistaken_for_another_tab(me, started, first_section):
    _, items = first_section
    post(me, section_url(started), items, value="4", revision=0)
    again = post(me, section_url(started), items, value="4", revision=0)
    assert again.status_code == 302
    assert set(started.ratings.values_list("value", flat=True)) == {4}


def test_background_save_from_an_out_of_date_page_is_refused(me, started, first_section):
    section, items = first_section
    questionnaire.save_section(started, section, {}, resume_at=0, revision=0)
    response = post(me, autosave_url(started), items, value="3", revision=0)
    assert response.status_code == 409
    assert "Reload this page" in response.json()["error"]
    assert not started.ratings.exists()


def test_background_save_after_submitting_is_refused(
    me, therapist, published_version, first_section
):
    _, items = first_section
    assessment = factories.filled_assessment(therapist, published_version)
    response = post(me, autosave_url(assessment), items, value="1", revision=None)
    assert response.status_code == 409
    assert "submitted" in response.json()["error"]
    assert set(assessment.ratings.values_list("value", flat=True)) == {3}
