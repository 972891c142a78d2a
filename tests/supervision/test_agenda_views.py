"""The agenda pages: the therapist's own and a current supervisee's for their supervisor, adding
items (with and without htmx, once however often the form is sent), closing them and marking
agreed actions done; the refusals; who gets 404; and the page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import (
    assertContains,
    assertNotContains,
    assertRedirects,
    assertTemplateUsed,
)

from assessments.models import FrameworkItem
from supervision import agenda, agenda_queries
from supervision.models import AgendaItem, AgreedAction, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = AgendaItem.Status
AGENDA = reverse("supervision:agenda")
HTMX = {"HX-Request": "true"}
NHS_NUMBER = "943 476 5919"


def today() -> datetime.date:
    return timezone.localdate()


def supervisee_url(person) -> str:
    return reverse("supervision:supervisee_agenda", args=[person.pk])


def close_url(item) -> str:
    return reverse("supervision:agenda_close", args=[item.pk])


def done_url(action) -> str:
    return reverse("supervision:action_done", args=[action.pk])


def form_data(supervisee, **overrides) -> dict:
    """What the add form posts, built as the page builds it."""
    token = str(agenda_queries.newest_item_id(supervisee))
    return {"text": "Agenda setting with anxious clients", "token": token} | overrides


def add(supervisee, by=None, text="Pacing in long sessions", items=()):
    item, _created = agenda.add_agenda_item(
        supervisee, by=by or supervisee, text=text, items=items, token=0
    )
    return item


def entry_of(supervisee, supervisor, *, days_ago=1, status=SupervisionSession.Status.SUBMITTED):
    return factories.SupervisionSessionFactory(
        supervisee=supervisee,
        supervisor=supervisor,
        held_on=today() - datetime.timedelta(days=days_ago),
        status=status,
        submitted_at=None if status == SupervisionSession.Status.DRAFT else timezone.now(),
    )


@pytest.fixture
def statements(therapist, published_version):
    """An ordinary and a private statement of the therapist's framework."""
    items = FrameworkItem.objects.filter(version=published_version).rated()
    return items.filter(is_sensitive=False).first(), items.filter(is_sensitive=True).first()


@pytest.fixture
def outsider(team):
    """A supervisor in the therapist's team who does not supervise them."""
    return factories.supervisor(team=team)


# Who may open the pages


def test_therapist_sees_an_empty_agenda(sign_in, therapist):
    response = sign_in(therapist).get(AGENDA)
    assertContains(response, "Your agenda for supervision")
    assertContains(response, "Nothing is on the agenda yet.")
    assertContains(response, "Every action you agreed in supervision is done.")


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(AGENDA)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_supervisor_who_is_not_a_therapist_is_told_the_page_is_for_therapists(sign_in, supervisor):
    assert sign_in(supervisor).get(AGENDA).status_code == 403


def test_supervisor_opens_a_current_supervisees_agenda(sign_in, therapist, supervisor):
    add(therapist, text="Working with shame")
    response = sign_in(supervisor).get(supervisee_url(therapist))
    assert response.context["supervisee"] == therapist
    assertContains(response, "Working with shame")


def test_another_supervisor_gets_not_found(sign_in, therapist, outsider):
    assert sign_in(outsider).get(supervisee_url(therapist)).status_code == 404


def test_a_former_supervisor_gets_not_found(sign_in, therapist, team):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=today() - datetime.timedelta(days=100),
        ends_on=today() - datetime.timedelta(days=1),
    )
    assert sign_in(former).get(supervisee_url(therapist)).status_code == 404


def test_therapist_opening_their_own_id_as_a_supervisee_gets_not_found(sign_in, therapist):
    assert sign_in(therapist).get(supervisee_url(therapist)).status_code == 404


# What the page shows


def test_page_lists_open_items_with_who_added_them(sign_in, therapist, supervisor):
    add(therapist, by=supervisor, text="Bring a recording")
    response = sign_in(therapist).get(AGENDA)
    assertContains(response, "Bring a recording")
    assertContains(response, f"Added by {supervisor}")


