"""CPD activities: adding and changing them with their evidence files, and the reads their
pages and exports need (a year's activities, totals by type, BABCP's expectation).

An activity belongs to the CPD year it was done in. The forms add to this year's plan, so its
date must fall in this CPD year (and not in the future); an activity of an earlier year is
changed within that year. This keeps each year's count toward BABCP's expectation honest.

Writes lock the therapist's user row first (as cpd/services.py does), so a form sent twice
finds the activity its token made instead of adding a second. A file is stored only after
every check passed, and removed again if the row could not be written.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User

from . import evidence, services
from .models import ActivityType, CpdActivity, CpdEvidence, CpdGoal, CpdPlan

# BABCP: at least five CPD activities a year, each with a reflective statement, including
# CBT-skills workshops.
EXPECTED_ACTIVITIES = 5
ACTIVITY_FIELDS = (
    "type",
    "title",
    "done_on",
    "hours",
    "provider",
    "learned",
    "application",
    "impact",
)
TEXT_FIELDS = ("title", "provider", "learned", "application", "impact")
REFLECTED = ~Q(learned="") & ~Q(application="")


# Writes


def add_activity(
    plan: CpdPlan,
    *,
    by: User,
    token: uuid.UUID,
    goals: Iterable[CpdGoal] = (),
    files: Iterable[evidence.CheckedUpload] = (),
    today: datetime.date | None = None,
    **fields: Any,
) -> tuple[CpdActivity, bool]:
    """Add an activity (`fields`: those of ACTIVITY_FIELDS) to the plan, with its goals and
    evidence. Returns it and whether it is new: a form sent again (same token) returns the
    activity it made the first time, adding nothing."""
    stored: list[str] = []
    with _removing_on_failure(stored):
        return _add_activity(plan, by, token, list(goals), list(files), today, fields, stored)


@transaction.atomic
def _add_activity(
    plan: CpdPlan,
    by: User,
    token: uuid.UUID,
    goals: list[CpdGoal],
    files: list[evidence.CheckedUpload],
    today: datetime.date | None,
    fields: dict[str, Any],
    stored: list[str],
) -> tuple[CpdActivity, bool]:
    services.lock_therapist(plan.therapist)
    repeat = CpdActivity.objects.filter(plan=plan, token=token).first()
    if repeat is not None:
        return repeat, False
    activity = CpdActivity(plan=plan, token=token, **fields)
    _check(activity, goals, today)
    activity._history_user = by  # type: ignore[attr-defined]
    activity.save()
    activity.goals.set(goals)
    _add_evidence(activity, files, by, stored)
    return activity, True


def update_activity(
    activity: CpdActivity,
    *,
    by: User,
    changes: dict[str, Any],
    goals: Iterable[CpdGoal] | None = None,
    files: Iterable[evidence.CheckedUpload] = (),
    today: datetime.date | None = None,
) -> bool:
    """Change the fields named in `changes` (and the goals, when given), add the files;
    nothing else. Returns whether anything changed."""
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of an activity: {sorted(unknown)}")
    chosen = None if goals is None else list(goals)
    stored: list[str] = []
    with _removing_on_failure(stored):
        return _update_activity(activity, by, changes, chosen, list(files), today, stored)


@transaction.atomic
def _update_activity(
    activity: CpdActivity,
    by: User,
    changes: dict[str, Any],
    goals: list[CpdGoal] | None,
    files: list[evidence.CheckedUpload],
    today: datetime.date | None,
    stored: list[str],
) -> bool:
    locked = CpdActivity.objects.select_for_update().select_related("plan").get(pk=activity.pk)
    before = {name: getattr(locked, name) for name in ACTIVITY_FIELDS}
    for name, value in changes.items():
        setattr(locked, name, value)
    current = list(locked.goals.all())
    chosen = current if goals is None else goals
    _check(locked, chosen, today)
    changed = [name for name in ACTIVITY_FIELDS if getattr(locked, name) != before[name]]
    goals_changed = {g.pk for g in chosen} != {g.pk for g in current}
    if changed:
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save(update_fields=changed)
    if goals_changed:
        locked.goals.set(chosen)
    _add_evidence(locked, files, by, stored)
    for field in CpdActivity._meta.concrete_fields:
        setattr(activity, field.attname, getattr(locked, field.attname))
    return bool(changed or goals_changed or files)


def _add_evidence(
    activity: CpdActivity, files: list[evidence.CheckedUpload], by: User, stored: list[str]
) -> None:
    """Store each checked file under a generated name and record it (`stored` collects the
    names, for the clean-up when anything fails)."""
    for checked in files:
        name = evidence.store(checked)
        stored.append(name)
        row = CpdEvidence(
            activity=activity,
            file=name,
            original_name=checked.display_name,
            content_type=checked.content_type,
            size=checked.size,
        )
        row._history_user = by  # type: ignore[attr-defined]
        row.save()


@contextmanager
def _removing_on_failure(stored: list[str]) -> Iterator[None]:
    """Files stored by a write that then failed (and so rolled back) leave storage again."""
    try:
        yield
    except BaseException:
        for name in stored:
            evidence.remove(name)
        raise


@transaction.atomic
def delete_evidence(item: CpdEvidence, *, by: User) -> None:
    """Delete an evidence file: its row now, the stored file once that is committed
    (`evidence._remove_file`)."""
    item._history_user = by  # type: ignore[attr-defined]
    item.delete()


def _check(activity: CpdActivity, goals: list[CpdGoal], today: datetime.date | None) -> None:
    """The activity's own rules (fields, free text) and the year's: a date in its plan's CPD
    year and not in the future, goals of the same plan."""
    today = today or timezone.localdate()
    for name in TEXT_FIELDS:
        setattr(activity, name, (getattr(activity, name) or "").strip())
    errors: dict[str, list[str]] = {}
    try:
        activity.full_clean(exclude=["plan", "token"], validate_constraints=False)
    except ValidationError as error:
        errors.update({name: list(messages) for name, messages in error.message_dict.items()})
    plan = activity.plan
    done_on = activity.done_on
    if isinstance(done_on, datetime.date) and "done_on" not in errors:
        last = min(today, plan.ends_on - datetime.timedelta(days=1))
        if done_on > today:
            errors["done_on"] = ["Give the date you did it: it cannot be in the future."]
        elif not plan.starts_on <= done_on <= last:
            errors["done_on"] = [
                f"Give a date in this CPD year: {services.day_label(plan.starts_on)} to "
                f"{services.day_label(last)}."
            ]
    if any(goal.plan_id != plan.pk for goal in goals):
        errors["goals"] = ["Choose goals of this CPD year's plan."]
    if errors:
        raise ValidationError(errors)


# Reads


def plan_activities(plan: CpdPlan) -> QuerySet[CpdActivity]:
    """The plan's activities, newest first, with their goals and evidence (three queries)."""
    return plan.activities.order_by("-done_on", "-pk").prefetch_related(
        Prefetch("goals", queryset=CpdGoal.objects.only("pk", "title", "plan_id")),
        Prefetch("evidence", queryset=CpdEvidence.objects.order_by("uploaded_at", "pk")),
    )


