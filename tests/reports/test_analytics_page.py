"""The analytics page as a service lead uses it: only their own service, a GET filter that
re-renders bad input with its message, a chart with its table, and a query count that does not
grow with the number of teams."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from reports.analytics import AnalyticsFilter, service_analytics
from tests import factories
from tests.reports.test_analytics import published, scored, therapists

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(service):
    found = published()
    service.framework = found.framework
    service.save()
    return found


def page_url(service) -> str:
    return reverse("reports:analytics", args=[service.slug])


def test_lead_sees_the_trend_chart_and_its_table(sign_in, lead, service, team, version):
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"C": 3, "O": 2, "M": 4})
    response = sign_in(lead).get(page_url(service))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body
    assert "Mean rating per COM-B component and cycle" in body


def test_lead_of_another_service_gets_404(sign_in, service, version):
    other_lead = factories.UserFactory()
    factories.MembershipFactory(
        user=other_lead, service=factories.ServiceFactory(), team=None, role=Role.SERVICE_LEAD
    )
    assert sign_in(other_lead).get(page_url(service)).status_code == 404


def test_therapist_of_the_service_gets_404(sign_in, therapist, service, version):
    assert sign_in(therapist).get(page_url(service)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, service, version):
    response = client.get(page_url(service))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_cycles_in_the_wrong_order_are_refused_with_a_message(sign_in, lead, service, version):
    response = sign_in(lead).get(page_url(service), {"first_cycle": "3", "last_cycle": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert "The last cycle must not come before the first." in body
    assert 'value="3"' in body  # what was typed stays


def test_a_cycle_that_is_not_a_number_is_refused(sign_in, lead, service, version):
    response = sign_in(lead).get(page_url(service), {"later_cycle": "soon"})
    assert response.status_code == 200
    assert "later_cycle" in response.context["form"].errors


def test_a_team_of_another_service_is_refused(sign_in, lead, service, version):
    elsewhere = factories.TeamFactory()
    response = sign_in(lead).get(page_url(service), {"team": elsewhere.pk})
    assert "team" in response.context["form"].errors


def test_a_service_without_a_framework_says_so(sign_in, lead, service):
    response = sign_in(lead).get(page_url(service))
    assert "has not chosen a framework yet" in response.content.decode()


def test_page_has_no_inline_style_or_script(sign_in, lead, service, team, version):
    for person in therapists(team, 5):
        scored(person, team, version, 0, {"C": 3})
    body = sign_in(lead).get(page_url(service)).content.decode()
    assert "style=" not in body
    assert "<script>" not in body


def build_service(service, version, teams: int) -> None:
    for _ in range(teams):
        team = factories.TeamFactory(service=service)
        person = factories.therapist(team=team)
        scored(person, team, version, 0, {"C": 3, "O": 3, "M": 3})
        scored(person, team, version, 1, {"C": 4, "O": 3, "M": 3})


# Measured, the same for 3 and 30 teams: the signed-in user (1), the lead's service with its
# framework (1), the nine reads (`READ_QUERIES`), the form's version and team choices (2), and
# the base template's navigation (3).
PAGE_QUERIES = 16


@pytest.mark.parametrize("teams", [3, 30])
def test_page_queries_do_not_grow_with_teams(
    sign_in, lead, service, version, teams, django_assert_max_num_queries
):
    build_service(service, version, teams)
    client = sign_in(lead)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(page_url(service), {"team": "", "later_cycle": "1"})
    assert response.status_code == 200


# The reads alone: trend, pairs, reliability, teams, memberships, assessments, hours (2), CPD.
READ_QUERIES = 9


@pytest.mark.parametrize("teams", [3, 30])
def test_reads_take_nine_queries_whatever_the_number_of_teams(
    service, version, teams, django_assert_num_queries
):
    build_service(service, version, teams)
    with django_assert_num_queries(READ_QUERIES):
        service_analytics(service, AnalyticsFilter())


def test_a_team_that_would_give_away_a_small_one_says_it_is_hidden(
    sign_in, lead, service, team, version
):
    small = factories.TeamFactory(service=service)
    for person in therapists(team, 6):
        scored(person, team, version, 0, {"C": 3})
    for person in therapists(small, 2):
        scored(person, small, version, 0, {"C": 1})
    response = sign_in(lead).get(page_url(service), {"team": team.pk})
    assert "hidden: it would give away a smaller group" in response.content.decode()
