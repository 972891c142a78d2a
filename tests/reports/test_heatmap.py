"""The service lead's barrier heatmap: its figures equal a pandas groupby of the raw ratings, small
groups are hidden with their complements, refused and invalid filters say why, other people get
404, the page's queries do not grow with teams, and the PNG and SVG downloads are served."""

from __future__ import annotations

import pandas as pd
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import permissions
from accounts.models import Service, Team, User
from assessments.models import FrameworkVersion, SectionKind
from reports import heatmap
from reports.forms import choose_filters
from reports.summaries import rebuild_summaries
from tests import factories
from tests.reports.builders import coded_version

pytestmark = pytest.mark.django_db

# Section key → (kind, COM-B component, item keys). O2 is private (self-care).
SECTIONS = {
    "capability": (SectionKind.BARRIERS, "C", ("A1", "A2")),
    "opportunity": (SectionKind.BARRIERS, "O", ("O1", "O2")),
    "style": (SectionKind.BEHAVIOURS, None, ("B1",)),
}
KEYS = ("A1", "A2", "O1", "O2", "B1")
K = 5


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # Leads must set up a second factor in production; these tests are about the heatmap.
    settings.MFA_REQUIRED_ROLES = []


def build_version() -> FrameworkVersion:
    return coded_version(SECTIONS, sensitive={"O2"})


@pytest.fixture
def version(db) -> FrameworkVersion:
    return build_version()


@pytest.fixture
def led_service(service, version) -> Service:
    service.framework = version.framework
    service.save()
    return service


def team_of(service: Service, name: str, people: int) -> tuple[Team, list[User]]:
    team = factories.TeamFactory(service=service, name=name)
    return team, [factories.therapist(team=team) for _ in range(people)]


def submit_all(therapists: list[User], version, ratings: dict[str, int | None], cycle: int = 0):
    for therapist in therapists:
        factories.submitted_assessment(therapist, version, ratings, cycle=cycle)


@pytest.fixture
def teams(led_service, version) -> dict[str, Team]:
    """Large (7 people, all rating 2), Middle (5, all 4) and Small (1, rating 5), cycle 0."""
    made = {}
    for name, people, value in (("Large", 7, 2), ("Middle", 5, 4), ("Small", 1, 5)):
        team, therapists = team_of(led_service, name, people)
        submit_all(therapists, version, dict.fromkeys(KEYS, value))
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


# Figures against pandas


@pytest.fixture
def crowd(led_service) -> list[User]:
    """Three teams of eight therapists: who submits and what they rate is up to each example."""
    therapists = []
    for name in ("Alpha", "Beta", "Gamma"):
        therapists += team_of(led_service, name, 8)[1]
    return therapists


rating = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
answers = st.one_of(st.none(), st.fixed_dictionaries({key: rating for key in KEYS}))


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(submitted=st.lists(answers, min_size=24, max_size=24))
def test_every_visible_cell_equals_a_pandas_groupby_of_the_ratings(
    led_service, version, crowd, submitted
):
    with transaction.atomic():
        raw = []
        for therapist, ratings in zip(crowd, submitted, strict=True):
            if ratings is None:
                continue
            factories.submitted_assessment(therapist, version, ratings)
            team = therapist.memberships.get().team.name
            raw += [(team, key, value) for key, value in ratings.items()]
        rebuild_summaries()
        choices = {m: choose_filters(led_service, {"measure": m}) for m in ("need", "share")}
        maps = {
            measure: heatmap.build(led_service, choice.filters, choice.columns)
            for measure, choice in choices.items()
            if choice.filters is not None
        }
        transaction.set_rollback(True)
    if not maps:
        # Fewer than k people submitted: the page shows no heatmap at all.
        assert sum(ratings is not None for ratings in submitted) < K
        return
    frame = pd.DataFrame(raw, columns=["team", "key", "value"]).dropna()
    frame["need"] = (5 - frame["value"]) / 4 * 100
    frame["share"] = (frame["value"] <= 2) * 100.0
    by_team = frame.groupby(["key", "team"]).agg(
        n=("value", "size"), need=("need", "mean"), share=("share", "mean")
    )
    by_item = frame.groupby("key").agg(
        n=("value", "size"), need=("need", "mean"), share=("share", "mean")
    )
    for measure, drawn in maps.items():
        assert [team.name for team in drawn.columns] == sorted({team for team, _, _ in raw})
        for row in drawn.rows:
            expected_n = [
                int(by_team.n.get((row.item.key, team.name), 0)) for team in drawn.columns
            ]
            total_n = int(by_item.n.get(row.item.key, 0))
            hidden = permissions.suppress_row(expected_n, total_n, K)
            assert [cell.hidden for cell in row.cells] == hidden[:-1]
            assert row.total.hidden == hidden[-1]
            for team, cell in zip(drawn.columns, row.cells, strict=True):
                if cell.shown:
                    expected = by_team[measure][(row.item.key, team.name)]
                    assert (cell.respondents, cell.value) == (
                        by_team.n[(row.item.key, team.name)],
                        pytest.approx(expected),
                    )
            if row.total.shown:
                assert row.total.value == pytest.approx(by_item[measure][row.item.key])


