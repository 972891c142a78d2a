"""The national view: services compared by COM-B component and, drilled down, by statement,
equal to a pandas computation from the ratings; cells below a service's k hidden and national
totals withheld when they would give a hidden cell away; sorting, 25 services a page, a fixed
number of queries, and only for people given the national permission."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Service, Team, User
from assessments.models import FrameworkVersion, SectionKind
from reports import national
from reports.models import ItemSummary
from reports.summaries import rebuild_summaries
from tests import factories
from tests.reports.builders import coded_version

pytestmark = pytest.mark.django_db

# Section key → (kind, component, item keys). C3 sits in the capability section but is coded
# to an Opportunity sub-component, so it counts for O; O2 is private (in aggregates only).
SECTIONS = {
    "capability": (SectionKind.BARRIERS, "C", ("C1", "C2", "C3")),
    "opportunity": (SectionKind.BARRIERS, "O", ("O1", "O2")),
    "motivation": (SectionKind.BARRIERS, "M", ("M1", "M2")),
    "style": (SectionKind.BEHAVIOURS, None, ("B1", "B2")),
}
GROUP_OF = {"C1": "C", "C2": "C", "C3": "O", "O1": "O", "O2": "O", "M1": "M", "M2": "M"}
GROUP_OF |= {"B1": "B", "B2": "B"}
K = 5


def build_version(framework=None) -> FrameworkVersion:
    return coded_version(SECTIONS, framework=framework, sensitive={"O2"}, coded_as={"C3": "O"})


@pytest.fixture
def version(db) -> FrameworkVersion:
    return build_version()


@pytest.fixture
def commissioner(db) -> User:
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_national_aggregates"))
    return user


def national_url(**params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("reports:national") + (f"?{query}" if query else "")


# Random services and ratings, and the same figures computed by pandas


def random_services(version: FrameworkVersion, seed: int) -> pd.DataFrame:
    """Services of 1 to 3 teams of 1 to 6 therapists, each rating each statement 1-5, N/A or
    not at all, in cycle 0 (and some again in cycle 1); the ratings given, as a frame."""
    rng = random.Random(seed)
    rows = []
    for service_number in range(rng.randint(3, 5)):
        service = factories.ServiceFactory(
            framework=version.framework, small_group_min=rng.choice([None, None, 6])
        )
        for _team_number in range(rng.randint(1, 3)):
            team = factories.TeamFactory(service=service)
            for _person in range(rng.randint(1, 6)):
                person = factories.therapist(team=team)
                for cycle in (0, 1) if rng.random() < 0.3 else (0,):
                    answers = {
                        key: rng.choice([1, 2, 3, 4, 5, 5, None, "skip"]) for key in GROUP_OF
                    }
                    given = {key: value for key, value in answers.items() if value != "skip"}
                    factories.submitted_assessment(person, version, given, cycle=cycle)
                    rows += [
                        (service.pk, service_number, team.pk, person.pk, cycle, key, value)
                        for key, value in given.items()
                        if value is not None
                    ]
    rebuild_summaries()
    frame = pd.DataFrame(
        rows, columns=["service", "number", "team", "therapist", "cycle", "key", "value"]
    )
    frame["group"] = frame["key"].map(GROUP_OF)
    return frame


def expected_cells(ratings: pd.DataFrame, column: str) -> dict[tuple[int, str], tuple]:
    """Per service and column (a group, or a statement key): (mean need or None, hidden,
    respondents), by the page's rule from the ratings themselves."""
    k_of = {s.pk: max(K, s.small_group_min or 0) for s in Service.objects.all()}
    cells = {}
    for (service, key), cell in ratings.groupby(["service", column]):
        ratings_n = len(cell)
        mean_need = ((5 - cell["value"]) / 4 * 100).mean()
        # Teams never share a therapist within a cycle: a team's most-rated statement counts
        # its distinct therapists at least, and a statement's respondents exactly.
        respondents = int(cell.groupby(["team", "key"]).size().groupby("team").max().sum())
        assert respondents <= cell["therapist"].nunique()
        hidden = respondents < k_of[service]
        cells[service, key] = (None if hidden else mean_need, hidden, respondents, ratings_n)
    return cells


