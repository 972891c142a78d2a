"""Evidence files for CPD activities: what an upload must be before anything is stored, and
how it is stored and removed.

A file is accepted by what it holds, never by its name: a PDF, a PNG, a JPEG or a Word document
(DOCX), recognised by their first bytes (a DOCX by the parts of its zip), up to
`settings.CPD_EVIDENCE_MAX_BYTES`. It is stored through Django's storage API under a generated
name (a random id and the extension of the type found); the name it came with is kept only as
text to show. A file leaves storage when its row is deleted, however that happens (the owner
deleting it, an activity or plan deleted, a leaver anonymised), once the deletion is committed.
"""

from __future__ import annotations

import datetime
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from accounts.validators import contains_nhs_number

from .models import CpdEvidence

NAME_LENGTH = 200
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx"}
ALLOWED_TEXT = "a PDF, a PNG or JPEG image, or a Word document (.docx)"

WRONG_TYPE = (
    f"This file is not {ALLOWED_TEXT}, whatever its name says, so it was not added. "
    "Save it as a PDF and choose it again."
)
EMPTY = "This file is empty, so it was not added."
PATH_NAME = (
    "The file's name looks like a folder path, so it was not added. Rename it and try again."
)
NHS_NAME = "The file's name contains an NHS number, so it was not added. Rename it and try again."


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks: what it is, and the name to show for it."""

    upload: Any  # an UploadedFile
    content_type: str
    display_name: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def too_large_message() -> str:
    megabytes = settings.CPD_EVIDENCE_MAX_BYTES / (1024 * 1024)
    return f"This file is larger than {megabytes:g} MB, so it was not added. Make it smaller."


def check_upload(upload: Any) -> CheckedUpload:
    """The upload's type (from its content), size and display name, or a ValidationError
    saying why it is refused. Stores nothing."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError(EMPTY, code="empty")
    if size > settings.CPD_EVIDENCE_MAX_BYTES:
        raise ValidationError(too_large_message(), code="too_large")
    name = display_name(upload.name or "")
    content_type = detect_type(upload)
    if content_type is None:
        raise ValidationError(WRONG_TYPE, code="wrong_type")
    return CheckedUpload(upload=upload, content_type=content_type, display_name=name, size=size)


def display_name(name: str) -> str:
    """The uploaded name as text to show: no control characters, no path; refused when it is a
    path, or names a patient."""
    if "/" in name or "\\" in name or name.strip() in ("", ".", ".."):
        raise ValidationError(PATH_NAME, code="path")
    shown = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if not shown or shown in (".", ".."):
        raise ValidationError(PATH_NAME, code="path")
    if contains_nhs_number(shown):
        raise ValidationError(NHS_NAME, code="nhs_number")
    if len(shown) > NAME_LENGTH:
        stem, dot, extension = shown.rpartition(".")
        keep = NAME_LENGTH - len(extension) - 1
        shown = f"{stem[:keep]}.{extension}" if dot and keep > 0 else shown[:NAME_LENGTH]
    return shown


def detect_type(upload: IO[bytes]) -> str | None:
    """The allowed type the file's content is, by its first bytes; None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and _is_docx(upload):
        return DOCX
    return None


def _is_docx(upload: IO[bytes]) -> bool:
    """A zip holding a Word document's parts (the names only are read, nothing unpacked)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return {"[Content_Types].xml", "word/document.xml"} <= names


def stored_name(checked: CheckedUpload, today: datetime.date | None = None) -> str:
    """A new name for the file in storage: the upload folder of the month, a random id and the
    extension of its type (never the name it came with)."""
    today = today or timezone.localdate()
    return f"cpd-evidence/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{checked.extension}"


def store(checked: CheckedUpload) -> str:
    """Save the file through the storage API; returns the name it was stored under."""
    checked.upload.seek(0)
    return default_storage.save(stored_name(checked), checked.upload)


def remove(name: str | None) -> None:
    """Delete a stored file (nothing when it is gone already)."""
    if name:
        default_storage.delete(name)


@receiver(post_delete, sender=CpdEvidence, dispatch_uid="cpd_evidence_file_removed")
def _remove_file(sender: type[CpdEvidence], instance: CpdEvidence, **kwargs: Any) -> None:
    """A deleted row's file leaves storage once the deletion is committed (a rolled-back
    deletion keeps it)."""
    name = instance.file.name or ""
    transaction.on_commit(lambda: remove(name))
