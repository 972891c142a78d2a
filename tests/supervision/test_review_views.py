"""The supervisor's side of sign-off, and the entry's own page: opening an entry, withdrawing,
correcting, returning with a comment and confirming it; the review queue and the count in the
navigation; who may do each; the conflict of a stale page; the access record; query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import AuditEvent
from supervision.models import SessionComment, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
QUEUE = reverse("supervision:review_queue")


def detail_url(entry) -> str:
    return reverse("supervision:session_detail", args=[entry.pk])


def action_url(name: str, entry) -> str:
    return reverse(f"supervision:session_{name}", args=[entry.pk])


def submitted(therapist, supervisor, **fields) -> SupervisionSession:
    defaults = {"status": Status.SUBMITTED, "submitted_at": timezone.now()}
    return factories.SupervisionSessionFactory(
        supervisee=therapist, supervisor=supervisor, **(defaults | fields)
    )


def confirmed(therapist, supervisor, **fields) -> SupervisionSession:
    defaults = {"confirmed_by": supervisor, "confirmed_at": timezone.now()}
    return submitted(therapist, supervisor, status=Status.CONFIRMED, **(defaults | fields))


@pytest.fixture
def entry(therapist, supervisor):
    """An entry the therapist sent to their supervisor to confirm."""
    return submitted(therapist, supervisor, reflection="Practised Socratic questions.")


# The entry's page


def test_supervisee_opens_their_entry_and_sees_its_status(sign_in, therapist, entry):
    response = sign_in(therapist).get(detail_url(entry))
    assertContains(response, "Practised Socratic questions.")
    assertContains(response, "Submitted")
    assertContains(response, "Take it back to change it")


def test_supervisor_opens_an_entry_sent_to_them_with_the_review_forms(sign_in, supervisor, entry):
    response = sign_in(supervisor).get(detail_url(entry))
    assertContains(response, "Return for changes")
    assertContains(response, "Confirm")
    assertNotContains(response, "Take it back to change it")


def test_supervisor_cannot_open_a_supervisees_draft(sign_in, therapist, supervisor):
    draft = factories.SupervisionSessionFactory(supervisee=therapist, supervisor=supervisor)
    assert sign_in(supervisor).get(detail_url(draft)).status_code == 404


def test_colleague_cannot_open_someone_elses_entry(sign_in, team, entry):
    colleague = factories.therapist(team=team)
    assert sign_in(colleague).get(detail_url(entry)).status_code == 404


def test_another_supervisor_cannot_open_the_entry(sign_in, team, entry):
    stranger = factories.supervisor(team=team)
    assert sign_in(stranger).get(detail_url(entry)).status_code == 404


def test_service_lead_cannot_open_an_entry(sign_in, lead, entry):
    assert sign_in(lead).get(detail_url(entry)).status_code == 404


def test_former_supervisor_still_reads_an_entry_they_confirmed(sign_in, therapist, team):
    former = factories.supervisor(team=team)
    today = timezone.localdate()
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=1),
    )
    held_on = today - datetime.timedelta(days=20)
    theirs = confirmed(therapist, former, held_on=held_on)
    pending = submitted(therapist, former, held_on=held_on)
    client = sign_in(former)
    assert client.get(detail_url(theirs)).status_code == 200
    assert client.get(detail_url(pending)).status_code == 404


def test_supervisor_opening_an_entry_is_recorded(sign_in, therapist, supervisor, entry):
    sign_in(supervisor).get(detail_url(entry))
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action, event.detail) == (
        supervisor,
        therapist,
        AuditEvent.Action.OPENED_SUPERVISION,
        str(entry.pk),
    )


def test_supervisee_opening_their_own_entry_is_not_recorded(sign_in, therapist, entry):
    sign_in(therapist).get(detail_url(entry))
    assert not AuditEvent.objects.exists()


def test_entry_page_shows_comments_with_author_and_actions(sign_in, therapist, supervisor, entry):
    factories.SessionCommentFactory(entry=entry, author=supervisor, text="Add the agenda item.")
    factories.AgreedActionFactory(entry=entry, text="Record a session with consent")
    response = sign_in(therapist).get(detail_url(entry))
    assertContains(response, "Add the agenda item.")
    assertContains(response, str(supervisor))
    assertContains(response, "Record a session with consent")


# Withdrawing and correcting


def test_supervisee_takes_a_submitted_entry_back_to_a_draft(sign_in, therapist, entry):
    response = sign_in(therapist).post(action_url("withdraw", entry), {"revision": "0"})
    assertRedirects(response, reverse("supervision:session_edit", args=[entry.pk]))
    entry.refresh_from_db()
    assert (entry.status, entry.submitted_at, entry.revision) == (Status.DRAFT, None, 1)


def test_withdrawing_twice_changes_nothing_more(sign_in, therapist, entry):
    client = sign_in(therapist)
    client.post(action_url("withdraw", entry), {"revision": "0"})
    response = client.post(action_url("withdraw", entry), {"revision": "0"}, follow=True)
    assertContains(response, "already taken this entry back")
    entry.refresh_from_db()
    assert entry.revision == 1


def test_supervisor_cannot_withdraw_the_supervisees_entry(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(action_url("withdraw", entry), {"revision": "0"})
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED


def test_withdrawing_a_confirmed_entry_is_a_conflict(sign_in, therapist, supervisor):
    done = confirmed(therapist, supervisor)
    response = sign_in(therapist).post(action_url("withdraw", done), {"revision": "0"})
    assertContains(response, "already decided", status_code=409)


def test_supervisee_corrects_a_confirmed_entry_in_a_new_draft(sign_in, therapist, supervisor):
    original = confirmed(therapist, supervisor)
    response = sign_in(therapist).post(action_url("amend", original))
    correction = SupervisionSession.objects.get(amends=original)
    assertRedirects(response, reverse("supervision:session_edit", args=[correction.pk]))
    assert correction.status == Status.DRAFT


def test_supervisor_cannot_start_a_correction(sign_in, therapist, supervisor):
    original = confirmed(therapist, supervisor)
    assert sign_in(supervisor).post(action_url("amend", original)).status_code == 404
    assert not SupervisionSession.objects.filter(amends=original).exists()


# Returning and confirming


def test_supervisor_returns_an_entry_with_a_comment(sign_in, supervisor, entry):
    data = {"revision": "0", "comment": "Say which skills you practised."}
    response = sign_in(supervisor).post(action_url("return", entry), data)
    assertRedirects(response, QUEUE)
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED
    comment = SessionComment.objects.get()
    assert (comment.author, comment.text) == (supervisor, "Say which skills you practised.")


def test_return_without_a_comment_is_refused(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(action_url("return", entry), {"revision": "0"})
    assertContains(response, "Say what should change.")
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED


def test_nhs_number_in_a_return_comment_is_refused_and_the_text_kept(sign_in, supervisor, entry):
    data = {"revision": "0", "comment": "Client 943 476 5919 again"}
    response = sign_in(supervisor).post(action_url("return", entry), data)
    assertContains(response, "looks like an NHS number")
    assertContains(response, "Client 943 476 5919 again")
    assert not SessionComment.objects.exists()


def test_supervisor_confirms_an_entry(sign_in, supervisor, entry):
    response = sign_in(supervisor).post(action_url("confirm", entry), {"revision": "0"})
    assertRedirects(response, QUEUE)
    entry.refresh_from_db()
    assert (entry.status, entry.confirmed_by) == (Status.CONFIRMED, supervisor)


def test_confirming_twice_says_already_confirmed(sign_in, supervisor, entry):
    client = sign_in(supervisor)
    client.post(action_url("confirm", entry), {"revision": "0"})
    response = client.post(action_url("confirm", entry), {"revision": "0"}, follow=True)
    assertContains(response, "already confirmed")
    assert entry.history.filter(history_change_reason="confirmed").count() == 1


def test_supervisee_cannot_confirm_their_own_entry(sign_in, therapist, entry):
    response = sign_in(therapist).post(action_url("confirm", entry), {"revision": "0"})
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED


def test_another_supervisor_cannot_return_the_entry(sign_in, team, entry):
    stranger = factories.supervisor(team=team)
    data = {"revision": "0", "comment": "No."}
    assert sign_in(stranger).post(action_url("return", entry), data).status_code == 404


def test_supervisor_whose_supervision_ended_cannot_confirm(sign_in, therapist, team):
    former = factories.supervisor(team=team)
    today = timezone.localdate()
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=1),
    )
    pending = submitted(therapist, former, held_on=today - datetime.timedelta(days=20))
    confirmed(therapist, former, held_on=today - datetime.timedelta(days=30))
    response = sign_in(former).post(action_url("confirm", pending), {"revision": "0"})
    assert response.status_code == 404


def test_return_from_a_stale_page_is_a_conflict_that_keeps_the_comment(
    sign_in, therapist, supervisor, entry
):
    therapist_client = sign_in(therapist)
    therapist_client.post(action_url("withdraw", entry), {"revision": "0"})
    edit = reverse("supervision:session_edit", args=[entry.pk])
    entry.refresh_from_db()
    therapist_client.post(
        edit,
        {
            "revision": str(entry.revision),
            "held_on": entry.held_on.isoformat(),
            "duration_minutes": "90",
            "format": "individual",
            "delivery": "remote",
            "supervisor": str(supervisor.pk),
            "submit": "",
        },
    )
    data = {"revision": "0", "comment": "Please add what you learnt."}
    response = sign_in(supervisor).post(action_url("return", entry), data)
    assertContains(response, "changed since you opened it", status_code=409)
    assertContains(response, "Please add what you learnt.", status_code=409)
    assertContains(response, "90 minutes", status_code=409)
    entry.refresh_from_db()
    assert (entry.status, entry.duration_minutes) == (Status.SUBMITTED, 90)
    assert not SessionComment.objects.exists()


def test_confirm_after_the_entry_was_returned_elsewhere_is_a_conflict(sign_in, supervisor, entry):
    client = sign_in(supervisor)
    client.post(action_url("return", entry), {"revision": "0", "comment": "Add the date."})
    response = client.post(action_url("confirm", entry), {"revision": "0"})
    assertContains(response, "no longer waiting for review", status_code=409)
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED


def test_post_without_the_pages_revision_is_refused(sign_in, supervisor, entry):
    assert sign_in(supervisor).post(action_url("confirm", entry)).status_code == 400


# The supervisee's reply


def test_supervisee_replies_when_sending_a_returned_entry_back(sign_in, therapist, supervisor):
    returned = submitted(therapist, supervisor, status=Status.RETURNED)
    factories.SessionCommentFactory(entry=returned, author=supervisor, text="Add the date.")
    data = {
        "revision": "0",
        "held_on": returned.held_on.isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "in_person",
        "supervisor": str(supervisor.pk),
        "comment": "Done, thank you.",
        "submit": "",
    }
    sign_in(therapist).post(reverse("supervision:session_edit", args=[returned.pk]), data)
    returned.refresh_from_db()
    assert returned.status == Status.SUBMITTED
    assert list(returned.comments.values_list("text", flat=True)) == [
        "Add the date.",
        "Done, thank you.",
    ]


def test_nhs_number_in_a_reply_is_refused_and_the_text_kept(sign_in, therapist, supervisor):
    returned = submitted(therapist, supervisor, status=Status.RETURNED)
    data = {
        "revision": "0",
        "held_on": returned.held_on.isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "in_person",
        "supervisor": str(supervisor.pk),
        "comment": "About 943 476 5919",
        "submit": "",
    }
    response = sign_in(therapist).post(
        reverse("supervision:session_edit", args=[returned.pk]), data
    )
    assertContains(response, "looks like an NHS number")
    assertContains(response, "About 943 476 5919")
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED


# The queue and the navigation


def test_queue_lists_only_the_supervisors_own_pending_entries(sign_in, team, therapist, supervisor):
    mine = submitted(therapist, supervisor)
    factories.SupervisionSessionFactory(supervisee=therapist, supervisor=supervisor)  # draft
    confirmed(therapist, supervisor)
    other_supervisor = factories.supervisor(team=team)
    other_therapist = factories.therapist(team=team)
    factories.SupervisionFactory(supervisor=other_supervisor, supervisee=other_therapist)
    submitted(other_therapist, other_supervisor)
    response = sign_in(supervisor).get(QUEUE)
    assert list(response.context["page"].object_list) == [mine]


def test_queue_lists_the_oldest_first(sign_in, therapist, supervisor):
    newer = submitted(therapist, supervisor)
    older = submitted(therapist, supervisor, submitted_at=timezone.now() - datetime.timedelta(3))
    response = sign_in(supervisor).get(QUEUE)
    assert list(response.context["page"].object_list) == [older, newer]


def test_empty_queue_says_nothing_is_waiting(sign_in, supervisor):
    assertContains(sign_in(supervisor).get(QUEUE), "Nothing is waiting for your review.")


def test_therapist_cannot_open_the_queue(sign_in, therapist):
    assert sign_in(therapist).get(QUEUE).status_code == 403


def test_navigation_counts_the_entries_awaiting_review(sign_in, therapist, supervisor):
    submitted(therapist, supervisor)
    submitted(therapist, supervisor)
    response = sign_in(supervisor).get(QUEUE)
    assertContains(response, '<span class="nav-count">(2)</span>', html=True)


def test_navigation_shows_no_count_when_nothing_waits(sign_in, supervisor):
    assertNotContains(sign_in(supervisor).get(QUEUE), "nav-count")


def test_therapist_navigation_has_no_reviews_link(sign_in, therapist):
    response = sign_in(therapist).get(reverse("supervision:log"))
    assertNotContains(response, "Supervision reviews")


def test_pages_have_no_inline_styles_or_scripts(sign_in, therapist, supervisor, entry):
    for client, url in ((sign_in(supervisor), QUEUE), (sign_in(supervisor), detail_url(entry))):
        content = client.get(url).content.decode()
        assert "style=" not in content and "<script>" not in content


# Query counts

# Measured on SQLite for 1 and 20 entries: user, roles, the navigation's count, the paginator's
# count, the page of entries with their supervisees.
QUEUE_QUERIES = 5


@pytest.mark.parametrize("entries", [1, 20])
def test_queue_query_count_does_not_grow_with_entries(
    sign_in, therapist, supervisor, django_assert_max_num_queries, entries
):
    for _ in range(entries):
        submitted(therapist, supervisor)
    client = sign_in(supervisor)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == entries


# Measured on SQLite: user, the entry with its people, its actions, statements and comments
# (with authors), the access record, whether the viewer supervises the supervisee today, roles,
# the navigation's count.
DETAIL_QUERIES = 9


def test_entry_page_query_count_does_not_grow_with_comments(
    sign_in, therapist, supervisor, entry, django_assert_max_num_queries
):
    factories.SessionCommentFactory.create_batch(10, entry=entry, author=supervisor)
    factories.AgreedActionFactory.create_batch(5, entry=entry)
    client = sign_in(supervisor)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(entry))
    assert response.status_code == 200


def test_edit_form_shows_the_entrys_date_in_the_date_field(sign_in, therapist, supervisor):
    returned = submitted(therapist, supervisor, status=Status.RETURNED)
    response = sign_in(therapist).get(reverse("supervision:session_edit", args=[returned.pk]))
    assertContains(response, f'value="{returned.held_on.isoformat()}"')


def test_a_reply_from_a_stale_page_is_refused_and_kept_in_the_form(sign_in, therapist, supervisor):
    returned = submitted(therapist, supervisor, status=Status.RETURNED)
    returned.revision = 3
    returned.save(update_fields=["revision"])
    data = {
        "revision": "2",
        "held_on": returned.held_on.isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "in_person",
        "supervisor": str(supervisor.pk),
        "comment": "Written on an older page.",
    }
    response = sign_in(therapist).post(
        reverse("supervision:session_edit", args=[returned.pk]), data
    )
    assertContains(response, "Written on an older page.", status_code=409)
    assert not returned.comments.exists()


def test_a_reply_posted_twice_is_saved_once(sign_in, therapist, supervisor):
    returned = submitted(therapist, supervisor, status=Status.RETURNED)
    data = {
        "revision": str(returned.revision),
        "held_on": returned.held_on.isoformat(),
        "duration_minutes": str(returned.duration_minutes),
        "format": returned.format,
        "delivery": returned.delivery,
        "supervisor": str(supervisor.pk),
        "reflection": returned.reflection,
        "comment": "I added the homework.",
    }
    client = sign_in(therapist)
    url = reverse("supervision:session_edit", args=[returned.pk])
    client.post(url, data)
    client.post(url, data)
    assert list(returned.comments.values_list("text", flat=True)) == ["I added the homework."]
