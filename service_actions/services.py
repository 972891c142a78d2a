"""What changes a service's action list: the lead adds and changes actions (their own, or one
planned from a reported barrier), a therapist sends a named suggestion, and the lead takes a
suggestion up or drops it. The lead also records the service's level on the
patient-involvement continuum (`record_involvement`).

Each function is one transaction and sets the history user. Writes to one service's list run
one after the other: each first locks the service's row (`SELECT … FOR UPDATE` on PostgreSQL;
SQLite locks the database for every write transaction), so a form sent twice finds the action
(or rating) its token made instead of adding a second one.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Service, User
from assessments.models import FrameworkItem, InvolvementLevel

from .models import InvolvementRating, ServiceAction

Status = ServiceAction.Status
Origin = ServiceAction.Origin
# The fields a lead's form edits, as `add_action` and `update_action` take them.
ACTION_FIELDS = ("title", "description", "owner", "due_on", "status")
TEXT_FIELDS = ("title", "description", "owner")
PAST_DUE = "Give a date from today on: a new action cannot be due in the past."
NOT_A_STATEMENT = "Choose statements of your service's framework."
SUGGESTED_ONLY = "Only a therapist's suggestion waits as suggested: choose another status."
NOT_A_MEMBER = "You can suggest changes only to a service you work in as a therapist."


@transaction.atomic
def add_action(
    service: Service,
    *,
    by: User,
    token: uuid.UUID,
    items: Iterable[FrameworkItem] = (),
    origin: str = Origin.LEAD,
    today: datetime.date | None = None,
    **fields: Any,
) -> tuple[ServiceAction, bool]:
    """Add an action of the lead's (`fields`: those of ACTION_FIELDS) to the service's list,
    targeting `items`. Returns it and whether it is new: a form sent again (same token)
    returns the action it made the first time. An action planned from a reported barrier has
    the origin `reported_barrier`."""
    _lock(service)
    repeat = ServiceAction.objects.filter(service=service, token=token).first()
    if repeat is not None:
        return repeat, False
    if origin not in (Origin.LEAD, Origin.REPORTED_BARRIER):
        raise ValueError(f"A lead's action cannot have the origin {origin!r}.")
    action = ServiceAction(
        service=service, token=token, origin=origin, created_by=by, **_known(fields)
    )
    chosen = list(items)
    errors = _problems(action, chosen)
    due_on = action.due_on
    if isinstance(due_on, datetime.date) and due_on < (today or timezone.localdate()):
        errors.setdefault("due_on", []).append(PAST_DUE)
    _raise(errors)
    action._history_user = by  # type: ignore[attr-defined]
    action.save()
    action.items.set(chosen)
    return action, True


@transaction.atomic
def update_action(
    action: ServiceAction,
    *,
    by: User,
    changes: dict[str, Any],
    items: Iterable[FrameworkItem] | None = None,
) -> bool:
    """Change the fields named in `changes` (and the statements, when given); nothing else.
    Returns whether anything changed."""
    _known(changes)
    locked = ServiceAction.objects.select_for_update().select_related("service").get(pk=action.pk)
    before = {name: getattr(locked, name) for name in ACTION_FIELDS}
    for name, value in changes.items():
        setattr(locked, name, value)
    current = list(locked.items.all())
    chosen = current if items is None else list(items)
    _raise(_problems(locked, chosen))
    changed = [name for name in ACTION_FIELDS if getattr(locked, name) != before[name]]
    items_changed = {item.pk for item in chosen} != {item.pk for item in current}
    if changed:
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save(update_fields=[*changed, "updated_at"])
    if items_changed:
        locked.items.set(chosen)
    _copy(locked, action)
    return bool(changed or items_changed)


@transaction.atomic
def suggest_action(
    therapist: User,
    service: Service,
    *,
    title: str,
    description: str = "",
    items: Iterable[FrameworkItem] = (),
    token: uuid.UUID,
) -> tuple[ServiceAction, bool]:
    """A therapist's named suggestion to their service lead: it waits as "suggested" until the
    lead takes it up or drops it. Returns it and whether it is new (a repeat of the same form
    returns the first)."""
    if not permissions.services_suggestible_by(therapist).filter(pk=service.pk).exists():
        raise ValidationError({"service": NOT_A_MEMBER})
    _lock(service)
    repeat = ServiceAction.objects.filter(service=service, token=token).first()
    if repeat is not None and repeat.suggested_by_id == therapist.pk:
        return repeat, False
    if repeat is not None:  # another person's form: never theirs to see
        token = uuid.uuid4()
    action = ServiceAction(
        service=service,
        token=token,
        title=title,
        description=description,
        origin=Origin.THERAPIST,
        status=Status.SUGGESTED,
        suggested_by=therapist,
        created_by=therapist,
    )
    chosen = list(items)
    _raise(_problems(action, chosen))
    action._history_user = therapist  # type: ignore[attr-defined]
    action.save()
    action.items.set(chosen)
    return action, True


@transaction.atomic
def take_up(action: ServiceAction, *, by: User) -> bool:
    """The lead takes up a therapist's suggestion: it is planned. A repeat changes nothing.
    Returns whether it was taken up now."""
    return _move(action, by, frm=(Status.SUGGESTED,), to=Status.PLANNED)


@transaction.atomic
def drop(action: ServiceAction, *, by: User) -> bool:
    """The lead drops a suggestion or an open action. Returns whether it was dropped now."""
    return _move(action, by, frm=ServiceAction.OPEN, to=Status.DROPPED)


# Helpers


def _move(action: ServiceAction, by: User, *, frm: Iterable[str], to: str) -> bool:
    locked = ServiceAction.objects.select_for_update().get(pk=action.pk)
    if locked.status not in tuple(frm):
        _copy(locked, action)
        return False
    locked.status = to
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "updated_at"])
    _copy(locked, action)
    return True


def _lock(service: Service) -> None:
    """One writer at a time for this service's list: a lock on its row."""
    list(Service.objects.select_for_update().filter(pk=service.pk).values_list("pk", flat=True))


