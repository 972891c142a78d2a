"""The two summaries service analytics read instead of raw item ratings (issue 19, item 9).

`ItemSummary` holds, per service, team, framework version, cycle and item, the count, sum and
sum of squares of the ratings and how many reported the barrier: enough for a heatmap cell's
mean, spread and "% ≤ 2" without touching the ratings. `AssessmentDomainScore` holds each
submitted assessment's domain means (COM-B components, sub-components, sections), from which
trends, paired change, d_z and reliable-change shares are computed.

Both are derived figures, kept up to date in the submit transaction (`summaries`) and rebuilt
from the ratings by `manage.py rebuild_summaries`, so they keep no history: the ratings they
come from are the record. They hold no personal data beyond ids.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from assessments.scoring import reports_barrier


class ItemSummary(models.Model):
    """The ratings of one item by the therapists of one team, in one version and cycle.

    Each submitted assessment counts for the team recorded on it at submission (never null for
    a submitted assessment: `submitted_assessments_have_a_team`). A row exists for every item
    anyone in the group answered, "not applicable" included, so an all-N/A item reads as 0
    respondents. A therapist has one assessment per framework and cycle and one rating per
    item, so `respondents` (the ratings that are not N/A) counts distinct therapists.
    """

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "assessments.FrameworkVersion", on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.PositiveSmallIntegerField()
    item = models.ForeignKey(
        "assessments.FrameworkItem", on_delete=models.CASCADE, related_name="+"
    )
    respondents = models.PositiveIntegerField(default=0, help_text="Ratings other than N/A.")
    total = models.PositiveIntegerField(default=0, help_text="Sum of the ratings.")
    total_squares = models.PositiveIntegerField(default=0, help_text="Sum of their squares.")
    reporting = models.PositiveIntegerField(
        default=0, help_text="Ratings of 2 or less: the barrier is there."
    )

    class Meta:
        # Given to commissioners (through a group in the admin): the national view compares
        # services' suppressed aggregates, never one service's people.
        permissions = [
            ("view_national_aggregates", "Can view national aggregates across services"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "team", "version", "cycle", "item"],
                name="one_item_summary_per_group",
            ),
            models.CheckConstraint(
                condition=Q(
                    respondents__gte=0, total__gte=0, total_squares__gte=0, reporting__gte=0
                ),
                name="item_summary_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reporting__lte=F("respondents")),
                name="item_summary_reporting_within_respondents",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("respondents"), total__lte=5 * F("respondents")),
                name="item_summary_total_is_1_to_5_each",
            ),
        ]
        indexes = [
            # The national view compares services within one version and cycle.
            models.Index(fields=["version", "cycle"]),
            # …and sums each COM-B component per service and team (`reports.national`): on
            # PostgreSQL an index-only scan of one version and cycle, already in service and
            # team order, never reading the table.
            models.Index(
                fields=["version", "cycle", "service", "team", "item"],
                include=["respondents", "total"],
                name="item_summary_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} in team {self.team_id}, cycle {self.cycle}: n={self.respondents}"

    def add(self, value: int | None) -> None:
        """Count one therapist's rating (None, not applicable, counts for nothing)."""
        if value is None:
            return
        self.respondents += 1
        self.total += value
        self.total_squares += value * value
        if reports_barrier(value):
            self.reporting += 1


class AssessmentDomainScore(models.Model):
    """One domain's mean rating in one submitted assessment, as `assessments.scoring.score`
    gives it (private items included: they only ever reach pages in suppressed aggregates).

    The assessment's service, team, framework, version and cycle are copied on (they never
    change once submitted), so trends and the national view group one table through one index
    instead of joining every assessment of a country; the therapist is reached through the
    assessment, for paired change.
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", "COM-B component"
        SUBCOMPONENT = "subcomponent", "COM-B sub-component"
        SECTION = "section", "Section"

    assessment = models.ForeignKey(
        "assessments.SelfAssessment", on_delete=models.CASCADE, related_name="domain_scores"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=40)
    mean = models.FloatField(
        null=True, blank=True, help_text="Withheld when fewer than two thirds were answered."
    )
    answered = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(
        "assessments.Framework", on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(
        "assessments.FrameworkVersion", on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind", "key"], name="one_score_per_assessment_domain"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["component", "subcomponent", "section"]),
                name="domain_score_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(answered__lte=F("total")), name="domain_score_answered_within_total"
            ),
            models.CheckConstraint(
                condition=Q(mean__isnull=True) | Q(mean__gte=1, mean__lte=5),
                name="domain_score_mean_is_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "kind", "key", "cycle"]),
            models.Index(fields=["framework", "kind", "key", "cycle"]),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.kind} {self.key}: {self.mean}"
