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

What the entry form writes besides the entry's own fields (`EntryDetails`: the rupture-and-repair
record, the CTS-R rating, agreed actions added or removed) is written by `record_session` and
`update_session` in the same transaction and counts as a change of the entry: it needs the
current revision and makes a new one. The rupture record and the CTS-R rating are features a
service may switch off (`supervision.features`): nothing writes one that is off.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field
from django.utils import timezone

from accounts import permissions
from accounts.audit import record_change
from accounts.models import User
from accounts.validators import reject_nhs_numbers
from assessments.models import FrameworkItem

from .features import features_for
from .models import (
    CTSR_ITEMS,
    AgreedAction,
    CtsrRating,
    RuptureRecord,
    SessionComment,
    SupervisionSession,
)

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


RUPTURE_FIELDS = (
    "markers",
    "exploration",
    "validation",
    "repair",
    "prevention_plan",
    "collaboration_across_teams",
    "social_network_involvement",
)
CTSR_FIELDS = ("recording_on", *(name for name, _title in CTSR_ITEMS))
FEATURE_OFF = {
    RuptureRecord: "Your service has switched off rupture-and-repair records.",
    CtsrRating: "Your service has switched off CTS-R ratings.",
}


class Keep(enum.Enum):
    """Leave a record as it is (its section was not on the form)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class EntryDetails:
    """What an entry form writes besides the entry's own fields. `rupture` and `ctsr`: the
    record's values (fields as in `RUPTURE_FIELDS`, `CTSR_FIELDS`), None for no record (one
    that exists is removed), or KEEP. `new_actions`: (text, due date) pairs to add;
    `removed_actions`: ids of the entry's actions to remove (other ids are ignored)."""

    rupture: Mapping[str, Any] | Keep | None = KEEP
    ctsr: Mapping[str, Any] | Keep | None = KEEP
    new_actions: Sequence[tuple[str, datetime.date]] = ()
    removed_actions: Collection[int] = ()


class NotAllowed(Exception):
    """The person may not do this to this entry (views answer 404)."""


class WrongState(Exception):
    """The entry is not in a state that allows this (e.g. confirming a draft)."""


class StaleEntry(Exception):
    """The entry changed since the page that asked for this was built."""


@transaction.atomic
def record_session(
    supervisee: User,
    *,
    items: Iterable[FrameworkItem] = (),
    details: EntryDetails | None = None,
    **fields: Any,
) -> SupervisionSession:
    """A new draft entry in the supervisee's log (fields as in `ENTRY_FIELDS`), with its
    details (a rupture record, a CTS-R rating, agreed actions) if given."""
    _check_field_names(fields)
    entry = SupervisionSession(supervisee=supervisee, **fields)
    _validate(entry)
    entry._history_user = supervisee  # type: ignore[attr-defined]
    entry.save()
    entry.items.set(list(items))
    for write in _detail_writes(entry, supervisee, details):
        write()
    return entry


@transaction.atomic
def update_session(
    entry: SupervisionSession,
    *,
    by: User,
    revision: int,
    items: Iterable[FrameworkItem] | None = None,
    details: EntryDetails | None = None,
    **fields: Any,
) -> bool:
    """Change a draft or returned entry and its details; returns False when nothing changed.

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
    writes = _detail_writes(locked, by, details)
    if not changed and not items_change and not writes:
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
    for write in writes:
        write()
    _refresh(entry, locked)
    return True


def save_rupture(
    entry: SupervisionSession, *, by: User, revision: int, data: Mapping[str, Any] | None
) -> bool:
    """Record, change or (None) remove the entry's rupture-and-repair record; as
    `update_session` (the supervisee, while they may edit it, from a current page)."""
    return update_session(entry, by=by, revision=revision, details=EntryDetails(rupture=data))


def save_ctsr(
    entry: SupervisionSession, *, by: User, revision: int, scores: Mapping[str, Any] | None
) -> bool:
    """Record, change or (None) remove the entry's CTS-R rating; as `update_session`."""
    return update_session(entry, by=by, revision=revision, details=EntryDetails(ctsr=scores))


