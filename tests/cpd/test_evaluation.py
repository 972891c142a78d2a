"""Goals with a target rating evaluated against the next submitted self-assessment: the rule
(met, partly met, not met), the service that writes the evaluations, the signal that runs it
when a self-assessment is submitted, and what the therapist sees on their plan."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.evaluation import evaluate, evaluate_goals_after, mean_rating
from cpd.models import CpdGoal, GoalEvaluation
from tests import factories

Result = GoalEvaluation.Result


# The rule (no database)


@pytest.mark.parametrize(
    ("target", "before", "after", "expected"),
    [
        (4, 2, 4, Result.MET),  # at the target
        (4, 2, 5, Result.MET),  # beyond it
        (4, None, 4, Result.MET),  # no rating before: reaching the target still counts
        (4, 2, 3, Result.PARTLY_MET),  # improved, short of the target
        (4, 2.5, 3.5, Result.PARTLY_MET),  # means of several statements
        (4, 2, 2, Result.NOT_MET),  # no change
        (4, 3, 2, Result.NOT_MET),  # worse
        (4, None, 3, Result.NOT_MET),  # short, and no rating before to show improvement
        (4, 2, None, None),  # no rating after (not applicable or not rated)
        (4, None, None, None),
    ],
)
def test_the_rule_for_a_target_rating(target, before, after, expected):
    assert evaluate(target, before, after) == expected


def test_a_mean_leaves_out_not_applicable():
    assert mean_rating([3, None, 5]) == 4


def test_a_mean_of_nothing_rated_is_none():
    assert mean_rating([None, None]) is None


# The service

DAY = datetime.timedelta(days=1)


def goal_about(therapist, items, *, target=4, days_ago=5, **fields):
    plan = services.current_plan(therapist)
    values = {
        "title": "Set an agenda",
        "description": "",
        "measure": "target_rating",
        "target_rating": target,
        "outcome": "",
        "target_on": plan.ends_on,
    } | fields
    goal, _ = services.add_goal(plan, by=therapist, items=items, **values)
    CpdGoal.objects.filter(pk=goal.pk).update(created_at=timezone.now() - days_ago * DAY)
    goal.refresh_from_db()
    return goal


def assessment(therapist, version, ratings, *, days_ago=0, cycle=0):
    return factories.submitted_assessment(
        therapist,
        version,
        ratings,
        cycle=cycle,
        submitted_at=timezone.now() - days_ago * DAY,
    )


def items(version, *keys):
    return list(version.items.filter(key__in=keys).order_by("key"))


@pytest.mark.django_db
def test_a_goal_reaching_its_target_is_met(therapist, published_version):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    after = assessment(therapist, published_version, {"C1": 4}, cycle=1)
    evaluate_goals_after(after)
    evaluation = GoalEvaluation.objects.get(goal=goal)
    assert (evaluation.result, evaluation.rating_before, evaluation.rating_after) == (
        Result.MET,
        2,
        4,
    )
    assert evaluation.assessment == after


@pytest.mark.django_db
def test_a_goal_improved_short_of_its_target_is_partly_met(therapist, published_version):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 3}, cycle=1))
    assert GoalEvaluation.objects.get(goal=goal).result == Result.PARTLY_MET


@pytest.mark.django_db
def test_a_goal_without_improvement_is_not_met(therapist, published_version):
    assessment(therapist, published_version, {"C1": 3}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 3}, cycle=1))
    assert GoalEvaluation.objects.get(goal=goal).result == Result.NOT_MET


@pytest.mark.django_db
def test_a_goal_about_several_statements_uses_the_mean_of_their_ratings(
    therapist, published_version
):
    assessment(therapist, published_version, {"C1": 2, "O1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1", "O1"))
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 5, "O1": 2}, cycle=1))
    evaluation = GoalEvaluation.objects.get(goal=goal)
    # A mean of 3.5, short of 4 but up from 2: stored rounded down.
    assert (evaluation.result, evaluation.rating_before, evaluation.rating_after) == (
        Result.PARTLY_MET,
        2,
        3,
    )


@pytest.mark.django_db
def test_the_rating_before_is_from_the_latest_assessment_before_the_goal(
    therapist, published_version
):
    assessment(therapist, published_version, {"C1": 1}, days_ago=20)
    assessment(therapist, published_version, {"C1": 3}, days_ago=10, cycle=1)
    goal = goal_about(therapist, items(published_version, "C1"), days_ago=5)
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 3}, cycle=2))
    evaluation = GoalEvaluation.objects.get(goal=goal)
    assert (evaluation.rating_before, evaluation.result) == (3, Result.NOT_MET)


@pytest.mark.django_db
def test_a_statement_rated_not_applicable_leaves_the_goal_for_a_later_assessment(
    therapist, published_version
):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    evaluate_goals_after(assessment(therapist, published_version, {"C1": None}, cycle=1))
    assert not GoalEvaluation.objects.filter(goal=goal).exists()


@pytest.mark.django_db
def test_a_goal_made_after_the_assessment_waits_for_the_next_one(therapist, published_version):
    after = assessment(therapist, published_version, {"C1": 4}, days_ago=3)
    goal = goal_about(therapist, items(published_version, "C1"), days_ago=1)
    evaluate_goals_after(after)
    assert not GoalEvaluation.objects.filter(goal=goal).exists()


@pytest.mark.django_db
def test_goals_with_an_outcome_and_dropped_goals_are_not_evaluated(therapist, published_version):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    dropped = goal_about(therapist, items(published_version, "C1"), title="Dropped")
    CpdGoal.objects.filter(pk=dropped.pk).update(status=CpdGoal.Status.DROPPED)
    goal_about(
        therapist,
        [],
        title="Read",
        measure="outcome",
        target_rating=None,
        outcome="Notes",
    )
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 5}, cycle=1))
    assert not GoalEvaluation.objects.exists()


@pytest.mark.django_db
def test_evaluating_again_writes_nothing_twice(therapist, published_version):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    after = assessment(therapist, published_version, {"C1": 4}, cycle=1)
    assert len(evaluate_goals_after(after)) == 1
    assert evaluate_goals_after(after) == []
    later = assessment(therapist, published_version, {"C1": 1}, cycle=2)
    evaluate_goals_after(later)
    assert GoalEvaluation.objects.get(goal=goal).assessment == after


@pytest.mark.django_db
def test_another_therapists_goals_are_left_alone(therapist, team, published_version):
    colleague = factories.therapist(team=team)
    goal = goal_about(colleague, items(published_version, "C1"))
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 5}))
    assert not GoalEvaluation.objects.filter(goal=goal).exists()


# Submitting a self-assessment runs it


@pytest.mark.django_db
def test_submitting_a_self_assessment_evaluates_the_goals(
    therapist, published_version, django_capture_on_commit_callbacks
):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal = goal_about(therapist, items(published_version, "C1"))
    with django_capture_on_commit_callbacks(execute=True):
        submitted = factories.filled_assessment(therapist, published_version, 3, {"C1": 4})
    evaluation = GoalEvaluation.objects.get(goal=goal)
    assert (evaluation.result, evaluation.assessment_id) == (Result.MET, submitted.pk)


@pytest.mark.django_db
def test_the_evaluation_waits_for_the_submit_to_commit(
    therapist, published_version, django_capture_on_commit_callbacks
):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal_about(therapist, items(published_version, "C1"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        factories.filled_assessment(therapist, published_version, 3, {"C1": 4})
    assert not GoalEvaluation.objects.exists()
    for callback in callbacks:
        callback()
    assert GoalEvaluation.objects.count() == 1


# What the therapist sees


@pytest.mark.django_db
def test_the_plan_shows_a_goal_met_at_the_self_assessment(sign_in, therapist, published_version):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    goal_about(therapist, items(published_version, "C1"))
    after = assessment(therapist, published_version, {"C1": 4}, cycle=1)
    evaluate_goals_after(after)
    page = sign_in(therapist).get(reverse("cpd:plan")).content.decode()
    day = timezone.localtime(after.submitted_at)
    assert f"<strong>Met</strong> at your self-assessment of {day.day} {day:%B %Y}" in page
    assert "rated 4 (before the goal: 2), target 4" in page


@pytest.mark.django_db
@pytest.mark.parametrize("goals", [1, 8])
def test_the_plan_with_evaluated_goals_reads_in_a_fixed_number_of_queries(
    sign_in, therapist, published_version, django_assert_max_num_queries, goals
):
    assessment(therapist, published_version, {"C1": 2}, days_ago=10)
    for n in range(goals):
        goal_about(therapist, items(published_version, "C1"), title=f"Goal {n}")
    evaluate_goals_after(assessment(therapist, published_version, {"C1": 4}, cycle=1))
    client = sign_in(therapist)
    client.get(reverse("cpd:plan"))
    with django_assert_max_num_queries(17):
        page = client.get(reverse("cpd:plan"))
    assert page.content.decode().count("<strong>Met</strong>") == goals
