"""The COM-B framework as versioned data.

A `Framework` (one service's COM-B analysis) has numbered `FrameworkVersion`s. A version holds
sections (COM-B components, behaviour groups, collaboration, clinical outcomes) and their items.
Every item keeps a stable `key` ("C16", "ST3") across versions, so answers given against an old
version stay interpretable and comparable. Published versions are immutable: change happens in a
new draft, copied from the last published version.

Frameworks, their versions and content, and self-assessments' creation and status changes keep
a history (django-simple-history, docs/audit.md); draft ratings do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .taxonomy import ITEM_KEY_PATTERN, ITEM_KEY_RULE, RATED_SECTION_KINDS, SectionKind

item_key_validator = RegexValidator(ITEM_KEY_PATTERN, f"Use {ITEM_KEY_RULE}.")


class PublishedVersionLocked(ValidationError):
    """Raised on any attempt to change a published framework version or its content."""

    def __init__(self) -> None:
        super().__init__(
            "This framework version is published and cannot be changed. Create a new draft.",
            code="published",
        )


@contextmanager
def history_skipped(instance: models.Model) -> Iterator[None]:
    """Save `instance` without a history row inside the block (simple-history's own flag)."""
    already = hasattr(instance, "skip_history_when_saving")
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if not already:
            del instance.skip_history_when_saving  # type: ignore[attr-defined]


# Reference taxonomies (see taxonomy.py)


class ComBComponent(models.Model):
    code = models.CharField(max_length=1, unique=True)
    name = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = "COM-B component"

    def __str__(self) -> str:
        return self.name


class ComBSubComponent(models.Model):
    code = models.CharField(max_length=4, unique=True)
    component = models.ForeignKey(
        ComBComponent, on_delete=models.PROTECT, related_name="subcomponents"
    )
    name = models.CharField(max_length=60)
    definition = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = "COM-B sub-component"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class InterventionFunction(models.Model):
    """A Behaviour Change Wheel intervention function (Education, Training, …)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    definition = models.TextField()
    service_level_only = models.BooleanField(
        default=False, help_text="Only a service, not an individual's CPD plan, can apply this."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class TdfDomain(models.Model):
    """A Theoretical Domains Framework (v2) domain, mapped to COM-B and intervention functions."""

    slug = models.SlugField(max_length=60, unique=True)
    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=80)
    subcomponents = models.ManyToManyField(ComBSubComponent, related_name="tdf_domains")
    intervention_functions = models.ManyToManyField(
        InterventionFunction, related_name="tdf_domains"
    )

    class Meta:
        ordering = ["number"]
        verbose_name = "TDF domain"

    def __str__(self) -> str:
        return self.name


# The versioned framework


class Framework(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reliability_baselines = models.PositiveIntegerField(
        default=0,
        help_text="How many submitted baselines the stored reliability figures came from.",
    )

    # The reliability figures are derived in the background, not content: not historised.
    history = HistoricalRecords(excluded_fields=["reliability_baselines"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if set(kwargs.get("update_fields") or ()) == {"reliability_baselines"}:
            with history_skipped(self):
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def current_version(self) -> FrameworkVersion | None:
        """The newest published version: what questionnaires are built from."""
        return self.versions.published().order_by("-number").first()


class FrameworkVersionQuerySet(models.QuerySet):
    def published(self) -> FrameworkVersionQuerySet:
        return self.filter(status=FrameworkVersion.Status.PUBLISHED)


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True, help_text="What changed in this version.")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = FrameworkVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["framework"], condition=Q(status="draft"), name="one_draft_per_framework"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="published_versions_have_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework} v{self.number} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs) -> None:
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedVersionLocked()
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedVersionLocked()
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class VersionedContent(models.Model):
    """Content of a framework version: writable only while the version is a draft."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.ensure_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.ensure_editable()
        return super().delete(*args, **kwargs)

    def ensure_editable(self) -> None:
        """Refuse writes into a published version, and moves out of one."""
        versions = {self.version_id}
        if self.pk is not None:
            stored = (
                type(self)._default_manager.filter(pk=self.pk).values_list("version_id", flat=True)
            )
            versions.update(stored)
        published = FrameworkVersion.objects.filter(
            pk__in=versions, status=FrameworkVersion.Status.PUBLISHED
        )
        if published.exists():
            raise PublishedVersionLocked()


class FrameworkSectionQuerySet(models.QuerySet):
    def rated(self) -> FrameworkSectionQuerySet:
        """The sections therapists rate, the questionnaire's pages: those of a rated kind that
        have statements (an imported analysis may list a section with none yet)."""
        has_items = FrameworkItem.objects.filter(section=models.OuterRef("pk"))
        return self.filter(models.Exists(has_items), kind__in=RATED_SECTION_KINDS)


class FrameworkSection(VersionedContent):
    """A page of the framework: a COM-B component, a behaviour group, collaboration, outcomes."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=40)
    kind = models.CharField(max_length=20, choices=SectionKind.choices)
    title = models.CharField(max_length=120)
    component = models.ForeignKey(
        ComBComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guidance = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    source = models.JSONField(default=dict, blank=True, help_text="Seed lines the text is from.")

    objects = FrameworkSectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_key_unique"),
            models.CheckConstraint(
                condition=Q(kind="barriers", component__isnull=False)
                | (~Q(kind="barriers") & Q(component__isnull=True)),
                name="barrier_sections_have_a_component",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_rated(self) -> bool:
        return self.kind in RATED_SECTION_KINDS


class FrameworkItemQuerySet(models.QuerySet):
    def rated(self) -> FrameworkItemQuerySet:
        """The statements therapists rate (those of rated sections)."""
        return self.filter(section__kind__in=RATED_SECTION_KINDS)


class FrameworkItem(VersionedContent):
    """A barrier, therapist behaviour, collaboration principle or clinical outcome.

    Each has a problem form and a target form; therapists rate the target form. Barriers carry
    their behavioural-science coding, which later drives CPD suggestions and heatmaps.
    """

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(FrameworkSection, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=20, validators=[item_key_validator])
    order = models.PositiveSmallIntegerField(default=0)
    problem_text = models.TextField("problem form")
    target_text = models.TextField(
        "target form", blank=True, help_text="The statement therapists rate; required to publish."
    )
    primary_subcomponent = models.ForeignKey(
        ComBSubComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secondary_subcomponent = models.ForeignKey(
        ComBSubComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tdf_domains = models.ManyToManyField(TdfDomain, blank=True, related_name="items")
    intervention_functions = models.ManyToManyField(
        InterventionFunction, blank=True, related_name="items"
    )
    is_sensitive = models.BooleanField(
        default=False,
        help_text="Private to the therapist unless they share it (self-care, burnout).",
    )
    in_session = models.BooleanField(
        default=False,
        help_text="Offered in the quick session reflection: a behaviour seen in one session.",
    )
    source = models.JSONField(default=dict, blank=True, help_text="Seed lines the text is from.")
    repairs = models.TextField(blank=True, help_text="How the seed text was repaired.")

    objects = FrameworkItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="item_key_unique"),
            models.CheckConstraint(
                condition=Q(secondary_subcomponent__isnull=True)
                | ~Q(secondary_subcomponent=models.F("primary_subcomponent")),
                name="secondary_differs_from_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.target_text}"

    def clean(self) -> None:
        if self.section_id and self.section.version_id != self.version_id:
            raise ValidationError({"section": "The section belongs to another version."})
        is_barrier = self.section_id and self.section.kind == SectionKind.BARRIERS
        if is_barrier and not self.primary_subcomponent_id:
            raise ValidationError(
                {"primary_subcomponent": "A barrier needs a primary COM-B sub-component."}
            )


class InvolvementLevel(VersionedContent):
    """A level of the patient-involvement continuum (Information … Partnership)."""

    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="involvement_levels"
    )
    level = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    description = models.TextField()
    examples = models.TextField(blank=True)
    source = models.JSONField(default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "level"]
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="involvement_level_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="involvement_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}. {self.name}"


# Self-assessment


class SelfAssessmentQuerySet(models.QuerySet):
    def submitted(self) -> SelfAssessmentQuerySet:
        return self.filter(status=SelfAssessment.Status.SUBMITTED)

    def in_progress(self) -> SelfAssessmentQuerySet:
        return self.filter(status=SelfAssessment.Status.IN_PROGRESS)

    def baselines(self) -> SelfAssessmentQuerySet:
        """Submitted baselines (cycle 0): what reliability figures are estimated from."""
        return self.submitted().filter(cycle=0)


class SelfAssessment(models.Model):
    """One therapist's self-rating of a framework version, in a numbered cycle of that framework.

    Cycles are counted per therapist and framework: cycle 0 is the therapist's baseline on the
    framework, later cycles are reassessments, so histories of two frameworks never mix. Per
    framework a therapist has at most one assessment per cycle and at most one in progress, both
    enforced by the database, so a double click, a second tab or a retried request cannot create
    a second one. The service whose framework it is is recorded on starting; on submitting, the
    team the therapist was in is recorded, so team figures stay right after a move.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_assessments"
    )
    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="self_assessments",
        help_text="The framework of `version`, kept here so the database can count cycles by it.",
    )
    version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="self_assessments"
    )
    cycle = models.PositiveSmallIntegerField(help_text="0 is the baseline on the framework.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    resume_section = models.PositiveSmallIntegerField(
        default=0, help_text="The section the therapist will continue from."
    )
    shares_sensitive = models.BooleanField(
        default=False,
        help_text="The therapist lets their supervisor see self-care and burnout answers.",
    )
    revision = models.PositiveIntegerField(
        default=0, help_text="Counts saves, so a save from a stale page can be detected."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    service = models.ForeignKey(
        "accounts.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_assessments",
        help_text="The service whose framework the therapist chose when they started.",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_assessments",
        help_text="The therapist's team when they submitted.",
    )

    objects = SelfAssessmentQuerySet.as_manager()
    # Creation and status changes only: saves of answers skip it (see `save`), and the submit,
    # a conditional UPDATE, writes its row itself (`questionnaire.submit`).
    history = HistoricalRecords()

    class Meta:
        ordering = ["therapist", "-cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "framework", "cycle"], name="one_assessment_per_cycle"
            ),
            models.UniqueConstraint(
                fields=["therapist", "framework"],
                condition=Q(status="in_progress"),
                name="one_assessment_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="submitted_assessments_have_a_date",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress") | Q(service__isnull=False, team__isnull=False),
                name="submitted_assessments_have_a_team",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "framework", "status"]),
            # Reliability counts and later team aggregates filter by these.
            models.Index(fields=["version", "cycle", "status"]),
            models.Index(fields=["team", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} · {self.cycle_label}"

    def save(self, *args, **kwargs) -> None:
        version_framework: int | None
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and update_fields is not None and "version" not in update_fields:
            version_framework = self.framework_id  # saves of answers leave the version alone
        elif SelfAssessment.version.is_cached(self):
            version_framework = self.version.framework_id
        else:
            version_framework = (
                FrameworkVersion.objects.filter(pk=self.version_id)
                .values_list("framework_id", flat=True)
                .first()
            )
        if self.framework_id is None and version_framework is not None:
            self.framework_id = version_framework
        elif version_framework != self.framework_id:
            raise ValidationError({"version": "The version belongs to another framework."})
        if not self._state.adding and update_fields is not None and "status" not in update_fields:
            with history_skipped(self):
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    @property
    def cycle_label(self) -> str:
        return "Baseline" if self.cycle == 0 else f"Reassessment {self.cycle}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


RATING_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


class ItemRating(models.Model):
    """A rating of one target statement: 1 Strongly disagree … 5 Strongly agree.

    A null value means "not applicable" (never 0); an item with no row is unanswered.
    """

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="ratings")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="one_rating_per_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="rating_is_1_to_5_or_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.key}: {self.value_label}"

    @property
    def value_label(self) -> str:
        return (
            "Not applicable" if self.value is None else f"{self.value} {RATING_LABELS[self.value]}"
        )


class DomainReliability(models.Model):
    """Stored baseline spread (s1) and reliability (Cronbach's alpha) of one framework domain.

    Domains are COM-B components (key "C", "O", "M") and sections (matched by key across
    versions). Recomputed in the background when the number of baselines crosses a step
    (`reliability.STEPS`), never in a page request, so profiles read two stored numbers and their
    reliable-change badges do not flip each time someone else submits (DOMAIN.md section 9).
    """

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="domain_reliabilities"
    )
    domain_key = models.CharField(max_length=40)
    respondents = models.PositiveIntegerField(
        help_text="Baselines that rated every statement of the domain (complete cases)."
    )
    baseline_sd = models.FloatField(help_text="SD of the baseline domain means (s1).")
    alpha = models.FloatField(help_text="Cronbach's alpha (r_xx).")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["framework", "domain_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "domain_key"], name="one_reliability_per_domain"
            ),
            models.CheckConstraint(condition=Q(baseline_sd__gte=0), name="reliability_sd_positive"),
            models.CheckConstraint(
                condition=Q(alpha__gt=0, alpha__lte=1), name="reliability_alpha_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework} {self.domain_key}: alpha {self.alpha:.2f} (n={self.respondents})"
