"""The supervision log: sessions a supervisee records, their agreed actions and the comments
of the review between supervisee and supervisor.

Who supervises whom is organisational data and lives in accounts.SupervisionRelationship. An
entry moves draft → submitted → (returned → submitted …) → confirmed through
`supervision.services`, never by saving `status` directly; the database refuses the states that
must never exist (see `Meta.constraints`). Every model keeps a history (docs/audit.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.validators import reject_nhs_numbers

MAX_DURATION_MINUTES = 600


class Format(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    GROUP = "group", "Group"
    PEER = "peer", "Peer"
    LIVE_OBSERVATION = "live_observation", "Live observation"


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    REMOTE = "remote", "Remote"


class Activity(models.TextChoices):
    CASE_DISCUSSION = "case_discussion", "Case discussion (no client identifiers)"
    ROLE_PLAY = "role_play", "Role play"
    RECORDING_REVIEWED = "recording_reviewed", "Recording reviewed"
    FORMULATION = "formulation", "Formulation"
    SKILLS_PRACTICE = "skills_practice", "Skills practice"


def validate_activities(value: object) -> None:
    """A list of distinct `Activity` values (stored as JSON, so checked here)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Activities must be a list of choices.", code="invalid")
    unknown = sorted(set(value) - set(Activity.values))
    if unknown:
        raise ValidationError(
            "Unknown activities: %(names)s.", code="invalid", params={"names": ", ".join(unknown)}
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each activity may be listed once.", code="invalid")


class SupervisionSessionQuerySet(models.QuerySet):
    def awaiting_review(self) -> SupervisionSessionQuerySet:
        """Submitted entries with an in-product supervisor (external ones never await review)."""
        return self.filter(status=SupervisionSession.Status.SUBMITTED, supervisor__isnull=False)

    def counted_versions(self) -> SupervisionSessionQuerySet:
        """One version of each session: an amendment replaces its original only once it is
        confirmed, so the hours never count the same session twice."""
        return self.filter(
            Q(amends__isnull=True) | Q(status=SupervisionSession.Status.CONFIRMED)
        ).exclude(amendment__status=SupervisionSession.Status.CONFIRMED)


class SupervisionSession(models.Model):
    """One supervision session, as the supervisee logs it.

    The supervisor is either one of the supervisee's supervisors in the product (who reviews
    and confirms the entry) or someone outside it, recorded by name and accreditation: such an
    entry, once submitted, stays "submitted" and is shown as "not confirmed in the product"; it
    never awaits anyone's review. A confirmed entry is read-only; a correction is a new entry
    that `amends` it and goes through review again, the original kept as it was.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        CONFIRMED = "confirmed", "Confirmed"

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_log"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_log_as_supervisor",
        help_text="One of the supervisee's supervisors in the product on that date.",
    )
    external_supervisor_name = models.CharField(
        max_length=200,
        blank=True,
        validators=[reject_nhs_numbers],
        help_text="A supervisor outside the product (instead of choosing one).",
    )
    external_supervisor_accredited = models.BooleanField(
        default=False, help_text="The external supervisor is BABCP accredited."
    )
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    format = models.CharField(max_length=20, choices=Format.choices)
    group_size = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="People supervised in the group, for group supervision only.",
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    activities = models.JSONField(default=list, blank=True, validators=[validate_activities])
    items = models.ManyToManyField(
        "assessments.FrameworkItem",
        blank=True,
        related_name="supervision_sessions",
        help_text="The framework statements worked on.",
    )
    reflection = models.TextField(blank=True, validators=[reject_nhs_numbers])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Counts changes, so a change from a stale page can be detected."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_log_confirmed",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    amends = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendment",
        help_text="The confirmed entry this one corrects.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SupervisionSessionQuerySet.as_manager()
    # Every save; status changes made by a conditional UPDATE write their row in
    # `services` (an UPDATE records none). The framework items worked on are not tracked.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(supervisor__isnull=False, external_supervisor_name="")
                    | (Q(supervisor__isnull=True) & ~Q(external_supervisor_name=""))
                ),
                name="supervision_session_one_supervisor",
            ),
            models.CheckConstraint(
                condition=Q(supervisor__isnull=True) | Q(external_supervisor_accredited=False),
                name="supervision_session_accreditation_only_external",
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")),
                name="supervision_session_not_self",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="supervision_session_duration_in_range",
            ),
            models.CheckConstraint(
                condition=Q(format=Format.GROUP, group_size__isnull=False, group_size__gte=2)
                | (~Q(format=Format.GROUP) & Q(group_size__isnull=True)),
                name="supervision_session_group_size_for_groups",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status="confirmed",
                        confirmed_at__isnull=False,
                        confirmed_by__isnull=False,
                        supervisor__isnull=False,
                    )
                    | (
                        ~Q(status="confirmed")
                        & Q(confirmed_at__isnull=True, confirmed_by__isnull=True)
                    )
                ),
                name="supervision_session_confirmed_by_its_supervisor",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft"]) | Q(submitted_at__isnull=False),
                name="supervision_session_submitted_have_a_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "confirmed"]),
                name="supervision_session_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisee", "held_on"]),
            models.Index(fields=["supervisor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.supervisee} · {self.get_format_display()} · {self.held_on}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.held_on and self.held_on > timezone.localdate():
            errors["held_on"] = "The session cannot be in the future."
        if self.supervisor_id and self.external_supervisor_name:
            errors["external_supervisor_name"] = (
                "Choose a supervisor in the product or name an external one, not both."
            )
        elif not self.supervisor_id and not self.external_supervisor_name.strip():
            errors["supervisor"] = "Choose your supervisor, or name an external supervisor."
        if self.supervisor_id and self.external_supervisor_accredited:
            errors["external_supervisor_accredited"] = "Only an external supervisor is marked."
        if self.supervisor_id and self.supervisor_id == self.supervisee_id:
            errors["supervisor"] = "Nobody can supervise themselves."
        if self.format == Format.GROUP and not self.group_size:
            errors["group_size"] = "Give the number of people in the group."
        elif self.format != Format.GROUP and self.group_size is not None:
            errors["group_size"] = "Only group supervision has a group size."
        if errors:
            raise ValidationError(errors)

    @property
    def is_external(self) -> bool:
        """Supervised by someone outside the product: shown as "not confirmed in the product"."""
        return self.supervisor_id is None

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def awaits_review(self) -> bool:
        return self.status == self.Status.SUBMITTED and not self.is_external

    @property
    def supervisor_label(self) -> str:
        if self.supervisor_id:
            return str(self.supervisor)
        accredited = "accredited" if self.external_supervisor_accredited else "not accredited"
        return f"{self.external_supervisor_name} (external, {accredited})"


class AgreedAction(models.Model):
    """Something the supervisee agreed in the session to do, by a date."""

    entry = models.ForeignKey(SupervisionSession, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField(validators=[reject_nhs_numbers])
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="agreed_action_has_text"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class SessionComment(models.Model):
    """A comment on an entry in its review (a supervisor's reason for returning it, a reply)."""

    entry = models.ForeignKey(SupervisionSession, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_comments"
    )
    text = models.TextField(validators=[reject_nhs_numbers])
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="session_comment_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d}"


class RepairOutcome(models.TextChoices):
    REPAIRED = "repaired", "Repaired"
    PARTLY = "partly", "Partly repaired"
    NOT_YET = "not_yet", "Not yet repaired"


class RuptureRecord(models.Model):
    """A rupture in the working alliance and its repair, discussed in a supervision session
    (seed 004: notice the markers, explore the reasons, validate the client's thoughts and
    feelings about it, repair, and plan to prevent it recurring). A feature a service may switch
    off (`accounts.Service.rupture_records_enabled`)."""

    entry = models.OneToOneField(
        SupervisionSession, on_delete=models.CASCADE, related_name="rupture"
    )
    markers = models.TextField(
        "Markers noticed", validators=[reject_nhs_numbers], help_text="What signalled the rupture."
    )
    exploration = models.TextField(
        "Exploration of reasons", blank=True, validators=[reject_nhs_numbers]
    )
    validation = models.TextField(
        "Validation of the client's thoughts and feelings about the rupture",
        blank=True,
        validators=[reject_nhs_numbers],
    )
    repair = models.CharField(
        "Repair achieved",
        max_length=10,
        choices=RepairOutcome.choices,
        default=RepairOutcome.NOT_YET,
    )
    prevention_plan = models.TextField(
        "Plan to prevent recurrence", blank=True, validators=[reject_nhs_numbers]
    )
    collaboration_across_teams = models.TextField(
        "Collaboration across teams (shared care, liaison)",
        blank=True,
        validators=[reject_nhs_numbers],
    )
    social_network_involvement = models.TextField(
        "Involvement of the client's social network", blank=True, validators=[reject_nhs_numbers]
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(markers=""), name="rupture_record_has_markers"),
            models.CheckConstraint(
                condition=Q(repair__in=["repaired", "partly", "not_yet"]),
                name="rupture_record_repair_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Rupture · {self.entry}"


# The 12 items of the Revised Cognitive Therapy Scale (CTS-R; Blackburn et al. 2001), titles
# only: the descriptors of each score are copyrighted (DOMAIN.md §7). Field name, title.
CTSR_ITEMS = (
    ("agenda", "Agenda setting and adherence"),
    ("feedback", "Feedback"),
    ("collaboration", "Collaboration"),
    ("pacing", "Pacing and efficient use of time"),
    ("interpersonal_effectiveness", "Interpersonal effectiveness"),
    ("emotional_expression", "Eliciting of appropriate emotional expression"),
    ("key_cognitions", "Eliciting key cognitions"),
    ("key_behaviours", "Eliciting and planning behaviours"),
    ("guided_discovery", "Guided discovery"),
    ("conceptual_integration", "Conceptual integration"),
    ("change_methods", "Application of change methods"),
    ("homework", "Homework setting"),
)
CTSR_MAX_SCORE = 6


def _ctsr_score(title: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        title,
        null=True,
        blank=True,
        validators=[MaxValueValidator(CTSR_MAX_SCORE)],
        help_text="0 to 6; blank when the item was not rated.",
    )


class CtsrRating(models.Model):
    """A rating of a recorded therapy session on the CTS-R's 12 items, 0 to 6 each, reviewed in
    a supervision session. A feature a service may switch off
    (`accounts.Service.ctsr_ratings_enabled`)."""

    entry = models.OneToOneField(SupervisionSession, on_delete=models.CASCADE, related_name="ctsr")
    recording_on = models.DateField("Date of the recorded session", null=True, blank=True)
    agenda = _ctsr_score("Agenda setting and adherence")
    feedback = _ctsr_score("Feedback")
    collaboration = _ctsr_score("Collaboration")
    pacing = _ctsr_score("Pacing and efficient use of time")
    interpersonal_effectiveness = _ctsr_score("Interpersonal effectiveness")
    emotional_expression = _ctsr_score("Eliciting of appropriate emotional expression")
    key_cognitions = _ctsr_score("Eliciting key cognitions")
    key_behaviours = _ctsr_score("Eliciting and planning behaviours")
    guided_discovery = _ctsr_score("Guided discovery")
    conceptual_integration = _ctsr_score("Conceptual integration")
    change_methods = _ctsr_score("Application of change methods")
    homework = _ctsr_score("Homework setting")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "CTS-R rating"
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": CTSR_MAX_SCORE}),
                name=f"ctsr_{name}_0_to_6",
            )
            for name, _title in CTSR_ITEMS
        ]

    def __str__(self) -> str:
        return f"CTS-R · {self.entry}"

    @property
    def scores(self) -> list[tuple[str, int | None]]:
        """(title, score) for the 12 items, in the scale's order."""
        return [(title, getattr(self, name)) for name, title in CTSR_ITEMS]

    @property
    def rated(self) -> int:
        return sum(1 for _title, value in self.scores if value is not None)

    @property
    def total(self) -> int:
        """The sum of the rated items (out of 6 times `rated`)."""
        return sum(value for _title, value in self.scores if value is not None)


class AgendaItem(models.Model):
    """Something to bring to the supervisee's next supervision session, added by the supervisee
    or one of their supervisors, or suggested by the product (the CPD plan routes Motivation
    needs here; a private item only if the therapist shared it). It stays open until it is
    discussed (in a logged session, where one is named) or dropped."""

    class Origin(models.TextChoices):
        ADDED = "added", "Added by a person"
        SUGGESTED = "suggested", "Suggested from the training-needs profile"

    class Status(models.TextChoices):
        OPEN = "open", "To discuss"
        DISCUSSED = "discussed", "Discussed"
        DROPPED = "dropped", "Dropped"

    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_agenda"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_agenda_added",
        help_text="Empty for a suggestion made by the product.",
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.ADDED)
    text = models.TextField(validators=[reject_nhs_numbers])
    items = models.ManyToManyField(
        "assessments.FrameworkItem",
        blank=True,
        related_name="agenda_items",
        help_text="The framework statements it is about.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    discussed_in = models.ForeignKey(
        SupervisionSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="agenda_item_has_text"),
            models.CheckConstraint(
                condition=(Q(origin="added") & Q(added_by__isnull=False))
                | (Q(origin="suggested") & Q(added_by__isnull=True)),
                name="agenda_item_added_by_a_person_or_suggested",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True, discussed_in__isnull=True))
                | (Q(status__in=["discussed", "dropped"]) & Q(closed_at__isnull=False)),
                name="agenda_item_closed_has_a_date",
            ),
        ]
        indexes = [models.Index(fields=["supervisee", "status"])]

    def __str__(self) -> str:
        return self.text[:60]