def test_page_shows_a_suggestion_as_from_the_training_needs_profile(sign_in, therapist):
    agenda.suggest_agenda_item(therapist, "Practise Socratic questions", [])
    response = sign_in(therapist).get(AGENDA)
    assertContains(response, "Suggested from your training-needs profile")


def test_closed_item_shows_the_session_it_was_discussed_in(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor, days_ago=3)
    item = add(therapist)
    agenda.close_agenda_item(item, by=therapist, outcome=Status.DISCUSSED, discussed_in=entry)
    response = sign_in(therapist).get(AGENDA)
    detail = reverse("supervision:session_detail", args=[entry.pk])
    assertContains(response, f'<a href="{detail}">the session of {entry.held_on:%-d %B %Y}</a>')


def test_supervisor_sees_no_link_to_a_draft_the_item_was_discussed_in(
    sign_in, therapist, supervisor
):
    draft = entry_of(therapist, supervisor, status=SupervisionSession.Status.DRAFT)
    item = add(therapist)
    agenda.close_agenda_item(item, by=therapist, outcome=Status.DISCUSSED, discussed_in=draft)
    response = sign_in(supervisor).get(supervisee_url(therapist))
    assertContains(response, f"the session of {draft.held_on:%-d %B %Y}")
    assertNotContains(response, reverse("supervision:session_detail", args=[draft.pk]))


def test_overdue_action_is_flagged_with_a_link_to_its_session(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor, days_ago=20)
    factories.AgreedActionFactory(
        entry=entry, text="Read the chapter", due_on=today() - datetime.timedelta(days=2)
    )
    response = sign_in(therapist).get(AGENDA)
    assertContains(response, "Read the chapter")
    assertContains(response, "Overdue")
    assertContains(response, reverse("supervision:session_detail", args=[entry.pk]))


def test_action_not_yet_due_is_not_flagged(sign_in, therapist, supervisor):
    factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    assertNotContains(sign_in(therapist).get(AGENDA), "Overdue")


