"""The CPD log's PDF and the supervisor's review of a plan, in Chromium: the therapist downloads
their log as PDF from the activities page and it holds their activity and name; the supervisor
comments on a goal in place (htmx) and, with JavaScript off, through the ordinary form; the
therapist then reads the comment on their plan. Each page is axe clean at 1280 and 360 px.

The cast is made with the factories rather than the demo, so each journey sets up in a fraction
of a second."""

import datetime
import io
import re
import uuid
from decimal import Decimal
from typing import NamedTuple

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import User
from cpd import activities, comments, services
from cpd.models import CpdActivity, CpdComment, CpdGoal
from demo.people import DEMO_PASSWORD
from tests import factories
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

GOAL = "Practise rupture repair in role play"
ACTIVITY = "A paper on alliance ruptures"
LEARNED = "Ruptures are common and repairable."
APPLICATION = "Name the strain when I notice it."
COMMENT = "Bring a recording of a strained session to our next supervision."


def person(user):
    """A factory-made user who signs in through the form with the demo password."""
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


class Cast(NamedTuple):
    therapist: User
    supervisor: User
    goal: CpdGoal
    activity: CpdActivity


@pytest.fixture
def cast(transactional_db) -> Cast:
    """Amara, a therapist with a goal and one reflected activity this CPD year, and Helen, her
    current supervisor."""
    team = factories.TeamFactory()
    therapist = person(
        factories.therapist(team=team, username="amara", first_name="Amara", last_name="Okafor")
    )
    supervisor = person(
        factories.supervisor(team=team, username="helen", first_name="Helen", last_name="Carter")
    )
    factories.SupervisionFactory(supervisor=supervisor, supervisee=therapist)
    plan = services.current_plan(therapist)
    goal, _ = services.add_goal(
        plan,
        by=therapist,
        title=GOAL,
        description="",
        measure="outcome",
        target_rating=None,
        outcome="Three role plays discussed in supervision",
        target_on=plan.ends_on,
    )
    activity, _ = activities.add_activity(
        plan,
        by=therapist,
        token=uuid.uuid4(),
        goals=[goal],
        type="reading",
        title=ACTIVITY,
        done_on=plan.starts_on,
        hours=Decimal("1.5"),
        provider="",
        learned=LEARNED,
        application=APPLICATION,
        impact="",
    )
    return Cast(therapist, supervisor, goal, activity)


def sign_in(page, live_server, username: str) -> None:
    journeys.sign_in(page, live_server, username)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def supervisee_plan_url(live_server, therapist: User) -> str:
    return f"{live_server.url}/cpd/supervisees/{therapist.pk}/"


def long_date(day: datetime.date) -> str:
    """As the pages and the PDF print a date ("j F Y"): 5 December 2026."""
    return f"{day.day} {day:%B %Y}"


def added(page):
    """The status message that says the comment was added."""
    return page.get_by_role("status").filter(has_text="Your comment was added.")


def pdf_text(path) -> str:
    """The PDF's text, every page, with runs of whitespace (line breaks) made single spaces."""
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_therapist_downloads_their_cpd_log_as_a_pdf_holding_the_activity_and_their_name(
    live_server, page, cast, assert_accessible
):
    sign_in(page, live_server, "amara")
    page.goto(f"{live_server.url}/cpd/")
    page.get_by_role("link", name="Your CPD activities").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD activities")
    check_page(page, assert_accessible)

    with page.expect_download(timeout=15_000) as download:
        page.get_by_role("link", name="Download as PDF").click()

    assert download.value.suggested_filename.endswith(".pdf")
    text = pdf_text(download.value.path())
    assert "Amara Okafor" in text
    assert ACTIVITY in text
    assert long_date(cast.activity.done_on) in text
    assert re.search(r"\bHours 1\.50? ", text), text
    assert LEARNED in text
    assert APPLICATION in text


def test_supervisor_comments_on_a_goal_in_place_and_stays_on_the_page(
    live_server, page, cast, assert_accessible
):
    sign_in(page, live_server, "helen")
    page.goto(supervisee_plan_url(live_server, cast.therapist))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    # A full page load would lose this mark; htmx's swap keeps it.
    page.evaluate("window.stayedOnThePage = true")
    url = page.url

    page.get_by_label("Your comment on this goal").fill(COMMENT)
    page.get_by_role("button", name=f"Add the comment on the goal: {GOAL}").click()

    comments_on_goal = page.get_by_role("list", name="Comments on this goal")
    expect(comments_on_goal).to_contain_text(COMMENT)
    expect(added(page)).to_be_visible()
    expect(page.get_by_label("Your comment on this goal")).to_have_value("")
    assert page.url == url
    assert page.evaluate("window.stayedOnThePage === true")
    assert CpdComment.objects.get().goal == cast.goal
    check_page(page, assert_accessible)


def test_after_commenting_in_place_the_added_message_takes_focus(live_server, page, cast):
    sign_in(page, live_server, "helen")
    page.goto(supervisee_plan_url(live_server, cast.therapist))

    page.get_by_label("Your comment on this goal").fill(COMMENT)
    page.get_by_role("button", name=f"Add the comment on the goal: {GOAL}").click()

    # The button pressed is swapped away: focus goes to the message that replaced it (as on
    # the agenda), so a screen reader reads it out and the keyboard carries on from there,
    # not from the top of the page.
    expect(added(page)).to_be_focused()


def test_supervisor_comments_without_javascript_and_is_taken_back_to_the_comment(
    live_server, browser, cast
):
    context = browser.new_context(java_script_enabled=False, viewport=journeys.DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, "helen")
        page.goto(supervisee_plan_url(live_server, cast.therapist))

        page.get_by_label("Your comment on this goal").fill(COMMENT)
        page.get_by_role("button", name=f"Add the comment on the goal: {GOAL}").click()

        comments_url = f"{supervisee_plan_url(live_server, cast.therapist)}#comments-{cast.goal.pk}"
        expect(page).to_have_url(comments_url)
        expect(page.get_by_text("Your comment was added.")).to_be_visible()
        expect(page.get_by_role("list", name="Comments on this goal")).to_contain_text(COMMENT)
        expect(page.get_by_label("Your comment on this goal")).to_have_value("")
    finally:
        context.close()


def test_therapist_reads_their_supervisors_comment_on_their_plan(
    live_server, page, cast, assert_accessible
):
    comments.add_comment(cast.goal.plan, by=cast.supervisor, text=COMMENT, goal=cast.goal)
    sign_in(page, live_server, "amara")
    page.goto(f"{live_server.url}/cpd/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD plan")

    goal_item = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=GOAL, level=3)
    )
    expect(goal_item.get_by_role("heading", name="Comments from your supervisor")).to_be_visible()
    expect(goal_item).to_contain_text(COMMENT)
    expect(goal_item).to_contain_text("Helen Carter")
    check_page(page, assert_accessible)
