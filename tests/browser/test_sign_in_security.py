"""Sign-in protection in the browser: lockout after five wrong passwords, setting up and using a
second factor, and resetting a forgotten password by email. Each page is axe-checked at desktop
and phone widths, with the Content-Security-Policy enforced."""

import re

import pyotp
import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from demo.people import DEMO_PASSWORD
from tests.browser.journeys import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-much-longer-Passphrase-2026"


def type_credentials(page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(
    live_server, page, demo_site, settings, assert_accessible
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/5m/key"}
    page.goto(live_server.url + "/accounts/login/")
    for _ in range(5):
        type_credentials(page, "therapist01", "not-the-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    expect(page.get_by_text("contact your administrator")).to_be_visible()
    check_page(page, assert_accessible)

    page.goto(live_server.url + "/accounts/login/")
    type_credentials(page, "therapist01", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")


def test_supervisor_sets_up_a_second_factor_then_signs_in_with_a_code(
    live_server, page, demo_site, settings, assert_accessible
):
    settings.MFA_REQUIRED_ROLES = ["supervisor", "lead", "admin"]
    sign_in(page, live_server, "supervisor1")
    expect(page.get_by_text("must set up a second factor")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    check_page(page, assert_accessible)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    check_page(page, assert_accessible)
    app = pyotp.TOTP(page.get_by_label("Authenticator secret").input_value())
    page.get_by_label("Authenticator code").fill(app.now())
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    check_page(page, assert_accessible)
    page.get_by_role("link", name="Continue to COM-B Tracker").click()
    expect(page).to_have_url(live_server.url + "/supervision/")

    page.get_by_role("button", name="Sign out").click()
    # The code that turned the app on counts as used for 30 s; forget that rather than wait.
    cache.clear()
    sign_in(page, live_server, "supervisor1")
    expect(page).to_have_url(live_server.url + "/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    check_page(page, assert_accessible)
    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/supervision/")


def test_forgotten_password_is_reset_through_the_emailed_link(
    live_server, page, demo_site, assert_accessible
):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page, assert_accessible)
    page.get_by_label("Email").fill("therapist01@example.nhs.uk")
    page.get_by_role("button", name="Send the link").click()

    expect(
        page.get_by_text("If an account has this email address, we have sent a link")
    ).to_be_visible()
    check_page(page, assert_accessible)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(
        0
    )
    page.goto(link)

    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_page(page, assert_accessible)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    check_page(page, assert_accessible)
    page.get_by_role("link", name="Sign in with it").click()
    type_credentials(page, "therapist01", NEW_PASSWORD)
    expect(page).to_have_url(live_server.url + "/my-training/")
