"""Reads for organisation pages, aggregated in the database."""

from django.db.models import Count, Q, QuerySet

from .models import Role, Service, Team


def team_headcounts(service: Service) -> QuerySet[Team]:
    """Each team of a service with how many active therapists and supervisors belong to it."""
    return service.teams.annotate(
        therapist_count=Count(
            "memberships__user",
            filter=Q(memberships__role=Role.THERAPIST, memberships__user__is_active=True),
            distinct=True,
        ),
        supervisor_count=Count(
            "memberships__user",
            filter=Q(memberships__role=Role.SUPERVISOR, memberships__user__is_active=True),
            distinct=True,
        ),
    ).order_by("name")
