"""A therapist takes their data away: from My training to "Your data", then a zip archive
holding data.json and a CSV per kind of record, with the page axe clean at both widths."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import AuditEvent
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_therapist_downloads_their_data_as_json_and_csv_in_one_archive(
    live_server, page, demo_site, assert_accessible
):
    journeys.sign_in(page, live_server, "therapist01")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")

    page.get_by_role("link", name="Your data: see what is held about you and download it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    check_page(page, assert_accessible)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    archive = zipfile.ZipFile(download.path())
    names = archive.namelist()
    assert "data.json" in names
    assert any(name.endswith(".csv") for name in names)
    data = json.loads(archive.read("data.json"))
    assert "therapist01" in json.dumps(data)
    assert AuditEvent.objects.filter(
        subject__username="therapist01", action=AuditEvent.Action.EXPORTED_DATA
    ).exists()
