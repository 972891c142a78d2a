"""Signing in, out and back through allauth's pages: the sign-in page itself, closed sign-up,
and resetting a forgotten password by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests import factories

LOGIN_URL = "/accounts/login/"
NEW_PASSWORD = "a-much-longer-Passphrase-2026"


def signs_in(client, username: str, password: str) -> bool:
    client.post(LOGIN_URL, {"login": username, "password": password})
    return "_auth_user_id" in client.session


# The sign-in page


def test_sign_in_page_has_a_forgot_password_link(client, db):
    response = client.get(LOGIN_URL)
    assertContains(response, f'<a class="auth-link" href="{reverse("account_reset_password")}">')
    assertContains(response, "Forgot password?")


def test_sign_in_page_offers_no_sign_up(client, db):
    response = client.get(LOGIN_URL)
    assertNotContains(response, reverse("account_signup"))
    assertNotContains(response, "sign up", status_code=200)


def test_sign_in_page_labels_the_username_and_password(client, db):
    response = client.get(LOGIN_URL)
    assertContains(response, '<label class="form-label" for="id_login">Username</label>', html=True)
    assertContains(
        response, '<label class="form-label" for="id_password">Password</label>', html=True
    )


def test_sign_in_page_describes_the_product(client, db):
    assertContains(client.get(LOGIN_URL), "find and close their training needs")


def test_signed_in_visitor_to_the_sign_in_page_goes_home(client, therapist):
    client.force_login(therapist)
    assertRedirects(client.get(LOGIN_URL), "/", fetch_redirect_response=False)


def test_sign_in_follows_next_to_the_page_asked_for(client, therapist, published_version):
    response = client.post(
        f"{LOGIN_URL}?next=/framework/",
        {"login": therapist.username, "password": factories.PASSWORD, "next": "/framework/"},
    )
    assertRedirects(response, "/framework/", fetch_redirect_response=False)


def test_sign_in_does_not_follow_next_to_another_site(client, therapist):
    response = client.post(
        LOGIN_URL,
        {"login": therapist.username, "password": factories.PASSWORD, "next": "https://evil.test/"},
    )
    assert response.status_code == 302
    assert "evil.test" not in response.url


def test_deactivated_person_cannot_sign_in(client, therapist):
    therapist.is_active = False
    therapist.save()
    assert not signs_in(client, therapist.username, factories.PASSWORD)


# Sign-up is closed


def test_sign_up_page_says_accounts_are_made_by_administrators(client, db):
    assertContains(client.get(reverse("account_signup")), "Accounts are made by administrators")


def test_sign_up_form_creates_no_account(client, db):
    client.post(
        reverse("account_signup"),
        {
            "username": "intruder",
            "email": "intruder@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert not factories.User.objects.filter(username="intruder").exists()


# Signing out


def test_signing_out_says_so_on_the_sign_in_page(client, therapist):
    client.force_login(therapist)
    response = client.post(reverse("account_logout"), follow=True)
    assertContains(response, "You have signed out.")
    assertContains(response, "<h1", count=1)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)


# Resetting a forgotten password


def request_reset(client, email: str):
    return client.post(reverse("account_reset_password"), {"email": email}, follow=True)


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_password_reset_page_asks_for_the_email_address(client, db):
    response = client.get(reverse("account_reset_password"))
    assertContains(response, "Type the email address your account was set up with")


def test_password_reset_says_a_link_was_sent_if_the_address_has_an_account(client, therapist):
    response = request_reset(client, therapist.email)
    assertContains(response, "If an account has this email address, we have sent a link")


def test_password_reset_sends_a_link_to_the_address(client, therapist):
    request_reset(client, therapist.email)
    assert [message.to for message in mail.outbox] == [[therapist.email]]
    assert reset_link(mail.outbox[0])


def test_password_reset_answers_the_same_for_an_unknown_address(client, therapist):
    known = request_reset(client, therapist.email)
    unknown = request_reset(client, "nobody@example.nhs.uk")
    assert unknown.redirect_chain == known.redirect_chain
    assertContains(unknown, "If an account has this email address, we have sent a link")


def test_password_reset_link_sets_the_password_that_signs_in(client, therapist):
    request_reset(client, therapist.email)
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    assertContains(form, "Choose a new password")
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assertContains(done, "Your new password is in use")
    assert not signs_in(client, therapist.username, factories.PASSWORD)
    assert signs_in(client, therapist.username, NEW_PASSWORD)


def test_password_reset_link_works_only_once(client, therapist):
    request_reset(client, therapist.email)
    link = reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assertContains(client.get(link, follow=True), "Link no longer valid")


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/done/",
        "/accounts/signup/",
    ],
)
def test_sign_in_pages_have_one_main_heading_inside_the_product_layout(client, db, url):
    response = client.get(url)
    assertContains(response, "<h1", count=1)
    assertContains(response, 'class="navbar-brand"')
