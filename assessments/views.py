"""Framework pages and the therapist's own starting page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts import permissions
from accounts.models import Membership, Role, SupervisionRelationship

from . import queries
from .models import Framework


def _default_framework() -> Framework:
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    if framework is None:
        raise Http404("No framework has been loaded yet.")
    return framework


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    """The current published version of the service's framework."""
    version = _default_framework().current_version()
    if version is None:
        raise Http404("The framework has no published version yet.")
    page = queries.framework_page(request.user, version)
    return render(request, "assessments/framework_detail.html", {"page": page})


@login_required
def framework_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    version = get_object_or_404(queries.visible_versions(request.user, framework), number=number)
    page = queries.framework_page(request.user, version)
    return render(request, "assessments/framework_detail.html", {"page": page})


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    """A therapist's start page: their team, supervisors and the framework they rate."""
    if not permissions.is_therapist(request.user):
        raise PermissionDenied("This page is for therapists.")
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    version = framework.current_version() if framework else None
    context = {
        "memberships": Membership.objects.filter(
            user=request.user, role=Role.THERAPIST
        ).select_related("team", "service"),
        "supervisions": SupervisionRelationship.objects.current()
        .filter(supervisee=request.user)
        .select_related("supervisor"),
        "version": version,
        "sections": queries.section_summary(version) if version else [],
    }
    return render(request, "assessments/my_training.html", context)
