"""The national benchmark dataset (bench/national.py) at a small scale: services with their
teams, leads, supervisors and therapists, every therapist's cycles rated, and the analytics
summaries equal to what the ratings say, so the national benchmark measures realistic pages."""

from collections import Counter, defaultdict

import pytest
from django.db.models import F

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User
from accounts.permissions import can_view_national_aggregates
from assessments.models import FrameworkItem, ItemRating, SelfAssessment
from assessments.scoring import reports_barrier
from assessments.taxonomy import RATED_SECTION_KINDS
from bench.national import COMMISSIONER, NationalGenerated, generate_national
from reports.models import AssessmentDomainScore, ItemSummary

pytestmark = pytest.mark.django_db

SERVICES, TEAMS, THERAPISTS, CYCLES = 3, 6, 30, 2


@pytest.fixture
def generated(published_version) -> NationalGenerated:
    return generate_national(
        published_version, services=SERVICES, teams=TEAMS, therapists=THERAPISTS, cycles=CYCLES
    )


@pytest.fixture
def rated_items(published_version) -> int:
    return FrameworkItem.objects.filter(version=published_version).rated().count()


def test_every_service_has_its_teams_and_one_lead(generated):
    assert Service.objects.count() == SERVICES
    assert set(Counter(Team.objects.values_list("service", flat=True)).values()) == {2}
    leads = Membership.objects.filter(role=Role.SERVICE_LEAD)
    assert sorted(leads.values_list("service", flat=True)) == sorted(
        Service.objects.values_list("pk", flat=True)
    )


def test_therapists_are_shared_out_between_services_and_teams(generated):
    therapists = Membership.objects.current().filter(role=Role.THERAPIST)
    assert therapists.values("user").distinct().count() == THERAPISTS
    assert set(Counter(therapists.values_list("service", flat=True)).values()) == {10}
    assert all(m.team.service_id == m.service_id for m in therapists.select_related("team"))


def test_each_supervisor_has_supervisees_of_their_own_service(generated):
    relationships = SupervisionRelationship.objects.all()
    assert relationships.count() == THERAPISTS
    assert sorted(Counter(relationships.values_list("supervisor", flat=True)).values()) == [
        2,
        2,
        2,
        8,
        8,
        8,
    ]
    service_of = dict(
        Membership.objects.filter(role__in=[Role.THERAPIST, Role.SUPERVISOR]).values_list(
            "user", "service"
        )
    )
    assert all(service_of[r.supervisor_id] == service_of[r.supervisee_id] for r in relationships)


def test_every_therapist_has_every_cycle_submitted_in_their_service(generated, rated_items):
    submitted = SelfAssessment.objects.submitted()
    assert submitted.count() == generated.submitted == THERAPISTS * CYCLES
    assert set(Counter(submitted.values_list("therapist", flat=True)).values()) == {CYCLES}
    assert not submitted.filter(team__isnull=True).exists()
    assert not submitted.exclude(team__service=F("service")).exists()
    assert generated.ratings == ItemRating.objects.count()
    assert ItemRating.objects.filter(assessment__status="submitted").count() == (
        THERAPISTS * CYCLES * rated_items
    )


def test_item_summaries_equal_the_ratings_counted_afresh(generated):
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    ratings = ItemRating.objects.filter(
        assessment__status="submitted", item__section__kind__in=RATED_SECTION_KINDS
    ).values_list("assessment__service", "assessment__team", "assessment__cycle", "item", "value")
    for service, team, cycle, item, value in ratings:
        figures = expected[(service, team, cycle, item)]
        if value is not None:
            figures[0] += 1
            figures[1] += value
            figures[2] += value * value
            figures[3] += reports_barrier(value)
    stored = {
        (s.service_id, s.team_id, s.cycle, s.item_id): [
            s.respondents,
            s.total,
            s.total_squares,
            s.reporting,
        ]
        for s in ItemSummary.objects.all()
    }
    assert stored == expected


def test_every_submitted_assessment_has_its_domain_scores(generated):
    scored = AssessmentDomainScore.objects.values("assessment").distinct().count()
    assert scored == THERAPISTS * CYCLES


def test_the_commissioner_may_view_national_aggregates(generated):
    assert can_view_national_aggregates(User.objects.get(username=COMMISSIONER))


def test_each_step_is_timed(generated):
    assert list(generated.steps) == [
        "services, teams, leads",
        "therapists, assessments, ratings",
        "assessment dates",
        "summaries rebuilt",
        "ANALYZE",
        "stored reliability",
    ]
    assert generated.seconds > 0


def test_too_few_teams_for_the_services_is_refused(published_version):
    with pytest.raises(ValueError):
        generate_national(published_version, services=3, teams=2, therapists=30, cycles=1)


def test_every_generated_service_uses_the_framework_it_was_generated_on(
    generated, published_version
):
    assert set(Service.objects.values_list("framework_id", flat=True)) == {
        published_version.framework_id
    }
