"""Landing after sign-in, and the service lead's overview of their service."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from . import permissions, queries
from .models import Service


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their main role starts from."""
    user = request.user
    led = permissions.services_led_by(user).first()
    if led:
        return redirect("accounts:service_overview", slug=led.slug)
    if permissions.is_supervisor(user):
        return redirect("supervision:supervisees")
    if permissions.is_therapist(user):
        return redirect("assessments:my_training")
    if permissions.can_manage_framework(user):
        return redirect("assessments:framework")
    return render(request, "accounts/no_role.html")


@login_required
def service_overview(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug)
    if not permissions.can_view_service(request.user, service):
        raise Http404("No such service.")
    return render(
        request,
        "accounts/service_overview.html",
        {"service": service, "teams": queries.team_headcounts(service)},
    )
