"""The agenda's services and reads: adding (once per form, however often it is sent),
suggesting, closing and marking actions done, who may do each, and what a supervisor never
sees (private statements, the supervisee's drafts)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from assessments.models import FrameworkItem
from supervision import agenda, agenda_queries
from supervision.models import AgendaItem, SupervisionSession
from supervision.services import NotAllowed
from tests import factories

pytestmark = pytest.mark.django_db

Status = AgendaItem.Status
NHS_NUMBER = "943 476 5919"


def today() -> datetime.date:
    return timezone.localdate()


def add(supervisee, by, text="Agenda setting with anxious clients", token=0, items=()):
    return agenda.add_agenda_item(supervisee, by=by, text=text, items=items, token=token)


def entry_of(supervisee, supervisor, *, days_ago=1, status=SupervisionSession.Status.SUBMITTED):
    submitted_at = None if status == SupervisionSession.Status.DRAFT else timezone.now()
    return factories.SupervisionSessionFactory(
        supervisee=supervisee,
        supervisor=supervisor,
        held_on=today() - datetime.timedelta(days=days_ago),
        status=status,
        submitted_at=submitted_at,
    )


@pytest.fixture
def statements(therapist, published_version):
    """Two statements of the therapist's framework: an ordinary one and a private one."""
    items = FrameworkItem.objects.filter(version=published_version).rated()
    return items.filter(is_sensitive=False).first(), items.filter(is_sensitive=True).first()


@pytest.fixture
def outsider(team):
    """A supervisor in the same team who does not supervise the therapist."""
    return factories.supervisor(team=team)


# Adding


def test_therapist_adds_an_item_to_their_own_agenda(therapist):
    item, created = add(therapist, therapist, text="  Pacing in long sessions  ")
    assert created
    assert (item.text, item.added_by, item.origin, item.status) == (
        "Pacing in long sessions",
        therapist,
        AgendaItem.Origin.ADDED,
        Status.OPEN,
    )


def test_adding_records_who_added_it_in_the_history(therapist, supervisor):
    item, _created = add(therapist, supervisor)
    assert item.history.get().history_user == supervisor


def test_supervisor_adds_an_item_to_a_current_supervisees_agenda(therapist, supervisor):
    item, _created = add(therapist, supervisor)
    assert (item.supervisee, item.added_by) == (therapist, supervisor)


def test_someone_who_does_not_supervise_them_cannot_add(therapist, outsider):
    with pytest.raises(NotAllowed):
        add(therapist, outsider)
    assert not AgendaItem.objects.exists()


def test_a_former_supervisor_cannot_add(therapist, team):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=today() - datetime.timedelta(days=100),
        ends_on=today() - datetime.timedelta(days=1),
    )
    with pytest.raises(NotAllowed):
        add(therapist, former)


def test_the_same_form_sent_twice_adds_one_item(therapist):
    token = agenda_queries.newest_item_id(therapist)
    first, created = add(therapist, therapist, token=token)
    again, created_again = add(therapist, therapist, token=token)
    assert (created, created_again, again) == (True, False, first)
    assert AgendaItem.objects.count() == 1


def test_the_same_words_from_a_new_form_are_a_second_item(therapist):
    add(therapist, therapist, token=agenda_queries.newest_item_id(therapist))
    _item, created = add(therapist, therapist, token=agenda_queries.newest_item_id(therapist))
    assert created
    assert AgendaItem.objects.count() == 2


def test_supervisor_adding_the_same_words_as_the_supervisee_adds_their_own_item(
    therapist, supervisor
):
    add(therapist, therapist)
    _item, created = add(therapist, supervisor)
    assert created


def test_empty_text_is_refused(therapist):
    with pytest.raises(ValidationError) as error:
        add(therapist, therapist, text="   ")
    assert error.value.message_dict == {"text": ["Write what you want to discuss."]}


def test_text_over_2000_characters_is_refused(therapist):
    with pytest.raises(ValidationError) as error:
        add(therapist, therapist, text="x" * 2001)
    assert "2,000 characters" in error.value.message_dict["text"][0]


def test_text_of_2000_characters_is_added(therapist):
    item, _created = add(therapist, therapist, text="x" * 2000)
    assert len(item.text) == 2000


def test_an_nhs_number_in_the_text_is_refused(therapist):
    with pytest.raises(ValidationError) as error:
        add(therapist, therapist, text=f"Client {NHS_NUMBER}")
    assert "NHS number" in error.value.message_dict["text"][0]
    assert not AgendaItem.objects.exists()


