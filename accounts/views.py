"""Landing after sign-in, and the service lead's overview of their service."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from . import permissions, queries

TEAMS_PER_PAGE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their main role starts from."""
    user = request.user
    if permissions.is_service_lead(user):
        led = permissions.services_led_by(user).order_by("name").first()
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
    """A page of the service's teams, each with its head counts today; other people get 404."""
    service = get_object_or_404(
        permissions.services_led_by(request.user).select_related("framework"), slug=slug
    )
    page = Paginator(queries.service_teams(service), TEAMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = queries.team_headcounts(list(page.object_list))
    return render(
        request,
        "accounts/service_overview.html",
        {
            "service": service,
            "page": page,
            "rows": rows,
            "small_group_minimum": permissions.small_group_minimum(),
        },
    )
