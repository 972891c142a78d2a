"""A demo CPD plan for `make run`: therapist01's plan for last CPD year (one goal done, one
not), this year's plan with the unfinished goal carried forward, and a goal accepted from the
suggestions of their latest self-assessment. Written through `cpd.services`; a therapist who
already has a plan is left alone, so running it again adds nothing."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cpd import services
from cpd.models import CpdGoal, CpdPlan
from cpd.suggestions import suggestions_for

THERAPIST = "therapist01"
# (title, described outcome, finished)
LAST_YEAR: tuple[tuple[str, str, bool], ...] = (
    (
        "Complete the e-learning module on personality and CBT",
        "Module certificate saved to my CPD record",
        True,
    ),
    (
        "Practise rupture repair in role play with my supervisor",
        "Three role plays discussed, with a plan I use in sessions",
        False,
    ),
)


@transaction.atomic
def build_demo_cpd(today: datetime.date | None = None) -> int:
    """Write therapist01's plans unless they have one. Returns the goals made."""
    today = today or timezone.localdate()
    therapist = User.objects.get(username=THERAPIST)
    if CpdPlan.objects.filter(therapist=therapist).exists():
        return 0
    last_year = services.current_plan(therapist, today=today - datetime.timedelta(days=400))
    made = 0
    for title, outcome, finished in LAST_YEAR:
        services.add_goal(
            last_year,
            by=therapist,
            title=title,
            description="",
            measure=CpdGoal.Measure.OUTCOME,
            target_rating=None,
            outcome=outcome,
            target_on=last_year.ends_on,
            status=CpdGoal.Status.DONE if finished else CpdGoal.Status.IN_PROGRESS,
        )
        made += 1
    plan = services.current_plan(therapist, today=today)
    made += plan.goals.count()
    suggestions = suggestions_for(therapist, plan)
    if suggestions:
        try:
            services.accept_suggestion(therapist, suggestions[0].key, by=therapist, today=today)
        except ValidationError:
            return made
        made += 1
    return made
