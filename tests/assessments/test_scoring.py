"""Scoring: need scores, the two-thirds rule, priority needs, change, RCI and Cronbach's alpha."""

import math
import random

import pytest

from assessments.scoring import (
    MIN_RESPONDENTS_FOR_RELIABILITY,
    Change,
    ScoredItem,
    compare,
    cronbach_alpha,
    need_score,
    reliable_change_index,
    score,
)


def item(
    key: str,
    order: int,
    section: str = "capability",
    *,
    kind: str = "barriers",
    component: str = "",
    subcomponent: str = "",
    sensitive: bool = False,
) -> ScoredItem:
    return ScoredItem(
        key=key,
        order=order,
        section_key=section,
        section_title=section.title(),
        section_kind=kind,
        component=component,
        subcomponent=subcomponent,
        sensitive=sensitive,
        text=f"Target statement {key}",
    )


def capability_items(count: int) -> list[ScoredItem]:
    return [item(f"C{n}", n, component="C", subcomponent="C-Ps") for n in range(1, count + 1)]


def section(scores, key):
    return next(domain for domain in scores.sections if domain.key == key)


def component(scores, key):
    return next(domain for domain in scores.components if domain.key == key)


def subcomponent(scores, key):
    return next(domain for domain in scores.subcomponents if domain.key == key)


# A small framework: barriers over two components, a behaviour group and a collaboration section.
FRAMEWORK = [
    item("C1", 1, component="C", subcomponent="C-Ps"),
    item("C2", 2, component="C", subcomponent="C-Ps"),
    item("C3", 3, component="C", subcomponent="C-Ph"),
    item("M1", 4, "motivation", component="M", subcomponent="M-Re"),
    item("M2", 5, "motivation", component="M", subcomponent="M-Re"),
    item("M3", 6, "motivation", component="M", subcomponent="M-Au", sensitive=True),
    item("M4", 7, "motivation", component="M", subcomponent="M-Au"),
    item("B1", 8, "style", kind="behaviours"),
    item("B2", 9, "style", kind="behaviours"),
    item("B3", 10, "style", kind="behaviours"),
    item("K1", 11, "collaboration", kind="collaboration"),
]


# Need score


def test_strongly_agree_shows_no_need():
    assert need_score(5) == 0


def test_strongly_disagree_shows_full_need():
    assert need_score(1) == 100


def test_neither_agree_nor_disagree_shows_half_need():
    assert need_score(3) == 50


@pytest.mark.parametrize("value", [0, 6])
def test_need_score_rejects_a_rating_off_the_scale(value):
    with pytest.raises(ValueError):
        need_score(value)


# Domain scores and the two-thirds rule


def test_not_applicable_is_left_out_of_the_mean_not_counted_as_zero():
    scores = score(capability_items(3), {"C1": 4, "C2": None, "C3": 2})

    capability = section(scores, "capability")
    assert (capability.answered, capability.total) == (2, 3)
    assert capability.mean == pytest.approx((4 + 2) / 2)
    assert capability.need == pytest.approx((5 - 3.0) / 4 * 100)


@pytest.mark.parametrize(
    ("count", "ratings", "scored"),
    [
        (3, {"C1": 4, "C2": 2}, True),
        (3, {"C1": 4}, False),
        (6, {"C1": 4, "C2": 2, "C3": 3, "C4": 5}, True),
        (6, {"C1": 4, "C2": 2, "C3": 3}, False),
    ],
    ids=["2-of-3", "1-of-3", "4-of-6", "3-of-6"],
)
def test_domain_shows_a_score_only_when_two_thirds_are_answered(count, ratings, scored):
    capability = section(score(capability_items(count), ratings), "capability")

    assert capability.complete is scored
    assert (capability.mean is not None) is scored
    assert (capability.need is not None) is scored


def test_not_applicable_counts_as_unanswered_for_the_two_thirds_rule():
    capability = section(score(capability_items(3), {"C1": 4, "C2": None}), "capability")

    assert capability.answered == 1
    assert capability.mean is None


def test_unanswered_section_is_listed_without_a_score():
    scores = score(FRAMEWORK, {"C1": 4, "C2": 4, "C3": 4})

    style = section(scores, "style")
    assert (style.answered, style.total, style.mean, style.need) == (0, 3, None, None)