def test_done_action_is_not_listed(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    factories.AgreedActionFactory(entry=entry, text="Already done", done_on=today())
    assertNotContains(sign_in(therapist).get(AGENDA), "Already done")


def test_supervisor_sees_actions_without_a_done_button(sign_in, therapist, supervisor):
    factories.AgreedActionFactory(entry=entry_of(therapist, supervisor), text="Read the chapter")
    response = sign_in(supervisor).get(supervisee_url(therapist))
    assertContains(response, "Read the chapter")
    assertNotContains(response, "Mark done")


def test_supervisor_is_not_shown_an_items_private_statement(
    sign_in, therapist, supervisor, statements
):
    ordinary, private = statements
    add(therapist, items=[ordinary, private])
    response = sign_in(supervisor).get(supervisee_url(therapist))
    assertContains(response, ordinary.target_text)
    assertNotContains(response, private.target_text)


def test_supervisee_is_shown_their_private_statements(sign_in, therapist, statements):
    _ordinary, private = statements
    add(therapist, items=[private])
    assertContains(sign_in(therapist).get(AGENDA), private.target_text, count=2)


def test_closed_items_are_paginated(sign_in, therapist):
    for number in range(26):
        item = add(therapist, text=f"Item {number}")
        agenda.close_agenda_item(item, by=therapist, outcome=Status.DROPPED)
    response = sign_in(therapist).get(AGENDA, {"page": 2})
    assertContains(response, "Page 2 of 2")


# Adding


def test_therapist_adds_an_item_and_is_sent_back_to_the_agenda(sign_in, therapist):
    response = sign_in(therapist).post(AGENDA, form_data(therapist), follow=True)
    assertRedirects(response, AGENDA)
    assertContains(response, "Added to the agenda.")
    assert AgendaItem.objects.get().added_by == therapist


def test_with_htmx_the_open_list_comes_back_with_the_new_item(sign_in, therapist):
    response = sign_in(therapist).post(AGENDA, form_data(therapist), headers=HTMX)
    assert response.status_code == 200
    assertTemplateUsed(response, "supervision/includes/agenda_open.html")
    assertTemplateUsed(response, "supervision/includes/agenda_form.html")
    assertNotContains(response, "<html")
    assertContains(response, "Agenda setting with anxious clients")
    assertContains(response, f'name="token" value="{AgendaItem.objects.get().pk}"')


def test_the_same_form_sent_twice_adds_one_item_and_says_so(sign_in, therapist):
    client = sign_in(therapist)
    data = form_data(therapist)
    client.post(AGENDA, data)
    response = client.post(AGENDA, data, follow=True)
    assertContains(response, "This was already on the agenda, so it was not added twice.")
    assert AgendaItem.objects.count() == 1


def test_the_page_after_an_addition_adds_the_same_words_again(sign_in, therapist):
    client = sign_in(therapist)
    client.post(AGENDA, form_data(therapist))
    client.post(AGENDA, form_data(therapist))
    assert AgendaItem.objects.count() == 2


def test_empty_text_is_refused_beside_the_field(sign_in, therapist):
    response = sign_in(therapist).post(AGENDA, form_data(therapist, text="  "))
    assert response.status_code == 200
    assertContains(response, 'id="id_text_error"')
    assertContains(response, "Write what you want to discuss.")
    assert not AgendaItem.objects.exists()


def test_text_over_2000_characters_is_refused_and_kept(sign_in, therapist):
    text = "Long " * 401
    response = sign_in(therapist).post(AGENDA, form_data(therapist, text=text))
    assertContains(response, "Keep it to 2,000 characters")
    assertContains(response, text.strip())
    assert not AgendaItem.objects.exists()


def test_an_nhs_number_is_refused_beside_the_field_keeping_what_was_typed(sign_in, therapist):
    text = f"Client {NHS_NUMBER} keeps cancelling"
    response = sign_in(therapist).post(AGENDA, form_data(therapist, text=text))
    assertContains(response, "looks like an NHS number")
    assertContains(response, 'aria-invalid="true"')
    assertContains(response, text)
    assert not AgendaItem.objects.exists()


def test_with_htmx_refused_input_comes_back_in_the_open_list(sign_in, therapist):
    response = sign_in(therapist).post(AGENDA, form_data(therapist, text=""), headers=HTMX)
    assert response.status_code == 200
    assertTemplateUsed(response, "supervision/includes/agenda_open.html")
    assertContains(response, "Write what you want to discuss.")


@pytest.mark.parametrize("forged", ["999999", "abc", str(2**70), "-1"])
def test_a_forged_statement_is_refused(sign_in, therapist, published_version, forged):
    response = sign_in(therapist).post(AGENDA, form_data(therapist, items=[forged]))
    assertContains(response, "Choose statements from the list.")
    assert not AgendaItem.objects.exists()


def test_a_statement_of_another_framework_is_refused(sign_in, therapist, published_version):
    other = factories.FrameworkItemFactory()
    response = sign_in(therapist).post(AGENDA, form_data(therapist, items=[str(other.pk)]))
    assertContains(response, "Choose statements from the list.")


def test_therapist_links_statements_including_a_private_one(sign_in, therapist, statements):
    ids = [str(item.pk) for item in statements]
    sign_in(therapist).post(AGENDA, form_data(therapist, items=ids))
    assert set(AgendaItem.objects.get().items.all()) == set(statements)


def test_supervisor_is_not_offered_a_private_statement(sign_in, therapist, supervisor, statements):
    ordinary, private = statements
    response = sign_in(supervisor).get(supervisee_url(therapist))
    assertContains(response, f'<option value="{ordinary.pk}"')
    assertNotContains(response, f'<option value="{private.pk}"')


def test_supervisor_posting_a_private_statement_is_refused(
    sign_in, therapist, supervisor, statements
):
    _ordinary, private = statements
    data = form_data(therapist, items=[str(private.pk)])
    response = sign_in(supervisor).post(supervisee_url(therapist), data)
    assertContains(response, "Choose statements from the list.")
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("token", ["", "abc", "-3", str(2**70)])
def test_a_form_without_its_token_is_refused_keeping_what_was_typed(sign_in, therapist, token):
    response = sign_in(therapist).post(AGENDA, form_data(therapist, token=token))
    assertContains(response, "This form was incomplete, so nothing was added.")
    assertContains(response, "Agenda setting with anxious clients")
    assertContains(response, 'name="token" value="0"')
    assert not AgendaItem.objects.exists()


def test_supervisor_adds_an_item_to_a_supervisees_agenda(sign_in, therapist, supervisor):
    response = sign_in(supervisor).post(supervisee_url(therapist), form_data(therapist))
    assertRedirects(response, supervisee_url(therapist))
    item = AgendaItem.objects.get()
    assert (item.supervisee, item.added_by) == (therapist, supervisor)


def test_another_supervisor_cannot_add(sign_in, therapist, outsider):
    response = sign_in(outsider).post(supervisee_url(therapist), form_data(therapist))
    assert response.status_code == 404
    assert not AgendaItem.objects.exists()


# Closing


def test_supervisee_marks_an_item_discussed_in_a_session(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    item = add(therapist)
    data = {"outcome": "discussed", "discussed_in": str(entry.pk)}
    response = sign_in(therapist).post(close_url(item), data, follow=True)
    assertRedirects(response, AGENDA)
    assertContains(response, "Marked discussed")
    item.refresh_from_db()
    assert (item.status, item.discussed_in) == (Status.DISCUSSED, entry)


def test_with_htmx_closing_returns_the_row(sign_in, therapist):
    item = add(therapist)
    response = sign_in(therapist).post(close_url(item), {"outcome": "dropped"}, headers=HTMX)
    assertTemplateUsed(response, "supervision/includes/agenda_item.html")
    assertContains(response, "Marked dropped: it is now under Closed items.")
    assertContains(response, f'id="agenda-item-{item.pk}"')


def test_closing_a_closed_item_changes_nothing_and_says_so(sign_in, therapist):
    item = add(therapist)
    client = sign_in(therapist)
    client.post(close_url(item), {"outcome": "dropped"})
    response = client.post(close_url(item), {"outcome": "discussed"}, follow=True)
    assertContains(response, "This item was already closed, so nothing changed.")
    assert AgendaItem.objects.get().status == Status.DROPPED


def test_a_forged_repeat_of_a_close_changes_nothing_and_says_so(sign_in, therapist):
    item = add(therapist)
    client = sign_in(therapist)
    client.post(close_url(item), {"outcome": "dropped"})
    response = client.post(close_url(item), {"outcome": "open"}, headers=HTMX)
    assertContains(response, "This item was already closed, so nothing changed.")
    assert AgendaItem.objects.get().status == Status.DROPPED


def test_supervisor_closes_and_returns_to_the_supervisees_agenda(sign_in, therapist, supervisor):
    item = add(therapist)
    response = sign_in(supervisor).post(close_url(item), {"outcome": "dropped"})
    assertRedirects(response, supervisee_url(therapist))


def test_a_session_picked_before_dropping_is_not_recorded(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    item = add(therapist)
    data = {"outcome": "dropped", "discussed_in": str(entry.pk)}
    sign_in(therapist).post(close_url(item), data)
    item.refresh_from_db()
    assert (item.status, item.discussed_in) == (Status.DROPPED, None)


@pytest.mark.parametrize("forged", ["999999", "abc", str(2**70)])
def test_a_forged_session_is_refused_and_the_item_stays_open(sign_in, therapist, forged):
    item = add(therapist)
    data = {"outcome": "discussed", "discussed_in": forged}
    response = sign_in(therapist).post(close_url(item), data)
    assert response.status_code == 200
    assertContains(response, "Choose one of the sessions listed, or none.")
    assert AgendaItem.objects.get().status == Status.OPEN


def test_an_older_session_is_refused(sign_in, therapist, supervisor):
    entry = entry_of(therapist, supervisor, days_ago=91)
    item = add(therapist)
    data = {"outcome": "discussed", "discussed_in": str(entry.pk)}
    response = sign_in(therapist).post(close_url(item), data, headers=HTMX)
    assertContains(response, "Choose one of the sessions listed, or none.")
    assert AgendaItem.objects.get().status == Status.OPEN


def test_an_unknown_outcome_is_refused(sign_in, therapist):
    item = add(therapist)
    response = sign_in(therapist).post(close_url(item), {"outcome": "open"})
    assertContains(response, "Choose whether it was discussed or dropped.")
    assert AgendaItem.objects.get().status == Status.OPEN


def test_another_supervisor_closing_gets_not_found(sign_in, therapist, outsider):
    item = add(therapist)
    response = sign_in(outsider).post(close_url(item), {"outcome": "dropped"})
    assert response.status_code == 404
    assert AgendaItem.objects.get().status == Status.OPEN


def test_closing_is_post_only(sign_in, therapist):
    item = add(therapist)
    assert sign_in(therapist).get(close_url(item)).status_code == 405


def test_signed_out_visitor_closing_is_sent_to_sign_in(client, therapist):
    item = add(therapist)
    response = client.post(close_url(item), {"outcome": "dropped"})
    assert "/accounts/login/" in response["Location"]


# Agreed actions


def test_supervisee_marks_an_action_done_today(sign_in, therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    response = sign_in(therapist).post(done_url(action), follow=True)
    assertRedirects(response, AGENDA)
    assertContains(response, "Marked done.")
    assert AgreedAction.objects.get().done_on == today()


def test_with_htmx_marking_done_returns_the_row(sign_in, therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    response = sign_in(therapist).post(done_url(action), headers=HTMX)
    assertTemplateUsed(response, "supervision/includes/agenda_action.html")
    assertContains(response, f"Done on {today():%-d %B %Y}")


def test_marking_a_done_action_again_changes_nothing_and_says_so(sign_in, therapist, supervisor):
    earlier = today() - datetime.timedelta(days=4)
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor), done_on=earlier)
    response = sign_in(therapist).post(done_url(action), follow=True)
    assertContains(response, "This action was already done, so nothing changed.")
    assert AgreedAction.objects.get().done_on == earlier


def test_supervisor_marking_an_action_done_gets_not_found(sign_in, therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    assert sign_in(supervisor).post(done_url(action)).status_code == 404
    assert AgreedAction.objects.get().done_on is None


def test_marking_done_is_post_only(sign_in, therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    assert sign_in(therapist).get(done_url(action)).status_code == 405


# Query counts


def fill_agenda(therapist, supervisor, statements, rows: int) -> None:
    """`rows` open items, closed items and waiting actions, each with statements."""
    entry = entry_of(therapist, supervisor)
    for number in range(rows):
        add(therapist, text=f"Open {number}", items=statements)
        closed = add(therapist, text=f"Closed {number}", items=statements)
        agenda.close_agenda_item(closed, by=therapist, outcome=Status.DISCUSSED, discussed_in=entry)
        factories.AgreedActionFactory(entry=entry)


# Measured: the same for one row and for many (sign-in, roles, framework, the lists).
OWN_PAGE_QUERIES = 15
SUPERVISEE_PAGE_QUERIES = 17


@pytest.mark.parametrize("rows", [1, 12])
def test_own_agenda_page_queries_do_not_grow_with_rows(
    sign_in, therapist, supervisor, statements, rows, django_assert_max_num_queries
):
    fill_agenda(therapist, supervisor, statements, rows)
    client = sign_in(therapist)
    with django_assert_max_num_queries(OWN_PAGE_QUERIES):
        response = client.get(AGENDA)
    assertContains(response, f"Open {rows - 1}")


@pytest.mark.parametrize("rows", [1, 12])
def test_supervisee_agenda_page_queries_do_not_grow_with_rows(
    sign_in, therapist, supervisor, statements, rows, django_assert_max_num_queries
):
    fill_agenda(therapist, supervisor, statements, rows)
    client = sign_in(supervisor)
    with django_assert_max_num_queries(SUPERVISEE_PAGE_QUERIES):
        response = client.get(supervisee_url(therapist))
    assertContains(response, f"Closed {rows - 1}")