def test_item_is_linked_to_the_statements_chosen(therapist, statements):
    ordinary, private = statements
    item, _created = add(therapist, therapist, items=[ordinary, private])
    assert set(item.items.all()) == {ordinary, private}


def test_a_statement_of_another_framework_is_refused(therapist, published_version):
    other = factories.FrameworkItemFactory()
    with pytest.raises(ValidationError) as error:
        add(therapist, therapist, items=[other])
    assert "items" in error.value.message_dict


def test_supervisor_cannot_link_a_private_statement(therapist, supervisor, statements):
    _ordinary, private = statements
    with pytest.raises(ValidationError):
        add(therapist, supervisor, items=[private])
    assert not AgendaItem.objects.exists()


# Suggestions


def test_product_suggests_an_item_added_by_nobody(therapist, statements):
    ordinary, _private = statements
    item = agenda.suggest_agenda_item(therapist, "Practise Socratic questions", [ordinary])
    assert (item.origin, item.added_by, list(item.items.all())) == (
        AgendaItem.Origin.SUGGESTED,
        None,
        [ordinary],
    )


def test_an_open_suggestion_is_not_made_twice(therapist):
    first = agenda.suggest_agenda_item(therapist, "Practise Socratic questions", [])
    again = agenda.suggest_agenda_item(therapist, "Practise Socratic questions ", [])
    assert again == first
    assert AgendaItem.objects.count() == 1


def test_a_closed_suggestion_can_be_suggested_again(therapist):
    first = agenda.suggest_agenda_item(therapist, "Practise Socratic questions", [])
    agenda.close_agenda_item(first, by=therapist, outcome=Status.DROPPED)
    again = agenda.suggest_agenda_item(therapist, "Practise Socratic questions", [])
    assert again != first


def test_a_suggestion_with_an_nhs_number_is_refused(therapist):
    with pytest.raises(ValidationError):
        agenda.suggest_agenda_item(therapist, f"About {NHS_NUMBER}", [])


# Closing


