"""Writes to the action list: a form sent twice adds one action, a change touches only what it
names, statuses move as the lead decides, and bad input is refused field by field."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from service_actions import queries, services
from service_actions.models import ServiceAction
from tests import factories

Status = ServiceAction.Status


def add(service, lead, **fields):
    values = {"title": "Protected CPD time", "status": Status.PLANNED, **fields}
    return services.add_action(service, by=lead, token=uuid.uuid4(), **values)[0]


def test_the_same_form_sent_twice_adds_one_action(service, lead):
    token = uuid.uuid4()
    first, created = services.add_action(service, by=lead, token=token, title="Peer group")
    again, created_again = services.add_action(service, by=lead, token=token, title="Peer group")
    assert (again, created, created_again) == (first, True, False)
    assert ServiceAction.objects.count() == 1


def test_a_new_action_cannot_be_due_in_the_past(service, lead):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        add(service, lead, due_on=yesterday)
    assert list(refused.value.message_dict) == ["due_on"]


def test_an_nhs_number_in_the_description_is_refused(service, lead):
    with pytest.raises(ValidationError) as refused:
        add(service, lead, description="For client 943 476 5919")
    assert list(refused.value.message_dict) == ["description"]


def test_a_statement_of_another_framework_is_refused(service, lead):
    foreign = factories.FrameworkItemFactory()
    with pytest.raises(ValidationError) as refused:
        add(service, lead, items=[foreign])
    assert list(refused.value.message_dict) == ["items"]


def test_a_lead_cannot_file_an_action_as_a_waiting_suggestion(service, lead):
    with pytest.raises(ValidationError) as refused:
        add(service, lead, status=Status.SUGGESTED)
    assert list(refused.value.message_dict) == ["status"]


def test_a_change_touches_only_the_fields_it_names(service, lead):
    o3 = queries.statement_choices(service).get(key="O3")
    action = add(service, lead, description="Fridays", owner="Team managers", items=[o3])
    assert services.update_action(action, by=lead, changes={"title": "Protected time"})
    action.refresh_from_db()
    assert (action.title, action.description, action.owner) == (
        "Protected time",
        "Fridays",
        "Team managers",
    )
    assert list(action.items.all()) == [o3]


def test_a_change_is_recorded_with_who_made_it(service, lead):
    action = add(service, lead)
    services.update_action(action, by=lead, changes={"status": Status.IN_PROGRESS})
    assert action.history.first().history_user == lead


def test_a_therapists_suggestion_names_them_and_waits(service, therapist):
    suggestion, created = services.suggest_action(
        therapist, service, title="A peer group", token=uuid.uuid4()
    )
    assert created
    assert (suggestion.status, suggestion.origin, suggestion.suggested_by) == (
        Status.SUGGESTED,
        ServiceAction.Origin.THERAPIST,
        therapist,
    )


def test_a_therapist_cannot_suggest_to_a_service_they_do_not_work_in(other_service, therapist):
    with pytest.raises(ValidationError):
        services.suggest_action(therapist, other_service, title="A peer group", token=uuid.uuid4())


def test_taking_up_a_suggestion_plans_it_once(service, therapist, lead):
    suggestion, _ = services.suggest_action(therapist, service, title="A", token=uuid.uuid4())
    assert services.take_up(suggestion, by=lead)
    assert not services.take_up(suggestion, by=lead)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PLANNED


def test_dropping_a_suggestion_keeps_it_as_dropped(service, therapist, lead):
    suggestion, _ = services.suggest_action(therapist, service, title="A", token=uuid.uuid4())
    assert services.drop(suggestion, by=lead)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.suggested_by) == (Status.DROPPED, therapist)
