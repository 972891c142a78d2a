"""The agenda for a supervisee's next supervision session: items added by the supervisee or a
current supervisor, or suggested by the product (`suggest_agenda_item`, for the CPD plan),
each open until it is discussed (in a logged session, where one is named) or dropped; and
agreed actions marked done from the agenda page.

Each function is one transaction and writes its history rows through `_history_user`.

A double submit of "add" makes one item. The add form carries a token: the id of the
supervisee's newest agenda item when the form was built (0 for none). Adding first locks the
supervisee's row (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every write transaction
takes the database's lock when it begins), so two posts for one agenda run one after the
other; it then looks for an item newer than the token, added by the same person with the same
text. Finding one means this post is a repeat of that same form (a double click, a resent POST,
the back button) and that item is returned instead of a second. A page is rebuilt after every
addition, so its new form has a newer token and the same words can still be added again on
purpose. Nothing is stored for the token, so it holds across processes without a cache.

Closing an item and marking an action done lock the row first: a repeat finds it already
closed or done and returns False, changing nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from accounts.validators import reject_nhs_numbers
from assessments.models import FrameworkItem

from . import agenda_queries, services
from .models import AgendaItem, AgreedAction, SupervisionSession
from .services import NotAllowed

MAX_TEXT_LENGTH = 2_000
Status = AgendaItem.Status
Origin = AgendaItem.Origin
CLOSED = (Status.DISCUSSED, Status.DROPPED)


@transaction.atomic
def add_agenda_item(
    supervisee: User,
    *,
    by: User,
    text: str,
    items: Iterable[FrameworkItem] = (),
    token: int,
) -> tuple[AgendaItem, bool]:
    """Add an item to the supervisee's agenda, by the supervisee or a current supervisor.
    Returns the item and whether it is new: False when this is a repeat of the form that
    `token` names (see the module's docstring)."""
    if not permissions.can_work_on_agenda(by, supervisee.pk):
        raise NotAllowed()
    text = _checked_text(text)
    items = list(items)
    _check_statements(supervisee, by, items)
    _lock_agenda(supervisee)
    repeat = (
        AgendaItem.objects.filter(
            supervisee=supervisee, added_by=by, origin=Origin.ADDED, text=text, pk__gt=token
        )
        .order_by("pk")
        .first()
    )
    if repeat is not None:
        return repeat, False
    item = AgendaItem(supervisee=supervisee, added_by=by, origin=Origin.ADDED, text=text)
    item._history_user = by  # type: ignore[attr-defined]
    item.save()
    item.items.set(items)
    return item, True


@transaction.atomic
def suggest_agenda_item(
    supervisee: User,
    text: str,
    items: Iterable[FrameworkItem] = (),
    *,
    by: User | None = None,
) -> AgendaItem:
    """The product suggests an item for the supervisee's agenda (the CPD plan routes a
    Motivation need here). An open suggestion with the same text is not made twice: it is
    returned instead. `by` is whoever's act caused it, for the history (None: the product)."""
    text = _checked_text(text)
    _lock_agenda(supervisee)
    existing = (
        AgendaItem.objects.filter(
            supervisee=supervisee, origin=Origin.SUGGESTED, status=Status.OPEN, text=text
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    item = AgendaItem(supervisee=supervisee, added_by=None, origin=Origin.SUGGESTED, text=text)
    item._history_user = by  # type: ignore[attr-defined]
    item.save()
    item.items.set(list(items))
    return item


@transaction.atomic
def close_agenda_item(
    item: AgendaItem,
    *,
    by: User,
    outcome: str,
    discussed_in: SupervisionSession | None = None,
) -> bool:
    """Mark an open item discussed (optionally in one of the supervisee's recent log entries
    that `by` may open) or dropped, by the supervisee or a current supervisor. Returns False,
    changing nothing, when the item was already closed."""
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if not permissions.can_work_on_agenda(by, locked.supervisee_id):
        raise NotAllowed()
    if outcome not in CLOSED:
        raise ValidationError({"outcome": "Choose whether it was discussed or dropped."})
    if discussed_in is not None:
        if outcome != Status.DISCUSSED:
            raise ValidationError({"discussed_in": "Only a discussed item names a session."})
        entries = agenda_queries.session_choices(locked.supervisee, by)
        if not entries.filter(pk=discussed_in.pk).exists():
            raise ValidationError(
                {"discussed_in": "Choose one of the supervisee's sessions of the last 90 days."}
            )
    if locked.status != Status.OPEN:
        _refresh(item, locked)
        return False
    locked.status = outcome
    locked.discussed_in = discussed_in
    locked.closed_at = timezone.now()
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "discussed_in", "closed_at"])
    _refresh(item, locked)
    return True


@transaction.atomic
def complete_action(action: AgreedAction, *, by: User, on: datetime.date) -> bool:
    """The supervisee marks an agreed action done (`services.mark_action_done`). Returns
    False, changing nothing, when it was already done."""
    locked = (
        AgreedAction.objects.select_for_update(of=("self",))
        .select_related("entry")
        .get(pk=action.pk)
    )
    if locked.entry.supervisee_id != by.pk:
        raise NotAllowed()
    if locked.done_on is not None:
        action.done_on = locked.done_on
        return False
    services.mark_action_done(locked, by=by, on=on)
    action.done_on = locked.done_on
    return True


def _checked_text(text: str) -> str:
    """The item's words, stripped; refused when empty, too long or holding an NHS number."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write what you want to discuss."})
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(
            {"text": f"Keep it to {MAX_TEXT_LENGTH:,} characters (this has {len(text):,})."}
        )
    try:
        reject_nhs_numbers(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None
    return text


def _check_statements(supervisee: User, by: User, items: list[FrameworkItem]) -> None:
    """Only statements the page offers `by`: the supervisee's framework's, never a private one
    for a supervisor."""
    if not items:
        return
    ids = {item.pk for item in items}
    offered = agenda_queries.statement_choices(supervisee, by).filter(pk__in=ids).count()
    if offered != len(ids):
        raise ValidationError({"items": "Choose statements from the list."})


def _lock_agenda(supervisee: User) -> None:
    """One writer at a time for this supervisee's agenda: a lock on their user row."""
    list(User.objects.select_for_update().filter(pk=supervisee.pk).values_list("pk", flat=True))


def _refresh(item: AgendaItem, locked: AgendaItem) -> None:
    """Give the caller's object the stored values."""
    if item is not locked:
        for field in AgendaItem._meta.concrete_fields:
            setattr(item, field.attname, getattr(locked, field.attname))
