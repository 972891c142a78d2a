"""The action list as the service's action plan: each action's targeted statements with the
share of therapists reporting them before the action and at the latest cycle (suppressed below
k), and the list's filters by status and origin."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from reports.summaries import rebuild_summaries
from service_actions import queries, services
from service_actions.models import ServiceAction
from tests import factories

from .conftest import K

Status = ServiceAction.Status


def list_url(service, query: str = "") -> str:
    return reverse("service_actions:action_list", args=[service.slug]) + query


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def cycle(team, published_version):
    """`cycle(therapists, reporting, number, days)`: each therapist submits the given cycle
    `days` ago, the first `reporting` of them rating O3 as a barrier (1), the others 5."""

    def submitted(therapists, reporting: int, number: int, days: int) -> None:
        for index, therapist in enumerate(therapists):
            value = 1 if index < reporting else 5
            factories.submitted_assessment(
                therapist,
                published_version,
                {"O3": value},
                cycle=number,
                submitted_at=days_ago(days),
            )
        rebuild_summaries()

    return submitted


@pytest.fixture
def therapists(team):
    return [factories.therapist(team=team) for _ in range(K)]


def an_action(service, lead, *, created_days_ago: int, **fields) -> ServiceAction:
    o3 = queries.statement_choices(service).get(key="O3")
    values = {"title": "Protected CPD time", "status": Status.PLANNED, **fields}
    action = services.add_action(service, by=lead, token=uuid.uuid4(), items=[o3], **values)[0]
    ServiceAction.objects.filter(pk=action.pk).update(created_at=days_ago(created_days_ago))
    return action


def test_lead_sees_the_share_reporting_a_statement_before_the_action_and_now(
    sign_in, lead, service, therapists, cycle
):
    cycle(therapists, reporting=3, number=0, days=100)
    an_action(service, lead, created_days_ago=50)
    cycle(therapists, reporting=1, number=1, days=10)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Before: 60% of 5 therapists report it (cycle 0, baseline)")
    assertContains(response, "Now: 20% of 5 therapists report it (cycle 1)")


def test_a_share_over_fewer_than_k_therapists_is_not_shown(
    sign_in, lead, service, therapists, cycle
):
    cycle(therapists, reporting=3, number=0, days=100)
    an_action(service, lead, created_days_ago=50)
    cycle(therapists[: K - 1], reporting=1, number=1, days=10)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, f"Now: fewer than {K} therapists rated it, so not shown (cycle 1)")
    assertNotContains(response, "25%")


def test_a_service_that_raised_k_sees_fewer_shares(sign_in, lead, service, therapists, cycle):
    service.small_group_min = K + 1
    service.save()
    cycle(therapists, reporting=3, number=0, days=100)
    an_action(service, lead, created_days_ago=50)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, f"fewer than {K + 1} therapists rated it, so not shown")
    assertNotContains(response, "60%")


def test_an_action_added_after_the_latest_cycle_says_no_later_cycle_yet(
    sign_in, lead, service, therapists, cycle
):
    cycle(therapists, reporting=3, number=0, days=100)
    an_action(service, lead, created_days_ago=50)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Before: 60% of 5 therapists report it (cycle 0, baseline)")
    assertContains(response, "Now: no later cycle yet.")


def test_an_action_added_before_any_assessment_has_no_before(
    sign_in, lead, service, therapists, cycle
):
    an_action(service, lead, created_days_ago=200)
    cycle(therapists, reporting=3, number=0, days=100)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Before: no cycle had data when the action was added")
    assertContains(response, "Now: 60% of 5 therapists report it (cycle 0, baseline)")


def test_before_is_the_latest_cycle_that_had_data_when_the_action_was_added(
    sign_in, lead, service, therapists, cycle
):
    cycle(therapists, reporting=5, number=0, days=300)
    cycle(therapists, reporting=3, number=1, days=200)
    an_action(service, lead, created_days_ago=150)
    cycle(therapists, reporting=0, number=2, days=10)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Before: 60% of 5 therapists report it (cycle 1)")
    assertContains(response, "Now: 0% of 5 therapists report it (cycle 2)")


def test_another_services_assessments_do_not_count(
    sign_in, lead, service, other_service, therapists, cycle, published_version
):
    cycle(therapists, reporting=3, number=0, days=100)
    an_action(service, lead, created_days_ago=50)
    elsewhere = factories.TeamFactory(service=other_service)
    for _ in range(K):
        factories.submitted_assessment(
            factories.therapist(team=elsewhere), published_version, {"O3": 1}, cycle=1
        )
    rebuild_summaries()
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Now: no later cycle yet.")


# Filters


def test_lead_filters_the_actions_by_status(sign_in, lead, service):
    an_action(service, lead, created_days_ago=1, title="Under way", status=Status.IN_PROGRESS)
    an_action(service, lead, created_days_ago=1, title="Finished", status=Status.DONE)
    response = sign_in(lead).get(list_url(service, "?status=done"))
    assert [action.title for action in response.context["page"]] == ["Finished"]
    assertContains(response, "Show all actions")


def test_lead_filters_the_actions_by_origin(sign_in, lead, service, therapist):
    an_action(service, lead, created_days_ago=1, title="The lead's own")
    suggestion = services.suggest_action(
        therapist, service, title="Peer group", token=uuid.uuid4()
    )[0]
    services.take_up(suggestion, by=lead)
    response = sign_in(lead).get(list_url(service, "?origin=therapist"))
    assert [action.title for action in response.context["page"]] == ["Peer group"]


def test_a_filter_matching_nothing_says_so(sign_in, lead, service):
    an_action(service, lead, created_days_ago=1)
    response = sign_in(lead).get(list_url(service, "?status=dropped"))
    assertContains(response, "No actions match these filters.")


@pytest.mark.parametrize("query", ["?status=archived", "?origin=x&status=", "?status=suggested"])
def test_an_unknown_filter_is_named_and_the_whole_list_shown(sign_in, lead, service, query):
    an_action(service, lead, created_days_ago=1)
    response = sign_in(lead).get(list_url(service, query))
    assert response.status_code == 200
    assertContains(response, "from the list.")
    assert len(response.context["page"].object_list) == 1


def test_the_pages_of_a_filtered_list_keep_the_filter(sign_in, lead, service):
    for number in range(26):
        an_action(service, lead, created_days_ago=1, title=f"Action {number}", status=Status.DONE)
    response = sign_in(lead).get(list_url(service, "?status=done"))
    assertContains(response, "?status=done&amp;page=2")


# Query counts

# Measured: 16 on SQLite, the list page's 14 (test_views.LIST_QUERIES) and the progress's
# two (when each cycle started, and the shares of the page's statements per cycle).
PROGRESS_LIST_QUERIES = 16


def test_the_plan_queries_do_not_grow_with_actions_cycles_and_therapists(
    sign_in, lead, service, therapists, cycle, django_assert_max_num_queries
):
    cycle(therapists, reporting=3, number=0, days=300)
    statements = list(queries.statement_choices(service)[:4])
    for number in range(30):
        action = services.add_action(
            service,
            by=lead,
            token=uuid.uuid4(),
            items=statements,
            title=f"Action {number}",
            status=Status.PLANNED,
        )[0]
        ServiceAction.objects.filter(pk=action.pk).update(created_at=days_ago(number * 5))
    more = [*therapists, factories.therapist(team=therapists[0].memberships.get().team)]
    cycle(more, reporting=2, number=1, days=100)
    cycle(more, reporting=1, number=2, days=10)
    client = sign_in(lead)
    with django_assert_max_num_queries(PROGRESS_LIST_QUERIES):
        response = client.get(list_url(service, "?status=planned&origin=lead"))
    assert len(response.context["rows"]) == 25
