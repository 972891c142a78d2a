"""The service action list: what a service does about the Opportunity barriers its therapists
meet (protected CPD time, access to supervision, service culture), which no therapist can fix
alone.

An action comes from one of three places: the lead's own plan; a reported barrier, that is an
Opportunity statement enough therapists rate as a barrier (the lead sees only the suppressed
count, never whose answers, `queries.reported_barriers`); or a therapist's named suggestion,
which waits as "suggested" until the lead takes it up or drops it.

Why an app of its own: the list is written by leads and therapists and read by the lead's pages
and, later, by reports (progress against the targeted heatmap cells). accounts is the base every
app imports and must not depend on the framework's statements; cpd is one therapist's learning,
not the service's plan; reports reads, it does not own what people write.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.validators import reject_nhs_numbers

TITLE_LENGTH = 200


class ServiceAction(models.Model):
    """One action on a service's list: what, about which statements, who carries it out, by
    when, and how it stands."""

    class Origin(models.TextChoices):
        LEAD = "lead", "The service lead"
        REPORTED_BARRIER = "reported_barrier", "A barrier therapists report"
        THERAPIST = "therapist", "A therapist's suggestion"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN = (Status.SUGGESTED, Status.PLANNED, Status.IN_PROGRESS)

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(max_length=TITLE_LENGTH, validators=[reject_nhs_numbers])
    description = models.TextField(blank=True, validators=[reject_nhs_numbers])
    items = models.ManyToManyField(
        "assessments.FrameworkItem",
        blank=True,
        related_name="service_actions",
        help_text="The barrier statements the action targets.",
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.LEAD)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    owner = models.CharField(
        max_length=200,
        blank=True,
        validators=[reject_nhs_numbers],
        help_text="Who carries it out: a name or a role.",
    )
    due_on = models.DateField(null=True, blank=True)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_action_suggestions",
        help_text="The therapist who sent it, by name, when it is a therapist's suggestion.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    token = models.UUIDField(
        default=uuid.uuid4, help_text="Names the form it came from, so a repeat is one action."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="service_action_has_title"),
            models.CheckConstraint(
                condition=Q(status__in=["suggested", "planned", "in_progress", "done", "dropped"]),
                name="service_action_status_known",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=["lead", "reported_barrier", "therapist"]),
                name="service_action_origin_known",
            ),
            # Only a therapist's suggestion waits as "suggested", and only it names a person.
            models.CheckConstraint(
                condition=~Q(status="suggested") | Q(origin="therapist"),
                name="service_action_suggested_only_from_a_therapist",
            ),
            models.CheckConstraint(
                condition=Q(origin="therapist") | Q(suggested_by__isnull=True),
                name="service_action_names_only_its_suggesting_therapist",
            ),
            models.UniqueConstraint(
                fields=["service", "token"], name="service_action_once_per_form"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class InvolvementRating(models.Model):
    """The lead's rating of the service on the patient-involvement continuum (seed 004:
    Information, Consultation, Participation, Inclusion, Partnership), with the evidence for it
    and the date it describes. Ratings are kept as a history: the newest (by date) is the
    service's current level.

    The level's number and name are copied from the framework's `InvolvementLevel` at the time,
    so the history reads the same when a later version renames a level.
    """

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.CASCADE, related_name="involvement_ratings"
    )
    level = models.PositiveSmallIntegerField(help_text="1 (Information) to 5 (Partnership).")
    level_name = models.CharField(max_length=60)
    evidence = models.TextField(
        validators=[reject_nhs_numbers],
        help_text="What shows the service is at this level: what patients do, and since when.",
    )
    rated_on = models.DateField(help_text="The day the rating describes (not in the future).")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    token = models.UUIDField(
        default=uuid.uuid4, help_text="Names the form it came from, so a repeat is one rating."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "-rated_on", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="involvement_rating_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(evidence=""), name="involvement_rating_has_evidence"
            ),
            models.UniqueConstraint(
                fields=["service", "token"], name="involvement_rating_once_per_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}. {self.level_name} on {self.rated_on}"
