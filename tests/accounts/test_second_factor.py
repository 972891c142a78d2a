"""The second factor: who must set one up, enrolment, and signing in with a code or a
recovery code. Each test turns the rule on, as production does (`MFA_REQUIRED_ROLES`)."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.second_factor import must_use_second_factor
from tests import factories

LOGIN_URL = "/accounts/login/"
CODE_URL = "/accounts/2fa/authenticate/"
ENROLMENT_URL = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def second_factor_required(settings):
    settings.MFA_REQUIRED_ROLES = ["supervisor", "lead", "admin"]


def with_totp(user) -> pyotp.TOTP:
    """Give the user an authenticator app and recovery codes; return the app."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return pyotp.TOTP(secret)


def sign_in_with_password(client, user):
    return client.post(LOGIN_URL, {"login": user.username, "password": factories.PASSWORD})


def open_enrolment(client, user):
    """Sign in with the password and open the enrolment page, which asks for the password again
    first (allauth guards changes to the second factor so)."""
    sign_in_with_password(client, user)
    response = client.get(ENROLMENT_URL, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    return client.post(
        response.redirect_chain[-1][0], {"password": factories.PASSWORD}, follow=True
    )


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# Who must


@pytest.mark.parametrize(
    ("person", "must"),
    [
        ("therapist", False),
        ("supervisor", True),
        ("lead", True),
        ("admin_user", True),
    ],
)
def test_roles_listed_in_the_setting_must_use_a_second_factor(request, person, must):
    assert must_use_second_factor(request.getfixturevalue(person)) is must


def test_nobody_must_when_the_setting_is_empty(settings, supervisor):
    settings.MFA_REQUIRED_ROLES = []
    assert must_use_second_factor(supervisor) is False


def test_only_the_roles_listed_must(settings, supervisor, lead):
    settings.MFA_REQUIRED_ROLES = ["lead"]
    assert (must_use_second_factor(supervisor), must_use_second_factor(lead)) == (False, True)


# Enrolment is demanded


def test_supervisor_without_a_second_factor_is_sent_to_set_one_up(client, supervisor):
    client.force_login(supervisor)
    assertRedirects(client.get("/supervision/"), ENROLMENT_URL, fetch_redirect_response=False)


def test_enrolment_explains_why(client, supervisor):
    sign_in_with_password(client, supervisor)
    response = client.get("/supervision/", follow=True)
    assertContains(response, "Supervisors, service leads and administrators must set up")


def test_enrolment_asks_for_the_password_again_then_shows_the_secret(client, supervisor):
    response = open_enrolment(client, supervisor)
    assertContains(response, "Set up two-factor authentication")
    assertContains(response, response.context["form"].secret)


def test_lead_without_a_second_factor_is_sent_to_set_one_up(client, lead, service):
    client.force_login(lead)
    response = client.get(f"/services/{service.slug}/")
    assertRedirects(response, ENROLMENT_URL, fetch_redirect_response=False)


def test_administrator_without_a_second_factor_cannot_open_the_admin(client, admin_user):
    client.force_login(admin_user)
    assertRedirects(client.get("/admin/"), ENROLMENT_URL, fetch_redirect_response=False)


def test_therapist_is_not_asked_for_a_second_factor(client, therapist):
    client.force_login(therapist)
    assert client.get("/my-training/").status_code == 200


def test_htmx_request_is_sent_to_enrolment_by_header(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/supervision/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == ENROLMENT_URL


@pytest.mark.parametrize(
    "url", ["/accounts/password/change/", "/accounts/2fa/", "/accounts/logout/"]
)
def test_person_without_a_second_factor_can_still_use_the_account_pages(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_person_without_a_second_factor_can_still_sign_out(client, supervisor):
    client.force_login(supervisor)
    client.post(reverse("account_logout"))
    assert not is_signed_in(client)


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return [query["sql"] for query in context.captured_queries]


def test_rule_costs_a_therapist_no_query(client, therapist, published_version, settings):
    client.force_login(therapist)
    settings.MFA_REQUIRED_ROLES = []
    client.get("/framework/")
    off = queries_of(client, "/framework/")
    settings.MFA_REQUIRED_ROLES = ["supervisor", "lead", "admin"]
    assert len(queries_of(client, "/framework/")) == len(off)


# Enrolling


def test_supervisor_sets_up_an_authenticator_app_with_a_code_from_it(client, supervisor):
    secret = open_enrolment(client, supervisor).context["form"].secret
    response = client.post(ENROLMENT_URL, {"code": pyotp.TOTP(secret).now()}, follow=True)
    assertContains(response, "Recovery codes")
    assert Authenticator.objects.filter(user=supervisor, type=Authenticator.Type.TOTP).exists()
    assert client.get("/supervision/").status_code == 200


def test_wrong_code_does_not_set_up_the_app(client, supervisor):
    open_enrolment(client, supervisor)
    response = client.post(ENROLMENT_URL, {"code": "000000"})
    assertContains(response, "Incorrect code")
    assert not Authenticator.objects.filter(user=supervisor).exists()


# Signing in with a second factor


def test_password_alone_does_not_sign_in_a_person_with_an_authenticator(client, supervisor):
    with_totp(supervisor)
    response = sign_in_with_password(client, supervisor)
    assertRedirects(response, CODE_URL, fetch_redirect_response=False)
    assert not is_signed_in(client)


def test_code_page_asks_for_the_code_from_the_app(client, supervisor):
    with_totp(supervisor)
    response = sign_in_with_password(client, supervisor)
    assertContains(client.get(response.url), "Type the six-digit code your authenticator app")


def test_supervisor_signs_in_with_password_then_code_and_lands_home(client, supervisor):
    app = with_totp(supervisor)
    sign_in_with_password(client, supervisor)
    response = client.post(CODE_URL, {"code": app.now()}, follow=True)
    assert response.redirect_chain[-1][0] == "/supervision/"
    assert response.context["user"] == supervisor


def test_wrong_code_does_not_sign_in(client, supervisor):
    with_totp(supervisor)
    sign_in_with_password(client, supervisor)
    response = client.post(CODE_URL, {"code": "000000"})
    assertContains(response, "Incorrect code")
    assert not is_signed_in(client)


def test_recovery_code_signs_in_once(client, supervisor):
    with_totp(supervisor)
    code = RecoveryCodes(Authenticator.objects.get(user=supervisor, type="recovery_codes"))
    recovery_code = code.get_unused_codes()[0]
    sign_in_with_password(client, supervisor)
    client.post(CODE_URL, {"code": recovery_code})
    assert is_signed_in(client)

    client.post(reverse("account_logout"))
    sign_in_with_password(client, supervisor)
    response = client.post(CODE_URL, {"code": recovery_code})
    assertContains(response, "Incorrect code")
    assert not is_signed_in(client)


def test_session_signed_in_with_a_code_needs_no_authenticator_query(
    client, supervisor, published_version
):
    app = with_totp(supervisor)
    sign_in_with_password(client, supervisor)
    client.post(CODE_URL, {"code": app.now()})
    assert not [sql for sql in queries_of(client, "/framework/") if "mfa_authenticator" in sql]


# The admin's own login cannot skip the second factor


def test_admin_login_sends_to_the_products_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_admin_login_form_does_not_sign_in_on_a_password(client, admin_user):
    with_totp(admin_user)
    client.post(
        "/admin/login/?next=/admin/",
        {"username": admin_user.username, "password": factories.PASSWORD},
    )
    assert not is_signed_in(client)


def test_administrator_reaches_the_admin_only_after_the_code(client, admin_user):
    app = with_totp(admin_user)
    client.post(
        f"{LOGIN_URL}?next=/admin/",
        {"login": admin_user.username, "password": factories.PASSWORD, "next": "/admin/"},
    )
    assert client.get("/admin/").status_code == 302
    response = client.post(CODE_URL, {"code": app.now()}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200


INLINE = re.compile(r'<script(?![^>]*\bsrc=)[^>]*>| style="| on[a-z]+="', re.IGNORECASE)


def test_enrolment_and_code_pages_have_no_inline_scripts_styles_or_handlers(client, supervisor):
    enrolment = open_enrolment(client, supervisor).content.decode()
    index = client.get("/accounts/2fa/").content.decode()
    client.post(reverse("account_logout"))
    with_totp(supervisor)
    code_page = client.get(sign_in_with_password(client, supervisor).url).content.decode()
    assert [INLINE.findall(html) for html in (enrolment, index, code_page)] == [[], [], []]
