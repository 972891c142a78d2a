"""The supervisee's own log page: hours against the standard, the totals of the last 12 months
by format, the exports for a chosen period, and the entries."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest

from .. import exports, hours
from ..models import SupervisionSession

PAGE_SIZE = 25
TOTALS_MONTHS = 12


@require_safe
@permissions.role_required(Role.THERAPIST)
def log(request: AuthenticatedRequest) -> HttpResponse:
    """The supervisee's own log: hours of the last three months against the standard, the last
    12 months by format, the export form and the entries, newest first."""
    return log_page(request, exports.PeriodForm(today=timezone.localdate()))


def log_page(
    request: AuthenticatedRequest, period_form: exports.PeriodForm, *, status: int = 200
) -> HttpResponse:
    """The log page with this export form (bound and with its errors, after a bad period)."""
    months = hours.monthly_hours(request.user, count=TOTALS_MONTHS)
    recent = months[-hours.ROLLING_MONTHS :]
    entries = SupervisionSession.objects.filter(supervisee=request.user).select_related(
        "supervisor"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "months": recent,
        "rolling": hours.rolling_average(recent),
        "by_format": exports.totals_by_month_and_format(months, request.user),
        "period_form": period_form,
        "page": page,
    }
    return render(request, "supervision/log.html", context, status=status)
