"""The supervisor's list of current supervisees, with each one's self-assessment status."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import permissions

from . import queries

PAGE_SIZE = 25


@login_required
def supervisees(request: HttpRequest) -> HttpResponse:
    if not permissions.is_supervisor(request.user):
        raise PermissionDenied("Only supervisors have supervisees.")
    page = Paginator(queries.supervisee_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.supervisee_rows(list(page.object_list))
    return render(request, "supervision/supervisees.html", {"page": page, "rows": rows})