@dataclass(frozen=True)
class TypeTotal:
    label: str
    activities: int
    reflected: int
    hours: Decimal


@dataclass(frozen=True)
class YearTotals:
    """A CPD year's activities by type, and how they stand against BABCP's expectation."""

    by_type: list[TypeTotal]

    @property
    def activities(self) -> int:
        return sum(t.activities for t in self.by_type)

    @property
    def reflected(self) -> int:
        return sum(t.reflected for t in self.by_type)

    @property
    def hours(self) -> Decimal:
        return sum((t.hours for t in self.by_type), Decimal(0))

    @property
    def workshops(self) -> int:
        label = ActivityType.WORKSHOP.label
        return sum(t.activities for t in self.by_type if t.label == label)

    @property
    def enough_reflected(self) -> bool:
        return self.reflected >= EXPECTED_ACTIVITIES

    @property
    def expectation_met(self) -> bool:
        return self.enough_reflected and self.workshops > 0

    @property
    def expected(self) -> int:
        return EXPECTED_ACTIVITIES

    @property
    def still_needed(self) -> int:
        return max(0, EXPECTED_ACTIVITIES - self.reflected)


def year_totals(plan: CpdPlan) -> YearTotals:
    """Activities, activities with a reflection, and hours by type for the plan (one query),
    in the order of `ActivityType`, types with activities only."""
    rows = (
        plan.activities.order_by()
        .values("type")
        .annotate(n=Count("pk"), reflected=Count("pk", filter=REFLECTED), hours=Sum("hours"))
    )
    found = {row["type"]: row for row in rows}
    return YearTotals(
        by_type=[
            TypeTotal(
                label=kind.label,
                activities=found[kind.value]["n"],
                reflected=found[kind.value]["reflected"],
                hours=Decimal(found[kind.value]["hours"] or 0),
            )
            for kind in ActivityType
            if kind.value in found
        ]
    )
