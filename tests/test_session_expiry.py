"""Sessions end after 30 minutes without activity and at a maximum age; answers posted after the
end are kept and saved after signing in again (comb_tracker/sessions.py)."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertRedirects

from assessments import questionnaire
from assessments.models import ItemRating
from comb_tracker import sessions
from tests import factories
from tests.conftest import autosave_url, section_url

pytestmark = pytest.mark.django_db

MINUTE = 60
LOGIN = "/accounts/login/"
RESUME = "/session/resume/"
IDLE_MESSAGE = "You were signed out after 30 minutes without activity."
MAX_AGE_MESSAGE = "You were signed out at the end of the maximum session length (10 hours)."


class Clock:
    """The time the session limits are measured by, moved on by the tests."""

    def __init__(self) -> None:
        self.time = time.time()

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    settings.SESSION_IDLE_SECONDS = 30 * MINUTE
    settings.SESSION_COOKIE_AGE = 10 * 60 * MINUTE
    clock = Clock()
    monkeypatch.setattr(sessions, "now", clock)
    return clock


@pytest.fixture
def me(clock, sign_in, therapist) -> Client:
    return sign_in(therapist)


@pytest.fixture
def draft(therapist, published_version):
    return questionnaire.start_or_resume(therapist, published_version)


@pytest.fixture
def first_section_answers(published_version, draft) -> dict[str, str]:
    """Every statement of section 1 rated 4, with a comment on the first."""
    items = list(questionnaire.rated_sections(published_version)[0].items.order_by("order"))
    answers = {f"rating_{item.key}": "4" for item in items}
    return {
        "revision": str(draft.revision),
        **answers,
        f"comment_{items[0].key}": "Typed before lunch",
    }


def hidden_fields(response) -> dict[str, str]:
    """What the page's form posts: its hidden inputs."""
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    return {name: html.unescape(value) for name, value in pairs}


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_page_after_31_idle_minutes_signs_out_and_asks_to_sign_in_again(me, clock):
    clock.advance(31 * MINUTE)
    response = me.get("/my-training/")
    assertRedirects(response, f"{LOGIN}?next=/my-training/", fetch_redirect_response=False)
    assert not signed_in(me)
    assertContains(me.get(response.url), IDLE_MESSAGE)


def test_a_page_after_29_idle_minutes_stays_signed_in(me, clock):
    clock.advance(29 * MINUTE)
    assert me.get("/my-training/").status_code == 200
    assert signed_in(me)


def test_activity_every_20_minutes_keeps_the_session_for_an_hour(me, clock):
    for _ in range(3):
        clock.advance(20 * MINUTE)
        assert me.get("/my-training/").status_code == 200
    assert signed_in(me)


def test_the_maximum_session_length_signs_out_even_an_active_person(me, clock):
    for _ in range(20):
        clock.advance(29 * MINUTE)
        assert me.get("/my-training/").status_code == 200
    clock.advance(29 * MINUTE)  # 10 h 9 min after signing in, never idle for 30 minutes
    response = me.get("/my-training/")
    assertRedirects(response, f"{LOGIN}?next=/my-training/", fetch_redirect_response=False)
    assertContains(me.get(response.url), MAX_AGE_MESSAGE)


def test_a_request_within_a_minute_of_the_last_does_not_rewrite_the_session(me, clock):
    me.get("/my-training/")
    seen = me.session[sessions.LAST_SEEN]
    clock.advance(50)
    me.get("/my-training/")
    assert me.session[sessions.LAST_SEEN] == seen


def test_signed_in_pages_carry_the_expiry_warning(me):
    response = me.get("/my-training/")
    assertContains(response, 'data-session-idle-seconds="1800"')
    assertContains(response, "You will be signed out in 2 minutes because of inactivity.")
    assertContains(response, "Stay signed in")


def test_stay_signed_in_starts_the_idle_clock_again(me, clock):
    clock.advance(25 * MINUTE)
    assert me.post("/session/keepalive/").status_code == 204
    clock.advance(25 * MINUTE)
    assert me.get("/my-training/").status_code == 200


def test_stay_signed_in_does_not_answer_a_get(me):
    assert me.get("/session/keepalive/").status_code == 405


