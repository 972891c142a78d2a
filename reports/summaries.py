"""Keeping the analytics summaries (`models`) equal to what the ratings say.

`summarise_submission` adds one submitted assessment to both summaries inside its submit
transaction (the `assessment_submitting` signal, connected in `apps`), so they commit or roll
back with it. `rebuild_summaries` recomputes both from the ratings in bulk: after data is
written directly (`manage.py setup_demo`, `bench/`), or to repair anything.

Writes to a service's summaries hold its Service row lock: two submits in one service take
turns at the read-modify-write, and a rebuild (which takes every service's lock first) never
interleaves with a submit, whichever starts first. A submitted assessment always has a service
and a team (`submitted_assessments_have_a_team`), so none are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import Service
from assessments import scoring
from assessments.models import (
    ComBComponent,
    ComBSubComponent,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    ItemRating,
    SelfAssessment,
)
from assessments.profile import items_by_version
from assessments.taxonomy import RATED_SECTION_KINDS

from .models import AssessmentDomainScore, ItemSummary


@dataclass(frozen=True)
class RebuildCounts:
    assessments: int
    item_summaries: int
    domain_scores: int


@dataclass(frozen=True)
class _Submitted:
    """What the summaries copy from a submitted assessment."""

    pk: int
    service_id: int
    team_id: int
    framework_id: int
    version_id: int
    cycle: int


_SUBMITTED_FIELDS = ("pk", "service_id", "team_id", "framework_id", "version_id", "cycle")


@transaction.atomic
def summarise_submission(assessment: SelfAssessment) -> bool:
    """Add a submitted assessment to both summaries; False (nothing written) if it is not
    submitted or was summarised already (its domain scores are the marker)."""
    row = (
        SelfAssessment.objects.submitted().filter(pk=assessment.pk).values(*_SUBMITTED_FIELDS)
    ).first()
    if row is None:
        return False
    submitted = _Submitted(**row)
    _lock_services(Service.objects.filter(pk=submitted.service_id))
    if AssessmentDomainScore.objects.filter(assessment_id=submitted.pk).exists():
        return False
    ratings = list(
        ItemRating.objects.filter(
            assessment_id=submitted.pk, item__section__kind__in=RATED_SECTION_KINDS
        ).values_list("item_id", "item__key", "value")
    )
    _add_to_item_summaries(submitted, [(item_id, value) for item_id, _key, value in ratings])
    version = FrameworkVersion.objects.get(pk=submitted.version_id)
    items = items_by_version([version])[version.pk]
    answers = {key: value for _item_id, key, value in ratings}
    AssessmentDomainScore.objects.bulk_create(_domain_scores(submitted, items, answers))
    return True


@transaction.atomic
def rebuild_summaries() -> RebuildCounts:
    """Replace both summaries with a recomputation from every submitted assessment's ratings,
    inside the database (INSERT … SELECT), so a national dataset rebuilds in minutes.

    The domain scores follow `assessments.scoring.score` (mean of the answered items of each
    rated domain, withheld below two thirds answered); tests hold the two to the same figures.
    """
    _lock_services(Service.objects.all())
    ItemSummary.objects.all().delete()
    AssessmentDomainScore.objects.all().delete()
    with connection.cursor() as cursor:
        sql, params = _recomputed_item_summaries().query.sql_with_params()
        cursor.execute(
            f"INSERT INTO {ItemSummary._meta.db_table} ({_SUMMARY_COLUMNS}) {sql}", params
        )
        for kind in AssessmentDomainScore.Kind:
            cursor.execute(*_domain_scores_sql(kind))
    return RebuildCounts(
        SelfAssessment.objects.submitted().count(),
        ItemSummary.objects.count(),
        AssessmentDomainScore.objects.count(),
    )


def _lock_services(services: QuerySet[Service]) -> None:
    list(services.select_for_update().order_by("pk").values_list("pk", flat=True))


def _add_to_item_summaries(submitted: _Submitted, ratings: list[tuple[int, int | None]]) -> None:
    """Read-modify-write of the group's rows: callers hold the service's lock."""
    group = {
        "service_id": submitted.service_id,
        "team_id": submitted.team_id,
        "version_id": submitted.version_id,
        "cycle": submitted.cycle,
    }
    existing = {
        summary.item_id: summary
        for summary in ItemSummary.objects.filter(
            **group, item_id__in=[item_id for item_id, _value in ratings]
        )
    }
    new = []
    for item_id, value in ratings:
        summary = existing.get(item_id)
        if summary is None:
            summary = ItemSummary(**group, item_id=item_id)
            new.append(summary)
        summary.add(value)
    ItemSummary.objects.bulk_update(
        existing.values(), ["respondents", "total", "total_squares", "reporting"]
    )
    ItemSummary.objects.bulk_create(new)


def _domain_scores(
    submitted: _Submitted, items: list[scoring.ScoredItem], answers: dict[str, int | None]
) -> Iterator[AssessmentDomainScore]:
    scores = scoring.score(items, answers)
    for domain in scores.components + scores.subcomponents + scores.sections:
        yield AssessmentDomainScore(
            assessment_id=submitted.pk,
            kind=domain.kind,
            key=domain.key,
            mean=domain.mean,
            answered=domain.answered,
            total=domain.total,
            service_id=submitted.service_id,
            team_id=submitted.team_id,
            framework_id=submitted.framework_id,
            version_id=submitted.version_id,
            cycle=submitted.cycle,
        )


_SUMMARY_COLUMNS = (
    "service_id, team_id, version_id, cycle, item_id, respondents, total, total_squares, reporting"
)


def _recomputed_item_summaries() -> QuerySet:
    """The item summaries' rows (in `_SUMMARY_COLUMNS` order), aggregated from the ratings."""
    group = (
        "assessment__service_id",
        "assessment__team_id",
        "assessment__version_id",
        "assessment__cycle",
        "item_id",
    )
    square = ExpressionWrapper(F("value") * F("value"), output_field=IntegerField())
    return (
        ItemRating.objects.filter(
            assessment__status=SelfAssessment.Status.SUBMITTED,
            item__section__kind__in=RATED_SECTION_KINDS,
        )
        .values(*group)
        .annotate(
            respondents=Count("value"),
            total=Coalesce(Sum("value"), 0),
            total_squares=Coalesce(Sum(square), 0),
            reporting=Count("pk", filter=Q(value__lte=scoring.BARRIER_REPORTED_AT_MOST)),
        )
        .values_list(*group, "respondents", "total", "total_squares", "reporting")
        .order_by()
    )


