"""Evidence files of CPD activities: accepted by content only, stored under a generated name,
refused (with nothing stored) when disguised, too large, empty or named like a path; downloaded
by the owner and their current supervisor only; deleted by the owner; gone with a leaver."""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.personal_data import anonymise, export_archive
from cpd import activities, evidence, services
from cpd.models import ActivityType, CpdActivity, CpdEvidence
from tests import factories

pytestmark = pytest.mark.django_db

NEW = reverse("cpd:activity_new")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
SCRIPT_BYTES = b"#!/bin/sh\nrm -rf /\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "token": str(uuid.uuid4()),
        "type": ActivityType.WORKSHOP,
        "title": "Imagery rescripting workshop",
        "done_on": timezone.localdate().isoformat(),
        "hours": "6",
        "learned": "How to rescript an intrusive image.",
        "application": "With clients with PTSD.",
    }
    return data | changes


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload(sign_in, therapist, name: str, content: bytes):
    return sign_in(therapist).post(NEW, form_data(evidence=SimpleUploadedFile(name, content)))


def evidence_of(therapist, content: bytes = PDF_BYTES, name: str = "certificate.pdf"):
    plan = services.current_plan(therapist)
    activity = CpdActivity.objects.create(
        plan=plan,
        type=ActivityType.READING,
        title="Reading",
        done_on=timezone.localdate(),
        hours=Decimal("1"),
    )
    checked = evidence.check_upload(SimpleUploadedFile(name, content))
    activities.update_activity(activity, by=therapist, changes={}, files=[checked])
    return activity.evidence.get()


# Accepted


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("certificate.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("photo.png", PNG_BYTES, "image/png", ".png"),
        ("scan.jpeg", JPEG_BYTES, "image/jpeg", ".jpg"),
        ("notes.docx", docx_bytes(), evidence.DOCX, ".docx"),
    ],
)
def test_an_allowed_file_is_stored_under_a_generated_name(
    sign_in, therapist, media, name, content, content_type, extension
):
    upload(sign_in, therapist, name, content)
    item = CpdEvidence.objects.get()
    assert item.content_type == content_type
    assert item.original_name == name
    assert item.file.name.startswith("cpd-evidence/")
    assert item.file.name.endswith(extension)
    assert Path(item.file.name).stem != Path(name).stem
    assert (media / item.file.name).read_bytes() == content


def test_the_type_comes_from_the_content_not_the_name(sign_in, therapist):
    upload(sign_in, therapist, "certificate.txt", PDF_BYTES)
    item = CpdEvidence.objects.get()
    assert item.content_type == "application/pdf"
    assert item.file.name.endswith(".pdf")


# Refused, with nothing stored


@pytest.mark.parametrize(
    ("name", "content"),
    [("certificate.pdf", PNG_BYTES[:3] + b"not"), ("certificate.pdf", SCRIPT_BYTES)],
)
def test_a_file_disguised_by_its_name_is_refused(sign_in, therapist, media, name, content):
    page = upload(sign_in, therapist, name, content)
    assert "whatever its name says" in page.content.decode()
    assert not CpdActivity.objects.exists()
    assert not CpdEvidence.objects.exists()
    assert stored_files(media) == []


def test_a_zip_that_is_not_a_word_document_is_refused(sign_in, therapist, media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.sh", "rm -rf /")
    page = upload(sign_in, therapist, "notes.docx", buffer.getvalue())
    assert "whatever its name says" in page.content.decode()
    assert stored_files(media) == []


def test_a_file_too_large_is_refused(sign_in, therapist, media, settings):
    settings.CPD_EVIDENCE_MAX_BYTES = 100
    page = upload(sign_in, therapist, "big.pdf", PDF_BYTES + b"0" * 100)
    assert "larger than" in page.content.decode()
    assert not CpdActivity.objects.exists()
    assert stored_files(media) == []


def test_an_empty_file_is_refused(sign_in, therapist, media):
    page = upload(sign_in, therapist, "empty.pdf", b"")
    assert evidence.EMPTY in page.content.decode()
    assert not CpdActivity.objects.exists()
    assert stored_files(media) == []


def test_a_name_with_a_path_is_refused_by_the_check(media):
    file = SimpleUploadedFile("passwd.pdf", PDF_BYTES)
    file._name = "../../etc/passwd.pdf"  # past Django's own clean-up of the name
    with pytest.raises(ValidationError, match="folder path"):
        evidence.check_upload(file)
    assert stored_files(media) == []


def test_a_path_in_an_uploaded_name_never_reaches_storage(client, therapist, media):
    """Django keeps only the last part of a multipart file name; the file is stored under a
    generated name all the same."""
    client.force_login(therapist)
    boundary = "BoUnDaRy"
    parts = []
    for key, value in form_data().items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        )
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
            f'filename="../../etc/passwd.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + PDF_BYTES
        + f"\r\n--{boundary}--\r\n".encode()
    )
    client.post(NEW, body, content_type=f"multipart/form-data; boundary={boundary}")
    item = CpdEvidence.objects.get()
    assert item.original_name == "passwd.pdf"
    assert item.file.name.startswith("cpd-evidence/")
    assert all(path.is_relative_to(media / "cpd-evidence") for path in stored_files(media))


