"""A therapist keeps their supervision log on the site: the empty log, the entry form, a draft
saved from it and shown in the log; each page axe clean at desktop and phone widths."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from supervision.models import SupervisionSession
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_therapist_logs_a_supervision_session_as_a_draft(
    live_server, page, demo_site, assert_accessible
):
    journeys.sign_in(page, live_server, "therapist01")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervision log")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Log a supervision session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a supervision session")
    check_page(page, assert_accessible)

    held_on = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Date").fill(held_on.isoformat())
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Individual").check()
    page.get_by_label("In person").check()
    page.get_by_label("External supervisor's name").fill("Dr A. Outside")
    page.get_by_role("button", name="Save as a draft").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervision log")
    check_page(page, assert_accessible)
    entry = SupervisionSession.objects.filter(supervisee__username="therapist01").latest("pk")
    assert entry.status == SupervisionSession.Status.DRAFT
    assert entry.duration_minutes == 60
