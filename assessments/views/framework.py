"""The framework pages and the therapist's start page."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Membership, Role, SupervisionRelationship
from accounts.permissions import AuthenticatedRequest

from .. import frameworks, queries
from ..models import Framework, FrameworkVersion


def _render_framework(request: AuthenticatedRequest, version: FrameworkVersion) -> HttpResponse:
    page = queries.framework_page(request.user, version)
    others = [f for f in frameworks.frameworks_of(request.user) if f.pk != version.framework_id]
    return render(
        request, "assessments/framework_detail.html", {"page": page, "other_frameworks": others}
    )


@require_safe
@login_required
def framework(request: AuthenticatedRequest) -> HttpResponse:
    """The current published version of the framework of the viewer's service."""
    chosen = frameworks.framework_for(request.user)
    version = chosen.current_version() if chosen else None
    if version is None:
        raise Http404("No framework has been published yet.")
    return _render_framework(request, version)


@require_safe
@login_required
def framework_current(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The current published version of a framework named by its slug."""
    version = get_object_or_404(Framework, slug=slug).current_version()
    if version is None:
        raise Http404("The framework has no published version yet.")
    return _render_framework(request, version)


@require_safe
@login_required
def framework_version(request: AuthenticatedRequest, slug: str, number: int) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    version = get_object_or_404(queries.visible_versions(request.user, framework), number=number)
    return _render_framework(request, version)


@require_safe
@permissions.role_required(Role.THERAPIST)
def my_training(request: AuthenticatedRequest) -> HttpResponse:
    """A therapist's start page: their teams, supervisors, and each framework they rate
    themselves against with where they are in its cycle."""
    choices = frameworks.assessment_choices(request.user)
    versions = [choice.version for choice in choices if choice.version is not None]
    summaries = queries.SectionSummaries(versions)
    private = queries.private_statement_counts(versions)
    progress = {
        choice.framework.pk: queries.section_progress(choice.version, choice.open_assessment)
        for choice in choices
        if choice.version and choice.open_assessment
    }
    context = {
        "today": timezone.localdate(),
        "memberships": Membership.objects.current()
        .filter(user=request.user, role=Role.THERAPIST)
        .select_related("team", "service"),
        "supervisions": SupervisionRelationship.objects.current()
        .filter(supervisee=request.user)
        .select_related("supervisor"),
        "choices": [
            {
                "choice": choice,
                # Called by the template only when its cached table is missing.
                "sections": partial(summaries.of, choice.version.pk) if choice.version else list,
                "private_statements": private.get(choice.version.pk, 0) if choice.version else 0,
                "progress": progress.get(choice.framework.pk, []),
                "minutes_left": queries.estimated_minutes(
                    sum(s.total - s.answered for s in progress.get(choice.framework.pk, []))
                ),
            }
            for choice in choices
        ],
    }
    return render(request, "assessments/my_training.html", context)
