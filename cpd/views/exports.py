"""The therapist's own CPD log for this CPD year, as CSV (streamed) and PDF, for
accreditation. Therapists only; nobody else's log is exported here."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest

from .. import exports, services
from ..models import CpdPlan


class _Echo:
    """A file-like object that hands back what is written, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(plan: CpdPlan) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
    for line in exports.csv_lines(plan):
        yield writer.writerow(line)


def _attachment(
    response: HttpResponse | StreamingHttpResponse, plan: CpdPlan, kind: str
) -> HttpResponse | StreamingHttpResponse:
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exports.filename(plan, kind)
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
@permissions.role_required(Role.THERAPIST)
def cpd_csv(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """This CPD year's log as CSV."""
    plan = services.current_plan(request.user)
    response = StreamingHttpResponse(_csv_stream(plan), content_type="text/csv; charset=utf-8")
    return _attachment(response, plan, "csv")


@require_safe
@permissions.role_required(Role.THERAPIST)
def cpd_pdf(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """This CPD year's log as PDF."""
    plan = services.current_plan(request.user)
    response = HttpResponse(exports.pdf_bytes(plan), content_type="application/pdf")
    return _attachment(response, plan, "pdf")