def remove_action(action: AgreedAction, *, by: User, revision: int) -> bool:
    """Remove an agreed action from an entry its supervisee may still edit; as
    `update_session` (False when it was already removed)."""
    details = EntryDetails(removed_actions=[action.pk])
    return update_session(action.entry, by=by, revision=revision, details=details)


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
    or its supervisor's note while it awaits their review. Client identifiers are refused. The
    same comment sent again (a double submit) is the one already written."""
    text = text.strip()
    if not text:
        raise ValidationError({"comment": "Write the comment first."})
    reject_nhs_numbers(text)
    if not (
        permissions.can_edit_supervision(by, entry) or permissions.can_review_supervision(by, entry)
    ):
        raise NotAllowed() if not permissions.can_view_supervision(by, entry) else WrongState()
    _locked(entry)  # one comment at a time on an entry, so a repeat sees the first
    latest = SessionComment.objects.filter(entry=entry).order_by("-created_at", "-pk").first()
    if latest is not None and latest.author_id == by.pk and latest.text == text:
        return latest
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


Write = Callable[[], None]


def _detail_writes(
    entry: SupervisionSession, by: User, details: EntryDetails | None
) -> list[Write]:
    """The writes that give the entry `details`, each checked (model rules, features); empty
    when the entry already has them."""
    if details is None:
        return []
    writes = [
        _record_write(RuptureRecord, entry, by, details.rupture, RUPTURE_FIELDS),
        _record_write(CtsrRating, entry, by, details.ctsr, CTSR_FIELDS),
        *(_action_write(entry, by, text, due_on) for text, due_on in details.new_actions),
        *_removal_writes(entry, by, details.removed_actions),
    ]
    return [write for write in writes if write is not None]


def _record_write(
    model: type[RuptureRecord] | type[CtsrRating],
    entry: SupervisionSession,
    by: User,
    data: Mapping[str, Any] | Keep | None,
    fields: Sequence[str],
) -> Write | None:
    """The write that makes the entry's record of `model` hold `data` (None: no record)."""
    if data is KEEP:
        return None
    current = model.objects.filter(entry=entry).first() if entry.pk else None
    if data is None:
        if current is None:
            return None
        _check_feature(model, entry)
        return _deletion(current, by)
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"Not a field of {model.__name__}: {', '.join(sorted(unknown))}")
    meta = model._meta
    defaults = {name: cast(Field, meta.get_field(name)).get_default() for name in fields}
    values = {name: data.get(name, defaults[name]) for name in fields}
    if current is not None and all(getattr(current, n) == v for n, v in values.items()):
        return None
    _check_feature(model, entry)
    record = current or model(entry=entry)
    for name, value in values.items():
        setattr(record, name, value)
    record.full_clean(exclude=["entry"])
    return _saving(record, by)


def _check_feature(
    model: type[RuptureRecord] | type[CtsrRating], entry: SupervisionSession
) -> None:
    features = features_for(entry.supervisee)
    on = features.rupture_records if model is RuptureRecord else features.ctsr_ratings
    if not on:
        raise ValidationError(FEATURE_OFF[model], code="feature_off")


def _action_write(entry: SupervisionSession, by: User, text: str, due_on: datetime.date) -> Write:
    action = AgreedAction(entry=entry, text=text.strip(), due_on=due_on)
    action.full_clean(exclude=["entry"])
    return _saving(action, by)


def _removal_writes(entry: SupervisionSession, by: User, ids: Collection[int]) -> list[Write]:
    if not ids or not entry.pk:
        return []
    return [_deletion(action, by) for action in entry.actions.filter(pk__in=list(ids))]


def _saving(record: RuptureRecord | CtsrRating | AgreedAction, by: User) -> Write:
    def save() -> None:
        record._history_user = by  # type: ignore[union-attr]
        record.save()

    return save


def _deletion(record: RuptureRecord | CtsrRating | AgreedAction, by: User) -> Write:
    def delete() -> None:
        record._history_user = by  # type: ignore[union-attr]
        record.delete()

    return delete


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
