"""The action list's pages as people use them: the lead's list and forms, a therapist's named
suggestion, and the section on the lead's service overview."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from service_actions import queries, services
from service_actions.models import ServiceAction
from tests import factories

from .conftest import K, lead_of

Status = ServiceAction.Status


def list_url(service) -> str:
    return reverse("service_actions:action_list", args=[service.slug])


def new_url(service) -> str:
    return reverse("service_actions:action_new", args=[service.slug])


def edit_url(action) -> str:
    return reverse("service_actions:action_edit", args=[action.service.slug, action.pk])


SUGGEST = reverse("service_actions:suggest")


def an_action(service, lead, **fields) -> ServiceAction:
    values = {"title": "Protected CPD time", "status": Status.PLANNED, **fields}
    return services.add_action(service, by=lead, token=uuid.uuid4(), **values)[0]


def a_suggestion(service, therapist, title="A fortnightly peer group") -> ServiceAction:
    return services.suggest_action(therapist, service, title=title, token=uuid.uuid4())[0]


def new_form(**fields) -> dict[str, str]:
    return {
        "title": "Peer consultation group",
        "status": "planned",
        "token": str(uuid.uuid4()),
    } | fields


# The lead's list


def test_lead_sees_a_reported_barrier_as_a_count_across_therapists(sign_in, lead, service, rate):
    rate(K, {"O3": 1})
    rate(K, {"O3": 5})
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Reported as a barrier by 5 of 10 therapists")
    assertContains(response, f"{new_url(service)}?item=O3")


def test_lead_sees_most_of_instead_of_a_count_nearly_everyone_reports(sign_in, lead, service, rate):
    rate(9, {"O3": 1})
    rate(K - 1, {"O3": 5})
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "most of the 13 therapists who rated it")
    assertNotContains(response, "9 of 13")


def test_lead_sees_a_suggestion_with_the_therapists_name(sign_in, lead, service, therapist):
    a_suggestion(service, therapist)
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "A fortnightly peer group")
    assertContains(response, f"From {therapist.get_full_name()}")


def test_empty_list_says_so_in_each_part(sign_in, lead, service):
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "No Opportunity barrier is reported by enough therapists")
    assertContains(response, "No suggestions waiting")
    assertContains(response, "No actions yet")


@pytest.mark.parametrize("page", ["action_list", "action_new"])
def test_lead_of_another_service_gets_not_found(sign_in, service, other_service, page):
    url = reverse(f"service_actions:{page}", args=[service.slug])
    assert sign_in(lead_of(other_service)).get(url).status_code == 404


def test_lead_of_another_service_cannot_open_an_action(sign_in, service, other_service, lead):
    action = an_action(service, lead)
    other = lead_of(other_service)
    wrong_service = reverse("service_actions:action_edit", args=[other_service.slug, action.pk])
    assert sign_in(other).get(edit_url(action)).status_code == 404
    assert sign_in(other).get(wrong_service).status_code == 404


def test_a_therapist_cannot_open_the_leads_pages(sign_in, service, therapist, lead):
    action = an_action(service, lead)
    client = sign_in(therapist)
    codes = [
        client.get(url).status_code
        for url in (list_url(service), new_url(service), edit_url(action))
    ]
    assert codes == [404, 404, 404]


# Measured: 15 on SQLite (session, user, the service among those led, the counts of both
# paginators, the barrier counts, their statements and planned actions, roles and led services
# for the navigation, the page of actions and their statements, when each cycle started (for
# the progress; no summaries here, so no shares), the page of suggestions and theirs).
LIST_QUERIES = 15


def test_the_list_page_queries_do_not_grow_with_actions_and_suggestions(
    sign_in, lead, service, therapist, rate, django_assert_max_num_queries
):
    rate(K, {"O3": 1})
    rate(K, {"O3": 5})
    o3 = queries.statement_choices(service).get(key="O3")
    for number in range(30):
        an_action(service, lead, title=f"Action {number}", items=[o3])
        a_suggestion(service, therapist, title=f"Suggestion {number}")
    client = sign_in(lead)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(list_url(service))
    assert len(response.context["page"].object_list) == 25


# A new action


def test_plan_an_action_from_a_reported_barrier_targets_its_statement(sign_in, lead, service):
    client = sign_in(lead)
    form = client.get(f"{new_url(service)}?item=O3").context["form"]
    (o3,) = form.initial["items"]
    response = client.post(new_url(service), new_form(items=[str(o3.pk)], barrier="O3"))
    assert response.status_code == 302
    action = ServiceAction.objects.get()
    assert (action.origin, list(action.items.all())) == ("reported_barrier", [o3])


def test_a_new_action_sent_twice_is_added_once(sign_in, lead, service):
    client = sign_in(lead)
    data = new_form()
    client.post(new_url(service), data)
    response = client.post(new_url(service), data, follow=True)
    assert ServiceAction.objects.count() == 1
    assertContains(response, "already added")


def test_a_form_with_errors_comes_back_with_what_was_typed(sign_in, lead, service):
    response = sign_in(lead).post(
        new_url(service), new_form(title="", description="Half a day a month", owner="Team leads")
    )
    assertContains(response, "Write a title.")
    assertContains(response, "Half a day a month")
    assertContains(response, 'value="Team leads"')
    assert not ServiceAction.objects.exists()


def test_a_new_action_due_yesterday_is_refused_on_its_field(sign_in, lead, service):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = sign_in(lead).post(new_url(service), new_form(due_on=yesterday.isoformat()))
    assertContains(response, "cannot be due earlier")
    assert not ServiceAction.objects.exists()


def test_a_form_without_its_token_adds_nothing(sign_in, lead, service):
    response = sign_in(lead).post(new_url(service), new_form(token="not-a-token"))
    assertContains(response, "This form was incomplete")
    assert not ServiceAction.objects.exists()


# Changing an action


def test_a_change_that_omits_fields_does_not_blank_them(sign_in, lead, service):
    o3 = queries.statement_choices(service).get(key="O3")
    action = an_action(service, lead, description="Fridays", owner="Team managers", items=[o3])
    response = sign_in(lead).post(edit_url(action), {"status": "in_progress"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.description, action.owner, action.status) == (
        "Protected CPD time",
        "Fridays",
        "Team managers",
        "in_progress",
    )
    assert list(action.items.all()) == [o3]


def test_a_change_sent_with_an_empty_title_is_refused(sign_in, lead, service):
    action = an_action(service, lead)
    response = sign_in(lead).post(edit_url(action), {"title": "", "items_sent": "1"})
    assertContains(response, "Write a title.")
    action.refresh_from_db()
    assert action.title == "Protected CPD time"


def test_lead_takes_up_a_suggestion(sign_in, lead, service, therapist):
    suggestion = a_suggestion(service, therapist)
    response = sign_in(lead).post(edit_url(suggestion), {"decision": "take_up"}, follow=True)
    assertContains(response, "Taken up")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PLANNED


def test_lead_drops_a_suggestion(sign_in, lead, service, therapist):
    suggestion = a_suggestion(service, therapist)
    sign_in(lead).post(edit_url(suggestion), {"decision": "drop"})
    suggestion.refresh_from_db()
    assert suggestion.status == Status.DROPPED


def test_an_unknown_decision_changes_nothing(sign_in, lead, service, therapist):
    suggestion = a_suggestion(service, therapist)
    response = sign_in(lead).post(edit_url(suggestion), {"decision": "delete"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.SUGGESTED


# A therapist's suggestion


def test_suggestion_page_tells_the_therapist_the_lead_sees_their_name(sign_in, therapist):
    assertContains(sign_in(therapist).get(SUGGEST), "Your lead sees your name")


def test_a_therapists_suggestion_reaches_the_lead_with_their_name(
    sign_in, client, therapist, service, lead
):
    sent = sign_in(therapist).post(
        SUGGEST,
        {"service": str(service.pk), "title": "Group supervision slot", "token": str(uuid.uuid4())},
        follow=True,
    )
    assertContains(sent, "Sent to your service lead")
    assertContains(sent, "Waiting for your lead")
    client.logout()
    response = sign_in(lead).get(list_url(service))
    assertContains(response, "Group supervision slot")
    assertContains(response, f"From {therapist.get_full_name()}")


def test_a_suggestion_sent_twice_is_sent_once(sign_in, therapist, service):
    client = sign_in(therapist)
    data = {"service": str(service.pk), "title": "Peer group", "token": str(uuid.uuid4())}
    client.post(SUGGEST, data)
    client.post(SUGGEST, data)
    assert ServiceAction.objects.count() == 1


def test_a_suggestion_to_another_service_is_refused(sign_in, therapist, other_service):
    data = {"service": str(other_service.pk), "title": "Peer group", "token": str(uuid.uuid4())}
    response = sign_in(therapist).post(SUGGEST, data)
    assert response.status_code == 200
    assert not ServiceAction.objects.exists()


def test_a_lead_who_is_not_a_therapist_cannot_open_the_suggestion_page(sign_in, lead):
    assert sign_in(lead).get(SUGGEST).status_code == 403


# The lead's service overview


def test_service_overview_shows_the_action_list_section(sign_in, lead, service, rate, therapist):
    rate(K, {"O3": 1})
    rate(K, {"O3": 5})
    a_suggestion(service, therapist)
    response = sign_in(lead).get(reverse("accounts:service_overview", args=[service.slug]))
    assertContains(response, "Service action list")
    assertContains(response, "0 actions under way and 1 suggestion from therapists")
    assertContains(response, "5 of 10 therapists")
    assertContains(response, list_url(service))


def overview_queries(client, service) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert (
            client.get(reverse("accounts:service_overview", args=[service.slug])).status_code == 200
        )
    return len(captured)


def test_service_overview_queries_are_the_same_for_3_and_12_therapists(
    sign_in, lead, service, rate, settings
):
    settings.SMALL_GROUP_MIN = 3
    client = sign_in(lead)
    rate(3, {"O3": 1, "O6": 1})
    an_action(service, lead)
    few = overview_queries(client, service)
    rate(9, {"O3": 1, "O6": 1}, team=factories.TeamFactory(service=service))
    for number in range(5):
        an_action(service, lead, title=f"Action {number}")
    assert overview_queries(client, service) == few


# Hostile input: refused with the form shown again, nothing written, never a server error

HOSTILE = [
    {"items": ["99999999999999999999999"]},
    {"items": ["-1", "abc"]},
    {"due_on": "31/02/2027"},
    {"status": "suggested"},
    {"status": "archived"},
    {"title": "x" * 5000},
    {"token": ""},
    {"barrier": "O3" * 50},
]


@pytest.mark.parametrize("fields", HOSTILE)
def test_hostile_new_action_is_refused_and_writes_nothing(sign_in, lead, service, fields):
    response = sign_in(lead).post(new_url(service), new_form(**fields))
    assert response.status_code == 200
    assert not ServiceAction.objects.exists()


@pytest.mark.parametrize("fields", [*HOSTILE[:6], {"decision": ""}, {"decision": "x" * 500}])
def test_hostile_change_leaves_the_action_as_it_was(sign_in, lead, service, fields):
    action = an_action(service, lead, description="Fridays")
    response = sign_in(lead).post(edit_url(action), {"items_sent": "1", **fields})
    assert response.status_code in (200, 302)
    action.refresh_from_db()
    assert (action.title, action.status, action.description) == (
        "Protected CPD time",
        "planned",
        "Fridays",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"service": "abc"},
        {"service": "99999999999999999999999"},
        {"items": ["99999999999999999999999"]},
        {"title": ""},
        {"token": "nope"},
    ],
)
def test_hostile_suggestion_is_refused_and_writes_nothing(sign_in, therapist, service, fields):
    data = {"service": str(service.pk), "title": "Peer group", "token": str(uuid.uuid4())}
    response = sign_in(therapist).post(SUGGEST, data | fields)
    assert response.status_code == 200
    assert not ServiceAction.objects.exists()
