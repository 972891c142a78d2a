"""Reads for framework pages, with related rows fetched in a fixed number of queries.

A published framework version never changes (its models refuse writes), so what is derived from
one alone is kept in the cache (`for_version`), and its pages' unchanging parts are cached as
rendered HTML; a draft's is always read afresh, as an administrator may be editing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, FilteredRelation, Prefetch, Q, QuerySet, Value

from accounts import permissions
from accounts.models import User

from .models import (
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    InvolvementLevel,
    ItemRating,
    SelfAssessment,
)

T = TypeVar("T")

# A day, not for good: a deploy may change how what is kept is shown or stored, and a cache in
# Redis outlives the deploy. One recomputation a day costs nothing.
PUBLISHED_VERSION_SECONDS = 24 * 60 * 60


def version_cache_key(version: FrameworkVersion, name: str) -> str:
    """The cache key of `name` derived from a published version. The publication time is part
    of it, so that a version id used again (a database rebuilt, a rolled-back import) does not
    find what another version left."""
    assert version.published_at is not None, "only published versions are cached"
    return f"framework-version:{version.pk}:{version.published_at.isoformat()}:{name}"


def for_version(version: FrameworkVersion, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, which derives `name` from `version` alone: kept once computed for a published
    version, computed on every call for a draft."""
    if not version.is_published:
        return compute()
    key = version_cache_key(version, name)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PUBLISHED_VERSION_SECONDS)
    return value


def visible_versions(user: User, framework: Framework) -> QuerySet[FrameworkVersion]:
    """Published versions for everyone; drafts too for those who manage the framework."""
    versions = framework.versions.order_by("-number")
    if permissions.can_manage_framework(user):
        return versions
    return versions.published()


@dataclass
class FrameworkPage:
    """The framework page. Its content (sections, items, involvement levels) is read only when
    the template renders it, which it does not when it has the published version's HTML cached
    (see `content_timeout`)."""

    version: FrameworkVersion
    sections: QuerySet[FrameworkSection]
    involvement_levels: QuerySet[InvolvementLevel]
    versions: list[FrameworkVersion]

    @property
    def content_timeout(self) -> int:
        """How long the rendered content may be cached: not at all (0) while a draft."""
        return PUBLISHED_VERSION_SECONDS if self.version.is_published else 0


def framework_page(user: User, version: FrameworkVersion) -> FrameworkPage:
    items = FrameworkItem.objects.select_related(
        "primary_subcomponent", "secondary_subcomponent"
    ).prefetch_related("tdf_domains", "intervention_functions")
    return FrameworkPage(
        version=version,
        sections=version.sections.select_related("component").prefetch_related(
            Prefetch("items", queryset=items)
        ),
        involvement_levels=version.involvement_levels.all(),
        versions=list(visible_versions(user, version.framework)),
    )


class SectionSummaries:
    """Sections of several versions with their item counts (sensitive items counted apart),
    read in one query when first asked for (a page
    that has every table cached never asks)."""

    def __init__(self, versions: list[FrameworkVersion]) -> None:
        self._version_ids = [version.pk for version in versions]
        self._by_version: dict[int, list[FrameworkSection]] | None = None

    def of(self, version_id: int) -> list[FrameworkSection]:
        if self._by_version is None:
            self._by_version = {pk: [] for pk in self._version_ids}
            sections = (
                FrameworkSection.objects.filter(version_id__in=self._version_ids)
                .annotate(
                    item_count=Count("items"),
                    sensitive_count=Count("items", filter=Q(items__is_sensitive=True)),
                )
                .order_by("version_id", "order")
            )
            for section in sections:
                self._by_version[section.version_id].append(section)
        return self._by_version.get(version_id, [])


