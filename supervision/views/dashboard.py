"""The supervisor's dashboard (one row per current supervisee, what needs attention first) and
a supervisee's page (their summary, log entries, hours by month, and links to their profile,
agenda, ratings and log exports)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role
from accounts.permissions import AuthenticatedRequest

from .. import dashboard, hours, queries, reflections

PAGE_SIZE = 25
# Months of hours the supervisee's page lists (the dashboard shows three).
HOURS_MONTHS = 12


@require_safe
@permissions.role_required(Role.SUPERVISOR)
def supervisees(request: AuthenticatedRequest) -> HttpResponse:
    # Every supervisee is summarised so the sort covers them all; the page shows 25.
    rows = dashboard.dashboard_rows(request.user, list(queries.supervisee_list(request.user)))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/supervisees.html", {"page": page, "rows": page.object_list})


@require_safe
@permissions.role_required(Role.SUPERVISOR)
def supervisee(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = queries.current_supervisee(request.user, pk)
    if person is None:
        raise Http404("Not one of your current supervisees.")
    (row,) = dashboard.dashboard_rows(request.user, [person])
    months = hours.monthly_hours(person, count=HOURS_MONTHS)
    entries = Paginator(queries.supervisee_entries(request.user, person), PAGE_SIZE)
    # The page summarises their profile (needs, change), so opening it is recorded as such.
    record_event(request.user, person, AuditEvent.Action.OPENED_PROFILE, "supervisee page")
    context = {
        "row": row,
        "person": person,
        "months": list(reversed(months)),
        "page": entries.get_page(request.GET.get("page")),
        "pattern": reflections.reflection_pattern(person) if row.is_therapist else None,
    }
    return render(request, "supervision/supervisee.html", context)
