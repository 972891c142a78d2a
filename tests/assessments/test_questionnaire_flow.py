"""Filling in the self-assessment as a therapist does: start, answer each section, stop and come
back, check the answers and submit, and who else may (not) open it."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape, strip_tags
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import Role
from assessments import questionnaire
from assessments.models import ItemRating, SelfAssessment
from tests import factories
from tests.conftest import profile_url, review_url, section_url

START_URL = "/self-assessment/"
MY_TRAINING_URL = "/my-training/"
SECTION_ERROR = "Choose a rating from 1 to 5, or not applicable."
COMMENT_WITHOUT_RATING = "Choose a rating, or not applicable, to go with your comment."
COMMENT_TOO_LONG = "Keep the comment to 2,000 characters or fewer (it has 2001)."


def page_text(response) -> str:
    """What a reader sees: the page without its tags, spaces folded."""
    return " ".join(strip_tags(response.content.decode()).split())


def items_of(version, number):
    """The statements of the questionnaire's section `number` (1-based), in page order."""
    section = list(questionnaire.rated_sections(version))[number - 1]
    return list(section.items.order_by("order"))


def section_post(assessment, number, rating="4", action="next", **overrides):
    """What the section page sends: every statement rated `rating`, empty comments and the
    revision the page was built from (the assessment's latest); overrides are raw fields
    (rating_C1="na")."""
    items = items_of(assessment.version, number)
    data = {f"rating_{item.key}": rating for item in items}
    data.update({f"comment_{item.key}": "" for item in items})
    data["revision"] = SelfAssessment.objects.get(pk=assessment.pk).revision
    data.update(overrides)
    data["action"] = action
    return data


def save(client, assessment, number, rating="4", action="next", *, follow=False, **overrides):
    """Press a Save button on section `number` (see `section_post`)."""
    data = section_post(assessment, number, rating, action, **overrides)
    return client.post(section_url(assessment, number), data, follow=follow)


def checked_ratings(response) -> dict[str, str]:
    """The checked radio button of each rating on the page, by field name."""
    checked = {}
    for tag in re.findall(r"<input [^>]*>", response.content.decode()):
        if 'type="radio"' in tag and re.search(r"\schecked\b", tag):
            name = re.search(r'name="([^"]+)"', tag).group(1)
            checked[name] = re.search(r'value="([^"]*)"', tag).group(1)
    return checked


def textarea_text(response, name) -> str:
    match = re.search(
        rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1))


def submit_answers(client, assessment, *, share=False, follow=False):
    """Press "Submit" on the review page, sending what the browser's form sends: the CSRF
    token, and the sharing box only when it is ticked."""
    page = client.get(review_url(assessment)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"csrfmiddlewaretoken": token}
    if share:
        data["shares_sensitive"] = "on"
    return client.post(review_url(assessment), data, follow=follow)


def ratings_of(assessment) -> dict[str, int | None]:
    return dict(assessment.ratings.values_list("item__key", "value"))


@pytest.fixture
def me(sign_in, therapist):
    return sign_in(therapist)


@pytest.fixture
def section_count(published_version):
    return questionnaire.rated_sections(published_version).count()


@pytest.fixture
def started(me, therapist, published_version):
    """The therapist's open baseline, started through the start page."""
    me.post(START_URL)
    return SelfAssessment.objects.get(therapist=therapist)


@pytest.fixture
def answered(therapist, published_version):
    """Every statement answered (S1 not applicable, the rest 4), not yet submitted."""
    return factories.filled_assessment(therapist, published_version, 4, {"S1": None}, submit=False)


@pytest.fixture
def submitted(me, answered):
    submit_answers(me, answered)
    answered.refresh_from_db()
    return answered


# Starting


def test_start_page_shows_the_guidance(me, published_version):
    response = me.get(START_URL)
    assertContains(response, "Before you start")
    assertContains(response, "Submitting locks this self-assessment.")


def test_start_page_offers_start_now(me, published_version):
    assertContains(me.get(START_URL), "Start now")


