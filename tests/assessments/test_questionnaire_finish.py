"""What helps a therapist finish the questionnaire: how long it takes, where they are in each
section, the save status at the top, folded comments, and the way back to every unanswered
statement; and the pages that show it stay at a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from assessments import frameworks, queries, questionnaire
from assessments.models import ItemRating, SelfAssessment
from tests import factories
from tests.conftest import review_url, section_url

pytestmark = pytest.mark.django_db

START_URL = "/self-assessment/"
MY_TRAINING_URL = "/my-training/"
STEM = "How much do you agree with each statement? Think about your work now."

# Measured with one open assessment, the same with one answer or every answer (the budgets
# elsewhere: start page 8 in test_framework_per_service.py, My training 12 there).
START_PAGE_QUERIES = 7
SECTION_PAGE_QUERIES = 8  # tests/assessments/test_questionnaire_query_counts.py allows 9
MY_TRAINING_QUERIES = 11


def page_text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def items_of(version, number):
    section = list(questionnaire.rated_sections(version))[number - 1]
    return list(section.items.order_by("order"))


def save_section(client, assessment, number, action="next", **fields):
    """Press a Save button on section `number` with every statement rated 4."""
    data = {f"rating_{item.key}": "4" for item in items_of(assessment.version, number)}
    data["revision"] = SelfAssessment.objects.get(pk=assessment.pk).revision
    data["action"] = action
    data.update(fields)
    return client.post(section_url(assessment, number), data)


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


@pytest.fixture
def started(me, therapist, published_version):
    me.post(START_URL)
    return SelfAssessment.objects.get(therapist=therapist)


@pytest.fixture
def left_after_section_one(me, started):
    """Section 1 answered, then "Save and finish later"."""
    response = save_section(me, started, 1, action="later")
    assert response.status_code == 302
    return started


def section_row(response, number: int) -> str:
    """The text of the status row of section `number`."""
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)
    matching = [row for row in rows if re.search(rf">{number}\. ", row)]
    assert matching, f"no status row for section {number}"
    return " ".join(strip_tags(matching[0]).split())


# How long it takes


@pytest.mark.parametrize(
    ("statements", "minutes"), [(0, 0), (1, 5), (20, 5), (60, 15), (103, 25), (120, 30)]
)
def test_estimate_is_fifteen_seconds_a_statement_to_the_nearest_five_minutes(statements, minutes):
    assert queries.estimated_minutes(statements) == minutes


def test_start_page_says_about_how_long_the_questionnaire_takes(me, published_version):
    total = queries.rated_statement_count(published_version)
    minutes = queries.estimated_minutes(total)
    assertContains(me.get(START_URL), f"It takes about {minutes} minutes.")


def test_start_page_of_an_open_assessment_says_how_long_the_rest_takes(
    me, left_after_section_one, published_version
):
    left = queries.rated_statement_count(published_version) - len(items_of(published_version, 1))
    minutes = queries.estimated_minutes(left)
    assertContains(me.get(START_URL), f"About {minutes} minutes left to answer the rest.")


def test_section_page_says_how_long_the_unanswered_statements_take(
    me, left_after_section_one, published_version
):
    left = queries.rated_statement_count(published_version) - len(items_of(published_version, 1))
    minutes = queries.estimated_minutes(left)
    response = me.get(section_url(left_after_section_one, 2))
    assertContains(response, f"About {minutes} minutes left.")


# Where they are in each section, after leaving and coming back


def test_start_page_shows_the_answered_section_done_after_coming_back(
    me, left_after_section_one, published_version
):
    count = len(items_of(published_version, 1))
    row = section_row(me.get(START_URL), 1)
    assert f"Done {count} of {count}" in row


def test_start_page_shows_nothing_answered_in_the_next_section(
    me, left_after_section_one, published_version
):
    count = len(items_of(published_version, 2))
    row = section_row(me.get(START_URL), 2)
    assert row.endswith(f"0 of {count}")
    assert "Done" not in row


def test_start_page_links_each_section_of_the_open_assessment(
    me, left_after_section_one, published_version
):
    response = me.get(START_URL)
    for number in (1, 2):
        assertContains(response, f'href="{section_url(left_after_section_one, number)}"')


def test_my_training_shows_the_answered_section_done_after_coming_back(
    me, left_after_section_one, published_version
):
    count = len(items_of(published_version, 1))
    row = section_row(me.get(MY_TRAINING_URL), 1)
    assert f"Done {count} of {count}" in row


def test_my_training_shows_nothing_answered_in_the_next_section(
    me, left_after_section_one, published_version
):
    count = len(items_of(published_version, 2))
    row = section_row(me.get(MY_TRAINING_URL), 2)
    assert row.endswith(f"0 of {count}")
    assert "Done" not in row


def test_my_training_links_each_section_of_the_open_assessment(
    me, left_after_section_one, published_version
):
    response = me.get(MY_TRAINING_URL)
    for number in (1, 2):
        assertContains(response, f'href="{section_url(left_after_section_one, number)}"')


def test_my_training_shows_no_section_status_without_an_open_assessment(me, published_version):
    assertNotContains(me.get(MY_TRAINING_URL), "Your answers so far")


def test_section_progress_counts_only_this_assessments_answers(
    team, published_version, left_after_section_one
):
    factories.filled_assessment(factories.therapist(team=team), published_version, submit=False)
    progress = queries.section_progress(published_version, left_after_section_one)
    assert [(entry.answered, entry.done) for entry in progress[:2]] == [
        (progress[0].total, True),
        (0, False),
    ]


@pytest.fixture
def open_reassessment(therapist, published_version):
    """A submitted baseline, and the first reassessment started."""
    factories.filled_assessment(therapist, published_version)
    return questionnaire.start_or_resume(therapist, published_version)


def due_line(therapist) -> str:
    due_on = frameworks.assessment_choices(therapist)[0].status.due_on
    return f"It is due by {due_on:%-d %B %Y}."


def test_start_page_says_when_the_open_reassessment_is_due(me, therapist, open_reassessment):
    assertContains(me.get(START_URL), due_line(therapist))


def test_my_training_says_when_the_open_reassessment_is_due(me, therapist, open_reassessment):
    assertContains(me.get(MY_TRAINING_URL), due_line(therapist))


# The section page


def test_section_page_asks_how_much_they_agree_above_the_statements(me, started):
    page = me.get(section_url(started)).content.decode()
    assert page.index(STEM) < page.index("<fieldset")


def test_save_status_is_announced_at_the_top_of_the_section_page(me, started):
    page = me.get(section_url(started)).content.decode()
    status = re.search(r'<p class="autosave-status[^"]*" role="status" aria-live="polite">', page)
    assert status, "no status region"
    assert status.start() < page.index("questionnaire-form")


def test_section_page_has_one_status_region(me, started):
    page = me.get(section_url(started)).content.decode()
    assert page.count('role="status"') == 1


def test_comment_box_is_folded_when_there_is_no_comment(me, started):
    page = me.get(section_url(started)).content.decode()
    assert '<details class="rating-comment mt-2">\n      <summary>Add a comment on C1' in page


def test_comment_box_is_open_when_a_comment_is_saved(me, started, published_version):
    save_section(me, started, 1, comment_C1="Ask in supervision")
    page = me.get(section_url(started)).content.decode()
    assert '<details class="rating-comment mt-2" open>\n      <summary>Add a comment on C1' in page


def test_comment_box_is_open_when_its_comment_is_too_long(me, started):
    response = save_section(me, started, 1, comment_C2="x" * 2001)
    assert response.status_code == 400
    assertContains(response, '<details class="rating-comment mt-2" open>', count=1, status_code=400)


def test_not_applicable_is_apart_from_the_points_of_the_scale(me, started):
    page = me.get(section_url(started)).content.decode()
    scale = re.search(r'<div class="rating-scale">(.*?)</div></div>', page, re.S).group(1)
    points, not_applicable = scale.split('<div class="rating-na">')
    assert "Not applicable" not in points
    assert 'value="na"' in not_applicable


# The review page


def test_review_page_links_each_unanswered_statement_to_its_place(
    me, left_after_section_one, published_version
):
    response = me.get(review_url(left_after_section_one))
    for item in items_of(published_version, 2):
        url = f"{section_url(left_after_section_one, 2)}#fieldset-{item.key}"
        assertContains(response, f'href="{url}"', count=1)


def test_review_page_does_not_link_answered_statements_as_missing(
    me, left_after_section_one, published_version
):
    response = me.get(review_url(left_after_section_one))
    for item in items_of(published_version, 1):
        assertNotContains(response, f'#fieldset-{item.key}"')


def test_review_page_groups_the_unanswered_statements_by_section(
    me, left_after_section_one, published_version
):
    section = list(questionnaire.rated_sections(published_version))[1]
    assertContains(
        me.get(review_url(left_after_section_one)),
        f'<h3 class="h6 mb-1">2. {section.title}</h3>',
        html=True,
    )


# Query counts do not grow with answers


@pytest.fixture(params=["one answer", "every answer"])
def open_assessment(request, therapist, published_version):
    if request.param == "every answer":
        return factories.filled_assessment(therapist, published_version, submit=False)
    assessment = questionnaire.start_or_resume(therapist, published_version)
    item = items_of(published_version, 1)[0]
    ItemRating.objects.create(assessment=assessment, item=item, value=3)
    return assessment


def test_start_page_queries(me, open_assessment, django_assert_max_num_queries):
    with django_assert_max_num_queries(START_PAGE_QUERIES):
        assert me.get(START_URL).status_code == 200


def test_section_page_queries(me, open_assessment, django_assert_max_num_queries):
    with django_assert_max_num_queries(SECTION_PAGE_QUERIES):
        assert me.get(section_url(open_assessment, 2)).status_code == 200


def test_my_training_queries(me, open_assessment, django_assert_max_num_queries):
    with django_assert_max_num_queries(MY_TRAINING_QUERIES):
        assert me.get(MY_TRAINING_URL).status_code == 200
