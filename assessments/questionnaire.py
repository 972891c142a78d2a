"""The self-assessment questionnaire: cycles, starting, saving sections, submitting.

Each write is one transaction. Submitting is a conditional UPDATE (in progress → submitted), so
however many requests race, exactly one of them submits and the rest see it already done.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import Membership, Role, User

from .models import FrameworkItem, FrameworkSection, FrameworkVersion, ItemRating, SelfAssessment

GRACE_DAYS = 28
DEFAULT_INTERVAL_MONTHS = 3


class AssessmentLocked(Exception):
    """The assessment has been submitted; its answers can no longer change."""


class StaleRevision(Exception):
    """The answers changed (in another tab or window) since the page being saved was opened."""


class IncompleteAssessment(Exception):
    """Some statements have neither a rating nor "not applicable"."""

    def __init__(self, missing: list[FrameworkItem]) -> None:
        self.missing = missing
        super().__init__(f"{len(missing)} statements are unanswered.")


@dataclass(frozen=True)
class Answer:
    value: int | None  # None = not applicable
    comment: str = ""


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


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


def interval_months(therapist: User) -> int:
    """The reassessment interval of the therapist's service (the shortest, if several)."""
    intervals = Membership.objects.filter(user=therapist, role=Role.THERAPIST).values_list(
        "service__reassessment_interval_months", flat=True
    )
    return min(intervals, default=DEFAULT_INTERVAL_MONTHS)


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
    due_on = add_months(timezone.localtime(last.submitted_at).date(), months)
    if open_one:
        return CycleStatus("in_progress", open_one.cycle, due_on, open_one)
    if today < due_on:
        return CycleStatus("complete", last.cycle + 1, due_on)
    overdue = today >= due_on + datetime.timedelta(days=GRACE_DAYS)
    return CycleStatus("overdue" if overdue else "due", last.cycle + 1, due_on)


def status_for(therapist: User, today: datetime.date | None = None) -> CycleStatus:
    return cycle_status(list(therapist.self_assessments.all()), interval_months(therapist), today)


def rated_sections(version: FrameworkVersion) -> QuerySet[FrameworkSection]:
    """The questionnaire's pages, in order: every section except clinical outcomes."""
    return version.sections.exclude(kind="outcomes").order_by("order")


def start_or_resume(therapist: User, version: FrameworkVersion) -> SelfAssessment:
    """The therapist's open assessment, or a new one for their next cycle."""
    existing = therapist.self_assessments.filter(status=SelfAssessment.Status.IN_PROGRESS).first()
    if existing:
        return existing
    last_cycle = therapist.self_assessments.aggregate(c=Max("cycle"))["c"]
    try:
        with transaction.atomic():
            return SelfAssessment.objects.create(
                therapist=therapist,
                version=version,
                cycle=0 if last_cycle is None else last_cycle + 1,
            )
    except IntegrityError:
        # Another tab or a retried request started it a moment ago: use that one.
        return therapist.self_assessments.get(status=SelfAssessment.Status.IN_PROGRESS)


@transaction.atomic
def save_section(
    assessment: SelfAssessment,
    section: FrameworkSection,
    answers: Mapping[int, Answer],
    resume_at: int,
    revision: int | None = None,
) -> int:
    """Store a section's answers as a draft; items missing from `answers` become unanswered.

    With `revision` (the one the page was built from), a save from a page that is out of date
    is refused rather than overwriting newer answers. Returns the new revision.
    """
    locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        raise AssessmentLocked()
    if revision is not None and revision != locked.revision:
        raise StaleRevision()
    item_ids = set(section.items.values_list("pk", flat=True))
    ItemRating.objects.filter(assessment=locked, item_id__in=item_ids - set(answers)).delete()
    existing = {r.item_id: r for r in locked.ratings.filter(item_id__in=item_ids)}
    new, changed = [], []
    for item_id, answer in answers.items():
        if item_id not in item_ids:
            continue
        rating = existing.get(item_id)
        if rating is None:
            new.append(
                ItemRating(
                    assessment=locked, item_id=item_id, value=answer.value, comment=answer.comment
                )
            )
        elif (rating.value, rating.comment) != (answer.value, answer.comment):
            rating.value, rating.comment = answer.value, answer.comment
            changed.append(rating)
    ItemRating.objects.bulk_create(new)
    ItemRating.objects.bulk_update(changed, ["value", "comment"])
    locked.resume_section = resume_at
    locked.revision += 1
    locked.save(update_fields=["resume_section", "revision", "updated_at"])
    return locked.revision


def unanswered_items(assessment: SelfAssessment) -> list[FrameworkItem]:
    answered = assessment.ratings.values("item_id")
    return list(
        FrameworkItem.objects.filter(version=assessment.version)
        .exclude(section__kind="outcomes")
        .exclude(pk__in=answered)
        .select_related("section")
        .order_by("section__order", "order")
    )


@transaction.atomic
def submit(assessment: SelfAssessment, *, shares_sensitive: bool) -> bool:
    """Lock the assessment. Returns False if it had already been submitted (a repeat).

    The row lock comes first, so no section save can clear an answer between the
    completeness check and the update.
    """
    locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        return False
    missing = unanswered_items(locked)
    if missing:
        raise IncompleteAssessment(missing)
    changed = SelfAssessment.objects.filter(
        pk=assessment.pk, status=SelfAssessment.Status.IN_PROGRESS
    ).update(
        status=SelfAssessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        shares_sensitive=shares_sensitive,
        updated_at=timezone.now(),
    )
    return changed == 1
