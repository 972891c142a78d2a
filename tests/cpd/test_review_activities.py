"""The supervisor's review of a supervisee's CPD activities: the year's activities and totals on
the supervisee's plan page, goals the supervisor may not see left unnamed, comments on an
activity (with and without htmx), who may comment, and the page's query count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.models import ActivityType, CpdActivity, CpdComment, CpdEvidence
from tests import factories
from tests.cpd.builders import HTMX, NHS_NUMBER, activity_of, comment_url, goal_of, plan_page

pytestmark = pytest.mark.django_db


def evidence_of(activity, name="certificate.pdf") -> CpdEvidence:
    return CpdEvidence.objects.create(
        activity=activity,
        file=f"cpd-evidence/test/{name}",
        original_name=name,
        content_type="application/pdf",
        size=10,
    )


# What the supervisor sees


def test_the_supervisor_sees_the_supervisees_activities_with_their_reflections(
    sign_in, therapist, supervisor
):
    goal = goal_of(therapist, title="Learn imagery rescripting")
    activity = activity_of(therapist, goals=[goal])
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "Imagery rescripting workshop" in page
    assert "Workshop or course (CBT skills)" in page
    assert activity.done_on.strftime("%-d %B %Y") in page
    assert "6 hours" in page
    assert "BABCP" in page
    assert "Goals: Learn imagery rescripting" in page
    assert "How to rescript an intrusive image." in page
    assert "With two clients with PTSD this month." in page
    assert "Shorter treatments." in page


def test_the_supervisor_sees_links_to_the_activitys_evidence_files(sign_in, therapist, supervisor):
    item = evidence_of(activity_of(therapist))
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert f'href="{reverse("cpd:evidence_download", args=[item.pk])}"' in page
    assert "certificate.pdf" in page


def test_the_supervisor_sees_the_years_totals_against_babcps_expectation(
    sign_in, therapist, supervisor
):
    activity_of(therapist)
    activity_of(therapist, type=ActivityType.READING, title="A book", hours=Decimal("2.5"))
    response = sign_in(supervisor).get(plan_page(therapist))
    page = response.content.decode()
    assert "BABCP's expectation" in page
    assert "2 of 5 activities have a reflection: 3 more needed." in page
    assert response.context["totals"].hours == Decimal("8.5")


def test_an_activity_without_a_reflection_says_it_does_not_count(sign_in, therapist, supervisor):
    activity_of(therapist, learned="", application="")
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "No reflection yet: it does not count toward BABCP's five." in page


def test_with_no_activities_the_supervisor_is_told_so(sign_in, therapist, supervisor):
    services.current_plan(therapist)
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "No activities recorded yet this CPD year." in page


def test_an_activity_of_last_cpd_year_is_not_listed(sign_in, therapist, supervisor):
    today = timezone.localdate()
    last_year = services.current_plan(therapist, today=today - datetime.timedelta(days=400))
    CpdActivity.objects.create(
        plan=last_year,
        type=ActivityType.READING,
        title="Last year's reading",
        done_on=last_year.starts_on,
        hours=Decimal("1"),
    )
    services.current_plan(therapist)
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "Last year&#x27;s reading" not in page


def test_a_goal_about_a_private_statement_not_shared_is_not_named_beside_its_activity(
    sign_in, therapist, supervisor, assessed
):
    private = assessed.version.items.get(key="M11")
    hidden = goal_of(
        therapist,
        title="Look after my own wellbeing",
        measure="target_rating",
        target_rating=3,
        outcome="",
        items=[private],
    )
    activity_of(therapist, goals=[hidden])
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "Imagery rescripting workshop" in page
    assert "Look after my own wellbeing" not in page
    assert "Goals: 1 goal about private statements, not shared" in page


def test_beside_a_shown_goal_a_hidden_one_is_counted_not_named(
    sign_in, therapist, supervisor, assessed
):
    private = assessed.version.items.get(key="M11")
    hidden = goal_of(
        therapist,
        title="Look after my own wellbeing",
        measure="target_rating",
        target_rating=3,
        outcome="",
        items=[private],
    )
    shown = goal_of(therapist, title="Learn imagery rescripting")
    activity_of(therapist, goals=[hidden, shown])
    page = sign_in(supervisor).get(plan_page(therapist)).content.decode()
    assert "Goals: Learn imagery rescripting; and 1 goal about private statements" in page
    assert "Look after my own wellbeing" not in page


# Commenting on an activity


def test_a_supervisor_comments_on_an_activity_and_is_sent_back_to_it(
    sign_in, therapist, supervisor
):
    activity = activity_of(therapist)
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Try it with a recording.", "activity": activity.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{plan_page(therapist)}#comments-activity-{activity.pk}"
    comment = CpdComment.objects.get()
    assert (comment.activity, comment.goal, comment.author) == (activity, None, supervisor)


def test_the_supervisor_sees_their_comment_under_the_activity(sign_in, therapist, supervisor):
    activity = activity_of(therapist)
    client = sign_in(supervisor)
    client.post(
        comment_url(therapist), {"text": "Try it with a recording.", "activity": activity.pk}
    )
    page = client.get(plan_page(therapist)).content.decode()
    thread = page.split(f'id="comments-activity-{activity.pk}"')[1].split("</form>")[0]
    assert "Try it with a recording." in thread
    assert f'name="activity" value="{activity.pk}"' in thread


def test_the_therapist_sees_the_comment_on_their_activity(sign_in, therapist, supervisor):
    activity = activity_of(therapist)
    sign_in(supervisor).post(
        comment_url(therapist), {"text": "Try it with a recording.", "activity": activity.pk}
    )
    page = sign_in(therapist).get(reverse("cpd:activities")).content.decode()
    thread = page.split(f'id="comments-activity-{activity.pk}"')[1]
    assert "Try it with a recording." in thread
    assert str(supervisor) in thread


def test_a_comment_on_an_activity_sent_twice_is_stored_once(sign_in, therapist, supervisor):
    activity = activity_of(therapist)
    client = sign_in(supervisor)
    data = {"text": "Try it with a recording.", "activity": activity.pk}
    client.post(comment_url(therapist), data)
    second = client.post(comment_url(therapist), data, follow=True)
    assert CpdComment.objects.count() == 1
    assert "it was not added twice" in second.content.decode()


def test_with_htmx_the_activitys_comments_are_swapped(sign_in, therapist, supervisor):
    activity = activity_of(therapist)
    response = sign_in(supervisor).post(
        comment_url(therapist),
        {"text": "Try it with a recording.", "activity": activity.pk},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "cpd/includes/comments.html"
    assert page.lstrip().startswith(f'<div id="comments-activity-{activity.pk}"')
    assert "Try it with a recording." in page
    assert "Your comment was added." in page
    assert "<html" not in page


def test_a_refused_comment_on_an_activity_is_shown_beside_its_form_as_typed(
    sign_in, therapist, supervisor
):
    activity = activity_of(therapist)
    text = f"About client {NHS_NUMBER}"
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": text, "activity": activity.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'aria-describedby="comment-text-activity-{activity.pk}-error"' in page
    assert f">{text}</textarea>" in page
    assert "Imagery rescripting workshop" in page
    assert not CpdComment.objects.exists()


# Who may comment on an activity, and on which


def test_another_supervisor_cannot_comment_on_an_activity(sign_in, therapist, service):
    activity = activity_of(therapist)
    other = factories.supervisor(service=service)
    response = sign_in(other).post(comment_url(therapist), {"text": "Hi", "activity": activity.pk})
    assert response.status_code == 404
    assert not CpdComment.objects.exists()


def test_a_former_supervisor_cannot_comment_on_an_activity(sign_in, therapist, team):
    activity = activity_of(therapist)
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = sign_in(former).post(comment_url(therapist), {"text": "Hi", "activity": activity.pk})
    assert response.status_code == 404


def test_another_therapist_cannot_comment_on_an_activity(sign_in, therapist, team):
    activity = activity_of(therapist)
    colleague = factories.therapist(team=team)
    response = sign_in(colleague).post(
        comment_url(therapist), {"text": "Hi", "activity": activity.pk}
    )
    assert response.status_code == 404


def test_an_activity_of_another_therapists_plan_is_not_found(sign_in, therapist, supervisor, team):
    services.current_plan(therapist)
    other = activity_of(factories.therapist(team=team))
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Hi", "activity": other.pk}
    )
    assert response.status_code == 404
    assert not CpdComment.objects.exists()


@pytest.mark.parametrize("activity", ["abc", "0", "-1", "99999999999999999999999"])
def test_an_activity_id_that_is_no_activity_is_not_found(sign_in, therapist, supervisor, activity):
    services.current_plan(therapist)
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Hi", "activity": activity}
    )
    assert response.status_code == 404


def test_a_comment_on_both_a_goal_and_an_activity_is_not_found(sign_in, therapist, supervisor):
    goal = goal_of(therapist)
    activity = activity_of(therapist, goals=[goal])
    response = sign_in(supervisor).post(
        comment_url(therapist), {"text": "Hi", "goal": goal.pk, "activity": activity.pk}
    )
    assert response.status_code == 404
    assert not CpdComment.objects.exists()


# Query count


@pytest.mark.parametrize("count", [1, 8])
def test_the_supervisee_plan_with_activities_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, count
):
    client = sign_in(supervisor)
    for n in range(count):
        goal = goal_of(therapist, title=f"Goal {n}")
        activity = activity_of(therapist, goals=[goal], title=f"Activity {n}")
        evidence_of(activity, name=f"{n}.pdf")
        client.post(comment_url(therapist), {"text": f"On activity {n}", "activity": activity.pk})
        client.post(comment_url(therapist), {"text": f"On goal {n}", "goal": goal.pk})
    with django_assert_max_num_queries(14):
        response = client.get(plan_page(therapist))
    assert f"On activity {count - 1}" in response.content.decode()