# Suppression on the page


def test_lead_sees_each_teams_mean_need_with_its_respondents(sign_in, lead, led_service, teams):
    page = sign_in(lead).get(heatmap_url(led_service)).content.decode()
    # Large rated 2 everywhere: need 75, from 7 people; the service's 13 rated 3 on average.
    assert '<span class="heat-value">75</span>' in page
    assert "from </span>7<span" in page
    assert '<span class="heat-value">50</span>' in page
    assert "from </span>13<span" in page


def test_a_team_of_fewer_than_k_and_its_complement_show_fewer_than_k(lead, led_service, teams):
    drawn = figures(led_service)
    names = [team.name for team in drawn.columns]
    for row in drawn.rows:
        cells = dict(zip(names, row.cells, strict=True))
        # Small (1) is hidden; Middle (5), the smallest other team, is hidden to protect it.
        assert (cells["Small"].hidden, cells["Middle"].hidden, cells["Large"].hidden) == (
            True,
            True,
            False,
        )
        assert row.total.shown


def test_hidden_cells_say_fewer_than_k_in_words(sign_in, lead, led_service, teams):
    page = sign_in(lead).get(heatmap_url(led_service)).content.decode()
    assert '<span aria-hidden="true">&lt;5</span>' in page
    assert "hidden: fewer than 5 people, or hidden so that a smaller group" in page


def test_a_private_statement_appears_only_as_team_figures(sign_in, lead, led_service, teams):
    drawn = figures(led_service)
    private = next(row for row in drawn.rows if row.item.key == "O2")
    assert [cell.hidden for cell in private.cells] == [False, True, True]
    page = sign_in(lead).get(heatmap_url(led_service)).content.decode()
    assert "private</span>" in page


# Filters


def test_team_filter_shows_that_team_and_the_service_total(lead, led_service, teams):
    drawn = figures(led_service, team=str(teams["Large"].pk))
    assert [team.name for team in drawn.columns] == ["Large"]
    assert all(len(row.cells) == 1 and row.total.shown for row in drawn.rows)


def test_a_team_of_fewer_than_k_is_refused_and_all_teams_are_shown(
    sign_in, lead, led_service, teams
):
    response = sign_in(lead).get(heatmap_url(led_service, team=str(teams["Small"].pk)))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_team_error"' in page
    assert "Small has self-assessments from fewer than 5 people" in page
    assert response.context["heatmap"].columns == figures(led_service).columns


def test_a_cycle_of_fewer_than_k_people_is_refused(sign_in, lead, led_service, version, teams):
    submit_all(
        list(User.objects.filter(memberships__team=teams["Small"])),
        version,
        dict.fromkeys(KEYS, 3),
        cycle=1,
    )
    rebuild_summaries()
    response = sign_in(lead).get(heatmap_url(led_service, cycle="1"))
    assert "Cycle 1 has self-assessments from fewer than 5 people" in response.content.decode()
    assert response.context["heatmap"].filters.cycle == 0


def test_component_filter_keeps_only_its_statements(lead, led_service, teams):
    drawn = figures(led_service, component="O")
    assert [row.item.key for row in drawn.rows] == ["O1", "O2"]
    assert [block.title for block in drawn.blocks] == ["Opportunity barriers"]


def test_share_measure_shows_the_percentage_reporting(sign_in, lead, led_service, teams):
    page = sign_in(lead).get(heatmap_url(led_service, measure="share")).content.decode()
    assert '<span class="heat-value">100%</span>' in page  # Large rated 2: all report it