def test_start_page_lists_the_ten_questionnaire_sections(me, published_version, section_count):
    assert section_count == 10
    assertContains(me.get(START_URL), f"There are {section_count} sections.")


def test_starting_creates_a_baseline_and_opens_section_one(me, therapist, published_version):
    response = me.post(START_URL)
    assessment = SelfAssessment.objects.get(therapist=therapist)
    assert (assessment.cycle, assessment.status) == (0, SelfAssessment.Status.IN_PROGRESS)
    assertRedirects(response, section_url(assessment, 1))


def test_starting_again_in_another_tab_resumes_the_same_assessment(
    me, therapist, published_version
):
    me.post(START_URL)
    response = me.post(START_URL)
    assessment = SelfAssessment.objects.get(therapist=therapist)
    assert SelfAssessment.objects.filter(therapist=therapist).count() == 1
    assertRedirects(response, section_url(assessment, 1))


# A section page


def test_section_page_says_which_section_of_how_many(me, started, section_count):
    assertContains(me.get(section_url(started, 1)), f"Section 1 of {section_count}")


def test_section_page_shows_how_much_is_answered(me, started):
    assert "0 % answered" in page_text(me.get(section_url(started, 1)))


def test_section_page_shows_every_target_statement(me, started, published_version):
    response = me.get(section_url(started, 1))
    for item in items_of(published_version, 1):
        assertContains(response, escape(item.target_text))


@pytest.mark.parametrize(
    "label",
    [
        "1 Strongly disagree",
        "2 Disagree",
        "3 Neither agree nor disagree",
        "4 Agree",
        "5 Strongly agree",
        "Not applicable",
    ],
)
def test_section_page_offers_each_rating_for_every_statement(me, started, published_version, label):
    count = len(items_of(published_version, 1))
    page = me.get(section_url(started, 1)).content.decode()
    labels = [
        " ".join(strip_tags(text).split())
        for text in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    ]
    assert labels.count(label) == count


def test_unknown_section_number_is_not_found(me, started, section_count):
    assert me.get(section_url(started, section_count + 1)).status_code == 404


def test_section_zero_is_not_found(me, started):
    assert me.get(section_url(started, 0)).status_code == 404


# Saving a section


def test_section_page_carries_the_revision_it_was_built_from(me, started):
    SelfAssessment.objects.filter(pk=started.pk).update(revision=7)
    assertContains(me.get(section_url(started, 1)), 'name="revision" value="7"')


def test_saving_section_one_stores_a_rating_for_every_statement(me, started, published_version):
    save(me, started, 1, "4")
    assert ratings_of(started) == {item.key: 4 for item in items_of(published_version, 1)}


def test_not_applicable_is_stored_as_no_value_never_zero(me, started):
    save(me, started, 1, "4", rating_C1="na")
    assert started.ratings.get(item__key="C1").value is None
    assert not ItemRating.objects.filter(value=0).exists()


def test_comment_is_saved_with_its_rating(me, started):
    save(me, started, 1, comment_C2="  Need more practice  ")
    assert started.ratings.get(item__key="C2").comment == "Need more practice"


def test_save_and_continue_opens_the_next_section(me, started):
    assertRedirects(save(me, started, 1), section_url(started, 2))


def test_save_and_continue_moves_the_resume_point_on(me, started):
    save(me, started, 1)
    started.refresh_from_db()
    assert started.resume_section == 1


def test_saved_answers_are_checked_when_the_section_is_opened_again(me, started, published_version):
    save(me, started, 1, "2", rating_C1="na", rating_C3="5")
    expected = {f"rating_{item.key}": "2" for item in items_of(published_version, 1)} | {
        "rating_C1": "na",
        "rating_C3": "5",
    }
    assert checked_ratings(me.get(section_url(started, 1))) == expected


def test_saved_comment_is_shown_when_the_section_is_opened_again(me, started):
    save(me, started, 1, comment_C4="Ask about SCID-5")
    assert textarea_text(me.get(section_url(started, 1)), "comment_C4") == "Ask about SCID-5"


