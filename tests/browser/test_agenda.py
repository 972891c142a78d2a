"""A therapist keeps an agenda for their next supervision: they add an item about a framework
statement found with the filter box, and later mark it discussed in a logged session; both
changes happen in place (htmx), and the page is axe clean at desktop and phone widths before
and after each."""

import re

import pytest
from playwright.sync_api import expect

from supervision.models import AgendaItem, SupervisionSession
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "How to keep to the agenda when a client arrives in crisis"


def test_therapist_adds_an_agenda_item_and_marks_it_discussed(
    live_server, page, demo_site, assert_accessible
):
    journeys.sign_in(page, live_server, "therapist01")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    page.goto(live_server.url + "/supervision/agenda/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your agenda for supervision")
    check_page(page, assert_accessible)
    # Set on this document: still there after the changes, so no page was loaded.
    page.evaluate("window.agendaJourney = true")

    page.get_by_label("What to discuss").fill(TEXT)
    page.get_by_label("Find framework statements by their words").fill("agenda")
    statements = page.get_by_label("Framework statements it is about (optional)")
    first_match = statements.locator("option:not([hidden])").first
    chosen = first_match.get_attribute("value")
    statements.select_option(chosen)
    page.get_by_role("button", name="Add to the agenda").click()

    expect(page.get_by_text("Added to the agenda.")).to_be_focused()
    assert page.evaluate("window.agendaJourney") is True
    item = AgendaItem.objects.get(supervisee__username="therapist01", text=TEXT)
    assert [str(pk) for pk in item.items.values_list("pk", flat=True)] == [chosen]
    expect(page.get_by_label("What to discuss")).to_have_value("")
    check_page(page, assert_accessible)

    entry = SupervisionSession.objects.filter(supervisee__username="therapist01").first()
    row = page.locator(f"#agenda-item-{item.pk}")
    row.get_by_label("Session it was discussed in (optional)").select_option(str(entry.pk))
    row.get_by_role("button", name=re.compile("^Mark discussed")).click()

    expect(page.get_by_text("Marked discussed: it is now under Closed items.")).to_be_visible()
    assert page.evaluate("window.agendaJourney") is True
    item.refresh_from_db()
    assert (item.status, item.discussed_in_id) == (AgendaItem.Status.DISCUSSED, entry.pk)
    check_page(page, assert_accessible)
