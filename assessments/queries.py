"""Reads for framework pages, with related rows fetched in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import permissions
from accounts.models import User

from .models import (
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    ItemRating,
    SelfAssessment,
)


def visible_versions(user: User, framework: Framework) -> QuerySet[FrameworkVersion]:
    """Published versions for everyone; drafts too for those who manage the framework."""
    versions = framework.versions.order_by("-number")
    if permissions.can_manage_framework(user):
        return versions
    return versions.published()


@dataclass
class FrameworkPage:
    version: FrameworkVersion
    sections: list[FrameworkSection]
    involvement_levels: list
    versions: list[FrameworkVersion]


def framework_page(user: User, version: FrameworkVersion) -> FrameworkPage:
    items = FrameworkItem.objects.select_related(
        "primary_subcomponent", "secondary_subcomponent"
    ).prefetch_related("tdf_domains", "intervention_functions")
    sections = list(
        version.sections.select_related("component").prefetch_related(
            Prefetch("items", queryset=items)
        )
    )
    return FrameworkPage(
        version=version,
        sections=sections,
        involvement_levels=list(version.involvement_levels.all()),
        versions=list(visible_versions(user, version.framework)),
    )


def section_summary(version: FrameworkVersion) -> QuerySet[FrameworkSection]:
    """Sections of a version with their item counts (sensitive items counted apart)."""
    return version.sections.annotate(
        item_count=Count("items"),
        sensitive_count=Count("items", filter=Q(items__is_sensitive=True)),
    ).order_by("order")


@dataclass
class Progress:
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def questionnaire_progress(assessment: SelfAssessment) -> Progress:
    """How many statements have a rating or "not applicable", out of all rated statements."""
    total = FrameworkItem.objects.filter(version_id=assessment.version_id).rated().count()
    return Progress(answered=assessment.ratings.count(), total=total)


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
    items = FrameworkItem.objects.order_by("order")
    if not include_sensitive:
        items = items.filter(is_sensitive=False)
    sections = (
        assessment.version.sections.rated()
        .order_by("order")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    return [
        ReviewSection(
            number=number,
            section=section,
            answers=[(item, ratings.get(item.pk)) for item in section.items.all()],
        )
        for number, section in enumerate(sections, start=1)
    ]
