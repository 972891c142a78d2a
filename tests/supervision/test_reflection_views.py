"""The quick session reflection pages: the phone-first form (with and without htmx, a double
send, refused input kept, the empty state), the therapist's patterns page, the pattern include
a supervisor's page uses (no notes), who may open them, and pinned query counts."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from supervision import reflections
from supervision.models import SessionReflection
from tests import factories
from tests.supervision.test_reflections import build_version, ids, reflect

pytestmark = pytest.mark.django_db

FORM_URL = reverse("supervision:reflection_new")
PAGE_URL = reverse("supervision:reflections")
HTMX = {"HX-Request": "true"}
VALID_NHS_NUMBER = "943 476 5919"


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def framework(service):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    return framework


@pytest.fixture
def version(framework):
    return build_version(framework)


def form_data(version, *keys, held_on=None, note="", token=None):
    return {
        "happened": [str(pk) for pk in ids(version, *keys)],
        "held_on": (held_on or today()).isoformat(),
        "note": note,
        "token": str(token or uuid.uuid4()),
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Who may open the pages


@pytest.mark.parametrize("url", [FORM_URL, PAGE_URL])
def test_signed_out_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_signed_out_post_is_sent_to_sign_in_and_saves_nothing(client, version):
    response = client.post(FORM_URL, form_data(version, "ST2"))

    assert response.status_code == 302
    assert not SessionReflection.objects.exists()


@pytest.mark.parametrize("url", [FORM_URL, PAGE_URL])
def test_someone_who_is_not_a_therapist_is_refused(sign_in, supervisor, url):
    assert sign_in(supervisor).get(url).status_code == 403


def test_someone_who_is_not_a_therapist_cannot_post_a_reflection(sign_in, supervisor, version):
    response = sign_in(supervisor).post(FORM_URL, form_data(version, "ST2"))

    assert response.status_code == 403
    assert not SessionReflection.objects.exists()


def test_patterns_page_cannot_be_posted_to(sign_in, therapist, version):
    assert sign_in(therapist).post(PAGE_URL).status_code == 405


# The form


def test_form_offers_each_in_session_behaviour_as_a_toggle(sign_in, therapist, version):
    response = sign_in(therapist).get(FORM_URL)

    assert response.status_code == 200
    page = text(response)
    assert page.count('class="btn-check"') == 2
    assert "I do ST2" in page and "I do ST8" in page
    assert "I do ST1" not in page


def test_form_dates_the_session_today(sign_in, therapist, version):
    page = text(sign_in(therapist).get(FORM_URL))

    assert f'value="{today().isoformat()}"' in page


def test_form_posts_as_an_ordinary_form_and_with_htmx(sign_in, therapist, version):
    page = text(sign_in(therapist).get(FORM_URL))

    assert f'<form method="post" action="{FORM_URL}"' in page
    assert f'hx-post="{FORM_URL}"' in page


def test_saving_records_the_reflection_and_shows_the_pattern_page(sign_in, therapist, version):
    response = sign_in(therapist).post(
        FORM_URL, form_data(version, "ST2", note="Good"), follow=True
    )

    assert response.redirect_chain[-1][0] == PAGE_URL
    reflection = SessionReflection.objects.get()
    assert {m.item.key: m.happened for m in reflection.marks.all()} == {"ST2": True, "ST8": False}
    assert "is saved" in text(response)


def test_saving_with_htmx_shows_saved_and_record_another(sign_in, therapist, version):
    response = sign_in(therapist).post(FORM_URL, form_data(version, "ST2"), headers=HTMX)

    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert "Saved" in page
    assert "Record another" in page
    assert SessionReflection.objects.count() == 1


def test_record_another_with_htmx_gives_a_fresh_form_with_a_new_token(sign_in, therapist, version):
    client = sign_in(therapist)
    first = text(client.get(FORM_URL, headers=HTMX))
    second = text(client.get(FORM_URL, headers=HTMX))

    token = re.compile(r'name="token" value="([0-9a-f-]+)"')
    assert "<html" not in first
    assert 'id="reflection"' in first
    assert token.search(first).group(1) != token.search(second).group(1)


def test_the_same_form_sent_twice_saves_one_reflection(sign_in, therapist, version):
    client = sign_in(therapist)
    data = form_data(version, "ST2")
    client.post(FORM_URL, data)

    response = client.post(FORM_URL, data, follow=True)

    assert SessionReflection.objects.count() == 1
    assert "already saved" in text(response)


def test_a_future_date_is_refused_keeping_what_was_chosen(sign_in, therapist, version):
    tomorrow = today() + datetime.timedelta(days=1)
    response = sign_in(therapist).post(
        FORM_URL, form_data(version, "ST8", held_on=tomorrow, note="Kept note")
    )

    page = text(response)
    assert response.status_code == 200
    assert "cannot be in the future" in page
    assert (
        f'value="{ids(version, "ST8").pop()}" id="happened-ST8" autocomplete="off" checked' in page
    )
    assert "Kept note" in page
    assert not SessionReflection.objects.exists()


def test_a_refused_htmx_send_comes_back_as_the_form_alone(sign_in, therapist, version):
    old = today() - datetime.timedelta(days=20)
    response = sign_in(therapist).post(
        FORM_URL, form_data(version, "ST2", held_on=old), headers=HTMX
    )

    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert "last 14 days" in page


def test_an_nhs_number_in_the_note_is_shown_beside_the_note(sign_in, therapist, version):
    response = sign_in(therapist).post(
        FORM_URL, form_data(version, "ST2", note=f"NHS {VALID_NHS_NUMBER}")
    )

    page = text(response)
    assert 'id="id_note_error"' in page
    assert "NHS number" in page
    assert not SessionReflection.objects.exists()


def test_a_form_without_its_token_saves_nothing_and_gets_a_new_one(sign_in, therapist, version):
    data = form_data(version, "ST2")
    del data["token"]

    page = text(sign_in(therapist).post(FORM_URL, data))

    assert "one-time code" in page
    assert re.search(r'name="token" value="[0-9a-f-]{36}"', page)
    assert not SessionReflection.objects.exists()


def test_a_behaviour_no_longer_offered_is_refused(sign_in, therapist, version):
    data = form_data(version, "ST2")
    data["happened"].append(str(ids(version, "ST1").pop()))

    page = text(sign_in(therapist).post(FORM_URL, data))

    assert "no longer offered" in page
    assert not SessionReflection.objects.exists()


def test_form_says_when_the_framework_offers_nothing_to_reflect_on(sign_in, therapist, framework):
    build_version(framework, in_session=())

    page = text(sign_in(therapist).get(FORM_URL))

    assert escape(reflections.NOTHING_OFFERED) in page
    assert '<form method="post" action="' + FORM_URL not in page


def test_posting_when_nothing_is_offered_saves_nothing(sign_in, therapist, framework):
    build_version(framework, in_session=())

    response = sign_in(therapist).post(FORM_URL, {"held_on": today().isoformat()})

    assert escape(reflections.NOTHING_OFFERED) in text(response)
    assert not SessionReflection.objects.exists()


# The patterns page


def test_patterns_page_summarises_each_behaviour_in_words(sign_in, therapist, version):
    reflect(therapist, version, "ST2")
    reflect(therapist, version, "ST2", "ST8")
    reflect(therapist, version)

    page = text(sign_in(therapist).get(PAGE_URL))

    assert "I do ST2</span>: in 2 of 3 sessions (67%)" in page
    assert "I do ST8</span>: in 1 of 3 sessions (33%)" in page


def test_patterns_page_shows_a_table_of_behaviours_by_week(sign_in, therapist, version):
    reflect(therapist, version, "ST2")

    page = text(sign_in(therapist).get(PAGE_URL))

    monday = today() - datetime.timedelta(days=today().weekday())
    assert f"Week of {monday.day} {monday:%b}" in page
    assert "<caption>" in page
    assert '<th scope="row">I do ST2</th>' in page
    assert "1 of 1 (100%)" in page


def test_patterns_page_lists_reflections_with_the_therapists_note(sign_in, therapist, version):
    reflect(therapist, version, "ST8", note="Ran over time")

    page = text(sign_in(therapist).get(PAGE_URL))

    assert "Ran over time" in page
    assert "1 of 2 happened." in page
    assert "Not this time:</span> I do ST2</p>" in page


def test_patterns_page_before_any_reflection_says_so(sign_in, therapist, version):
    page = text(sign_in(therapist).get(PAGE_URL))

    assert "No sessions reflected on in the last 8 weeks" in page
    assert "You have not reflected on a session yet." in page


def test_patterns_page_pages_its_reflections(sign_in, therapist, version):
    for days in range(12):
        reflect(therapist, version, held_on=today() - datetime.timedelta(days=days))

    page = text(sign_in(therapist).get(PAGE_URL, {"page": 2}))

    assert "Page 2 of 2" in page
    assert page.count('class="reflection-entry"') == 2


def test_patterns_page_shows_only_the_therapists_own_reflections(sign_in, therapist, team, version):
    reflect(factories.therapist(team=team), version, note="Someone else's note")

    page = text(sign_in(therapist).get(PAGE_URL))

    assert "Someone else's note" not in page


def test_patterns_page_takes_the_same_queries_for_one_or_many_reflections(
    sign_in, therapist, version, django_assert_max_num_queries
):
    client = sign_in(therapist)
    reflect(therapist, version, "ST2")
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(PAGE_URL)
    for days in range(1, 14):
        reflect(therapist, version, "ST8", held_on=today() - datetime.timedelta(days=days))
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(PAGE_URL).status_code == 200


# Measured: the user and their roles (2), the pattern (5: the framework, its version, the
# in-session behaviours, reflections per day, marks per behaviour and day), and the page of
# reflections (3: the count, the page, their marks).
PAGE_QUERIES = 10


# The include a supervisor's page uses


def test_pattern_include_never_shows_the_therapists_notes(therapist, version):
    reflect(therapist, version, "ST2", note="Private thought")

    html = render_to_string(
        "supervision/includes/reflection_pattern.html",
        {"pattern": reflections.reflection_pattern(therapist)},
    )

    assert "Private thought" not in html
    assert "in 1 of 1 session (100%)" in re.sub(r"\s+", " ", html)