def _known(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of a service action: {sorted(unknown)}")
    return fields


def _problems(action: ServiceAction, items: list[FrameworkItem]) -> dict[str, list[str]]:
    """The action's own rules (fields, free text through the model's validators), its status
    against its origin, and statements of its service's framework."""
    for name in TEXT_FIELDS:
        setattr(action, name, (getattr(action, name) or "").strip())
    errors: dict[str, list[str]] = {}
    try:
        action.full_clean(
            exclude=["service", "token", "suggested_by", "created_by"], validate_constraints=False
        )
    except ValidationError as error:
        errors.update({name: list(messages) for name, messages in error.message_dict.items()})
    if action.status == Status.SUGGESTED and action.origin != Origin.THERAPIST:
        errors.setdefault("status", []).append(SUGGESTED_ONLY)
    if items and _foreign(items, action.service.framework_id):
        errors.setdefault("items", []).append(NOT_A_STATEMENT)
    return errors


def _foreign(items: list[FrameworkItem], framework_id: int | None) -> bool:
    """Whether any of the statements is not a rated statement of the framework (one query)."""
    pks = [item.pk for item in items]
    ours = FrameworkItem.objects.rated().filter(pk__in=pks, version__framework_id=framework_id)
    return ours.count() != len(set(pks))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _copy(source: ServiceAction, target: ServiceAction) -> None:
    for field in ServiceAction._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# The patient-involvement continuum

NOT_A_LEVEL = "Choose a level of the continuum."
FUTURE_RATING = "Give today's date or an earlier one: a rating describes what has happened."


@transaction.atomic
def record_involvement(
    service: Service,
    *,
    by: User,
    token: uuid.UUID,
    level: int,
    evidence: str,
    rated_on: datetime.date,
    today: datetime.date | None = None,
) -> tuple[InvolvementRating, bool]:
    """Record the lead's rating of the service on the patient-involvement continuum: a level of
    the current version of its framework, with evidence and the day it describes (not in the
    future). Returns it and whether it is new: a form sent again (same token) returns the
    rating it made the first time."""
    _lock(service)
    repeat = InvolvementRating.objects.filter(service=service, token=token).first()
    if repeat is not None:
        return repeat, False
    framework = service.framework
    version = framework.current_version() if framework is not None else None
    known = (
        InvolvementLevel.objects.filter(version=version, level=level).first() if version else None
    )
    rating = InvolvementRating(
        service=service,
        token=token,
        level=level,
        level_name=known.name if known else "",
        evidence=(evidence or "").strip(),
        rated_on=rated_on,
        rated_by=by,
    )
    errors: dict[str, list[str]] = {}
    try:
        rating.full_clean(
            exclude=["service", "token", "rated_by", "level_name"], validate_constraints=False
        )
    except ValidationError as error:
        errors.update({name: list(messages) for name, messages in error.message_dict.items()})
    if known is None:
        errors.setdefault("level", []).append(NOT_A_LEVEL)
    if isinstance(rated_on, datetime.date) and rated_on > (today or timezone.localdate()):
        errors.setdefault("rated_on", []).append(FUTURE_RATING)
    _raise(errors)
    rating._history_user = by  # type: ignore[attr-defined]
    rating.save()
    return rating, True