def test_progress_counts_the_saved_answers(me, started, published_version):
    save(me, started, 1)
    answered = len(items_of(published_version, 1))
    total = started.version.items.exclude(section__kind="outcomes").count()
    assert f"({answered} of {total} statements)" in page_text(me.get(section_url(started, 2)))


def test_save_and_finish_later_returns_to_my_training(me, started):
    assertRedirects(save(me, started, 3, action="later"), MY_TRAINING_URL)


def test_save_and_finish_later_says_the_answers_are_saved(me, started):
    response = save(me, started, 3, action="later", follow=True)
    assertContains(response, "Your answers are saved. Continue whenever you are ready.")


def test_save_and_finish_later_keeps_the_answers(me, started, published_version):
    save(me, started, 3, "5", action="later")
    assert ratings_of(started) == {item.key: 5 for item in items_of(published_version, 3)}


def test_start_page_offers_to_continue_an_open_assessment(me, started):
    save(me, started, 3, action="later")
    response = me.get(START_URL)
    assertContains(response, "Continue where you stopped")
    assertNotContains(response, "Start now")


def test_continuing_resumes_at_the_section_where_they_stopped(me, started):
    save(me, started, 3, action="later")
    assertRedirects(me.post(START_URL), section_url(started, 3))


def test_save_and_go_back_opens_the_previous_section(me, started):
    assertRedirects(save(me, started, 2, action="previous"), section_url(started, 1))


def test_save_and_go_back_saves_the_answers(me, started, published_version):
    save(me, started, 2, "1", action="previous")
    assert ratings_of(started) == {item.key: 1 for item in items_of(published_version, 2)}


def test_section_one_has_no_go_back_button(me, started):
    assertNotContains(me.get(section_url(started, 1)), 'value="previous"')


def test_save_and_continue_on_the_last_section_opens_the_review(me, started, section_count):
    assertRedirects(save(me, started, section_count), review_url(started))


def test_ticking_clear_leaves_the_statement_unanswered(me, started):
    save(me, started, 1, "4")
    response = save(me, started, 1, "4", clear_C2="on")
    assert response.status_code == 302
    assert not started.ratings.filter(item__key="C2").exists()


def test_changing_an_answer_updates_the_saved_rating(me, started):
    save(me, started, 1, "4")
    save(me, started, 1, "4", rating_C2="1")
    assert started.ratings.get(item__key="C2").value == 1


# Mistakes in a section


@pytest.fixture
def invalid_rating(me, started):
    """Section 1 posted with C1 rated "7", C2 rated 2 with a comment, the rest 4."""
    return save(me, started, 1, "4", rating_C1="7", rating_C2="2", comment_C2="Hard with <clients>")


def test_invalid_rating_shows_the_page_again_as_a_bad_request(invalid_rating):
    assert invalid_rating.status_code == 400


def test_invalid_rating_shows_an_error_summary(invalid_rating):
    assertContains(invalid_rating, "There is a problem", status_code=400)


def test_invalid_rating_names_the_statement_and_the_problem(invalid_rating):
    assertContains(invalid_rating, f"C1: {SECTION_ERROR}", status_code=400)
    assertContains(
        invalid_rating,
        f'<p class="text-danger mb-1" id="error-C1">{SECTION_ERROR}</p>',
        status_code=400,
    )


def test_invalid_rating_keeps_the_other_ratings_typed(invalid_rating):
    checked = checked_ratings(invalid_rating)
    assert checked["rating_C2"] == "2"
    assert checked["rating_C3"] == "4"
    assert "rating_C1" not in checked


def test_invalid_rating_keeps_the_comments_typed(invalid_rating):
    assert textarea_text(invalid_rating, "comment_C2") == "Hard with <clients>"


def test_invalid_rating_saves_nothing_in_the_section(invalid_rating, started):
    started.refresh_from_db()
    assert not started.ratings.exists()
    assert started.resume_section == 0


@pytest.fixture
def comment_without_rating(me, started):
    """Section 1 posted with C5 commented on but not rated, the rest 4."""
    data = section_post(started, 1, "4", comment_C5="I am not sure")
    del data["rating_C5"]
    return me.post(section_url(started, 1), data)


