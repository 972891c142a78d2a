"""Demo self-assessments for `make run`: a baseline and reassessments for every demo therapist,
with ratings that improve a little over time, so profiles, history and change are visible.

Ratings come from a random generator seeded by username, so every run builds the same data.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User
from assessments.models import FrameworkItem, FrameworkVersion, ItemRating, SelfAssessment

from .people import MOVED_DAYS_AGO, MOVER

# (days ago each cycle was submitted) by therapist index: varied so that statuses differ.
SCHEDULES = [
    (200, 105),  # reassessment due now
    (210, 100),
    (130,),  # only a baseline, reassessment overdue
    (190, 20),  # complete
    (),  # not started: baseline due
]
# The therapist who moved team: a baseline in the old team, a reassessment in the new one.
MOVER_SCHEDULE = (MOVED_DAYS_AGO + 60, MOVED_DAYS_AGO - 50)


def rating(level: float, cycle: int) -> int:
    """A 1-5 rating from a latent level that rises a little with each cycle."""
    return max(1, min(5, round(level + 0.5 * cycle)))


@transaction.atomic
def build_demo_assessments(version: FrameworkVersion, therapists: list[User]) -> int:
    """Create the demo assessments unless a therapist already has some. Returns how many."""
    items = list(FrameworkItem.objects.filter(version=version).rated())
    created = 0
    now = timezone.now()
    for index, therapist in enumerate(therapists):
        if therapist.self_assessments.exists():
            continue
        rng = random.Random(therapist.username)
        # A person-level confidence plus item-level spread, as real respondents show.
        confidence = rng.gauss(3.0, 0.6)
        ability = {item.pk: confidence + rng.gauss(0, 0.7) for item in items}
        schedule = (
            MOVER_SCHEDULE if therapist.username == MOVER else SCHEDULES[index % len(SCHEDULES)]
        )
        for cycle, days_ago in enumerate(schedule):
            assessment = SelfAssessment.objects.create(
                therapist=therapist, version=version, cycle=cycle, status="in_progress"
            )
            ItemRating.objects.bulk_create(
                ItemRating(
                    assessment=assessment,
                    item=item,
                    value=None if rng.random() < 0.015 else rating(ability[item.pk], cycle),
                )
                for item in items
            )
            submitted_at = now - datetime.timedelta(days=days_ago)
            # The team the therapist was in then (the demo has a therapist who moved).
            membership = (
                Membership.objects.current(on=timezone.localdate(submitted_at))
                .filter(user=therapist, role=Role.THERAPIST)
                .get()
            )
            SelfAssessment.objects.filter(pk=assessment.pk).update(
                status=SelfAssessment.Status.SUBMITTED,
                submitted_at=submitted_at,
                shares_sensitive=rng.random() < 0.5,
                service_id=membership.service_id,
                team_id=membership.team_id,
            )
            created += 1
    return created
