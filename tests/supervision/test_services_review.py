"""The review services not covered elsewhere (issue 17): the supervisee taking a submitted
entry back (`withdraw`) and comments in an entry's review (`add_comment`), each refused for the
wrong person, the wrong state or a stale page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from supervision import services
from supervision.models import SessionComment, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status


@pytest.fixture
def draft(therapist, supervisor):
    return services.record_session(
        therapist,
        supervisor=supervisor,
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        duration_minutes=60,
        format="individual",
        delivery="remote",
    )


@pytest.fixture
def submitted(draft, therapist):
    services.submit(draft, by=therapist, revision=draft.revision)
    return draft


@pytest.fixture
def returned(submitted, supervisor):
    services.return_for_changes(
        submitted, by=supervisor, revision=submitted.revision, comment="Add more."
    )
    return submitted


# Withdrawing


def test_supervisee_takes_a_submitted_entry_back_to_a_draft(therapist, submitted):
    revision = submitted.revision
    assert services.withdraw(submitted, by=therapist, revision=revision)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.submitted_at, submitted.revision) == (
        Status.DRAFT,
        None,
        revision + 1,
    )


def test_withdrawing_writes_one_history_row_by_the_supervisee(therapist, submitted):
    services.withdraw(submitted, by=therapist, revision=submitted.revision)
    row = submitted.history.get(history_change_reason="withdrawn")
    assert (row.history_user, row.status) == (therapist, Status.DRAFT)


def test_withdrawing_twice_changes_nothing_more(therapist, submitted):
    stale = submitted.revision
    services.withdraw(submitted, by=therapist, revision=stale)
    assert not services.withdraw(submitted, by=therapist, revision=stale)
    assert submitted.history.filter(history_change_reason="withdrawn").count() == 1


def test_supervisor_cannot_withdraw_the_supervisees_entry(supervisor, submitted):
    with pytest.raises(services.NotAllowed):
        services.withdraw(submitted, by=supervisor, revision=submitted.revision)


def test_a_confirmed_entry_cannot_be_withdrawn(therapist, supervisor, submitted):
    services.confirm(submitted, by=supervisor, revision=submitted.revision)
    with pytest.raises(services.WrongState):
        services.withdraw(submitted, by=therapist, revision=submitted.revision)


def test_a_draft_cannot_be_withdrawn(therapist, draft):
    with pytest.raises(services.WrongState):
        services.withdraw(draft, by=therapist, revision=draft.revision)


def test_withdrawing_from_a_stale_page_is_refused(therapist, supervisor, submitted):
    stale = submitted.revision
    services.return_for_changes(submitted, by=supervisor, revision=stale, comment="Add more.")
    services.submit(submitted, by=therapist, revision=submitted.revision)
    with pytest.raises(services.StaleEntry):
        services.withdraw(submitted, by=therapist, revision=stale)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


# Comments


def test_supervisee_replies_on_a_returned_entry(therapist, returned):
    comment = services.add_comment(returned, by=therapist, text="  Added the skills.  ")
    assert (comment.author, comment.text, comment.entry) == (
        therapist,
        "Added the skills.",
        returned,
    )


def test_supervisor_comments_while_the_entry_awaits_their_review(supervisor, submitted):
    comment = services.add_comment(submitted, by=supervisor, text="Looks good so far.")
    assert comment.author == supervisor


def test_empty_comment_is_refused(therapist, returned):
    with pytest.raises(ValidationError) as refused:
        services.add_comment(returned, by=therapist, text="   ")
    assert "comment" in refused.value.message_dict


def test_comment_with_an_nhs_number_is_refused(therapist, returned):
    with pytest.raises(ValidationError):
        services.add_comment(returned, by=therapist, text="Client 943 476 5919")
    assert SessionComment.objects.filter(author=therapist).count() == 0


def test_supervisee_cannot_comment_while_the_entry_awaits_review(therapist, submitted):
    with pytest.raises(services.WrongState):
        services.add_comment(submitted, by=therapist, text="Any news?")


def test_supervisor_cannot_comment_on_a_confirmed_entry(supervisor, submitted):
    services.confirm(submitted, by=supervisor, revision=submitted.revision)
    with pytest.raises(services.WrongState):
        services.add_comment(submitted, by=supervisor, text="Well done.")


def test_colleague_cannot_comment_on_someone_elses_entry(team, returned):
    colleague = factories.therapist(team=team)
    with pytest.raises(services.NotAllowed):
        services.add_comment(returned, by=colleague, text="Hello.")
    assert not SessionComment.objects.filter(author=colleague).exists()


def test_the_same_reply_sent_twice_is_one_comment(therapist, returned):
    first = services.add_comment(returned, by=therapist, text="I added the homework.")
    again = services.add_comment(returned, by=therapist, text="I added the homework.")
    assert again == first
    assert returned.comments.filter(author=therapist).count() == 1
