"""The supervisor's review of a supervisee's CPD plan: comments on the plan or on a goal (with
and without htmx), who may comment, what is refused, and where the comments show."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from cpd import services
from cpd.models import CpdComment
from tests import factories
from tests.cpd.builders import HTMX, NHS_NUMBER, comment_url, goal_of, plan_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(therapist):
    return services.current_plan(therapist)


# Commenting


def test_a_supervisor_comments_on_the_plan_and_is_sent_back_to_it(
    sign_in, therapist, supervisor, plan
):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "A good start."})
    assert response.status_code == 302
    assert response["Location"] == f"{plan_page(therapist)}#comments-plan"
    comment = CpdComment.objects.get()
    assert (comment.plan, comment.goal, comment.author, comment.text) == (
        plan,
        None,
        supervisor,
        "A good start.",
    )


def test_a_supervisor_comments_on_a_goal(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Try chapter 3.", "goal": goal.pk}
    )
    assert response["Location"].endswith(f"#comments-{goal.pk}")
    assert CpdComment.objects.get().goal == goal


def test_a_comment_sent_twice_is_stored_once(sign_in, therapist, supervisor, plan):
    client = sign_in(supervisor)
    client.post(comment_url(therapist), {"text": "A good start."})
    client.post(comment_url(therapist), {"text": "A good start."})
    assert CpdComment.objects.count() == 1


def test_with_htmx_the_list_of_comments_is_swapped(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Try chapter 3.", "goal": goal.pk}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "cpd/includes/comments.html"
    assert f'id="comments-{goal.pk}"' in page
    assert "Try chapter 3." in page
    assert "Your comment was added." in page
    assert "<html" not in page


# Refused input


def test_an_empty_comment_is_refused_beside_the_field(sign_in, therapist, supervisor, plan):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "   "})
    assert response.status_code == 200
    assert "Write your comment." in response.content.decode()
    assert not CpdComment.objects.exists()


def test_a_comment_with_an_nhs_number_is_refused_and_kept_as_typed(
    sign_in, therapist, supervisor, plan
):
    text = f"About client {NHS_NUMBER}"
    response = sign_in(supervisor).post(comment_url(therapist), {"text": text})
    page = response.content.decode()
    assert "looks like an NHS number" in page
    assert text in page
    assert not CpdComment.objects.exists()


def test_a_comment_longer_than_2000_characters_is_refused(sign_in, therapist, supervisor, plan):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "a" * 2001})
    assert "Keep it to 2000 characters" in response.content.decode()
    assert not CpdComment.objects.exists()


def test_with_htmx_a_refused_comment_comes_back_in_the_swapped_form(
    sign_in, therapist, supervisor, plan
):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": ""}, **HTMX)
    assert response.templates[0].name == "cpd/includes/comments.html"
    assert "Write your comment." in response.content.decode()


def test_a_goal_of_another_therapists_plan_is_not_found(sign_in, therapist, supervisor, team):
    services.current_plan(therapist)
    other = goal_of(factories.therapist(team=team))
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "Hello", "goal": other.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("goal", ["abc", "0", "99999999999999999999999"])
def test_a_goal_id_that_is_no_goal_is_not_found(sign_in, therapist, supervisor, plan, goal):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "Hi", "goal": goal})
    assert response.status_code == 404


def test_a_goal_about_a_private_statement_not_shared_is_not_found(
    sign_in, therapist, supervisor, assessed
):
    private = assessed.version.items.get(key="M11")
    goal = goal_of(therapist, measure="target_rating", target_rating=3, outcome="", items=[private])
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "Hi", "goal": goal.pk})
    assert response.status_code == 404


def test_without_a_plan_this_year_there_is_nothing_to_comment_on(sign_in, therapist, supervisor):
    response = sign_in(supervisor).post(comment_url(therapist), {"text": "Hi"})
    assert response.status_code == 404
    assert not therapist.cpd_plans.exists()


def test_reading_the_comment_url_is_not_allowed(sign_in, therapist, supervisor, plan):
    assert sign_in(supervisor).get(comment_url(therapist)).status_code == 405


# Who may comment


def test_the_therapist_cannot_comment_through_the_supervisors_form(sign_in, therapist, plan):
    assert sign_in(therapist).post(comment_url(therapist), {"text": "Hi"}).status_code == 404


def test_a_former_supervisor_cannot_comment(sign_in, therapist, team, plan):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert sign_in(former).post(comment_url(therapist), {"text": "Hi"}).status_code == 404


def test_another_supervisor_cannot_comment(sign_in, therapist, service, plan):
    other = factories.supervisor(service=service)
    assert sign_in(other).post(comment_url(therapist), {"text": "Hi"}).status_code == 404


def test_the_service_lead_cannot_comment(sign_in, therapist, lead, plan):
    assert sign_in(lead).post(comment_url(therapist), {"text": "Hi"}).status_code == 404
    assert not CpdComment.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, therapist, plan):
    response = client.post(comment_url(therapist), {"text": "Hi"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Where comments show


def test_the_supervisor_sees_comments_on_the_plan_and_goals(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    client = sign_in(supervisor)
    client.post(comment_url(therapist), {"text": "On the plan."})
    client.post(comment_url(therapist), {"text": "On the goal.", "goal": goal.pk})
    page = client.get(plan_page(therapist)).content.decode()
    assert "On the plan." in page
    assert "On the goal." in page
    assert page.count(f'action="{comment_url(therapist)}"') == 2


def test_the_therapist_sees_the_supervisors_comments_on_their_plan(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    sign_in(supervisor).post(comment_url(therapist), {"text": "On the plan."})
    sign_in(supervisor).post(comment_url(therapist), {"text": "On the goal.", "goal": goal.pk})
    page = sign_in(therapist).get(reverse("cpd:plan")).content.decode()
    assert "Your supervisor's comments on your plan" in page
    assert "On the plan." in page
    assert "On the goal." in page
    assert comment_url(therapist) not in page


# Query counts


@pytest.mark.parametrize("count", [1, 8])
def test_the_supervisee_plan_with_comments_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, count
):
    client = sign_in(supervisor)
    for n in range(count):
        goal = goal_of(therapist, title=f"Goal {n}")
        client.post(comment_url(therapist), {"text": f"Goal comment {n}", "goal": goal.pk})
        client.post(comment_url(therapist), {"text": f"Plan comment {n}"})
    # The page also lists the year's activities and their totals (two queries without any).
    with django_assert_max_num_queries(12):
        assert client.get(plan_page(therapist)).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_plan_with_comments_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, count
):
    for n in range(count):
        goal = goal_of(therapist, title=f"Goal {n}")
        sign_in(supervisor).post(
            comment_url(therapist), {"text": f"Goal comment {n}", "goal": goal.pk}
        )
    client = sign_in(therapist)
    client.get(reverse("cpd:plan"))
    with django_assert_max_num_queries(17):
        assert client.get(reverse("cpd:plan")).status_code == 200


def test_a_refused_comment_on_a_goal_is_shown_beside_that_goals_form(
    sign_in, therapist, supervisor
):
    goal = goal_of(therapist)
    text = f"About client {NHS_NUMBER}"
    response = sign_in(supervisor).post(comment_url(therapist), {"text": text, "goal": goal.pk})
    page = response.content.decode()
    assert f'aria-describedby="comment-text-{goal.pk}-error"' in page
    assert f">{text}</textarea>" in page
    assert 'aria-describedby="comment-text-plan-error"' not in page


def test_a_supervisor_opening_a_supervisees_plan_is_recorded(client, therapist, supervisor):
    client.force_login(supervisor)
    client.get(reverse("cpd:supervisee_plan", args=[therapist.pk]))
    event = AuditEvent.objects.get(actor=supervisor, subject=therapist)
    assert event.action == AuditEvent.Action.OPENED_CPD
