"""How many of each team's therapists have a current self-assessment, and how many are overdue:
what the service lead's overview shows per team (counts only, never whose).

A therapist's state is `cycles.cycle_status` of their assessments of their service's framework,
at their team's service's interval. Read in two queries for a page of teams, whatever the number
of teams, therapists or assessments.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max, Q

from accounts import permissions
from accounts.models import Membership, Role, Team

from .cycles import cycle_status
from .models import SelfAssessment


@dataclass(frozen=True)
class TeamAssessmentStatus:
    """One team's therapists today and how many are current (state complete) or overdue; a
    count is None (shown as "fewer than k") when it describes fewer than k people."""

    team: Team
    therapists: int
    current: int | None
    overdue: int | None


def team_assessment_status(
    teams: Sequence[Team], today: datetime.date | None = None
) -> list[TeamAssessmentStatus]:
    """Each of `teams` (one page of them, in order) with its counts, suppressed through
    `permissions.suppress`: one query for the teams' current therapists, one for their
    assessments of their services' frameworks."""
    if not teams:
        return []
    memberships = (
        Membership.objects.current(today)
        .filter(team__in=teams, role=Role.THERAPIST, user__is_active=True)
        .order_by()
        .values_list(
            "team_id",
            "user_id",
            "service__framework_id",
            "service__reassessment_interval_months",
        )
        .distinct()
    )
    therapists: dict[int, dict[int, tuple[int | None, int]]] = defaultdict(dict)
    for team_id, user_id, framework_id, months in memberships:
        therapists[team_id][user_id] = (framework_id, months)
    people = {user for members in therapists.values() for user in members}
    frameworks = {
        f for members in therapists.values() for f, _months in members.values() if f is not None
    }
    assessments: dict[tuple[int, int], list[SelfAssessment]] = defaultdict(list)
    for key, assessment in latest_assessments(people, frameworks):
        assessments[key].append(assessment)
    rows = []
    for team in teams:
        states = [
            cycle_status(assessments[user, framework], months, today).state
            for user, (framework, months) in therapists[team.pk].items()
            if framework is not None
        ]
        current, overdue = states.count("complete"), states.count("overdue")
        rows.append(
            TeamAssessmentStatus(
                team=team,
                therapists=len(therapists[team.pk]),
                current=permissions.suppress(current, current),
                overdue=permissions.suppress(overdue, overdue),
            )
        )
    return rows


# Stand-ins are built as rows loaded with only these fields, in the model's field order (no
# defaults computed): much quicker than the constructor for thousands of therapists.
SUBMITTED_FIELDS = ["cycle", "status", "submitted_at"]
OPEN_FIELDS = ["cycle", "status", "started_at"]


def latest_assessments(
    people: set[int], frameworks: set[int]
) -> list[tuple[tuple[int, int], SelfAssessment]]:
    """What `cycle_status` needs of each therapist's assessments of a framework, summed up in
    the database: the last submitted one and the one in progress, as unsaved stand-ins. A
    service of thousands then costs a few thousand small rows, not every cycle of everyone."""
    submitted = Q(status=SelfAssessment.Status.SUBMITTED)
    in_progress = Q(status=SelfAssessment.Status.IN_PROGRESS)
    summaries = (
        SelfAssessment.objects.filter(therapist_id__in=people, framework_id__in=frameworks)
        .order_by()
        .values_list("therapist_id", "framework_id")
        .annotate(
            last_cycle=Max("cycle", filter=submitted),
            last_submitted_at=Max("submitted_at", filter=submitted),
            open_cycle=Max("cycle", filter=in_progress),
            open_started_at=Max("started_at", filter=in_progress),
        )
    )
    stand_ins = []
    for therapist, framework, last_cycle, submitted_at, open_cycle, started_at in summaries:
        key = (therapist, framework)
        if last_cycle is not None:
            last = SelfAssessment.from_db(
                None, SUBMITTED_FIELDS, (last_cycle, SelfAssessment.Status.SUBMITTED, submitted_at)
            )
            stand_ins.append((key, last))
        if open_cycle is not None:
            open_one = SelfAssessment.from_db(
                None, OPEN_FIELDS, (open_cycle, SelfAssessment.Status.IN_PROGRESS, started_at)
            )
            stand_ins.append((key, open_one))
    return stand_ins
