"""Reads for framework pages, with related rows fetched in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import permissions
from accounts.models import User

from .models import Framework, FrameworkItem, FrameworkSection, FrameworkVersion


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
