"""The service lead's overview: per team, how many therapists have a current self-assessment and
how many are overdue, small counts suppressed, in a number of queries that does not grow with
the service."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import Role
from tests import factories

STATUS_ROW = re.compile(r'<tr class="team-status"><th scope="row">(.*?)</th>(.*?)</tr>', re.S)
# Measured: 11 on SQLite for 3 teams and for 60, two of them for the self-assessment counts (the
# page's therapists with their service's framework, and their assessments of it) and two for the
# service action list (the barrier counts and the list's summary; no barrier is listed here).
SERVICE_OVERVIEW_QUERIES = 11


@pytest.fixture
def small_groups(settings):
    settings.SMALL_GROUP_MIN = 2
    return 2


@pytest.fixture
def service(published_version):
    return factories.ServiceFactory(framework=published_version.framework)


def lead_of(service):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user


def therapist_submitted(team, version, days_ago: int):
    """A therapist of the team whose baseline was submitted `days_ago` days ago."""
    person = factories.therapist(team=team)
    factories.submitted_assessment(
        person,
        version,
        {},
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    return person


def status_rows(response) -> dict[str, list[str]]:
    """Team → [current, overdue] as shown."""
    return {
        strip_tags(team).strip(): [
            strip_tags(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)
        ]
        for team, cells in STATUS_ROW.findall(response.content.decode())
    }


def overview(client, service):
    client.force_login(lead_of(service))
    return client.get(f"/services/{service.slug}/")


def test_lead_sees_how_many_therapists_are_current_and_overdue_in_each_team(
    client, service, published_version, small_groups
):
    team = factories.TeamFactory(service=service, name="North")
    for _ in range(2):
        therapist_submitted(team, published_version, days_ago=10)
    for _ in range(3):
        therapist_submitted(team, published_version, days_ago=200)
    assert status_rows(overview(client, service)) == {"North": ["2", "3"]}


def test_lead_sees_counts_below_the_small_group_minimum_as_fewer_than_it(
    client, service, published_version, small_groups
):
    team = factories.TeamFactory(service=service, name="South")
    therapist_submitted(team, published_version, days_ago=10)
    for _ in range(2):
        therapist_submitted(team, published_version, days_ago=200)
    assert status_rows(overview(client, service)) == {"South": ["fewer than 2", "2"]}


def test_therapist_without_a_baseline_is_neither_current_nor_overdue(
    client, service, published_version, small_groups
):
    team = factories.TeamFactory(service=service, name="East")
    for _ in range(3):
        factories.therapist(team=team)
    for _ in range(2):
        therapist_submitted(team, published_version, days_ago=10)
    assert status_rows(overview(client, service)) == {"East": ["2", "fewer than 2"]}


def test_lead_no_longer_sees_the_heatmap_placeholder(client, service):
    factories.TeamFactory(service=service)
    response = overview(client, service)
    assertContains(response, "Self-assessments</h2>")
    assertNotContains(response, "heatmaps appear here")


def service_with(version, teams: int, therapists_per_team: int):
    service = factories.ServiceFactory(framework=version.framework)
    for _ in range(teams):
        team = factories.TeamFactory(service=service)
        factories.supervisor(team=team)
        for n in range(therapists_per_team):
            therapist_submitted(team, version, days_ago=10 if n % 2 else 200)
    return service


@pytest.mark.parametrize(("teams", "therapists_per_team"), [(3, 2), (60, 3)])
def test_lead_page_queries_do_not_grow_with_teams_or_therapists(
    client, published_version, django_assert_max_num_queries, teams, therapists_per_team
):
    service = service_with(published_version, teams, therapists_per_team)
    client.force_login(lead_of(service))
    with django_assert_max_num_queries(SERVICE_OVERVIEW_QUERIES):
        response = client.get(f"/services/{service.slug}/")
    assert len(status_rows(response)) == min(teams, 25)
