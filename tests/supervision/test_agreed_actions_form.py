"""Agreed actions on the entry form (issue 17): up to three new rows of text and due date on a
new or changed entry, a row left empty adding nothing, a half-filled row refused beside the
missing field; the entry's actions listed with a "remove" box while it may be changed; a stale
page or a double submit adding nothing twice; and the actions shown on the entry's page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from supervision import services
from supervision.models import AgreedAction, SupervisionSession

pytestmark = pytest.mark.django_db

NEW = reverse("supervision:session_new")
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
DUE = TODAY + datetime.timedelta(days=14)


def edit_url(entry) -> str:
    return reverse("supervision:session_edit", args=[entry.pk])


def detail_url(entry) -> str:
    return reverse("supervision:session_detail", args=[entry.pk])


def entry_post(supervisor, **extra) -> dict:
    post = {
        "held_on": YESTERDAY.isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "remote",
        "supervisor": str(supervisor.pk),
    }
    return post | extra


def action_row(number: int, text: str = "", due_on: datetime.date | str = "") -> dict:
    due = due_on.isoformat() if isinstance(due_on, datetime.date) else due_on
    return {f"action-{number}-text": text, f"action-{number}-due_on": due}


def blank_rows() -> dict:
    return action_row(1) | action_row(2) | action_row(3)


@pytest.fixture
def draft(therapist, supervisor):
    return services.record_session(
        therapist,
        supervisor=supervisor,
        held_on=YESTERDAY,
        duration_minutes=60,
        format="individual",
        delivery="remote",
    )


def test_new_entry_form_offers_three_blank_action_rows(sign_in, therapist):
    response = sign_in(therapist).get(NEW)
    for number in (1, 2, 3):
        assertContains(response, f'name="action-{number}-text"')
        assertContains(response, f'name="action-{number}-due_on"')
    assertNotContains(response, 'name="action-4-text"')


def test_new_entry_saves_the_actions_typed(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | blank_rows()
    post |= action_row(1, "Set an agenda in every session", DUE)
    post |= action_row(3, "Read the CTS-R manual", DUE + datetime.timedelta(days=7))
    response = sign_in(therapist).post(NEW, post)
    assert response.status_code == 302
    entry = SupervisionSession.objects.get()
    assert list(entry.actions.values_list("text", "due_on")) == [
        ("Set an agenda in every session", DUE),
        ("Read the CTS-R manual", DUE + datetime.timedelta(days=7)),
    ]
    assert entry.actions.first().history.get().history_user == therapist


def test_blank_action_rows_add_nothing(sign_in, therapist, supervisor):
    sign_in(therapist).post(NEW, entry_post(supervisor) | blank_rows())
    assert SupervisionSession.objects.count() == 1
    assert not AgreedAction.objects.exists()


def test_action_without_a_due_date_is_refused_and_the_text_kept(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | blank_rows() | action_row(2, "Practise summarising")
    response = sign_in(therapist).post(NEW, post)
    assertContains(response, "Give the date it is due by.")
    assertContains(response, "Practise summarising")
    assert not SupervisionSession.objects.exists()


def test_due_date_without_an_action_asks_what_was_agreed(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | blank_rows() | action_row(1, "", DUE)
    response = sign_in(therapist).post(NEW, post)
    assertContains(response, "Say what you agreed to do.")
    assert not AgreedAction.objects.exists()


def test_action_with_an_nhs_number_is_refused(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | action_row(1, "Call 943 476 5919", DUE)
    response = sign_in(therapist).post(NEW, post)
    assertContains(response, "looks like an NHS number")
    assert not AgreedAction.objects.exists()


def test_edit_page_lists_existing_actions_with_a_remove_box(sign_in, therapist, draft):
    services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    response = sign_in(therapist).get(edit_url(draft))
    assertContains(response, 'name="actions-remove"')
    assertContains(response, f"Set agendas (due {DUE:%-d %B %Y})")


def test_edit_adds_an_action_to_an_entry(sign_in, therapist, supervisor, draft):
    post = entry_post(supervisor, revision=draft.revision) | action_row(1, "Use a timer", DUE)
    response = sign_in(therapist).post(edit_url(draft), post)
    assert response.status_code == 302
    assert list(draft.actions.values_list("text", flat=True)) == ["Use a timer"]
    draft.refresh_from_db()
    assert draft.revision == 1


def test_ticked_action_is_removed_and_the_others_kept(sign_in, therapist, supervisor, draft):
    gone = services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    kept = services.add_action(draft, by=therapist, text="Use a timer", due_on=DUE)
    post = entry_post(supervisor, revision=draft.revision) | {"actions-remove": [str(gone.pk)]}
    sign_in(therapist).post(edit_url(draft), post)
    assert list(draft.actions.all()) == [kept]
    deletion = AgreedAction.history.get(id=gone.pk, history_type="-")
    assert deletion.history_user == therapist


def test_removing_another_entrys_action_removes_nothing(sign_in, therapist, supervisor, draft):
    other = services.record_session(
        therapist,
        supervisor=supervisor,
        held_on=YESTERDAY,
        duration_minutes=30,
        format="individual",
        delivery="remote",
    )
    theirs = services.add_action(other, by=therapist, text="Keep me", due_on=DUE)
    post = entry_post(supervisor, revision=draft.revision) | {"actions-remove": [str(theirs.pk)]}
    sign_in(therapist).post(edit_url(draft), post)
    assert AgreedAction.objects.filter(pk=theirs.pk).exists()


def test_remove_box_with_an_id_past_64_bits_is_not_an_error(sign_in, therapist, supervisor, draft):
    services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    post = entry_post(supervisor, revision=draft.revision) | {"actions-remove": [str(2**70)]}
    response = sign_in(therapist).post(edit_url(draft), post)
    assert response.status_code == 302
    assert draft.actions.count() == 1


def test_action_from_a_stale_page_is_a_conflict_that_adds_nothing(
    sign_in, therapist, supervisor, draft
):
    stale = draft.revision
    services.update_session(draft, by=therapist, revision=stale, duration_minutes=90)
    post = entry_post(supervisor, revision=stale, duration_minutes="90")
    post |= action_row(1, "Use a timer", DUE)
    response = sign_in(therapist).post(edit_url(draft), post)
    assert response.status_code == 409
    assertContains(response, "Use a timer", status_code=409)
    assert not AgreedAction.objects.exists()


def test_removal_from_a_stale_page_is_a_conflict_that_removes_nothing(
    sign_in, therapist, supervisor, draft
):
    action = services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    stale = draft.revision
    services.update_session(draft, by=therapist, revision=stale, duration_minutes=90)
    post = entry_post(supervisor, revision=stale, duration_minutes="90")
    post |= {"actions-remove": [str(action.pk)]}
    assert sign_in(therapist).post(edit_url(draft), post).status_code == 409
    assert AgreedAction.objects.filter(pk=action.pk).exists()


def test_double_submit_adds_the_action_once(sign_in, therapist, supervisor, draft):
    post = entry_post(supervisor, revision=draft.revision) | action_row(1, "Use a timer", DUE)
    client = sign_in(therapist)
    client.post(edit_url(draft), post)
    second = client.post(edit_url(draft), post)
    assert second.status_code == 409
    assert draft.actions.count() == 1


def test_service_removes_an_action_from_an_editable_entry(therapist, draft):
    action = services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    assert services.remove_action(action, by=therapist, revision=draft.revision)
    assert not draft.actions.exists()


def test_service_does_not_remove_an_action_of_a_submitted_entry(therapist, draft):
    action = services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    services.submit(draft, by=therapist, revision=draft.revision)
    with pytest.raises(services.WrongState):
        services.remove_action(action, by=therapist, revision=draft.revision)
    assert draft.actions.exists()


def test_supervisor_cannot_remove_the_supervisees_action(therapist, supervisor, draft):
    action = services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    with pytest.raises(services.NotAllowed):
        services.remove_action(action, by=supervisor, revision=draft.revision)


def test_entry_page_shows_the_agreed_actions_to_the_supervisor(
    sign_in, therapist, supervisor, draft
):
    services.add_action(draft, by=therapist, text="Set agendas", due_on=DUE)
    services.submit(draft, by=therapist, revision=draft.revision)
    response = sign_in(supervisor).get(detail_url(draft))
    assertContains(response, f"Set agendas, by {DUE:%-d %B %Y}")


@pytest.mark.parametrize("count", [1, 12])
def test_edit_page_queries_do_not_grow_with_actions(
    sign_in, therapist, draft, count, django_assert_max_num_queries
):
    for number in range(count):
        services.add_action(draft, by=therapist, text=f"Action {number}", due_on=DUE)
    client = sign_in(therapist)
    with django_assert_max_num_queries(12):
        response = client.get(edit_url(draft))
    assertContains(response, f"Action {count - 1}")
