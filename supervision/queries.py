"""Reads for the supervisor's pages."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Membership, Role, SupervisionRelationship, User


def supervisee_rows(supervisor: User) -> QuerySet[SupervisionRelationship]:
    """Current supervision relationships of a supervisor, each with the supervisee's teams."""
    return (
        SupervisionRelationship.objects.current()
        .filter(supervisor=supervisor, supervisee__is_active=True)
        .select_related("supervisee")
        .prefetch_related(
            Prefetch(
                "supervisee__memberships",
                queryset=Membership.objects.filter(role=Role.THERAPIST).select_related("team"),
                to_attr="therapist_memberships",
            )
        )
        .order_by("supervisee__last_name", "supervisee__first_name")
    )
