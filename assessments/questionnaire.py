"""The self-assessment questionnaire's writes: starting, saving sections, submitting.

Each write is one transaction. Every save names the revision its page was built from, so a page
that is out of date (another tab) is refused instead of overwriting newer answers; a save
changes only the answers it carries and the ones it explicitly clears.
Submitting is a conditional UPDATE (in progress → submitted), so however many requests race,
exactly one of them submits and the rest see it already done; the one that submits writes the
assessment's history row in the same transaction (saves of answers write none).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, Max, QuerySet, When
from django.utils import timezone

from accounts.audit import record_change
from accounts.models import Membership, Role, Service, User

from .models import FrameworkItem, FrameworkSection, FrameworkVersion, ItemRating, SelfAssessment
from .signals import assessment_submitted, assessment_submitting
from .tasks import refresh_reliability


class AssessmentLocked(Exception):
    """The assessment has been submitted; its answers can no longer change."""


class StaleRevision(Exception):
    """The answers changed (in another tab or window) since the page being saved was opened."""


class NoCurrentTeam(Exception):
    """The therapist belongs to no team today, so the submission could not be attributed."""


class IncompleteAssessment(Exception):
    """Some statements have neither a rating nor "not applicable"."""

    def __init__(self, missing: list[FrameworkItem]) -> None:
        self.missing = missing
        super().__init__(f"{len(missing)} statements are unanswered.")


@dataclass(frozen=True)
class Answer:
    value: int | None  # None = not applicable
    comment: str = ""


def rated_sections(version: FrameworkVersion) -> QuerySet[FrameworkSection]:
    """The questionnaire's pages, in order."""
    return version.sections.rated().order_by("order")


def start_or_resume(
    therapist: User, version: FrameworkVersion, *, service: Service | None = None
) -> SelfAssessment:
    """The therapist's open assessment of the version's framework (on whichever version it was
    started), or a new one on `version` for their next cycle of that framework, recording the
    service whose framework it is."""
    of_framework = therapist.self_assessments.filter(framework_id=version.framework_id)
    existing = of_framework.in_progress().first()
    if existing:
        return existing
    last_cycle = of_framework.aggregate(c=Max("cycle"))["c"]
    try:
        with transaction.atomic():
            return SelfAssessment.objects.create(
                therapist=therapist,
                framework_id=version.framework_id,
                version=version,
                cycle=0 if last_cycle is None else last_cycle + 1,
                service=service,
            )
    except IntegrityError:
        # Another tab or a retried request started it a moment ago: use that one.
        return of_framework.in_progress().get()


@transaction.atomic
def save_section(
    assessment: SelfAssessment,
    section: FrameworkSection,
    answers: Mapping[int, Answer],
    *,
    revision: int,
    resume_at: int,
    cleared: Collection[int] = (),
) -> int:
    """Store answers of one section as a draft; returns the assessment's new revision.

    `revision` is the one the page was built from: if the answers changed since, nothing is
    written (StaleRevision), unless this save would change nothing anyway (a double click, a
    retried request), which is no conflict. Items in `answers` are set, items in `cleared`
    become unanswered, and every other saved answer stays as it is.
    """
    locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        raise AssessmentLocked()
    item_ids = set(section.items.values_list("pk", flat=True))
    carried = {item_id: answer for item_id, answer in answers.items() if item_id in item_ids}
    to_clear = (set(cleared) - set(carried)) & item_ids
    existing = {r.item_id: r for r in locked.ratings.filter(item_id__in={*carried, *to_clear})}
    to_clear &= existing.keys()
    new, changed = [], []
    for item_id, answer in carried.items():
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
    if revision != locked.revision:
        if new or changed or to_clear:
            raise StaleRevision()
        return locked.revision
    if to_clear:
        ItemRating.objects.filter(assessment=locked, item_id__in=to_clear).delete()
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
        .rated()
        .exclude(pk__in=answered)
        .select_related("section")
        .order_by("section__order", "order")
    )


def current_team_membership(assessment: SelfAssessment) -> Membership | None:
    """The team the assessment counts for: the therapist's team today in the service it was
    started for, else in a service using its framework, else any; with several, the one joined
    most recently."""
    return (
        Membership.objects.current()
        .filter(user_id=assessment.therapist_id, role=Role.THERAPIST)
        .annotate(
            in_service=Case(When(service_id=assessment.service_id, then=0), default=1),
            on_framework=Case(
                When(service__framework_id=assessment.framework_id, then=0), default=1
            ),
        )
        .order_by("in_service", "on_framework", "-starts_on", "-pk")
        .first()
    )


@transaction.atomic
def submit(assessment: SelfAssessment, *, shares_sensitive: bool) -> bool:
    """Lock the assessment, recording the service and team the therapist is in now.

    Returns False if it had already been submitted (a repeat). The row lock comes first, so no
    section save can clear an answer between the completeness check and the update. A new
    baseline queues a refresh of the framework's reliability figures once the submit commits;
    every submit is announced inside the transaction by `signals.assessment_submitting` (what
    its receivers write commits with it) and, once committed, by `signals.assessment_submitted`.
    """
    locked = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        return False
    missing = unanswered_items(locked)
    if missing:
        raise IncompleteAssessment(missing)
    membership = current_team_membership(locked)
    if membership is None:
        raise NoCurrentTeam()
    now = timezone.now()
    written = {
        "status": SelfAssessment.Status.SUBMITTED,
        "submitted_at": now,
        "shares_sensitive": shares_sensitive,
        "service_id": membership.service_id,
        "team_id": membership.team_id,
        "updated_at": now,
    }
    changed = SelfAssessment.objects.in_progress().filter(pk=assessment.pk).update(**written)
    if changed != 1:
        return False
    for name, value in written.items():
        setattr(locked, name, value)
    record_change(locked, by_id=locked.therapist_id, reason="submitted")
    assessment_submitting.send(sender=SelfAssessment, assessment=locked)
    if locked.cycle == 0:
        framework_id = locked.framework_id
        transaction.on_commit(lambda: refresh_reliability.delay(framework_id), robust=True)
    transaction.on_commit(
        lambda: assessment_submitted.send_robust(sender=SelfAssessment, assessment=locked)
    )
    return True
