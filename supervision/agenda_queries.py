"""Reads for the agenda page: a supervisee's open and closed agenda items, the agreed actions
not yet done, and the choices its forms offer (framework statements, recent log entries).

Every read takes the viewer: a supervisor never sees the supervisee's private statements
(`FrameworkItem.is_sensitive`) among an item's statements or as a choice, and sees only the log
entries and actions that `accounts.permissions.supervision_entries_visible_to` lets them open
(never the supervisee's drafts).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from assessments.models import FrameworkItem

from .forms import items_of
from .models import AgendaItem, AgreedAction, SupervisionSession

# The log entries offered as "discussed in": those held in the last 90 days.
RECENT_ENTRY_DAYS = 90

Status = AgendaItem.Status


def statement_choices(supervisee: User, viewer: User) -> QuerySet[FrameworkItem]:
    """The framework statements an agenda item may name: the supervisee's framework's, less
    the private ones when the viewer is not the supervisee."""
    items = items_of(supervisee)
    return items if viewer.pk == supervisee.pk else items.filter(is_sensitive=False)


def open_items(supervisee: User, viewer: User) -> QuerySet[AgendaItem]:
    """The items still to discuss, oldest first, with who added them and their statements."""
    items = AgendaItem.objects.filter(supervisee=supervisee, status=Status.OPEN)
    return _for_page(items, supervisee, viewer).order_by("created_at", "pk")


def closed_items(supervisee: User, viewer: User) -> QuerySet[AgendaItem]:
    """Items discussed or dropped, most recently closed first, with the entry named."""
    items = AgendaItem.objects.exclude(status=Status.OPEN).filter(supervisee=supervisee)
    items = items.select_related("discussed_in")
    return _for_page(items, supervisee, viewer).order_by("-closed_at", "-pk")


def one_item(pk: int, supervisee: User, viewer: User) -> AgendaItem:
    """One of the supervisee's items, as its row on the page shows it."""
    items = AgendaItem.objects.filter(pk=pk, supervisee=supervisee).select_related("discussed_in")
    return _for_page(items, supervisee, viewer).get()


def open_actions(supervisee: User, viewer: User) -> QuerySet[AgreedAction]:
    """Agreed actions not yet done, soonest due first, from the log entries the viewer may
    open."""
    entries = SupervisionSession.objects.filter(
        permissions.supervision_entries_visible_to(viewer), supervisee=supervisee
    )
    return (
        AgreedAction.objects.filter(entry__in=entries, done_on__isnull=True)
        .select_related("entry")
        .order_by("due_on", "pk")
    )


def session_choices(supervisee: User, viewer: User) -> QuerySet[SupervisionSession]:
    """The log entries an item may be marked discussed in: the supervisee's of the last
    `RECENT_ENTRY_DAYS` days that the viewer may open, newest first."""
    since = timezone.localdate() - datetime.timedelta(days=RECENT_ENTRY_DAYS)
    return SupervisionSession.objects.filter(
        permissions.supervision_entries_visible_to(viewer),
        supervisee=supervisee,
        held_on__gte=since,
    ).order_by("-held_on", "-pk")


def openable_entry_ids(viewer: User, items: Iterable[AgendaItem]) -> set[int]:
    """Which of the entries these items were discussed in the viewer may open (one query), so
    the page links only to those."""
    ids = {item.discussed_in_id for item in items if item.discussed_in_id}
    if not ids:
        return set()
    visible = SupervisionSession.objects.filter(
        permissions.supervision_entries_visible_to(viewer), pk__in=ids
    )
    return set(visible.values_list("pk", flat=True))


def newest_item_id(supervisee: User) -> int:
    """The id of the supervisee's newest agenda item (0 for none): the add form's token, see
    `supervision.agenda`."""
    newest = AgendaItem.objects.filter(supervisee=supervisee).aggregate(newest=Max("pk"))
    return newest["newest"] or 0


def _for_page(items: QuerySet[AgendaItem], supervisee: User, viewer: User) -> QuerySet[AgendaItem]:
    statements = FrameworkItem.objects.order_by("section__order", "order")
    if viewer.pk != supervisee.pk:
        statements = statements.filter(is_sensitive=False)
    return items.select_related("added_by").prefetch_related(
        Prefetch("items", queryset=statements, to_attr="shown_items")
    )
