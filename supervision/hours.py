"""Supervision hours against BABCP's standard, per calendar month and over three months.

The standard (settings): 1.5 hours a month for full-time clinical practice, pro rata to the
contracted weekly hours on the therapist's memberships (full time 37.5 hours), never under 45
minutes and never over the full-time figure. BABCP lets it be an average where contact is
regular, hence the rolling three-month average beside each month.

What counts: individual and live-observation sessions, and group sessions of at most six people
(BABCP: "all time spent in group supervision" counts for such groups, so their whole duration
counts). Peer sessions never count. Drafts and returned entries never count. Of the submitted
and confirmed entries:
- confirmed by the in-product supervisor: counted, "confirmed";
- submitted with an external supervisor: counted (it is real supervision), shown as "not
  confirmed in the product";
- submitted, awaiting the in-product supervisor's review: "pending", shown apart and not
  counted until confirmed.
A correction (amendment) replaces its original only once confirmed, so nothing counts twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import IntegerField, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import Membership, Role, User

from .models import Format, SupervisionSession

Status = SupervisionSession.Status
ROLLING_MONTHS = 3


# The rule (pure functions)


def full_time_monthly_minutes() -> int:
    return int(Decimal(str(settings.SUPERVISION_MONTHLY_HOURS_FULL_TIME)) * 60)


def standard_minutes(contracted_weekly_hours: Decimal | None) -> int:
    """The monthly standard in minutes for a therapist contracted for these weekly hours
    (None: full time)."""
    full = full_time_monthly_minutes()
    if contracted_weekly_hours is None:
        return full
    share = Decimal(contracted_weekly_hours) / Decimal(str(settings.FULL_TIME_WEEKLY_HOURS))
    pro_rata = int((full * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(full, max(settings.SUPERVISION_MINIMUM_MONTHLY_MINUTES, pro_rata))


def counts_toward_hours(format: str, group_size: int | None) -> bool:
    """Whether a session of this format (and group size) counts toward supervision hours."""
    if format in (Format.INDIVIDUAL, Format.LIVE_OBSERVATION):
        return True
    if format == Format.GROUP:
        return group_size is not None and group_size <= settings.SUPERVISION_GROUP_MAX_COUNTED
    return False


def counted_formats() -> Q:
    """`counts_toward_hours` as a database filter."""
    return Q(format__in=[Format.INDIVIDUAL, Format.LIVE_OBSERVATION]) | Q(
        format=Format.GROUP, group_size__lte=settings.SUPERVISION_GROUP_MAX_COUNTED
    )


def contracted_hours_on(memberships: Iterable[Membership], day: datetime.date) -> Decimal | None:
    """The weekly hours of the therapist memberships in force on a day, added up; None (full
    time) when one of them is full time or none is in force."""
    in_force = [
        m
        for m in memberships
        if m.role == Role.THERAPIST
        and m.starts_on <= day
        and (m.ends_on is None or m.ends_on >= day)
    ]
    if not in_force or any(m.contracted_hours is None for m in in_force):
        return None
    return sum((m.contracted_hours for m in in_force if m.contracted_hours), Decimal(0))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def months_ending(month: datetime.date, count: int) -> list[datetime.date]:
    """The first days of `count` calendar months ending with `month`'s, oldest first."""
    months = [month_start(month)]
    while len(months) < count:
        months.insert(0, month_start(months[0] - datetime.timedelta(days=1)))
    return months


class CountedMinutes:
    """What counts of a month's minutes, and whether that meets the standard (the months here
    and the export's, which may cover part of a month)."""

    confirmed_minutes: int
    external_minutes: int  # submitted, external supervisor: counted, not confirmed in product
    standard_minutes: int

    @property
    def counted_minutes(self) -> int:
        return self.confirmed_minutes + self.external_minutes

    @property
    def meets_standard(self) -> bool:
        return self.counted_minutes >= self.standard_minutes


