"""Benchmark data at national scale: many services, each with its teams, therapists,
supervisors and one lead, every therapist with the same history as in `bench.generate`.

The national default is 300 services, 1,500 teams and 15,000 therapists with 8 submitted cycles
each: 120,000 submitted assessments and about 10 million item ratings, the size the service
heatmap, the national view and the exports have to stay fast at (issue 19). Services are
numbered 000…; service n's slug is `service-NNN`, its lead `leadNNN`, its teams `Team NNN-k`.
Therapists (`tNNNNN`) and supervisors (`sNNNN`) are numbered across the country, neighbours
sharing a service, a team and a supervisor (one to each eight therapists of a service, so a
supervisor's dashboard is full and never crosses services). One commissioner
(`commissioner`) holds the "view national aggregates" permission.

Each therapist's history comes from `bench.generate` (cycles three months apart, a person-level
confidence improving a little each cycle, ~1.5 % "not applicable", every tenth with an
assessment in progress, one in fifty moved team halfway). One service is written per
transaction, its ratings streamed to the database a batch at a time (COPY from an in-memory
buffer on PostgreSQL, batched inserts elsewhere), so memory stays flat at any size. Then the
analytics summaries are rebuilt, the database ANALYZEd and the stored reliability figures
computed, each step timed. Callers set Django up and own the database.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User
from assessments.models import FrameworkVersion, SelfAssessment
from assessments.reliability import refresh_reliability
from bench.generate import (
    BATCH,
    INTERVAL_MONTHS,
    THERAPISTS_PER_SUPERVISOR,
    UNUSABLE_PASSWORD,
    RatedItem,
    TherapistPlan,
    _assessments,
    _insert_ratings,
    _joined,
    _memberships,
    _plan,
    _rated_items,
    _ratings,
    analyze,
)
from reports.summaries import rebuild_summaries

SERVICES, TEAMS, THERAPISTS, CYCLES = 300, 1_500, 15_000, 8
COMMISSIONER = "commissioner"
NATIONAL_PERMISSION = ("reports", "view_national_aggregates")
SERVICES_PER_PROGRESS_LINE = 25


def service_slug(number: int) -> str:
    return f"service-{number:03d}"


def lead_username(number: int) -> str:
    return f"lead{number:03d}"


@dataclass
class NationalGenerated:
    """What was written, and how long each step took (seconds, in the order run)."""

    services: int
    teams: int
    therapists: int
    cycles: int
    supervisors: int = 0
    submitted: int = 0
    in_progress: int = 0
    ratings: int = 0
    moved: int = 0
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())


@dataclass(frozen=True)
class _ServicePlan:
    """Which of the country's therapists, teams and supervisors belong to service `number`."""

    number: int
    first_therapist: int
    therapists: int
    first_supervisor: int


