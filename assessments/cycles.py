"""The self-assessment cycle: a baseline, then a reassessment every few months.

Cycles are counted per framework: a therapist's first assessment on a framework is that
framework's baseline. Read-only: pages that show where someone is in their cycle (the
therapist's, the supervisor's) import this, not the questionnaire's write operations. The
interval is that of the services using the framework; a therapist in several follows the
shortest, so no service's schedule is missed.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Membership, Role, User

from .models import Framework, SelfAssessment

GRACE_DAYS = 28
DEFAULT_INTERVAL_MONTHS = 3


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def interval_months(service_intervals: Iterable[int]) -> int:
    """The reassessment interval from the intervals of a therapist's services: the shortest."""
    return min(service_intervals, default=DEFAULT_INTERVAL_MONTHS)


def interval_for(therapist: User, framework: Framework | int | None) -> int:
    """The reassessment interval of the therapist's current services that use the framework
    (of all their current services if none does any more, or no framework is given)."""
    memberships = Membership.objects.current().filter(user=therapist, role=Role.THERAPIST)
    intervals = memberships.values_list("service__reassessment_interval_months", flat=True)
    using = list(intervals.filter(service__framework=framework)) if framework else []
    return interval_months(using or intervals)


@dataclass(frozen=True)
class CycleStatus:
    """Where a therapist is in their assessment cycle, as shown to them and their supervisor."""

    state: str  # "due", "overdue", "in_progress" or "complete"
    cycle: int  # the cycle the next (or open) assessment belongs to
    due_on: datetime.date
    open_assessment: SelfAssessment | None = None

    @property
    def label(self) -> str:
        name = "Baseline" if self.cycle == 0 else f"Reassessment {self.cycle}"
        return {
            "due": f"{name} due",
            "overdue": f"{name} overdue",
            "in_progress": f"{name} in progress",
            "complete": "Complete",
        }[self.state]

    @property
    def can_start(self) -> bool:
        return self.state in {"due", "overdue", "in_progress"}


def cycle_status(
    assessments: list[SelfAssessment], months: int, today: datetime.date | None = None
) -> CycleStatus:
    """Status from a therapist's assessments (any order): baseline first, then every `months`."""
    today = today or timezone.localdate()
    open_one = next((a for a in assessments if not a.is_submitted), None)
    submitted = [a for a in assessments if a.is_submitted]
    if not submitted:
        due_on = timezone.localtime(open_one.started_at).date() if open_one else today
        return CycleStatus("in_progress" if open_one else "due", 0, due_on, open_one)
    last = max(submitted, key=lambda a: a.cycle)
    assert last.submitted_at is not None  # a database constraint: submitted means dated
    due_on = add_months(timezone.localtime(last.submitted_at).date(), months)
    if open_one:
        return CycleStatus("in_progress", open_one.cycle, due_on, open_one)
    if today < due_on:
        return CycleStatus("complete", last.cycle + 1, due_on)
    overdue = today >= due_on + datetime.timedelta(days=GRACE_DAYS)
    return CycleStatus("overdue" if overdue else "due", last.cycle + 1, due_on)


def status_for(
    therapist: User, framework: Framework, today: datetime.date | None = None
) -> CycleStatus:
    """Where the therapist is in their cycle of the framework."""
    assessments = list(therapist.self_assessments.filter(framework=framework))
    return cycle_status(assessments, interval_for(therapist, framework), today)