def assert_cells_match(table: national.NationalTable, expected: dict) -> None:
    for row in table.rows:
        for key, cell in row.cells.items():
            want = expected.get((row.service.pk, key))
            if want is None:
                assert cell.empty and cell.mean_need is None
                continue
            mean_need, hidden, respondents, _ratings = want
            assert (cell.hidden, cell.respondents) == (hidden, respondents)
            assert cell.mean_need == (None if hidden else pytest.approx(mean_need))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_component_means_equal_a_pandas_computation_from_the_ratings(version, seed):
    ratings = random_services(version, seed)
    cycle_zero = ratings[ratings["cycle"] == 0]

    table = national.national_table(version, 0)

    assert [column.key for column in table.columns] == ["C", "O", "M", "B"]
    assert_cells_match(table, expected_cells(cycle_zero, "group"))


@pytest.mark.parametrize("seed", [4, 5])
def test_drill_down_gives_each_statement_equal_to_pandas(version, seed):
    ratings = random_services(version, seed)
    capability = ratings[(ratings["cycle"] == 0) & (ratings["group"] == "C")]

    table = national.national_table(version, 0, component="C")

    assert [column.key for column in table.columns] == ["C1", "C2"]
    expected = {
        (service, key): (
            None
            if respondents < max(K, Service.objects.get(pk=service).small_group_min or 0)
            else ((5 - cell["value"]) / 4 * 100).mean(),
            respondents < max(K, Service.objects.get(pk=service).small_group_min or 0),
            respondents,
            respondents,
        )
        for (service, key), cell in capability.groupby(["service", "key"])
        for respondents in [len(cell)]
    }
    assert_cells_match(table, expected)


@pytest.mark.parametrize("seed", [6, 7])
def test_national_totals_equal_pandas_unless_they_would_give_a_hidden_cell_away(version, seed):
    ratings = random_services(version, seed)
    cycle_zero = ratings[ratings["cycle"] == 0]
    cells = expected_cells(cycle_zero, "group")
    k_of = {s.pk: max(K, s.small_group_min or 0) for s in Service.objects.all()}

    table = national.national_table(version, 0)

    for group, column in cycle_zero.groupby("group"):
        hidden = [
            (service, cells[service, group][2])
            for service in column["service"].unique()
            if cells[service, group][1]
        ]
        hidden_people = sum(respondents for _service, respondents in hidden)
        k = max([K, *(k_of[service] for service, _n in hidden)])
        total = table.totals[group]
        if 0 < hidden_people < k:
            assert total.hidden and total.mean_need is None
        else:
            assert total.mean_need == pytest.approx(((5 - column["value"]) / 4 * 100).mean())


# Summaries written directly: quick, for the page's behaviour


def summarise(
    service: Service,
    version: FrameworkVersion,
    respondents: int,
    rating: int,
    cycle: int = 0,
    team: Team | None = None,
) -> None:
    """Every statement of the version rated `rating` by `respondents` therapists of a team."""
    team = team or factories.TeamFactory(service=service)
    ItemSummary.objects.bulk_create(
        ItemSummary(
            service=service,
            team=team,
            version=version,
            cycle=cycle,
            item=item,
            respondents=respondents,
            total=respondents * rating,
            total_squares=respondents * rating * rating,
            reporting=respondents if rating <= 2 else 0,
        )
        for item in version.items.all()
    )


def service_named(name: str, version: FrameworkVersion, **fields: object) -> Service:
    return factories.ServiceFactory(name=name, framework=version.framework, **fields)


def row_names(response) -> list[str]:
    return [row.service.name for row in response.context["page"].object_list]


def test_commissioner_sees_each_services_component_means(sign_in, commissioner, version):
    summarise(service_named("Avon", version), version, respondents=6, rating=3)

    response = sign_in(commissioner).get(national_url())

    assert response.status_code == 200
    row = response.context["page"].object_list[0]
    assert [cell.mean_need for cell in row.figures] == [50.0, 50.0, 50.0, 50.0]
    assert "Avon" in response.content.decode()


