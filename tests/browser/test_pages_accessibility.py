"""The remaining pages people meet, each checked with axe-core in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import journeys

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str) -> None:
    journeys.sign_in(page, live_server, username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_supervisor_reads_a_supervisees_profile_and_answers(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "supervisor1")
    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Amara Okafor: training-needs profile"
    )
    expect(page.get_by_role("img", name=re.compile("Bar chart"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Baseline")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baseline: Amara Okafor")
    assert_accessible(page)


def test_password_change_page_is_accessible(live_server, page, demo_site, assert_accessible):
    sign_in(page, live_server, "therapist01")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page)


def test_forbidden_and_missing_pages_are_accessible(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "therapist01")
    page.goto(live_server.url + "/supervision/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    assert_accessible(page)
    page.goto(live_server.url + "/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
