"""Exports of a supervision log for BABCP's reaccreditation audit, as CSV and PDF: the
therapist's own, and a current supervisee's as their supervisor may see it (sessions sent to or
confirmed by that supervisor, never drafts). Anyone else gets 404; a period that cannot be read
gets 400 with what to correct (the therapist sees their log page with the errors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.audit import record_event
from accounts.models import AuditEvent, Role, User
from accounts.permissions import AuthenticatedRequest
from comb_tracker.documents import as_attachment, csv_stream

from .. import exports
from .log import log_page

CSV = "csv"
PDF = "pdf"


def _download(export: exports.LogExport, kind: str) -> HttpResponse | StreamingHttpResponse:
    response: HttpResponse | StreamingHttpResponse
    if kind == CSV:
        response = StreamingHttpResponse(
            csv_stream(exports.csv_lines(export)), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(exports.pdf_bytes(export), content_type="application/pdf")
    return as_attachment(response, export.filename(kind))


def _own(request: AuthenticatedRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    today = timezone.localdate()
    form = exports.PeriodForm(request.GET, today=today)
    if not form.is_valid():
        return log_page(request, form, status=400)
    export = exports.LogExport(
        viewer=request.user, supervisee=request.user, period=form.period(), today=today
    )
    return _download(export, kind)


def _supervisees(
    request: AuthenticatedRequest, pk: int, kind: str
) -> HttpResponse | StreamingHttpResponse:
    supervisee: User = get_object_or_404(permissions.current_supervisees(request.user), pk=pk)
    today = timezone.localdate()
    form = exports.PeriodForm(request.GET, today=today)
    if not form.is_valid():
        return HttpResponseBadRequest(
            f"The period could not be read, so nothing was exported.\n{form.error_text()}\n",
            content_type="text/plain; charset=utf-8",
        )
    period = form.period()
    record_event(
        request.user,
        supervisee,
        AuditEvent.Action.OPENED_SUPERVISION,
        f"Supervision log export ({kind.upper()}), {period.first} to {period.last}",
    )
    export = exports.LogExport(
        viewer=request.user, supervisee=supervisee, period=period, today=today
    )
    return _download(export, kind)


@require_safe
@permissions.role_required(Role.THERAPIST)
def log_csv(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """The therapist's own log as CSV."""
    return _own(request, CSV)


@require_safe
@permissions.role_required(Role.THERAPIST)
def log_pdf(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """The therapist's own log as PDF."""
    return _own(request, PDF)


@require_safe
@login_required
def supervisee_log_csv(
    request: AuthenticatedRequest, pk: int
) -> HttpResponse | StreamingHttpResponse:
    """A current supervisee's log as CSV, as their supervisor may see it."""
    return _supervisees(request, pk, CSV)


@require_safe
@login_required
def supervisee_log_pdf(
    request: AuthenticatedRequest, pk: int
) -> HttpResponse | StreamingHttpResponse:
    """A current supervisee's log as PDF, as their supervisor may see it."""
    return _supervisees(request, pk, PDF)