def test_comment_without_a_rating_is_an_error(comment_without_rating, started):
    assertContains(comment_without_rating, COMMENT_WITHOUT_RATING, status_code=400)
    assert not started.ratings.exists()


def test_comment_without_a_rating_keeps_the_comment(comment_without_rating):
    assert textarea_text(comment_without_rating, "comment_C5") == "I am not sure"


def test_every_comment_box_stops_typing_at_2000_characters(me, started, published_version):
    count = len(items_of(published_version, 1))
    assertContains(me.get(section_url(started, 1)), 'maxlength="2000"', count=count)


def test_comment_over_2000_characters_says_how_long_it_may_be(me, started):
    response = save(me, started, 1, comment_C6="x" * 2001)
    assertContains(response, f"C6 comment: {COMMENT_TOO_LONG}", status_code=400)


def test_comment_over_2000_characters_is_kept_on_the_page(me, started):
    response = save(me, started, 1, comment_C6="x" * 2001)
    assert textarea_text(response, "comment_C6") == "x" * 2001


def test_comment_over_2000_characters_saves_nothing(me, started):
    save(me, started, 1, comment_C6="x" * 2001)
    assert not started.ratings.exists()


def test_comment_of_2000_characters_is_saved(me, started):
    save(me, started, 1, comment_C6="x" * 2000)
    assert started.ratings.get(item__key="C6").comment == "x" * 2000


def test_line_breaks_count_once_as_in_the_comment_box(me, started):
    """The browser counts a line break as one character against maxlength but sends two
    (CR LF), so a comment typed up to the limit must still fit."""
    sent = "\r\n".join(["x" * 99] * 20)  # 1,999 characters in the box, 2,018 as sent
    save(me, started, 1, comment_C6=sent)
    assert started.ratings.get(item__key="C6").comment == sent.replace("\r\n", "\n")


# Checking the answers


def test_review_lists_every_section_with_a_change_link(
    me, started, published_version, section_count
):
    response = me.get(review_url(started))
    for number, section in enumerate(questionnaire.rated_sections(published_version), start=1):
        assertContains(response, escape(section.title))
        assertContains(response, f'href="{section_url(started, number)}">Change')
    assertContains(response, ">Change<", count=section_count)


def test_review_shows_not_answered_for_each_unanswered_statement(me, started, published_version):
    items = items_of(published_version, 1)
    save(me, started, 1)
    total = started.version.items.exclude(section__kind="outcomes").count()
    assertContains(me.get(review_url(started)), "Not answered", count=total - len(items))


def test_review_says_how_many_statements_still_need_an_answer(me, started):
    total = started.version.items.exclude(section__kind="outcomes").count()
    assertContains(me.get(review_url(started)), f"{total} statements still need an answer")


def test_review_disables_submit_while_statements_are_unanswered(me, started):
    assertContains(
        me.get(review_url(started)),
        '<button type="submit" class="btn btn-primary" disabled>',
    )


def test_submitting_with_unanswered_statements_is_refused(me, started):
    response = submit_answers(me, started)
    assert response.status_code == 400
    started.refresh_from_db()
    assert (started.status, started.submitted_at) == (SelfAssessment.Status.IN_PROGRESS, None)


def test_review_shows_each_answer(me, answered):
    response = me.get(review_url(answered))
    assertContains(response, "4 Agree")
    assertNotContains(response, "Not answered")


def test_review_shows_not_applicable_answers(me, answered):
    assertContains(me.get(review_url(answered)), "Not applicable", count=1)


def test_review_enables_submit_once_everything_is_answered(me, answered):
    assertContains(
        me.get(review_url(answered)), '<button type="submit" class="btn btn-primary">Submit'
    )


# Submitting


def test_submitting_locks_the_assessment(me, answered):
    submit_answers(me, answered)
    answered.refresh_from_db()
    assert answered.status == SelfAssessment.Status.SUBMITTED
    assert answered.submitted_at is not None