def test_a_service_below_k_shows_fewer_than_k(sign_in, commissioner, version):
    summarise(service_named("Avon", version), version, respondents=3, rating=1)

    page = sign_in(commissioner).get(national_url()).content.decode()

    assert "fewer than 5" in page
    assert ">100</td>" not in page


def test_a_service_that_raised_k_hides_cells_below_its_own(sign_in, commissioner, version):
    summarise(service_named("Avon", version, small_group_min=8), version, respondents=6, rating=1)
    summarise(service_named("Bath", version), version, respondents=6, rating=3)

    response = sign_in(commissioner).get(national_url())

    avon, bath = response.context["page"].object_list
    assert all(cell.hidden for cell in avon.figures)
    assert "fewer than 8" in response.content.decode()
    assert not any(cell.hidden for cell in bath.figures)


def test_national_total_is_withheld_when_one_small_service_is_hidden(
    sign_in, commissioner, version
):
    summarise(service_named("Avon", version), version, respondents=2, rating=1)
    summarise(service_named("Bath", version), version, respondents=6, rating=3)

    response = sign_in(commissioner).get(national_url())

    table = response.context["table"]
    assert all(cell.hidden for cell in table.total_figures)
    assert table.total_respondents is None


def test_national_total_counts_hidden_services_when_they_are_k_together(
    sign_in, commissioner, version
):
    summarise(service_named("Avon", version), version, respondents=3, rating=1)
    summarise(service_named("Bath", version), version, respondents=3, rating=1)
    summarise(service_named("Cary", version), version, respondents=6, rating=5)

    table = sign_in(commissioner).get(national_url()).context["table"]

    # 6 ratings of 1 (need 100) and 6 of 5 (need 0) per statement.
    assert [cell.mean_need for cell in table.total_figures] == [50.0] * 4
    assert table.total_respondents == 12


def test_drill_down_shows_one_components_statements(sign_in, commissioner, version):
    summarise(service_named("Avon", version), version, respondents=6, rating=2)

    response = sign_in(commissioner).get(national_url(component="O"))

    assert [column.key for column in response.context["table"].columns] == ["C3", "O1", "O2"]
    assert [cell.mean_need for cell in response.context["page"][0].figures] == [75.0] * 3
    assert "Back to the components" in response.content.decode()


def test_rows_sort_by_a_column_with_hidden_cells_last(sign_in, commissioner, version):
    summarise(service_named("Avon", version), version, respondents=6, rating=4)
    summarise(service_named("Bath", version), version, respondents=6, rating=2)
    summarise(service_named("Cary", version), version, respondents=2, rating=1)
    summarise(service_named("Dean", version), version, respondents=6, rating=3)
    client = sign_in(commissioner)

    greatest_need = client.get(national_url(sort="C", order="desc"))
    least_need = client.get(national_url(sort="C", order="asc"))

    assert row_names(greatest_need) == ["Bath", "Dean", "Avon", "Cary"]
    assert row_names(least_need) == ["Avon", "Dean", "Bath", "Cary"]


def test_rows_sort_by_name_by_default_and_reverse(sign_in, commissioner, version):
    for name in ("Cary", "Avon", "Bath"):
        summarise(service_named(name, version), version, respondents=6, rating=3)
    client = sign_in(commissioner)

    assert row_names(client.get(national_url())) == ["Avon", "Bath", "Cary"]
    assert row_names(client.get(national_url(sort="service", order="desc"))) == [
        "Cary",
        "Bath",
        "Avon",
    ]


def test_an_unknown_sort_falls_back_to_names(sign_in, commissioner, version):
    for name in ("Bath", "Avon"):
        summarise(service_named(name, version), version, respondents=6, rating=3)

    response = sign_in(commissioner).get(national_url(sort="nonsense", order="sideways"))

    assert response.status_code == 200
    assert row_names(response) == ["Avon", "Bath"]


def test_column_headings_link_to_sorting_and_mark_the_current_order(sign_in, commissioner, version):
    summarise(service_named("Avon", version), version, respondents=6, rating=3)

    page = sign_in(commissioner).get(national_url(sort="O", order="desc")).content.decode()

    assert 'aria-sort="descending"' in page
    assert "?sort=O&amp;order=asc" in page


def summarise_services(version: FrameworkVersion, count: int) -> None:
    services_ = Service.objects.bulk_create(
        Service(name=f"Service {number:03}", slug=f"svc-{number}", framework=version.framework)
        for number in range(count)
    )
    teams = Team.objects.bulk_create(Team(service=service, name="T") for service in services_)
    items = list(version.items.all())
    ItemSummary.objects.bulk_create(
        ItemSummary(
            service=team.service,
            team=team,
            version=version,
            cycle=0,
            item=item,
            respondents=6,
            total=18,
            total_squares=54,
        )
        for team in teams
        for item in items
    )


def test_services_come_25_a_page_keeping_the_filters(sign_in, commissioner, version):
    summarise_services(version, 30)
    client = sign_in(commissioner)

    first = client.get(national_url(component="C", sort="service", order="desc"))
    second = client.get(national_url(component="C", sort="service", order="desc", page=2))

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert row_names(second)[-1] == "Service 000"
    assert "component=C&amp;sort=service&amp;order=desc&amp;page=2" in first.content.decode()


def queries_for(client, version: FrameworkVersion, services_count: int) -> int:
    summarise_services(version, services_count)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(national_url())
    assert response.status_code == 200
    ItemSummary.objects.all().delete()
    return len(queries)


def test_query_count_is_the_same_for_3_and_30_services(
    sign_in, commissioner, version, django_assert_max_num_queries
):
    client = sign_in(commissioner)
    client.get(national_url())  # the session and permissions read once

    three = queries_for(client, version, 3)
    Service.objects.all().delete()
    thirty = queries_for(client, version, 30)

    assert three == thirty
    # Session, user, the user's and their groups' permissions, frameworks, versions, latest
    # cycle, statements, the summaries' aggregate, services: measured 10.
    with django_assert_max_num_queries(10):
        client.get(national_url(component="O"))


def test_defaults_to_the_newest_version_and_its_latest_cycle(sign_in, commissioner, version):
    newer = build_version(version.framework)
    avon = service_named("Avon", version)
    summarise(avon, version, respondents=6, rating=1)
    summarise(avon, newer, respondents=6, rating=5, cycle=0)
    summarise(avon, newer, respondents=6, rating=3, cycle=1)

    table = sign_in(commissioner).get(national_url()).context["table"]

    assert (table.version, table.cycle) == (newer, 1)
    assert table.rows[0].figures[0].mean_need == 50.0


def test_an_older_version_and_cycle_can_be_chosen(sign_in, commissioner, version):
    newer = build_version(version.framework)
    avon = service_named("Avon", version)
    summarise(avon, version, respondents=6, rating=1)
    summarise(avon, newer, respondents=6, rating=5)

    table = (
        sign_in(commissioner)
        .get(national_url(framework=version.framework.slug, version=version.number, cycle=0))
        .context["table"]
    )

    assert table.version == version
    assert table.rows[0].figures[0].mean_need == 100.0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cycle": "soon"}, "cycle"),
        ({"framework": "nope"}, "framework"),
        ({"version": "99"}, "version"),
        ({"component": "Z"}, "component"),
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_with_a_message(
    sign_in, commissioner, version, params, field
):
    response = sign_in(commissioner).get(national_url(**params))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="invalid-feedback"' in response.content.decode()


# Who may open it


def test_service_lead_without_the_permission_is_refused(sign_in, lead, version):
    response = sign_in(lead).get(national_url())

    assert response.status_code == 403
    assert "commissioners" in response.content.decode()


def test_staff_without_the_permission_is_refused(sign_in):
    response = sign_in(factories.UserFactory(is_staff=True)).get(national_url())

    assert response.status_code == 403


def test_a_group_can_give_the_permission(sign_in, version):
    from django.contrib.auth.models import Group

    commissioners = Group.objects.create(name="Commissioners")
    commissioners.permissions.add(Permission.objects.get(codename="view_national_aggregates"))
    person = factories.UserFactory()
    person.groups.add(commissioners)

    assert sign_in(person).get(national_url()).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(national_url())

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
