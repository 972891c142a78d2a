"""CPD plans: one plan per therapist per CPD year, holding SMART goals linked to framework
statements; and the suggestions from the training-needs profile a therapist dismissed.

A CPD year runs to the therapist's accreditation renewal date where they give one, otherwise a
year from the plan's start. The renewal date is kept on the plan, not on the person: it is
the date this year's plan runs to, and it moves every year (accounts' models stay as they are).
"""

from __future__ import annotations

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
