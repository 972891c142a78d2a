"""A supervisee's supervision log for BABCP's reaccreditation audit, and the log page's totals.

An export covers a period (`PeriodForm`: `from`/`to`, by default the last 12 calendar months)
and holds one row per session with what BABCP's clinical supervision logbook asks for, then the
monthly totals against the standard; `csv_lines` streams it as CSV and `pdf_bytes` prints it
with WeasyPrint. docs/babcp-supervision-log.md maps each column to the logbook.

The rows are only the entries the viewer may open (`supervision_entries_visible_to`), and the
totals are added up from those rows, so no export reveals a session its viewer cannot see. Which
rows count toward the hours follows `supervision.hours` (tests check the two agree).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import IntegerField, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from accounts import permissions
from accounts.models import Membership, Role, User
from assessments.models import FrameworkItem
from comb_tracker.documents import render_pdf, safe_cell

from . import hours
from .models import Activity, Delivery, Format, SupervisionSession

Status = SupervisionSession.Status
DEFAULT_MONTHS = 12
MAX_PERIOD_MONTHS = 60  # five years: a PDF of that is still a few pages
ITERATOR_CHUNK = 200
PDF_STYLESHEET = "css/log_pdf.css"

YES, NO, PENDING = "Yes", "No", "Pending"
ACCREDITATION_UNKNOWN = "Unknown (not recorded in the product)"
NOT_CONFIRMED_IN_PRODUCT = "Not confirmed in the product"


# The period


@dataclass(frozen=True)
class Period:
    """The sessions held from `first` to `last`, both included."""

    first: datetime.date
    last: datetime.date

    def months(self, today: datetime.date) -> list[datetime.date]:
        """The first days of the calendar months the period touches, up to this month."""
        end = hours.month_start(min(self.last, today))
        month = hours.month_start(self.first)
        months = []
        while month <= end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def default_period(today: datetime.date) -> Period:
    """The last 12 calendar months, this one included (BABCP audits the previous 12 months)."""
    return Period(first=hours.months_ending(today, DEFAULT_MONTHS)[0], last=today)


DATE_ERROR = "Enter a date as year-month-day, for example 2026-03-31."


def _date_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=help_text,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class PeriodForm(forms.Form):
    """The period of an export, from the GET parameters `from` and `to` (either may be left
    empty: the start of the last 12 months, and today)."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, today: datetime.date) -> None:
        default = default_period(today)
        super().__init__(data, initial={"from": default.first, "to": default.last})
        self.today = today
        # "from" is a Python keyword, so the fields are named here rather than declared.
        self.fields["from"] = _date_field("From", "Left empty: the start of the last 12 months.")
        self.fields["to"] = _date_field("To", "Left empty: today.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        default = default_period(self.today)
        first = cleaned.get("from") or default.first
        last = cleaned.get("to") or default.last
        if first > last:
            self.add_error("to", "The end of the period must be on or after its start.")
        elif (last.year - first.year) * 12 + last.month - first.month >= MAX_PERIOD_MONTHS:
            years = MAX_PERIOD_MONTHS // 12
            self.add_error("from", f"A period can be at most {years} years long.")
        else:
            cleaned["period"] = Period(first=first, last=last)
        return cleaned

    def period(self) -> Period:
        """The period asked for (call after `is_valid`)."""
        return self.cleaned_data["period"]

    def error_text(self) -> str:
        """Every error on one line each, for a plain-text answer."""
        return "\n".join(
            f"{self.fields[name].label}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        )


# One row of the log


@dataclass(frozen=True)
class LogRow:
    """One session as the export shows it."""

    held_on: datetime.date
    duration_minutes: int
    format: str
    group_size: int | None
    supervisor: str
    supervisor_kind: str  # in the product, or external
    supervisor_accredited: str  # Yes, No, or unknown for a supervisor in the product
    delivery: str
    statements: list[str]
    activities: list[str]
    reflection: str
    status: str
    confirmation: str
    counts: str  # Yes, No or Pending
    why_not_counted: str
    correction: str
    counted_as: str | None  # "confirmed", "external", "pending" or None: for the totals

    @property
    def format_with_size(self) -> str:
        return f"{self.format} ({self.group_size} people)" if self.group_size else self.format


def _superseded(entry: SupervisionSession) -> bool:
    """A confirmed entry whose correction is confirmed: the correction counts instead."""
    amendment = getattr(entry, "amendment", None)  # absent: RelatedObjectDoesNotExist
    return amendment is not None and amendment.status == Status.CONFIRMED


def counting(entry: SupervisionSession) -> tuple[str, str, str | None]:
    """Whether an entry counts toward the hours (Yes, No, Pending), why not, and in which
    total it is added up: the rule of `supervision.hours`, entry by entry."""
    if entry.status == Status.DRAFT:
        return NO, "A draft: not sent.", None
    if entry.status == Status.RETURNED:
        return NO, "Returned for changes.", None
    if entry.amends_id and entry.status != Status.CONFIRMED:
        return NO, "A correction awaiting confirmation: the entry it corrects counts.", None
    if _superseded(entry):
        return NO, "Replaced by its confirmed correction.", None
    if not hours.counts_toward_hours(entry.format, entry.group_size):
        if entry.format == Format.GROUP:
            most = settings.SUPERVISION_GROUP_MAX_COUNTED
            return NO, f"A group of {entry.group_size}: groups of over {most} do not count.", None
        return NO, "Peer supervision does not count toward the hours.", None
    if entry.status == Status.CONFIRMED:
        return YES, "", "confirmed"
    if entry.is_external:
        return YES, "", "external"
    return PENDING, "Counts once the supervisor confirms it.", "pending"


def _confirmation(entry: SupervisionSession) -> str:
    if entry.status == Status.CONFIRMED:
        assert entry.confirmed_at is not None
        on = date_format(timezone.localdate(entry.confirmed_at), "j M Y")
        return f"Confirmed by {entry.confirmed_by} on {on}"
    if entry.status == Status.DRAFT:
        return "Not sent to the supervisor (a draft)"
    if entry.status == Status.RETURNED:
        return "Returned for changes by the supervisor"
    if entry.is_external:
        return NOT_CONFIRMED_IN_PRODUCT
    return f"Awaiting confirmation by {entry.supervisor}"


def _correction(entry: SupervisionSession) -> str:
    if entry.amends_id:
        assert entry.amends is not None
        return f"Corrects the entry for {date_format(entry.amends.held_on, 'j M Y')}"
    if _superseded(entry):
        return "Replaced by a correction"
    return ""


def _statement(item: FrameworkItem) -> str:
    return f"{item.key}: {item.target_text or item.problem_text}"


def row_for(entry: SupervisionSession) -> LogRow:
    """The export's row for an entry fetched by `log_entries` (no further query)."""
    counts, why_not, counted_as = counting(entry)
    if entry.is_external:
        supervisor = entry.external_supervisor_name
        kind = "External"
        accredited = YES if entry.external_supervisor_accredited else NO
    else:
        supervisor, kind, accredited = (
            str(entry.supervisor),
            "In the product",
            ACCREDITATION_UNKNOWN,
        )
    return LogRow(
        held_on=entry.held_on,
        duration_minutes=entry.duration_minutes,
        format=Format(entry.format).label,
        group_size=entry.group_size,
        supervisor=supervisor,
        supervisor_kind=kind,
        supervisor_accredited=accredited,
        delivery=Delivery(entry.delivery).label,
        statements=[_statement(item) for item in entry.items.all()],
        activities=[Activity(value).label for value in entry.activities],
        reflection=entry.reflection,
        status=Status(entry.status).label,
        confirmation=_confirmation(entry),
        counts=counts,
        why_not_counted=why_not,
        correction=_correction(entry),
        counted_as=counted_as,
    )


def log_entries(viewer: User, supervisee: User, period: Period) -> QuerySet[SupervisionSession]:
    """The supervisee's entries held in the period that the viewer may open, oldest first, with
    what a row shows (two queries)."""
    return (
        SupervisionSession.objects.filter(
            permissions.supervision_entries_visible_to(viewer),
            supervisee=supervisee,
            held_on__range=(period.first, period.last),
        )
        .select_related("supervisor", "confirmed_by", "amends", "amendment")
        .prefetch_related(
            Prefetch(
                "items", queryset=FrameworkItem.objects.only("key", "target_text", "problem_text")
            )
        )
        .order_by("held_on", "pk")
    )


# Monthly totals


@dataclass
class MonthTotal(hours.CountedMinutes):
    """One calendar month of the export, in minutes, against the standard."""

    month: datetime.date
    first_day: datetime.date  # the period may start or end inside the month
    last_day: datetime.date
    standard_minutes: int
    confirmed_minutes: int = 0
    external_minutes: int = 0
    pending_minutes: int = 0

    @property
    def counted_hours(self) -> str:
        return as_hours(self.counted_minutes)

    @property
    def is_part_month(self) -> bool:
        return self.first_day != self.month or self.last_day != hours.month_end(self.month)


def as_hours(minutes: int | Decimal) -> str:
    """Minutes as hours with up to two decimals: 90 → "1.5"."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return f"{value:f}".rstrip("0").rstrip(".")


@dataclass
class MonthlyTotals:
    """Adds rows up by calendar month as they stream past (constant memory)."""

    months: dict[datetime.date, MonthTotal] = field(default_factory=dict)

    @classmethod
    def for_period(
        cls, period: Period, memberships: Iterable[Membership], today: datetime.date
    ) -> MonthlyTotals:
        memberships = list(memberships)
        totals = cls()
        for month in period.months(today):
            end = hours.month_end(month)
            totals.months[month] = MonthTotal(
                month=month,
                first_day=max(month, period.first),
                last_day=min(end, period.last),
                standard_minutes=hours.standard_minutes(
                    hours.contracted_hours_on(memberships, min(end, today))
                ),
            )
        return totals

    def add(self, row: LogRow) -> None:
        total = self.months.get(hours.month_start(row.held_on))
        if total is None or row.counted_as is None:
            return
        name = f"{row.counted_as}_minutes"
        setattr(total, name, getattr(total, name) + row.duration_minutes)

    def rows(self) -> list[MonthTotal]:
        return [self.months[month] for month in sorted(self.months)]


# The export


@dataclass(frozen=True)
class LogExport:
    """What an export shows: whose log, to whom, over which period."""

    viewer: User
    supervisee: User
    period: Period
    today: datetime.date

    @property
    def is_own(self) -> bool:
        return self.viewer.pk == self.supervisee.pk

    def entries(self) -> QuerySet[SupervisionSession]:
        return log_entries(self.viewer, self.supervisee, self.period)

    def totals(self) -> MonthlyTotals:
        memberships = Membership.objects.filter(user=self.supervisee, role=Role.THERAPIST)
        return MonthlyTotals.for_period(self.period, memberships, self.today)

    def filename(self, extension: str) -> str:
        whose = slugify(str(self.supervisee)) or self.supervisee.pk
        return f"supervision-log-{whose}-{self.period.first}-to-{self.period.last}.{extension}"

    @property
    def scope_note(self) -> str:
        if self.is_own:
            return "Every session the supervisee logged in the period, drafts included."
        return (
            f"Only the sessions sent to or confirmed by {self.viewer}, who produced it: the "
            "supervisee's full log may hold sessions with other supervisors, and drafts are "
            "the supervisee's alone."
        )


# CSV

CSV_HEADER = [
    "Date",
    "Duration (minutes)",
    "Format",
    "Group size",
    "Supervisor",
    "Supervisor in the product or external",
    "Supervisor BABCP accredited",
    "How delivered",
    "Framework statements worked on",
    "Activities",
    "Reflection and learning",
    "Status",
    "Supervisor's confirmation",
    "Counts toward supervision hours",
    "Why not counted",
    "Correction",
]
TOTALS_HEADER = [
    "Month",
    "Part of the month",
    "Counted minutes",
    "Counted hours",
    "Of which confirmed in the product (minutes)",
    "Of which external, not confirmed in the product (minutes)",
    "Awaiting confirmation, not counted (minutes)",
    "Standard (minutes)",
    "Standard met",
]


def _csv_row(row: LogRow) -> list[object]:
    return [
        row.held_on.isoformat(),
        row.duration_minutes,
        row.format,
        row.group_size or "",
        row.supervisor,
        row.supervisor_kind,
        row.supervisor_accredited,
        row.delivery,
        "; ".join(row.statements),
        "; ".join(row.activities),
        row.reflection,
        row.status,
        row.confirmation,
        row.counts,
        row.why_not_counted,
        row.correction,
    ]


def _csv_total(total: MonthTotal) -> list[object]:
    part = f"{total.first_day.isoformat()} to {total.last_day.isoformat()}"
    return [
        total.month.strftime("%Y-%m"),
        part if total.is_part_month else "",
        total.counted_minutes,
        as_hours(total.counted_minutes),
        total.confirmed_minutes,
        total.external_minutes,
        total.pending_minutes,
        total.standard_minutes,
        YES if total.meets_standard else NO,
    ]


def csv_lines(export: LogExport) -> Iterator[Sequence[object]]:
    """The export as CSV rows: the sessions, a blank line, then the monthly totals. Reads the
    entries in chunks, so memory stays the same however long the log."""
    totals = export.totals()
    yield [safe_cell(value) for value in CSV_HEADER]
    for entry in export.entries().iterator(chunk_size=ITERATOR_CHUNK):
        row = row_for(entry)
        totals.add(row)
        yield [safe_cell(value) for value in _csv_row(row)]
    yield []
    yield TOTALS_HEADER
    for total in totals.rows():
        yield _csv_total(total)


# PDF


def pdf_context(export: LogExport) -> dict[str, Any]:
    totals = export.totals()
    rows = []
    for entry in export.entries():
        row = row_for(entry)
        totals.add(row)
        rows.append(row)
    months = totals.rows()
    counted = sum(m.counted_minutes for m in months)
    standard = sum(m.standard_minutes for m in months)
    return {
        "export": export,
        "rows": rows,
        "months": months,
        "counted_minutes": counted,
        "counted_hours": as_hours(counted),
        "standard_minutes": standard,
        "meets_standard_on_average": counted >= standard,
        "full_time_hours": as_hours(hours.full_time_monthly_minutes()),
        "minimum_minutes": settings.SUPERVISION_MINIMUM_MONTHLY_MINUTES,
        "supervisors": sorted({(r.supervisor, r.supervisor_kind) for r in rows}),
        "generated_on": export.today,
        "max_group": settings.SUPERVISION_GROUP_MAX_COUNTED,
    }


def pdf_bytes(export: LogExport) -> bytes:
    """The export printed on A4 (`documents.render_pdf`: PDF/UA-1, nothing from the network)."""
    return render_pdf("supervision/log_pdf.html", pdf_context(export), PDF_STYLESHEET)


# The log page: totals by month and format


@dataclass(frozen=True)
class FormatMonth:
    """One month of the log page's table: minutes logged in each format, and what counted."""

    month: datetime.date
    minutes: list[int]  # in the order of `Format`
    counted_minutes: int
    pending_minutes: int
    standard_minutes: int

    @property
    def meets_standard(self) -> bool:
        return self.counted_minutes >= self.standard_minutes


@dataclass(frozen=True)
class FormatTotals:
    formats: list[str]
    months: list[FormatMonth]  # only months with sessions, oldest first
    totals: list[int]
    counted_minutes: int
    standard_minutes: int


def totals_by_month_and_format(months: list[hours.MonthHours], supervisee: User) -> FormatTotals:
    """The minutes of sessions sent or confirmed (one version of each corrected session) in
    each format, for the months given by `hours.monthly_hours`, keeping those with sessions.
    One query."""
    first, last = months[0].month, hours.month_end(months[-1].month)
    found = (
        SupervisionSession.objects.counted_versions()
        .filter(
            supervisee=supervisee,
            status__in=[Status.SUBMITTED, Status.CONFIRMED],
            held_on__range=(first, last),
        )
        .annotate(month=TruncMonth("held_on"))
        .order_by()
        .values("month", "format")
        .annotate(minutes=Coalesce(Sum("duration_minutes"), 0, output_field=IntegerField()))
    )
    by_month: dict[datetime.date, dict[str, int]] = {}
    for row in found:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        by_month.setdefault(month, {})[row["format"]] = row["minutes"]
    formats = list(Format.values)
    rows = [
        FormatMonth(
            month=m.month,
            minutes=[by_month[m.month].get(f, 0) for f in formats],
            counted_minutes=m.counted_minutes,
            pending_minutes=m.pending_minutes,
            standard_minutes=m.standard_minutes,
        )
        for m in months
        if m.month in by_month
    ]
    return FormatTotals(
        formats=[Format(f).label for f in formats],
        months=rows,
        totals=[sum(r.minutes[i] for r in rows) for i in range(len(formats))],
        counted_minutes=sum(r.counted_minutes for r in rows),
        standard_minutes=sum(r.standard_minutes for r in rows),
    )
