"""The profile's COM-B sub-component table: separate scores for each sub-component with items
(by each statement's primary code in the shipped framework: C1-C19 and the collaboration
statements C-Ps except CR2 and VE1, which are M-Re; O1-O6 O-Ph; O7-O10 and PI1 O-So; M1-M9 M-Re;
M10-M11 M-Au), the two-thirds rule, change, private answers and the page's query count."""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags
from pytest_django.asserts import assertContains

from tests import factories
from tests.assessments.test_profile_page import PROFILE_QUERY_BUDGET, profile_url, signed_in

SUBCOMPONENT_ROW = re.compile(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
NOT_SCORED = "\u2013"  # the en dash shown for a need that is withheld
PHYSICAL = [f"O{n}" for n in range(1, 7)]
SOCIAL = [*(f"O{n}" for n in range(7, 11)), "PI1"]


def subcomponents(response) -> dict[str, list[str]]:
    """Sub-component rows: label → [mean, need, rated, since previous, since baseline]."""
    content = response.content.decode()
    start = content.index("COM-B sub-components</h2>")
    part = content[start : content.index("Priority needs</h2>", start)]
    rows = {}
    for label, cells in SUBCOMPONENT_ROW.findall(part):
        rows[" ".join(html.unescape(strip_tags(label)).split())] = [
            " ".join(html.unescape(strip_tags(cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return rows


def test_profile_shows_physical_and_social_opportunity_separately(
    client, therapist, published_version
):
    ratings = dict.fromkeys(PHYSICAL, 2) | dict.fromkeys(SOCIAL, 4)
    factories.submitted_assessment(therapist, published_version, ratings)
    rows = subcomponents(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Physical opportunity (O-Ph)"][:3] == ["2.00", "75", "6 of 6"]
    assert rows["Social opportunity (O-So)"][:3] == ["4.00", "25", "5 of 5"]


def test_sub_component_with_fewer_than_two_thirds_rated_shows_not_enough_answers(
    client, therapist, published_version
):
    # Social opportunity: 2 of its 5 statements rated, under two thirds.
    ratings = dict.fromkeys(PHYSICAL, 3) | {"O7": 3, "O8": 3, "O9": None, "O10": None, "PI1": None}
    factories.submitted_assessment(therapist, published_version, ratings)
    rows = subcomponents(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Social opportunity (O-So)"][:3] == ["not enough answers", NOT_SCORED, "2 of 5"]


def test_sub_component_shows_change_since_the_previous_cycle(client, therapist, published_version):
    factories.submitted_assessment(therapist, published_version, dict.fromkeys(SOCIAL, 2))
    factories.submitted_assessment(therapist, published_version, dict.fromkeys(SOCIAL, 3), cycle=1)
    rows = subcomponents(signed_in(client, therapist).get(profile_url(therapist)))
    assert rows["Social opportunity (O-So)"][3] == "+1.00"


def test_sub_component_change_is_shown_without_a_reliable_mark(
    client, therapist, published_version
):
    factories.submitted_assessment(therapist, published_version, dict.fromkeys(SOCIAL, 1))
    factories.submitted_assessment(therapist, published_version, dict.fromkeys(SOCIAL, 5), cycle=1)
    response = signed_in(client, therapist).get(profile_url(therapist))
    assert subcomponents(response)["Social opportunity (O-So)"][3] == "+4.00"
    assertContains(response, "Sub-components have no stored reliability figures")


def test_supervisor_not_shared_with_does_not_get_private_answers_in_sub_components(
    client, therapist, supervisor, published_version
):
    # M10 rated 3 and M11 (burnout, private) rated 1: Automatic motivation is 2.00 over 2 for
    # the therapist, 3.00 over 1 for a supervisor the answers were not shared with.
    factories.submitted_assessment(therapist, published_version, {"M10": 3, "M11": 1})
    owner = subcomponents(signed_in(client, therapist).get(profile_url(therapist)))
    seen = subcomponents(signed_in(client, supervisor).get(profile_url(therapist)))
    assert owner["Automatic motivation (M-Au)"][:3] == ["2.00", "75", "2 of 2"]
    assert seen["Automatic motivation (M-Au)"][:3] == ["3.00", "50", "1 of 1"]


def test_supervisor_shared_with_gets_private_answers_in_sub_components(
    client, therapist, supervisor, published_version
):
    factories.submitted_assessment(
        therapist, published_version, {"M10": 3, "M11": 1}, shares_sensitive=True
    )
    seen = subcomponents(signed_in(client, supervisor).get(profile_url(therapist)))
    assert seen["Automatic motivation (M-Au)"][:3] == ["2.00", "75", "2 of 2"]


def test_sub_component_table_adds_no_queries_to_the_profile(
    client, therapist, published_version, django_assert_max_num_queries
):
    for _ in range(3):
        factories.filled_assessment(therapist, published_version, 3)
    signed_in(client, therapist)
    with django_assert_max_num_queries(PROFILE_QUERY_BUDGET):
        response = client.get(profile_url(therapist))
    assert len(subcomponents(response)) == 5