def test_submitting_opens_the_profile_with_a_success_message(me, therapist, answered):
    response = submit_answers(me, answered, follow=True)
    assertRedirects(response, profile_url(therapist))
    assertContains(response, "Your self-assessment is submitted.")


def test_submitting_without_the_box_ticked_keeps_private_answers_private(me, answered):
    submit_answers(me, answered)
    answered.refresh_from_db()
    assert (answered.status, answered.shares_sensitive) == (SelfAssessment.Status.SUBMITTED, False)


def test_submit_post_without_any_form_fields_still_submits(me, answered):
    """An unticked box is not sent, so the POST body can be empty (e.g. a client that sends
    the CSRF token as a header). Exposes the `SubmitForm(request.POST or None)` bug."""
    me.post(review_url(answered))
    answered.refresh_from_db()
    assert answered.status == SelfAssessment.Status.SUBMITTED


def test_submitting_with_the_box_ticked_shares_private_answers(me, answered):
    submit_answers(me, answered, share=True)
    answered.refresh_from_db()
    assert (answered.status, answered.shares_sensitive) == (SelfAssessment.Status.SUBMITTED, True)


# After submitting


def test_submitted_section_page_redirects_to_the_profile(me, therapist, submitted):
    assertRedirects(me.get(section_url(submitted, 1)), profile_url(therapist))


def test_submitted_section_page_says_it_can_no_longer_change(me, submitted):
    response = me.get(section_url(submitted, 1), follow=True)
    assertContains(response, "This self-assessment has been submitted and can no longer change.")


def test_posting_to_a_submitted_section_changes_nothing(
    me, therapist, submitted, published_version
):
    before = ratings_of(submitted)
    response = save(me, submitted, 1, "1")
    assertRedirects(response, profile_url(therapist))
    assert ratings_of(submitted) == before


def test_submitted_review_page_redirects_to_the_profile(me, therapist, submitted):
    assertRedirects(me.get(review_url(submitted)), profile_url(therapist))


def test_second_submit_click_creates_nothing_and_does_not_fail(me, therapist, submitted):
    first_submitted_at = submitted.submitted_at
    response = me.post(review_url(submitted))
    assertRedirects(response, profile_url(therapist))
    submitted.refresh_from_db()
    assert submitted.submitted_at == first_submitted_at
    assert SelfAssessment.objects.filter(therapist=therapist).count() == 1


def test_start_page_shows_the_next_due_date_after_submitting(me, submitted):
    assertContains(me.get(START_URL), "Your next reassessment is due on")


def test_start_page_has_no_start_button_before_the_next_due_date(me, submitted):
    assertNotContains(me.get(START_URL), "Start now")


def test_starting_before_the_next_due_date_creates_nothing(me, therapist, submitted):
    response = me.post(START_URL, follow=True)
    assertRedirects(response, START_URL)
    assertContains(response, "Your next reassessment is due on")
    assert SelfAssessment.objects.filter(therapist=therapist).count() == 1


def test_starting_when_due_again_creates_the_first_reassessment(me, therapist, submitted):
    SelfAssessment.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=100)
    )
    response = me.post(START_URL)
    reassessment = SelfAssessment.objects.get(
        therapist=therapist, status=SelfAssessment.Status.IN_PROGRESS
    )
    assert reassessment.cycle == 1
    assertRedirects(response, section_url(reassessment, 1))


def test_reassessment_section_page_says_reassessment_1(me, therapist, submitted):
    SelfAssessment.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=100)
    )
    response = me.post(START_URL, follow=True)
    assertContains(response, "Reassessment 1")


def test_reassessment_starts_with_no_answers(me, therapist, submitted):
    SelfAssessment.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=100)
    )
    response = me.post(START_URL, follow=True)
    assert "0 % answered" in page_text(response)
    assert checked_ratings(response) == {}


# Who may open a therapist's questionnaire


@pytest.fixture
def other_therapist(team):
    return factories.therapist(team=team)


