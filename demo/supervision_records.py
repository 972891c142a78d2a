"""Demo supervision records beyond the log, for `make run`: supervision agendas, supervisor1's
observer ratings, and quick session reflections over recent weeks, so the supervisor's
dashboard and a supervisee's page show something to act on.

Agenda items and observer ratings are written through their services. Session reflections go
back eight weeks, beyond the fortnight the form accepts, so the older ones are written as rows
(with their history) in the shape `supervision.reflections.record_reflection` writes them.
A supervisee who already has such records is left alone, so running it again adds nothing.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from supervision import agenda, observer, reflections
from supervision.models import AgendaItem, ObserverRating, ReflectionMark, SessionReflection

SUPERVISOR = "supervisor1"

# (supervisee, added by the supervisee?, text, statement keys, closed as)
AGENDA: tuple[tuple[str, bool, str, tuple[str, ...], str], ...] = (
    (
        "therapist01",
        True,
        "A client who cancels every other session: how to raise it",
        ("ST10",),
        "",
    ),
    (
        "therapist01",
        False,
        "Practise co-setting the agenda when a client arrives in crisis",
        ("ST2",),
        "",
    ),
    ("therapist01", True, "Feedback on my formulation letter", (), "discussed"),
    ("therapist05", True, "Asking for feedback at the end of sessions", ("ST8",), ""),
    ("therapist13", False, "Bring a recording for a CTS-R rating", (), ""),
    ("therapist17", True, "My reaction when a client is angry with me", ("S14",), ""),
    ("therapist17", True, "Booking the formulation workshop", (), "dropped"),
)
# A suggestion from the training-needs profile (the CPD plan will route Motivation needs here).
SUGGESTED = ("therapist09", "Talk through what gets in the way of reflecting on sessions")

# Observer ratings by supervisor1: a value per statement key; other behaviours not rated.
OBSERVED: dict[str, dict[str, int]] = {
    "therapist01": {"ST2": 2, "ST6": 3, "ST7": 4, "ST8": 2, "S4": 5, "S13": 4, "S14": 3},
    "therapist13": {"ST2": 5, "ST4": 4, "ST6": 2, "ST7": 5, "ST8": 4, "S8": 3},
}

# Quick reflections: sessions a week and, per in-session statement key, every how many sessions
# it is missed (0: never).
REFLECTING: dict[str, tuple[int, dict[str, int]]] = {
    "therapist01": (4, {"ST8": 2, "ST2": 5}),
    "therapist13": (3, {"S14": 3}),
    "therapist17": (4, {"ST7": 2, "ST8": 3, "S14": 4}),
}
REFLECTION_WEEKS = 8


@transaction.atomic
def build_demo_supervision_records(today: datetime.date | None = None) -> int:
    """Write the planned agenda items, observer ratings and session reflections of each
    supervisee who has none yet. Returns the records made."""
    today = today or timezone.localdate()
    supervisor = User.objects.get(username=SUPERVISOR)
    return (
        _agendas(supervisor)
        + _observer_ratings(supervisor, today)
        + sum(_reflections(name, today) for name in REFLECTING)
    )


def _agendas(supervisor: User) -> int:
    made = 0
    for username, own, text, keys, closed in AGENDA:
        supervisee = User.objects.get(username=username)
        if AgendaItem.objects.filter(supervisee=supervisee, text=text).exists():
            continue
        by = supervisee if own else supervisor
        items = [item for item in observer.observable_items(supervisee) if item.key in keys]
        item, _new = agenda.add_agenda_item(supervisee, by=by, text=text, items=items, token=0)
        if closed:
            agenda.close_agenda_item(item, by=supervisee, outcome=closed)
        made += 1
    username, text = SUGGESTED
    supervisee = User.objects.get(username=username)
    if not AgendaItem.objects.filter(supervisee=supervisee, text=text).exists():
        agenda.suggest_agenda_item(supervisee, text)
        made += 1
    return made


def _observer_ratings(supervisor: User, today: datetime.date) -> int:
    made = 0
    for username, values in OBSERVED.items():
        supervisee = User.objects.get(username=username)
        if ObserverRating.objects.filter(supervisee=supervisee).exists():
            continue
        items = {item.key: item for item in observer.observable_items(supervisee)}
        observer.record_observer_rating(
            supervisor,
            supervisee,
            rated_on=today - datetime.timedelta(days=3),
            values={items[key].pk: value for key, value in values.items() if key in items},
            note="From the recording we reviewed and this month's sessions.",
            token=uuid.uuid4(),
        )
        made += 1
    return made


def _reflections(username: str, today: datetime.date) -> int:
    therapist = User.objects.get(username=username)
    if SessionReflection.objects.filter(therapist=therapist).exists():
        return 0
    offered = list(reflections.offered_items(therapist))
    if not offered:
        return 0
    per_week, missed_every = REFLECTING[username]
    made = []
    marks = []
    for n in range(REFLECTION_WEEKS * per_week):
        held_on = today - datetime.timedelta(days=1 + n * 7 // per_week)
        reflection = SessionReflection(
            therapist=therapist,
            version_id=offered[0].version_id,
            held_on=held_on,
            token=uuid.uuid4(),
        )
        made.append(reflection)
        for item in offered:
            every = missed_every.get(item.key, 0)
            marks.append((reflection, item, not (every and n % every == 0)))
    bulk_create_with_history(made, SessionReflection, default_user=therapist)
    saved = {r.token: r for r in SessionReflection.objects.filter(therapist=therapist)}
    bulk_create_with_history(
        [
            ReflectionMark(reflection=saved[reflection.token], item=item, happened=happened)
            for reflection, item, happened in marks
        ],
        ReflectionMark,
        default_user=therapist,
    )
    return len(made)
