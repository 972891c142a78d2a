"""Benchmark data for the CPD pages: each of the first supervisor's supervisees gets this CPD
year's plan with goals linked to statements, a year of activities with reflections (some
linked to goals), two evidence rows and a supervisor's comment, so the plan page, the
activities page and an activity save are measured on a plan in use.

Written with `bulk_create` (no history rows: the pages never read them). The evidence rows all
point at one tiny PDF, written once through the storage API (the pages list evidence and never
open it; one file keeps repeated rebuilds from filling the media folder). Callers set Django up
and own the database; `bench.supervision` has given the supervisor their supervisees first.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import SupervisionRelationship, User
from assessments.models import FrameworkItem, FrameworkVersion
from cpd.models import ActivityType, CpdActivity, CpdComment, CpdEvidence, CpdGoal, CpdPlan
from cpd.services import a_year_after

GOALS_PER_PLAN = 4
ACTIVITIES_PER_PLAN = 12
EVIDENCE_PER_PLAN = 2
PLAN_STARTED_DAYS_AGO = 200
EVIDENCE_NAME = "cpd-evidence/bench/certificate.pdf"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TYPES = [ActivityType.WORKSHOP, ActivityType.READING, ActivityType.SKILLS_PRACTICE]


@transaction.atomic
def add_cpd_load(version: FrameworkVersion, supervisor: User) -> int:
    """Give each current supervisee of `supervisor` a CPD plan in use; returns how many."""
    today = timezone.localdate()
    starts_on = today - datetime.timedelta(days=PLAN_STARTED_DAYS_AGO)
    supervisees = list(
        User.objects.filter(
            pk__in=SupervisionRelationship.objects.filter(supervisor=supervisor).values(
                "supervisee_id"
            )
        ).order_by("username")
    )
    statements = list(
        FrameworkItem.objects.filter(version=version).rated().order_by("pk")[: GOALS_PER_PLAN * 2]
    )
    evidence = _evidence_file()
    plans = CpdPlan.objects.bulk_create(
        CpdPlan(therapist=person, starts_on=starts_on, ends_on=a_year_after(starts_on))
        for person in supervisees
    )
    for n, plan in enumerate(plans):
        goals = _goals(plan, statements, n)
        activities = _activities(plan, goals, today)
        CpdEvidence.objects.bulk_create(
            CpdEvidence(
                activity=activity,
                file=evidence,
                original_name=f"certificate-{k + 1}.pdf",
                content_type="application/pdf",
                size=len(PDF_BYTES),
            )
            for k, activity in enumerate(activities[:EVIDENCE_PER_PLAN])
        )
        CpdComment.objects.create(
            plan=plan, goal=goals[0], author=supervisor, text="Bring a recording to supervision."
        )
    return len(plans)


def _goals(plan: CpdPlan, statements: list[FrameworkItem], n: int) -> list[CpdGoal]:
    goals = CpdGoal.objects.bulk_create(
        CpdGoal(
            plan=plan,
            title=f"Raise my confidence: {statements[(n + k) % len(statements)].key}",
            description="Suggested activities: a workshop, skills practice.",
            measure=CpdGoal.Measure.TARGET_RATING,
            target_rating=4,
            target_on=plan.ends_on,
            status=CpdGoal.Status.IN_PROGRESS if k % 2 else CpdGoal.Status.PLANNED,
        )
        for k in range(GOALS_PER_PLAN)
    )
    links = CpdGoal.items.through
    links.objects.bulk_create(
        links(cpdgoal_id=goal.pk, frameworkitem_id=statements[(n + k) % len(statements)].pk)
        for k, goal in enumerate(goals)
    )
    return goals


def _activities(plan: CpdPlan, goals: list[CpdGoal], today: datetime.date) -> list[CpdActivity]:
    activities = CpdActivity.objects.bulk_create(
        CpdActivity(
            plan=plan,
            type=TYPES[k % len(TYPES)],
            title=f"CPD activity {k + 1}",
            done_on=today - datetime.timedelta(days=14 * k + 1),
            hours=Decimal("1.5") + k % 4,
            provider="BABCP",
            learned="How to set a shared agenda at the start of a session.",
            application="Agree the agenda with each client in the first five minutes.",
            impact="Sessions keep to time more often." if k % 2 else "",
            token=uuid.uuid4(),
        )
        for k in range(ACTIVITIES_PER_PLAN)
    )
    links = CpdActivity.goals.through
    links.objects.bulk_create(
        links(cpdactivity_id=activity.pk, cpdgoal_id=goals[k % len(goals)].pk)
        for k, activity in enumerate(activities)
        if k % 3
    )
    return activities


def _evidence_file() -> str:
    """The one tiny PDF the evidence rows point at, written through the storage API once."""
    if not default_storage.exists(EVIDENCE_NAME):
        return default_storage.save(EVIDENCE_NAME, ContentFile(PDF_BYTES))
    return EVIDENCE_NAME
