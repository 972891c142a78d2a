"""Each demo role signs in through the browser and lands on its own home page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_page_is_accessible(live_server, page, demo_site, assert_accessible):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("therapist01", "/my-training/", "My training"),
        ("supervisor1", "/supervision/", "Your supervisees"),
        ("lead", "/services/northshire/", "Northshire Talking Therapies"),
        ("admin", "/framework/", "Working with co-occurring personality difficulties"),
    ],
)
def test_demo_role_lands_on_its_home_page(
    live_server, page, demo_site, assert_accessible, username, path, heading
):
    sign_in(page, live_server, username)
    expect(page).to_have_url(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert_accessible(page)


def test_wrong_password_shows_an_error_and_keeps_the_username(
    live_server, page, demo_site, assert_accessible
):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("therapist01")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_text("The username and/or password you specified are not correct")
    ).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("therapist01")
    assert_accessible(page)


def test_therapist_reads_the_framework_from_the_navigation(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "therapist01")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Framework").click()
    expect(page.get_by_role("heading", name="Capability", level=2)).to_be_visible()
    expect(
        page.get_by_text("I have knowledge and skills in managing ruptures during therapy")
    ).to_be_visible()
    assert_accessible(page)


def test_skip_link_moves_keyboard_focus_to_the_main_content(live_server, page, demo_site):
    sign_in(page, live_server, "supervisor1")
    expect(page).to_have_url(live_server.url + "/supervision/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_signing_out_returns_to_the_sign_in_page(live_server, page, demo_site):
    sign_in(page, live_server, "lead")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(live_server.url + "/services/northshire/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
