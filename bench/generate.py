"""Benchmark data: one service with any number of therapists, teams and assessment cycles.

Every therapist has a baseline and `cycles - 1` reassessments, one every three months back from
today, rated from a seeded random generator (a person-level confidence plus item-level spread,
improving a little each cycle, about 1.5 % "not applicable"). Every tenth therapist also has an
assessment in progress; one in fifty moved team halfway through, so their older assessments
belong to their old team. A supervisor looks after each eight therapists; one lead runs the
service. Then the database is ANALYZEd and the stored reliability figures are computed.

Rows are written a chunk of therapists at a time, in batches of `BATCH` rows (COPY on
PostgreSQL, executemany elsewhere for the ratings), so memory stays flat at any scale: the
process peaks near 75 MB for a thousand therapists and for twenty thousand (10 million
ratings) alike. Callers set Django up and own the database.
"""

from __future__ import annotations

import datetime
import io
import itertools
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User
from assessments.cycles import add_months
from assessments.models import FrameworkItem, FrameworkVersion, ItemRating, SelfAssessment
from assessments.questionnaire import rated_sections
from assessments.reliability import refresh_reliability
from reports.summaries import rebuild_summaries

SERVICE_SLUG = "bench"
BATCH = 5_000
THERAPISTS_PER_CHUNK = 1_000
INTERVAL_MONTHS = 3  # between cycles: the service's reassessment interval
THERAPISTS_PER_SUPERVISOR = 8
OPEN_EVERY = 10  # therapists 0, 10, 20, … have an assessment in progress
MOVED_EVERY, MOVED_FIRST = 50, 5  # therapists 5, 55, 105, … moved team
NOT_APPLICABLE_SHARE = 0.015
IMPROVEMENT_PER_CYCLE = 0.25
UNUSABLE_PASSWORD = "!bench"  # nobody signs in with a password; sessions are made directly
COPY_NULL = "\\N"


@dataclass
class Generated:
    """What was written, and how long it took."""

    therapists: int
    teams: int
    cycles: int
    submitted: int = 0
    in_progress: int = 0
    ratings: int = 0
    moved: int = 0
    seconds: float = 0.0
    analyze_seconds: float = 0.0
    reliability_seconds: float = 0.0
    summaries_seconds: float = 0.0

    @property
    def ratings_per_second(self) -> float:
        return self.ratings / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class RatedItem:
    pk: int
    section_index: int


@dataclass
class TherapistPlan:
    """One therapist's generated history, decided before anything is written."""

    index: int
    team_id: int
    joined_on: datetime.date
    rng: random.Random
    confidence: float
    moved_on: datetime.date | None = None
    new_team_id: int | None = None
    submitted_at: list[datetime.datetime] = field(default_factory=list)

    @property
    def username(self) -> str:
        return f"t{self.index:05d}"

    def team_on(self, day: datetime.date) -> int:
        if self.moved_on and day >= self.moved_on:
            assert self.new_team_id is not None
            return self.new_team_id
        return self.team_id


def generate(
    version: FrameworkVersion,
    *,
    therapists: int,
    teams: int,
    cycles: int,
    seed: int = 1,
) -> Generated:
    """Write the benchmark service into an empty database, ANALYZE it, and store the
    reliability figures of its baselines."""
    if therapists < 1 or teams < 1 or cycles < 0:
        raise ValueError("Need at least one therapist and one team, and no negative cycles.")
    today = timezone.localdate()
    result = Generated(therapists=therapists, teams=teams, cycles=cycles)
    start = time.perf_counter()
    service = Service.objects.create(
        name="Benchmark service", slug=SERVICE_SLUG, reassessment_interval_months=INTERVAL_MONTHS
    )
    team_ids = [
        team.pk
        for team in Team.objects.bulk_create(
            Team(service=service, name=f"Team {n:03d}") for n in range(teams)
        )
    ]
    items = _rated_items(version)
    plans = (_plan(n, therapists, team_ids, cycles, seed, today) for n in range(therapists))
    supervisor_ids = _create_supervisors(service, therapists, team_ids, today, cycles)
    lead = User.objects.create(username="bench-lead", password=UNUSABLE_PASSWORD)
    Membership.objects.create(
        user=lead, service=service, role=Role.SERVICE_LEAD, starts_on=_joined(today, cycles)
    )
    for chunk in _batches(plans, THERAPISTS_PER_CHUNK):
        with transaction.atomic():
            _write_chunk(chunk, service, version, items, supervisor_ids, cycles, result)
    # Bulk inserts stamp auto_now fields with now; date them from the submission instead.
    SelfAssessment.objects.submitted().filter(service=service).update(
        started_at=F("submitted_at") - datetime.timedelta(days=6),
        updated_at=F("submitted_at"),
    )
    result.seconds = time.perf_counter() - start
    # Written in bulk, not submitted: the analytics summaries are rebuilt from the ratings.
    start = time.perf_counter()
    rebuild_summaries()
    result.summaries_seconds = time.perf_counter() - start
    start = time.perf_counter()
    analyze()
    result.analyze_seconds = time.perf_counter() - start
    # The stored figures profiles read, as the background task would have computed them.
    start = time.perf_counter()
    refresh_reliability(version.framework)
    result.reliability_seconds = time.perf_counter() - start
    return result


