"""The supervisor's list of current supervisees, with each one's self-assessment status."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest

from . import queries

PAGE_SIZE = 25


@require_safe
@permissions.role_required(Role.SUPERVISOR)
def supervisees(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(queries.supervisee_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.supervisee_rows(list(page.object_list))
    return render(request, "supervision/supervisees.html", {"page": page, "rows": rows})
