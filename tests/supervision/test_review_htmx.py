"""The supervisor's review on the entry's page through htmx (issue 17): "Confirm" and "Return
for changes" are ordinary forms that also carry hx-post; sent by htmx, the answer is the review
panel with the outcome (or the form's errors, or the conflict as a 409) instead of a redirect.
Without htmx they redirect as before (tests/supervision/test_review_views.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from supervision import services
from supervision.models import SessionComment, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
HTMX = {"HTTP_HX_REQUEST": "true"}
PANEL = "supervision/includes/review_panel.html"


def detail_url(entry) -> str:
    return reverse("supervision:session_detail", args=[entry.pk])


def action_url(name: str, entry) -> str:
    return reverse(f"supervision:session_{name}", args=[entry.pk])


@pytest.fixture
def entry(therapist, supervisor):
    return factories.SupervisionSessionFactory(
        supervisee=therapist,
        supervisor=supervisor,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        reflection="Practised Socratic questions.",
    )


def test_review_forms_post_by_htmx_and_work_without_it(sign_in, supervisor, entry):
    response = sign_in(supervisor).get(detail_url(entry))
    for name in ("confirm", "return"):
        url = action_url(name, entry)
        assertContains(response, f'action="{url}"')
        assertContains(response, f'hx-post="{url}"')
    assertContains(response, 'hx-target="#review-panel"')
    assertContains(response, 'id="review-panel"')


def test_entry_page_loads_the_conflict_script_for_the_reviewer(sign_in, supervisor, entry):
    response = sign_in(supervisor).get(detail_url(entry))
    assertContains(response, "js/htmx-errors.js")


def test_entry_page_does_not_load_the_conflict_script_for_the_supervisee(sign_in, therapist, entry):
    response = sign_in(therapist).get(detail_url(entry))
    assertNotContains(response, "js/htmx-errors.js")


def test_confirm_by_htmx_answers_with_the_panel_and_its_outcome(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(
        action_url("confirm", entry), {"revision": entry.revision}, **HTMX
    )
    assert response.status_code == 200
    assertTemplateUsed(response, PANEL)
    assertContains(response, f"You confirmed the session of {entry.held_on:%-d %B %Y}.")
    assertNotContains(response, "<html")
    entry.refresh_from_db()
    assert entry.status == Status.CONFIRMED


def test_panel_after_confirming_updates_the_status_and_offers_no_more_decisions(
    sign_in, supervisor, entry
):
    response = sign_in(supervisor).post(
        action_url("confirm", entry), {"revision": entry.revision}, **HTMX
    )
    assertContains(response, 'id="entry-status"')
    assertContains(response, 'hx-swap-oob="true"')
    assertContains(response, "Confirmed")
    assertNotContains(response, "Return for changes")


def test_confirm_by_htmx_twice_says_already_confirmed(sign_in, supervisor, entry):
    client = sign_in(supervisor)
    client.post(action_url("confirm", entry), {"revision": entry.revision}, **HTMX)
    again = client.post(action_url("confirm", entry), {"revision": entry.revision}, **HTMX)
    assertContains(again, "This entry is already confirmed.")


def test_confirm_by_htmx_sets_no_message_for_the_next_page(sign_in, supervisor, entry):
    client = sign_in(supervisor)
    client.post(action_url("confirm", entry), {"revision": entry.revision}, **HTMX)
    queue = client.get(reverse("supervision:review_queue"))
    assertNotContains(queue, "You confirmed the session")


def test_return_by_htmx_answers_with_the_panel_and_its_outcome(
    sign_in, therapist, supervisor, entry
):
    data = {"revision": entry.revision, "comment": "Say which skills you practised."}
    response = sign_in(supervisor).post(action_url("return", entry), data, **HTMX)
    assert response.status_code == 200
    assertTemplateUsed(response, PANEL)
    assertContains(response, f"The entry is returned to {therapist} with your comment.")
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED


def test_return_by_htmx_without_a_comment_shows_the_error_in_the_panel(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(
        action_url("return", entry), {"revision": entry.revision, "comment": ""}, **HTMX
    )
    assert response.status_code == 200
    assertTemplateUsed(response, PANEL)
    assertContains(response, "Say what should change.")
    assertContains(response, "Return for changes")


def test_stale_return_by_htmx_is_a_409_panel_that_keeps_the_comment(
    sign_in, therapist, supervisor, entry
):
    stale = entry.revision
    services.withdraw(entry, by=therapist, revision=stale)
    services.submit(entry, by=therapist, revision=entry.revision)
    data = {"revision": stale, "comment": "Please add what you learnt."}
    response = sign_in(supervisor).post(action_url("return", entry), data, **HTMX)
    assert response.status_code == 409
    assertTemplateUsed(response, PANEL)
    assertContains(response, "changed since you opened it", status_code=409)
    assertContains(response, "Please add what you learnt.", status_code=409)
    assert not SessionComment.objects.exists()


def test_confirm_by_htmx_after_the_entry_was_returned_shows_the_entry_as_it_now_is(
    sign_in, supervisor, entry
):
    stale = entry.revision
    client = sign_in(supervisor)
    client.post(action_url("return", entry), {"revision": stale, "comment": "Add more."})
    response = client.post(action_url("confirm", entry), {"revision": stale}, **HTMX)
    assert response.status_code == 409
    assertTemplateUsed(response, "supervision/session_detail.html")
    assert (response["HX-Retarget"], response["HX-Reselect"]) == ("#main", "#main")
    assertContains(response, "no longer waiting for review", status_code=409)
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED


def test_supervisee_taking_it_back_while_the_supervisor_confirms_shows_in_the_panel(
    sign_in, therapist, supervisor, entry, monkeypatch
):
    confirm = services.confirm

    def taken_back_first(entry_, *, by, revision):
        services.withdraw(
            SupervisionSession.objects.get(pk=entry_.pk), by=therapist, revision=revision
        )
        return confirm(entry_, by=by, revision=revision)

    monkeypatch.setattr(services, "confirm", taken_back_first)
    response = sign_in(supervisor).post(
        action_url("confirm", entry), {"revision": entry.revision}, **HTMX
    )
    assert response.status_code == 409
    assertContains(response, f"{therapist} took this entry back", status_code=409)
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT


def test_confirm_by_htmx_of_an_entry_already_taken_back_is_not_found(
    sign_in, therapist, supervisor, entry
):
    services.withdraw(entry, by=therapist, revision=entry.revision)
    response = sign_in(supervisor).post(action_url("confirm", entry), {"revision": 0}, **HTMX)
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.DRAFT


def test_confirm_by_htmx_from_someone_else_is_not_found(sign_in, team, entry):
    stranger = factories.supervisor(team=team)
    response = sign_in(stranger).post(
        action_url("confirm", entry), {"revision": entry.revision}, **HTMX
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED


def test_confirm_without_htmx_still_redirects_to_the_queue(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(action_url("confirm", entry), {"revision": entry.revision})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("supervision:review_queue"),
    )


def test_stale_confirm_by_htmx_keeps_the_comment_typed_in_the_return_form(
    sign_in, therapist, supervisor, entry
):
    stale = entry.revision
    services.withdraw(entry, by=therapist, revision=stale)
    services.submit(entry, by=therapist, revision=entry.revision)
    data = {"revision": stale, "comment": "Half-written thoughts."}
    response = sign_in(supervisor).post(action_url("confirm", entry), data, **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#main"
    assertContains(response, "Half-written thoughts.", status_code=409)
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED
