"""Which framework a person works with: the one home of that rule.

A service uses one framework (`Service.framework`, chosen by an administrator; `FRAMEWORK_SLUG`
only names the one new services start with). A therapist assesses against the framework of a
service they currently work in as a therapist; with current services on different frameworks,
they choose. An assessment in progress always finishes on its own version, even after its
service has moved to another framework, so the start page and "Continue" always describe the
same assessment. Read-only, like `cycles`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from accounts.models import Membership, Role, Service, User

from .cycles import CycleStatus, cycle_status, interval_months
from .models import Framework, FrameworkVersion, SelfAssessment


def default_framework() -> Framework | None:
    """The framework `FRAMEWORK_SLUG` names, if loaded: for people who belong to no service."""
    return Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()


@dataclass(frozen=True)
class FrameworkChoice:
    """A framework a therapist can assess themselves against, as their start page shows it."""

    framework: Framework
    # The therapist's current service that uses the framework; None when only an assessment
    # in progress is left on it (its service moved to another framework since it was started).
    service: Service | None
    status: CycleStatus
    # What the questionnaire is built from: the open assessment's version, else the newest
    # published one (None before any is published).
    version: FrameworkVersion | None

    @property
    def open_assessment(self) -> SelfAssessment | None:
        return self.status.open_assessment

    @property
    def can_start(self) -> bool:
        """Whether the start page offers "Start" or "Continue" for this framework."""
        if self.open_assessment is not None:
            return True
        return self.service is not None and self.version is not None and self.status.can_start


def assessment_choices(
    therapist: User, today: datetime.date | None = None
) -> list[FrameworkChoice]:
    """The frameworks the therapist assesses against: those of their current services (most
    recently joined first), then any other with an assessment still in progress."""
    memberships = (
        Membership.objects.current(today)
        .filter(user=therapist, role=Role.THERAPIST, service__framework__isnull=False)
        .select_related("service__framework")
        .order_by("-starts_on", "-pk")
    )
    frameworks: dict[int, Framework] = {}
    services: dict[int, list[Service]] = {}
    for membership in memberships:
        framework = membership.service.framework
        assert framework is not None  # filtered above
        frameworks.setdefault(framework.pk, framework)
        if membership.service not in services.setdefault(framework.pk, []):
            services[framework.pk].append(membership.service)
    assessments = list(therapist.self_assessments.select_related("framework", "version"))
    for assessment in assessments:
        if not assessment.is_submitted:
            frameworks.setdefault(assessment.framework_id, assessment.framework)
    newest = current_versions(frameworks)
    choices = []
    for framework_id, framework in frameworks.items():
        using = services.get(framework_id, [])
        status = cycle_status(
            [a for a in assessments if a.framework_id == framework_id],
            interval_months(service.reassessment_interval_months for service in using),
            today,
        )
        version = (
            status.open_assessment.version
            if status.open_assessment is not None
            else newest.get(framework_id)
        )
        choices.append(FrameworkChoice(framework, using[0] if using else None, status, version))
    return choices


def current_versions(framework_ids: Iterable[int]) -> dict[int, FrameworkVersion]:
    """The newest published version of each framework that has one, in one query."""
    newest: dict[int, FrameworkVersion] = {}
    published = FrameworkVersion.objects.published().filter(framework_id__in=list(framework_ids))
    for version in published.select_related("framework").order_by("framework_id", "-number"):
        newest.setdefault(version.framework_id, version)
    return newest


def chosen(choices: list[FrameworkChoice], slug: str | None) -> FrameworkChoice | None:
    """The choice a page is about: the one its URL names, else the only one there is."""
    if slug:
        return next((choice for choice in choices if choice.framework.slug == slug), None)
    return choices[0] if len(choices) == 1 else None


def frameworks_of(user: User) -> list[Framework]:
    """The frameworks of the services the user currently works in, in any role, most recently
    joined first."""
    memberships = (
        Membership.objects.current()
        .filter(user=user, service__framework__isnull=False)
        .select_related("service__framework")
        .order_by("-starts_on", "-pk")
    )
    found: dict[int, Framework] = {}
    for membership in memberships:
        framework = membership.service.framework
        assert framework is not None  # filtered above
        found.setdefault(framework.pk, framework)
    return list(found.values())


def framework_for(user: User) -> Framework | None:
    """The framework a page shows someone by default: that of their most recently joined
    current service that has one, else the default framework."""
    own = frameworks_of(user)
    return own[0] if own else default_framework()
