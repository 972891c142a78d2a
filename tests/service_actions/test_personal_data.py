"""A therapist's suggestions in their data: in their download, and their words removed when
they are anonymised as a leaver (the action stays on the service's list); a lead's involvement
ratings in their download, kept as the service's history when they leave."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from django.urls import reverse
from django.utils import timezone

from accounts import personal_data
from service_actions import services
from service_actions.models import ServiceAction


def suggest(service, therapist) -> ServiceAction:
    return services.suggest_action(
        therapist,
        service,
        title="Group supervision slot",
        description="Fortnightly",
        token=uuid.uuid4(),
    )[0]


def test_a_therapists_download_holds_their_suggestion(sign_in, therapist, service):
    suggest(service, therapist)
    response = sign_in(therapist).post(reverse("accounts:my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = json.loads(archive.read("data.json"))["models"]["service_actions.serviceaction"]
    assert [(row["title"], row["status"]) for row in rows] == [
        ("Group supervision slot", "suggested")
    ]


def test_anonymising_a_therapist_removes_the_words_of_their_suggestion(therapist, service):
    suggestion = suggest(service, therapist)
    personal_data.anonymise(therapist, by=None)
    suggestion.refresh_from_db()
    assert (suggestion.title, suggestion.description, suggestion.status) == (
        "[removed]",
        "[removed]",
        "suggested",
    )


def rate_involvement(service, lead):
    return services.record_involvement(
        service,
        by=lead,
        token=uuid.uuid4(),
        level=3,
        evidence="A steering group with patients",
        rated_on=timezone.localdate(),
    )[0]


def test_a_leads_download_holds_their_involvement_ratings(sign_in, lead, service):
    rate_involvement(service, lead)
    response = sign_in(lead).post(reverse("accounts:my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = json.loads(archive.read("data.json"))["models"]["service_actions.involvementrating"]
    assert [(row["level_name"], row["evidence"]) for row in rows] == [
        ("Participation", "A steering group with patients")
    ]


def test_anonymising_a_lead_keeps_the_services_involvement_history(lead, service):
    rating = rate_involvement(service, lead)
    personal_data.anonymise(lead, by=None)
    rating.refresh_from_db()
    assert (rating.level, rating.evidence) == (3, "A steering group with patients")
    assert str(rating.rated_by).startswith("Former member")