@dataclass(frozen=True)
class MonthHours(CountedMinutes):
    """One calendar month of a supervisee's log, in minutes."""

    month: datetime.date  # its first day
    confirmed_minutes: int
    external_minutes: int
    pending_minutes: int  # submitted, awaiting review: not counted yet
    standard_minutes: int


@dataclass(frozen=True)
class RollingHours:
    """The average month over a run of months."""

    months: int
    counted_minutes: Decimal
    standard_minutes: Decimal

    @property
    def meets_standard(self) -> bool:
        return self.counted_minutes >= self.standard_minutes


def rolling_average(months: Sequence[MonthHours]) -> RollingHours:
    """The average counted minutes and standard of the given months."""
    if not months:
        raise ValueError("No months to average.")
    count = Decimal(len(months))
    return RollingHours(
        months=len(months),
        counted_minutes=sum(Decimal(m.counted_minutes) for m in months) / count,
        standard_minutes=sum(Decimal(m.standard_minutes) for m in months) / count,
    )


# The selector


def monthly_hours(
    supervisee: User, *, last_month: datetime.date | None = None, count: int = ROLLING_MONTHS
) -> list[MonthHours]:
    """The supervisee's hours for `count` calendar months ending with `last_month`'s (this
    month by default), oldest first, each against the standard for the hours they were
    contracted for at its end (today, for this month). Two queries."""
    return monthly_hours_of([supervisee], last_month=last_month, count=count)[supervisee.pk]


def monthly_hours_of(
    supervisees: Iterable[User],
    *,
    last_month: datetime.date | None = None,
    count: int = ROLLING_MONTHS,
) -> dict[int, list[MonthHours]]:
    """`monthly_hours` of each of several supervisees, by id, in the same two queries however
    many they are (a supervisor's dashboard)."""
    ids = [person.pk for person in supervisees]
    if not ids:
        return {}
    today = timezone.localdate()
    months = months_ending(last_month or today, count)
    minutes = _minutes_by_month(ids, months[0], month_end(months[-1]))
    memberships: dict[int, list[Membership]] = {pk: [] for pk in ids}
    for membership in Membership.objects.filter(user_id__in=ids, role=Role.THERAPIST):
        memberships[membership.user_id].append(membership)
    return {
        pk: [
            _month_hours(
                month,
                minutes.get((pk, month), {}),
                memberships[pk],
                min(month_end(month), today),
            )
            for month in months
        ]
        for pk in ids
    }


def _month_hours(
    month: datetime.date,
    found: dict[str, int],
    memberships: list[Membership],
    on: datetime.date,
) -> MonthHours:
    return MonthHours(
        month=month,
        confirmed_minutes=found.get("confirmed", 0),
        external_minutes=found.get("external", 0),
        pending_minutes=found.get("pending", 0),
        standard_minutes=standard_minutes(contracted_hours_on(memberships, on)),
    )


def _minutes_by_month(
    supervisee_ids: list[int], first: datetime.date, last: datetime.date
) -> dict[tuple[int, datetime.date], dict[str, int]]:
    def total(condition: Q) -> Coalesce:
        return Coalesce(Sum("duration_minutes", filter=condition), 0, output_field=IntegerField())

    submitted = Q(status=Status.SUBMITTED)
    rows = (
        SupervisionSession.objects.counted_versions()
        .filter(counted_formats(), supervisee_id__in=supervisee_ids, held_on__range=(first, last))
        .filter(status__in=[Status.SUBMITTED, Status.CONFIRMED])
        .annotate(month=TruncMonth("held_on"))
        .order_by()
        .values("supervisee_id", "month")
        .annotate(
            confirmed=total(Q(status=Status.CONFIRMED)),
            external=total(submitted & Q(supervisor__isnull=True)),
            pending=total(submitted & Q(supervisor__isnull=False)),
        )
    )
    return {(row["supervisee_id"], _as_date(row["month"])): row for row in rows}


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