def analyze() -> None:
    """Refresh the planner's statistics, as a freshly loaded production database would be."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _joined(today: datetime.date, cycles: int) -> datetime.date:
    """When everyone joined: a couple of months before the first baseline."""
    return add_months(today, -INTERVAL_MONTHS * max(cycles - 1, 0) - 2)


def _rated_items(version: FrameworkVersion) -> list[RatedItem]:
    section_index = {
        pk: n for n, pk in enumerate(rated_sections(version).values_list("pk", flat=True))
    }
    return [
        RatedItem(pk, section_index[section_id])
        for pk, section_id in FrameworkItem.objects.filter(version=version)
        .rated()
        .order_by("section__order", "order")
        .values_list("pk", "section_id")
    ]


def _plan(
    index: int, therapists: int, team_ids: list[int], cycles: int, seed: int, today: datetime.date
) -> TherapistPlan:
    rng = random.Random(seed * 1_000_003 + index)
    team = index * len(team_ids) // therapists  # neighbours share a team (and a supervisor)
    plan = TherapistPlan(
        index=index,
        team_id=team_ids[team],
        joined_on=_joined(today, cycles),
        rng=rng,
        confidence=rng.gauss(3.0, 0.6),
    )
    days_early = rng.randint(1, 28)
    for cycle in range(cycles):
        months_ago = INTERVAL_MONTHS * (cycles - 1 - cycle)
        day = add_months(today, -months_ago) - datetime.timedelta(days=days_early)
        moment = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(
            minutes=rng.randrange(8 * 60)
        )
        plan.submitted_at.append(timezone.make_aware(moment))
    if index % MOVED_EVERY == MOVED_FIRST and len(team_ids) > 1:
        middle = plan.submitted_at[cycles // 2].date() if cycles > 1 else today
        plan.moved_on = middle - datetime.timedelta(days=10)
        plan.new_team_id = team_ids[(team + 1) % len(team_ids)]
    return plan


def _create_supervisors(
    service: Service, therapists: int, team_ids: list[int], today: datetime.date, cycles: int
) -> list[int]:
    count = -(-therapists // THERAPISTS_PER_SUPERVISOR)
    ids = []
    for numbers in _batches(range(count), BATCH):
        users = User.objects.bulk_create(
            User(
                username=f"s{n:04d}",
                first_name="Supervisor",
                last_name=f"S{n:04d}",
                password=UNUSABLE_PASSWORD,
            )
            for n in numbers
        )
        Membership.objects.bulk_create(
            Membership(
                user=user,
                service=service,
                team_id=team_ids[n * THERAPISTS_PER_SUPERVISOR * len(team_ids) // therapists],
                role=Role.SUPERVISOR,
                starts_on=_joined(today, cycles),
            )
            for n, user in zip(numbers, users, strict=True)
        )
        ids += [user.pk for user in users]
    return ids


def _write_chunk(
    plans: list[TherapistPlan],
    service: Service,
    version: FrameworkVersion,
    items: list[RatedItem],
    supervisor_ids: list[int],
    cycles: int,
    result: Generated,
) -> None:
    users = User.objects.bulk_create(
        User(
            username=plan.username,
            first_name="Therapist",
            last_name=f"T{plan.index:05d}",
            password=UNUSABLE_PASSWORD,
        )
        for plan in plans
    )
    memberships, supervisions, histories = [], [], []
    for plan, user in zip(plans, users, strict=True):
        memberships += _memberships(plan, user, service)
        supervisions.append(
            SupervisionRelationship(
                supervisor_id=supervisor_ids[plan.index // THERAPISTS_PER_SUPERVISOR],
                supervisee=user,
                starts_on=plan.joined_on,
            )
        )
        histories.append(_assessments(plan, user, service, version, items, cycles))
    assessments = list(itertools.chain.from_iterable(histories))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    SupervisionRelationship.objects.bulk_create(supervisions, batch_size=BATCH)
    SelfAssessment.objects.bulk_create(assessments, batch_size=BATCH)
    result.moved += sum(1 for plan in plans if plan.moved_on)
    result.submitted += sum(1 for a in assessments if a.is_submitted)
    result.in_progress += sum(1 for a in assessments if not a.is_submitted)
    rows = itertools.chain.from_iterable(
        _ratings(plan, history, items) for plan, history in zip(plans, histories, strict=True)
    )
    result.ratings += _insert_ratings(rows)


def _memberships(plan: TherapistPlan, user: User, service: Service) -> list[Membership]:
    first = Membership(
        user=user,
        service=service,
        team_id=plan.team_id,
        role=Role.THERAPIST,
        starts_on=plan.joined_on,
    )
    if plan.moved_on is None:
        return [first]
    first.ends_on = plan.moved_on - datetime.timedelta(days=1)
    moved = Membership(
        user=user,
        service=service,
        team_id=plan.new_team_id,
        role=Role.THERAPIST,
        starts_on=plan.moved_on,
    )
    return [first, moved]


def _assessments(
    plan: TherapistPlan,
    user: User,
    service: Service,
    version: FrameworkVersion,
    items: list[RatedItem],
    cycles: int,
) -> list[SelfAssessment]:
    made = [
        SelfAssessment(
            therapist=user,
            framework_id=version.framework_id,
            version=version,
            cycle=cycle,
            status=SelfAssessment.Status.SUBMITTED,
            resume_section=0,
            shares_sensitive=plan.rng.random() < 0.5,
            revision=items[-1].section_index + 1 if items else 0,
            submitted_at=submitted_at,
            service=service,
            team_id=plan.team_on(timezone.localdate(submitted_at)),
        )
        for cycle, submitted_at in enumerate(plan.submitted_at)
    ]
    if plan.index % OPEN_EVERY == 0:
        sections_done = plan.rng.randrange(items[-1].section_index + 1) if items else 0
        made.append(
            SelfAssessment(
                therapist=user,
                framework_id=version.framework_id,
                version=version,
                cycle=cycles,
                service=service,
                resume_section=sections_done,
                revision=sections_done,
            )
        )
    return made


def _ratings(
    plan: TherapistPlan, assessments: list[SelfAssessment], items: list[RatedItem]
) -> Iterator[tuple[int, int, int | None]]:
    """(assessment id, item id, value) rows: every item of a submitted assessment, and the
    sections already done of an open one. None is "not applicable"."""
    rng = plan.rng
    levels = [plan.confidence + rng.gauss(0, 0.7) for _ in items]
    for assessment in assessments:
        shift = IMPROVEMENT_PER_CYCLE * assessment.cycle
        for item, level in zip(items, levels, strict=True):
            if not assessment.is_submitted and item.section_index >= assessment.resume_section:
                break
            if rng.random() < NOT_APPLICABLE_SHARE:
                yield assessment.pk, item.pk, None
            else:
                value = round(level + shift + rng.gauss(0, 0.5))
                yield assessment.pk, item.pk, min(5, max(1, value))


def _insert_ratings(rows: Iterable[tuple[int, int, int | None]]) -> int:
    """Insert (assessment id, item id, value) rows, with empty comments, a batch at a time."""
    meta = ItemRating._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in ("assessment", "item", "value", "comment"))
    count = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows, BATCH):
            if connection.vendor == "postgresql":
                text = "".join(
                    f"{a}\t{i}\t{COPY_NULL if v is None else v}\t\n" for a, i, v in batch
                )
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, '')", batch
                )
            count += len(batch)
    return count


def _batches(values: Iterable, size: int) -> Iterator[list]:
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
