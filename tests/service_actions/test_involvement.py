"""The service on the patient-involvement continuum (seed 004): its lead records a level with
evidence and a date, sees the current level and the history, and plans the next level's
examples as actions. Nobody else opens the page."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from service_actions import services
from service_actions.models import InvolvementRating

from .conftest import lead_of


def involvement_url(service) -> str:
    return reverse("service_actions:involvement", args=[service.slug])


def a_rating(**fields) -> dict[str, str]:
    return {
        "level": "2",
        "evidence": "Focus groups twice a year",
        "rated_on": timezone.localdate().isoformat(),
        "token": str(uuid.uuid4()),
    } | fields


def rated(service, lead, level: int, days_ago: int, evidence: str = "Minutes") -> None:
    services.record_involvement(
        service,
        by=lead,
        token=uuid.uuid4(),
        level=level,
        evidence=evidence,
        rated_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def test_a_service_not_rated_yet_is_offered_the_first_levels_examples(sign_in, lead, service):
    response = sign_in(lead).get(involvement_url(service))
    assertContains(response, "Not rated yet")
    assertContains(response, "Level 1, <strong>Information</strong>")
    assertContains(response, "Provision of leaflets and open days")


def test_lead_records_a_rating_and_sees_it_as_the_current_level(sign_in, lead, service):
    response = sign_in(lead).post(involvement_url(service), a_rating(), follow=True)
    assertContains(response, "Recorded: Consultation.")
    assertContains(response, "Level 2 of 5, <strong>Consultation</strong>")
    rating = InvolvementRating.objects.get()
    assert (rating.level, rating.level_name, rating.rated_by) == (2, "Consultation", lead)


def test_the_next_levels_examples_are_offered_as_actions(sign_in, lead, service):
    rated(service, lead, 2, days_ago=10)
    response = sign_in(lead).get(involvement_url(service))
    assertContains(response, "Level 3, <strong>Participation</strong>")
    assertContains(response, "Plan this as an action")
    assertNotContains(response, "Feedback forms for specific interventions and focus groups</p>")


def test_planning_an_example_opens_the_action_form_prefilled(sign_in, lead, service):
    rated(service, lead, 2, days_ago=10)
    client = sign_in(lead)
    (example, query), *_ = client.get(involvement_url(service)).context["examples"]
    form = client.get(
        reverse("service_actions:action_new", args=[service.slug]) + "?" + query
    ).context["form"]
    assert form.initial["title"] == example
    assert form.initial["description"].startswith("Towards level 3, Participation")


def test_a_service_at_partnership_is_told_it_is_at_the_highest_level(sign_in, lead, service):
    rated(service, lead, 5, days_ago=1)
    response = sign_in(lead).get(involvement_url(service))
    assertContains(response, "at the highest level")
    assertNotContains(response, "Plan this as an action")


def test_the_current_level_is_the_latest_by_date_not_by_entry(sign_in, lead, service):
    rated(service, lead, 3, days_ago=30)
    rated(service, lead, 1, days_ago=400)
    response = sign_in(lead).get(involvement_url(service))
    assertContains(response, "Level 3 of 5, <strong>Participation</strong>")


def test_history_is_newest_first(sign_in, lead, service):
    rated(service, lead, 3, days_ago=30, evidence="Steering group")
    rated(service, lead, 1, days_ago=400, evidence="Leaflets")
    rated(service, lead, 2, days_ago=200, evidence="Focus groups")
    response = sign_in(lead).get(involvement_url(service))
    assert [r.evidence for r in response.context["history"]] == [
        "Steering group",
        "Focus groups",
        "Leaflets",
    ]


def test_history_is_shown_in_pages(sign_in, lead, service):
    for days in range(26):
        rated(service, lead, 2, days_ago=days)
    response = sign_in(lead).get(involvement_url(service))
    assert len(response.context["history"].object_list) == 25
    assertContains(response, "Page 1 of 2")


# Who opens it


def test_lead_of_another_service_gets_not_found(sign_in, service, other_service):
    response = sign_in(lead_of(other_service)).get(involvement_url(service))
    assert response.status_code == 404


def test_a_therapist_of_the_service_gets_not_found(sign_in, service, therapist):
    client = sign_in(therapist)
    assert client.get(involvement_url(service)).status_code == 404
    assert client.post(involvement_url(service), a_rating()).status_code == 404
    assert not InvolvementRating.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client, service):
    response = client.get(involvement_url(service))
    assert response.status_code == 302
    assert "login" in response["Location"]


# Bad input


def test_a_rating_sent_twice_is_recorded_once(sign_in, lead, service):
    client = sign_in(lead)
    data = a_rating()
    client.post(involvement_url(service), data)
    response = client.post(involvement_url(service), data, follow=True)
    assert InvolvementRating.objects.count() == 1
    assertContains(response, "already recorded")


def test_a_rating_in_the_future_is_refused_with_what_was_typed(sign_in, lead, service):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = sign_in(lead).post(involvement_url(service), a_rating(rated_on=tomorrow.isoformat()))
    assertContains(response, "Give today&#x27;s date or an earlier one")
    assertContains(response, "Focus groups twice a year")
    assert not InvolvementRating.objects.exists()


def test_evidence_with_an_nhs_number_is_refused(sign_in, lead, service):
    response = sign_in(lead).post(
        involvement_url(service), a_rating(evidence="Patient 943 476 5919 joined the group")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert not InvolvementRating.objects.exists()


def test_a_rating_without_a_level_is_refused_on_its_field(sign_in, lead, service):
    response = sign_in(lead).post(involvement_url(service), a_rating(level=""))
    assertContains(response, "Choose the level the service is at.")
    assertContains(response, 'aria-describedby="id_level_error"')
    assert not InvolvementRating.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"level": "9"},
        {"level": "abc"},
        {"level": "99999999999999999999999"},
        {"evidence": "   "},
        {"rated_on": "31/02/2026"},
        {"rated_on": ""},
        {"token": "nope"},
        {"token": ""},
    ],
)
def test_hostile_rating_is_refused_and_writes_nothing(sign_in, lead, service, fields):
    response = sign_in(lead).post(involvement_url(service), a_rating(**fields))
    assert response.status_code == 200
    assert not InvolvementRating.objects.exists()


def test_the_service_refuses_a_level_its_framework_does_not_have(lead, service):
    with pytest.raises(services.ValidationError):
        services.record_involvement(
            service,
            by=lead,
            token=uuid.uuid4(),
            level=6,
            evidence="x",
            rated_on=timezone.localdate(),
        )
    assert not InvolvementRating.objects.exists()


# Measured: 11 on SQLite (session, user, the service among those led, the levels, the
# history's count and page, the current rating, roles and led services for the navigation).
INVOLVEMENT_QUERIES = 11


def test_the_page_queries_do_not_grow_with_the_history(
    sign_in, lead, service, django_assert_max_num_queries
):
    for days in range(40):
        rated(service, lead, 1 + days % 5, days_ago=days)
    client = sign_in(lead)
    with django_assert_max_num_queries(INVOLVEMENT_QUERIES):
        response = client.get(involvement_url(service))
    assert response.status_code == 200
