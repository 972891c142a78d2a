"""The supervisor's dashboard: one row per current supervisee with their profile in brief, their
self-assessment cycle, supervision hours, the entries and actions waiting, and the reasons the
supervisor should look at them, most pressing first.

The order of the rows: by the most serious reason for attention (`Severity`), then by how much
there is (the severities added up), then by name; supervisees with nothing to look at come last.
Severity, most serious first:
- HIGH: a reliable decline since the baseline in a COM-B component (worse beyond measurement
  error); log entries awaiting this supervisor's confirmation (only they can act, and the
  hours do not count until then).
- MEDIUM: a self-assessment overdue (past the grace period); supervision below the pro-rata
  standard on average over three months (BABCP's averaging); agreed actions past due.
- LOW: supervision below the standard so far this month (the month may not be over).

Built in a fixed number of queries whatever the number of supervisees (see `dashboard_rows`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from django.db.models import Count
from django.utils import timezone

from accounts import permissions
from accounts.models import Team, User
from assessments.cycles import CycleStatus
from assessments.models import SelfAssessment
from assessments.summary import ProfileSummary, profile_summaries

from . import hours, queries
from .models import AgendaItem, AgreedAction, SupervisionSession


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True)
class Attention:
    """One reason the supervisor should look at a supervisee."""

    text: str
    severity: Severity


@dataclass
class DashboardRow:
    person: User
    teams: list[Team]
    since: datetime.date
    status: CycleStatus | None  # None for a supervisee who is not a therapist
    last_submitted: SelfAssessment | None
    profile: ProfileSummary | None  # None before their first submitted self-assessment
    months: list[hours.MonthHours]  # oldest first, this month last
    rolling: hours.RollingHours
    awaiting_confirmation: int
    actions_past_due: int
    open_agenda_items: int
    attention: list[Attention] = field(default_factory=list)

    @property
    def is_therapist(self) -> bool:
        return self.status is not None

    @property
    def this_month(self) -> hours.MonthHours:
        return self.months[-1]

    @property
    def sort_key(self) -> tuple[int, int, str, str, int]:
        """Most serious reason first, then most to look at, then by name."""
        most = max((reason.severity for reason in self.attention), default=0)
        total = sum(reason.severity for reason in self.attention)
        return (-most, -total, self.person.last_name, self.person.first_name, self.person.pk)


def dashboard_rows(supervisor: User, people: Sequence[User]) -> list[DashboardRow]:
    """A row for each of `people`, sorted as the module says. `people` are the supervisor's
    current supervisees as `queries.supervisee_list` reads them (with what it prefetches);
    every row is built from them and from nine more queries at most, however many they are:
    hours (two), entries awaiting confirmation, actions past due, open agenda items, and the
    profile summaries (`assessments.summary.profile_summaries`, four at most)."""
    if not people:
        return []
    today = timezone.localdate()
    basics = queries.supervisee_rows(list(people))
    months = hours.monthly_hours_of(people)
    awaiting = _awaiting_confirmation(supervisor, people)
    past_due = _actions_past_due(supervisor, people, today)
    agenda = _open_agenda_items(people)
    summaries = profile_summaries(
        supervisor,
        # Prefetched by `supervisee_list`, with their versions.
        [a for person in people for a in person.self_assessments.all()],
    )
    rows = []
    for basic in basics:
        pk = basic.person.pk
        row = DashboardRow(
            person=basic.person,
            teams=basic.teams,
            since=basic.since,
            status=basic.status,
            last_submitted=basic.last_submitted,
            profile=summaries.get(pk),
            months=months[pk],
            rolling=hours.rolling_average(months[pk]),
            awaiting_confirmation=awaiting.get(pk, 0),
            actions_past_due=past_due.get(pk, 0),
            open_agenda_items=agenda.get(pk, 0),
        )
        row.attention = attention(row)
        rows.append(row)
    return sorted(rows, key=lambda row: row.sort_key)


def attention(row: DashboardRow) -> list[Attention]:
    """The reasons to look at a supervisee, most serious first."""
    reasons = []
    if row.profile is not None:
        reasons += [
            Attention(f"Reliable decline in {component.score.label}", Severity.HIGH)
            for component in row.profile.reliable_declines
        ]
    if row.awaiting_confirmation:
        count = row.awaiting_confirmation
        entries = "1 entry awaits" if count == 1 else f"{count} entries await"
        reasons.append(Attention(f"{entries} your confirmation", Severity.HIGH))
    if row.status is not None and row.status.state == "overdue":
        reasons.append(Attention("Self-assessment overdue", Severity.MEDIUM))
    if row.is_therapist and not row.rolling.meets_standard:
        reasons.append(Attention("Supervision below standard over three months", Severity.MEDIUM))
    if row.actions_past_due:
        count = row.actions_past_due
        actions = "1 action" if count == 1 else f"{count} actions"
        reasons.append(Attention(f"{actions} past due", Severity.MEDIUM))
    if row.is_therapist and not row.this_month.meets_standard:
        reasons.append(Attention("Supervision below standard this month", Severity.LOW))
    return sorted(reasons, key=lambda reason: -reason.severity)


def _awaiting_confirmation(supervisor: User, people: Sequence[User]) -> dict[int, int]:
    rows = (
        SupervisionSession.objects.awaiting_review()
        .filter(supervisor=supervisor, supervisee__in=people)
        .order_by()
        .values("supervisee_id")
        .annotate(count=Count("pk"))
    )
    return {row["supervisee_id"]: row["count"] for row in rows}


def _actions_past_due(
    supervisor: User, people: Sequence[User], today: datetime.date
) -> dict[int, int]:
    """Open actions past their date, on the entries the supervisor may open (those the agenda
    page lists, `agenda_queries.open_actions`; a correction does not copy its original's
    actions, so each is counted once)."""
    entries = SupervisionSession.objects.filter(
        permissions.supervision_entries_visible_to(supervisor), supervisee__in=people
    )
    rows = (
        AgreedAction.objects.filter(entry__in=entries, done_on__isnull=True, due_on__lt=today)
        .order_by()
        .values("entry__supervisee_id")
        .annotate(count=Count("pk"))
    )
    return {row["entry__supervisee_id"]: row["count"] for row in rows}


def _open_agenda_items(people: Sequence[User]) -> dict[int, int]:
    rows = (
        AgendaItem.objects.filter(supervisee__in=people, status=AgendaItem.Status.OPEN)
        .order_by()
        .values("supervisee_id")
        .annotate(count=Count("pk"))
    )
    return {row["supervisee_id"]: row["count"] for row in rows}
