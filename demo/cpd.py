"""A demo CPD plan for `make run`: therapist01's plan for last CPD year (one goal done, one
not, and one with a target rating met at the reassessment), this year's plan with the
unfinished goal carried forward and a goal accepted from the suggestions of their latest
self-assessment, three activities of this year (two with reflections, one with a certificate
as evidence), and supervisor1's comments with a reply. Written through `cpd.services`,
`cpd.activities` and `cpd.comments`; a therapist who already has a plan is left alone, so
running it again adds nothing."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import SelfAssessment
from cpd import activities, comments, evidence, services
from cpd.evaluation import evaluate_goals_after
from cpd.models import TITLE_LENGTH, ActivityType, CpdGoal, CpdPlan
from cpd.suggestions import suggestions_for

THERAPIST = "therapist01"
SUPERVISOR = "supervisor1"
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
    """Write therapist01's plans unless they have one. Returns the goals and activities made."""
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
    made += _goal_met_at_reassessment(therapist, last_year)
    plan = services.current_plan(therapist, today=today)
    made += plan.goals.count()
    suggestions = suggestions_for(therapist, plan)
    if suggestions:
        try:
            services.accept_suggestion(therapist, suggestions[0].key, by=therapist, today=today)
        except ValidationError:
            return made
        made += 1
    made += _activities(therapist, plan, today)
    _review(therapist, plan)
    return made


def _review(therapist: User, plan: CpdPlan) -> None:
    """supervisor1's comments on the plan's first goal and on the workshop, and a reply."""
    supervisor = User.objects.get(username=SUPERVISOR)
    goal = plan.goals.order_by("pk").first()
    workshop = plan.activities.filter(type=ActivityType.WORKSHOP).first()
    if goal is not None:
        comments.add_comment(
            plan,
            by=supervisor,
            goal=goal,
            text="A good goal. Bring a recording of a session where the pace slipped.",
        )
        comments.add_comment(
            plan, by=therapist, goal=goal, text="I will bring one to our next supervision."
        )
    if workshop is not None:
        comments.add_comment(
            plan,
            by=supervisor,
            activity=workshop,
            text="Which of the repair strategies from the workshop will you try first?",
        )


def _goal_met_at_reassessment(therapist: User, plan: CpdPlan) -> int:
    """A goal with a target rating set after the baseline, met at the reassessment: on the
    first statement the reassessment rated higher, aiming at that rating. Evaluated as a submit
    evaluates it (the demo's assessments are written directly, so no submit sent the signal)."""
    submitted = list(
        SelfAssessment.objects.submitted().filter(therapist=therapist).order_by("submitted_at")
    )
    if len(submitted) < 2:
        return 0
    baseline, reassessment = submitted[0], submitted[1]
    before = dict(baseline.ratings.values_list("item__key", "value"))
    improved = (
        reassessment.ratings.filter(value__isnull=False)
        .select_related("item")
        .order_by("item__section__order", "item__order")
    )
    found = next(
        (
            rating
            for rating in improved
            if before.get(rating.item.key) is not None and rating.value > before[rating.item.key]
        ),
        None,
    )
    if found is None or baseline.submitted_at is None:
        return 0
    goal, _created = services.add_goal(
        plan,
        by=therapist,
        items=[found.item],
        title=found.item.target_text[:TITLE_LENGTH],
        description="Suggested activities: Role play in supervision, Skills practice.",
        measure=CpdGoal.Measure.TARGET_RATING,
        target_rating=found.value,
        outcome="",
        target_on=plan.ends_on,
        status=CpdGoal.Status.DONE,
    )
    # Set a week after the baseline, so the reassessment is the next one after it.
    set_on = baseline.submitted_at + datetime.timedelta(days=7)
    CpdGoal.objects.filter(pk=goal.pk).update(created_at=set_on)
    goal.refresh_from_db()
    evaluate_goals_after(reassessment)
    return 1


# (type, title, days ago, hours, provider, learned, application, with a certificate)
ACTIVITIES: tuple[tuple[str, str, int, str, str, str, str, bool], ...] = (
    (
        ActivityType.WORKSHOP,
        "Working with personality difficulties in CBT: a two-day workshop",
        30,
        "12",
        "Regional IAPT training hub",
        "How to spot early markers of a rupture and name them with the client.",
        "I will check in about the pace at the end of each session with clients who disengage.",
        True,
    ),
    (
        ActivityType.READING,
        "Chapter on therapist beliefs and the therapeutic relationship",
        20,
        "2",
        "",
        "My own irritation at cancellations says something about my beliefs about control.",
        "A short thought record after sessions that leave me frustrated.",
        False,
    ),
    (
        ActivityType.ROLE_PLAY,
        "Role play of repairing a rupture, in supervision",
        6,
        "1",
        "Supervision with Helen Carter",
        "",
        "",
        False,
    ),
)


def _activities(therapist: User, plan: CpdPlan, today: datetime.date) -> int:
    """Three activities of this CPD year, two with reflections, one with a certificate."""
    goals = list(plan.goals.all()[:1])
    for kind, title, days_ago, hours, provider, learned, application, certificate in ACTIVITIES:
        files = [evidence.check_upload(_certificate(title))] if certificate else []
        activities.add_activity(
            plan,
            by=therapist,
            token=uuid.uuid4(),
            goals=goals,
            files=files,
            today=today,
            type=kind,
            title=title,
            done_on=today - datetime.timedelta(days=days_ago),
            hours=Decimal(hours),
            provider=provider,
            learned=learned,
            application=application,
            impact="",
        )
    return len(ACTIVITIES)


def _certificate(title: str) -> SimpleUploadedFile:
    """A one-page PDF certificate of attendance, made with WeasyPrint."""
    from weasyprint import HTML

    html = f"<h1>Certificate of attendance</h1><p>{title}</p><p>12 hours of CPD.</p>"
    return SimpleUploadedFile("certificate.pdf", HTML(string=html).write_pdf())
