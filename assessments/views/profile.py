"""The training-needs profile, its chart, and a submitted assessment's answers (read-only).

Opening someone else's profile or answers is written to the access record (`accounts.audit`);
opening one's own is not, and the chart counts as part of the profile.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, User
from accounts.permissions import AuthenticatedRequest

from .. import charts, frameworks, queries
from ..models import Framework
from ..profile import ProfileBasis, profile_basis, therapist_profile


def _visible_therapist(request: HttpRequest, pk: int) -> User:
    """The therapist, if the viewer may see their records; a 404 for everyone else, so that
    outsiders cannot tell whether the person exists."""
    return get_object_or_404(permissions.visible_therapists(request.user), pk=pk)


def _framework_id(request: HttpRequest, therapist: User) -> int | None:
    """The framework the page asks for (`?framework=<slug>`), None for the default; a 404 for a
    framework the therapist has never had anything to do with."""
    slug = request.GET.get("framework")
    if not slug:
        return None
    framework = Framework.objects.filter(slug=slug).first()
    if framework is None or not (
        therapist.self_assessments.filter(framework=framework).exists()
        or framework in frameworks.frameworks_of(therapist)
    ):
        raise Http404("No profile on this framework.")
    return framework.pk


def _chart_query(basis: ProfileBasis) -> dict[str, str]:
    return {"assessment": str(basis.latest_pk), "private": str(int(basis.includes_sensitive))}


def _chart_url(therapist: User, basis: ProfileBasis) -> str:
    path = reverse("assessments:profile_chart", args=[therapist.pk])
    return f"{path}?{urlencode(_chart_query(basis))}"


@require_safe
@login_required
def profile(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    therapist = _visible_therapist(request, pk)
    result = therapist_profile(request.user, therapist, _framework_id(request, therapist))
    charts.keep_chart_bars(result)
    is_owner = therapist.pk == request.user.pk
    if not is_owner:
        slug = result.framework.slug if result.framework else ""
        record_event(request.user, therapist, AuditEvent.Action.OPENED_PROFILE, slug)
    return render(
        request,
        "assessments/profile.html",
        {
            "therapist": therapist,
            "profile": result,
            "trend": result.trend(),
            "chart_url": _chart_url(therapist, result.basis) if result.basis else None,
            "is_owner": is_owner,
            "from_supervisees": _from_supervisees(request, therapist),
        },
    )


def _from_supervisees(request: AuthenticatedRequest, therapist: User) -> bool:
    """Whether the viewer reached this therapist's pages as their supervisor (anyone but the
    therapist who may see them is one: see `permissions.visible_therapists`)."""
    return therapist.pk != request.user.pk and permissions.is_supervisor(request.user)


@require_safe
@login_required
def profile_chart(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The profile's chart, drawn from what the profile page kept (see `charts`).

    Its URL names the basis it shows (latest assessment, private answers or not); a URL naming
    another (an older page, an old link) is redirected to the current one, so one URL always
    means one picture, and pictures with and without private answers never share a URL (nor a
    browser cache entry)."""
    therapist = _visible_therapist(request, pk)
    named = request.GET.get("assessment", "")
    found = profile_basis(
        request.user,
        therapist,
        named_assessment=int(named) if named.isascii() and named.isdigit() else None,
    )
    if found is None:
        raise Http404("No submitted self-assessment yet.")
    basis, framework_id = found
    if request.GET.dict() != _chart_query(basis):
        return redirect(_chart_url(therapist, basis))
    svg = charts.cached_chart_svg(
        basis, lambda: therapist_profile(request.user, therapist, framework_id)
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_safe
@login_required
def assessment_detail(request: AuthenticatedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """A submitted assessment's answers, read-only; private items only where
    `permissions.can_see_private_answers` allows."""
    therapist = _visible_therapist(request, pk)
    assessment = get_object_or_404(therapist.self_assessments.submitted(), pk=assessment_pk)
    show_private = permissions.can_see_private_answers(request.user, assessment)
    is_owner = therapist.pk == request.user.pk
    if not is_owner:
        record_event(request.user, therapist, AuditEvent.Action.OPENED_ANSWERS, str(assessment.pk))
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "therapist": therapist,
            "assessment": assessment,
            "sections": queries.review_sections(assessment, include_sensitive=show_private),
            "is_owner": is_owner,
            "from_supervisees": _from_supervisees(request, therapist),
            "hides_sensitive": not show_private,
        },
    )
