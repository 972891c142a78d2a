"""The supervision log's writes (supervision.services): recording and editing an entry, and its
review draft → submitted → returned → submitted → confirmed, refused for the wrong person, the
wrong state or a stale page, each status change leaving one history row."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from supervision import services
from supervision.models import Format, SessionComment, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupervisionSession.Status
TODAY = timezone.localdate


def entry_fields(**overrides):
    fields = {
        "held_on": TODAY() - datetime.timedelta(days=1),
        "duration_minutes": 60,
        "format": Format.INDIVIDUAL,
        "delivery": "in_person",
        "activities": ["case_discussion", "role_play"],
        "reflection": "Practised setting an agenda.",
    }
    return fields | overrides


@pytest.fixture
def draft(therapist, supervisor):
    return services.record_session(therapist, supervisor=supervisor, **entry_fields())


@pytest.fixture
def submitted(draft, therapist):
    services.submit(draft, by=therapist, revision=draft.revision)
    return draft


def history_reasons(entry):
    return list(
        entry.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )


# Recording and editing


def test_supervisee_records_a_draft_with_their_supervisor(draft, therapist, supervisor):
    assert (draft.status, draft.supervisee, draft.supervisor) == (
        Status.DRAFT,
        therapist,
        supervisor,
    )
    assert draft.history.get().history_user == therapist


def test_session_with_someone_who_is_not_their_supervisor_is_refused(therapist, team):
    stranger = factories.supervisor(team=team)
    with pytest.raises(ValidationError) as refused:
        services.record_session(therapist, supervisor=stranger, **entry_fields())
    assert "supervisor" in refused.value.message_dict


def test_session_before_the_supervision_began_is_refused(therapist, supervisor):
    long_ago = TODAY() - datetime.timedelta(days=90)
    with pytest.raises(ValidationError):
        services.record_session(therapist, supervisor=supervisor, **entry_fields(held_on=long_ago))


def test_session_with_an_external_supervisor_needs_no_relationship(therapist):
    entry = services.record_session(
        therapist,
        external_supervisor_name="Dr A Smith",
        external_supervisor_accredited=True,
        **entry_fields(),
    )
    assert entry.is_external


def test_reflection_with_an_nhs_number_is_refused(therapist, supervisor):
    with pytest.raises(ValidationError) as refused:
        services.record_session(
            therapist, supervisor=supervisor, **entry_fields(reflection="Client 943 476 5919")
        )
    assert "reflection" in refused.value.message_dict
    assert not SupervisionSession.objects.exists()


def test_items_worked_on_are_recorded(therapist, supervisor):
    items = factories.FrameworkItemFactory.create_batch(2)
    entry = services.record_session(therapist, supervisor=supervisor, items=items, **entry_fields())
    assert set(entry.items.all()) == set(items)


def test_supervisee_edits_a_draft_and_its_revision_moves_on(draft, therapist):
    assert services.update_session(draft, by=therapist, revision=0, duration_minutes=90) is True
    draft.refresh_from_db()
    assert (draft.duration_minutes, draft.revision) == (90, 1)


def test_edit_from_a_stale_page_is_refused_and_writes_nothing(draft, therapist):
    services.update_session(draft, by=therapist, revision=0, duration_minutes=90)
    with pytest.raises(services.StaleEntry):
        services.update_session(draft, by=therapist, revision=0, duration_minutes=30)
    draft.refresh_from_db()
    assert draft.duration_minutes == 90


def test_repeated_edit_from_a_stale_page_is_accepted_quietly(draft, therapist):
    services.update_session(draft, by=therapist, revision=0, duration_minutes=90)
    assert services.update_session(draft, by=therapist, revision=0, duration_minutes=90) is False


def test_supervisor_cannot_edit_the_supervisees_entry(draft, supervisor):
    with pytest.raises(services.NotAllowed):
        services.update_session(draft, by=supervisor, revision=0, duration_minutes=90)


def test_submitted_entry_cannot_be_edited(submitted, therapist):
    with pytest.raises(services.WrongState):
        services.update_session(
            submitted, by=therapist, revision=submitted.revision, duration_minutes=90
        )


# Submitting


def test_supervisee_submits_and_it_awaits_review(submitted):
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and submitted.awaits_review
    assert submitted.submitted_at is not None


def test_submitting_twice_changes_nothing_more(submitted, therapist):
    assert services.submit(submitted, by=therapist, revision=0) is False
    assert history_reasons(submitted) == [None, "submitted"]


def test_submit_from_a_stale_page_is_refused(draft, therapist):
    services.update_session(draft, by=therapist, revision=0, duration_minutes=90)
    with pytest.raises(services.StaleEntry):
        services.submit(draft, by=therapist, revision=0)


def test_only_the_supervisee_submits(draft, supervisor):
    with pytest.raises(services.NotAllowed):
        services.submit(draft, by=supervisor, revision=0)


def test_external_entry_is_submitted_and_never_awaits_review(therapist):
    entry = services.record_session(
        therapist, external_supervisor_name="Dr A Smith", **entry_fields()
    )
    services.submit(entry, by=therapist, revision=0)
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED and not entry.awaits_review
    assert not SupervisionSession.objects.awaiting_review().exists()


# Returning and confirming


def test_supervisor_returns_an_entry_with_a_comment(submitted, supervisor):
    assert services.return_for_changes(
        submitted, by=supervisor, revision=submitted.revision, comment="Add the actions."
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    comment = SessionComment.objects.get()
    assert (comment.author, comment.text) == (supervisor, "Add the actions.")


def test_returning_needs_a_comment(submitted, supervisor):
    with pytest.raises(ValidationError):
        services.return_for_changes(submitted, by=supervisor, revision=1, comment="  ")


def test_return_comment_with_an_nhs_number_is_refused(submitted, supervisor):
    with pytest.raises(ValidationError):
        services.return_for_changes(submitted, by=supervisor, revision=1, comment="9434765919")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_returned_entry_is_edited_resubmitted_and_confirmed(submitted, therapist, supervisor):
    services.return_for_changes(submitted, by=supervisor, revision=1, comment="Add the actions.")
    services.update_session(submitted, by=therapist, revision=2, reflection="Now with actions.")
    services.submit(submitted, by=therapist, revision=3)
    assert services.confirm(submitted, by=supervisor, revision=4) is True
    submitted.refresh_from_db()
    assert submitted.status == Status.CONFIRMED
    assert (submitted.confirmed_by, submitted.confirmed_at is not None) == (supervisor, True)
    assert history_reasons(submitted) == [
        None,
        "submitted",
        "returned",
        None,
        "submitted",
        "confirmed",
    ]


def test_each_status_change_names_who_made_it(submitted, therapist, supervisor):
    services.confirm(submitted, by=supervisor, revision=1)
    users = list(submitted.history.order_by("history_id").values_list("history_user", flat=True))
    assert users == [therapist.pk, therapist.pk, supervisor.pk]


def test_confirming_twice_writes_one_history_row(submitted, supervisor):
    services.confirm(submitted, by=supervisor, revision=1)
    assert services.confirm(submitted, by=supervisor, revision=1) is False
    assert history_reasons(submitted).count("confirmed") == 1


def test_confirming_a_draft_is_refused(draft, supervisor):
    with pytest.raises(services.WrongState):
        services.confirm(draft, by=supervisor, revision=0)


def test_confirming_from_a_page_older_than_the_resubmission_is_refused(
    submitted, therapist, supervisor
):
    """The supervisor's page was built at revision 1; since, it was returned and resubmitted."""
    services.return_for_changes(submitted, by=supervisor, revision=1, comment="Add the actions.")
    services.submit(submitted, by=therapist, revision=2)
    with pytest.raises(services.StaleEntry):
        services.return_for_changes(submitted, by=supervisor, revision=1, comment="Again")