def test_supervisee_marks_an_item_discussed_in_a_logged_session(therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    item, _created = add(therapist, therapist)
    assert agenda.close_agenda_item(
        item, by=therapist, outcome=Status.DISCUSSED, discussed_in=entry
    )
    item.refresh_from_db()
    assert (item.status, item.discussed_in, item.closed_at is not None) == (
        Status.DISCUSSED,
        entry,
        True,
    )
    assert item.history.latest().history_user == therapist


def test_supervisor_drops_an_item(therapist, supervisor):
    item, _created = add(therapist, therapist)
    assert agenda.close_agenda_item(item, by=supervisor, outcome=Status.DROPPED)
    assert AgendaItem.objects.get().status == Status.DROPPED


def test_closing_a_closed_item_changes_nothing(therapist, supervisor):
    item, _created = add(therapist, therapist)
    agenda.close_agenda_item(item, by=therapist, outcome=Status.DROPPED)
    closed_at = AgendaItem.objects.get().closed_at
    assert not agenda.close_agenda_item(item, by=supervisor, outcome=Status.DISCUSSED)
    stored = AgendaItem.objects.get()
    assert (stored.status, stored.closed_at) == (Status.DROPPED, closed_at)


def test_someone_who_does_not_supervise_them_cannot_close(therapist, outsider):
    item, _created = add(therapist, therapist)
    with pytest.raises(NotAllowed):
        agenda.close_agenda_item(item, by=outsider, outcome=Status.DROPPED)
    assert AgendaItem.objects.get().status == Status.OPEN


def test_an_item_cannot_be_reopened_by_closing_it_as_open(therapist):
    item, _created = add(therapist, therapist)
    with pytest.raises(ValidationError):
        agenda.close_agenda_item(item, by=therapist, outcome=Status.OPEN)


def test_a_dropped_item_names_no_session(therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    item, _created = add(therapist, therapist)
    with pytest.raises(ValidationError):
        agenda.close_agenda_item(item, by=therapist, outcome=Status.DROPPED, discussed_in=entry)


def test_another_persons_session_is_refused(therapist, supervisor, team):
    colleague = factories.therapist(team=team)
    entry = entry_of(colleague, supervisor)
    item, _created = add(therapist, therapist)
    with pytest.raises(ValidationError):
        agenda.close_agenda_item(item, by=therapist, outcome=Status.DISCUSSED, discussed_in=entry)


def test_a_session_older_than_90_days_is_refused(therapist, supervisor):
    entry = entry_of(therapist, supervisor, days_ago=91)
    item, _created = add(therapist, therapist)
    with pytest.raises(ValidationError):
        agenda.close_agenda_item(item, by=therapist, outcome=Status.DISCUSSED, discussed_in=entry)


def test_supervisor_cannot_name_the_supervisees_draft(therapist, supervisor):
    draft = entry_of(therapist, supervisor, status=SupervisionSession.Status.DRAFT)
    item, _created = add(therapist, therapist)
    with pytest.raises(ValidationError):
        agenda.close_agenda_item(item, by=supervisor, outcome=Status.DISCUSSED, discussed_in=draft)


# Agreed actions


def test_supervisee_marks_an_action_done_today(therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    assert agenda.complete_action(action, by=therapist, on=today())
    action.refresh_from_db()
    assert action.done_on == today()
    assert action.history.latest().history_user == therapist


def test_marking_a_done_action_done_again_changes_nothing(therapist, supervisor):
    earlier = today() - datetime.timedelta(days=3)
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor), done_on=earlier)
    assert not agenda.complete_action(action, by=therapist, on=today())
    action.refresh_from_db()
    assert action.done_on == earlier


def test_supervisor_cannot_mark_an_action_done(therapist, supervisor):
    action = factories.AgreedActionFactory(entry=entry_of(therapist, supervisor))
    with pytest.raises(NotAllowed):
        agenda.complete_action(action, by=supervisor, on=today())
    action.refresh_from_db()
    assert action.done_on is None


# Reads


def test_supervisor_is_not_offered_private_statements(therapist, supervisor, statements):
    ordinary, private = statements
    offered = agenda_queries.statement_choices(therapist, supervisor)
    assert offered.filter(pk=ordinary.pk).exists()
    assert not offered.filter(pk=private.pk).exists()


def test_supervisee_is_offered_their_private_statements(therapist, statements):
    _ordinary, private = statements
    assert agenda_queries.statement_choices(therapist, therapist).filter(pk=private.pk).exists()


def test_supervisor_does_not_see_an_items_private_statement(therapist, supervisor, statements):
    ordinary, private = statements
    add(therapist, therapist, items=[ordinary, private])
    (item,) = agenda_queries.open_items(therapist, supervisor)
    assert item.shown_items == [ordinary]


def test_supervisee_sees_every_statement_of_their_item(therapist, statements):
    ordinary, private = statements
    add(therapist, therapist, items=[ordinary, private])
    (item,) = agenda_queries.open_items(therapist, therapist)
    assert set(item.shown_items) == {ordinary, private}


def test_closed_items_are_listed_most_recently_closed_first(therapist):
    first, _created = add(therapist, therapist, text="First")
    second, _created = add(therapist, therapist, text="Second")
    agenda.close_agenda_item(second, by=therapist, outcome=Status.DROPPED)
    agenda.close_agenda_item(first, by=therapist, outcome=Status.DROPPED)
    closed = agenda_queries.closed_items(therapist, therapist)
    assert [item.text for item in closed] == ["First", "Second"]


def test_open_actions_leave_out_done_ones(therapist, supervisor):
    entry = entry_of(therapist, supervisor)
    waiting = factories.AgreedActionFactory(entry=entry)
    factories.AgreedActionFactory(entry=entry, done_on=today())
    assert list(agenda_queries.open_actions(therapist, therapist)) == [waiting]


def test_supervisor_does_not_see_actions_of_a_draft(therapist, supervisor):
    draft = entry_of(therapist, supervisor, status=SupervisionSession.Status.DRAFT)
    factories.AgreedActionFactory(entry=draft)
    assert list(agenda_queries.open_actions(therapist, supervisor)) == []
    assert agenda_queries.open_actions(therapist, therapist).count() == 1


def test_session_choices_are_the_last_90_days_newest_first(therapist, supervisor):
    older = entry_of(therapist, supervisor, days_ago=90)
    newer = entry_of(therapist, supervisor, days_ago=2)
    entry_of(therapist, supervisor, days_ago=91)
    assert list(agenda_queries.session_choices(therapist, therapist)) == [newer, older]


# Racing requests (committed for real, each thread on its own connection)


def run_at_once(work: Callable[[], object], count: int = 6) -> tuple[list, list]:
    """Call `work()` from `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def target() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_one_form_sent_many_times_at_once_adds_one_item(therapist):
    token = agenda_queries.newest_item_id(therapist)
    results, errors = run_at_once(lambda: add(therapist, therapist, token=token)[1])
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert AgendaItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_item_closed_many_times_at_once_closes_once(therapist):
    item, _created = add(therapist, therapist)

    def close() -> bool:
        own = AgendaItem.objects.get(pk=item.pk)
        return agenda.close_agenda_item(own, by=therapist, outcome=Status.DROPPED)

    results, errors = run_at_once(close)
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert item.history.count() == 2
