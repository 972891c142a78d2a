"""Every page of the product (the Django admin excepted) as every demo role, each checked with
axe-core in Chromium at desktop width and again, resized, on a 360 px phone, where nothing may
be wider than the screen."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from demo.people import DEMO_PASSWORD
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

# therapist01 has a baseline and a reassessment in the demo data, and the next one is due.
THERAPIST = "therapist01"
NEWCOMER = "nia.newcomer@northshire.talkingtherapies.example.nhs.uk"


def sign_in(page, live_server, username: str) -> None:
    journeys.sign_in(page, live_server, username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def heading(page):
    return expect(page.get_by_role("heading", level=1))


def test_therapist_meets_every_page_at_desktop_and_phone_widths(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, THERAPIST)
    heading(page).to_have_text("My training")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Start your self-assessment").click()
    heading(page).to_have_text("Self-assessment")
    check_page(page, assert_accessible)

    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    page.wait_for_load_state()
    check_page(page, assert_accessible)

    # A comment far past the box's limit, set by script: the readable 413 page.
    page.evaluate("document.querySelector('textarea').value = 'x'.repeat(3 * 1024 * 1024)")
    page.get_by_role("button", name="Save and continue").click()
    heading(page).to_have_text("Nothing was saved: too much was sent")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Open the page again with your saved draft").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    page.goto(re.sub(r"section/\d+/$", "review/", page.url))
    heading(page).to_have_text("Check your answers")
    check_page(page, assert_accessible)

    page.goto(live_server.url + "/my-training/")
    page.get_by_role("link", name="Your training-needs profile").click()
    heading(page).to_have_text("Your training-needs profile")
    check_page(page, assert_accessible)

    page.get_by_role("link", name=re.compile(r"^Baseline")).click()
    heading(page).to_contain_text("Baseline: your answers")
    check_page(page, assert_accessible)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Framework").click()
    expect(page.get_by_role("heading", name="Capability", level=2)).to_be_visible()
    check_page(page, assert_accessible)

    page.goto(live_server.url + "/supervision/")
    heading(page).to_have_text("You do not have access to this page")
    check_page(page, assert_accessible)

    page.goto(live_server.url + "/no-such-page/")
    heading(page).to_have_text("Page not found")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Change password").click()
    heading(page).to_have_text("Change your password")
    check_page(page, assert_accessible)
    journeys.menu_opens_and_fits_on_a_phone(page, assert_accessible)

    page.locator("#id_oldpassword").fill(DEMO_PASSWORD)
    page.locator("#id_password1").fill("a-new-demo-password-2026")
    page.locator("#id_password2").fill("a-new-demo-password-2026")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your new password is in use.")).to_be_visible()
    check_page(page, assert_accessible)


def test_supervisor_meets_every_page_at_desktop_and_phone_widths(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "supervisor1")
    heading(page).to_have_text("Your supervisees")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Amara Okafor").click()
    heading(page).to_have_text("Amara Okafor")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Training-needs profile").click()
    heading(page).to_have_text("Amara Okafor: training-needs profile")
    expect(page.get_by_role("img", name=re.compile("Bar chart"))).to_be_visible()
    check_page(page, assert_accessible)

    page.get_by_role("link", name=re.compile(r"^Baseline")).click()
    heading(page).to_contain_text("Baseline: Amara Okafor")
    check_page(page, assert_accessible)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Framework").click()
    expect(page.get_by_role("heading", name="Capability", level=2)).to_be_visible()
    check_page(page, assert_accessible)


def test_service_lead_meets_every_page_at_desktop_and_phone_widths(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "lead")
    heading(page).to_have_text("Northshire Talking Therapies")
    check_page(page, assert_accessible)
    overview = page.url

    page.get_by_role("link", name=re.compile("barrier heatmap")).click()
    heading(page).to_have_text("Barrier heatmap")
    check_page(page, assert_accessible)

    page.goto(overview)
    page.get_by_role("link", name=re.compile("^Analytics")).click()
    heading(page).to_contain_text("Analytics")
    check_page(page, assert_accessible)

    page.goto(overview)
    page.get_by_role("link", name="Open the service action list").click()
    heading(page).to_have_text("Service action plan")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Add an action").click()
    heading(page).to_have_text("Add an action to the service's list")
    check_page(page, assert_accessible)

    page.goto(overview)
    page.get_by_role("link", name="Patient involvement").first.click()
    heading(page).to_have_text("Patient involvement")
    check_page(page, assert_accessible)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Framework").click()
    expect(page.get_by_role("heading", name="Capability", level=2)).to_be_visible()
    check_page(page, assert_accessible)


def test_commissioner_meets_the_national_view_at_desktop_and_phone_widths(
    live_server, page, demo_site, assert_accessible
):
    sign_in(page, live_server, "commissioner")  # the demo's commissioner
    heading(page).to_have_text("Services compared")
    check_page(page, assert_accessible)

    page.goto(page.url.split("?")[0] + "?component=C")
    heading(page).to_have_text("Services compared")
    check_page(page, assert_accessible)


def test_visitor_and_person_with_no_role_meet_every_page_at_desktop_and_phone_widths(
    live_server, page, demo_site, assert_accessible
):
    page.goto(live_server.url + "/")
    heading(page).to_have_text("Sign in")
    check_page(page, assert_accessible)

    page.get_by_label("Username").fill(THERAPIST)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    refused = "The username and/or password you specified are not correct"
    expect(page.get_by_text(refused)).to_be_visible()
    check_page(page, assert_accessible)

    page.goto(live_server.url + "/no-such-page/")
    heading(page).to_have_text("Page not found")
    check_page(page, assert_accessible)

    # A username as long as an email address, unbroken: it must wrap, not widen the page.
    User.objects.create_user(NEWCOMER, password=DEMO_PASSWORD)
    sign_in(page, live_server, NEWCOMER)
    heading(page).to_have_text(f"Welcome, {NEWCOMER}")
    check_page(page, assert_accessible)

    page.get_by_role("button", name=re.compile("Sign out")).click()
    heading(page).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    check_page(page, assert_accessible)
