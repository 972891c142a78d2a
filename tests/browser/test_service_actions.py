"""The service action list in Chromium: a therapist sends their lead a named suggestion from
their CPD plan; the lead finds the barriers their therapists report on the service overview,
plans an action from one, and takes up or drops therapists' suggestions, with JavaScript on and
off. Each page is axe clean at 1280 and 360 px, with and without a validation error shown.

The cast is made with the factories rather than the demo: the shipped framework, a service on
it whose ten therapists have submitted self-assessments (five rating O3 a barrier, so at k = 5
the lead sees "5 of 10 therapists"), one more therapist who suggests, and the lead."""

import datetime
import re
import uuid
from typing import NamedTuple

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, Service, User
from demo.people import DEMO_PASSWORD
from service_actions import services
from service_actions.models import ServiceAction
from tests import factories
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

K = 5
BARRIER = "O3"
REPORTS_A_BARRIER = 1  # "Strongly disagree"
NO_BARRIER = 4
SUGGESTION = "A fortnightly peer consultation group"
OTHER_SUGGESTION = "Move team meetings to the afternoon"
ACTION = "Protect half a day a month for CPD"
OWNER = "Clinical lead"

TAKEN_UP = "Taken up: the suggestion is now a planned action."
# The full list's heading ("list" on the overview, "plan" on the page since the involvement work).
LIST_HEADING = re.compile(r"^Service action (list|plan)$")

Status = ServiceAction.Status


class Cast(NamedTuple):
    service: Service
    therapist: User
    lead: User


def person(user: User) -> User:
    """A factory-made user who signs in through the form with the demo password."""
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@pytest.fixture
def cast(settings, published_version) -> Cast:
    """Westfield Talking Therapies on the shipped framework: ten therapists with a submitted
    self-assessment (half rate O3 a barrier), Amara (who has not rated) and Priya, its lead."""
    settings.SMALL_GROUP_MIN = K
    service = factories.ServiceFactory(
        name="Westfield Talking Therapies", framework=published_version.framework
    )
    team = factories.TeamFactory(service=service)
    for rating in [REPORTS_A_BARRIER] * K + [NO_BARRIER] * K:
        factories.submitted_assessment(
            factories.therapist(team=team), published_version, {BARRIER: rating}
        )
    therapist = person(
        factories.therapist(team=team, username="amara", first_name="Amara", last_name="Okafor")
    )
    lead = person(factories.UserFactory(username="priya", first_name="Priya", last_name="Shah"))
    factories.MembershipFactory(user=lead, service=service, team=None, role=Role.SERVICE_LEAD)
    return Cast(service, therapist, lead)


def suggest(cast: Cast, title: str) -> ServiceAction:
    return services.suggest_action(cast.therapist, cast.service, title=title, token=uuid.uuid4())[0]


def sign_in(page, live_server, username: str) -> None:
    journeys.sign_in(page, live_server, username)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def list_url(live_server, service: Service) -> str:
    return f"{live_server.url}/services/{service.slug}/actions/"


def status_message(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def hidden_named(visible: str, hidden: str) -> re.Pattern[str]:
    """A control's name: its visible words and the visually hidden ones after them (": O3"),
    which the browser may join with a space, being a separately placed box."""
    return re.compile(rf"^{re.escape(visible)}\s*:\s*{re.escape(hidden)}$")


def actions_table(page):
    return page.get_by_role("table", name=re.compile(r"^Actions of "))


def suggestion_item(page, title: str):
    """A suggestion waiting on the lead's list, by its title."""
    waiting = page.get_by_role("region", name="Suggestions from therapists")
    return waiting.get_by_role("listitem").filter(has_text=title)


def test_therapist_sends_a_named_suggestion_from_their_cpd_plan_and_sees_it_waiting(
    live_server, page, cast, assert_accessible
):
    sign_in(page, live_server, "amara")
    page.goto(f"{live_server.url}/cpd/")
    page.get_by_role("link", name="Suggest a change to your service lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Suggest a change to your service lead"
    )
    expect(page.get_by_role("note")).to_contain_text("Your lead sees your name")
    expect(page.get_by_text("You have not sent a suggestion yet.")).to_be_visible()
    check_page(page, assert_accessible)

    # Sent without a title: the page comes back with the error on the field and what was typed.
    page.get_by_label("Why, and what would be different (optional)").fill("Time to learn together.")
    page.get_by_role("button", name="Send to your service lead").click()
    title = page.get_by_label("Your suggestion", exact=True)
    expect(page.get_by_text("Write a title.")).to_be_visible()
    expect(title).to_have_attribute("aria-describedby", re.compile(r"\bid_title_error\b"))
    expect(page.get_by_label("Why, and what would be different (optional)")).to_have_value(
        "Time to learn together."
    )
    check_page(page, assert_accessible)

    title.fill(SUGGESTION)
    page.get_by_role("button", name="Send to your service lead").click()

    expect(status_message(page, "Sent to your service lead, with your name.")).to_be_visible()
    sent = page.get_by_role("region", name="Your suggestions")
    expect(sent.get_by_role("listitem").filter(has_text=SUGGESTION)).to_contain_text(
        "Waiting for your lead."
    )
    check_page(page, assert_accessible)
    suggestion = ServiceAction.objects.get()
    assert (suggestion.status, suggestion.suggested_by) == (Status.SUGGESTED, cast.therapist)
    assert suggestion.service == cast.service


def test_lead_plans_an_action_from_a_barrier_reported_on_their_service_overview(
    live_server, page, cast, assert_accessible
):
    due = timezone.localdate() + datetime.timedelta(days=60)
    sign_in(page, live_server, "priya")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Westfield Talking Therapies"
    ).click()
    expect(page.get_by_role("heading", name="Service action list", level=2)).to_be_visible()
    summary = page.locator(".service-actions-summary")
    expect(summary).to_contain_text(f"{BARRIER} ")
    expect(summary).to_contain_text("5 of 10 therapists")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Open the service action list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LIST_HEADING)
    barriers = page.get_by_role("region", name="Barriers your therapists report")
    expect(barriers).to_contain_text("Reported as a barrier by 5 of 10 therapists")
    check_page(page, assert_accessible)

    barriers.get_by_role("link", name=hidden_named("Plan an action", BARRIER)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an action to the service's list")
    statements = page.get_by_label("Barrier statements it targets (optional)")
    expect(statements.locator("option:checked")).to_have_count(1)
    expect(statements.locator("option:checked")).to_contain_text(BARRIER)
    check_page(page, assert_accessible)

    # A due date already past is refused, beside the field, keeping what was typed.
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Owner (optional)").fill(OWNER)
    page.get_by_label("Due date (optional)").fill("2020-01-31")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Give a date from today on")).to_be_visible()
    expect(page.get_by_label("Due date (optional)")).to_have_attribute(
        "aria-describedby", re.compile(r"\bid_due_on_error\b")
    )
    expect(page.get_by_label("Action", exact=True)).to_have_value(ACTION)
    expect(statements.locator("option:checked")).to_contain_text(BARRIER)
    check_page(page, assert_accessible)

    page.get_by_label("Due date (optional)").fill(due.isoformat())
    page.get_by_role("button", name="Add the action").click()

    expect(status_message(page, "Added to the service's action list.")).to_be_visible()
    expect(barriers).to_contain_text(f"Planned: {ACTION}")
    plan_link = barriers.get_by_role("link", name=hidden_named("Plan an action", BARRIER))
    expect(plan_link).to_have_count(0)
    row = actions_table(page).get_by_role("row").filter(has_text=ACTION)
    expect(row).to_contain_text(OWNER)
    expect(row).to_contain_text(f"{due.day} {due:%b %Y}")
    check_page(page, assert_accessible)
    action = ServiceAction.objects.get()
    assert action.origin == ServiceAction.Origin.REPORTED_BARRIER
    assert [item.key for item in action.items.all()] == [BARRIER]
    assert (action.owner, action.due_on, action.status) == (OWNER, due, Status.PLANNED)


def test_lead_takes_up_one_therapists_suggestion_and_drops_another(
    live_server, page, cast, assert_accessible
):
    taken = suggest(cast, SUGGESTION)
    dropped = suggest(cast, OTHER_SUGGESTION)
    sign_in(page, live_server, "priya")
    page.goto(list_url(live_server, cast.service))
    expect(suggestion_item(page, SUGGESTION)).to_contain_text("From Amara Okafor")
    check_page(page, assert_accessible)

    page.get_by_role("button", name=hidden_named("Take up", SUGGESTION)).click()
    expect(status_message(page, TAKEN_UP)).to_be_visible()
    expect(suggestion_item(page, SUGGESTION)).to_have_count(0)
    row = actions_table(page).get_by_role("row").filter(has_text=SUGGESTION)
    expect(row).to_contain_text("Suggested by Amara Okafor")
    expect(row).to_contain_text("Planned")

    page.get_by_role("button", name=hidden_named("Drop", OTHER_SUGGESTION)).click()
    expect(status_message(page, "Dropped.")).to_be_visible()
    expect(page.get_by_text("No suggestions waiting.")).to_be_visible()
    check_page(page, assert_accessible)
    taken.refresh_from_db()
    dropped.refresh_from_db()
    assert (taken.status, dropped.status) == (Status.PLANNED, Status.DROPPED)


def test_lead_takes_up_a_suggestion_with_javascript_off(live_server, browser, cast):
    taken = suggest(cast, SUGGESTION)
    context = browser.new_context(java_script_enabled=False, viewport=journeys.DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, "priya")
        page.goto(list_url(live_server, cast.service))

        page.get_by_role("button", name=hidden_named("Take up", SUGGESTION)).click()

        expect(page).to_have_url(list_url(live_server, cast.service))
        expect(page.get_by_text(TAKEN_UP)).to_be_visible()
        expect(actions_table(page).get_by_role("row").filter(has_text=SUGGESTION)).to_contain_text(
            "Planned"
        )
        taken.refresh_from_db()
        assert taken.status == Status.PLANNED
    finally:
        context.close()


def test_lead_drops_a_suggestion_with_javascript_off(live_server, browser, cast):
    dropped = suggest(cast, OTHER_SUGGESTION)
    context = browser.new_context(java_script_enabled=False, viewport=journeys.DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, "priya")
        page.goto(list_url(live_server, cast.service))

        page.get_by_role("button", name=hidden_named("Drop", OTHER_SUGGESTION)).click()

        expect(page).to_have_url(list_url(live_server, cast.service))
        expect(page.get_by_text("Dropped.", exact=True)).to_be_visible()
        expect(page.get_by_text("No suggestions waiting.")).to_be_visible()
        dropped.refresh_from_db()
        assert dropped.status == Status.DROPPED
    finally:
        context.close()