def test_rows_are_grouped_by_component_sub_component_and_behaviour_section(
    lead, led_service, teams
):
    drawn = figures(led_service)
    assert [block.title for block in drawn.blocks] == [
        "Capability barriers",
        "Opportunity barriers",
        "Target behaviours",
    ]
    assert [len(block.groups) for block in drawn.blocks] == [2, 2, 1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", "abc"),
        ("version", "99"),
        ("cycle", "7"),
        ("cycle", "-1"),
        ("team", "x"),
        ("component", "Q"),
        ("measure", "loud"),
    ],
)
def test_an_invalid_filter_says_so_beside_its_field_and_shows_the_default(
    sign_in, lead, led_service, teams, field, value
):
    response = sign_in(lead).get(heatmap_url(led_service, **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    shown = response.context["heatmap"].filters
    assert (shown.cycle, shown.team, shown.component, shown.measure) == (0, None, None, "need")


def test_repeated_and_odd_parameters_do_not_break_the_page(sign_in, lead, led_service, teams):
    response = sign_in(lead).get(heatmap_url(led_service) + "?cycle=0&cycle=1&team=&x=%00")
    assert response.status_code == 200


def test_a_service_without_figures_shows_the_empty_state(sign_in, lead, led_service):
    page = sign_in(lead).get(heatmap_url(led_service)).content.decode()
    assert "No figures to show yet" in page


# Who may see it


@pytest.mark.parametrize("name", ["reports:heatmap", "reports:heatmap_png", "reports:heatmap_svg"])
def test_a_lead_of_another_service_gets_404(sign_in, led_service, teams, name):
    other_lead = factories.UserFactory()
    factories.MembershipFactory(
        user=other_lead, service=factories.ServiceFactory(), team=None, role="lead"
    )
    response = sign_in(other_lead).get(reverse(name, args=[led_service.slug]))
    assert response.status_code == 404


def test_a_therapist_of_the_service_gets_404(sign_in, led_service, teams):
    therapist = User.objects.filter(memberships__team=teams["Large"]).first()
    response = sign_in(therapist).get(heatmap_url(led_service))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, led_service):
    response = client.get(heatmap_url(led_service))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Queries


def test_the_page_asks_as_many_queries_for_30_teams_as_for_3(
    sign_in, lead, led_service, version, teams, django_assert_num_queries
):
    client = sign_in(lead)
    with CaptureQueriesContext(connection) as three:
        client.get(heatmap_url(led_service))
    for number in range(27):
        submit_all(team_of(led_service, f"Team {number:02}", 5)[1], version, {"A1": 3, "B1": 1})
    rebuild_summaries()
    # Measured: session, user, the viewer's roles (menu), the led service, versions with
    # figures, respondents per team and cycle, statements, summaries summed per team.
    with django_assert_num_queries(8):
        response = client.get(heatmap_url(led_service))
    assert len(response.context["heatmap"].columns) == 30
    with CaptureQueriesContext(connection) as thirty:
        client.get(heatmap_url(led_service))
    assert len(thirty.captured_queries) == len(three.captured_queries)


# Downloads


def test_the_png_download_draws_the_heatmap(sign_in, lead, led_service, teams):
    response = sign_in(lead).get(reverse("reports:heatmap_png", args=[led_service.slug]))
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "attachment" in response["Content-Disposition"]


def test_the_svg_download_marks_hidden_cells_fewer_than_k(sign_in, lead, led_service, teams):
    url = reverse("reports:heatmap_svg", args=[led_service.slug]) + "?measure=share"
    response = sign_in(lead).get(url)
    svg = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    assert "<svg" in svg
    assert "&lt;5" in svg
    assert "Share reporting the barrier" in svg


def test_a_download_with_nothing_to_show_says_so(sign_in, lead, led_service):
    url = reverse("reports:heatmap_svg", args=[led_service.slug])
    response = sign_in(lead).get(url)
    assert response.status_code == 200
    assert "no figures to show yet" in response.content.decode()


# Links and explanations


def test_the_service_overview_links_to_the_heatmap(sign_in, lead, led_service, teams):
    page = sign_in(lead).get(reverse("accounts:service_overview", args=[led_service.slug]))
    assert heatmap_url(led_service) in page.content.decode()


def test_the_questionnaire_start_page_says_where_private_statements_go(sign_in, published_version):
    therapist = factories.therapist()
    service = therapist.memberships.get().service
    service.framework = published_version.framework
    service.save()
    page = sign_in(therapist).get(reverse("assessments:questionnaire")).content.decode()
    assert "Statements marked private are seen by your supervisor only if" in page
    assert "service figures about at least 5 people, never as anyone's answer" in page


def test_the_start_page_gives_the_services_own_larger_minimum(sign_in, published_version):
    therapist = factories.therapist()
    service = therapist.memberships.get().service
    service.framework = published_version.framework
    service.small_group_min = 8
    service.save()
    page = sign_in(therapist).get(reverse("assessments:questionnaire")).content.decode()
    assert "service figures about at least 8 people" in page
