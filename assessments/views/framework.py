"""The framework pages and the therapist's start page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts import permissions
from accounts.models import Membership, Role, SupervisionRelationship
from accounts.permissions import AuthenticatedRequest

from .. import cycles, queries
from ..models import Framework, FrameworkVersion


def default_framework() -> Framework:
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    if framework is None:
        raise Http404("No framework has been loaded yet.")
    return framework


def current_version() -> FrameworkVersion:
    """The version questionnaires are built from; a 404 until one is published."""
    version = default_framework().current_version()
    if version is None:
        raise Http404("The framework has no published version yet.")
    return version


@login_required
def framework(request: AuthenticatedRequest) -> HttpResponse:
    """The current published version of the service's framework."""
    page = queries.framework_page(request.user, current_version())
    return render(request, "assessments/framework_detail.html", {"page": page})


@login_required
def framework_version(request: AuthenticatedRequest, slug: str, number: int) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    version = get_object_or_404(queries.visible_versions(request.user, framework), number=number)
    page = queries.framework_page(request.user, version)
    return render(request, "assessments/framework_detail.html", {"page": page})


@permissions.role_required(Role.THERAPIST)
def my_training(request: AuthenticatedRequest) -> HttpResponse:
    """A therapist's start page: their team, supervisors and the framework they rate."""
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    version = framework.current_version() if framework else None
    context = {
        "memberships": Membership.objects.current()
        .filter(user=request.user, role=Role.THERAPIST)
        .select_related("team", "service"),
        "supervisions": SupervisionRelationship.objects.current()
        .filter(supervisee=request.user)
        .select_related("supervisor"),
        "version": version,
        "sections": queries.section_summary(version) if version else [],
        "private_statements": queries.private_statement_count(version) if version else 0,
        "status": cycles.status_for(request.user),
    }
    return render(request, "assessments/my_training.html", context)
