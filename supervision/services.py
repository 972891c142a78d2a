"""The supervision log's writes: recording and changing an entry, and its review.

An entry with an in-product supervisor moves draft → submitted → returned → submitted … →
confirmed. An entry with an external supervisor is submitted and stays so ("not confirmed in
the product"): nobody in the product reviews it. A confirmed entry is read-only; `amend` starts
a correction that keeps the original.

Each function is one transaction. Every change names the `revision` its page was built from,
and every status change is one conditional UPDATE on (pk, status, revision), so two people
acting at once (the supervisee editing, the supervisor confirming) never lose a change: one
wins, the other gets `StaleEntry`. A repeat of a change already made (a double click) returns
False and writes nothing. An UPDATE records no history, so each status change writes its
history row itself, in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import permissions
from accounts.audit import record_change
from accounts.models import User
from accounts.validators import reject_nhs_numbers
from assessments.models import FrameworkItem

from .models import AgreedAction, SessionComment, SupervisionSession

Status = SupervisionSession.Status

# The fields a supervisee writes (`record_session`, `update_session`); `items` is separate.
ENTRY_FIELDS = (
    "supervisor",
    "external_supervisor_name",
    "external_supervisor_accredited",
    "held_on",
    "duration_minutes",
    "format",
    "group_size",
    "delivery",
    "activities",
    "reflection",
)


class NotAllowed(Exception):
    """The person may not do this to this entry (views answer 404)."""


class WrongState(Exception):
    """The entry is not in a state that allows this (e.g. confirming a draft)."""


class StaleEntry(Exception):
    """The entry changed since the page that asked for this was built."""


@transaction.atomic
def record_session(
    supervisee: User, *, items: Iterable[FrameworkItem] = (), **fields: Any
) -> SupervisionSession:
    """A new draft entry in the supervisee's log (fields as in `ENTRY_FIELDS`)."""
    _check_field_names(fields)
    entry = SupervisionSession(supervisee=supervisee, **fields)
    _validate(entry)
    entry._history_user = supervisee  # type: ignore[attr-defined]
    entry.save()
    entry.items.set(list(items))
    return entry


@transaction.atomic
def update_session(
    entry: SupervisionSession,
    *,
    by: User,
    revision: int,
    items: Iterable[FrameworkItem] | None = None,
    **fields: Any,
) -> bool:
    """Change a draft or returned entry; returns False when nothing changed.

    Refuses a page built from an older revision (StaleEntry), unless the change would change
    nothing anyway (a repeated save)."""
    _check_field_names(fields)
    locked = SupervisionSession.objects.select_for_update().get(pk=entry.pk)
    if not permissions.can_edit_supervision(by, locked):
        raise NotAllowed() if locked.supervisee_id != by.pk else WrongState()
    new_items = None if items is None else {item.pk for item in items}
    old_items = set(locked.items.values_list("pk", flat=True))
    changed = {name: value for name, value in fields.items() if _value(locked, name) != _key(value)}
    items_change = new_items is not None and new_items != old_items
    if not changed and not items_change:
        return False
    if revision != locked.revision:
        raise StaleEntry()
    for name, value in changed.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.revision += 1
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    if items_change:
        locked.items.set(new_items or [])
    _refresh(entry, locked)
    return True


