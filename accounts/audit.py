"""The access record: who opened, downloaded or anonymised another person's data, and when;
and the history row of a change that history cannot see by itself (docs/audit.md).

One function each, so every page and service writes them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import AuditEvent, User


def record_event(
    actor: User | None, subject: User, action: AuditEvent.Action | str, detail: str = ""
) -> AuditEvent:
    """Write one access record (one INSERT). `actor` is None when a command acts alone."""
    return AuditEvent.objects.create(
        actor=actor, subject=subject, action=action, detail=str(detail)[:200]
    )


def record_events(
    actor: User | None, subject_ids: Iterable[int], action: AuditEvent.Action | str, detail: str
) -> int:
    """One access record for each person in `subject_ids` (one INSERT per 500): a service
    export names nobody, yet each person can see on their record that their answers left.
    Returns how many were written."""
    events = [
        AuditEvent(actor=actor, subject_id=pk, action=action, detail=str(detail)[:200])
        for pk in subject_ids
    ]
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def record_change(instance: Any, *, by_id: int | None, reason: str) -> None:
    """The history row of a change made by a conditional UPDATE (which simple-history does not
    see): `instance` as it now is, changed by the user `by_id`, in one INSERT. Call it in the
    UPDATE's transaction, with `instance` holding the values written."""
    history_model = type(instance).history.model
    values = {
        field.attname: getattr(instance, field.attname) for field in history_model.tracked_fields
    }
    history_model.objects.create(
        history_type="~",
        history_date=timezone.now(),
        history_user_id=by_id,
        history_change_reason=reason,
        **values,
    )
