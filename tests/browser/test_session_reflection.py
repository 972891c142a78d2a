"""A quick session reflection on a phone (360 px): the therapist opens the form from the menu,
taps what happened in a session, saves, records another straight away, and sees the pattern.
Each new page or state is axe clean at 1280 and 360 px, with nothing wider than the phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from supervision.models import SessionReflection
from supervision.reflections import reflection_pattern
from tests.browser import journeys
from tests.browser.journeys import PHONE, check_page

pytestmark = pytest.mark.django_db(transaction=True)

AGENDA = "I co-set and follow a realistic agenda"
FEEDBACK = "I seek and act on feedback from the client, including around goals, tasks and process"


def toggle(page, statement: str):
    """The big button a therapist taps for a statement (the checkbox's label)."""
    return page.locator("label.reflection-toggle", has_text=statement)


def test_therapist_reflects_on_two_sessions_on_a_phone_and_sees_the_pattern(
    live_server, page, demo_site, assert_accessible
):
    therapist = User.objects.get(username="therapist01")
    before = SessionReflection.objects.filter(therapist=therapist).count()
    page.set_viewport_size(PHONE)
    journeys.sign_in(page, live_server, "therapist01")
    navigation = page.get_by_role("navigation", name="Main")
    navigation.get_by_role("button", name="Show navigation").click()
    navigation.get_by_role("link", name="Reflect on a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reflect on a session")
    check_page(page, assert_accessible)
    page.set_viewport_size(PHONE)

    # Every toggle is big enough to tap; two taps and Save record the first session.
    heights = [box.bounding_box()["height"] for box in page.locator(".reflection-toggle").all()]
    assert len(heights) == 6 and min(heights) >= 44, heights
    toggle(page, AGENDA).click()
    toggle(page, FEEDBACK).click()
    expect(page.get_by_role("checkbox", name=AGENDA)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Saved")).to_be_visible()
    expect(page.get_by_role("heading", name="Saved").locator("..")).to_be_focused()
    check_page(page, assert_accessible)
    page.set_viewport_size(PHONE)

    # "Record another" brings a fresh form in place; one tap and Save record the second.
    page.get_by_role("link", name="Record another").click()
    expect(page.get_by_role("checkbox", name=AGENDA)).not_to_be_checked()
    toggle(page, AGENDA).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Saved")).to_be_visible()
    assert SessionReflection.objects.filter(therapist=therapist).count() == before + 2

    # The pattern, with these two sessions in it (the demo has reflections of its own), in
    # words and by week.
    page.get_by_role("link", name="See your pattern", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Session reflections")
    rows = {row.item.target_text: row.overall for row in reflection_pattern(therapist).rows}
    agenda, feedback = rows[AGENDA], rows[FEEDBACK]
    assert agenda.total >= 2 and agenda.happened >= 2 and feedback.happened >= 1
    summary = page.locator(".reflection-summary")
    for statement, cell in ((AGENDA, agenda), (FEEDBACK, feedback)):
        words = f"{statement}: in {cell.happened} of {cell.total} sessions ({cell.share}%)"
        expect(summary.get_by_text(words)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(
        f"{agenda.happened} of {agenda.total} ({agenda.share}%)"
    )
    check_page(page, assert_accessible)
