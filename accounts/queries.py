"""Reads for organisation pages, aggregated in the database."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from .models import Membership, Role, Service, Team, User

COUNTED_ROLES = (Role.THERAPIST, Role.SUPERVISOR)


@dataclass(frozen=True)
class TeamHeadcount:
    """How many people hold each role in a team on a day (head counts, not personal data)."""

    team: Team
    therapists: int
    supervisors: int


def service_teams(service: Service) -> QuerySet[Team]:
    """A service's teams by name: what the service overview pages through."""
    return service.teams.order_by("name", "pk")


def team_headcounts(teams: Sequence[Team], on: datetime.date | None = None) -> list[TeamHeadcount]:
    """Each of `teams` (one page of them) with how many active people are its therapists and
    its supervisors on a day (today by default).

    One grouped query over the memberships of these teams only, which the (team, role, ends_on)
    index serves, so the cost follows the page, not the size of the service. A person is counted
    once per role even if two of their memberships in the team overlap.
    """
    if not teams:
        return []
    # Looked up by primary key for each membership: a join would let the planner read the
    # whole user table.
    user_is_active = User.objects.filter(pk=OuterRef("user_id")).order_by().values("is_active")
    memberships = (
        Membership.objects.current(on)
        .filter(team__in=teams, role__in=COUNTED_ROLES)
        .alias(user_is_active=Subquery(user_is_active))
        .filter(user_is_active=True)
    )
    counts = {
        (row["team_id"], row["role"]): row["people"]
        for row in memberships.order_by()
        .values("team_id", "role")
        .annotate(people=Count("user_id", distinct=True))
    }
    return [
        TeamHeadcount(
            team=team,
            therapists=counts.get((team.pk, Role.THERAPIST), 0),
            supervisors=counts.get((team.pk, Role.SUPERVISOR), 0),
        )
        for team in teams
    ]
