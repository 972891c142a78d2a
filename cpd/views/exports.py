"""The therapist's own CPD log for this CPD year, as CSV (streamed) and PDF, for
accreditation. Therapists only; nobody else's log is exported here."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import AuthenticatedRequest
from comb_tracker.documents import as_attachment, csv_stream

from .. import exports, services


@require_safe
@permissions.role_required(Role.THERAPIST)
def cpd_csv(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """This CPD year's log as CSV."""
    plan = services.current_plan(request.user)
    lines = csv_stream(exports.csv_lines(plan))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return as_attachment(response, exports.filename(plan, "csv"))


@require_safe
@permissions.role_required(Role.THERAPIST)
def cpd_pdf(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """This CPD year's log as PDF."""
    plan = services.current_plan(request.user)
    response = HttpResponse(exports.pdf_bytes(plan), content_type="application/pdf")
    return as_attachment(response, exports.filename(plan, "pdf"))
