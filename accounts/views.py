"""Landing after sign-in, the service lead's overview of their service, and "Your data"."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import permissions, personal_data, queries
from .audit import record_event
from .models import AuditEvent, User

TEAMS_PER_PAGE = 25


@require_safe
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
    if permissions.can_view_national_aggregates(user):
        return redirect("reports:national")
    return render(request, "accounts/no_role.html")


@require_safe
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
            "small_group_minimum": permissions.small_group_minimum(service),
        },
    )


@require_GET
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """What the download of one's own data holds, and the button that downloads it."""
    described = [entry for entry in personal_data.entries() if entry.description]
    return render(request, "accounts/my_data.html", {"entries": described})


@require_POST
@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    """A zip of the signed-in person's own data (JSON and CSV); the download is recorded."""
    person = cast(User, request.user)
    archive = personal_data.export_archive(person)
    record_event(person, person, AuditEvent.Action.EXPORTED_DATA)
    name = f"comb-tracker-data-{person.username}-{timezone.localdate():%Y-%m-%d}.zip"
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
