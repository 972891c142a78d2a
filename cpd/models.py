"""CPD plans: one plan per therapist per CPD year, holding SMART goals linked to framework
statements, evaluated against the next self-assessment; the activities done, with their
reflections and evidence files; comments in the supervisor's review; and the suggestions from the
training-needs profile a therapist dismissed.

A CPD year runs to the therapist's accreditation renewal date where they give one, otherwise a
year from the plan's start. The renewal date is kept on the plan, not on the person: it is
the date this year's plan runs to, and it moves every year (accounts' models stay as they are).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.validators import reject_nhs_numbers

MAX_RATING = 5
TITLE_LENGTH = 200


class CpdPlan(models.Model):
    """A therapist's CPD plan for one CPD year, from `starts_on` up to (not including)
    `ends_on`."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpd_plans"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The renewal date where given, else a year on.")
    accreditation_renewal_on = models.DateField(
        null=True,
        blank=True,
        help_text="The therapist's accreditation renewal date that ends this CPD year.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["therapist", "-starts_on"]
        verbose_name = "CPD plan"
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "starts_on"], name="one_cpd_plan_per_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="cpd_plan_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"CPD plan of {self.therapist} from {self.starts_on:%d %B %Y}"


class CpdGoal(models.Model):
    """A SMART goal: what (title, description), about which statements, measured by a target
    rating at the next self-assessment or a described outcome, by when, and how it stands."""

    class Measure(models.TextChoices):
        TARGET_RATING = "target_rating", "A target rating at my next self-assessment"
        OUTCOME = "outcome", "A described outcome"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    UNFINISHED = (Status.PLANNED, Status.IN_PROGRESS)

    plan = models.ForeignKey(CpdPlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=TITLE_LENGTH, validators=[reject_nhs_numbers])
    description = models.TextField(
        blank=True,
        validators=[reject_nhs_numbers],
        help_text="Specific and measurable: what you will do and how you will know.",
    )
    items = models.ManyToManyField(
        "assessments.FrameworkItem",
        blank=True,
        related_name="cpd_goals",
        help_text="The framework statements the goal is about.",
    )
    measure = models.CharField(max_length=20, choices=Measure.choices)
    target_rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RATING)],
    )
    outcome = models.TextField(blank=True, validators=[reject_nhs_numbers])
    target_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        help_text="The unfinished goal of last year's plan this one continues.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "target_on", "pk"]
        verbose_name = "CPD goal"
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="cpd_goal_has_title"),
            models.CheckConstraint(
                condition=(
                    Q(
                        measure="target_rating",
                        target_rating__isnull=False,
                        target_rating__gte=1,
                        target_rating__lte=MAX_RATING,
                        outcome="",
                    )
                    | (Q(measure="outcome", target_rating__isnull=True) & ~Q(outcome=""))
                ),
                name="cpd_goal_measure_is_a_rating_or_an_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "done", "dropped"]),
                name="cpd_goal_status_known",
            ),
            models.UniqueConstraint(
                fields=["plan", "carried_from"],
                condition=Q(carried_from__isnull=False),
                name="cpd_goal_carried_once_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED


class SuggestionDismissal(models.Model):
    """A suggestion from the profile the therapist dismissed, by statement key: it stays
    dismissed (whatever the framework version) until the therapist adds that statement."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cpd_dismissals"
    )
    item_key = models.CharField(max_length=20)
    dismissed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["therapist", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "item_key"], name="one_dismissal_per_statement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} dismissed {self.item_key}"


class ActivityType(models.TextChoices):
    """Kinds of CPD activity (the suggestions name them by intervention function)."""

    READING = "reading", "Reading"
    ELEARNING = "elearning", "E-learning"
    WORKSHOP = "workshop", "Workshop or course (CBT skills)"
    SKILLS_PRACTICE = "skills_practice", "Skills practice"
    ROLE_PLAY = "role_play", "Role play in supervision"
    EXPERT_RECORDING = "expert_recording", "Watching an expert recording"
    SUPERVISION_FOCUS = "supervision_focus", "A supervision focus"
    REFLECTIVE_EXERCISE = "reflective_exercise", "Reflective exercise"
    BEHAVIOURAL_EXPERIMENT = "behavioural_experiment", "Behavioural experiment"
    CONFERENCE = "conference", "Conference"
    OTHER = "other", "Other"


class CpdActivity(models.Model):
    """A piece of CPD done: what, when, how long, who provided it, the goals it served and the
    reflection BABCP asks for (what I learned, how I will apply it, the impact on practice)."""

    plan = models.ForeignKey(CpdPlan, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(max_length=30, choices=ActivityType.choices)
    title = models.CharField(max_length=TITLE_LENGTH, validators=[reject_nhs_numbers])
    done_on = models.DateField()
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("200"))],
    )
    provider = models.CharField(max_length=200, blank=True, validators=[reject_nhs_numbers])
    goals = models.ManyToManyField(CpdGoal, blank=True, related_name="activities")
    learned = models.TextField("What I learned", blank=True, validators=[reject_nhs_numbers])
    application = models.TextField(
        "How I will apply it", blank=True, validators=[reject_nhs_numbers]
    )
    impact = models.TextField("Impact on my practice", blank=True, validators=[reject_nhs_numbers])
    created_at = models.DateTimeField(default=timezone.now)
    token = models.UUIDField(
        default=uuid.uuid4, help_text="Names the form it came from, so a repeat is one activity."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-done_on", "-pk"]
        verbose_name_plural = "CPD activities"
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="cpd_activity_has_title"),
            models.CheckConstraint(
                condition=Q(hours__gte=Decimal("0.25"), hours__lte=Decimal("200")),
                name="cpd_activity_hours_in_range",
            ),
            models.UniqueConstraint(fields=["plan", "token"], name="cpd_activity_once_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.done_on}"

    @property
    def has_reflection(self) -> bool:
        """BABCP asks for a reflective statement with each activity."""
        return bool(self.learned.strip() and self.application.strip())


class CpdEvidence(models.Model):
    """A file that evidences an activity (a certificate, notes). Stored through Django's storage
    API under a generated name, outside the web root; served only through a permission check."""

    activity = models.ForeignKey(CpdActivity, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="cpd-evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200, validators=[reject_nhs_numbers])
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name_plural = "CPD evidence"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="cpd_evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name


class CpdComment(models.Model):
    """A supervisor's (or the therapist's reply) comment on a goal or an activity of a plan."""

    plan = models.ForeignKey(CpdPlan, on_delete=models.CASCADE, related_name="comments")
    goal = models.ForeignKey(
        CpdGoal, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    activity = models.ForeignKey(
        CpdActivity, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cpd_comments"
    )
    text = models.TextField(validators=[reject_nhs_numbers])
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="cpd_comment_has_text"),
            models.CheckConstraint(
                condition=Q(goal__isnull=True) | Q(activity__isnull=True),
                name="cpd_comment_on_a_goal_or_an_activity_or_the_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d}"


class GoalEvaluation(models.Model):
    """How a goal with a target rating fared at the next submitted self-assessment: met (at or
    beyond the target), partly met (improved but short of it), not met (no improvement)."""

    class Result(models.TextChoices):
        MET = "met", "Met"
        PARTLY_MET = "partly_met", "Partly met"
        NOT_MET = "not_met", "Not met"

    goal = models.OneToOneField(CpdGoal, on_delete=models.CASCADE, related_name="evaluation")
    assessment = models.ForeignKey(
        "assessments.SelfAssessment", on_delete=models.CASCADE, related_name="+"
    )
    rating_before = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_after = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=Result.choices)
    evaluated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["met", "partly_met", "not_met"]),
                name="goal_evaluation_result_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal} · {self.get_result_display()}"
