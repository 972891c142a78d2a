"""The reads behind the analytics page, on small datasets built row by row: the trend, the
paired cohort change, alpha, and the team figures, each hidden where it describes fewer than k
people (k - 1 against k, and a share's complement)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Service, Team, User
from assessments.models import DomainReliability, FrameworkVersion, SelfAssessment
from cpd.models import ActivityType, CpdActivity, CpdPlan
from reports.analytics import AnalyticsFilter, service_analytics
from reports.models import AssessmentDomainScore
from supervision.models import SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

K = 5  # SMALL_GROUP_MIN in the test settings


def published(framework=None) -> FrameworkVersion:
    version = factories.FrameworkVersionFactory(**({"framework": framework} if framework else {}))
    FrameworkVersion.objects.filter(pk=version.pk).update(
        status=FrameworkVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def version(service: Service) -> FrameworkVersion:
    found = published()
    service.framework = found.framework
    service.save()
    return found


def scored(
    person: User,
    team: Team,
    version: FrameworkVersion,
    cycle: int,
    means: dict[str, float],
    *,
    submitted_at: datetime.datetime | None = None,
) -> SelfAssessment:
    """A submitted assessment with its component scores, as the summaries hold them."""
    assessment = SelfAssessment.objects.create(
        therapist=person,
        version=version,
        cycle=cycle,
        status=SelfAssessment.Status.SUBMITTED,
        submitted_at=submitted_at or timezone.now(),
        service=team.service,
        team=team,
    )
    AssessmentDomainScore.objects.bulk_create(
        AssessmentDomainScore(
            assessment=assessment,
            kind=AssessmentDomainScore.Kind.COMPONENT,
            key=key,
            mean=mean,
            answered=3,
            total=3,
            service=team.service,
            team=team,
            framework=version.framework,
            version=version,
            cycle=cycle,
        )
        for key, mean in means.items()
    )
    return assessment


def therapists(team: Team, count: int) -> list[User]:
    return [factories.therapist(team=team) for _ in range(count)]


def trend_point(figures, key: str, cycle: int):
    trend = next(t for t in figures.trends if t.key == key)
    return next(p for p in trend.points if p.cycle == cycle).interval


def change_of(figures, key: str):
    return next(row for row in figures.changes if row.key == key).change


def team_row(figures, team: Team | None):
    return next(
        row
        for row in figures.teams
        if (row.team.pk if row.team else None) == (team.pk if team else None)
    )


# Trend


def test_trend_point_is_the_mean_of_component_means_with_its_interval(service, team, version):
    for person, mean in zip(therapists(team, 5), [1, 2, 3, 4, 5], strict=True):
        scored(person, team, version, 0, {"C": mean})
    point = trend_point(service_analytics(service, AnalyticsFilter()), "C", 0)
    assert (point.n, point.mean) == (5, 3)
    assert (point.low, point.high) == (
        pytest.approx(1.0371, abs=1e-3),
        pytest.approx(4.9629, abs=1e-3),
    )


def test_trend_point_of_k_minus_one_therapists_is_hidden(service, team, version):
    for person in therapists(team, K - 1):
        scored(person, team, version, 0, {"C": 3})
    point = trend_point(service_analytics(service, AnalyticsFilter()), "C", 0)
    assert (point.n, point.mean) == (K - 1, None)


def test_trend_point_of_k_therapists_is_shown(service, team, version):
    for person in therapists(team, K):
        scored(person, team, version, 0, {"C": 3})
    assert trend_point(service_analytics(service, AnalyticsFilter()), "C", 0).mean == 3


def test_a_service_that_raised_k_hides_a_group_of_five(service, team, version):
    service.small_group_min = 6
    service.save()
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"C": 3})
    assert trend_point(service_analytics(service, AnalyticsFilter()), "C", 0).mean is None


def test_trend_filtered_by_team_counts_only_that_team(service, team, version):
    other = factories.TeamFactory(service=service)
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"O": 4})
    for person in therapists(other, 5):
        scored(person, other, version, 0, {"O": 2})
    figures = service_analytics(service, AnalyticsFilter(team=other))
    assert (trend_point(figures, "O", 0).n, trend_point(figures, "O", 0).mean) == (5, 2)


def test_trend_leaves_out_cycles_outside_the_range(service, team, version):
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"M": 3})
        scored(person, team, version, 1, {"M": 4})
    figures = service_analytics(service, AnalyticsFilter(first_cycle=1, last_cycle=1))
    assert figures.cycles == [1]


def test_trend_ignores_another_services_therapists(service, team, version):
    elsewhere = factories.TeamFactory()
    for person in therapists(elsewhere, 5):
        scored(person, elsewhere, version, 0, {"C": 3})
    assert service_analytics(service, AnalyticsFilter()).trends == []


# Cohort change


def test_cohort_change_pairs_each_baseline_with_the_later_cycle(service, team, version):
    for person, (before, after) in zip(
        therapists(team, 5), [(2, 3), (2, 4), (3, 3), (1, 3), (2, 2)], strict=True
    ):
        scored(person, team, version, 0, {"C": before})
        scored(person, team, version, 1, {"C": after})
    # Baseline only: not in the cohort.
    scored(factories.therapist(team=team), team, version, 0, {"C": 1})
    change = change_of(service_analytics(service, AnalyticsFilter(later_cycle=1)), "C")
    assert (change.n, change.mean_change, change.sd_change, change.d_z) == (5, 1, 1, 1)


def test_cohort_of_k_minus_one_pairs_is_hidden(service, team, version):
    for person in therapists(team, K - 1):
        scored(person, team, version, 0, {"C": 2})
        scored(person, team, version, 1, {"C": 3})
    change = change_of(service_analytics(service, AnalyticsFilter()), "C")
    assert (change.n, change.mean_change) == (K - 1, None)


def test_reliably_improved_share_uses_the_stored_reliability(service, team, version):
    DomainReliability.objects.create(
        framework=version.framework, domain_key="C", respondents=40, baseline_sd=0.5, alpha=0.8
    )
    for number, person in enumerate(therapists(team, 10)):
        scored(person, team, version, 0, {"C": 2})
        scored(person, team, version, 1, {"C": 3 if number < 5 else 2})
    change = change_of(service_analytics(service, AnalyticsFilter()), "C")
    assert (change.improved, change.worse) == (0.5, None)


def test_reliably_improved_share_is_hidden_when_too_few_did_not_improve(service, team, version):
    DomainReliability.objects.create(
        framework=version.framework, domain_key="C", respondents=40, baseline_sd=0.5, alpha=0.8
    )
    for number, person in enumerate(therapists(team, 9)):
        scored(person, team, version, 0, {"C": 2})
        scored(person, team, version, 1, {"C": 3 if number < 5 else 2})
    assert change_of(service_analytics(service, AnalyticsFilter()), "C").improved is None


# Alpha


def test_alpha_is_read_from_the_stored_figures(service, team, version):
    DomainReliability.objects.create(
        framework=version.framework, domain_key="O", respondents=40, baseline_sd=0.6, alpha=0.81
    )
    alphas = {
        row.key: (row.alpha, row.respondents)
        for row in service_analytics(service, AnalyticsFilter()).alphas
    }
    assert alphas == {"C": (None, None), "O": (0.81, 40), "M": (None, None)}


# Teams


def test_participation_is_the_share_with_a_current_assessment(service, team, version):
    people = therapists(team, 10)
    for person in people[:5]:
        scored(person, team, version, 0, {"C": 3})
    assert team_row(service_analytics(service, AnalyticsFilter()), team).participation == 0.5


def test_participation_of_a_team_below_k_is_hidden(service, team, version):
    for person in therapists(team, K - 1):
        scored(person, team, version, 0, {"C": 3})
    row = team_row(service_analytics(service, AnalyticsFilter()), team)
    assert (row.therapists, row.participation) == (K - 1, None)


def test_an_overdue_assessment_is_not_current(service, team, version):
    long_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"C": 3}, submitted_at=long_ago)
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"C": 3})
    assert team_row(service_analytics(service, AnalyticsFilter()), team).participation == 0.5


def supervised(person: User, minutes: int) -> None:
    SupervisionSession.objects.create(
        supervisee=person,
        supervisor=None,
        external_supervisor_name="Dr A",
        held_on=timezone.localdate(),
        duration_minutes=minutes,
        format="individual",
        delivery="in_person",
        status=SupervisionSession.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def test_supervision_coverage_is_the_share_meeting_the_standard(service, team, version):
    people = therapists(team, 10)
    for person in people[:5]:
        supervised(person, 270)  # 90 minutes a month over three months: the full-time standard
    for person in people[5:]:
        supervised(person, 60)
    assert team_row(service_analytics(service, AnalyticsFilter()), team).supervision_coverage == 0.5


def test_supervision_coverage_of_everyone_is_hidden(service, team, version):
    for person in therapists(team, 6):
        supervised(person, 270)
    assert (
        team_row(service_analytics(service, AnalyticsFilter()), team).supervision_coverage is None
    )


def cpd(person: User, *hours: str) -> None:
    today = timezone.localdate()
    plan = CpdPlan.objects.create(
        therapist=person,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=335),
    )
    for amount in hours:
        CpdActivity.objects.create(
            plan=plan,
            type=ActivityType.WORKSHOP,
            title="Workshop",
            done_on=today,
            hours=Decimal(amount),
        )


def test_cpd_totals_and_means_per_therapist(service, team, version):
    people = therapists(team, 5)
    cpd(people[0], "3", "2")
    cpd(people[1], "5")
    row = team_row(service_analytics(service, AnalyticsFilter()), team)
    assert (
        row.cpd_activities,
        row.cpd_hours,
        row.cpd_activities_per_therapist,
        row.cpd_hours_per_therapist,
    ) == (
        3,
        Decimal(10),
        0.6,
        2.0,
    )


def test_cpd_of_last_year_does_not_count(service, team, version):
    people = therapists(team, 5)
    CpdPlan.objects.create(
        therapist=people[0],
        starts_on=timezone.localdate() - datetime.timedelta(days=400),
        ends_on=timezone.localdate() - datetime.timedelta(days=35),
    ).activities.create(
        type=ActivityType.WORKSHOP,
        title="Old",
        done_on=timezone.localdate() - datetime.timedelta(days=100),
        hours=Decimal(4),
    )
    assert team_row(service_analytics(service, AnalyticsFilter()), team).cpd_activities == 0


def test_cpd_of_a_team_below_k_is_hidden(service, team, version):
    people = therapists(team, K - 1)
    cpd(people[0], "3")
    row = team_row(service_analytics(service, AnalyticsFilter()), team)
    assert (row.cpd_activities, row.cpd_hours) == (None, None)


def test_service_row_counts_every_team(service, team, version):
    other = factories.TeamFactory(service=service)
    therapists(team, 3)
    therapists(other, 3)
    row = team_row(service_analytics(service, AnalyticsFilter()), None)
    assert (row.label, row.therapists, row.cpd_activities) == ("Whole service", 6, 0)


# Complementary suppression: a chosen team or version, or a team's row, is hidden where the
# service's figure less it would describe fewer than k people.


def test_team_whose_complement_is_a_small_team_is_hidden_in_the_trend(service, team, version):
    small = factories.TeamFactory(service=service)
    for person in therapists(team, 6):
        scored(person, team, version, 0, {"C": 3})
    for person in therapists(small, 3):
        scored(person, small, version, 0, {"C": 1})
    point = trend_point(service_analytics(service, AnalyticsFilter(team=team)), "C", 0)
    assert (point.n, point.mean) == (6, None)


def test_version_whose_complement_is_a_few_therapists_is_hidden(service, team, version):
    older = published(version.framework)
    for person in therapists(team, 6):
        scored(person, team, version, 0, {"C": 3})
    for person in therapists(team, 2):
        scored(person, team, older, 0, {"C": 1})
    point = trend_point(service_analytics(service, AnalyticsFilter(version=version)), "C", 0)
    assert point.mean is None


def test_team_whose_complement_is_a_small_team_is_hidden_in_the_cohort(service, team, version):
    small = factories.TeamFactory(service=service)
    for person in therapists(team, 6) + therapists(small, 2):
        own_team = person.memberships.get().team
        scored(person, own_team, version, 0, {"C": 2})
        scored(person, own_team, version, 1, {"C": 3})
    change = change_of(service_analytics(service, AnalyticsFilter(team=team)), "C")
    assert (change.n, change.mean_change) == (6, None)


def test_team_row_that_would_give_away_a_small_teams_cpd_is_hidden(service, team, version):
    small = factories.TeamFactory(service=service)
    cpd(therapists(team, 6)[0], "4")
    cpd(therapists(small, 3)[0], "7")
    figures = service_analytics(service, AnalyticsFilter())
    assert (team_row(figures, team).cpd_hours, team_row(figures, small).cpd_hours) == (None, None)
    assert team_row(figures, None).cpd_hours == Decimal(11)


def test_team_rows_big_enough_beside_each_other_are_all_shown(service, team, version):
    other = factories.TeamFactory(service=service)
    cpd(therapists(team, 5)[0], "4")
    cpd(therapists(other, 5)[0], "7")
    figures = service_analytics(service, AnalyticsFilter())
    assert (team_row(figures, team).cpd_hours, team_row(figures, other).cpd_hours) == (4, 7)
