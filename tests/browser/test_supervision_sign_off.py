"""Sign-off of a supervision log entry, both sides: the supervisee sends a session to their
supervisor, who finds it through the count in the navigation, returns it with a comment; the
supervisee reads the comment, replies and sends it again; the supervisor confirms it, and the
supervisee's log shows it confirmed and counted. Each new page is axe clean at desktop and
phone widths."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from supervision import queries
from supervision.models import SupervisionSession
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

MINUTES = 55


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile("Sign out")).click()


def open_log(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervision log")


def confirmed_minutes(page, month: datetime.date) -> int:
    """The "Confirmed" cell of a month's row in the log's hours table."""
    row = page.locator("tr", has=page.get_by_role("rowheader", name=f"{month:%B %Y}"))
    return int(row.locator("td").first.inner_text().removesuffix(" min"))


def test_supervisor_returns_then_confirms_a_logged_session(
    live_server, page, demo_site, assert_accessible
):
    supervisee = User.objects.get(username="therapist01")
    supervisor = User.objects.get(username="supervisor1")
    held_on = timezone.localdate() - datetime.timedelta(days=1)

    # The supervisee logs a session with supervisor1 and sends it.
    journeys.sign_in(page, live_server, "therapist01")
    open_log(page)
    minutes_before = confirmed_minutes(page, held_on)
    page.get_by_role("link", name="Log a supervision session").click()
    page.get_by_label("Date").fill(held_on.isoformat())
    page.get_by_label("Length in minutes").fill(str(MINUTES))
    page.get_by_label("Individual").check()
    page.get_by_label("Remote").check()
    page.get_by_label("Supervisor", exact=True).select_option(label=str(supervisor))
    page.get_by_label("Reflection").fill("Practised guided discovery in role play.")
    page.get_by_role("button", name="Save and send to my supervisor").click()
    expect(page.get_by_text("sent to your supervisor to confirm")).to_be_visible()
    entry = SupervisionSession.objects.filter(supervisee=supervisee).latest("pk")
    assert (entry.status, entry.duration_minutes) == (SupervisionSession.Status.SUBMITTED, MINUTES)
    detail = reverse("supervision:session_detail", args=[entry.pk])
    sign_out(page)

    # The supervisor finds it through the navigation's count and returns it with a comment.
    waiting = queries.awaiting_review_count(supervisor)
    journeys.sign_in(page, live_server, "supervisor1")
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_role("link", name=f"Supervision reviews ({waiting})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision reviews")
    check_page(page, assert_accessible)
    page.locator(f'a[href="{detail}"]').click()
    expect(page.get_by_text("Practised guided discovery in role play.")).to_be_visible()
    check_page(page, assert_accessible)
    page.get_by_label("What should change").fill("Say which skills you practised.")
    page.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_text(f"returned to {supervisee} with your comment")).to_be_visible()
    sign_out(page)

    # The supervisee reads the comment, replies and sends it again.
    journeys.sign_in(page, live_server, "therapist01")
    open_log(page)
    page.locator(f'a[href="{detail}"]').click()
    expect(page.get_by_text("Returned for changes")).to_be_visible()
    expect(page.get_by_text("Say which skills you practised.")).to_be_visible()
    check_page(page, assert_accessible)
    page.get_by_role("link", name="Change this entry").click()
    check_page(page, assert_accessible)
    page.get_by_label("Reflection").fill("Practised guided discovery and summarising.")
    page.get_by_label("Reply to your supervisor (optional)").fill("Added the skills.")
    page.get_by_role("button", name="Save and send to my supervisor").click()
    expect(page.get_by_text("sent to your supervisor to confirm")).to_be_visible()
    sign_out(page)

    # The supervisor confirms it.
    journeys.sign_in(page, live_server, "supervisor1")
    page.goto(live_server.url + detail)
    expect(page.get_by_text("Added the skills.")).to_be_visible()
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_text(f"You confirmed the session of {held_on:%-d %B %Y}")).to_be_visible()
    sign_out(page)

    # The supervisee's log shows it confirmed, and its minutes count.
    journeys.sign_in(page, live_server, "therapist01")
    open_log(page)
    assert confirmed_minutes(page, held_on) == minutes_before + MINUTES
    page.locator(f'a[href="{detail}"]').click()
    expect(page.get_by_text(f"Confirmed by {supervisor}", exact=False)).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == SupervisionSession.Status.CONFIRMED
