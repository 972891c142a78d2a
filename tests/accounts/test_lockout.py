"""Lockout after repeated failed sign-ins (django-axes): per account whatever address guesses it,
and per address whatever accounts it guesses; a clear page; an administrator's unlock."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from pytest_django.asserts import assertContains, assertTemplateUsed

from tests import factories

LOGIN_URL = "/accounts/login/"
LOCKED = "too many failed sign-ins"


@pytest.fixture(autouse=True)
def axes_answers_first(settings):
    """allauth's own limit (5 failures per username in 5 minutes) would answer the sixth try
    before axes does; loosened, as in production settings, so the lockout page is what shows."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/5m/key"}


def attempt(client, username: str, password: str = "wrong", address: str = "10.0.0.1"):
    return client.post(LOGIN_URL, {"login": username, "password": password}, REMOTE_ADDR=address)


def fail_five_times(client, username: str, address: str = "10.0.0.1"):
    for _ in range(4):
        response = attempt(client, username, address=address)
        assert response.status_code == 200
    return attempt(client, username, address=address)


def test_four_failures_still_show_the_sign_in_form(client, therapist):
    for _ in range(4):
        response = attempt(client, therapist.username)
    assertContains(response, "The username and/or password you specified are not correct")


def test_fifth_failure_locks_the_account_with_a_clear_message(client, therapist):
    response = fail_five_times(client, therapist.username)
    assertContains(response, LOCKED, status_code=429)
    assertContains(response, "contact your administrator", status_code=429)
    assertContains(response, "Forgot password?", status_code=429)
    assertTemplateUsed(response, "account/locked_out.html")


def test_correct_password_is_refused_while_locked(client, therapist):
    fail_five_times(client, therapist.username)
    response = attempt(client, therapist.username, factories.PASSWORD)
    assertContains(response, LOCKED, status_code=429)
    assert "_auth_user_id" not in client.session


def test_another_address_cannot_go_on_guessing_a_locked_account(client, therapist):
    fail_five_times(client, therapist.username, address="10.0.0.1")
    response = attempt(client, therapist.username, factories.PASSWORD, address="10.9.9.9")
    assertContains(response, LOCKED, status_code=429)


def test_one_address_guessing_five_accounts_is_locked_for_a_sixth(client, db):
    people = [factories.UserFactory() for _ in range(6)]
    for person in people[:5]:
        attempt(client, person.username, address="10.0.0.7")
    response = attempt(client, people[5].username, factories.PASSWORD, address="10.0.0.7")
    assertContains(response, LOCKED, status_code=429)


def test_lockout_page_is_the_same_for_an_account_that_does_not_exist(client, therapist):
    real = fail_five_times(client, therapist.username, address="10.0.0.1")
    made_up = fail_five_times(client, "no-such-person", address="10.0.0.2")
    assert made_up.status_code == real.status_code == 429
    assert made_up.content.replace(b"no-such-person", b"") == real.content.replace(
        therapist.username.encode(), b""
    )


def test_lockout_page_does_not_repeat_the_username(client, therapist):
    response = fail_five_times(client, therapist.username)
    assert therapist.username not in response.content.decode()


def test_success_before_the_limit_clears_the_failures(client, therapist):
    for _ in range(4):
        attempt(client, therapist.username)
    attempt(client, therapist.username, factories.PASSWORD)
    client.post("/accounts/logout/")
    response = attempt(client, therapist.username)
    assert response.status_code == 200


def test_administrator_unlocks_by_deleting_the_access_attempt_in_the_admin(
    client, therapist, admin_user
):
    fail_five_times(client, therapist.username)
    attempt_row = AccessAttempt.objects.get(username=therapist.username)
    administrator = Client()
    administrator.force_login(admin_user)
    administrator.post(f"/admin/axes/accessattempt/{attempt_row.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.filter(username=therapist.username).exists()

    attempt(client, therapist.username, factories.PASSWORD)
    assert "_auth_user_id" in client.session


def test_axes_reset_username_command_unlocks_the_account(client, therapist):
    fail_five_times(client, therapist.username)
    call_command("axes_reset_username", therapist.username, stdout=io.StringIO())
    attempt(client, therapist.username, factories.PASSWORD)
    assert "_auth_user_id" in client.session


def test_changing_the_letter_case_does_not_dodge_the_lockout(client, therapist):
    fail_five_times(client, therapist.username, address="10.0.0.1")
    response = attempt(client, therapist.username.upper(), factories.PASSWORD, address="10.9.9.9")
    assertContains(response, LOCKED, status_code=429)