def generate_national(
    version: FrameworkVersion,
    *,
    services: int = SERVICES,
    teams: int = TEAMS,
    therapists: int = THERAPISTS,
    cycles: int = CYCLES,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> NationalGenerated:
    """Write the national dataset into an empty database, then rebuild the summaries, ANALYZE
    and store the reliability figures; `progress` is told each step's time as it ends."""
    if services < 1 or teams < services or therapists < teams or cycles < 1:
        raise ValueError(
            "Need at least one service, a team per service, a therapist per team and a cycle."
        )
    say = progress or (lambda line: None)
    result = NationalGenerated(services, teams, therapists, cycles)
    today = timezone.localdate()
    items = _rated_items(version)

    def step(name: str, started: float) -> None:
        result.steps[name] = time.perf_counter() - started
        say(f"{name}: {result.steps[name]:.1f} s")

    started = time.perf_counter()
    service_rows, team_ids = _create_services_and_teams(version, services, teams, today, cycles)
    _create_commissioner()
    step("services, teams, leads", started)

    started = time.perf_counter()
    for plan, service in zip(_service_plans(services, therapists), service_rows, strict=True):
        with transaction.atomic():
            _write_service(
                plan, service, team_ids[plan.number], version, items, cycles, seed, today, result
            )
        if (plan.number + 1) % SERVICES_PER_PROGRESS_LINE == 0:
            say(
                f"  {plan.number + 1} services, {result.ratings:,} ratings, "
                f"{time.perf_counter() - started:.0f} s"
            )
    step("therapists, assessments, ratings", started)

    started = time.perf_counter()
    # Bulk inserts stamp auto_now fields with now; date them from the submission instead.
    SelfAssessment.objects.submitted().update(
        started_at=F("submitted_at") - datetime.timedelta(days=6),
        updated_at=F("submitted_at"),
    )
    step("assessment dates", started)

    started = time.perf_counter()
    rebuild_summaries()  # written in bulk, not submitted
    step("summaries rebuilt", started)

    started = time.perf_counter()
    analyze()
    step("ANALYZE", started)

    started = time.perf_counter()
    refresh_reliability(version.framework)
    step("stored reliability", started)
    return result


def _service_plans(services: int, therapists: int) -> Iterator[_ServicePlan]:
    first_supervisor = 0
    for number in range(services):
        first = number * therapists // services
        count = (number + 1) * therapists // services - first
        yield _ServicePlan(number, first, count, first_supervisor)
        first_supervisor += -(-count // THERAPISTS_PER_SUPERVISOR)


def _create_services_and_teams(
    version: FrameworkVersion, services: int, teams: int, today: datetime.date, cycles: int
) -> tuple[list[Service], list[list[int]]]:
    """Every service on the version's framework, with its teams (neighbouring numbers) and its
    lead; returns the services and each one's team ids."""
    rows = Service.objects.bulk_create(
        Service(
            name=f"Service {n:03d}",
            slug=service_slug(n),
            reassessment_interval_months=INTERVAL_MONTHS,
            framework_id=version.framework_id,
        )
        for n in range(services)
    )
    created = Team.objects.bulk_create(
        (
            Team(service=rows[t * services // teams], name=f"Team {t * services // teams:03d}-{t}")
            for t in range(teams)
        ),
        batch_size=BATCH,
    )
    team_ids: list[list[int]] = [[] for _ in range(services)]
    for t, team in enumerate(created):
        team_ids[t * services // teams].append(team.pk)
    leads = User.objects.bulk_create(
        User(
            username=lead_username(n),
            first_name="Lead",
            last_name=f"L{n:03d}",
            password=UNUSABLE_PASSWORD,
        )
        for n in range(services)
    )
    Membership.objects.bulk_create(
        Membership(
            user=lead, service=service, role=Role.SERVICE_LEAD, starts_on=_joined(today, cycles)
        )
        for lead, service in zip(leads, rows, strict=True)
    )
    return rows, team_ids


def _create_commissioner() -> User:
    commissioner = User.objects.create(
        username=COMMISSIONER,
        first_name="National",
        last_name="Commissioner",
        password=UNUSABLE_PASSWORD,
    )
    app_label, codename = NATIONAL_PERMISSION
    commissioner.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return commissioner


def _write_service(
    plan: _ServicePlan,
    service: Service,
    team_ids: list[int],
    version: FrameworkVersion,
    items: list[RatedItem],
    cycles: int,
    seed: int,
    today: datetime.date,
    result: NationalGenerated,
) -> None:
    """One service's supervisors, therapists, memberships, assessments and ratings."""
    service_seed = seed * 7_919 + plan.number
    plans = [
        _plan(local, plan.therapists, team_ids, cycles, service_seed, today)
        for local in range(plan.therapists)
    ]
    supervisor_ids = _create_supervisors(plan, service, plans)
    users = User.objects.bulk_create(
        (
            User(
                username=f"t{plan.first_therapist + therapist.index:05d}",
                first_name="Therapist",
                last_name=f"T{plan.first_therapist + therapist.index:05d}",
                password=UNUSABLE_PASSWORD,
            )
            for therapist in plans
        ),
        batch_size=BATCH,
    )
    memberships: list[Membership] = []
    supervisions, histories = [], []
    for therapist, user in zip(plans, users, strict=True):
        memberships += _memberships(therapist, user, service)
        supervisions.append(
            SupervisionRelationship(
                supervisor_id=supervisor_ids[therapist.index // THERAPISTS_PER_SUPERVISOR],
                supervisee=user,
                starts_on=therapist.joined_on,
            )
        )
        histories.append(_assessments(therapist, user, service, version, items, cycles))
    assessments = list(itertools.chain.from_iterable(histories))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    SupervisionRelationship.objects.bulk_create(supervisions, batch_size=BATCH)
    SelfAssessment.objects.bulk_create(assessments, batch_size=BATCH)
    result.supervisors += len(supervisor_ids)
    result.moved += sum(1 for therapist in plans if therapist.moved_on)
    result.submitted += sum(1 for a in assessments if a.is_submitted)
    result.in_progress += sum(1 for a in assessments if not a.is_submitted)
    rows = itertools.chain.from_iterable(
        _ratings(therapist, history, items)
        for therapist, history in zip(plans, histories, strict=True)
    )
    result.ratings += _insert_ratings(rows)


def _create_supervisors(
    plan: _ServicePlan, service: Service, therapists: list[TherapistPlan]
) -> list[int]:
    """A supervisor for each eight therapists of the service, in the team of the first."""
    groups = therapists[::THERAPISTS_PER_SUPERVISOR]
    users = User.objects.bulk_create(
        User(
            username=f"s{plan.first_supervisor + n:04d}",
            first_name="Supervisor",
            last_name=f"S{plan.first_supervisor + n:04d}",
            password=UNUSABLE_PASSWORD,
        )
        for n in range(len(groups))
    )
    Membership.objects.bulk_create(
        Membership(
            user=user,
            service=service,
            team_id=first.team_id,
            role=Role.SUPERVISOR,
            starts_on=first.joined_on,
        )
        for user, first in zip(users, groups, strict=True)
    )
    return [user.pk for user in users]
