"""Quick session reflections: after a therapy session the therapist records which of the
framework's in-session behaviours (items marked `in_session`) happened, and the pattern over
recent weeks shows on their page and on their supervisor's, so supervision starts from a
pattern rather than from memory.

What is offered: the in-session items of the current version of the therapist's framework
(`offered_items`). Every offered item gets a mark, happened or not, so a share has the right
denominator. A double submit is one record: the form carries a one-time token, unique per
therapist in the database, and a repeat gets back the reflection the first one wrote.

The pattern (`reflection_pattern`) matches items by key across the framework's versions and is
read in a constant number of queries, whatever the number of items, weeks and reflections. It
holds no notes: a note is the therapist's own, and the pattern is shown to their supervisor.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from accounts.validators import reject_nhs_numbers
from assessments.frameworks import framework_for
from assessments.models import FrameworkItem, FrameworkVersion

from .models import ReflectionMark, SessionReflection

# How far back a session may be reflected on: long enough for a busy fortnight, short enough
# that the reflection is still a record of the session rather than of a memory of it.
REFLECTION_WINDOW_DAYS = 14
PATTERN_WEEKS = 8
NOTE_MAX_LENGTH = SessionReflection._meta.get_field("note").max_length or 500
NOTHING_OFFERED = "Your service's framework has no in-session behaviours to reflect on."


def current_version(therapist: User) -> FrameworkVersion | None:
    """The version reflections are recorded against: the current version of the therapist's
    framework (`assessments.frameworks.framework_for`)."""
    framework = framework_for(therapist)
    return framework.current_version() if framework else None


def offered_items(therapist: User) -> QuerySet[FrameworkItem]:
    """The in-session behaviours the therapist's reflection offers, in the framework's order."""
    version = current_version(therapist)
    if version is None:
        return FrameworkItem.objects.none()
    return _in_session(version)


def _in_session(version: FrameworkVersion) -> QuerySet[FrameworkItem]:
    return (
        FrameworkItem.objects.filter(version=version, in_session=True)
        .select_related("section")
        .order_by("section__order", "order")
    )


@transaction.atomic
def record_reflection(
    therapist: User,
    *,
    held_on: datetime.date,
    happened: Iterable[int],
    note: str,
    token: uuid.UUID,
) -> tuple[SessionReflection, bool]:
    """Record which offered behaviours (item ids, from `offered_items`) happened in a session
    held on `held_on` (today or up to `REFLECTION_WINDOW_DAYS` days before); every other
    offered behaviour is recorded as not happening.

    Returns the reflection and whether it was written now: a form sent twice (the same
    `token`) gives back the reflection the first sending wrote, even when both arrive
    together (the database's unique token decides)."""
    earlier = SessionReflection.objects.filter(therapist=therapist, token=token).first()
    if earlier is not None:
        return earlier, False
    items = list(offered_items(therapist))
    happened = set(happened)
    note = note.strip()
    _check(items, held_on=held_on, happened=happened, note=note)
    reflection = SessionReflection(
        therapist=therapist,
        version_id=items[0].version_id,
        held_on=held_on,
        note=note,
        token=token,
    )
    reflection._history_user = therapist  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            reflection.save()
            bulk_create_with_history(
                [
                    ReflectionMark(reflection=reflection, item=item, happened=item.pk in happened)
                    for item in items
                ],
                ReflectionMark,
                default_user=therapist,
            )
    except IntegrityError:
        first = SessionReflection.objects.filter(therapist=therapist, token=token).first()
        if first is None:
            raise
        return first, False
    return reflection, True


def _check(
    items: list[FrameworkItem], *, held_on: datetime.date, happened: set[int], note: str
) -> None:
    if not items:
        raise ValidationError(NOTHING_OFFERED)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if held_on > today:
        errors["held_on"] = ["The session date cannot be in the future."]
    elif held_on < today - datetime.timedelta(days=REFLECTION_WINDOW_DAYS):
        errors["held_on"] = [
            f"Reflect on a session from the last {REFLECTION_WINDOW_DAYS} days: a reflection "
            "is a record made soon after the session."
        ]
    if happened - {item.pk for item in items}:
        errors["happened"] = [
            "A behaviour you chose is no longer offered (the framework changed since the page "
            "was drawn). Check the list and save again."
        ]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [f"Keep the note to {NOTE_MAX_LENGTH} characters (it has {len(note)})."]
    else:
        try:
            reject_nhs_numbers(note)
        except ValidationError as error:
            errors["note"] = error.messages
    if errors:
        raise ValidationError(errors)


# Reads


@dataclass(frozen=True)
class PatternWeek:
    """One week of the pattern (Monday to Sunday) and how many sessions were reflected on."""

    starts_on: datetime.date
    reflections: int


@dataclass(frozen=True)
class PatternCell:
    """In how many of the sessions reflected on (`total`) a behaviour happened."""

    happened: int
    total: int

    @property
    def share(self) -> int | None:
        """The share as a whole percentage; None when no session was reflected on."""
        return round(100 * self.happened / self.total) if self.total else None


@dataclass(frozen=True)
class PatternRow:
    """One in-session behaviour: over all the weeks, and week by week."""

    item: FrameworkItem
    overall: PatternCell
    weeks: list[PatternCell]


@dataclass(frozen=True)
class ReflectionPattern:
    """Which in-session behaviours happened in the sessions reflected on in the last weeks."""

    weeks: list[PatternWeek]
    rows: list[PatternRow]

    @property
    def starts_on(self) -> datetime.date:
        return self.weeks[0].starts_on

    @property
    def reflections(self) -> int:
        """The sessions reflected on in these weeks."""
        return sum(week.reflections for week in self.weeks)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def reflection_pattern(
    therapist: User, *, weeks: int = PATTERN_WEEKS, include_sensitive: bool = False
) -> ReflectionPattern:
    """The therapist's pattern over the last `weeks` weeks (this week and the `weeks - 1`
    before it): for each behaviour their reflection now offers, matched by key across the
    framework's versions, the sessions where it happened, overall and week by week. A private
    (sensitive) behaviour is left out unless `include_sensitive` (only for the therapist's own
    page). No notes: it is safe to show a current supervisor."""
    today = timezone.localdate()
    mondays = [_monday(today) - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    start = mondays[0]
    version = current_version(therapist)
    items = list(_in_session(version)) if version else []
    if not include_sensitive:
        items = [item for item in items if not item.is_sensitive]
    in_window = Q(held_on__gte=start, held_on__lte=today)
    per_day = (
        SessionReflection.objects.filter(in_window, therapist=therapist)
        .values("held_on")
        .annotate(count=Count("pk"))
    )
    reflections = {monday: 0 for monday in mondays}
    for day in per_day:
        reflections[_monday(day["held_on"])] += day["count"]
    counts: dict[tuple[str, datetime.date], list[int]] = {}
    if items and version is not None:
        marks = (
            ReflectionMark.objects.filter(
                reflection__therapist=therapist,
                reflection__held_on__gte=start,
                reflection__held_on__lte=today,
                item__version__framework_id=version.framework_id,
                item__key__in=[item.key for item in items],
            )
            .values("item__key", "reflection__held_on")
            .annotate(total=Count("pk"), happened=Count("pk", filter=Q(happened=True)))
        )
        for mark in marks:
            cell = counts.setdefault(
                (mark["item__key"], _monday(mark["reflection__held_on"])), [0, 0]
            )
            cell[0] += mark["happened"]
            cell[1] += mark["total"]
    rows = []
    for item in items:
        cells = [PatternCell(*counts.get((item.key, monday), [0, 0])) for monday in mondays]
        overall = PatternCell(sum(c.happened for c in cells), sum(c.total for c in cells))
        rows.append(PatternRow(item=item, overall=overall, weeks=cells))
    return ReflectionPattern(
        weeks=[PatternWeek(monday, reflections[monday]) for monday in mondays], rows=rows
    )


def recent_reflections(therapist: User) -> QuerySet[SessionReflection]:
    """The therapist's own reflections, newest session first, each with its marks in the
    framework's order (for their page only: it holds their notes)."""
    marks = ReflectionMark.objects.select_related("item").order_by(
        "item__section__order", "item__order", "pk"
    )
    return SessionReflection.objects.filter(therapist=therapist).prefetch_related(
        Prefetch("marks", queryset=marks)
    )
