"""The anonymised CSV of a service's responses (`reports.exports`), for the service's leads;
anyone else gets 404, as the service's other pages answer. Each therapist in it gets an access
record (their answers left, under a pseudonym). Streamed: the file is written while
it is read from the database, so its size never sits in memory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.audit import record_events
from accounts.models import AuditEvent
from accounts.permissions import AuthenticatedRequest
from comb_tracker.documents import as_attachment, csv_stream

from ..exports import ResponsesExport


@require_safe
@login_required
def responses_csv(request: AuthenticatedRequest, slug: str) -> StreamingHttpResponse:
    """The service's submitted responses, one row per assessment, without names or free text."""
    service = get_object_or_404(permissions.services_led_by(request.user), slug=slug)
    export = ResponsesExport(service)
    record_events(
        request.user,
        export.therapist_ids(),
        AuditEvent.Action.EXPORTED_RESPONSES,
        f"Anonymised responses of {service.name}",
    )
    response = StreamingHttpResponse(
        csv_stream(export.lines()), content_type="text/csv; charset=utf-8"
    )
    return as_attachment(response, export.filename())
