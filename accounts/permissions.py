"""Who may see what: one function per access question, used by every view and queryset.

Roles come from memberships; relationships (supervision, leading a service) decide access to
another person's or a service's data. Outsiders get querysets that do not contain the object,
so views answer 404 rather than revealing that it exists.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from .models import Membership, Role, Service, SupervisionRelationship, User

AnyUser = User | AnonymousUser


def roles_of(user: AnyUser) -> frozenset[str]:
    """The roles a user holds in any service, computed once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_comb_roles", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user)
            .order_by()
            .values_list("role", flat=True)
            .distinct()
        )
        user._comb_roles = cached
    return cached


def is_therapist(user: AnyUser) -> bool:
    return Role.THERAPIST in roles_of(user)


def is_supervisor(user: AnyUser) -> bool:
    return Role.SUPERVISOR in roles_of(user)


def is_service_lead(user: AnyUser) -> bool:
    return Role.SERVICE_LEAD in roles_of(user)


def can_manage_framework(user: AnyUser) -> bool:
    """Administrators edit framework drafts and publish versions (through the admin site)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("assessments.change_frameworkversion")
    )


def current_supervisees(supervisor: AnyUser) -> QuerySet[User]:
    """The people this user supervises today."""
    if not supervisor.is_authenticated:
        return User.objects.none()
    ids = SupervisionRelationship.objects.current().filter(supervisor=supervisor)
    return User.objects.filter(is_active=True, pk__in=ids.values("supervisee_id"))


def visible_therapists(user: AnyUser) -> QuerySet[User]:
    """Therapists whose individual records this user may open: themselves and supervisees."""
    if not user.is_authenticated:
        return User.objects.none()
    supervisee_ids = SupervisionRelationship.objects.current().filter(supervisor=user)
    return User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=supervisee_ids.values("supervisee_id")),
        memberships__role=Role.THERAPIST,
        is_active=True,
    ).distinct()


def can_view_therapist(user: AnyUser, therapist: User) -> bool:
    """A therapist's own records are theirs and their current supervisors' to see."""
    return visible_therapists(user).filter(pk=therapist.pk).exists()


def services_led_by(user: AnyUser) -> QuerySet[Service]:
    if not user.is_authenticated:
        return Service.objects.none()
    return Service.objects.filter(
        memberships__user=user, memberships__role=Role.SERVICE_LEAD
    ).distinct()


def can_view_service(user: AnyUser, service: Service) -> bool:
    """Service-level aggregates are for that service's leads."""
    return services_led_by(user).filter(pk=service.pk).exists()