class ObserverRating(models.Model):
    """A supervisor's rating of a supervisee's target behaviours (all or a chosen subset), on
    the self-rating's scale, to set beside the supervisee's own ratings."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observer_ratings_given"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observer_ratings"
    )
    version = models.ForeignKey(
        "assessments.FrameworkVersion", on_delete=models.PROTECT, related_name="+"
    )
    rated_on = models.DateField(default=timezone.localdate)
    note = models.TextField(blank=True, validators=[reject_nhs_numbers])
    token = models.UUIDField(
        default=uuid.uuid4, help_text="Names the form it came from, so a repeat is one rating."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-rated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "token"], name="observer_rating_once_per_form"
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")), name="observer_rating_not_self"
            ),
        ]
        indexes = [models.Index(fields=["supervisee", "rated_on"])]

    def __str__(self) -> str:
        return f"{self.supervisor} on {self.supervisee} · {self.rated_on}"


class ObserverItemRating(models.Model):
    """One statement of an observer rating: 1 Strongly disagree … 5 Strongly agree, or null
    for "not observed"."""

    rating = models.ForeignKey(ObserverRating, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(
        "assessments.FrameworkItem", on_delete=models.PROTECT, related_name="+"
    )
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rating", "item"], name="one_observer_value_per_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="observer_value_is_1_to_5_or_not_observed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class SessionReflection(models.Model):
    """A therapist's quick record, after a therapy session, of which of the framework's
    in-session behaviours (items marked `in_session`) happened. `token` makes a double submit
    one record."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_reflections"
    )
    version = models.ForeignKey(
        "assessments.FrameworkVersion", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=500, blank=True, validators=[reject_nhs_numbers])
    token = models.UUIDField(help_text="Names the form it came from, so a repeat is one record.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "token"], name="session_reflection_once_per_form"
            ),
        ]
        indexes = [models.Index(fields=["therapist", "held_on"])]

    def __str__(self) -> str:
        return f"{self.therapist} · {self.held_on}"


class ReflectionMark(models.Model):
    """Whether one in-session behaviour happened in the session reflected on (every behaviour
    offered gets a row, so patterns have the right denominator)."""

    reflection = models.ForeignKey(
        SessionReflection, on_delete=models.CASCADE, related_name="marks"
    )
    item = models.ForeignKey(
        "assessments.FrameworkItem", on_delete=models.PROTECT, related_name="+"
    )
    happened = models.BooleanField()

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reflection", "item"], name="one_mark_per_item_per_reflection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {'yes' if self.happened else 'no'}"