def private_statement_counts(versions: list[FrameworkVersion]) -> dict[int, int]:
    """How many rated statements of each version are private unless shared, by version id:
    a published version's from the cache, the rest in one grouped query."""
    keys = {v.pk: version_cache_key(v, "private-statements") for v in versions if v.is_published}
    kept = cache.get_many(keys.values())
    counts = {pk: kept[key] for pk, key in keys.items() if key in kept}
    missing = [version.pk for version in versions if version.pk not in counts]
    if missing:
        counted = dict(
            FrameworkItem.objects.rated()
            .filter(version_id__in=missing, is_sensitive=True)
            .order_by()
            .values_list("version_id")
            .annotate(n=Count("pk"))
            .values_list("version_id", "n")
        )
        read = {pk: counted.get(pk, 0) for pk in missing}
        cache.set_many(
            {keys[pk]: n for pk, n in read.items() if pk in keys}, PUBLISHED_VERSION_SECONDS
        )
        counts |= read
    return counts


def private_statement_count(version: FrameworkVersion) -> int:
    """How many rated statements of a version are private to the therapist unless shared."""
    return private_statement_counts([version])[version.pk]


SECONDS_PER_STATEMENT = 15


def estimated_minutes(statements: int) -> int:
    """About how long rating `statements` takes (15 seconds each), to the nearest 5 minutes and
    at least 5 while any are left; 0 when none are. The one rule for every time shown."""
    if statements <= 0:
        return 0
    return 5 * max(1, round(statements * SECONDS_PER_STATEMENT / 300))


def rated_statement_count(version: FrameworkVersion) -> int:
    """How many statements a version's questionnaire has."""
    return for_version(
        version, "rated-items", FrameworkItem.objects.filter(version=version).rated().count
    )


@dataclass
class Progress:
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def minutes_left(self) -> int:
        return estimated_minutes(self.total - self.answered)


def questionnaire_progress(assessment: SelfAssessment) -> Progress:
    """How many statements have a rating or "not applicable", out of all rated statements
    (callers have the assessment's version loaded)."""
    total = rated_statement_count(assessment.version)
    return Progress(answered=assessment.ratings.count(), total=total)


@dataclass(frozen=True)
class SectionProgress:
    """One page of the questionnaire and how much of it is answered."""

    number: int
    section: FrameworkSection
    answered: int
    total: int

    @property
    def done(self) -> bool:
        return self.answered >= self.total


def section_progress(
    version: FrameworkVersion, assessment: SelfAssessment | None = None
) -> list[SectionProgress]:
    """Each questionnaire section of `version`, in order, with its statement count and how many
    of them `assessment` answers (none without one): one grouped query, whatever the size."""
    sections = version.sections.rated().order_by("order").annotate(total=Count("items"))
    if assessment is None:
        sections = sections.annotate(answered=Value(0))
    else:
        sections = sections.alias(
            own=FilteredRelation(
                "items__ratings", condition=Q(items__ratings__assessment_id=assessment.pk)
            )
        ).annotate(answered=Count("own"))
    return [
        SectionProgress(number, section, section.answered, section.total)
        for number, section in enumerate(sections, start=1)
    ]


@dataclass
class ReviewSection:
    number: int
    section: FrameworkSection
    answers: list[tuple[FrameworkItem, ItemRating | None]]

    @property
    def unanswered(self) -> int:
        return sum(1 for _, rating in self.answers if rating is None)


def review_sections(
    assessment: SelfAssessment, *, include_sensitive: bool = True
) -> list[ReviewSection]:
    """Every questionnaire section with each statement's answer ("check your answers", and the
    read-only view); without sensitive items when the viewer may not see them."""
    ratings = {r.item_id: r for r in assessment.ratings.all()}
    version = assessment.version
    name = "questionnaire" if include_sensitive else "questionnaire-without-sensitive"
    questionnaire = for_version(
        version, name, lambda: _sections_with_items(version, include_sensitive)
    )
    return [
        ReviewSection(
            number=number,
            section=section,
            answers=[(item, ratings.get(item.pk)) for item in items],
        )
        for number, (section, items) in enumerate(questionnaire, start=1)
    ]


def _sections_with_items(
    version: FrameworkVersion, include_sensitive: bool
) -> list[tuple[FrameworkSection, list[FrameworkItem]]]:
    """The rated sections of a version, in order, each with its statements."""
    items = FrameworkItem.objects.order_by("order")
    if not include_sensitive:
        items = items.filter(is_sensitive=False)
    sections = (
        version.sections.rated()
        .order_by("order")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    return [(section, list(section.items.all())) for section in sections]
