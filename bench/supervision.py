"""Benchmark data for the supervision pages: one supervisor with twenty supervisees, each with
four months of log entries in every state, agreed actions, agenda items, an observer rating and
quick session reflections, so the dashboard and a supervisee's page are measured full.

Written with `bulk_create` (no history rows: the pages never read them). Callers set Django up
and own the database; `bench.generate` has built the service first.
"""

from __future__ import annotations

import datetime
import itertools
import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, SupervisionRelationship, User
from assessments.models import FrameworkItem, FrameworkVersion
from supervision.models import (
    AgendaItem,
    AgreedAction,
    Delivery,
    Format,
    ObserverItemRating,
    ObserverRating,
    ReflectionMark,
    SessionReflection,
    SupervisionSession,
)

SUPERVISOR = "s0000"
SUPERVISEES = 20
ENTRIES_PER_SUPERVISEE = 16
REFLECTIONS_PER_SUPERVISEE = 24
Status = SupervisionSession.Status
# The states entries cycle through, most of them confirmed, as in a real log.
STATES = (Status.CONFIRMED,) * 5 + (Status.SUBMITTED, Status.RETURNED, Status.DRAFT)
FORMATS = (Format.INDIVIDUAL, Format.INDIVIDUAL, Format.GROUP, Format.PEER)


@transaction.atomic
def add_supervision_load(version: FrameworkVersion) -> User:
    """Give the first supervisor `SUPERVISEES` supervisees with full supervision records."""
    supervisor = User.objects.get(username=SUPERVISOR)
    today = timezone.localdate()
    since = today - datetime.timedelta(days=400)
    supervisees = list(
        User.objects.filter(memberships__role=Role.THERAPIST, memberships__service__slug="bench")
        .distinct()
        .order_by("username")[:SUPERVISEES]
    )
    already = set(
        SupervisionRelationship.objects.filter(supervisor=supervisor).values_list(
            "supervisee_id", flat=True
        )
    )
    SupervisionRelationship.objects.bulk_create(
        SupervisionRelationship(supervisor=supervisor, supervisee=person, starts_on=since)
        for person in supervisees
        if person.pk not in already
    )
    behaviours = list(
        FrameworkItem.objects.filter(version=version, section__kind="behaviours").order_by("pk")
    )
    in_session = [item for item in behaviours if item.in_session] or behaviours[:4]
    for n, person in enumerate(supervisees):
        _log(person, supervisor, today, n, behaviours)
        _agenda(person, supervisor, behaviours)
        _observer(person, supervisor, version, behaviours, today, n)
        _reflections(person, version, in_session, today, n)
    return supervisor


def _log(
    person: User, supervisor: User, today: datetime.date, n: int, items: list[FrameworkItem]
) -> None:
    now = timezone.now()
    entries = []
    for k in range(ENTRIES_PER_SUPERVISEE):
        status = STATES[(n + k) % len(STATES)]
        form = FORMATS[(n + k) % len(FORMATS)]
        entries.append(
            SupervisionSession(
                supervisee=person,
                supervisor=supervisor,
                held_on=today - datetime.timedelta(days=7 * k + n % 7),
                duration_minutes=60,
                format=form,
                group_size=5 if form == Format.GROUP else None,
                delivery=Delivery.REMOTE if k % 2 else Delivery.IN_PERSON,
                activities=["case_discussion"],
                reflection="Worked on the alliance with a client who disengages.",
                status=status,
                submitted_at=None if status == Status.DRAFT else now,
                confirmed_by=supervisor if status == Status.CONFIRMED else None,
                confirmed_at=now if status == Status.CONFIRMED else None,
            )
        )
    entries = SupervisionSession.objects.bulk_create(entries)
    links = SupervisionSession.items.through
    links.objects.bulk_create(
        links(supervisionsession_id=entry.pk, frameworkitem_id=items[(n + k) % len(items)].pk)
        for k, entry in enumerate(entries)
    )
    AgreedAction.objects.bulk_create(
        AgreedAction(
            entry=entry,
            text="Bring a recording of the next session",
            due_on=entry.held_on + datetime.timedelta(days=14),
            done_on=None if k % 3 == 0 else entry.held_on + datetime.timedelta(days=10),
        )
        for k, entry in enumerate(entries)
    )


def _agenda(person: User, supervisor: User, items: list[FrameworkItem]) -> None:
    created = AgendaItem.objects.bulk_create(
        AgendaItem(supervisee=person, added_by=who, text=text)
        for who, text in (
            (person, "A client who cancels every other session"),
            (supervisor, "Practise setting the agenda together"),
            (person, "Feedback on my formulation letter"),
        )
    )
    links = AgendaItem.items.through
    links.objects.bulk_create(
        links(agendaitem_id=agenda.pk, frameworkitem_id=items[k % len(items)].pk)
        for k, agenda in enumerate(created)
    )


def _observer(
    person: User,
    supervisor: User,
    version: FrameworkVersion,
    items: list[FrameworkItem],
    today: datetime.date,
    n: int,
) -> None:
    rating = ObserverRating.objects.create(
        supervisor=supervisor, supervisee=person, version=version, rated_on=today
    )
    ObserverItemRating.objects.bulk_create(
        ObserverItemRating(rating=rating, item=item, value=1 + (n + k) % 5)
        for k, item in enumerate(items)
    )


def _reflections(
    person: User,
    version: FrameworkVersion,
    items: list[FrameworkItem],
    today: datetime.date,
    n: int,
) -> None:
    reflections = SessionReflection.objects.bulk_create(
        SessionReflection(
            therapist=person,
            version=version,
            held_on=today - datetime.timedelta(days=2 * k),
            token=uuid.uuid4(),
        )
        for k in range(REFLECTIONS_PER_SUPERVISEE)
    )
    ReflectionMark.objects.bulk_create(
        ReflectionMark(reflection=reflection, item=item, happened=(n + k + j) % 3 != 0)
        for (k, reflection), (j, item) in itertools.product(
            enumerate(reflections), enumerate(items)
        )
    )
