"""The access record: who opened, downloaded or anonymised another person's data, and when.

One public function, so every page and service writes the record the same way.
"""

from __future__ import annotations

from .models import AuditEvent, User


def record_event(
    actor: User | None, subject: User, action: AuditEvent.Action | str, detail: str = ""
) -> AuditEvent:
    """Write one access record (one INSERT). `actor` is None when a command acts alone."""
    return AuditEvent.objects.create(
        actor=actor, subject=subject, action=action, detail=str(detail)[:200]
    )