# Each kind of domain: the SQL giving an item's domain key, and the join it needs.
_DOMAIN_KEYS = {
    AssessmentDomainScore.Kind.COMPONENT: (
        "component.code",
        f"JOIN {ComBComponent._meta.db_table} component ON component.id = section.component_id",
    ),
    AssessmentDomainScore.Kind.SUBCOMPONENT: (
        "subcomponent.code",
        f"JOIN {ComBSubComponent._meta.db_table} subcomponent"
        " ON subcomponent.id = item.primary_subcomponent_id",
    ),
    AssessmentDomainScore.Kind.SECTION: ("section.key", ""),
}


def _domain_scores_sql(kind: AssessmentDomainScore.Kind) -> tuple[str, list[Any]]:
    """INSERT … SELECT of every submitted assessment's scores of one kind of domain: each
    rated item of its version in a domain of that kind, with its rating if any (none counts as
    not answered, as N/A does). Averaging floats gives the correctly rounded mean, as
    `statistics.fmean` does. Table names come from the models, values are parameters."""
    key, join = _DOMAIN_KEYS[kind]
    kinds = list(RATED_SECTION_KINDS)
    sql = f"""
        INSERT INTO {AssessmentDomainScore._meta.db_table}
            (assessment_id, kind, key, mean, answered, total,
             service_id, team_id, framework_id, version_id, cycle)
        SELECT assessment.id, %s, domain.key,
            CASE WHEN 3 * COUNT(rating.value) >= 2 * MAX(domain.total)
                THEN AVG(CAST(rating.value AS DOUBLE PRECISION)) END,
            COUNT(rating.value), MAX(domain.total),
            assessment.service_id, assessment.team_id, assessment.framework_id,
            assessment.version_id, assessment.cycle
        FROM {SelfAssessment._meta.db_table} assessment
        JOIN (
            SELECT item.version_id, item.id AS item_id, {key} AS key,
                COUNT(*) OVER (PARTITION BY item.version_id, {key}) AS total
            FROM {FrameworkItem._meta.db_table} item
            JOIN {FrameworkSection._meta.db_table} section ON section.id = item.section_id
            {join}
            WHERE section.kind IN ({", ".join(["%s"] * len(kinds))})
        ) domain ON domain.version_id = assessment.version_id
        LEFT JOIN {ItemRating._meta.db_table} rating
            ON rating.assessment_id = assessment.id AND rating.item_id = domain.item_id
        WHERE assessment.status = %s
        GROUP BY assessment.id, domain.key, assessment.service_id, assessment.team_id,
            assessment.framework_id, assessment.version_id, assessment.cycle
    """
    return sql, [kind.value, *kinds, SelfAssessment.Status.SUBMITTED.value]
