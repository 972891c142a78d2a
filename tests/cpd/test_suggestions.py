"""The suggestion rules, without a database: which activity types each intervention function
brings, that service-level functions bring none, and how a suggested goal is shaped."""

from __future__ import annotations

import pytest

from cpd.models import ActivityType
from cpd.suggestions import (
    ACTIVITY_TYPES,
    Function,
    Need,
    activity_types,
    suggest,
    target_rating,
)


def need(key="C1", rating=2, component="C", functions=(), sensitive=False) -> Need:
    return Need(
        key=key,
        text=f"Statement {key}",
        rating=rating,
        need=(5 - rating) * 25.0,
        component=component,
        functions=tuple(Function(slug) for slug in functions),
        sensitive=sensitive,
    )


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("education", ("Reading", "E-learning")),
        (
            "training",
            ("Workshop or course (CBT skills)", "Skills practice", "Role play in supervision"),
        ),
        ("modelling", ("Watching an expert recording",)),
        ("enablement", ("A supervision focus",)),
        ("persuasion", ("Reflective exercise", "Behavioural experiment")),
    ],
)
def test_each_individual_function_suggests_its_activity_types(slug, expected):
    assert activity_types([Function(slug)]) == expected


@pytest.mark.parametrize("slug", ["coercion", "restriction"])
def test_a_service_level_function_suggests_no_activity(slug):
    assert activity_types([Function(slug, service_level_only=True)]) == ()


def test_a_function_marked_service_level_only_is_left_out_even_with_activity_types():
    assert activity_types([Function("training", service_level_only=True)]) == ()


@pytest.mark.parametrize("slug", ["incentivisation", "environmental-restructuring"])
def test_functions_a_service_controls_suggest_no_individual_activity(slug):
    assert activity_types([Function(slug)]) == ()


def test_every_suggested_activity_type_is_one_the_activity_form_offers():
    offered = {str(label) for label in ActivityType.labels}
    every_function = [Function(slug) for slug in ACTIVITY_TYPES]
    assert set(activity_types(every_function)) <= offered


def test_activities_of_several_functions_come_in_function_order_each_once():
    functions = [Function("enablement"), Function("restriction", True), Function("enablement")]
    assert activity_types([Function("education"), *functions]) == (
        "Reading",
        "E-learning",
        "A supervision focus",
    )


@pytest.mark.parametrize(("rating", "target"), [(1, 2), (3, 4), (4, 5), (5, 5)])
def test_the_target_rating_is_one_step_up_at_most_five(rating, target):
    assert target_rating(rating) == target


def test_suggestions_keep_the_order_and_stop_at_the_limit():
    needs = [need(key=f"C{n}") for n in range(1, 8)]
    assert [s.key for s in suggest(needs, limit=3)] == ["C1", "C2", "C3"]


@pytest.mark.parametrize(("component", "motivation"), [("C", False), ("O", False), ("M", True)])
def test_only_a_motivation_need_is_routed_to_supervision(component, motivation):
    (suggestion,) = suggest([need(component=component)])
    assert suggestion.is_motivation is motivation


def test_a_suggestion_carries_the_component_and_the_activities_of_its_functions():
    (suggestion,) = suggest([need(key="M3", component="M", functions=("persuasion",))])
    assert suggestion.component == "M"
    assert suggestion.activities == ("Reflective exercise", "Behavioural experiment")


def test_a_behaviour_without_coded_functions_is_still_suggested_without_activities():
    (suggestion,) = suggest([need(key="S1", component="", functions=())])
    assert suggestion.activities == ()
    assert suggestion.target_rating == 3
