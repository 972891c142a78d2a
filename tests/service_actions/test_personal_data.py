"""A therapist's suggestions in their data: in their download, and their words removed when
they are anonymised as a leaver (the action stays on the service's list)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from django.urls import reverse

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