def test_control_characters_leave_the_shown_name():
    assert evidence.display_name("cert\x00ifi\x1bcate.pdf") == "certificate.pdf"


def test_an_nhs_number_in_a_file_name_is_refused(sign_in, therapist, media):
    page = upload(sign_in, therapist, "9434765919.pdf", PDF_BYTES)
    assert "contains an NHS number" in page.content.decode()
    assert stored_files(media) == []


def test_a_file_whose_row_cannot_be_written_leaves_storage(therapist, media, monkeypatch):
    activity = evidence_of(therapist).activity
    checked = evidence.check_upload(SimpleUploadedFile("again.pdf", PDF_BYTES))
    monkeypatch.setattr(CpdEvidence, "save", lambda *a, **k: (_ for _ in ()).throw(RuntimeError))
    with pytest.raises(RuntimeError):
        activities.update_activity(activity, by=therapist, changes={}, files=[checked])
    assert len(stored_files(media)) == 1


# Download


def test_the_owner_downloads_their_file_as_an_attachment(sign_in, therapist):
    item = evidence_of(therapist)
    response = sign_in(therapist).get(reverse("cpd:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert "certificate.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_the_current_supervisor_downloads_the_file(sign_in, therapist, supervisor):
    item = evidence_of(therapist)
    response = sign_in(supervisor).get(reverse("cpd:evidence_download", args=[item.pk]))
    assert response.status_code == 200


def test_another_therapist_cannot_download_the_file(sign_in, therapist, team):
    item = evidence_of(therapist)
    other = factories.therapist(team=team)
    assert sign_in(other).get(reverse("cpd:evidence_download", args=[item.pk])).status_code == 404


def test_a_former_supervisor_cannot_download_the_file(sign_in, therapist, team):
    item = evidence_of(therapist)
    former = factories.supervisor(service=team.service, team=team)
    today = timezone.localdate()
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=today.replace(year=today.year - 1),
        ends_on=today - datetime.timedelta(days=1),
    )
    assert sign_in(former).get(reverse("cpd:evidence_download", args=[item.pk])).status_code == 404


def test_a_service_lead_cannot_download_the_file(sign_in, therapist, lead):
    item = evidence_of(therapist)
    assert sign_in(lead).get(reverse("cpd:evidence_download", args=[item.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, therapist):
    item = evidence_of(therapist)
    response = client.get(reverse("cpd:evidence_download", args=[item.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# Delete


def test_the_owner_deletes_a_file_and_its_row(
    sign_in, therapist, media, django_capture_on_commit_callbacks
):
    item = evidence_of(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(therapist).post(reverse("cpd:evidence_delete", args=[item.pk]))
    assert response.status_code == 302
    assert not CpdEvidence.objects.exists()
    assert stored_files(media) == []


def test_a_supervisor_cannot_delete_the_file(sign_in, therapist, supervisor, media):
    item = evidence_of(therapist)
    response = sign_in(supervisor).post(reverse("cpd:evidence_delete", args=[item.pk]))
    assert response.status_code == 404
    assert CpdEvidence.objects.exists()
    assert len(stored_files(media)) == 1


# Personal data


def test_the_data_export_lists_the_evidence_files(therapist):
    evidence_of(therapist)
    with zipfile.ZipFile(io.BytesIO(export_archive(therapist))) as archive:
        assert "certificate.pdf" in archive.read("cpd.cpdevidence.csv").decode()


def test_the_data_export_holds_the_evidence_files_themselves(therapist):
    evidence = evidence_of(therapist)
    with zipfile.ZipFile(io.BytesIO(export_archive(therapist))) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("files/cpd.cpdevidence/")]
        with evidence.file.open("rb") as stored:
            assert archive.read(name) == stored.read()


def test_anonymising_a_leaver_removes_their_evidence_files(
    therapist, media, django_capture_on_commit_callbacks
):
    evidence_of(therapist)
    admin = factories.UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        anonymise(therapist, by=admin)
    assert not CpdEvidence.objects.exists()
    assert stored_files(media) == []


def test_an_activity_of_a_leaver_keeps_its_type_and_hours(therapist):
    activity = evidence_of(therapist).activity
    anonymise(therapist, by=factories.UserFactory(is_staff=True))
    activity.refresh_from_db()
    assert activity.title == "[removed]"
    assert activity.hours == Decimal("1")


def test_a_supervisor_downloading_evidence_is_recorded(client, therapist, supervisor):
    evidence = evidence_of(therapist)
    client.force_login(supervisor)
    response = client.get(reverse("cpd:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(actor=supervisor, subject=therapist)
    assert event.action == AuditEvent.Action.OPENED_CPD
