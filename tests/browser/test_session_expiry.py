"""The warning before a session ends: it shows two minutes before, passes axe at desktop and
phone widths, and "Stay signed in" keeps the session; an answer given after the end is saved
once the therapist signs in again."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from assessments.models import ItemRating
from comb_tracker import sessions
from demo.people import DEMO_PASSWORD
from tests.browser import journeys

pytestmark = pytest.mark.django_db(transaction=True)

THERAPIST = "therapist04"  # no self-assessment yet in the demo data
IDLE = 125  # the warning shows 5 seconds after a page loads


class Clock:
    """The server's clock for the session limits (the live server runs in this process)."""

    def __init__(self) -> None:
        self.time = time.time()

    def __call__(self) -> float:
        return self.time + (time.time() - self.started)

    def start(self) -> Clock:
        self.started = time.time()
        return self

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    settings.SESSION_IDLE_SECONDS = IDLE
    clock = Clock().start()
    monkeypatch.setattr(sessions, "now", clock)
    return clock


def test_stay_signed_in_keeps_the_session(live_server, page, demo_site, clock, assert_accessible):
    journeys.sign_in(page, live_server, THERAPIST)
    expect(page).to_have_url(live_server.url + "/my-training/")

    warning = page.get_by_role("alertdialog")
    expect(warning).to_contain_text(
        "You will be signed out in 2 minutes because of inactivity.", timeout=15_000
    )
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    journeys.check_page(page, assert_accessible)
    assert stay.bounding_box()["height"] >= 44

    clock.advance(100)  # not yet ended
    with page.expect_response(re.compile(r"/session/keepalive/$")) as keepalive:
        stay.click()
    assert keepalive.value.status == 204
    expect(warning).to_be_hidden()

    clock.advance(100)  # 200 s after signing in, 100 s after "Stay signed in"
    page.reload()
    expect(page).to_have_url(live_server.url + "/my-training/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My training")


def test_an_answer_given_after_the_end_is_saved_after_signing_in_again(
    live_server, page, demo_site, clock
):
    journeys.sign_in(page, live_server, THERAPIST)
    page.goto(live_server.url + "/self-assessment/")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    page.wait_for_load_state()

    clock.advance(IDLE + 60)
    first = page.locator("fieldset.rating-item").first
    first.get_by_label("2 Disagree", exact=True).check()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/session/resume/$"))
    expect(page.get_by_role("status").filter(has_text="they were kept")).to_be_visible()

    page.get_by_label("Username").fill(THERAPIST)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The kept answers are posted back at once, and the section's page follows.
    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    assert ItemRating.objects.filter(assessment__therapist__username=THERAPIST, value=2).exists()
