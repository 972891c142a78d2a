"""The supervision log from the supervisor's dashboard, both sides.

A supervisee logs a session with a rupture-and-repair record and an agreed action; their
supervisor finds it from the dashboard (the row says entries await confirmation), reads the
rupture record, returns the entry with a comment in place (htmx); the supervisee changes it and
sends it again; the supervisor confirms it in place, and the dashboard's count drops by one.

And a stale page: the supervisor acts on an entry that its supervisee took back, changed and
sent again in the meantime; the answer (409) says so in place, nothing is confirmed, and what
the supervisor typed is still there. Each new page is axe clean at desktop and phone widths.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from supervision.models import RepairOutcome, SupervisionSession
from supervision.views.entries import CHANGED_MESSAGE
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

Status = SupervisionSession.Status
MARKERS = "The client went quiet after I set homework and cancelled the next session."
EXPLORATION = "We wondered together whether the homework felt like a test they could fail."
VALIDATION = "I said it made sense to feel put on the spot, and thanked them for coming back."
PLAN = "Agree the homework together and check how it lands before the session ends."
ACTION = "Role-play setting homework collaboratively"
RETURN_COMMENT = "Say what the client said when you checked how the homework landed."
REVISED_PLAN = PLAN + " Ask what would get in the way."
REPLY = "Added what I will ask, and the repair is only partial so far."


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile("Sign out")).click()


def awaiting_reason(count: int) -> str:
    """The dashboard's reason for a supervisee with `count` entries awaiting confirmation."""
    entries = "1 entry awaits" if count == 1 else f"{count} entries await"
    return f"{entries} your confirmation"


def dashboard_card(page, person: User):
    """The dashboard's card of one supervisee (its heading links to their page)."""
    return page.locator(
        "li.dashboard-card",
        has=page.get_by_role("heading", level=2, name=str(person), exact=True),
    )


def awaiting_count(supervisee: User, supervisor: User) -> int:
    return SupervisionSession.objects.filter(
        supervisee=supervisee, supervisor=supervisor, status=Status.SUBMITTED
    ).count()


def mark_document(page) -> None:
    """Set a flag on this document: still there after a change, no page was loaded."""
    page.evaluate("window.supervisionJourney = true")


def same_document(page) -> bool:
    return page.evaluate("window.supervisionJourney === true")


