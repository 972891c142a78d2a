"""The heatmap over a period: each therapist's latest self-assessment submitted in it counts, for
the team recorded on it, per domain (from the stored domain scores). Its cells equal a pandas
computation, small groups are hidden, refused and invalid periods say why beside their field,
the share measure falls back to mean need, queries do not grow with teams, and the downloads
follow the period."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import permissions
from accounts.models import Service, Team, User
from assessments.models import FrameworkVersion, SelfAssessment
from reports import heatmap
from reports.forms import choose_filters
from reports.models import AssessmentDomainScore
from reports.summaries import rebuild_summaries
from tests import factories
from tests.reports.test_heatmap import KEYS, build_version

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")  # settings.TIME_ZONE: months run from local midnight
PERIOD = {"period_from": "2025-03", "period_to": "2025-06"}
K = 5


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # Leads must set up a second factor in production; these tests are about the heatmap.
    settings.MFA_REQUIRED_ROLES = []


@pytest.fixture
def version(db) -> FrameworkVersion:
    return build_version()


@pytest.fixture
def led_service(service, version) -> Service:
    service.framework = version.framework
    service.save()
    return service


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


def team_of(service: Service, name: str, people: int) -> tuple[Team, list[User]]:
    team = factories.TeamFactory(service=service, name=name)
    return team, [factories.therapist(team=team) for _ in range(people)]


def submit(therapist, version, ratings, cycle, when, team: Team | None = None) -> SelfAssessment:
    """A submitted assessment; `team` records a team other than the therapist's current one."""
    assessment = factories.submitted_assessment(
        therapist, version, ratings, cycle=cycle, submitted_at=when
    )
    if team is not None:
        SelfAssessment.objects.filter(pk=assessment.pk).update(team=team)
    return assessment


@pytest.fixture
def in_period(led_service, version) -> dict[str, Team]:
    """In March to June 2025: North 6 people (all rating 2), South 5 (all 4), East 1 (5)."""
    made = {}
    for name, people, value in (("North", 6, 2), ("South", 5, 4), ("East", 1, 5)):
        team, therapists = team_of(led_service, name, people)
        for therapist in therapists:
            submit(therapist, version, dict.fromkeys(KEYS, value), 0, at("2025-04-10"))
        made[name] = team
    rebuild_summaries()
    return made


