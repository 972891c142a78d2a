"""The CPD plan's services: the year's plan, goals, accepting and dismissing suggestions,
carrying unfinished goals forward, and Motivation needs routed to the supervision agenda."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cpd import services
from cpd.models import CpdGoal, CpdPlan, SuggestionDismissal
from cpd.suggestions import suggestions_for
from supervision.models import AgendaItem
from tests import factories
from tests.cpd.conftest import RATINGS

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
NHS_NUMBER = "943 476 5919"


def goal_fields(plan, **overrides):
    fields = {
        "title": "Run a formulation workshop for myself",
        "description": "",
        "measure": CpdGoal.Measure.OUTCOME,
        "target_rating": None,
        "outcome": "Two formulations reviewed in supervision",
        "target_on": plan.ends_on,
    }
    return fields | overrides


# The year's plan


def test_the_first_plan_starts_today_and_runs_a_year(therapist):
    plan = services.current_plan(therapist, today=DAY)
    assert (plan.starts_on, plan.ends_on) == (DAY, datetime.date(2027, 3, 10))


def test_the_plan_is_made_once(therapist):
    first = services.current_plan(therapist, today=DAY)
    assert services.current_plan(therapist, today=DAY + datetime.timedelta(days=30)) == first
    assert CpdPlan.objects.count() == 1


def test_a_renewal_date_ends_the_cpd_year(therapist):
    plan = services.current_plan(therapist, today=DAY)
    services.set_renewal_date(plan, datetime.date(2026, 9, 30), by=therapist)
    plan.refresh_from_db()
    assert plan.ends_on == plan.accreditation_renewal_on == datetime.date(2026, 9, 30)


def test_a_renewal_date_before_the_plan_starts_is_refused(therapist):
    plan = services.current_plan(therapist, today=DAY)
    with pytest.raises(ValidationError) as refused:
        services.set_renewal_date(plan, DAY, by=therapist)
    assert "renewal_on" in refused.value.message_dict


def test_the_next_year_after_a_renewal_date_runs_to_the_next_renewal(therapist):
    plan = services.current_plan(therapist, today=DAY)
    services.set_renewal_date(plan, datetime.date(2026, 9, 30), by=therapist)
    following = services.current_plan(therapist, today=datetime.date(2026, 10, 1))
    assert following.starts_on == datetime.date(2026, 9, 30)
    assert following.ends_on == following.accreditation_renewal_on == datetime.date(2027, 9, 30)


def test_a_plan_must_end_after_it_starts(therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        CpdPlan.objects.create(therapist=therapist, starts_on=DAY, ends_on=DAY)


# Goals


def test_a_goal_with_a_target_rating_needs_a_statement(therapist):
    plan = services.current_plan(therapist, today=DAY)
    fields = goal_fields(plan, measure="target_rating", target_rating=4, outcome="")
    with pytest.raises(ValidationError) as refused:
        services.add_goal(plan, by=therapist, **fields)
    assert "items" in refused.value.message_dict


def test_a_goal_dated_outside_the_cpd_year_is_refused(therapist):
    plan = services.current_plan(therapist, today=DAY)
    late = plan.ends_on + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.add_goal(plan, by=therapist, **goal_fields(plan, target_on=late))
    assert "target_on" in refused.value.message_dict


def test_a_goal_naming_an_nhs_number_is_refused(therapist):
    plan = services.current_plan(therapist, today=DAY)
    with pytest.raises(ValidationError) as refused:
        services.add_goal(plan, by=therapist, **goal_fields(plan, outcome=f"See {NHS_NUMBER}"))
    assert "outcome" in refused.value.message_dict


def test_the_same_new_goal_form_sent_twice_adds_one_goal(therapist):
    plan = services.current_plan(therapist, today=DAY)
    first, created = services.add_goal(plan, by=therapist, token=0, **goal_fields(plan))
    again, created_again = services.add_goal(plan, by=therapist, token=0, **goal_fields(plan))
    assert (created, created_again, again) == (True, False, first)


def test_the_database_refuses_a_rating_goal_without_a_rating(therapist):
    plan = services.current_plan(therapist, today=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        CpdGoal.objects.create(
            plan=plan, title="x", measure="target_rating", target_rating=None, target_on=DAY
        )


def test_changing_a_goal_changes_only_what_was_named(therapist):
    plan = services.current_plan(therapist, today=DAY)
    goal, _ = services.add_goal(plan, by=therapist, **goal_fields(plan, description="Read"))
    assert services.update_goal(goal, by=therapist, changes={"status": "in_progress"})
    goal.refresh_from_db()
    assert (goal.status, goal.description) == ("in_progress", "Read")


def test_switching_a_goal_to_a_target_rating_clears_the_outcome(therapist, assessed):
    plan = services.current_plan(therapist, today=DAY)
    goal, _ = services.add_goal(plan, by=therapist, **goal_fields(plan))
    item = assessed.version.items.get(key="C1")
    changes = {"measure": "target_rating", "target_rating": 3}
    services.update_goal(goal, by=therapist, changes=changes, items=[item])
    goal.refresh_from_db()
    assert (goal.measure, goal.target_rating, goal.outcome) == ("target_rating", 3, "")


# Suggestions


def test_suggestions_are_the_top_needs_with_private_ones_for_the_owner(therapist, assessed):
    keys = [s.key for s in suggestions_for(therapist, None)]
    assert keys == ["M1", "M11", "C1", "O1", "S1"]


def test_accepting_makes_a_goal_one_step_above_the_current_rating(therapist, assessed):
    goal, created = services.accept_suggestion(therapist, "C1", by=therapist, today=DAY)
    assert created
    assert (goal.measure, goal.target_rating) == ("target_rating", RATINGS["C1"] + 1)
    assert list(goal.items.values_list("key", flat=True)) == ["C1"]
    assert goal.description == "Suggested activities: Reading, E-learning."


def test_accepting_twice_makes_one_goal(therapist, assessed):
    first, _ = services.accept_suggestion(therapist, "C1", by=therapist, today=DAY)
    again, created = services.accept_suggestion(therapist, "C1", by=therapist, today=DAY)
    assert (again, created) == (first, False)
    assert CpdGoal.objects.count() == 1


def test_an_accepted_need_is_no_longer_suggested(therapist, assessed):
    services.accept_suggestion(therapist, "C1", by=therapist)
    plan = services.current_plan(therapist)
    assert "C1" not in [s.key for s in suggestions_for(therapist, plan)]


def test_accepting_a_statement_that_is_no_need_is_refused(therapist, assessed):
    with pytest.raises(ValidationError):
        services.accept_suggestion(therapist, "C2", by=therapist)


def test_a_dismissed_suggestion_stays_dismissed(therapist, assessed):
    assert services.dismiss_suggestion(therapist, "O1", by=therapist)
    assert not services.dismiss_suggestion(therapist, "O1", by=therapist)
    assert SuggestionDismissal.objects.filter(therapist=therapist).count() == 1
    assert "O1" not in [s.key for s in suggestions_for(therapist, None)]


# Carrying forward


def test_unfinished_goals_are_carried_into_next_year_once(therapist):
    plan = services.current_plan(therapist, today=DAY)
    open_goal, _ = services.add_goal(plan, by=therapist, **goal_fields(plan, title="Open"))
    done, _ = services.add_goal(plan, by=therapist, **goal_fields(plan, title="Done"))
    services.update_goal(done, by=therapist, changes={"status": "done"})
    following = services.carry_forward(plan)
    assert services.carry_forward(plan) == following
    carried = list(following.goals.all())
    assert [(g.title, g.carried_from_id) for g in carried] == [("Open", open_goal.pk)]
    assert following.starts_on == plan.ends_on


def test_opening_the_next_year_carries_unfinished_goals_forward(therapist):
    plan = services.current_plan(therapist, today=DAY)
    services.add_goal(plan, by=therapist, **goal_fields(plan, title="Open"))
    following = services.current_plan(therapist, today=plan.ends_on)
    assert [g.title for g in following.goals.all()] == ["Open"]
    assert following.goals.get().target_on == following.ends_on


# Routing Motivation needs


def test_motivation_needs_are_suggested_for_the_supervision_agenda(therapist, assessed):
    made = services.route_motivation_needs(therapist)
    assert [list(i.items.values_list("key", flat=True)) for i in made] == [["M1"]]
    assert made[0].origin == AgendaItem.Origin.SUGGESTED


def test_a_private_motivation_need_is_routed_only_when_shared(therapist, published_version):
    factories.submitted_assessment(therapist, published_version, RATINGS, shares_sensitive=True)
    made = services.route_motivation_needs(therapist)
    assert sorted(k for i in made for k in i.items.values_list("key", flat=True)) == [
        "M1",
        "M11",
    ]


def test_routing_again_adds_nothing_even_after_the_item_was_closed(therapist, assessed):
    (item,) = services.route_motivation_needs(therapist)
    AgendaItem.objects.filter(pk=item.pk).update(
        status=AgendaItem.Status.DROPPED, closed_at=timezone.now()
    )
    assert services.route_motivation_needs(therapist) == []
    assert AgendaItem.objects.count() == 1


def test_nothing_is_routed_before_a_self_assessment(therapist):
    assert services.route_motivation_needs(therapist) == []


# Racing requests (committed for real, each thread on its own connection)


def run_at_once(work: Callable[[], object], count: int = 6) -> tuple[list, list]:
    """Call `work()` from `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def target() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_one_suggestion_accepted_many_times_at_once_makes_one_plan_and_one_goal(
    therapist, published_version
):
    factories.submitted_assessment(therapist, published_version, RATINGS)
    results, errors = run_at_once(
        lambda: services.accept_suggestion(therapist, "C1", by=therapist)[1]
    )
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert (CpdPlan.objects.count(), CpdGoal.objects.count()) == (1, 1)