def test_another_supervisor_cannot_confirm(submitted, team, therapist):
    colleague = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=colleague, supervisee=therapist)
    with pytest.raises(services.NotAllowed):
        services.confirm(submitted, by=colleague, revision=1)


def test_supervisee_cannot_confirm_their_own_entry(submitted, therapist):
    with pytest.raises(services.NotAllowed):
        services.confirm(submitted, by=therapist, revision=1)


def test_supervisor_who_no_longer_supervises_cannot_confirm(submitted, supervisor, therapist):
    supervisor.supervisions_given.update(ends_on=TODAY() - datetime.timedelta(days=1))
    with pytest.raises(services.NotAllowed):
        services.confirm(submitted, by=supervisor, revision=1)


# Amending


@pytest.fixture
def confirmed(submitted, supervisor):
    services.confirm(submitted, by=supervisor, revision=1)
    return submitted


def test_confirmed_entry_cannot_be_edited(confirmed, therapist):
    with pytest.raises(services.WrongState):
        services.update_session(confirmed, by=therapist, revision=2, duration_minutes=30)


def test_amending_keeps_the_original_and_starts_a_draft_copy(confirmed, therapist):
    items = factories.FrameworkItemFactory.create_batch(1)
    confirmed.items.set(items)
    amendment = services.amend(confirmed, by=therapist)
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED
    assert (amendment.status, amendment.amends, amendment.duration_minutes) == (
        Status.DRAFT,
        confirmed,
        confirmed.duration_minutes,
    )
    assert list(amendment.items.all()) == items


def test_amending_again_gives_the_same_correction(confirmed, therapist):
    assert services.amend(confirmed, by=therapist) == services.amend(confirmed, by=therapist)
    assert SupervisionSession.objects.count() == 2


def test_only_a_confirmed_entry_is_amended(submitted, therapist):
    with pytest.raises(services.WrongState):
        services.amend(submitted, by=therapist)


def test_supervisor_cannot_amend_the_supervisees_entry(confirmed, supervisor):
    with pytest.raises(services.NotAllowed):
        services.amend(confirmed, by=supervisor)


def test_amendment_goes_back_for_confirmation(confirmed, therapist, supervisor):
    amendment = services.amend(confirmed, by=therapist)
    services.update_session(amendment, by=therapist, revision=0, duration_minutes=75)
    services.submit(amendment, by=therapist, revision=1)
    assert SupervisionSession.objects.awaiting_review().get() == amendment


# Agreed actions


def test_supervisee_adds_an_action_and_marks_it_done(draft, therapist):
    action = services.add_action(draft, by=therapist, text="Set agendas", due_on=TODAY())
    services.mark_action_done(action, by=therapist, on=TODAY())
    action.refresh_from_db()
    assert action.done_on == TODAY()


def test_action_with_an_nhs_number_is_refused(draft, therapist):
    with pytest.raises(ValidationError):
        services.add_action(draft, by=therapist, text="Call 943-476-5919", due_on=TODAY())


def test_supervisor_cannot_add_an_action_to_the_supervisees_entry(draft, supervisor):
    with pytest.raises(services.NotAllowed):
        services.add_action(draft, by=supervisor, text="Set agendas", due_on=TODAY())
