"""The CPD plan's pages as people use them: the plan with its suggestions, accepting and
dismissing (with and without htmx), a goal's form and its messages, "Add to my plan" from the
profile, and who may open what."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.models import CpdGoal, SuggestionDismissal
from supervision.models import AgendaItem
from tests import factories
from tests.conftest import profile_url

pytestmark = pytest.mark.django_db

PLAN = reverse("cpd:plan")
NEW = reverse("cpd:goal_new")
ACCEPT = reverse("cpd:suggestion_accept")
DISMISS = reverse("cpd:suggestion_dismiss")
HTMX = {"HTTP_HX_REQUEST": "true"}
NHS_NUMBER = "943 476 5919"


def new_goal_data(**overrides):
    data = {
        "title": "Practise agenda setting",
        "description": "Role play in supervision",
        "measure": "outcome",
        "target_rating": "",
        "outcome": "Agenda set in every recorded session",
        "target_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "token": "0",
    }
    return data | overrides


def goal_of(therapist, **fields):
    plan = services.current_plan(therapist)
    values = {
        "title": "Read about ruptures",
        "description": "Two chapters",
        "measure": "outcome",
        "target_rating": None,
        "outcome": "Notes discussed in supervision",
        "target_on": plan.ends_on,
    } | fields
    goal, _ = services.add_goal(plan, by=therapist, **values)
    return goal


# The plan page


def test_the_plan_page_shows_suggestions_with_activities(sign_in, therapist, assessed):
    page = sign_in(therapist).get(PLAN)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Suggestions from your training-needs profile" in content
    assert "Reading, E-learning" in content


def test_opening_the_plan_puts_motivation_needs_on_the_agenda(sign_in, therapist, assessed):
    sign_in(therapist).get(PLAN)
    item = AgendaItem.objects.get(supervisee=therapist)
    assert item.origin == AgendaItem.Origin.SUGGESTED
    assert "M1" in item.text


def test_before_a_self_assessment_the_plan_says_where_suggestions_come_from(sign_in, therapist):
    page = sign_in(therapist).get(PLAN)
    assert "once you have submitted a self-assessment" in page.content.decode()


def test_a_bad_renewal_date_is_shown_beside_the_field(sign_in, therapist):
    page = sign_in(therapist).post(PLAN, {"renewal_on": "1999-01-01"})
    assert page.status_code == 200
    assert 'id="id_renewal_on_error"' in page.content.decode()


# Accept and dismiss


def test_accepting_adds_a_goal_and_returns_to_the_plan(sign_in, therapist, assessed):
    response = sign_in(therapist).post(ACCEPT, {"item": "C1"})
    assert response.status_code == 302
    assert response["Location"] == PLAN
    assert CpdGoal.objects.filter(items__key="C1").count() == 1


def test_accepting_twice_adds_one_goal(sign_in, therapist, assessed):
    client = sign_in(therapist)
    client.post(ACCEPT, {"item": "C1"})
    page = client.post(ACCEPT, {"item": "C1"}, follow=True)
    assert CpdGoal.objects.count() == 1
    assert "in your plan already" in page.content.decode()


def test_accepting_with_htmx_swaps_goals_and_suggestions(sign_in, therapist, assessed):
    page = sign_in(therapist).post(ACCEPT, {"item": "C1"}, **HTMX)
    assert page.status_code == 200
    assert page.templates[0].name == "cpd/includes/plan_body.html"
    assert "Added to your plan" in page.content.decode()


def test_accepting_something_not_suggested_changes_nothing(sign_in, therapist, assessed):
    page = sign_in(therapist).post(ACCEPT, {"item": "C99"}, follow=True)
    assert CpdGoal.objects.count() == 0
    assert "not among the needs" in page.content.decode()


def test_dismissing_hides_the_suggestion(sign_in, therapist, assessed):
    client = sign_in(therapist)
    client.post(DISMISS, {"item": "O1"})
    assert SuggestionDismissal.objects.filter(item_key="O1").exists()
    assert 'value="O1"' not in client.get(PLAN).content.decode()


# A goal's form


def test_a_new_goal_is_added_to_the_plan(sign_in, therapist):
    response = sign_in(therapist).post(NEW, new_goal_data())
    assert response.status_code == 302
    assert CpdGoal.objects.get().title == "Practise agenda setting"


def test_a_new_goal_form_sent_twice_adds_one_goal(sign_in, therapist):
    client = sign_in(therapist)
    client.post(NEW, new_goal_data())
    client.post(NEW, new_goal_data())
    assert CpdGoal.objects.count() == 1


def test_a_goal_without_its_measure_comes_back_with_what_was_typed(sign_in, therapist):
    page = sign_in(therapist).post(NEW, new_goal_data(outcome=""))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Describe the outcome you aim for." in content
    assert "Practise agenda setting" in content
    assert CpdGoal.objects.count() == 0


def test_a_target_rating_without_a_statement_is_refused(sign_in, therapist):
    page = sign_in(therapist).post(
        NEW, new_goal_data(measure="target_rating", target_rating="4", outcome="")
    )
    assert "Choose the statement whose rating you aim to raise." in page.content.decode()


def test_an_nhs_number_in_a_goal_is_refused_beside_the_field(sign_in, therapist):
    page = sign_in(therapist).post(NEW, new_goal_data(title=f"Client {NHS_NUMBER}"))
    assert page.status_code == 200
    assert 'id="id_title_error"' in page.content.decode()
    assert CpdGoal.objects.count() == 0


def test_a_target_date_beyond_the_cpd_year_is_refused(sign_in, therapist):
    late = (timezone.localdate() + datetime.timedelta(days=800)).isoformat()
    page = sign_in(therapist).post(NEW, new_goal_data(target_on=late))
    assert "Choose a date in this CPD year" in page.content.decode()


def test_add_to_my_plan_prefills_the_goal_from_a_priority_need(sign_in, therapist, assessed):
    page = sign_in(therapist).get(NEW, {"item": "C1"})
    form = page.context["form"]
    assert form.initial["target_rating"] == 3
    assert [item.key for item in form.initial["items"]] == ["C1"]


def test_the_profile_offers_add_to_my_plan_to_its_owner_only(
    sign_in, therapist, supervisor, assessed
):
    link = f"{NEW}?item=C1"
    assert link in sign_in(therapist).get(profile_url(therapist)).content.decode()
    assert link not in sign_in(supervisor).get(profile_url(therapist)).content.decode()


def test_changing_a_goal_keeps_fields_the_form_did_not_send(sign_in, therapist):
    goal = goal_of(therapist)
    data = {
        "title": goal.title,
        "measure": "outcome",
        "outcome": goal.outcome,
        "target_on": goal.target_on.isoformat(),
        "status": "in_progress",
    }
    response = sign_in(therapist).post(reverse("cpd:goal_edit", args=[goal.pk]), data)
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.description) == ("in_progress", "Two chapters")


def _outcome_goal_about_a_statement(therapist, published_version):
    item = published_version.items.get(key="C1")
    plan = services.current_plan(therapist)
    goal, _ = services.add_goal(
        plan,
        by=therapist,
        items=[item],
        title="Read about ruptures",
        description="",
        measure="outcome",
        target_rating=None,
        outcome="Notes discussed in supervision",
        target_on=plan.ends_on,
    )
    return goal, {
        "title": goal.title,
        "measure": "outcome",
        "outcome": goal.outcome,
        "target_on": goal.target_on.isoformat(),
        "status": "in_progress",
    }


def test_a_post_without_the_statement_list_keeps_the_goals_statements(
    sign_in, therapist, published_version
):
    goal, data = _outcome_goal_about_a_statement(therapist, published_version)
    response = sign_in(therapist).post(reverse("cpd:goal_edit", args=[goal.pk]), data)
    assert response.status_code == 302
    assert list(goal.items.values_list("key", flat=True)) == ["C1"]


def test_unticking_every_statement_on_the_form_removes_them(sign_in, therapist, published_version):
    goal, data = _outcome_goal_about_a_statement(therapist, published_version)
    url = reverse("cpd:goal_edit", args=[goal.pk])
    response = sign_in(therapist).post(url, data | {"items_sent": "1"})
    assert response.status_code == 302
    assert not goal.items.exists()


# Who may open what


def test_another_therapist_cannot_open_a_goal(sign_in, therapist, team):
    goal = goal_of(therapist)
    colleague = factories.therapist(team=team)
    url = reverse("cpd:goal_edit", args=[goal.pk])
    assert sign_in(colleague).get(url).status_code == 404
    assert sign_in(colleague).post(url, {"title": "Mine"}).status_code == 404


def test_a_current_supervisor_reads_the_plan(sign_in, therapist, supervisor):
    goal_of(therapist)
    page = sign_in(supervisor).get(reverse("cpd:supervisee_plan", args=[therapist.pk]))
    assert page.status_code == 200
    assert "Read about ruptures" in page.content.decode()
    assert reverse("cpd:goal_edit", args=[1]).rsplit("/", 2)[0] not in page.content.decode()


def test_a_supervisor_does_not_see_a_goal_about_a_private_statement_unless_shared(
    sign_in, therapist, supervisor, assessed
):
    private = assessed.version.items.get(key="M11")
    goal_of(
        therapist,
        title="Self-care plan",
        measure="target_rating",
        target_rating=3,
        outcome="",
        items=[private],
    )
    page = sign_in(supervisor).get(reverse("cpd:supervisee_plan", args=[therapist.pk]))
    assert "Self-care plan" not in page.content.decode()
    assert page.context["hidden"] == 1


def test_a_former_supervisor_cannot_read_the_plan(sign_in, therapist, team):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    url = reverse("cpd:supervisee_plan", args=[therapist.pk])
    assert sign_in(former).get(url).status_code == 404


def test_a_supervisor_reading_the_plan_makes_no_plan(sign_in, therapist, supervisor):
    sign_in(supervisor).get(reverse("cpd:supervisee_plan", args=[therapist.pk]))
    assert not therapist.cpd_plans.exists()


# Query counts


@pytest.mark.parametrize("goals", [1, 8])
def test_the_plan_page_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, assessed, django_assert_max_num_queries, goals
):
    client = sign_in(therapist)
    client.get(PLAN)  # the plan made and Motivation needs routed
    for n in range(goals):
        goal_of(
            therapist,
            title=f"Goal {n}",
            measure="target_rating",
            target_rating=4,
            outcome="",
            items=[assessed.version.items.get(key="C1")],
        )
    with django_assert_max_num_queries(17):
        assert client.get(PLAN).status_code == 200


@pytest.mark.parametrize("goals", [1, 8])
def test_the_supervisee_plan_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, goals
):
    for n in range(goals):
        goal_of(therapist, title=f"Goal {n}")
    client = sign_in(supervisor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cpd:supervisee_plan", args=[therapist.pk])).status_code == 200


def test_the_goal_form_shows_the_target_date_as_the_date_field_reads_it(sign_in, therapist):
    goal = goal_of(therapist)
    page = sign_in(therapist).get(reverse("cpd:goal_edit", args=[goal.pk]))
    assert f'value="{goal.target_on.isoformat()}"' in page.content.decode()