def test_components_without_items_do_not_appear():
    scores = score(FRAMEWORK, {})

    assert [domain.key for domain in scores.components] == ["C", "M"]
    assert [domain.label for domain in scores.components] == ["Capability", "Motivation"]


def test_section_whose_items_are_all_withheld_does_not_appear():
    items = [*capability_items(2), item("S1", 3, "private", sensitive=True)]

    scores = score(items, {"C1": 4, "S1": 2}, include_sensitive=False)

    assert [domain.key for domain in scores.sections] == ["capability"]


def test_component_and_subcomponent_scores_are_computed_separately():
    scores = score(FRAMEWORK, {"M1": 2, "M2": 4, "M3": 5, "M4": 5})

    assert component(scores, "M").mean == pytest.approx((2 + 4 + 5 + 5) / 4)
    assert subcomponent(scores, "M-Re").mean == pytest.approx((2 + 4) / 2)
    assert subcomponent(scores, "M-Au").mean == pytest.approx((5 + 5) / 2)
    assert subcomponent(scores, "M-Re").label == "Reflective motivation"


def test_subcomponents_are_listed_in_framework_order():
    scores = score(list(reversed(FRAMEWORK)), {})

    assert [domain.key for domain in scores.subcomponents] == ["C-Ps", "C-Ph", "M-Re", "M-Au"]


def test_behaviour_group_has_its_own_section_score():
    scores = score(FRAMEWORK, {"B1": 4, "B2": 2, "B3": 5, "C1": 1})

    style = section(scores, "style")
    assert style.label == "Style"
    assert style.mean == pytest.approx((4 + 2 + 5) / 3)
    assert style.need == pytest.approx((5 - (4 + 2 + 5) / 3) / 4 * 100)


def test_every_scored_section_is_listed_in_framework_order():
    scores = score(FRAMEWORK, {})

    assert [domain.key for domain in scores.sections] == [
        "capability",
        "motivation",
        "style",
        "collaboration",
    ]


# Priority needs


def test_priority_needs_put_the_largest_need_first():
    scores = score(FRAMEWORK, {"C1": 3, "C2": 1, "C3": 4})

    assert [(need.key, need.need) for need in scores.priority_needs] == [
        ("C2", (5 - 1) / 4 * 100),
        ("C1", (5 - 3) / 4 * 100),
        ("C3", (5 - 4) / 4 * 100),
    ]


def test_priority_needs_tied_on_need_follow_framework_order():
    shuffled = [FRAMEWORK[7], FRAMEWORK[3], FRAMEWORK[0], FRAMEWORK[9]]  # B1, M1, C1, B3

    scores = score(shuffled, {"B1": 2, "M1": 2, "C1": 2, "B3": 1})

    assert [need.key for need in scores.priority_needs] == ["B3", "C1", "M1", "B1"]


def test_priority_needs_leave_out_strongly_agree_and_not_applicable():
    scores = score(FRAMEWORK, {"C1": 5, "C2": None, "C3": 2})

    assert [need.key for need in scores.priority_needs] == ["C3"]


def test_priority_need_carries_what_the_page_displays():
    (need,) = score(FRAMEWORK, {"B2": 2}).priority_needs

    assert (need.key, need.text, need.section_title, need.rating) == (
        "B2",
        "Target statement B2",
        "Style",
        2,
    )


# Sensitive items


def test_withheld_sensitive_items_leave_the_totals():
    ratings = {"M1": 2, "M2": 4, "M3": 1, "M4": 5}

    scores = score(FRAMEWORK, ratings, include_sensitive=False)

    assert (scores.answered, scores.total) == (3, len(FRAMEWORK) - 1)
    assert "M3" not in scores.items
    motivation = section(scores, "motivation")
    assert (motivation.answered, motivation.total) == (3, 3)


def test_withheld_sensitive_items_leave_the_means():
    ratings = {"M1": 2, "M2": 4, "M3": 1, "M4": 5}

    scores = score(FRAMEWORK, ratings, include_sensitive=False)

    assert component(scores, "M").mean == pytest.approx((2 + 4 + 5) / 3)
    assert subcomponent(scores, "M-Au").mean == pytest.approx(5 / 1)


