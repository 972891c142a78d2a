"""People and organisations: services, their teams, who holds which role, who supervises whom.

Services, teams, memberships and supervision relationships keep a history of every change
(django-simple-history, see docs/audit.md); `AuditEvent` records who opened whose data.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """Anyone who signs in. What they may see follows from memberships and supervision."""

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Supervisor"
    SERVICE_LEAD = "lead", "Service lead"


class Service(models.Model):
    """An NHS Talking Therapies service: the unit a service lead is responsible for."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    reassessment_interval_months = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="How often therapists reassess themselves after their baseline.",
    )
    framework = models.ForeignKey(
        "assessments.Framework",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        help_text=(
            "The COM-B framework this service's therapists assess themselves against. "
            "Changing it lets assessments in progress finish on their own framework."
        ),
    )
    rupture_records_enabled = models.BooleanField(
        "Rupture-and-repair records",
        default=True,
        help_text="Supervision log entries may record a rupture in the alliance and its repair.",
    )
    small_group_min = models.PositiveSmallIntegerField(
        "Smallest group shown",
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="Aggregates over fewer people are hidden. Empty: the product's minimum "
        "(SMALL_GROUP_MIN); a value below it is ignored, so a service can only raise it.",
    )
    ctsr_ratings_enabled = models.BooleanField(
        "CTS-R ratings",
        default=True,
        help_text="Supervision log entries may rate a recorded session on the CTS-R's 12 items.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and self.framework_id is None:
            self.framework = self.default_framework()
        super().save(*args, **kwargs)

    @classmethod
    def default_framework(cls):
        """The framework a new service starts with: the one `FRAMEWORK_SLUG` names, if loaded.

        Looked up through the relation, as accounts never imports the assessments app."""
        framework_model = cls._meta.get_field("framework").related_model
        assert isinstance(framework_model, type)  # a ForeignKey always has one
        return framework_model._default_manager.filter(slug=settings.FRAMEWORK_SLUG).first()


class Team(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="team_name_unique_in_service"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> MembershipQuerySet:
        """Memberships in force on a day (today by default): started, and not yet ended."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class Membership(models.Model):
    """A role a person holds in a service over a span of dates; therapists always belong to a
    team, leads never do.

    A person may hold several roles (a supervisor who also sees clients holds two memberships).
    Moving team ends one membership and starts another, so history keeps who was where.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(
        null=True, blank=True, help_text="The last day of the membership; empty while it lasts."
    )
    contracted_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("60"))],
        help_text="Contracted clinical hours a week; empty for full time. Sets the pro-rata "
        "supervision standard (supervision/hours.py).",
    )

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "team", "role", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "role"],
                condition=Q(team__isnull=False, ends_on__isnull=True),
                name="membership_unique_in_team",
            ),
            models.UniqueConstraint(
                fields=["user", "service", "role"],
                condition=Q(team__isnull=True, ends_on__isnull=True),
                name="membership_unique_in_service",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(contracted_hours__isnull=True) | Q(contracted_hours__gt=0),
                name="membership_contracted_hours_positive",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role=Role.THERAPIST, team__isnull=False)
                    | Q(role=Role.SERVICE_LEAD, team__isnull=True)
                    | Q(role=Role.SUPERVISOR)
                ),
                name="membership_team_fits_role",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "role"]),
            models.Index(fields=["team", "role", "ends_on"]),
            models.Index(fields=["user", "role", "ends_on"]),
        ]

    def __str__(self) -> str:
        where = self.team or self.service
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date."})
        if self.team and self.service_id and self.team.service_id != self.service_id:
            raise ValidationError({"team": "The team must belong to the membership's service."})
        if self.role == Role.THERAPIST and not self.team_id:
            raise ValidationError({"team": "A therapist must belong to a team."})
        if self.role == Role.SERVICE_LEAD and self.team_id:
            raise ValidationError({"team": "A service lead leads the whole service, not a team."})


class SupervisionQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> SupervisionQuerySet:
        """Relationships in force on a day (today by default): started, and not yet ended."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class SupervisionRelationship(models.Model):
    """A supervisor's responsibility for a supervisee over a span of dates."""

    supervisor = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="supervisions_given"
    )
    supervisee = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="supervisions_received"
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")), name="supervision_not_self"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="supervision_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["supervisor", "supervisee"],
                condition=Q(ends_on__isnull=True),
                name="supervision_one_open_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisor", "ends_on"]),
            models.Index(fields=["supervisee", "ends_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"

    def clean(self) -> None:
        if self.supervisor_id and self.supervisor_id == self.supervisee_id:
            raise ValidationError("Nobody can supervise themselves.")
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date."})
        if self.supervisor_id and self.supervisee_id and self.starts_on and self.overlapping():
            raise ValidationError(
                "These two people already have a supervision relationship in these dates."
            )

    def overlapping(self) -> bool:
        """Another relationship of the same pair whose dates meet this one's."""
        others = SupervisionRelationship.objects.filter(
            supervisor_id=self.supervisor_id, supervisee_id=self.supervisee_id
        ).exclude(pk=self.pk)
        if self.ends_on:
            others = others.filter(starts_on__lte=self.ends_on)
        return others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on)).exists()


class AuditEvent(models.Model):
    """A record that someone opened or took away another person's data, or anonymised them.

    Written by `accounts.audit.record_event` and never changed afterwards. The people it names
    are protected from deletion: a leaver with events is anonymised, never deleted.
    """

    class Action(models.TextChoices):
        OPENED_PROFILE = "opened_profile", "Opened profile"
        OPENED_ANSWERS = "opened_answers", "Opened answers"
        OPENED_SUPERVISION = "opened_supervision", "Opened supervision entry"
        OPENED_CPD = "opened_cpd", "Opened CPD plan or evidence"
        EXPORTED_DATA = "exported_data", "Downloaded their data"
        EXPORTED_RESPONSES = "exported_responses", "Downloaded anonymised responses"
        ANONYMISED = "anonymised", "Anonymised"

    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_done",
        help_text="Who did it; empty when a command did it without a person.",
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="audit_events_about",
        help_text="Whose data it was.",
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.CharField(
        max_length=200, blank=True, help_text="What exactly, e.g. the assessment or framework."
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["subject", "at"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self) -> str:
        who = self.actor or "A command"
        return f"{who} · {self.get_action_display()} · {self.subject}"
