"""accounts.queries: head counts of a page of teams, on any day, in one query."""

from __future__ import annotations

import datetime

from accounts import queries
from tests import factories

DAY = datetime.date(2026, 3, 1)


def test_head_counts_of_no_teams_need_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert queries.team_headcounts([]) == []


def test_head_counts_of_a_page_of_teams_take_one_query(service, django_assert_num_queries):
    teams = [factories.TeamFactory(service=service) for _ in range(4)]
    for team in teams:
        factories.therapist(team=team)
    with django_assert_num_queries(1):
        rows = queries.team_headcounts(teams)
    assert [row.therapists for row in rows] == [1, 1, 1, 1]


def test_head_counts_on_a_past_day_count_who_was_in_the_team_then(team):
    leaver = factories.therapist(team=team)
    leaver.memberships.update(starts_on=DAY.replace(month=1), ends_on=DAY)
    factories.therapist(team=team).memberships.update(starts_on=DAY.replace(day=2))
    [row] = queries.team_headcounts([team], on=DAY)
    assert (row.team, row.therapists, row.supervisors) == (team, 1, 0)


def test_service_teams_are_listed_by_name(service):
    factories.TeamFactory(service=service, name="South")
    factories.TeamFactory(service=service, name="North")
    factories.TeamFactory(name="Elsewhere")
    assert [team.name for team in queries.service_teams(service)] == ["North", "South"]