def test_rupture_logged_returned_resubmitted_confirmed_and_the_dashboard_updates(
    live_server, page, demo_site, assert_accessible
):
    supervisee = User.objects.get(username="therapist01")
    supervisor = User.objects.get(username="supervisor1")
    held_on = timezone.localdate() - datetime.timedelta(days=1)
    due_on = timezone.localdate() + datetime.timedelta(days=14)
    waiting_before = awaiting_count(supervisee, supervisor)

    # The supervisee logs the session, with the rupture record and an agreed action.
    journeys.sign_in(page, live_server, "therapist01")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision log").click()
    page.get_by_role("link", name="Log a supervision session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a supervision session")
    check_page(page, assert_accessible)
    page.get_by_label("Date").fill(held_on.isoformat())
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Individual").check()
    page.get_by_label("Remote").check()
    page.get_by_label("Supervisor", exact=True).select_option(label=str(supervisor))
    page.get_by_label("Reflection").fill("A rupture over homework, and how we repaired it.")
    rupture = page.get_by_role("group", name="Rupture and repair (optional)")
    rupture.get_by_label("Markers noticed").fill(MARKERS)
    rupture.get_by_label("Exploration of reasons").fill(EXPLORATION)
    rupture.get_by_label("Validation of the client's thoughts and feelings").fill(VALIDATION)
    rupture.get_by_label("Repair achieved").select_option(label="Repaired")
    rupture.get_by_label("Plan to prevent recurrence").fill(PLAN)
    action = page.get_by_role("group", name="New action 1")
    action.get_by_label("What you agreed to do").fill(ACTION)
    action.get_by_label("Due by").fill(due_on.isoformat())
    page.get_by_role("button", name="Save and send to my supervisor").click()
    expect(page.get_by_text(f"The session of {held_on:%-d %B %Y} is sent")).to_be_visible()

    entry = SupervisionSession.objects.filter(supervisee=supervisee).latest("pk")
    assert (entry.status, entry.supervisor, entry.held_on) == (
        Status.SUBMITTED,
        supervisor,
        held_on,
    )
    record = entry.rupture
    assert (record.markers, record.exploration, record.validation) == (
        MARKERS,
        EXPLORATION,
        VALIDATION,
    )
    assert (record.repair, record.prevention_plan) == (RepairOutcome.REPAIRED, PLAN)
    assert list(entry.actions.values_list("text", "due_on")) == [(ACTION, due_on)]
    assert awaiting_count(supervisee, supervisor) == waiting_before + 1
    detail = reverse("supervision:session_detail", args=[entry.pk])
    sign_out(page)

    # The supervisor's dashboard says the supervisee's entries await confirmation.
    journeys.sign_in(page, live_server, "supervisor1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervisees")
    card = dashboard_card(page, supervisee)
    expect(card.get_by_text(awaiting_reason(waiting_before + 1))).to_be_visible()
    check_page(page, assert_accessible)

    # Their page lists the entry; the entry shows the rupture record and the action.
    card.get_by_role("link", name=str(supervisee)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(supervisee))
    check_page(page, assert_accessible)
    page.locator(f'a[href="{detail}"]').click()
    expect(page.get_by_role("heading", level=2, name="Rupture and repair")).to_be_visible()
    expect(page.get_by_text(MARKERS)).to_be_visible()
    expect(page.get_by_text(EXPLORATION)).to_be_visible()
    expect(page.get_by_text(VALIDATION)).to_be_visible()
    expect(page.get_by_text(PLAN)).to_be_visible()
    expect(page.get_by_text(f"{ACTION}, by {due_on:%-d %B %Y}")).to_be_visible()
    check_page(page, assert_accessible)

    # They return it with a comment: the outcome and the new status show in place.
    mark_document(page)
    panel = page.get_by_role("region", name="Your review")
    panel.get_by_label("What should change").fill(RETURN_COMMENT)
    panel.get_by_role("button", name="Return for changes").click()
    panel = page.get_by_role("region", name="Your review")
    expect(panel.get_by_role("status")).to_have_text(
        f"The entry is returned to {supervisee} with your comment."
    )
    expect(page.locator("#entry-status")).to_contain_text("Returned for changes")
    assert same_document(page)
    expect(panel.get_by_role("button", name="Confirm", exact=True)).to_have_count(0)
    check_page(page, assert_accessible)
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED
    assert list(entry.comments.values_list("author", "text")) == [(supervisor.pk, RETURN_COMMENT)]
    sign_out(page)

    # The supervisee reads the comment, changes the plan and the repair, and sends it again.
    journeys.sign_in(page, live_server, "therapist01")
    page.goto(live_server.url + detail)
    expect(page.locator("#entry-status")).to_contain_text("Returned for changes")
    expect(page.get_by_text(RETURN_COMMENT)).to_be_visible()
    page.get_by_role("link", name="Change this entry").click()
    rupture = page.get_by_role("group", name="Rupture and repair (optional)")
    expect(rupture.get_by_label("Markers noticed")).to_have_value(MARKERS)
    rupture.get_by_label("Repair achieved").select_option(label="Partly repaired")
    rupture.get_by_label("Plan to prevent recurrence").fill(REVISED_PLAN)
    page.get_by_label("Reply to your supervisor (optional)").fill(REPLY)
    page.get_by_role("button", name="Save and send to my supervisor").click()
    expect(page.get_by_text(f"The session of {held_on:%-d %B %Y} is sent")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED
    assert (entry.rupture.repair, entry.rupture.prevention_plan) == (
        RepairOutcome.PARTLY,
        REVISED_PLAN,
    )
    assert entry.rupture.markers == MARKERS  # untouched fields are kept
    assert list(entry.actions.values_list("text", "due_on")) == [(ACTION, due_on)]
    sign_out(page)

    # The supervisor reads the changes and confirms in place.
    journeys.sign_in(page, live_server, "supervisor1")
    page.goto(live_server.url + detail)
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.get_by_text(REVISED_PLAN)).to_be_visible()
    expect(page.get_by_text("Partly repaired")).to_be_visible()
    mark_document(page)
    page.get_by_role("button", name="Confirm", exact=True).click()
    panel = page.get_by_role("region", name="Your review")
    expect(panel.get_by_role("status")).to_have_text(
        f"You confirmed the session of {held_on:%-d %B %Y}."
    )
    expect(page.locator("#entry-status")).to_contain_text(f"Confirmed by {supervisor}")
    assert same_document(page)
    entry.refresh_from_db()
    assert (entry.status, entry.confirmed_by) == (Status.CONFIRMED, supervisor)

    # Back on the dashboard, the supervisee's count is one less than before.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your supervisees")
    card = dashboard_card(page, supervisee)
    assert awaiting_count(supervisee, supervisor) == waiting_before
    expect(card.get_by_text(awaiting_reason(waiting_before + 1))).to_have_count(0)
    if waiting_before:
        expect(card.get_by_text(awaiting_reason(waiting_before))).to_be_visible()
    else:
        expect(card.get_by_text(re.compile("awaits? your confirmation"))).to_have_count(0)


