"""'Your data': a signed-in person downloads their own data (JSON and CSV in one zip), and the
download is recorded in the access record."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:my_data")
DOWNLOAD = reverse("accounts:my_data_download")


def download(client) -> zipfile.ZipFile:
    response = client.post(DOWNLOAD)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def exported(archive: zipfile.ZipFile) -> dict:
    return json.loads(archive.read("data.json"))["models"]


def test_my_training_links_to_your_data(sign_in, therapist):
    page = sign_in(therapist).get(reverse("assessments:my_training"))
    assert PAGE.encode() in page.content


def test_your_data_page_says_what_the_download_holds(sign_in, therapist):
    page = sign_in(therapist).get(PAGE)
    assert page.status_code == 200
    assert b"Download my data" in page.content
    assert b"Your roles in services and teams" in page.content


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.post(DOWNLOAD)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_download_is_an_attachment_never_stored(sign_in, therapist):
    response = sign_in(therapist).post(DOWNLOAD)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store"


def test_download_cannot_be_fetched_by_a_link(sign_in, therapist):
    assert sign_in(therapist).get(DOWNLOAD).status_code == 405


def test_download_holds_account_memberships_and_supervision(sign_in, therapist, supervisor):
    data = exported(download(sign_in(therapist)))
    assert data["accounts.user"][0]["email"] == therapist.email
    assert [row["role"] for row in data["accounts.membership"]] == ["therapist"]
    [relationship] = data["accounts.supervisionrelationship"]
    assert relationship["supervisor__last_name"] == supervisor.last_name


def test_download_holds_ratings_and_comments_as_json_and_csv(sign_in, therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    rating = assessment.ratings.select_related("item").first()
    rating.comment = "My own note"
    rating.save()
    archive = download(sign_in(therapist))
    ratings = exported(archive)["assessments.itemrating"]
    assert len(ratings) == assessment.ratings.count()
    assert {"item__key": rating.item.key, "comment": "My own note"}.items() <= next(
        row for row in ratings if row["id"] == rating.pk
    ).items()
    rows = list(csv.DictReader(io.StringIO(archive.read("assessments.itemrating.csv").decode())))
    assert "My own note" in {row["comment"] for row in rows}


def test_download_never_holds_the_password(sign_in, therapist):
    data = exported(download(sign_in(therapist)))
    assert "password" not in data["accounts.user"][0]


def test_download_holds_nobody_elses_data(sign_in, therapist, team):
    colleague = factories.therapist(team=team)
    data = exported(download(sign_in(therapist)))
    assert [row["id"] for row in data["accounts.user"]] == [therapist.pk]
    assert colleague.email not in json.dumps(data)


def test_download_is_recorded_in_the_access_record(sign_in, therapist):
    sign_in(therapist).post(DOWNLOAD)
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (
        therapist,
        therapist,
        AuditEvent.Action.EXPORTED_DATA,
    )