def test_withheld_sensitive_items_leave_the_priority_needs():
    ratings = {"M1": 2, "M2": 4, "M3": 1, "M4": 5}

    scores = score(FRAMEWORK, ratings, include_sensitive=False)

    assert [need.key for need in scores.priority_needs] == ["M1", "M2"]


def test_shared_sensitive_items_are_scored():
    scores = score(FRAMEWORK, {"M3": 1})

    assert scores.items == {"M3": 1}
    assert scores.priority_needs[0].key == "M3"


# Completion


@pytest.mark.parametrize(
    ("count", "ratings", "percent"),
    [
        (3, {"C1": 4, "C2": 2}, 67),  # 66.7
        (8, {"C1": 4}, 13),  # 12.5 rounds half up
        (3, {"C1": 4, "C2": None}, 33),  # N/A is not answered
        (3, {}, 0),
        (0, {}, 0),
    ],
)
def test_percent_answered_is_rounded_to_a_whole_number(count, ratings, percent):
    assert score(capability_items(count), ratings).percent_answered == percent


def test_items_lists_answers_including_not_applicable():
    scores = score(FRAMEWORK, {"C1": 4, "C2": None})

    assert scores.items == {"C1": 4, "C2": None}
    assert (scores.answered, scores.total) == (1, len(FRAMEWORK))


# Invalid input


@pytest.mark.parametrize("value", [0, 6, 2.5, True, "4"])
def test_rating_off_the_scale_is_refused(value):
    with pytest.raises(ValueError, match="C2"):
        score(capability_items(3), {"C1": 4, "C2": value})


def test_ratings_for_unknown_items_are_ignored():
    scores = score(capability_items(3), {"C1": 4, "C2": 2, "Z9": 1, "Z10": 99})

    assert scores.items == {"C1": 4, "C2": 2}
    assert section(scores, "capability").mean == pytest.approx((4 + 2) / 2)


def test_outcome_items_cannot_be_scored():
    with pytest.raises(ValueError):
        item("O1", 1, "outcomes", kind="outcomes")


def test_duplicate_item_keys_are_refused():
    with pytest.raises(ValueError):
        score([item("C1", 1), item("C1", 2)], {})


# Change between assessments


def test_compare_shows_the_change_in_each_component_and_section():
    before = score(FRAMEWORK, {"C1": 2, "C2": 2, "C3": 3, "B1": 1, "B2": 2, "B3": 3})
    after = score(FRAMEWORK, {"C1": 4, "C2": 3, "C3": 5, "B1": 3, "B2": 3, "B3": 3})

    changes = {change.key: change for change in compare(before, after)}

    assert list(changes) == ["C", "M", "capability", "motivation", "style", "collaboration"]
    assert changes["C"].difference == pytest.approx((4 + 3 + 5) / 3 - (2 + 2 + 3) / 3)
    assert changes["style"].difference == pytest.approx((3 + 3 + 3) / 3 - (1 + 2 + 3) / 3)
    assert changes["style"].label == "Style"


def test_compare_has_no_difference_when_either_side_lacks_a_score():
    before = score(FRAMEWORK, {"C1": 2, "C2": 2, "B1": 2})
    after = score(FRAMEWORK, {"C1": 4, "B1": 3, "B2": 3, "B3": 3})

    changes = {change.key: change for change in compare(before, after)}

    assert (changes["capability"].before, changes["capability"].after) == (2.0, None)
    assert changes["capability"].difference is None
    assert changes["style"].before is None
    assert changes["style"].difference is None


def test_compare_without_reliability_gives_no_rci():
    before = score(FRAMEWORK, {"C1": 2, "C2": 2, "C3": 2})
    after = score(FRAMEWORK, {"C1": 4, "C2": 4, "C3": 4})

    (change,) = [change for change in compare(before, after) if change.key == "C"]

    assert change.rci is None
    assert change.reliable is None