def submitted_entry_of(username: str, supervisor: User) -> SupervisionSession:
    """A demo entry of `username` awaiting the supervisor's review."""
    entry = (
        SupervisionSession.objects.filter(
            supervisor=supervisor, supervisee__username=username, status=Status.SUBMITTED
        )
        .order_by("pk")
        .first()
    )
    assert entry is not None, f"the demo has an entry of {username} awaiting {supervisor}"
    return entry


def supervisee_rewrites_it(new_context, live_server, entry: SupervisionSession, text: str) -> None:
    """In their own browser, the supervisee takes the entry back, rewrites its reflection and
    sends it again (so any page of it opened before is stale)."""
    other = new_context().new_page()
    violations: list[str] = []
    other.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    journeys.sign_in(other, live_server, entry.supervisee.username)
    other.goto(live_server.url + reverse("supervision:session_detail", args=[entry.pk]))
    other.get_by_role("button", name="Take it back to change it").click()
    expect(other.get_by_text("You took the entry back: it is a draft again.")).to_be_visible()
    other.get_by_label("Reflection").fill(text)
    other.get_by_role("button", name="Save and send to my supervisor").click()
    expect(other.get_by_text("sent to your supervisor to confirm")).to_be_visible()
    assert not violations, violations
    entry.refresh_from_db()
    assert (entry.status, entry.reflection) == (Status.SUBMITTED, text)


TYPED_COMMENT = "Half-written: say more about the plan."


def test_supervisor_confirming_a_stale_page_sees_the_conflict_and_nothing_is_lost(
    live_server, page, new_context, demo_site, assert_accessible
):
    supervisor = User.objects.get(username="supervisor1")
    entry = submitted_entry_of("therapist01", supervisor)
    detail = reverse("supervision:session_detail", args=[entry.pk])
    revised = "Rewritten while the supervisor had the page open."

    journeys.sign_in(page, live_server, "supervisor1")
    page.goto(live_server.url + detail)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{entry.supervisee}'s")
    page.get_by_label("What should change").fill(TYPED_COMMENT)
    supervisee_rewrites_it(new_context, live_server, entry, revised)

    # Confirm on the stale page: the entry is shown again as it now is, in place, with the
    # conflict said and the typed comment kept; nothing is done.
    mark_document(page)
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_role("main").get_by_role("alert")).to_have_text(CHANGED_MESSAGE)
    expect(page.get_by_text(revised)).to_be_visible()
    expect(page.get_by_label("What should change")).to_have_value(TYPED_COMMENT)
    expect(page.locator("#entry-status")).to_contain_text("Submitted")
    assert same_document(page)
    check_page(page, assert_accessible)
    entry.refresh_from_db()
    assert (entry.status, entry.confirmed_by, entry.confirmed_at) == (Status.SUBMITTED, None, None)
    assert entry.reflection == revised  # the supervisee's change is kept

    # Having read the rewritten entry, the supervisor confirms it from the same page.
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_role("region", name="Your review").get_by_role("status")).to_have_text(
        f"You confirmed the session of {entry.held_on:%-d %B %Y}."
    )
    entry.refresh_from_db()
    assert (entry.status, entry.confirmed_by, entry.reflection) == (
        Status.CONFIRMED,
        supervisor,
        revised,
    )


def test_supervisor_returning_from_a_stale_page_keeps_the_comment_they_typed(
    live_server, page, new_context, demo_site
):
    supervisor = User.objects.get(username="supervisor1")
    entry = submitted_entry_of("therapist01", supervisor)
    comment = "Say which skills you practised in the role play."

    journeys.sign_in(page, live_server, "supervisor1")
    page.goto(live_server.url + reverse("supervision:session_detail", args=[entry.pk]))
    page.get_by_label("What should change").fill(comment)
    supervisee_rewrites_it(new_context, live_server, entry, "Rewritten in the meantime.")

    mark_document(page)
    page.get_by_role("button", name="Return for changes").click()
    expect(page.get_by_role("main").get_by_role("alert")).to_have_text(CHANGED_MESSAGE)
    expect(page.get_by_text("Rewritten in the meantime.")).to_be_visible()
    expect(page.get_by_label("What should change")).to_have_value(comment)
    assert same_document(page)
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED
    assert not entry.comments.exists()
