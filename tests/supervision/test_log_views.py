"""The supervisee's log page and entry form: logging, changing and submitting a session, the
refusals, the conflict of a stale page, and the page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from supervision.models import SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
LOG = reverse("supervision:log")
NEW = reverse("supervision:session_new")


def edit_url(entry) -> str:
    return reverse("supervision:session_edit", args=[entry.pk])


def posted(supervisor, **overrides) -> dict:
    data = {
        "held_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "remote",
        "supervisor": str(supervisor.pk),
        "activities": ["formulation"],
        "reflection": "Worked on my formulation skills.",
    }
    return data | overrides


@pytest.fixture
def draft(therapist, supervisor):
    return factories.SupervisionSessionFactory(supervisee=therapist, supervisor=supervisor)


def test_therapist_logs_a_session_as_a_draft(sign_in, therapist, supervisor):
    response = sign_in(therapist).post(NEW, posted(supervisor))
    assertRedirects(response, LOG)
    entry = SupervisionSession.objects.get()
    assert (entry.supervisee, entry.status, entry.activities) == (
        therapist,
        Status.DRAFT,
        ["formulation"],
    )


def test_therapist_logs_and_sends_a_session_to_their_supervisor(sign_in, therapist, supervisor):
    sign_in(therapist).post(NEW, posted(supervisor) | {"submit": ""})
    assert SupervisionSession.objects.get().status == Status.SUBMITTED


def test_session_with_an_external_supervisor_is_logged_not_confirmed(
    sign_in, therapist, supervisor
):
    external = {"supervisor": "", "external_supervisor_name": "Dr A Smith", "submit": ""}
    client = sign_in(therapist)
    response = client.post(NEW, posted(supervisor) | external, follow=True)
    assertContains(response, "Logged, not confirmed in the product")


def test_nhs_number_in_the_reflection_is_refused_and_nothing_saved(sign_in, therapist, supervisor):
    response = sign_in(therapist).post(NEW, posted(supervisor, reflection="Seen 943 476 5919"))
    assertContains(response, "looks like an NHS number")
    assert not SupervisionSession.objects.exists()


def test_group_session_without_its_size_is_refused(sign_in, therapist, supervisor):
    response = sign_in(therapist).post(NEW, posted(supervisor, format="group"))
    assertContains(response, "Give the number of people in the group.")
    assert not SupervisionSession.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"format": "group", "group_size": "40000"}, "less than or equal to 100"),
        ({"reflection": "x" * 10_001}, "at most 10000 characters"),
    ],
)
def test_a_group_or_reflection_past_its_bound_is_refused_and_nothing_saved(
    sign_in, therapist, supervisor, overrides, message
):
    response = sign_in(therapist).post(NEW, posted(supervisor, **overrides))
    assertContains(response, message)
    assert not SupervisionSession.objects.exists()


@pytest.mark.parametrize("item", [str(2**63), "9" * 30, "-1", "x"])
def test_a_statement_that_cannot_exist_is_refused_and_nothing_saved(
    sign_in, therapist, supervisor, item
):
    response = sign_in(therapist).post(NEW, posted(supervisor, items=[item]))
    assert response.status_code == 200
    assertContains(response, "is not one of the available choices")
    assert not SupervisionSession.objects.exists()


def test_someone_who_is_not_their_supervisor_cannot_be_chosen(sign_in, therapist, team):
    stranger = factories.supervisor(team=team)
    response = sign_in(therapist).post(NEW, posted(stranger))
    assert response.status_code == 200
    assert not SupervisionSession.objects.exists()


def test_therapist_changes_a_draft(sign_in, therapist, supervisor, draft):
    data = posted(supervisor, duration_minutes="75") | {"revision": "0"}
    assertRedirects(sign_in(therapist).post(edit_url(draft), data), LOG)
    draft.refresh_from_db()
    assert (draft.duration_minutes, draft.revision) == (75, 1)


def test_change_from_a_stale_page_is_a_conflict_that_keeps_what_was_typed(
    sign_in, therapist, supervisor, draft
):
    client = sign_in(therapist)
    client.post(edit_url(draft), posted(supervisor, duration_minutes="75") | {"revision": "0"})
    data = posted(supervisor, reflection="My newer thoughts") | {"revision": "0"}
    response = client.post(edit_url(draft), data)
    assert response.status_code == 409
    assertContains(response, "changed in another window", status_code=409)
    assertContains(response, "My newer thoughts", status_code=409)
    draft.refresh_from_db()
    assert (draft.reflection, draft.duration_minutes) == ("Worked on my formulation skills.", 75)


def test_save_without_the_pages_revision_is_refused(sign_in, therapist, supervisor, draft):
    response = sign_in(therapist).post(edit_url(draft), posted(supervisor))
    assert response.status_code == 400


def test_submitted_entry_is_no_longer_offered_for_changes(sign_in, therapist, supervisor):
    entry = factories.SupervisionSessionFactory(
        supervisee=therapist,
        supervisor=supervisor,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    assertRedirects(sign_in(therapist).get(edit_url(entry)), LOG)


def test_another_therapists_entry_is_not_found(sign_in, team, draft):
    colleague = factories.therapist(team=team)
    assert sign_in(colleague).get(edit_url(draft)).status_code == 404


def test_supervisor_cannot_open_the_supervisees_edit_form(sign_in, supervisor, draft):
    assert sign_in(supervisor).get(edit_url(draft)).status_code == 404


def test_log_shows_the_months_hours_against_the_standard(sign_in, therapist, supervisor):
    factories.SupervisionSessionFactory(
        supervisee=therapist,
        supervisor=supervisor,
        duration_minutes=95,
        status=Status.CONFIRMED,
        submitted_at=timezone.now(),
        confirmed_by=supervisor,
        confirmed_at=timezone.now(),
    )
    response = sign_in(therapist).get(LOG)
    assertContains(response, "<td>95 min</td>", html=True)
    assertContains(response, "<td>90 min</td>", html=True)


def test_log_and_form_have_no_inline_styles_or_scripts(sign_in, therapist, draft):
    client = sign_in(therapist)
    for url in (LOG, NEW, edit_url(draft)):
        content = client.get(url).content.decode()
        assert "style=" not in content and "<script>" not in content


def test_log_page_query_count_does_not_grow_with_entries(
    sign_in, therapist, supervisor, django_assert_max_num_queries
):
    factories.SupervisionSessionFactory.create_batch(
        20, supervisee=therapist, supervisor=supervisor
    )
    client = sign_in(therapist)
    with django_assert_max_num_queries(7):
        response = client.get(LOG)
    assert len(response.context["page"].object_list) == 20