def test_compare_adds_rci_where_reliability_is_known():
    before = score(FRAMEWORK, {"C1": 2, "C2": 2, "C3": 2})
    after = score(FRAMEWORK, {"C1": 4, "C2": 3, "C3": 4})

    changes = {c.key: c for c in compare(before, after, reliability={"C": (0.8, 0.85)})}

    standard_error = 0.8 * math.sqrt(1 - 0.85)
    assert changes["C"].rci == pytest.approx(((4 + 3 + 4) / 3 - 2) / math.sqrt(2) / standard_error)
    assert changes["capability"].rci is None


def test_rci_matches_a_hand_computed_example():
    # SE = 0.8 * sqrt(0.15) = 0.30984; S_diff = sqrt(2 * SE^2) = 0.43818; RC = 1.5 / 0.43818
    standard_error = 0.8 * math.sqrt(1 - 0.85)
    s_diff = math.sqrt(2 * standard_error**2)

    rci = reliable_change_index(2.0, 3.5, 0.8, 0.85)

    assert rci == pytest.approx((3.5 - 2.0) / s_diff)
    assert rci == pytest.approx(3.4233, abs=1e-4)


def test_rci_is_undefined_without_measurement_error():
    assert reliable_change_index(2.0, 3.5, 0.0, 0.85) is None
    assert reliable_change_index(2.0, 3.5, 0.8, 1.0) is None


@pytest.mark.parametrize(
    ("rci", "reliable"),
    [(1.97, True), (1.96, False), (1.95, False), (-1.97, True), (-1.95, False)],
)
def test_change_is_reliable_only_beyond_1_96(rci, reliable):
    assert Change("C", "Capability", 2.0, 3.0, rci=rci).reliable is reliable


def test_small_change_is_not_reliable():
    rci = reliable_change_index(3.0, 3.5, 0.8, 0.85)

    assert Change("C", "Capability", 3.0, 3.5, rci=rci).reliable is False


# Cronbach's alpha


def test_cronbach_alpha_matches_a_hand_computed_example():
    rows = [[2, 3, 3], [4, 4, 5], [3, 3, 4], [5, 4, 5]]
    # Item variances (ddof=1): item 1 mean 3.5, item 2 mean 3.5, item 3 mean 4.25.
    item_1 = (1.5**2 + 0.5**2 + 0.5**2 + 1.5**2) / 3
    item_2 = (0.5**2 * 4) / 3
    item_3 = (1.25**2 + 0.75**2 + 0.25**2 + 0.75**2) / 3
    # Totals 8, 13, 10, 14; mean 11.25.
    total = (3.25**2 + 1.75**2 + 1.25**2 + 2.75**2) / 3
    k = 3

    expected = k / (k - 1) * (1 - (item_1 + item_2 + item_3) / total)

    assert cronbach_alpha(rows) == pytest.approx(expected)
    assert cronbach_alpha(rows) == pytest.approx(21 / 22.75)


def test_perfectly_correlated_items_have_alpha_one():
    assert cronbach_alpha([[1, 1, 1], [3, 3, 3], [4, 4, 4], [5, 5, 5]]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [[1, 2, 3]],
        [[1], [2], [3]],
        [[2, 3], [2, 3], [2, 3]],
    ],
    ids=["no-respondents", "one-respondent", "one-item", "no-variance"],
)
def test_cronbach_alpha_is_undefined_for_too_little_data(rows):
    assert cronbach_alpha(rows) is None


def test_cronbach_alpha_needs_complete_cases():
    with pytest.raises(ValueError):
        cronbach_alpha([[1, 2, 3], [2, 3]])


def test_reliability_is_shown_from_ten_respondents():
    assert MIN_RESPONDENTS_FOR_RELIABILITY == 10


# Property: whatever the ratings, scores stay on their scales


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_domain_means_and_needs_stay_on_their_scales(seed):
    rng = random.Random(seed)
    ratings = {
        each.key: rng.choice([None, 1, 2, 3, 4, 5]) for each in FRAMEWORK if rng.random() < 0.8
    }

    scores = score(FRAMEWORK, ratings, include_sensitive=rng.random() < 0.5)

    for domain in scores.components + scores.subcomponents + scores.sections:
        if domain.mean is not None:
            assert 1 <= domain.mean <= 5
            assert 0 <= domain.need <= 100
    assert all(0 < need.need <= 100 for need in scores.priority_needs)
    assert 0 <= scores.percent_answered <= 100