@transaction.atomic
def submit(entry: SupervisionSession, *, by: User, revision: int) -> bool:
    """Send a draft or returned entry to its supervisor (or, for an external supervisor, mark
    it logged, "not confirmed in the product"). Returns False if it was already submitted."""
    locked = _locked(entry)
    if locked.supervisee_id != by.pk:
        raise NotAllowed()
    if locked.is_editable and revision == locked.revision:
        _validate(locked)  # the supervisor may have stopped supervising on that date since
    return _change_status(
        entry,
        locked,
        by=by,
        revision=revision,
        to=Status.SUBMITTED,
        reason="submitted",
        allowed_from=SupervisionSession.EDITABLE,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def return_for_changes(entry: SupervisionSession, *, by: User, revision: int, comment: str) -> bool:
    """The supervisor sends a submitted entry back with a comment saying what to change."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Say what should change."})
    reject_nhs_numbers(comment)
    locked = _locked(entry)
    _check_reviewer(locked, by)
    if not _change_status(
        entry,
        locked,
        by=by,
        revision=revision,
        to=Status.RETURNED,
        reason="returned",
        allowed_from=(Status.SUBMITTED,),
    ):
        return False
    SessionComment.objects.create(entry=locked, author=by, text=comment)
    return True


@transaction.atomic
def confirm(entry: SupervisionSession, *, by: User, revision: int) -> bool:
    """The supervisor confirms a submitted entry; it becomes read-only."""
    locked = _locked(entry)
    _check_reviewer(locked, by)
    return _change_status(
        entry,
        locked,
        by=by,
        revision=revision,
        to=Status.CONFIRMED,
        reason="confirmed",
        allowed_from=(Status.SUBMITTED,),
        confirmed_by_id=by.pk,
        confirmed_at=timezone.now(),
    )


@transaction.atomic
def withdraw(entry: SupervisionSession, *, by: User, revision: int) -> bool:
    """The supervisee takes a submitted entry back: it is a draft again, to change or to send to
    another supervisor (theirs left, or they spotted a mistake). Returns False if it was
    already taken back."""
    locked = _locked(entry)
    if locked.supervisee_id != by.pk:
        raise NotAllowed()
    return _change_status(
        entry,
        locked,
        by=by,
        revision=revision,
        to=Status.DRAFT,
        reason="withdrawn",
        allowed_from=(Status.SUBMITTED,),
        submitted_at=None,
    )


@transaction.atomic
def add_comment(entry: SupervisionSession, *, by: User, text: str) -> SessionComment:
    """A comment in the entry's review: the supervisee's reply while they may change the entry,
    or its supervisor's note while it awaits their review. Client identifiers are refused."""
    text = text.strip()
    if not text:
        raise ValidationError({"comment": "Write the comment first."})
    reject_nhs_numbers(text)
    if not (
        permissions.can_edit_supervision(by, entry) or permissions.can_review_supervision(by, entry)
    ):
        raise NotAllowed() if not permissions.can_view_supervision(by, entry) else WrongState()
    return SessionComment.objects.create(entry=entry, author=by, text=text)


@transaction.atomic
def amend(entry: SupervisionSession, *, by: User) -> SupervisionSession:
    """Start a correction of a confirmed entry: a new draft copying it, that `amends` it. The
    original stays as it was, and counts until the correction is confirmed. Asking again
    while a correction exists gives that correction."""
    locked = _locked(entry)
    if locked.supervisee_id != by.pk:
        raise NotAllowed()
    if locked.status != Status.CONFIRMED:
        raise WrongState()
    existing = SupervisionSession.objects.filter(amends=locked).first()
    if existing is not None:
        return existing
    fields = {name: getattr(locked, name) for name in ENTRY_FIELDS}
    copy = SupervisionSession(supervisee_id=locked.supervisee_id, amends=locked, **fields)
    copy._history_user = by  # type: ignore[attr-defined]
    copy._change_reason = "amendment"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            copy.save()
    except IntegrityError:  # another request started it a moment ago
        return SupervisionSession.objects.get(amends=locked)
    copy.items.set(list(locked.items.all()))
    return copy


@transaction.atomic
def add_action(
    entry: SupervisionSession, *, by: User, text: str, due_on: datetime.date
) -> AgreedAction:
    """An action the supervisee agreed in the session, added while they may edit the entry."""
    if not permissions.can_edit_supervision(by, entry):
        raise NotAllowed() if entry.supervisee_id != by.pk else WrongState()
    action = AgreedAction(entry=entry, text=text.strip(), due_on=due_on)
    action.full_clean()
    action._history_user = by  # type: ignore[attr-defined]
    action.save()
    return action


@transaction.atomic
def mark_action_done(action: AgreedAction, *, by: User, on: datetime.date) -> None:
    """The supervisee marks an agreed action done (at any status of its entry: the work
    happens after the session)."""
    if action.entry.supervisee_id != by.pk:
        raise NotAllowed()
    action.done_on = on
    action._history_user = by  # type: ignore[attr-defined]
    action.save(update_fields=["done_on"])


# Helpers


def _check_field_names(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise TypeError(f"Not an entry field: {', '.join(sorted(unknown))}")


def _key(value: Any) -> Any:
    """A value as compared with the stored one (a user by id)."""
    return value.pk if isinstance(value, User) else value


def _value(entry: SupervisionSession, name: str) -> Any:
    return entry.supervisor_id if name == "supervisor" else getattr(entry, name)


def _validate(entry: SupervisionSession) -> None:
    """The model's own checks, and that an in-product supervisor supervised the supervisee on
    the session's date."""
    entry.full_clean(exclude=["supervisee", "amends"])
    supervisor = entry.supervisor
    if supervisor is not None and not permissions.supervises_on(
        supervisor, entry.supervisee_id, entry.held_on
    ):
        raise ValidationError(
            {"supervisor": "This person was not your supervisor on the session's date."}
        )


def _locked(entry: SupervisionSession) -> SupervisionSession:
    # Only the entry's own row is locked: PostgreSQL cannot lock the nullable side of the join
    # to an external supervisor's (absent) user.
    entries = SupervisionSession.objects.select_for_update(of=("self",))
    return entries.select_related("supervisor").get(pk=entry.pk)


def _check_reviewer(locked: SupervisionSession, by: User) -> None:
    """Only the entry's supervisor, while they supervise the supervisee today (the state is
    checked by `_change_status`, so a repeated decision returns False there)."""
    if locked.supervisor_id != by.pk or not permissions.supervises_on(
        by, locked.supervisee_id, timezone.localdate()
    ):
        raise NotAllowed()


def _change_status(
    entry: SupervisionSession,
    locked: SupervisionSession,
    *,
    by: User,
    revision: int,
    to: str,
    reason: str,
    allowed_from: Iterable[str],
    **written: Any,
) -> bool:
    """The conditional UPDATE of one status change and its history row; False for a repeat."""
    allowed_from = tuple(allowed_from)
    if locked.status == to and revision != locked.revision:
        return False  # already done: a double click, or the other tab
    if locked.status not in allowed_from:
        raise WrongState()
    if revision != locked.revision:
        raise StaleEntry()
    now = timezone.now()
    written = {"status": to, "updated_at": now, **written}
    changed = SupervisionSession.objects.filter(
        pk=locked.pk, status__in=allowed_from, revision=revision
    ).update(revision=F("revision") + 1, **written)
    if changed != 1:
        raise StaleEntry()
    for name, value in written.items():
        setattr(locked, name, value)
    locked.revision = revision + 1
    record_change(locked, by_id=by.pk, reason=reason)
    _refresh(entry, locked)
    return True


def _refresh(entry: SupervisionSession, locked: SupervisionSession) -> None:
    """Give the caller's object the stored values."""
    if entry is not locked:
        for field in SupervisionSession._meta.concrete_fields:
            setattr(entry, field.attname, getattr(locked, field.attname))
