"""The benchmark's data generator, at a small scale: the data looks like a service's real
history (cycles, teams, moves, open assessments), so the benchmark measures realistic pages."""

import itertools
import statistics
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Role, SupervisionRelationship, User
from assessments.models import FrameworkItem, ItemRating, SelfAssessment
from bench.generate import Generated, generate

pytestmark = pytest.mark.django_db

THERAPISTS, TEAMS, CYCLES = 12, 3, 3


@pytest.fixture
def generated(published_version) -> Generated:
    return generate(published_version, therapists=THERAPISTS, teams=TEAMS, cycles=CYCLES)


@pytest.fixture
def rated_items(published_version) -> int:
    return FrameworkItem.objects.filter(version=published_version).rated().count()


def test_every_therapist_has_a_baseline_and_two_reassessments(generated):
    cycles = defaultdict(list)
    for username, cycle in SelfAssessment.objects.submitted().values_list(
        "therapist__username", "cycle"
    ):
        cycles[username].append(cycle)
    assert len(cycles) == THERAPISTS
    assert all(sorted(found) == [0, 1, 2] for found in cycles.values())


def test_cycles_are_three_months_apart_and_the_last_is_recent(generated):
    therapist = User.objects.get(username="t00003")
    dates = [
        a.submitted_at.date() for a in therapist.self_assessments.submitted().order_by("cycle")
    ]
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(dates)]
    assert all(89 <= gap <= 92 for gap in gaps)
    assert 0 < (timezone.localdate() - dates[-1]).days <= 28


def test_every_submitted_assessment_records_its_service_and_team(generated):
    submitted = SelfAssessment.objects.submitted()
    assert submitted.count() == THERAPISTS * CYCLES
    assert not submitted.filter(service__isnull=True).exists()
    assert not submitted.filter(team__isnull=True).exists()


def test_a_therapist_who_moved_keeps_earlier_assessments_in_the_old_team(generated):
    mover = User.objects.get(username="t00005")
    ended, current = Membership.objects.filter(user=mover).order_by("starts_on")
    assert ended.ends_on is not None and current.ends_on is None
    assert ended.team != current.team
    teams = dict(mover.self_assessments.values_list("cycle", "team"))
    assert teams == {0: ended.team_id, 1: current.team_id, 2: current.team_id}
    assert generated.moved == 1


def test_every_submitted_assessment_rates_every_statement(generated, rated_items):
    counts = Counter(
        ItemRating.objects.filter(assessment__status="submitted").values_list(
            "assessment_id", flat=True
        )
    )
    assert len(counts) == THERAPISTS * CYCLES
    assert set(counts.values()) == {rated_items}


def test_not_applicable_is_stored_as_null_never_zero(generated):
    values = Counter(ItemRating.objects.values_list("value", flat=True))
    assert set(values) <= {None, 1, 2, 3, 4, 5}
    assert 0 < values[None] < 0.05 * sum(values.values())


def test_ratings_improve_on_average_over_cycles(generated):
    by_cycle = defaultdict(list)
    for cycle, value in ItemRating.objects.filter(
        assessment__status="submitted", value__isnull=False
    ).values_list("assessment__cycle", "value"):
        by_cycle[cycle].append(value)
    means = [statistics.fmean(by_cycle[cycle]) for cycle in range(CYCLES)]
    assert means == sorted(means) and means[0] < means[-1]


def test_some_therapists_have_an_assessment_in_progress(generated, rated_items):
    open_ones = SelfAssessment.objects.in_progress()
    assert set(open_ones.values_list("therapist__username", flat=True)) == {"t00000", "t00010"}
    assert set(open_ones.values_list("cycle", flat=True)) == {CYCLES}
    assert not open_ones.filter(team__isnull=False).exists()
    for assessment in open_ones:
        assert assessment.ratings.count() < rated_items
    assert generated.in_progress == 2


def test_a_supervisor_looks_after_each_eight_therapists(generated):
    supervisors = Membership.objects.filter(role=Role.SUPERVISOR)
    assert supervisors.count() == 2
    counts = Counter(SupervisionRelationship.objects.values_list("supervisor", flat=True))
    assert sorted(counts.values()) == [4, 8]


def test_the_figures_reported_match_what_was_written(generated):
    assert generated.submitted == SelfAssessment.objects.submitted().count()
    assert generated.ratings == ItemRating.objects.count()
    assert generated.ratings_per_second > 0


def test_generation_refreshes_the_planners_statistics(generated):
    table = ItemRating._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            rows = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
            rows = int(cursor.fetchone()[0].split()[0])
    assert rows == ItemRating.objects.count()


def test_generation_stores_the_reliability_figures_of_the_baselines(generated, published_version):
    framework = published_version.framework
    framework.refresh_from_db()
    assert framework.reliability_baselines == THERAPISTS
