"""The therapist's side of the review: the supervisor's comments on their plan, goals and
activities, replies in those threads (with and without htmx), what is refused, who may reply,
and the activity list's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.models import CpdActivity, CpdComment
from tests import factories
from tests.cpd import builders
from tests.cpd.builders import HTMX, NHS_NUMBER, comment_url, goal_of

pytestmark = pytest.mark.django_db

REPLY = reverse("cpd:reply_add")
PLAN = reverse("cpd:plan")
ACTIVITIES = reverse("cpd:activities")


def activity_of(therapist, **fields) -> CpdActivity:
    return builders.activity_of(therapist, **({"title": "Read a chapter on ruptures"} | fields))


@pytest.fixture
def plan(therapist):
    return services.current_plan(therapist)


@pytest.fixture
def commented_plan(sign_in, therapist, supervisor, plan):
    """The therapist's plan with a supervisor's comment on it."""
    sign_in(supervisor).post(comment_url(therapist), {"text": "A good start."})
    return plan


# Replying


def test_the_therapist_replies_on_the_plan_and_is_sent_back_to_it(
    sign_in, therapist, commented_plan
):
    response = sign_in(therapist).post(REPLY, {"plan": commented_plan.pk, "text": "Thank you."})
    assert response.status_code == 302
    assert response["Location"] == f"{PLAN}#comments-plan"
    reply = CpdComment.objects.get(author=therapist)
    assert (reply.plan, reply.goal, reply.activity, reply.text) == (
        commented_plan,
        None,
        None,
        "Thank you.",
    )


def test_the_therapist_is_told_the_reply_was_sent(sign_in, therapist, commented_plan):
    response = sign_in(therapist).post(
        REPLY, {"plan": commented_plan.pk, "text": "Thank you."}, follow=True
    )
    assert "Your reply was sent." in response.content.decode()


def test_the_supervisor_sees_the_reply_in_the_same_thread(
    sign_in, therapist, supervisor, commented_plan
):
    sign_in(therapist).post(REPLY, {"plan": commented_plan.pk, "text": "Thank you."})
    page = sign_in(supervisor).get(reverse("cpd:supervisee_plan", args=[therapist.pk]))
    thread = page.content.decode().split('id="comments-plan"')[1].split("</ul>")[0]
    assert thread.index("A good start.") < thread.index("Thank you.")
    assert f"{therapist} (reply)" in thread


def test_the_therapist_replies_on_a_goal(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    sign_in(supervisor).post(comment_url(therapist), {"text": "Try chapter 3.", "goal": goal.pk})
    response = sign_in(therapist).post(REPLY, {"goal": goal.pk, "text": "I will."})
    assert response["Location"] == f"{PLAN}#comments-{goal.pk}"
    assert CpdComment.objects.get(author=therapist).goal == goal


def test_the_therapist_replies_on_an_activity_and_is_sent_back_to_it(
    sign_in, therapist, supervisor
):
    activity = activity_of(therapist)
    sign_in(supervisor).post(comment_url(therapist), {"text": "Good.", "activity": activity.pk})
    response = sign_in(therapist).post(REPLY, {"activity": activity.pk, "text": "Thanks."})
    assert response["Location"] == f"{ACTIVITIES}?page=1#comments-activity-{activity.pk}"
    assert CpdComment.objects.get(author=therapist).activity == activity


def test_a_reply_on_an_older_activity_goes_back_to_the_page_that_lists_it(
    sign_in, therapist, supervisor
):
    older = activity_of(therapist, done_on=timezone.localdate() - datetime.timedelta(days=1))
    for n in range(20):
        activity_of(therapist, title=f"Newer {n}")
    sign_in(supervisor).post(comment_url(therapist), {"text": "Good.", "activity": older.pk})
    response = sign_in(therapist).post(REPLY, {"activity": older.pk, "text": "Thanks."})
    assert response["Location"] == f"{ACTIVITIES}?page=2#comments-activity-{older.pk}"


def test_the_therapist_sees_a_reply_form_under_a_commented_activity_only(
    sign_in, therapist, supervisor
):
    commented = activity_of(therapist, title="Commented")
    quiet = activity_of(therapist, title="Quiet")
    sign_in(supervisor).post(comment_url(therapist), {"text": "Good.", "activity": commented.pk})
    page = sign_in(therapist).get(ACTIVITIES).content.decode()
    assert f'name="activity" value="{commented.pk}"' in page
    assert f'name="activity" value="{quiet.pk}"' not in page
    assert page.count("Send your reply") == 1


def test_the_therapist_sees_a_reply_form_under_the_plans_comments(
    sign_in, therapist, commented_plan
):
    page = sign_in(therapist).get(PLAN).content.decode()
    thread = page.split('id="comments-plan"')[1]
    assert f'action="{REPLY}"' in thread
    assert f'name="plan" value="{commented_plan.pk}"' in thread


def test_a_reply_sent_twice_is_stored_once(sign_in, therapist, commented_plan):
    client = sign_in(therapist)
    client.post(REPLY, {"plan": commented_plan.pk, "text": "Thank you."})
    client.post(REPLY, {"plan": commented_plan.pk, "text": "Thank you."})
    assert CpdComment.objects.filter(author=therapist).count() == 1


def test_with_htmx_the_thread_is_swapped_with_the_reply(sign_in, therapist, commented_plan):
    response = sign_in(therapist).post(
        REPLY, {"plan": commented_plan.pk, "text": "Thank you."}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "cpd/includes/comments.html"
    assert page.lstrip().startswith('<div id="comments-plan"')
    assert "A good start." in page
    assert "Thank you." in page
    assert "Your reply was sent." in page
    assert "<html" not in page


# Refused input


def test_a_reply_with_an_nhs_number_is_refused_and_kept_as_typed(
    sign_in, therapist, commented_plan
):
    text = f"About client {NHS_NUMBER}"
    response = sign_in(therapist).post(REPLY, {"plan": commented_plan.pk, "text": text})
    page = response.content.decode()
    assert response.status_code == 200
    assert "looks like an NHS number" in page
    assert 'aria-describedby="comment-text-plan-error"' in page
    assert f">{text}</textarea>" in page
    assert not CpdComment.objects.filter(author=therapist).exists()


def test_a_refused_reply_page_keeps_the_thread_to_send_it_again(sign_in, therapist, commented_plan):
    response = sign_in(therapist).post(REPLY, {"plan": commented_plan.pk, "text": " "})
    page = response.content.decode()
    assert "Write your comment." in page
    assert "A good start." in page
    assert f'name="plan" value="{commented_plan.pk}"' in page


def test_with_htmx_a_refused_reply_comes_back_in_the_swapped_form(
    sign_in, therapist, commented_plan
):
    text = f"About client {NHS_NUMBER}"
    response = sign_in(therapist).post(REPLY, {"plan": commented_plan.pk, "text": text}, **HTMX)
    page = response.content.decode()
    assert response.templates[0].name == "cpd/includes/comments.html"
    assert "looks like an NHS number" in page
    assert f">{text}</textarea>" in page


# Who may reply, and where


def test_a_therapist_cannot_reply_on_another_therapists_plan(
    sign_in, therapist, team, commented_plan
):
    colleague = factories.therapist(team=team)
    services.current_plan(colleague)
    response = sign_in(colleague).post(REPLY, {"plan": commented_plan.pk, "text": "Hi"})
    assert response.status_code == 404
    assert not CpdComment.objects.filter(author=colleague).exists()


def test_a_therapist_cannot_reply_on_another_therapists_goal(sign_in, therapist, supervisor, team):
    goal = goal_of(therapist)
    sign_in(supervisor).post(comment_url(therapist), {"text": "Try chapter 3.", "goal": goal.pk})
    colleague = factories.therapist(team=team)
    services.current_plan(colleague)
    response = sign_in(colleague).post(REPLY, {"goal": goal.pk, "text": "Hi"})
    assert response.status_code == 404


def test_a_therapist_cannot_reply_on_another_therapists_activity(
    sign_in, therapist, supervisor, team
):
    activity = activity_of(therapist)
    sign_in(supervisor).post(comment_url(therapist), {"text": "Good.", "activity": activity.pk})
    colleague = factories.therapist(team=team)
    services.current_plan(colleague)
    response = sign_in(colleague).post(REPLY, {"activity": activity.pk, "text": "Hi"})
    assert response.status_code == 404


def test_a_thread_no_supervisor_commented_in_takes_no_reply(sign_in, therapist, plan):
    response = sign_in(therapist).post(REPLY, {"plan": plan.pk, "text": "Hello?"})
    assert response.status_code == 404
    assert not CpdComment.objects.exists()


def test_a_reply_only_starts_no_thread_on_another_goal(sign_in, therapist, commented_plan):
    goal = goal_of(therapist)
    response = sign_in(therapist).post(REPLY, {"goal": goal.pk, "text": "Hello?"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "fields",
    [{}, {"plan": "abc"}, {"plan": "0"}, {"goal": "99999999999999999999999"}, "both"],
    ids=["nothing", "not-a-number", "zero", "too-large", "plan-and-goal"],
)
def test_a_reply_to_no_single_thread_is_not_found(sign_in, therapist, commented_plan, fields):
    if fields == "both":
        fields = {"plan": commented_plan.pk, "goal": goal_of(therapist).pk}
    response = sign_in(therapist).post(REPLY, {"text": "Hi", **fields})
    assert response.status_code == 404


def test_a_supervisor_cannot_reply_through_the_therapists_form(
    sign_in, therapist, supervisor, commented_plan
):
    response = sign_in(supervisor).post(REPLY, {"plan": commented_plan.pk, "text": "Hi"})
    assert response.status_code == 404


def test_reading_the_reply_url_is_not_allowed(sign_in, therapist, commented_plan):
    assert sign_in(therapist).get(REPLY).status_code == 405


def test_an_anonymous_visitor_is_sent_to_sign_in_to_reply(client, commented_plan):
    client.logout()  # the fixture commented as the supervisor
    response = client.post(REPLY, {"plan": commented_plan.pk, "text": "Hi"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Query count


@pytest.mark.parametrize("count", [1, 8])
def test_the_activity_list_with_comments_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, count
):
    for n in range(count):
        activity = activity_of(therapist, title=f"Activity {n}")
        sign_in(supervisor).post(
            comment_url(therapist), {"text": f"Comment {n}", "activity": activity.pk}
        )
        sign_in(therapist).post(REPLY, {"activity": activity.pk, "text": f"Reply {n}"})
    client = sign_in(therapist)
    with django_assert_max_num_queries(11):
        response = client.get(ACTIVITIES)
    assert f"Reply {count - 1}" in response.content.decode()