@pytest.mark.parametrize("viewer", ["other_therapist", "supervisor", "lead", "admin_user"])
def test_nobody_else_can_open_a_therapists_section(client, request, started, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(section_url(started, 1)).status_code == 404


@pytest.mark.parametrize("viewer", ["other_therapist", "supervisor", "lead", "admin_user"])
def test_nobody_else_can_save_a_therapists_section(
    client, request, started, published_version, viewer
):
    client.force_login(request.getfixturevalue(viewer))
    response = save(client, started, 1)
    assert response.status_code == 404
    assert not started.ratings.exists()


@pytest.mark.parametrize("viewer", ["other_therapist", "supervisor", "lead", "admin_user"])
def test_nobody_else_can_open_a_therapists_review(client, request, started, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(review_url(started)).status_code == 404


@pytest.mark.parametrize("viewer", ["other_therapist", "supervisor", "lead", "admin_user"])
def test_nobody_else_can_submit_a_therapists_assessment(client, request, answered, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.post(review_url(answered)).status_code == 404
    answered.refresh_from_db()
    assert answered.status == SelfAssessment.Status.IN_PROGRESS


def test_supervisor_who_is_not_a_therapist_may_not_start_a_self_assessment(
    client, supervisor, published_version
):
    client.force_login(supervisor)
    assert client.get(START_URL).status_code == 403


def test_supervisor_who_also_sees_clients_may_start_a_self_assessment(
    client, team, published_version
):
    person = factories.therapist(team=team)
    factories.MembershipFactory(user=person, service=team.service, team=None, role=Role.SUPERVISOR)
    client.force_login(person)
    assertContains(client.get(START_URL), "Start now")


@pytest.mark.parametrize("page", ["start", "section", "review"])
def test_anonymous_visitor_is_sent_to_sign_in(client, therapist, published_version, page):
    assessment = questionnaire.start_or_resume(therapist, published_version)
    url = {
        "start": START_URL,
        "section": section_url(assessment, 1),
        "review": review_url(assessment),
    }[page]
    assertRedirects(client.get(url), f"/accounts/login/?next={url}")


# The services and the database refuse duplicates


def test_submitting_twice_submits_once(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    first = questionnaire.submit(assessment, shares_sensitive=False)
    second = questionnaire.submit(assessment, shares_sensitive=True)
    assert (first, second) == (True, False)
    assert (
        SelfAssessment.objects.filter(
            therapist=therapist, status=SelfAssessment.Status.SUBMITTED
        ).count()
        == 1
    )


def test_a_repeated_submit_does_not_change_the_sharing_choice(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    questionnaire.submit(assessment, shares_sensitive=False)
    questionnaire.submit(assessment, shares_sensitive=True)
    assessment.refresh_from_db()
    assert assessment.shares_sensitive is False


def test_submit_refuses_an_incomplete_assessment(therapist, published_version):
    assessment = questionnaire.start_or_resume(therapist, published_version)
    with pytest.raises(questionnaire.IncompleteAssessment) as raised:
        questionnaire.submit(assessment, shares_sensitive=False)
    assert (
        len(raised.value.missing)
        == published_version.items.exclude(section__kind="outcomes").count()
    )


def test_save_section_refuses_a_submitted_assessment(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version)
    section = questionnaire.rated_sections(published_version).first()
    with pytest.raises(questionnaire.AssessmentLocked):
        questionnaire.save_section(
            assessment, section, {}, revision=assessment.revision, resume_at=0
        )
    assert assessment.ratings.filter(item__section=section).exists()


def test_database_refuses_a_second_assessment_in_progress(therapist, published_version):
    SelfAssessment.objects.create(therapist=therapist, version=published_version, cycle=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.create(therapist=therapist, version=published_version, cycle=1)


def test_database_refuses_a_second_assessment_in_the_same_cycle(therapist, published_version):
    factories.submitted_assessment(therapist, published_version, {}, cycle=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.create(therapist=therapist, version=published_version, cycle=0)


def test_database_refuses_a_rating_of_zero(therapist, published_version):
    assessment = questionnaire.start_or_resume(therapist, published_version)
    item = published_version.items.get(key="C1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemRating.objects.create(assessment=assessment, item=item, value=0)