def test_answers_posted_after_the_end_are_saved_after_signing_in_again(
    client, clock, therapist, draft, first_section_answers
):
    # The sign-in itself goes through the allauth form.
    response = client.post(
        LOGIN, {"login": therapist.username, "password": factories.PASSWORD, "next": "/"}
    )
    assert response.status_code == 302 and signed_in(client)
    clock.advance(31 * MINUTE)

    response = client.post(section_url(draft), {**first_section_answers, "action": "later"})
    assertRedirects(response, f"{LOGIN}?next={RESUME}", fetch_redirect_response=False)
    assert not draft.ratings.exists()
    page = client.get(response.url)
    assertContains(page, "they were kept")

    response = client.post(
        LOGIN, {"login": therapist.username, "password": factories.PASSWORD, "next": RESUME}
    )
    assertRedirects(response, RESUME, fetch_redirect_response=False)
    resume = client.get(RESUME)
    assertContains(resume, "Your answers were kept")
    assertContains(resume, f'action="{section_url(draft)}"')
    response = client.post(section_url(draft), hidden_fields(resume))
    assertRedirects(response, "/my-training/", fetch_redirect_response=False)
    assert set(ItemRating.objects.filter(assessment=draft).values_list("value", flat=True)) == {4}
    assert draft.ratings.filter(comment="Typed before lunch").count() == 1


def test_the_resume_page_holds_every_kept_field(me, clock, therapist, draft, first_section_answers):
    clock.advance(31 * MINUTE)
    me.post(section_url(draft), first_section_answers)
    me.force_login(therapist)
    resume = me.get(RESUME)
    for name, value in first_section_answers.items():
        assertContains(resume, f'<input type="hidden" name="{name}" value="{value}">', html=True)


def test_the_kept_answers_are_offered_once(me, clock, therapist, draft, first_section_answers):
    clock.advance(31 * MINUTE)
    me.post(section_url(draft), first_section_answers)
    me.force_login(therapist)
    assert me.get(RESUME).status_code == 200
    assertRedirects(me.get(RESUME), "/", fetch_redirect_response=False)


def test_a_background_save_after_the_end_answers_with_the_sign_in_page(
    me, clock, draft, first_section_answers
):
    clock.advance(31 * MINUTE)
    response = me.post(
        autosave_url(draft),
        first_section_answers,
        headers={"X-Requested-With": "fetch", "Referer": f"http://testserver{section_url(draft)}"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next={RESUME}"
    assert response.json()["saved"] is False
    # Kept for the section page (whose own form posts the same fields), not the background URL.
    assert me.session[sessions.PENDING_POST]["path"] == section_url(draft)


def test_an_htmx_request_after_the_end_answers_with_hx_redirect(me, clock):
    clock.advance(31 * MINUTE)
    response = me.get("/my-training/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"{LOGIN}?next=/my-training/"


def test_answers_kept_for_one_person_are_not_shown_to_the_next(
    me, clock, draft, first_section_answers, team
):
    clock.advance(31 * MINUTE)
    me.post(section_url(draft), first_section_answers)
    me.force_login(factories.therapist(team=team))
    assertRedirects(me.get(RESUME), "/", fetch_redirect_response=False)


def test_the_resume_page_refuses_to_post_to_another_site(me, therapist):
    session = me.session
    session[sessions.PENDING_POST] = {
        "user": therapist.pk,
        "path": "https://evil.example/collect",
        "data": {"rating_C1": ["4"]},
    }
    session.save()
    response = me.get(RESUME)
    assertRedirects(response, "/", fetch_redirect_response=False)


def test_the_resume_page_without_kept_answers_goes_home(me):
    assertRedirects(me.get(RESUME), "/", fetch_redirect_response=False)


def test_a_forged_post_after_the_end_is_not_kept(clock, therapist, draft, first_section_answers):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(therapist)
    clock.advance(31 * MINUTE)
    response = browser.post(section_url(draft), first_section_answers)
    assertRedirects(response, f"{LOGIN}?next={section_url(draft)}", fetch_redirect_response=False)
    assert sessions.PENDING_POST not in browser.session


def test_a_password_form_after_the_end_is_not_kept(me, clock):
    clock.advance(31 * MINUTE)
    me.post(
        "/accounts/password/change/",
        {"oldpassword": "x", "password1": "secret-1", "password2": "secret-1"},
    )
    assert sessions.PENDING_POST not in me.session