def heatmap_url(service: Service, **query: str) -> str:
    url = reverse("reports:heatmap", args=[service.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def figures(service: Service, **query: str) -> heatmap.Heatmap:
    choice = choose_filters(service, query)
    assert choice.filters is not None
    return heatmap.build(service, choice.filters, choice.columns)


def need(mean: float) -> float:
    return (5 - mean) / 4 * 100


# Figures against pandas


def test_each_domain_cell_is_the_mean_need_of_each_therapists_latest_assessment_in_the_period(
    led_service, version
):
    rng = random.Random(19)
    teams = [team_of(led_service, name, 7) for name in ("Alpha", "Beta", "Gamma")]
    moved_to = teams[2][0]
    # Submission times: before, in (twice), at the period's last evening, and just after it.
    times = [
        at("2025-02-28", 23),
        at("2025-03-01", 0),
        at("2025-05-15"),
        at("2025-06-30", 23),
        at("2025-07-01", 0),
    ]
    for number, (_team, therapists) in enumerate(teams):
        for index, therapist in enumerate(therapists):
            chosen = sorted(rng.sample(range(len(times)), rng.randint(1, 3)))
            for cycle, slot in enumerate(chosen):
                ratings = {key: rng.choice([None, 1, 2, 3, 4, 5]) for key in KEYS}
                # Some assessments count for a team other than the therapist's current one.
                elsewhere = moved_to if number == 0 and index < 2 and cycle == 0 else None
                submit(therapist, version, ratings, cycle, times[slot], elsewhere)
    rebuild_summaries()

    assessments = pd.DataFrame(
        SelfAssessment.objects.filter(service=led_service).values(
            "pk", "therapist_id", "submitted_at"
        )
    )
    start, end = at("2025-03-01", 0), at("2025-07-01", 0)
    counted = assessments[(assessments.submitted_at >= start) & (assessments.submitted_at < end)]
    latest = counted.sort_values(["submitted_at", "pk"]).groupby("therapist_id").tail(1)
    scores = pd.DataFrame(
        AssessmentDomainScore.objects.filter(assessment_id__in=list(latest.pk)).values(
            "assessment__team__name", "kind", "key", "mean"
        )
    ).rename(columns={"assessment__team__name": "team"})
    scores = scores[scores["mean"].notna()]
    by_team = scores.groupby(["kind", "key", "team"])["mean"].agg(["count", "mean"])
    by_domain = scores.groupby(["kind", "key"])["mean"].agg(["count", "mean"])
    assert len(latest) >= K

    drawn = figures(led_service, **PERIOD)
    assert drawn.rows
    for row in drawn.rows:
        domain = (row.domain.kind, row.domain.key)
        counts = [int(by_team["count"].get((*domain, t.name), 0)) for t in drawn.columns]
        total = int(by_domain["count"].get(domain, 0))
        hidden = permissions.suppress_row(counts, total, K)
        for team, cell, n, off in zip(drawn.columns, row.cells, counts, hidden[:-1], strict=True):
            assert (cell.respondents, cell.hidden) == (n, off)
            if cell.shown:
                assert cell.value == pytest.approx(need(by_team["mean"][(*domain, team.name)]))
        assert (row.total.respondents, row.total.hidden) == (total, hidden[-1])
        if row.total.shown:
            assert row.total.value == pytest.approx(need(by_domain["mean"][domain]))


def test_the_rows_are_components_with_their_sub_components_then_behaviour_groups(
    led_service, in_period
):
    drawn = figures(led_service, **PERIOD)
    assert [block.title for block in drawn.blocks] == [
        "Capability barriers",
        "Opportunity barriers",
        "Target behaviours",
    ]
    assert [row.domain.kind for row in drawn.blocks[0].groups[0].rows] == [
        "component",
        "subcomponent",
        "subcomponent",
    ]
    assert [row.domain.key for row in drawn.blocks[2].groups[0].rows] == ["style"]


def test_a_component_filter_keeps_that_components_domains_only(led_service, in_period):
    drawn = figures(led_service, component="O", **PERIOD)
    assert [block.title for block in drawn.blocks] == ["Opportunity barriers"]


def test_the_team_at_submission_counts_not_the_current_team(led_service, version):
    _north, therapists = team_of(led_service, "North", 5)
    south, _ = team_of(led_service, "South", 0)
    for therapist in therapists:
        submit(therapist, version, dict.fromkeys(KEYS, 3), 0, at("2025-04-01"), team=south)
    rebuild_summaries()
    drawn = figures(led_service, **PERIOD)
    assert [team.name for team in drawn.columns] == ["South"]


def test_only_the_latest_assessment_in_the_period_counts(led_service, version):
    _team, therapists = team_of(led_service, "North", 5)
    for therapist in therapists:
        submit(therapist, version, dict.fromkeys(KEYS, 1), 0, at("2025-03-10"))
        submit(therapist, version, dict.fromkeys(KEYS, 5), 1, at("2025-06-10"))
        submit(therapist, version, dict.fromkeys(KEYS, 1), 2, at("2025-08-10"))
    rebuild_summaries()
    drawn = figures(led_service, **PERIOD)
    assert {row.total.value for row in drawn.rows} == {0}
    assert {row.total.respondents for row in drawn.rows} == {5}


# Suppression and refused periods


def test_a_team_below_k_in_the_period_is_hidden_with_its_complement(led_service, in_period):
    drawn = figures(led_service, **PERIOD)
    east = [team.name for team in drawn.columns].index("East")
    for row in drawn.rows:
        assert row.cells[east].hidden
        assert row.cells[east].value is None
        assert sum(cell.hidden for cell in row.cells) >= 2


def test_a_period_with_fewer_than_k_people_is_refused_and_the_cycle_shown(
    sign_in, lead, led_service, in_period
):
    response = sign_in(lead).get(
        heatmap_url(led_service, period_from="2024-01", period_to="2024-12")
    )
    page = response.content.decode()
    assert 'id="id_period_from_error"' in page
    assert "Fewer than 5 people in this service submitted" in page
    assert response.context["heatmap"].filters.period is None


def test_a_team_below_k_in_the_period_cannot_be_shown_alone(sign_in, lead, led_service, in_period):
    query = {**PERIOD, "team": str(in_period["East"].pk)}
    response = sign_in(lead).get(heatmap_url(led_service, **query))
    assert 'id="id_team_error"' in response.content.decode()
    shown = response.context["heatmap"].filters
    assert shown.team is None
    assert shown.period is not None


def test_a_team_filter_shows_that_teams_domains_in_the_period(led_service, in_period):
    drawn = figures(led_service, team=str(in_period["North"].pk), **PERIOD)
    assert [team.name for team in drawn.columns] == ["North"]
    assert {row.cells[0].value for row in drawn.rows} == {need(2)}


@pytest.mark.parametrize(
    ("period_from", "period_to", "field"),
    [
        ("2025-06", "2025-03", "period_to"),  # ends before it starts
        ("2025-01", "2999-12", "period_to"),  # ends in the future
        ("2019-01", "2025-06", "period_from"),  # longer than five years
        ("2025-13", "2025-06", "period_from"),  # no such month
        ("March", "2025-06", "period_from"),
        ("0000-01", "2025-06", "period_from"),
        ("1999-12", "2000-01", "period_from"),  # before the product's earliest month
        ("2025-03", "", "period_to"),  # one month only
    ],
)
def test_an_invalid_period_says_so_beside_its_field_and_shows_the_cycle(
    sign_in, lead, led_service, in_period, period_from, period_to, field
):
    query = {"period_from": period_from, "period_to": period_to}
    response = sign_in(lead).get(heatmap_url(led_service, **query))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in page
    assert f'value="{period_from}"' in page  # what was typed is kept
    assert response.context["heatmap"].filters.period is None


def test_the_share_measure_falls_back_to_mean_need_for_a_period(
    sign_in, lead, led_service, in_period
):
    response = sign_in(lead).get(heatmap_url(led_service, measure="share", **PERIOD))
    page = response.content.decode()
    assert 'id="id_measure_error"' in page
    assert "a period shows mean need by domain instead" in page
    assert response.context["heatmap"].filters.measure == "need"


# The page and downloads


def test_the_page_says_which_assessments_count(sign_in, lead, led_service, version, in_period):
    page = sign_in(lead).get(heatmap_url(led_service, **PERIOD)).content.decode()
    counted = f"latest self-assessment of version {version.number} submitted between"
    assert f"{counted} March 2025 and June 2025" in page
    assert "not available for a period" in page
    assert "Capability, all its barriers" in page


def test_the_page_asks_as_many_queries_for_30_teams_as_for_3_in_a_period(
    sign_in, lead, led_service, version, in_period, django_assert_num_queries
):
    client = sign_in(lead)
    with CaptureQueriesContext(connection) as three:
        client.get(heatmap_url(led_service, **PERIOD))
    for number in range(27):
        for therapist in team_of(led_service, f"Team {number:02}", 5)[1]:
            submit(therapist, version, {"A1": 3, "B1": 1}, 0, at("2025-05-01"))
    rebuild_summaries()
    # Measured: session, user, the viewer's roles (menu), the led service, versions with
    # figures, respondents per team and cycle, teams in the period, statements (the domains),
    # domain scores summed per team.
    with django_assert_num_queries(9):
        response = client.get(heatmap_url(led_service, **PERIOD))
    assert len(response.context["heatmap"].columns) == 30
    assert len(three.captured_queries) == 9


def test_the_svg_download_follows_the_period(sign_in, lead, led_service, in_period):
    url = reverse("reports:heatmap_svg", args=[led_service.slug])
    response = sign_in(lead).get(url + "?period_from=2025-03&period_to=2025-06")
    svg = response.content.decode()
    assert "2025-03-to-2025-06" in response["Content-Disposition"]
    assert "submitted between March 2025 and June 2025" in svg
    assert "&lt;5" in svg


def test_the_png_download_follows_the_period(sign_in, lead, led_service, in_period):
    url = reverse("reports:heatmap_png", args=[led_service.slug])
    response = sign_in(lead).get(url + "?period_from=2025-03&period_to=2025-06")
    assert response.content.startswith(b"\x89PNG")
    assert "2025-03-to-2025-06" in response["Content-Disposition"]
