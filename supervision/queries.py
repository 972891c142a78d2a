"""Reads for the supervision pages: the supervisor's supervisees and review queue, and one log
entry as its supervisee or supervisor opens it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min, OuterRef, Prefetch, QuerySet, Subquery

from accounts import permissions
from accounts.models import Membership, Role, SupervisionRelationship, Team, User
from assessments.cycles import CycleStatus, cycle_status, interval_months
from assessments.models import SelfAssessment

from .models import SessionComment, SupervisionSession


def supervisee_list(supervisor: User) -> QuerySet[User]:
    """Each current supervisee once (even with overlapping relationships), by name, with the
    date supervision began, their therapist teams and their self-assessments prefetched."""
    current = SupervisionRelationship.objects.current().filter(supervisor=supervisor)
    since = (
        current.filter(supervisee=OuterRef("pk"))
        .order_by()
        .values("supervisee")
        .annotate(first=Min("starts_on"))
        .values("first")
    )
    return (
        permissions.current_supervisees(supervisor)
        .annotate(supervising_since=Subquery(since))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current()
                .filter(role=Role.THERAPIST)
                .select_related("team", "service"),
                to_attr="therapist_memberships",
            ),
            Prefetch("self_assessments", queryset=SelfAssessment.objects.select_related("version")),
        )
        .order_by("last_name", "first_name", "pk")
    )


@dataclass
class SuperviseeRow:
    person: User
    teams: list[Team]
    since: datetime.date
    status: CycleStatus | None  # None for a supervisee who is not a therapist
    # Their latest submitted self-assessment of the framework `status` is about.
    last_submitted: SelfAssessment | None = None


def supervisee_rows(people: list[User]) -> list[SuperviseeRow]:
    """Rows for one page of `current_supervisees`, using only the prefetched data."""
    rows = []
    for person in people:
        # Attributes that `supervisee_list` prefetches and annotates.
        memberships: list[Membership] = person.therapist_memberships  # type: ignore[attr-defined]
        since: datetime.date = person.supervising_since  # type: ignore[attr-defined]
        # The status of the framework of the service joined most recently (cycles are counted
        # per framework), at the interval of the services using it.
        latest = max(memberships, key=lambda m: (m.starts_on, m.pk), default=None)
        framework_id = latest.service.framework_id if latest else None
        using = [m for m in memberships if m.service.framework_id == framework_id]
        months = interval_months(m.service.reassessment_interval_months for m in using)
        own = [a for a in person.self_assessments.all() if a.framework_id == framework_id]
        status = cycle_status(own, months) if memberships else None
        submitted = [a for a in own if a.is_submitted]
        rows.append(
            SuperviseeRow(
                person=person,
                teams=[m.team for m in memberships if m.team],
                since=since,
                status=status,
                last_submitted=max(submitted, key=lambda a: a.cycle, default=None)
                if memberships
                else None,
            )
        )
    return rows


def review_queue(supervisor: User) -> QuerySet[SupervisionSession]:
    """Entries awaiting this supervisor's review: submitted to them by a current supervisee,
    oldest first (an external supervisor's entries never await anyone)."""
    return (
        SupervisionSession.objects.awaiting_review()
        .filter(supervisor=supervisor, supervisee__in=permissions.current_supervisees(supervisor))
        .select_related("supervisee")
        .order_by("submitted_at", "pk")
    )


def awaiting_review_count(supervisor: User) -> int:
    """How many entries `review_queue` lists, in one query (the navigation's count)."""
    return review_queue(supervisor).count()


def visible_entry(user: User, pk: int) -> SupervisionSession | None:
    """One log entry, if this person may open it, with what its page shows (its people, the
    correction it amends and the framework statements); None otherwise."""
    return (
        SupervisionSession.objects.filter(permissions.supervision_entries_visible_to(user), pk=pk)
        .select_related(
            "supervisee", "supervisor", "confirmed_by", "amends", "amendment", "rupture", "ctsr"
        )
        .prefetch_related(
            "actions",
            "items",
            Prefetch("comments", queryset=SessionComment.objects.select_related("author")),
        )
        .first()
    )


def current_supervisee(supervisor: User, pk: int) -> User | None:
    """One current supervisee of this supervisor, read as `supervisee_list` reads them; None
    for anybody else."""
    return supervisee_list(supervisor).filter(pk=pk).first()


def supervisee_entries(supervisor: User, supervisee: User) -> QuerySet[SupervisionSession]:
    """The supervisee's log entries this supervisor may open, newest first."""
    return SupervisionSession.objects.filter(
        permissions.supervision_entries_visible_to(supervisor), supervisee=supervisee
    ).select_related("supervisor")
